//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gorm-libsql/libsql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// exampleDir makes a folder for an example's database file.
func exampleDir() string {
	dir, err := os.MkdirTemp("", "libsql-example")
	if err != nil {
		panic(err)
	}
	return dir
}

// Open a local database file with a Config.
func ExampleNew() {
	dir := exampleDir()
	defer os.RemoveAll(dir)

	type Product struct {
		ID    uint
		Code  string
		Price int
	}
	db, err := gorm.Open(libsql.New(libsql.Config{
		Database:    filepath.Join(dir, "app.db"),
		BusyTimeout: 5 * time.Second,
	}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		panic(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()

	if err := db.AutoMigrate(&Product{}); err != nil {
		panic(err)
	}
	db.Create(&Product{Code: "D42", Price: 100})
	var p Product
	db.First(&p, "code = ?", "D42")
	fmt.Println(p.ID, p.Code, p.Price)
	// Output: 1 D42 100
}

// Open a local database with a DSN; settings are query parameters.
func ExampleOpen() {
	dir := exampleDir()
	defer os.RemoveAll(dir)

	dsn := "file:" + filepath.Join(dir, "app.db") + "?busy_timeout=5s&journal_mode=wal"
	db, err := gorm.Open(libsql.Open(dsn), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		panic(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()

	var journal string
	db.Raw("PRAGMA journal_mode").Scan(&journal)
	fmt.Println(journal)
	// Output: wal
}

// Open an in-memory database, shared by every connection of the pool.
func ExampleOpen_memory() {
	db, err := gorm.Open(libsql.Open(":memory:"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		panic(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()

	db.Exec("CREATE TABLE notes (body TEXT)")
	db.Exec("INSERT INTO notes VALUES (?)", "hello")
	var body string
	db.Raw("SELECT body FROM notes").Scan(&body)
	fmt.Println(body)
	// Output: hello
}

// The dialect reports the name "sqlite", so that tools written for SQLite
// work unchanged; IsLibSQL tells the two apart.
func ExampleIsLibSQL() {
	db, err := gorm.Open(libsql.Open(":memory:"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		panic(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()

	fmt.Println(db.Dialector.Name(), libsql.IsLibSQL(db))
	// Output: sqlite true
}

// With TranslateError, constraint violations match GORM's sentinel errors,
// and errors.As gives the table and columns.
func ExampleConstraintError() {
	type User struct {
		ID    uint
		Email string `gorm:"uniqueIndex"`
	}
	db, err := gorm.Open(libsql.Open(":memory:"), &gorm.Config{TranslateError: true, Logger: logger.Discard})
	if err != nil {
		panic(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()
	if err := db.AutoMigrate(&User{}); err != nil {
		panic(err)
	}

	db.Create(&User{Email: "ann@example.com"})
	err = db.Create(&User{Email: "ann@example.com"}).Error

	fmt.Println(errors.Is(err, gorm.ErrDuplicatedKey))
	var ce *libsql.ConstraintError
	if errors.As(err, &ce) {
		fmt.Println(ce.Kind, ce.Table, ce.Columns)
	}
	fmt.Println(err)
	// Output:
	// true
	// UNIQUE users [email]
	// libsql: UNIQUE constraint violated on users.email
}

// Batch sends several writes as one transaction in one request; ids come
// back into the models as with db.Create.
func ExampleBatch() {
	type Account struct {
		ID      uint
		Owner   string
		Balance int
	}
	db, err := gorm.Open(libsql.Open(":memory:"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		panic(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()
	if err := db.AutoMigrate(&Account{}); err != nil {
		panic(err)
	}
	alice, bob := Account{Owner: "alice", Balance: 100}, Account{Owner: "bob"}
	results, err := libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
		b.Create(&alice)
		b.Create(&bob)
		b.Model(&Account{}).Where("owner = ?", "alice").Update("balance", gorm.Expr("balance - ?", 30))
		return nil
	})
	if err != nil {
		panic(err)
	}
	var balance int
	db.Model(&Account{}).Where("owner = ?", "alice").Select("balance").Scan(&balance)
	fmt.Println(len(results), alice.ID, bob.ID, results[2].RowsAffected, balance)
	// Output: 3 1 2 1 70
}
