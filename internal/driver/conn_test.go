//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStateSnapshotFollowsSQLite: the state a connection keeps from its
// last reset, which the write gate and ResetSession read instead of asking
// SQLite before every statement, is SQLite's own wherever it is read.
func TestStateSnapshotFollowsSQLite(t *testing.T) {
	ctx := context.Background()
	opts := DefaultOptions(filepath.Join(t.TempDir(), "a.db"))
	opts.TxLock = "DEFERRED"
	db, _ := gatedDB(t, opts)
	sc, cn := rawConn(t, db)
	check := func(after string) {
		t.Helper()
		require.Zero(t, cn.active, "after %s", after)
		assert.True(t, cn.snapshot.known, "after %s", after)
		assert.Equal(t, cn.h.autocommit(), cn.autocommit(), "autocommit after %s", after)
		// The gate reads the state with the statement to run active.
		cn.active++
		assert.Equal(t, cn.h.txnState(), cn.txnState(), "transaction state after %s", after)
		cn.active--
	}
	for _, q := range []string{
		"INSERT INTO t (v) VALUES ('a')",
		"BEGIN",
		"SELECT count(*) FROM t",
		"INSERT INTO t (v) VALUES ('b')",
		"COMMIT",
		"BEGIN IMMEDIATE",
		"ROLLBACK",
		"SAVEPOINT a",
		"SELECT count(*) FROM t",
		"RELEASE a",
		"CREATE TABLE u (x)",
	} {
		_, err := sc.ExecContext(ctx, q)
		require.NoError(t, err, q)
		check(q)
	}
	_, err := sc.ExecContext(ctx, "BEGIN")
	require.NoError(t, err)
	_, err = sc.ExecContext(ctx, "INSERT INTO t (id, v) VALUES (1, 'duplicate')")
	require.Error(t, err)
	check("a failed write in a transaction")
	_, err = sc.ExecContext(ctx, "ROLLBACK")
	require.NoError(t, err)

	// While rows are open they may change the state as they step: the
	// snapshot is not used, and SQLite is asked.
	rows, err := sc.QueryContext(ctx, "SELECT v FROM t")
	require.NoError(t, err)
	require.True(t, rows.Next())
	assert.False(t, cn.snapshot.known, "with rows open")
	_, err = sc.ExecContext(ctx, "INSERT INTO t (v) VALUES ('c')")
	require.NoError(t, err)
	assert.False(t, cn.snapshot.known, "a statement released while rows are open")
	require.NoError(t, rows.Close())
	check("closing the rows")

	// A connection left inside a transaction is not pooled again, also
	// when the transaction was begun as text.
	_, err = sc.ExecContext(ctx, "BEGIN")
	require.NoError(t, err)
	assert.Error(t, cn.ResetSession(ctx))
	_, err = sc.ExecContext(ctx, "COMMIT")
	require.NoError(t, err)
	assert.NoError(t, cn.ResetSession(ctx))
}
