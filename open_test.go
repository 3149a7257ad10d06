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

type dsnString string

// The usual ways of calling a GORM driver all open the database.
func TestOpenCallingConventions(t *testing.T) {
	dir := t.TempDir()
	cfg := libsql.Config{Database: filepath.Join(dir, "a.db")}
	var openDSN func(string) gorm.Dialector = libsql.Open[string]
	for name, d := range map[string]gorm.Dialector{
		"New":          libsql.New(cfg),
		"*Config":      libsql.Open(&cfg),
		"named string": libsql.Open(dsnString(filepath.Join(dir, "b.db"))),
		"OpenDSN":      libsql.OpenDSN(filepath.Join(dir, "c.db")),
		"func value":   openDSN(filepath.Join(dir, "d.db")),
	} {
		db, err := gorm.Open(d, &gorm.Config{Logger: logger.Discard})
		require.NoError(t, err, name)
		var n int
		require.NoError(t, db.Raw("SELECT 1").Scan(&n).Error, name)
		require.Equal(t, 1, n, name)
		sqlDB, err := db.DB()
		require.NoError(t, err)
		require.NoError(t, sqlDB.Close())
	}
	_, err := gorm.Open(libsql.Open((*libsql.Config)(nil)), &gorm.Config{Logger: logger.Discard})
	require.ErrorContains(t, err, "nil *Config")
}
