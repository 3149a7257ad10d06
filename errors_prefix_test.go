//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// An error that wraps another of ours names the package once.
func TestErrorsNameThePackageOnce(t *testing.T) {
	open := func(d gorm.Dialector) error {
		db, err := gorm.Open(d, &gorm.Config{Logger: logger.Discard})
		if err == nil {
			sqlDB, _ := db.DB()
			sqlDB.Close()
		}
		return err
	}
	dir := t.TempDir()
	db, err := gorm.Open(New(Config{Database: filepath.Join(dir, "app.db")}), &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	sqlDB, _ := db.DB()
	defer sqlDB.Close()
	type item struct {
		ID   uint
		Name string
	}
	require.NoError(t, db.AutoMigrate(&item{}))
	require.NoError(t, db.Exec("INSERT INTO items (name) VALUES ('a'), ('a')").Error)
	type itemUnique struct {
		ID   uint
		Name string `gorm:"uniqueIndex"`
	}

	for name, err := range map[string]error{
		"a file that cannot be opened":              open(New(Config{Database: filepath.Join(dir, "missing", "app.db")})),
		"a replica whose primary cannot be reached": open(New(Config{Database: filepath.Join(dir, "replica.db"), URL: "http://127.0.0.1:1", RequestTimeout: 2e9})),
		"a DSN value":      open(Open("file:app.db?busy_timeout=soon")),
		"a migration step": db.Table("items").AutoMigrate(&itemUnique{}),
		"a Namespace":      Config{URL: "http://127.0.0.1:1", Namespace: "Bad_Name"}.Validate(),
	} {
		require.Error(t, err, name)
		msg := err.Error()
		assert.Equal(t, 1, strings.Count(msg, "libsql: "), "%s: %s", name, msg)
		assert.True(t, strings.HasPrefix(msg, "libsql: "), "%s: %s", name, msg)
		t.Logf("%s: %s", name, msg)
	}
}
