//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

import (
	"context"
	"database/sql/driver"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/internal/sqlite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// counting is a query whose rows hold no lock on the file: rows that stay
// open while another connection holds the file's exclusive lock.
const counting = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT ?) SELECT i FROM n"

// openRows opens a driver connection of c and rows of counting on it under
// ctx, with their first row read.
func openRows(t testing.TB, c *Connector, ctx context.Context, total int) (*conn, driver.Rows) {
	t.Helper()
	dc, err := c.Connect(context.Background())
	require.NoError(t, err)
	cn := dc.(*conn)
	r, err := cn.QueryContext(ctx, counting, []driver.NamedValue{{Ordinal: 1, Value: int64(total)}})
	require.NoError(t, err)
	require.NoError(t, r.Next(make([]driver.Value, 1)))
	return cn, r
}

// TestCloseUnderOpenRows: a connection closed directly while rows with a
// cancellable context are open (database/sql closes only idle connections,
// but a driver Close or a pool closing under open rows gets here) leaves no
// cancellation that could write into its freed C memory, and everything
// used after Close fails with an error instead of crashing the process.
func TestCloseUnderOpenRows(t *testing.T) {
	c, err := NewConnector(DefaultOptions(filepath.Join(t.TempDir(), "a.db")))
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	cn, r := openRows(t, c, ctx, 10)
	tx, err := cn.BeginTx(ctx, driver.TxOptions{})
	require.NoError(t, err)
	prepared, err := cn.PrepareContext(ctx, "SELECT 1")
	require.NoError(t, err)
	require.NotZero(t, cn.ops, "the rows' cancellation is armed")

	require.NoError(t, cn.Close())
	assert.Zero(t, cn.ops, "Close disarmed every cancellation")
	assert.ErrorIs(t, r.Next(make([]driver.Value, 1)), errClosedUnderRows)
	cancel()
	// A cancellation that still ran would write into freed memory now.
	time.Sleep(10 * time.Millisecond)
	assert.NoError(t, r.Close())
	assert.NoError(t, cn.Close(), "a second Close")

	bg := context.Background()
	_, err = cn.ExecContext(bg, "SELECT 1", nil)
	assert.ErrorIs(t, err, driver.ErrBadConn)
	_, err = cn.QueryContext(bg, "SELECT 1", nil)
	assert.ErrorIs(t, err, driver.ErrBadConn)
	_, err = cn.PrepareContext(bg, "SELECT 1")
	assert.ErrorIs(t, err, driver.ErrBadConn)
	_, err = cn.BeginTx(bg, driver.TxOptions{})
	assert.ErrorIs(t, err, driver.ErrBadConn)
	_, err = cn.ExecBatch(bg, []sqlite.BatchStatement{{SQL: "SELECT 1"}})
	assert.ErrorIs(t, err, driver.ErrBadConn)
	_, _, err = Describe(cn, "SELECT 1")
	assert.ErrorIs(t, err, driver.ErrBadConn)
	assert.ErrorIs(t, cn.Ping(bg), driver.ErrBadConn)
	assert.ErrorIs(t, cn.ResetSession(bg), driver.ErrBadConn)
	assert.False(t, cn.IsValid())
	assert.Error(t, tx.Commit(), "the transaction ended with the connection")
	_, err = prepared.(driver.StmtExecContext).ExecContext(bg, nil)
	assert.ErrorIs(t, err, driver.ErrBadConn)
	assert.NoError(t, prepared.Close())
}

// TestCancelRacesClose races the cancellation of open rows against a
// direct Close of their connection, thousands of times, then closes the
// rows: no cancellation may write into the connection's C memory after
// Close freed it, whichever comes first. Run it under -race and with
// GOEXPERIMENT=cgocheck2.
func TestCancelRacesClose(t *testing.T) {
	c, err := NewConnector(DefaultOptions(":memory:"))
	require.NoError(t, err)
	defer c.Close()
	const iterations = 5000
	deadline := time.Now().Add(10 * time.Second)
	dest := make([]driver.Value, 1)
	n := 0
	for ; n < iterations && time.Now().Before(deadline); n++ {
		ctx, cancel := context.WithCancel(context.Background())
		cn, r := openRows(t, c, ctx, 2)
		// A second operation on the connection, with its own bit.
		other, err := cn.QueryContext(ctx, "SELECT 1", nil)
		require.NoError(t, err)
		cancelled := make(chan struct{})
		go func() {
			cancel()
			close(cancelled)
		}()
		if n%3 == 0 {
			// The cancellation also fires before Close, which then waits
			// for it and clears its bit.
			<-cancelled
		}
		require.NoError(t, cn.Close())
		require.Zero(t, cn.ops, "Close left a cancellation armed")
		<-cancelled
		assert.Error(t, r.Next(dest))
		require.NoError(t, r.Close())
		require.NoError(t, other.Close())
	}
	t.Logf("%d races", n)
	require.Greater(t, n, iterations/10, "too few races ran in time")
}

// TestCancelLockWaitWithRowsOpen: a statement waiting for a lock in the
// busy handler stops when its context ends, well before the busy timeout,
// while the connection's other rows, with a context of their own, read on
// to their end; and rows whose context ends do not stop the lock wait of
// another statement, which gets the lock once it is free.
func TestCancelLockWaitWithRowsOpen(t *testing.T) {
	ctx := context.Background()
	opts := DefaultOptions(filepath.Join(t.TempDir(), "a.db"))
	opts.JournalMode = "DELETE" // an exclusive lock holds off readers
	opts.BusyTimeout = 5 * time.Second
	db, c := gatedDB(t, opts)
	_, err := db.Exec("INSERT INTO t (v) VALUES ('a')")
	require.NoError(t, err)
	holder, err := db.Conn(ctx)
	require.NoError(t, err)
	defer holder.Close()
	hold := func() {
		t.Helper()
		_, err := holder.ExecContext(ctx, "BEGIN EXCLUSIVE")
		require.NoError(t, err)
	}
	const total = 1000
	rowsCtx, cancelRows := context.WithCancel(ctx)
	defer cancelRows()
	cn, r := openRows(t, c, rowsCtx, total)
	defer cn.Close()
	dest := make([]driver.Value, 1)
	count := func() (int64, error) {
		waitCtx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		q, err := cn.QueryContext(waitCtx, "SELECT count(*) FROM t", nil)
		if err != nil {
			return 0, err
		}
		defer q.Close()
		if err := q.Next(dest); err != nil {
			return 0, err
		}
		return dest[0].(int64), nil
	}

	hold()
	start := time.Now()
	_, err = count()
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), opts.BusyTimeout/2, "the lock wait stopped with its context")
	read := int64(1)
	for ; r.Next(dest) == nil; read++ {
		require.Equal(t, read+1, dest[0])
	}
	require.Equal(t, int64(total), read, "the rows open across the cancelled wait read to their end")
	require.NoError(t, r.Close())

	// The other way round: the rows' context ends during the wait.
	r, err = cn.QueryContext(rowsCtx, counting, []driver.NamedValue{{Ordinal: 1, Value: int64(total)}})
	require.NoError(t, err)
	require.NoError(t, r.Next(dest))
	released := make(chan error, 1)
	time.AfterFunc(20*time.Millisecond, cancelRows)
	time.AfterFunc(40*time.Millisecond, func() {
		_, err := holder.ExecContext(ctx, "ROLLBACK")
		released <- err
	})
	waitCtx, cancelWait := context.WithCancel(ctx)
	defer cancelWait()
	q, err := cn.QueryContext(waitCtx, "SELECT count(*) FROM t", nil)
	require.NoError(t, err, "the wait outlived the rows' cancellation and got the lock")
	require.NoError(t, q.Next(dest))
	assert.Equal(t, int64(1), dest[0])
	require.NoError(t, q.Close())
	require.NoError(t, <-released)
	assert.ErrorIs(t, r.Next(dest), context.Canceled)
	require.NoError(t, r.Close())
}
