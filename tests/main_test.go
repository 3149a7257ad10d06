// Package tests runs the dialect against a real sqld: the shared GORM suite
// in remote and embedded-replica mode, and the behaviour only those modes
// have (authentication, a server that is down, sync, request counts).
package tests

import (
	"os"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

var server *sqldtest.Server

func TestMain(m *testing.M) { os.Exit(sqldtest.Main(m, &server)) }

// remoteConfig is a Config for the test server in remote mode.
func remoteConfig(t testing.TB) libsql.Config {
	srv := sqldtest.Require(t, server)
	return libsql.Config{URL: srv.URL, AuthToken: srv.Token()}
}

// open opens cfg with GORM, quiet unless the test sets a logger, and closes
// it when the test ends.
func open(t testing.TB, cfg libsql.Config, gcfg *gorm.Config) *gorm.DB {
	t.Helper()
	if gcfg == nil {
		gcfg = &gorm.Config{TranslateError: true}
	}
	if gcfg.Logger == nil {
		gcfg.Logger = logger.Discard
	}
	db, err := gorm.Open(libsql.New(cfg), gcfg)
	require.NoError(t, err)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	t.Cleanup(func() { sqlDB.Close() })
	return db
}

// emptyServer drops everything from the server's database.
func emptyServer(t testing.TB) {
	t.Helper()
	require.NoError(t, sqldtest.Require(t, server).Reset())
}
