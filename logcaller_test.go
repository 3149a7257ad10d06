//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql

import (
	"bytes"
	"context"
	"log"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// loggedFiles returns, for each line of GORM's logger output that holds
// marker, the file:line GORM wrote before it.
func loggedFiles(out, marker string) []string {
	lines := strings.Split(out, "\n")
	var files []string
	for i, l := range lines {
		if strings.Contains(l, marker) && i > 0 {
			files = append(files, lines[i-1])
		}
	}
	return files
}

// GORM's logger names the caller of Batch, not a file of the dialect.
func TestBatchLogNamesTheCaller(t *testing.T) {
	var out bytes.Buffer
	db, err := gorm.Open(New(Config{Database: filepath.Join(t.TempDir(), "app.db")}), &gorm.Config{
		Logger: logger.New(log.New(&out, "", 0), logger.Config{LogLevel: logger.Info}),
	})
	require.NoError(t, err)
	sqlDB, _ := db.DB()
	defer sqlDB.Close()
	require.NoError(t, db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)").Error)
	out.Reset()

	_, err = Batch(context.Background(), db, func(b *gorm.DB) error {
		return b.Exec("INSERT INTO t (v) VALUES (?)", "a").Error
	})
	require.NoError(t, err)
	_, self, _, _ := runtime.Caller(0)

	batch := loggedFiles(out.String(), "BATCH of 1 statements")
	require.Len(t, batch, 1, out.String())
	assert.True(t, strings.HasPrefix(batch[0], self+":"), "the batch is logged as run by its caller: %s", batch[0])
	recorded := loggedFiles(out.String(), "INSERT INTO t")
	require.Len(t, recorded, 1, out.String())
	assert.True(t, strings.HasPrefix(recorded[0], self+":"), "the statement as built by its caller: %s", recorded[0])
}
