// Command encrypted keeps a local database encrypted at rest. The key comes
// from LIBSQL_ENCRYPTION_KEY (32 bytes).
package main

import (
	"fmt"
	"log"
	"os"

	"github.com/gorm-libsql/libsql"
	"gorm.io/gorm"
)

// Secret is a row that never reaches the disk in plaintext.
type Secret struct {
	ID   uint
	Text string
}

func main() {
	key := os.Getenv("LIBSQL_ENCRYPTION_KEY")
	if key == "" {
		log.Fatal("set LIBSQL_ENCRYPTION_KEY to a key of 32 bytes")
	}
	db, err := gorm.Open(libsql.New(libsql.Config{Database: "encrypted.db", EncryptionKey: key}), &gorm.Config{})
	if err != nil {
		log.Fatal(err)
	}
	if err := db.AutoMigrate(&Secret{}); err != nil {
		log.Fatal(err)
	}
	if err := db.Create(&Secret{Text: "the launch codes"}).Error; err != nil {
		log.Fatal(err)
	}
	var n int64
	if err := db.Model(&Secret{}).Count(&n).Error; err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d secrets in encrypted.db, unreadable without the key\n", n)
}
