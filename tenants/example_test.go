//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package tenants_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tenants"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

type Note struct {
	ID   uint
	Text string
}

// A database per tenant on local files: create, migrate every tenant, and
// work on one.
func ExampleManager() {
	dir, _ := os.MkdirTemp("", "tenants")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	store, err := tenants.NewLocalFiles(filepath.Join(dir, "tenants"), libsql.Config{})
	if err != nil {
		panic(err)
	}
	m, err := tenants.New(tenants.Config{Store: store, GORM: &gorm.Config{Logger: logger.Discard}})
	if err != nil {
		panic(err)
	}
	defer m.Close()

	for _, name := range []string{"acme", "globex"} {
		if err := m.Create(ctx, name); err != nil {
			panic(err)
		}
	}
	report, err := m.Migrate(ctx, &Note{})
	if err != nil {
		panic(err)
	}
	fmt.Println("migrated:", len(report.Changed()))

	err = m.Do(ctx, "acme", func(db *gorm.DB) error {
		return db.Create(&Note{Text: "hello"}).Error
	})
	if err != nil {
		panic(err)
	}
	for _, name := range []string{"acme", "globex"} {
		var n int64
		err := m.Do(ctx, name, func(db *gorm.DB) error { return db.Model(&Note{}).Count(&n).Error })
		if err != nil {
			panic(err)
		}
		fmt.Println(name, n)
	}
	// Output:
	// migrated: 2
	// acme 1
	// globex 0
}
