//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql

import (
	stdlog "log"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// A successful DropColumn of an indexed column logs no failed statement.
func TestDropIndexedColumnLogsNoError(t *testing.T) {
	type logged struct {
		ID   uint
		Code string `gorm:"index"`
		Tag  string `gorm:"index:tag_expr,expression:lower(tag)"`
	}
	var buf strings.Builder
	log := logger.New(stdlog.New(&buf, "", 0), logger.Config{LogLevel: logger.Info, Colorful: false})
	db, err := gorm.Open(New(Config{Database: filepath.Join(t.TempDir(), "d.db")}), &gorm.Config{Logger: log})
	require.NoError(t, err)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	defer sqlDB.Close()
	require.NoError(t, db.AutoMigrate(&logged{}))
	buf.Reset()
	require.NoError(t, db.Migrator().DropColumn(&logged{}, "Code"))
	require.NoError(t, db.Migrator().DropColumn(&logged{}, "Tag"))
	assert.False(t, db.Migrator().HasColumn(&logged{}, "Code"))
	assert.False(t, db.Migrator().HasColumn(&logged{}, "Tag"))
	assert.NotContains(t, buf.String(), "error")
}
