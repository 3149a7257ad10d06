//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package tests

import (
	"path/filepath"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tests/suite"
	"gorm.io/gorm"
)

// openLocal opens a fresh database file in the test's temporary folder.
func openLocal(t testing.TB, cfg *gorm.Config) *gorm.DB {
	return open(t, libsql.Config{Database: filepath.Join(t.TempDir(), "test.db")}, cfg)
}

// TestSuiteLocal runs the shared GORM suite on local files.
func TestSuiteLocal(t *testing.T) {
	suite.Run(t, suite.Env{
		Mode:     "local",
		Open:     func(t testing.TB) *gorm.DB { return openLocal(t, &gorm.Config{TranslateError: true}) },
		OpenWith: openLocal,
	})
}

// TestLocalConcurrentTransactions runs 8 writers of 200 read-then-insert
// transactions each on one file: with BEGIN IMMEDIATE they queue instead of
// failing with "database is locked".
func TestLocalConcurrentTransactions(t *testing.T) {
	suite.ConcurrentTransactions(t, openLocal(t, &gorm.Config{TranslateError: true}), 8, 200)
}

// TestLocalManyWriters: 256 goroutines of read-then-insert transactions on
// one file with the default config all succeed, in a serial order (see
// suite.ConcurrentTransactions). Writers queue in turn for the write lock,
// so none waits out the busy timeout however many there are.
func TestLocalManyWriters(t *testing.T) {
	suite.ConcurrentTransactions(t, openLocal(t, &gorm.Config{TranslateError: true}), 256, 4)
}
