//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gorm-libsql/libsql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// Connect to a Turso database named by TURSO_DATABASE_URL and
// TURSO_AUTH_TOKEN, keeping an embedded replica in a local file that syncs
// every minute.
func ExampleConfigFromEnv() {
	cfg, err := libsql.ConfigFromEnv()
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.Database = "replica.db"
	cfg.SyncInterval = time.Minute
	db, err := gorm.Open(libsql.New(cfg), &gorm.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = db
}

// Pull the primary's latest writes into an embedded replica.
func ExampleSync() {
	db, err := gorm.Open(libsql.Open("libsql://db.example.turso.io?authToken=TOKEN&replica=replica.db"), &gorm.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	synced, err := libsql.Sync(context.Background(), db) // or db.Exec("sync")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("now at frame", synced.FrameNo, "after", synced.FramesSynced, "new frames")
	status, _ := libsql.LastSync(db)
	fmt.Println("last synced at", status.LastSync)
}

// Sync on a database that is not a replica says so.
func ExampleSync_notReplica() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	db, err := gorm.Open(libsql.Open(filepath.Join(dir, "app.db")), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		panic(err)
	}
	_, err = libsql.Sync(context.Background(), db)
	fmt.Println(err == libsql.ErrNotReplica)
	// Output: true
}

// Store embeddings and find the nearest ones.
func ExampleVector32() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	type Doc struct {
		ID        uint
		Title     string
		Embedding libsql.Vector32 `gorm:"size:3;index:doc_embedding_idx,expression:libsql_vector_idx(embedding)"`
	}
	db, err := gorm.Open(libsql.Open(filepath.Join(dir, "docs.db")), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		panic(err)
	}
	if err := db.AutoMigrate(&Doc{}); err != nil {
		panic(err)
	}
	db.Create(&[]Doc{
		{Title: "cats", Embedding: libsql.Vector32{1, 0, 0}},
		{Title: "dogs", Embedding: libsql.Vector32{0.8, 0.6, 0}},
		{Title: "cars", Embedding: libsql.Vector32{0, 0, 1}},
	})
	query := libsql.Vector32{0.9, 0.4, 0}

	var nearest []Doc
	db.Clauses(clause.OrderBy{Expression: libsql.VectorDistanceCos("embedding", query)}).Limit(2).Find(&nearest)
	fmt.Println(nearest[0].Title, nearest[1].Title)

	var top []Doc
	db.Joins("JOIN ? AS top ON top.id = docs.rowid", libsql.VectorTopK("doc_embedding_idx", query, 1)).Find(&top)
	fmt.Println(len(top), top[0].Embedding)
	// Output:
	// dogs cats
	// 1 [0.8,0.6,0]
}

// Times computed by SQL come back as the stored text.
func ExampleTimeFormat() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	type Event struct {
		ID uint
		At time.Time
	}
	db, err := gorm.Open(libsql.Open(filepath.Join(dir, "events.db")), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		panic(err)
	}
	db.AutoMigrate(&Event{})
	db.Create(&Event{At: time.Date(2024, 5, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))})

	var text string
	db.Model(&Event{}).Select("max(at)").Row().Scan(&text)
	latest, _ := time.Parse(libsql.TimeFormat, text)
	fmt.Println(text)
	fmt.Println(latest.Format(time.RFC3339))
	// Output:
	// 2024-05-01 10:00:00.000000000+00:00
	// 2024-05-01T10:00:00Z
}
