// Command replica keeps an embedded replica of a remote database in
// replica.db: reads are local, writes go to the primary. It reads
// TURSO_DATABASE_URL and TURSO_AUTH_TOKEN.
package main

import (
	"context"
	"fmt"
	"log"
	"time"

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
	cfg.Database = "replica.db"
	cfg.SyncInterval = time.Minute
	db, err := gorm.Open(libsql.New(cfg), &gorm.Config{TranslateError: true})
	if err != nil {
		log.Fatal(err)
	}
	if err := db.AutoMigrate(&Visit{}); err != nil {
		log.Fatal(err)
	}
	if err := db.Create(&Visit{Page: "/replica"}).Error; err != nil {
		log.Fatal(err)
	}
	synced, err := libsql.Sync(context.Background(), db)
	if err != nil {
		log.Fatal(err)
	}
	var n int64
	if err := db.Model(&Visit{}).Count(&n).Error; err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d visits (read locally); replica at frame %d after syncing %d frames\n", n, synced.FrameNo, synced.FramesSynced)
}
