//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package tests

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/tests/internal/logtest"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// A failed background sync is logged with no file of the library as its
// place: it has no caller to name.
func TestReplicaBackgroundSyncLogNamesNoLibraryFile(t *testing.T) {
	emptyServer(t)
	srv := sqldtest.Require(t, server)
	proxy := sqldtest.NewProxy(t, srv.URL)
	cfg := replicaConfig(t, proxy.URL())
	cfg.SyncInterval = 20 * time.Millisecond
	cfg.RequestTimeout = 300 * time.Millisecond
	log, out := logtest.New(logger.Error)
	open(t, cfg, &gorm.Config{Logger: log})
	proxy.Refuse("/wal_log")

	var place string
	require.Eventually(t, func() bool {
		for _, e := range out.Entries() {
			if strings.Contains(e.Text, "background sync failed") {
				place = e.Caller
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond)
	_, self, _, _ := runtime.Caller(0)
	library := filepath.Dir(filepath.Dir(self)) + string(filepath.Separator)
	assert.False(t, strings.HasPrefix(place, library), "names %s", place)
}
