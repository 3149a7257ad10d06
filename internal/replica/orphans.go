package replica

import (
	"fmt"
	"path/filepath"
	"sync"
	"time"
)

// orphans holds, for each replica file whose Replica was closed while a
// sync was still running (Close waits for it at most closeWait), a channel
// closed once that sync has ended and closed its native handle. libSQL does
// not support two handles syncing one replica file, so a new native handle
// of the file waits for the orphaned one.
var orphans = struct {
	sync.Mutex
	files map[string]chan struct{}
}{files: map[string]chan struct{}{}}

// fileKey names a replica file in orphans.
func fileKey(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// orphan records that path's native handle is left to a running sync.
func orphan(path string) {
	key := fileKey(path)
	orphans.Lock()
	defer orphans.Unlock()
	if orphans.files[key] == nil {
		orphans.files[key] = make(chan struct{})
	}
}

// unorphan records that the sync left running on path has ended.
func unorphan(path string) {
	key := fileKey(path)
	orphans.Lock()
	defer orphans.Unlock()
	if done := orphans.files[key]; done != nil {
		close(done)
		delete(orphans.files, key)
	}
}

// awaitOrphan waits, at most limit, until no sync left running by a closed
// Replica has path open.
func awaitOrphan(path string, limit time.Duration) error {
	orphans.Lock()
	done := orphans.files[fileKey(path)]
	orphans.Unlock()
	if done == nil {
		return nil
	}
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-done:
		return nil
	case <-timer.C:
		return fmt.Errorf("libsql: the replica %s is still open by a closed handle whose sync has not ended after %s", path, limit)
	}
}
