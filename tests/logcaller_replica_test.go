//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package tests

import (
	"bytes"
	"log"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// syncBuffer is a log writer the background sync may write from another
// goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A failed background sync is logged with no file of the library as its
// place: it has no caller to name.
func TestReplicaBackgroundSyncLogNamesNoLibraryFile(t *testing.T) {
	emptyServer(t)
	srv := sqldtest.Require(t, server)
	proxy := sqldtest.NewProxy(t, srv.URL)
	cfg := replicaConfig(t, proxy.URL())
	cfg.SyncInterval = 20 * time.Millisecond
	cfg.RequestTimeout = 300 * time.Millisecond
	var out syncBuffer
	open(t, cfg, &gorm.Config{Logger: logger.New(log.New(&out, "", 0), logger.Config{LogLevel: logger.Error})})
	proxy.Refuse("/wal_log")

	var place string
	require.Eventually(t, func() bool {
		lines := strings.Split(out.String(), "\n")
		for i, l := range lines {
			if strings.Contains(l, "background sync failed") && i > 0 {
				place = lines[i-1]
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond)
	_, self, _, _ := runtime.Caller(0)
	library := filepath.Dir(filepath.Dir(self)) + string(filepath.Separator)
	assert.False(t, strings.HasPrefix(place, library), "names %s", place)
}
