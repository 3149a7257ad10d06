package tests

import (
	"testing"

	"github.com/gorm-libsql/libsql/internal/suite"
	"gorm.io/gorm"
)

func TestSuiteRemote(t *testing.T) {
	openEmpty := func(t testing.TB, cfg *gorm.Config) *gorm.DB {
		emptyServer(t)
		return open(t, remoteConfig(t), cfg)
	}
	suite.Run(t, suite.Env{
		Mode:     "remote",
		Open:     func(t testing.TB) *gorm.DB { return openEmpty(t, &gorm.Config{TranslateError: true}) },
		OpenWith: openEmpty,
	})
}
