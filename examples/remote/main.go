// Command remote talks to a remote libSQL database (Turso or a local sqld)
// over HTTP. It reads TURSO_DATABASE_URL and TURSO_AUTH_TOKEN.
package main

import (
	"fmt"
	"log"

	"github.com/gorm-libsql/libsql"
	"gorm.io/gorm"
)

// Visit is one recorded visit.
type Visit struct {
	ID   uint
	Page string
}

func main() {
	cfg, err := libsql.ConfigFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	db, err := gorm.Open(libsql.New(cfg), &gorm.Config{TranslateError: true})
	if err != nil {
		log.Fatal(err)
	}
	if err := db.AutoMigrate(&Visit{}); err != nil {
		log.Fatal(err)
	}
	if err := db.Create(&Visit{Page: "/home"}).Error; err != nil {
		log.Fatal(err)
	}
	var n int64
	if err := db.Model(&Visit{}).Count(&n).Error; err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d visits recorded on %s\n", n, cfg.URL)
}
