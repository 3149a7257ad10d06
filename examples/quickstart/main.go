// Command quickstart shows the dialect on a local libSQL file: models,
// migrations, CRUD, associations, a transaction, upsert and error handling.
//
//	go run ./examples/quickstart            # writes quickstart.db in a temp folder
//	go run ./examples/quickstart -db app.db # or a file of your choice
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/gorm-libsql/libsql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// Author writes posts.
type Author struct {
	ID        uint
	Name      string
	Email     string `gorm:"uniqueIndex;not null"`
	Posts     []Post
	CreatedAt time.Time
}

// Post belongs to an author and has tags.
type Post struct {
	ID          uint
	AuthorID    uint
	Title       string
	PublishedOn string // a date kept as text: it reads back exactly as written
	Tags        []Tag  `gorm:"many2many:post_tags"`
	Views       int    `gorm:"default:0"`
}

// Tag labels posts.
type Tag struct {
	ID   uint
	Name string `gorm:"uniqueIndex"`
}

func main() {
	path := flag.String("db", "", "database file (default: a new file in a temporary folder)")
	flag.Parse()
	if *path == "" {
		dir, err := os.MkdirTemp("", "gorm-libsql-quickstart")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		*path = filepath.Join(dir, "quickstart.db")
	}
	if err := run(*path); err != nil {
		log.Fatal(err)
	}
}

func run(path string) error {
	db, err := gorm.Open(libsql.New(libsql.Config{Database: path}), &gorm.Config{
		TranslateError: true,
		Logger:         logger.Default.LogMode(logger.Silent),
	})
	if err != nil {
		return err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	fmt.Println("opened", path, "- libSQL:", libsql.IsLibSQL(db), "- GORM dialect name:", db.Dialector.Name())

	if err := db.AutoMigrate(&Author{}, &Post{}, &Tag{}); err != nil {
		return err
	}

	ada := Author{Name: "Ada", Email: "ada@example.com", Posts: []Post{
		{Title: "Notes on the Engine", PublishedOn: "1843-09-01", Tags: []Tag{{Name: "math"}, {Name: "history"}}},
		{Title: "On Bernoulli numbers", PublishedOn: "1843-10-15"},
	}}
	if err := db.Create(&ada).Error; err != nil {
		return err
	}
	fmt.Printf("created author %d with %d posts\n", ada.ID, len(ada.Posts))

	var loaded Author
	if err := db.Preload("Posts.Tags").First(&loaded, ada.ID).Error; err != nil {
		return err
	}
	for _, p := range loaded.Posts {
		fmt.Printf("  post %q published %s, %d tags\n", p.Title, p.PublishedOn, len(p.Tags))
	}

	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&Post{}).Where("author_id = ?", ada.ID).Update("views", gorm.Expr("views + ?", 10)).Error; err != nil {
			return err
		}
		return tx.Create(&Author{Name: "Grace", Email: "grace@example.com"}).Error
	})
	if err != nil {
		return err
	}

	// Upsert: a second author with the same email updates the name instead.
	if err := db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "email"}},
		DoUpdates: clause.AssignmentColumns([]string{"name"}),
	}).Create(&Author{Name: "Grace Hopper", Email: "grace@example.com"}).Error; err != nil {
		return err
	}

	// Without the upsert clause the same insert is a duplicate key.
	err = db.Create(&Author{Name: "Impostor", Email: "ada@example.com"}).Error
	var violation *libsql.ConstraintError
	if errors.Is(err, gorm.ErrDuplicatedKey) && errors.As(err, &violation) {
		fmt.Printf("duplicate rejected: %s on %s.%v\n", violation.Kind, violation.Table, violation.Columns)
	} else {
		return fmt.Errorf("expected a duplicate key error, got %v", err)
	}

	var authors []Author
	if err := db.Order("name").Find(&authors).Error; err != nil {
		return err
	}
	var views int64
	if err := db.Model(&Post{}).Select("sum(views)").Scan(&views).Error; err != nil {
		return err
	}
	for _, a := range authors {
		fmt.Printf("author %-12s %s\n", a.Name, a.Email)
	}
	fmt.Println("total views:", views)
	return nil
}
