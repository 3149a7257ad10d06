//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package replica

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/internal/hrana"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCloseRecordsOrphanedSync: a Replica closed while a sync hangs leaves
// the file to that sync, and a new native handle of the file waits until
// the sync has ended, so that two handles never sync one file.
func TestCloseRecordsOrphanedSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	f := newFakePrimary(t, path, nil)
	r, _ := openRouter(t, f, path, false, hrana.Limits{})
	stuck := make(chan struct{})
	f.mu.Lock()
	f.stuck = stuck
	f.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := r.Sync(ctx)
	require.Error(t, err, "the sync is abandoned and keeps running")
	require.NoError(t, awaitOrphan(path, 0), "no orphan while the Replica is open")

	require.NoError(t, r.Close(), "Close gives up on the sync after closeWait")
	assert.Error(t, awaitOrphan(path, 100*time.Millisecond), "a new handle of the file waits for the orphaned sync")
	close(stuck)
	assert.NoError(t, awaitOrphan(path, 5*time.Second), "and goes on once it has ended")
}
