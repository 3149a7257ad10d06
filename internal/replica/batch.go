//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package replica

import (
	"context"

	"github.com/gorm-libsql/libsql/internal/sqlite"
)

// ExecBatch runs stmts on the primary in one request (see
// hrana.Conn.ExecBatch), then, when it applied them and ReadYourWrites is
// on, syncs once so that local reads see them. If that sync fails, the
// results come back with an error matching ErrWriteNotSynced.
func (c *conn) ExecBatch(ctx context.Context, stmts []sqlite.BatchStatement) ([]sqlite.BatchResult, error) {
	if c.localTx != nil {
		return nil, sqlite.ErrBatchInTransaction
	}
	results, err := c.rc.ExecBatch(ctx, stmts)
	if err == nil {
		c.dirty = true
	}
	// A batch applied but not synced keeps its results: the caller must
	// not run it again.
	return results, c.catchUp(ctx, unknownOnReplica(err))
}
