//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

import (
	"context"
	"database/sql/driver"

	"github.com/gorm-libsql/libsql/internal/sqlite"
)

// ExecBatch runs stmts one by one in a transaction on the local
// connection, and commits when all succeed. A statement that asks for rows
// has them read whole.
func (c *conn) ExecBatch(ctx context.Context, stmts []sqlite.BatchStatement) ([]sqlite.BatchResult, error) {
	if c.h == nil {
		return nil, driver.ErrBadConn
	}
	if c.inTx || !c.h.autocommit() {
		return nil, sqlite.ErrBatchInTransaction
	}
	tx, err := c.BeginTx(ctx, driver.TxOptions{})
	if err != nil {
		return nil, err
	}
	results := make([]sqlite.BatchResult, len(stmts))
	for i, st := range stmts {
		if results[i], err = c.execBatched(ctx, st); err != nil {
			tx.Rollback()
			return nil, &sqlite.BatchError{Index: i, Count: len(stmts), SQL: st.SQL, Err: err}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, sqlite.CommitFailed(err)
	}
	return results, nil
}

func (c *conn) execBatched(ctx context.Context, st sqlite.BatchStatement) (sqlite.BatchResult, error) {
	if !st.WantRows {
		res, err := c.ExecContext(ctx, st.SQL, st.Args)
		if err != nil {
			return sqlite.BatchResult{}, err
		}
		var out sqlite.BatchResult
		out.LastID, _ = res.LastInsertId()
		out.Changes, _ = res.RowsAffected()
		return out, nil
	}
	rows, err := c.QueryContext(ctx, st.SQL, st.Args)
	if err != nil {
		return sqlite.BatchResult{}, err
	}
	held, err := sqlite.ReadRows(rows)
	if err != nil {
		return sqlite.BatchResult{}, err
	}
	// The statement ran to its end: the connection still holds its counts.
	return sqlite.BatchResult{Result: sqlite.Result{LastID: c.h.lastInsertID(), Changes: c.h.changes()}, Rows: held}, nil
}
