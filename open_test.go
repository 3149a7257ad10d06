//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"path/filepath"
	"testing"

	"github.com/gorm-libsql/libsql"
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
