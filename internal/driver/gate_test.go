//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/sqlerr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitQueued waits until n connections queue at g.
func waitQueued(t *testing.T, g *writeGate, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.waiters.Len() == n
	}, 10*time.Second, time.Millisecond, "%d writers queued", n)
}

func TestWriteGateFIFO(t *testing.T) {
	g := &writeGate{}
	require.NoError(t, g.enter(context.Background(), time.Minute))
	const n = 20
	order := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, g.enter(context.Background(), time.Minute))
			order <- i
			g.leave()
		}()
		waitQueued(t, g, i+1)
	}
	time.Sleep(2 * starveAfter)
	assert.False(t, g.tryEnter(), "a newcomer does not pass writers that waited starveAfter")
	g.leave()
	wg.Wait()
	close(order)
	want := 0
	for got := range order {
		assert.Equal(t, want, got, "writers get the gate in the order they asked")
		want++
	}
	assert.True(t, g.tryEnter(), "free again")
}

func TestWriteGateGivingUp(t *testing.T) {
	g := &writeGate{}
	require.True(t, g.tryEnter())

	err := g.enter(context.Background(), 20*time.Millisecond)
	var e *sqlerr.Error
	require.ErrorAs(t, err, &e, "the busy timeout ends the wait with SQLite's busy error")
	assert.Equal(t, sqlerr.CodeBusy, e.Primary())
	assert.Contains(t, e.Error(), "database is locked")

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- g.enter(ctx, time.Minute) }()
	waitQueued(t, g, 1)
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	waitQueued(t, g, 0)

	// A writer that gives up after the gate was handed to it passes it on
	// rather than losing it.
	ctx, cancel = context.WithCancel(context.Background())
	go func() { done <- g.enter(ctx, time.Minute) }()
	waitQueued(t, g, 1)
	time.Sleep(2 * starveAfter)
	g.mu.Lock()
	cancel()
	g.handOver() // the gate arrives as the waiter gives up
	g.mu.Unlock()
	err = <-done
	if err == nil {
		g.leave()
	}
	assert.True(t, g.tryEnter(), "the gate is not lost")
}

// gatedDB opens a pool on a fresh file and returns its Connector too.
func gatedDB(t *testing.T, opts Options) (*sql.DB, *Connector) {
	t.Helper()
	c, err := NewConnector(opts)
	require.NoError(t, err)
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	_, err = db.Exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")
	require.NoError(t, err)
	return db, c
}

func rawConn(t *testing.T, db *sql.DB) (*sql.Conn, *conn) {
	t.Helper()
	sc, err := db.Conn(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { sc.Close() })
	var cn *conn
	require.NoError(t, sc.Raw(func(dc any) error {
		cn = dc.(*conn)
		return nil
	}))
	return sc, cn
}

// TestWritersTakeTheLockInTurn: a writer that has waited long gets the lock
// before one that arrived later. SQLite's busy handler would poll the long
// waiter at its longest interval and let the newcomer, which polls after
// 1 ms, win almost every time.
func TestWritersTakeTheLockInTurn(t *testing.T) {
	db, c := gatedDB(t, DefaultOptions(filepath.Join(t.TempDir(), "a.db")))
	holder, err := db.Begin()
	require.NoError(t, err)
	_, err = holder.Exec("INSERT INTO t (v) VALUES ('holder')")
	require.NoError(t, err)

	order := make(chan string, 2)
	write := func(name string) {
		tx, err := db.Begin()
		if !assert.NoError(t, err) {
			return
		}
		order <- name
		_, err = tx.Exec("INSERT INTO t (v) VALUES (?)", name)
		assert.NoError(t, err)
		assert.NoError(t, tx.Commit())
	}
	go write("first")
	waitQueued(t, c.gate, 1)
	time.Sleep(500 * time.Millisecond) // long enough for SQLite's polls to space out
	go write("second")
	waitQueued(t, c.gate, 2)
	require.NoError(t, holder.Commit())
	assert.Equal(t, "first", <-order)
	assert.Equal(t, "second", <-order)
}

// TestGateFollowsTransactions: the gate is held exactly while a connection
// holds the write lock, whichever way the transaction started and ended.
func TestGateFollowsTransactions(t *testing.T) {
	ctx := context.Background()
	opts := DefaultOptions(filepath.Join(t.TempDir(), "a.db"))
	opts.TxLock = "DEFERRED"
	db, _ := gatedDB(t, opts)
	sc, cn := rawConn(t, db)
	exec := func(q string) {
		t.Helper()
		_, err := sc.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}

	// Each statement, and whether the connection holds the gate after it.
	for _, step := range []struct {
		sql  string
		held bool
		why  string
	}{
		{"BEGIN IMMEDIATE", true, "BEGIN IMMEDIATE run as text"},
		{"COMMIT", false, "COMMIT"},
		{"begin exclusive transaction", true, "BEGIN EXCLUSIVE, any case"},
		{"END", false, "END"},
		{"BEGIN", false, "a deferred BEGIN takes no lock"},
		{"SELECT count(*) FROM t", false, "reading takes no gate"},
		{"ROLLBACK", false, "ROLLBACK of a read"},
		{"BEGIN", false, "a deferred BEGIN"},
		{"INSERT INTO t (v) VALUES ('a')", true, "a deferred transaction's first write"},
		{"SELECT count(*) FROM t", true, "kept for the rest of the transaction"},
		{"ROLLBACK", false, "ROLLBACK"},
		{"SAVEPOINT a", false, "a savepoint outside a transaction begins a deferred one"},
		{"INSERT INTO t (v) VALUES ('a')", true, "its first write"},
		{"SAVEPOINT b", true, "an inner savepoint"},
		{"INSERT INTO t (v) VALUES ('b')", true, "writing in it"},
		{"ROLLBACK TO b", true, "ROLLBACK TO keeps the transaction"},
		{"RELEASE b", true, "releasing an inner savepoint keeps the transaction"},
		{"RELEASE a", false, "releasing the outermost savepoint commits"},
		{"INSERT INTO t (v) VALUES ('c')", false, "an autocommit write, once done"},
	} {
		exec(step.sql)
		assert.Equal(t, step.held, cn.gateHeld, "after %s: %s", step.sql, step.why)
	}

	// Autocommit: the statement's duration, until its rows are closed.
	rows, err := sc.QueryContext(ctx, "INSERT INTO t (v) VALUES ('d'), ('e') RETURNING id")
	require.NoError(t, err)
	require.True(t, rows.Next())
	assert.True(t, cn.gateHeld, "while a writing statement's rows are open")
	require.NoError(t, rows.Close())
	assert.False(t, cn.gateHeld, "after its rows are closed")

	// A failed statement gives the gate back.
	_, err = sc.ExecContext(ctx, "INSERT INTO t (id, v) VALUES (1, 'dup')")
	require.Error(t, err)
	assert.False(t, cn.gateHeld, "after a failed autocommit write")

	// database/sql's transactions.
	tx, err := sc.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, "INSERT INTO t (v) VALUES ('f')")
	require.NoError(t, err)
	assert.True(t, cn.gateHeld)
	require.NoError(t, tx.Rollback())
	assert.False(t, cn.gateHeld)
	tx, err = sc.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, "INSERT INTO t (v) VALUES ('g')")
	require.Error(t, err, "a read-only transaction refuses writes")
	assert.False(t, cn.gateHeld, "and never queues for the lock")
	require.NoError(t, tx.Rollback())
}

// TestGateReleasedOnClose: closing a connection in the middle of a write
// transaction lets the next writer in.
func TestGateReleasedOnClose(t *testing.T) {
	db, c := gatedDB(t, DefaultOptions(filepath.Join(t.TempDir(), "a.db")))
	sc, cn := rawConn(t, db)
	_, err := sc.ExecContext(context.Background(), "BEGIN IMMEDIATE")
	require.NoError(t, err)
	require.True(t, cn.gateHeld)
	done := make(chan error)
	go func() {
		_, err := db.Exec("INSERT INTO t (v) VALUES ('next')")
		done <- err
	}()
	waitQueued(t, c.gate, 1)
	// As the migrator does with a connection it must not pool.
	require.ErrorIs(t, sc.Raw(func(any) error { return driver.ErrBadConn }), driver.ErrBadConn)
	require.NoError(t, <-done)
}

// TestReaderDoesNotWaitForTheGate: a connection that holds a read
// transaction and then writes while another holds the gate fails at once
// with SQLITE_BUSY, as SQLite does, instead of waiting for a writer that
// could be waiting for it.
func TestReaderDoesNotWaitForTheGate(t *testing.T) {
	ctx := context.Background()
	opts := DefaultOptions(filepath.Join(t.TempDir(), "a.db"))
	opts.BusyTimeout = time.Hour
	db, _ := gatedDB(t, opts)
	holder, err := db.Begin()
	require.NoError(t, err)
	defer holder.Rollback()
	_, err = holder.Exec("INSERT INTO t (v) VALUES ('holder')")
	require.NoError(t, err)

	sc, cn := rawConn(t, db)
	_, err = sc.ExecContext(ctx, "BEGIN DEFERRED")
	require.NoError(t, err)
	_, err = sc.ExecContext(ctx, "SELECT count(*) FROM t")
	require.NoError(t, err)
	done := make(chan error)
	go func() {
		_, err := sc.ExecContext(ctx, "INSERT INTO t (v) VALUES ('reader')")
		done <- err
	}()
	select {
	case err := <-done:
		var e *sqlerr.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, sqlerr.CodeBusy, e.Primary())
		assert.False(t, cn.gateHeld)
	case <-time.After(30 * time.Second):
		t.Fatal("a reader upgrading to a writer waited for the gate")
	}
	_, err = sc.ExecContext(ctx, "ROLLBACK")
	require.NoError(t, err)
}

// TestGateSharedPerFile: every Connector on one file shares its gate,
// whatever path or URI names the file; other files and in-memory
// databases have their own, and read-only Connectors none.
func TestGateSharedPerFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.db")
	open := func(opts Options) *Connector {
		c, err := NewConnector(opts)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c
	}
	a := open(DefaultOptions(path))
	require.NotNil(t, a.gate)

	wd, err := os.Getwd()
	require.NoError(t, err)
	require.NoError(t, os.Chdir(dir))
	t.Cleanup(func() { os.Chdir(wd) })
	assert.Same(t, a.gate, open(DefaultOptions("a.db")).gate, "relative path")
	assert.Same(t, a.gate, open(DefaultOptions("file:"+path+"?cache=private")).gate, "URI")
	require.NoError(t, os.Symlink(path, filepath.Join(dir, "link.db")))
	assert.Same(t, a.gate, open(DefaultOptions(filepath.Join(dir, "link.db"))).gate, "symbolic link")

	assert.NotSame(t, a.gate, open(DefaultOptions(filepath.Join(dir, "b.db"))).gate, "another file")
	m1, m2 := open(DefaultOptions(":memory:")), open(DefaultOptions(":memory:"))
	require.NotNil(t, m1.gate)
	assert.NotSame(t, m1.gate, m2.gate, "each :memory: database is its own")

	ro := DefaultOptions(path)
	ro.ReadOnly = true
	assert.Nil(t, open(ro).gate, "read-only connections never write")

	// The last Connector to close drops the file's entry.
	b := open(DefaultOptions(filepath.Join(dir, "c.db")))
	key := b.gate.key
	require.NoError(t, b.Close())
	gates.mu.Lock()
	_, kept := gates.m[key]
	gates.mu.Unlock()
	assert.False(t, kept)
}

// TestGateTimeoutAndCancel: the wait at the gate ends with the busy timeout
// or the context, as SQLite's busy wait does.
func TestGateTimeoutAndCancel(t *testing.T) {
	opts := DefaultOptions(filepath.Join(t.TempDir(), "a.db"))
	opts.BusyTimeout = 50 * time.Millisecond
	db, _ := gatedDB(t, opts)
	holder, err := db.Begin()
	require.NoError(t, err)
	defer holder.Rollback()

	_, err = db.Exec("INSERT INTO t (v) VALUES ('late')")
	var e *sqlerr.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, sqlerr.CodeBusy, e.Primary())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = db.ExecContext(ctx, "INSERT INTO t (v) VALUES ('cancelled')")
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}
