package tests

import (
	"path/filepath"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tests/suite"
	"gorm.io/gorm"
)

// TestSuite runs the shared GORM suite against sqld in each server mode,
// every test on an emptied server database.
func TestSuite(t *testing.T) {
	modes := map[string]func(t testing.TB) libsql.Config{
		"remote": remoteConfig,
		"replica": func(t testing.TB) libsql.Config {
			cfg := remoteConfig(t)
			cfg.Database = filepath.Join(t.TempDir(), "replica.db")
			return cfg
		},
	}
	for _, mode := range serverModes {
		config := modes[mode]
		openEmpty := func(t testing.TB, cfg *gorm.Config) *gorm.DB {
			emptyServer(t)
			return open(t, config(t), cfg)
		}
		t.Run(mode, func(t *testing.T) {
			suite.Run(t, suite.Env{
				Mode:     mode,
				Open:     func(t testing.TB) *gorm.DB { return openEmpty(t, &gorm.Config{TranslateError: true}) },
				OpenWith: openEmpty,
			})
		})
	}
}
