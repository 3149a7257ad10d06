//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/sqlerr"
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

// TestStateSnapshotAfterHostilePaths: the snapshot is SQLite's state also
// after the paths where SQLite ends or keeps a transaction on its own: a
// COMMIT refused by a deferred foreign key or by a reader (SQLITE_BUSY,
// the transaction stays open), a trigger's RAISE(ROLLBACK), an interrupted
// statement, and multi-statement texts that fail half-way.
func TestStateSnapshotAfterHostilePaths(t *testing.T) {
	ctx := context.Background()
	opts := DefaultOptions(filepath.Join(t.TempDir(), "a.db"))
	opts.JournalMode = "DELETE" // a reader blocks a COMMIT
	opts.BusyTimeout = 20 * time.Millisecond
	db, _ := gatedDB(t, opts)
	sc, cn := rawConn(t, db)
	exec := func(q string) error {
		_, err := sc.ExecContext(ctx, q)
		return err
	}
	check := func(after string, inTx bool) {
		t.Helper()
		require.Zero(t, cn.active, "after %s", after)
		assert.Equal(t, !inTx, cn.h.autocommit(), "SQLite's autocommit after %s", after)
		assert.Equal(t, cn.h.autocommit(), cn.autocommit(), "autocommit after %s", after)
		cn.active++
		assert.Equal(t, cn.h.txnState(), cn.txnState(), "transaction state after %s", after)
		cn.active--
		assert.Equal(t, inTx, cn.ResetSession(ctx) != nil, "pooled again after %s", after)
		if cn.h.txnState() != txnWrite {
			assert.False(t, cn.gateHeld, "the gate is held without the write lock after %s", after)
		}
	}
	for _, q := range []string{
		"CREATE TABLE p (id INTEGER PRIMARY KEY)",
		"CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)",
		"CREATE TABLE guarded (v)",
		"CREATE TRIGGER no_bad BEFORE INSERT ON guarded WHEN NEW.v = 'bad' BEGIN SELECT RAISE(ROLLBACK, 'bad row'); END",
	} {
		require.NoError(t, exec(q), q)
	}

	require.NoError(t, exec("BEGIN"))
	require.NoError(t, exec("INSERT INTO c (p_id) VALUES (42)"))
	require.Error(t, exec("COMMIT"), "a deferred foreign key violation")
	check("a COMMIT refused by a deferred foreign key", true)
	require.NoError(t, exec("ROLLBACK"))
	check("ROLLBACK", false)

	require.NoError(t, exec("BEGIN"))
	require.NoError(t, exec("INSERT INTO guarded (v) VALUES ('good')"))
	require.Error(t, exec("INSERT INTO guarded (v) VALUES ('bad')"))
	check("a trigger's RAISE(ROLLBACK)", false)

	require.Error(t, exec("BEGIN; INSERT INTO t (id, v) VALUES (1, 'a'); INSERT INTO t (id, v) VALUES (1, 'dup')"))
	check("a multi-statement text failing after its BEGIN", true)
	require.NoError(t, exec("INSERT INTO t (v) VALUES ('b'); COMMIT"))
	check("a multi-statement text ending in COMMIT", false)

	rows, err := sc.QueryContext(ctx, "BEGIN; SELECT v FROM t")
	require.NoError(t, err)
	for rows.Next() {
	}
	require.NoError(t, rows.Close())
	check("a query text that begins a transaction", true)
	require.NoError(t, exec("ROLLBACK"))

	// A long statement interrupted in a transaction: SQLite rolls it back.
	require.NoError(t, exec("BEGIN"))
	require.NoError(t, exec("INSERT INTO t (v) VALUES ('c')"))
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	_, err = sc.ExecContext(cctx, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) INSERT INTO t (v) SELECT i FROM n")
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded)
	check("an interrupted write in a transaction", !cn.h.autocommit())
	if !cn.h.autocommit() {
		require.NoError(t, exec("ROLLBACK"))
	}

	// A COMMIT that a reader on another connection holds off: SQLITE_BUSY,
	// and the transaction is still open.
	reader, err := db.Conn(ctx)
	require.NoError(t, err)
	defer reader.Close()
	require.NoError(t, exec("BEGIN"))
	require.NoError(t, exec("INSERT INTO t (v) VALUES ('d')"))
	held, err := reader.QueryContext(ctx, "SELECT v FROM t")
	require.NoError(t, err)
	require.True(t, held.Next())
	err = exec("COMMIT")
	require.Error(t, err)
	require.ErrorIs(t, err, sqlerr.CodeBusy)
	check("a COMMIT refused by a reader", true)
	assert.True(t, cn.gateHeld, "the write lock is still held, so is the gate")
	require.NoError(t, held.Close())
	require.NoError(t, exec("COMMIT"))
	check("the COMMIT once the reader is gone", false)
}

// TestCancelAffectsOnlyItsStatement: a statement whose context ends stops,
// and the other statements of the connection do not notice: rows open in the
// same transaction read on to their end, and the next statement runs.
// SQLite's own interrupt stays set until no statement of the connection is
// active, so it would fail them all.
func TestCancelAffectsOnlyItsStatement(t *testing.T) {
	ctx := context.Background()
	db, _ := gatedDB(t, DefaultOptions(filepath.Join(t.TempDir(), "a.db")))
	const total = 100000
	const slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n WHERE i < 0"
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback()

	rowsCtx, cancelRows := context.WithCancel(ctx)
	defer cancelRows()
	rows, err := tx.QueryContext(rowsCtx, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT ?) SELECT i FROM n", total)
	require.NoError(t, err)
	read := 0
	next := func(n int) {
		t.Helper()
		for ; n > 0 && rows.Next(); n-- {
			var i int
			require.NoError(t, rows.Scan(&i))
			read++
			require.Equal(t, read, i)
		}
	}
	next(10)

	slowCtx, cancelSlow := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = tx.ExecContext(slowCtx, slow)
	cancelSlow()
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var one int
	require.NoError(t, tx.QueryRowContext(ctx, "SELECT 1").Scan(&one), "the next statement, rows still open")

	next(total)
	require.NoError(t, rows.Err(), "the rows open across the cancellation")
	require.Equal(t, total, read)
	require.NoError(t, rows.Close())
	require.NoError(t, tx.QueryRowContext(ctx, "SELECT 1").Scan(&one), "the next statement")

	// The other way round: the rows' context ends while another statement
	// runs, which finishes.
	rows, err = tx.QueryContext(rowsCtx, "SELECT 1 UNION ALL SELECT 2")
	require.NoError(t, err)
	require.True(t, rows.Next())
	time.AfterFunc(20*time.Millisecond, cancelRows)
	var n int
	require.NoError(t, tx.QueryRowContext(ctx, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 3000000) SELECT count(*) FROM n").Scan(&n))
	require.Equal(t, 3000000, n)
	require.ErrorIs(t, rowsCtx.Err(), context.Canceled, "the rows' context ended while the count ran")
	require.False(t, rows.Next())
	require.ErrorIs(t, rows.Err(), context.Canceled)
	require.NoError(t, tx.Commit())
}
