//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// The two ways of calling a GORM driver, New(Config) and Open(dsn), open
// the database; both are plain functions, usable as values where another
// driver's are.
func TestOpenCallingConventions(t *testing.T) {
	dir := t.TempDir()
	var (
		open  func(string) gorm.Dialector        = libsql.Open
		newFn func(libsql.Config) gorm.Dialector = libsql.New
	)
	for name, d := range map[string]gorm.Dialector{
		"New":  newFn(libsql.Config{Database: filepath.Join(dir, "a.db")}),
		"Open": open(filepath.Join(dir, "b.db")),
	} {
		t.Run(name, func(t *testing.T) {
			db, err := gorm.Open(d, &gorm.Config{Logger: logger.Discard})
			require.NoError(t, err)
			var n int
			require.NoError(t, db.Raw("SELECT 1").Scan(&n).Error)
			require.Equal(t, 1, n)
			sqlDB, err := db.DB()
			require.NoError(t, err)
			require.NoError(t, sqlDB.Close())
		})
	}
}

// TestOpenDSNApplied: what a DSN says reaches every connection.
func TestOpenDSNApplied(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dsn.db")
	db, err := gorm.Open(libsql.Open("file:"+path+"?busy_timeout=1234&journal_mode=truncate&synchronous=full&foreign_keys=off"),
		&gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	defer sqlDB.Close()
	var sync, fk int
	var journal string
	require.NoError(t, db.Raw("PRAGMA journal_mode").Scan(&journal).Error)
	require.NoError(t, db.Raw("PRAGMA synchronous").Scan(&sync).Error)
	require.NoError(t, db.Raw("PRAGMA foreign_keys").Scan(&fk).Error)
	assert.Equal(t, "truncate", journal)
	assert.Equal(t, 2, sync, "FULL")
	assert.Zero(t, fk)

	// Defaults: WAL, NORMAL, foreign keys on.
	def := openLocal(t, &gorm.Config{})
	require.NoError(t, def.Raw("PRAGMA journal_mode").Scan(&journal).Error)
	require.NoError(t, def.Raw("PRAGMA synchronous").Scan(&sync).Error)
	require.NoError(t, def.Raw("PRAGMA foreign_keys").Scan(&fk).Error)
	assert.Equal(t, "wal", journal)
	assert.Equal(t, 1, sync, "NORMAL")
	assert.Equal(t, 1, fk)
}

func TestOpenRejectsBadConfig(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]gorm.Dialector{
		"unknown DSN parameter":    libsql.Open("app.db?nope=1"),
		"names no database":        libsql.New(libsql.Config{}),
		"unknown JournalMode":      libsql.New(libsql.Config{Database: filepath.Join(dir, "a.db"), JournalMode: "fast"}),
		"unknown Synchronous":      libsql.New(libsql.Config{Database: filepath.Join(dir, "b.db"), Synchronous: "maybe"}),
		"BusyTimeout -1s":          libsql.New(libsql.Config{Database: filepath.Join(dir, "c.db"), BusyTimeout: -time.Second}),
		"unknown transaction lock": libsql.New(libsql.Config{Database: filepath.Join(dir, "d.db"), TxLock: "LAZY"}),
	}
	for want, d := range cases {
		t.Run(want, func(t *testing.T) {
			_, err := gorm.Open(d, &gorm.Config{Logger: logger.Discard})
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
		})
	}
	// Nothing was created for a refused configuration.
	entries, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	assert.Empty(t, entries)
}
