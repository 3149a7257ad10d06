// Command migrate evolves a model in four steps with AutoMigrate and
// prints the DDL each step ran and the row counts after it: add a column,
// change a type, add an index, and drop a column from a table whose
// children cascade on delete. No row is lost.
//
//	go run ./examples/migrate            # writes migrate.db in a temp folder
//	go run ./examples/migrate -db app.db # or a file of your choice
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorm-libsql/libsql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ddlPrinter is a GORM logger that prints the statements that change the
// schema or data.
type ddlPrinter struct{ logger.Interface }

func (p ddlPrinter) LogMode(logger.LogLevel) logger.Interface { return p }

func (p ddlPrinter) Trace(_ context.Context, _ time.Time, fc func() (string, int64), err error) {
	sql, _ := fc()
	word := strings.ToUpper(strings.Fields(sql + " x")[0])
	switch word {
	case "CREATE", "ALTER", "DROP", "INSERT", "REINDEX":
		fmt.Printf("    %s\n", sql)
		if err != nil {
			fmt.Printf("      -> %v\n", err)
		}
	}
}

// Step 1: customers with orders that are deleted with their customer.
type Customer struct {
	ID     uint
	Name   string `gorm:"index"`
	Points string
	Orders []Order `gorm:"constraint:OnDelete:CASCADE"`
}

// Order belongs to a customer.
type Order struct {
	ID         uint
	CustomerID uint
	Total      int
}

// CustomerV2 adds an email column.
type CustomerV2 struct {
	ID     uint
	Name   string `gorm:"index"`
	Points string
	Email  string `gorm:"not null;default:''"`
}

// CustomerV3 stores points as integers.
type CustomerV3 struct {
	ID     uint
	Name   string `gorm:"index"`
	Points int64  `gorm:"type:integer"`
	Email  string `gorm:"not null;default:''"`
}

// CustomerV4 indexes email.
type CustomerV4 struct {
	ID     uint
	Name   string `gorm:"index"`
	Points int64  `gorm:"type:integer"`
	Email  string `gorm:"not null;default:'';index:idx_customers_email"`
}

// CustomerV5 no longer has a name.
type CustomerV5 struct {
	ID     uint
	Points int64  `gorm:"type:integer"`
	Email  string `gorm:"not null;default:'';index:idx_customers_email"`
}

func main() {
	path := flag.String("db", "", "database file (default: a temp folder)")
	flag.Parse()
	if *path == "" {
		dir, err := os.MkdirTemp("", "migrate")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		*path = filepath.Join(dir, "migrate.db")
	}
	db, err := gorm.Open(libsql.New(libsql.Config{Database: *path}), &gorm.Config{Logger: ddlPrinter{logger.Discard}})
	if err != nil {
		log.Fatal(err)
	}

	step := func(title string, run func() error) {
		fmt.Println(title)
		if err := run(); err != nil {
			log.Fatalf("%s: %v", title, err)
		}
		var customers, orders int64
		db.Table("customers").Count(&customers)
		db.Table("orders").Count(&orders)
		fmt.Printf("  => %d customers, %d orders\n\n", customers, orders)
	}

	step("1. create customers and orders", func() error {
		if err := db.AutoMigrate(&Customer{}, &Order{}); err != nil {
			return err
		}
		return db.Create(&[]Customer{
			{Name: "Ada", Points: "120", Orders: []Order{{Total: 10}, {Total: 25}}},
			{Name: "Linus", Points: "75", Orders: []Order{{Total: 7}}},
		}).Error
	})
	customers := db.Table("customers")
	step("2. add a column (ALTER TABLE ADD COLUMN)", func() error { return customers.AutoMigrate(&CustomerV2{}) })
	step("3. change a type, text to integer (ALTER COLUMN; values converted)", func() error {
		return customers.AutoMigrate(&CustomerV3{})
	})
	step("4. add an index", func() error { return customers.AutoMigrate(&CustomerV4{}) })
	// SQLite refuses to drop an indexed column, so the migrator rebuilds the
	// table with foreign keys off: the orders are not cascaded away.
	step("5. drop the indexed name column of a table with cascading children (rebuild)", func() error {
		return db.Table("customers").Migrator().DropColumn(&CustomerV5{}, "name")
	})
	step("6. run AutoMigrate again: nothing to do", func() error { return customers.AutoMigrate(&CustomerV5{}) })

	var points []string
	db.Raw("SELECT typeof(points) || ' ' || points FROM customers ORDER BY id").Scan(&points)
	fmt.Println("points now stored as:", strings.Join(points, ", "))
}
