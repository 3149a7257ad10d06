//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package replica

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	local "github.com/gorm-libsql/libsql/internal/driver"
	"github.com/gorm-libsql/libsql/internal/hrana"
	"github.com/gorm-libsql/libsql/internal/hranatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The router's tests run against a fake primary (internal/hranatest) and
// a replica file that is a plain local SQLite file. libSQL cannot sync
// from the fake, so a sync here is the fake's: it applies to the file the
// writes the primary acknowledged since the last one.

// localValue is what the file holds in t before any sync; the fake
// primary answers every SELECT with 1, so a read tells where it ran.
const localValue = 42

// fakePrimary is a fake Hrana server that records the writes it
// acknowledged, and the sync that copies them into the replica's file.
type fakePrimary struct {
	*hranatest.Server
	file *sql.DB

	mu sync.Mutex
	// pending are the writes acknowledged and not yet synced.
	pending []string
	// stuck, when set, is waited on by a sync before it fails, as a
	// libSQL sync that hangs on a silent primary until it comes back.
	stuck chan struct{}
	// syncErr fails every sync that is not stuck.
	syncErr error
	syncs   atomic.Int32
}

// newFakePrimary starts a fake primary whose replies come from reply, or
// are those of a working server when reply returns false, and creates a
// replica file at path holding t(v) with localValue.
func newFakePrimary(t *testing.T, path string, reply func(hranatest.Pipeline) (hranatest.Reply, bool)) *fakePrimary {
	t.Helper()
	f := &fakePrimary{}
	f.Server = hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply {
		if reply != nil {
			if r, ok := reply(p); ok {
				return r
			}
		}
		f.mu.Lock()
		for _, s := range p.SQL() {
			if strings.HasPrefix(s, "INSERT INTO t ") {
				f.pending = append(f.pending, s)
			}
		}
		f.mu.Unlock()
		return hranatest.OK(p, hranatest.Baton("b"), "")
	})
	opts := local.DefaultOptions(path)
	opts.JournalMode = "DELETE"
	c, err := local.NewConnector(opts)
	require.NoError(t, err)
	f.file = sql.OpenDB(c)
	t.Cleanup(func() { f.file.Close() })
	_, err = f.file.Exec("CREATE TABLE IF NOT EXISTS t (v INTEGER)")
	require.NoError(t, err)
	_, err = f.file.Exec("INSERT INTO t VALUES (?)", localValue)
	require.NoError(t, err)
	// The metadata file libSQL keeps beside a replica.
	require.NoError(t, os.WriteFile(path+"-info", []byte("{}"), 0o600))
	return f
}

// pull is the fake's sync.
func (f *fakePrimary) pull() (frameNo, framesSynced int, err error) {
	f.syncs.Add(1)
	f.mu.Lock()
	stuck, syncErr := f.stuck, f.syncErr
	f.mu.Unlock()
	if stuck != nil {
		<-stuck
		return 0, 0, errors.New("error trying to connect: connection reset by peer")
	}
	if syncErr != nil {
		return 0, 0, syncErr
	}
	f.mu.Lock()
	writes := f.pending
	f.pending = nil
	f.mu.Unlock()
	for _, w := range writes {
		if _, err := f.file.Exec(w); err != nil {
			return 0, 0, err
		}
	}
	return len(writes), len(writes), nil
}

// requests lists the statements the primary received, in order.
func (f *fakePrimary) requests() []string {
	var out []string
	for _, p := range f.Pipelines() {
		out = append(out, p.SQL()...)
	}
	return out
}

// openRouter opens a replica of f at path and a pool of one connection on it.
func openRouter(t *testing.T, f *fakePrimary, path string, readYourWrites bool, limits hrana.Limits) (*Replica, *sql.DB) {
	t.Helper()
	r, err := Open(Options{
		Local:          local.DefaultOptions(path),
		URL:            f.URL,
		AuthToken:      "token",
		ReadYourWrites: readYourWrites,
		Limits:         limits,
		pullNative:     f.pull,
	})
	require.NoError(t, err)
	db := sql.OpenDB(NewConnector(r))
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return r, db
}

func readV(t *testing.T, q interface {
	QueryRow(string, ...any) *sql.Row
}, query string) int64 {
	t.Helper()
	var v int64
	require.NoError(t, q.QueryRow(query).Scan(&v))
	return v
}

func TestRouterRoutes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	f := newFakePrimary(t, path, nil)
	_, db := openRouter(t, f, path, false, hrana.Limits{})
	sent := len(f.requests())

	assert.Equal(t, int64(localValue), readV(t, db, "SELECT v FROM t"), "a read runs on the file")
	assert.Len(t, f.requests(), sent, "and sends nothing")

	_, err := db.Exec("INSERT INTO t VALUES (2)")
	require.NoError(t, err)
	assert.Equal(t, []string{"INSERT INTO t VALUES (2)"}, f.requests()[sent:], "a write runs on the primary")
	sent = len(f.requests())

	rows, err := db.Query("INSERT INTO t VALUES (3) RETURNING v")
	require.NoError(t, err)
	rows.Close()
	assert.Equal(t, []string{"INSERT INTO t VALUES (3) RETURNING v"}, f.requests()[sent:], "a write that returns rows too")
	sent = len(f.requests())

	assert.Equal(t, int64(1), readV(t, db, "SELECT v FROM not_synced_yet"), "what the file cannot compile runs on the primary")
	assert.Equal(t, []string{"SELECT v FROM not_synced_yet"}, f.requests()[sent:])
	sent = len(f.requests())

	tx, err := db.Begin()
	require.NoError(t, err)
	assert.Equal(t, int64(1), readV(t, tx, "SELECT v FROM t"), "a read in a read-write transaction runs on the primary, which holds its writes")
	_, err = tx.Exec("INSERT INTO t VALUES (4)")
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	assert.Equal(t, []string{"BEGIN IMMEDIATE", "SELECT v FROM t", "INSERT INTO t VALUES (4)", "COMMIT", "ROLLBACK"}, f.requests()[sent:])
	sent = len(f.requests())

	ro, err := db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
	require.NoError(t, err)
	assert.Equal(t, int64(localValue), readV(t, ro, "SELECT v FROM t"), "a read-only transaction runs on the file")
	require.NoError(t, ro.Commit())
	assert.Len(t, f.requests(), sent)

	_, err = db.Exec("PRAGMA foreign_keys = OFF")
	require.NoError(t, err)
	assert.Equal(t, []string{"PRAGMA foreign_keys = OFF"}, f.requests()[sent:], "the foreign key pragmas go to the primary, which checks the writes")
	assert.Equal(t, int32(1), f.syncs.Load(), "without ReadYourWrites only Open synced")
}

func TestRouterReadYourWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	f := newFakePrimary(t, path, nil)
	_, db := openRouter(t, f, path, true, hrana.Limits{})
	syncs := f.syncs.Load()

	_, err := db.Exec("INSERT INTO t VALUES (5)")
	require.NoError(t, err)
	assert.Equal(t, syncs+1, f.syncs.Load(), "a write outside a transaction syncs")
	assert.Equal(t, int64(1), readV(t, db, "SELECT count(*) FROM t WHERE v = 5"), "a local read sees the write once it returned")

	readV(t, db, "SELECT v FROM t")
	assert.Equal(t, syncs+1, f.syncs.Load(), "a read does not sync")

	tx, err := db.Begin()
	require.NoError(t, err)
	_, err = tx.Exec("INSERT INTO t VALUES (6)")
	require.NoError(t, err)
	assert.Equal(t, syncs+1, f.syncs.Load(), "no sync inside a transaction")
	require.NoError(t, tx.Commit())
	assert.Equal(t, syncs+2, f.syncs.Load(), "COMMIT of a transaction that wrote syncs")
	assert.Equal(t, int64(1), readV(t, db, "SELECT count(*) FROM t WHERE v = 6"))

	tx, err = db.Begin()
	require.NoError(t, err)
	_, err = tx.Exec("INSERT INTO t VALUES (7)")
	require.NoError(t, err)
	require.NoError(t, tx.Rollback())
	tx, err = db.Begin()
	require.NoError(t, err)
	readV(t, tx, "SELECT v FROM t")
	require.NoError(t, tx.Commit())
	assert.Equal(t, syncs+2, f.syncs.Load(), "a rolled back or read-only transaction does not sync")

	_, err = db.Exec("sync")
	require.NoError(t, err)
	assert.Equal(t, syncs+3, f.syncs.Load(), `"sync" syncs`)
}

func TestRouterWriteNotSynced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	f := newFakePrimary(t, path, nil)
	_, db := openRouter(t, f, path, true, hrana.Limits{})
	f.mu.Lock()
	f.syncErr = errors.New("frame out of order")
	f.mu.Unlock()
	sent := len(f.requests())

	_, err := db.Exec("INSERT INTO t VALUES (8)")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrWriteNotSynced)
	assert.Contains(t, err.Error(), "frame out of order")
	assert.Equal(t, []string{"INSERT INTO t VALUES (8)"}, f.requests()[sent:], "the write ran once, on the primary")

	tx, err := db.Begin()
	require.NoError(t, err)
	_, err = tx.Exec("INSERT INTO t VALUES (9)")
	require.NoError(t, err)
	assert.ErrorIs(t, tx.Commit(), ErrWriteNotSynced, "a COMMIT that wrote")

	f.mu.Lock()
	f.syncErr = nil
	f.mu.Unlock()
	_, err = db.Exec("INSERT INTO t VALUES (10)")
	require.NoError(t, err)
	assert.Equal(t, int64(3), readV(t, db, "SELECT count(*) FROM t WHERE v IN (8, 9, 10)"), "the next successful sync brings them all")
}

func TestRouterLostTransactionAndOutcomes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	var mode atomic.Value
	mode.Store("")
	f := newFakePrimary(t, path, func(p hranatest.Pipeline) (hranatest.Reply, bool) {
		sql := strings.Join(p.SQL(), "; ")
		switch m := mode.Load().(string); {
		case m == "null baton" && strings.Contains(sql, "VALUES (11)"):
			return hranatest.OK(p, nil, ""), true
		case m == "cut" && strings.Contains(sql, "COMMIT"), m == "cut" && strings.Contains(sql, "VALUES (13)"):
			return hranatest.Reply{Cut: true}, true
		}
		return hranatest.Reply{}, false
	})
	_, db := openRouter(t, f, path, true, hrana.Limits{RequestTimeout: time.Second})

	mode.Store("null baton")
	tx, err := db.Begin()
	require.NoError(t, err)
	_, err = tx.Exec("INSERT INTO t VALUES (11)")
	require.NoError(t, err, "the statement ran; its reply closed the stream")
	sent := len(f.requests())
	_, err = tx.Exec("INSERT INTO t VALUES (12)")
	assert.ErrorIs(t, err, hrana.ErrTxLost)
	assert.ErrorIs(t, tx.Commit(), hrana.ErrTxLost)
	assert.Len(t, f.requests(), sent, "nothing of the lost transaction ran outside it")

	mode.Store("cut")
	tx, err = db.Begin()
	require.NoError(t, err)
	_, err = tx.Exec("INSERT INTO t VALUES (12)")
	require.NoError(t, err)
	err = tx.Commit()
	assert.ErrorIs(t, err, hrana.ErrCommitUnknown, "a COMMIT whose reply was lost")
	assert.ErrorIs(t, err, hrana.ErrUnreachable)
	// Checking with a local read before a sync would find the rows
	// missing, and running the transaction again would apply it twice.
	assert.Contains(t, err.Error(), "Sync successfully before reading to check")

	sent, syncs := len(f.requests()), f.syncs.Load()
	_, err = db.Exec("INSERT INTO t VALUES (13)")
	assert.ErrorIs(t, err, hrana.ErrCommitUnknown, "a write whose reply was lost")
	assert.NotErrorIs(t, err, ErrWriteNotSynced)
	assert.Contains(t, err.Error(), "Sync successfully before reading to check")
	assert.Equal(t, []string{"INSERT INTO t VALUES (13)"}, f.requests()[sent:], "sent once, never resent")
	assert.Equal(t, syncs, f.syncs.Load(), "no sync after it: the primary is likely out of reach, and the error comes within RequestTimeout")
}

func TestRouterMalformedPrimaryReplies(t *testing.T) {
	for _, c := range hranatest.Malformed {
		t.Run(c.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.db")
			f := newFakePrimary(t, path, func(p hranatest.Pipeline) (hranatest.Reply, bool) {
				// Open's reachability check gets a good reply.
				return c.Reply, len(p.Requests) > 0 || p.Cursor()
			})
			_, db := openRouter(t, f, path, true, hrana.Limits{RequestTimeout: 2 * time.Second})
			_, err := db.Exec("INSERT INTO t VALUES (14)")
			if c.For != "batch" && !c.InValues {
				require.Error(t, err, "a write")
			}
			tx, err := db.Begin()
			require.NoError(t, err)
			var v any
			err = tx.QueryRow("SELECT v FROM t").Scan(&v)
			// QueryRow reads one row: a cursor malformed only after it may
			// give it.
			if c.For != "execute" && (c.For != "query" || !c.InValues) {
				require.Error(t, err, "a read in a transaction")
			}
			tx.Rollback()
			assert.Equal(t, int64(localValue), readV(t, db, "SELECT v FROM t"), "local reads go on")
		})
	}
}

// TestRouterStuckPrimaryIsBounded: a primary that accepts and never
// answers fails each write at RequestTimeout, while reads go on.
func TestRouterStuckPrimaryIsBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	var silent atomic.Bool
	f := newFakePrimary(t, path, func(hranatest.Pipeline) (hranatest.Reply, bool) {
		return hranatest.Reply{Hang: true}, silent.Load()
	})
	_, db := openRouter(t, f, path, true, hrana.Limits{RequestTimeout: 300 * time.Millisecond})
	silent.Store(true)
	start := time.Now()
	_, err := db.Exec("INSERT INTO t VALUES (15)")
	require.Error(t, err)
	assert.ErrorIs(t, err, hrana.ErrUnreachable)
	assert.Contains(t, err.Error(), "RequestTimeout")
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Equal(t, int64(localValue), readV(t, db, "SELECT v FROM t"))
}

// TestRouterStuckSync: a sync that hangs (libSQL's call cannot be
// interrupted) keeps no later sync or write waiting past its own
// deadline; once it ends, the next write and sync succeed.
func TestRouterStuckSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	f := newFakePrimary(t, path, nil)
	r, db := openRouter(t, f, path, true, hrana.Limits{RequestTimeout: 300 * time.Millisecond})
	stuck := make(chan struct{})
	f.mu.Lock()
	f.stuck = stuck
	f.mu.Unlock()
	defer func() {
		select {
		case <-stuck:
		default:
			close(stuck)
		}
	}()

	for i := 0; i < 2; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		start := time.Now()
		_, err := r.Sync(ctx)
		cancel()
		require.Error(t, err, "sync %d", i)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 2*time.Second, "sync %d ends at its deadline", i)
	}
	start := time.Now()
	_, err := db.Exec("INSERT INTO t VALUES (16)")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrWriteNotSynced, "the write ran on the primary; its sync gave up")
	assert.Less(t, time.Since(start), 2*time.Second, "the write ends within RequestTimeout")
	assert.Equal(t, int32(2), f.syncs.Load(), "Open's sync and the stuck one: later ones never started a second libSQL call")

	f.mu.Lock()
	f.stuck = nil
	f.mu.Unlock()
	close(stuck)
	require.Eventually(t, func() bool { return r.Status().LastError != nil }, 2*time.Second, 10*time.Millisecond, "the stuck sync ends")
	_, err = db.Exec("INSERT INTO t VALUES (17)")
	require.NoError(t, err)
	_, err = r.Sync(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(2), readV(t, db, "SELECT count(*) FROM t WHERE v IN (16, 17)"))
}

// TestRouterOpenWithPrimaryDown: a replica whose file holds data opens in
// bounded time and serves reads while the primary does not answer; one
// with no data fails, naming the cause; a refused token always fails.
func TestRouterOpenWithPrimaryDown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	var reply atomic.Value
	reply.Store(hranatest.Reply{Hang: true})
	f := newFakePrimary(t, path, func(hranatest.Pipeline) (hranatest.Reply, bool) { return reply.Load().(hranatest.Reply), true })
	limits := hrana.Limits{RequestTimeout: 300 * time.Millisecond}
	start := time.Now()
	_, db := openRouter(t, f, path, true, limits)
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Equal(t, int64(localValue), readV(t, db, "SELECT v FROM t"))
	assert.Zero(t, f.syncs.Load(), "no sync was tried against a primary that did not answer")

	empty := filepath.Join(t.TempDir(), "new.db")
	start = time.Now()
	_, err := Open(Options{Local: local.DefaultOptions(empty), URL: f.URL, Limits: limits, pullNative: f.pull})
	require.Error(t, err)
	assert.ErrorIs(t, err, hrana.ErrUnreachable)
	assert.Contains(t, err.Error(), "primary must be reachable")
	assert.Less(t, time.Since(start), 3*time.Second)

	reply.Store(hranatest.Reply{Status: 401, Body: `{"error":"Unauthorized"}`})
	_, err = Open(Options{Local: local.DefaultOptions(path), URL: f.URL, AuthToken: "token", Limits: limits, pullNative: f.pull})
	assert.ErrorIs(t, err, hrana.ErrAuth, "a refused token fails even a replica that holds data")
}
