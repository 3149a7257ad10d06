package tenants

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

func TestValidateName(t *testing.T) {
	t.Run("Refused", func(t *testing.T) {
		for _, name := range []string{"", "Acme", "a_b", "a.b", "-a", "a-", "a b", "../etc", "x/y", strings.Repeat("a", MaxNameLen+1), "ünicode"} {
			err := ValidateName(name)
			assert.ErrorIs(t, err, ErrInvalidName, "%q", name)
			assert.ErrorContains(t, err, fmt.Sprintf("%q", name))
		}
	})
	t.Run("Accepted", func(t *testing.T) {
		for _, name := range []string{"a", "0", "tenant-42", "a-b-c", strings.Repeat("z", MaxNameLen)} {
			assert.NoError(t, ValidateName(name), name)
		}
	})
	t.Run("NoBadNameReachesTheStore", func(t *testing.T) {
		store := newFakeStore()
		m := newTestManager(t, store, Config{}, nil)
		ctx := context.Background()
		_, err := m.DB(ctx, "Bad")
		assert.ErrorIs(t, err, ErrInvalidName)
		assert.ErrorIs(t, m.Do(ctx, "Bad", func(*gorm.DB) error { return nil }), ErrInvalidName)
		assert.ErrorIs(t, m.Create(ctx, "Bad"), ErrInvalidName)
		assert.ErrorIs(t, m.Drop(ctx, "Bad"), ErrInvalidName)
		_, err = m.Exists(ctx, "Bad")
		assert.ErrorIs(t, err, ErrInvalidName)
		opens, drops, _ := store.stats()
		assert.Zero(t, opens+drops)
		assert.Empty(t, store.files)
	})
}

func TestNew(t *testing.T) {
	t.Run("NeedsStore", func(t *testing.T) {
		_, err := New(Config{})
		assert.ErrorContains(t, err, "Store is required")
	})
	t.Run("RefusesNegative", func(t *testing.T) {
		_, err := New(Config{Store: newFakeStore(), MaxOpen: -1})
		assert.ErrorContains(t, err, "must not be negative")
	})
	t.Run("CopiesGORMConfig", func(t *testing.T) {
		cfg := &gorm.Config{}
		m := newTestManager(t, newFakeStore("a"), Config{GORM: cfg}, nil)
		mustDB(t, m, "a")
		assert.Equal(t, gorm.Config{}, *cfg, "opening a tenant leaves the caller's gorm.Config as it was")
	})
}

func TestPools(t *testing.T) {
	ctx := context.Background()
	t.Run("LazyAndCached", func(t *testing.T) {
		store := newFakeStore("acme")
		m := newTestManager(t, store, Config{}, nil)
		assert.Zero(t, m.OpenPools())
		a := mustDB(t, m, "acme")
		assert.Same(t, a, mustDB(t, m, "acme"))
		opens, _, _ := store.stats()
		assert.Equal(t, 1, opens)
		_, err := m.DB(ctx, "missing")
		assert.ErrorIs(t, err, ErrNotFound)
		assert.Equal(t, 1, m.OpenPools(), "a failed open is not cached")
	})
	t.Run("LRUEviction", func(t *testing.T) {
		store := newFakeStore("t1", "t2", "t3", "t4")
		m := newTestManager(t, store, Config{MaxOpen: 2}, nil)
		d1, d2, d3 := mustDB(t, m, "t1"), mustDB(t, m, "t2"), mustDB(t, m, "t3")
		assert.Equal(t, 2, m.OpenPools())
		assertClosedSoon(t, d1, "the least recently used pool is closed")
		assert.False(t, isClosed(t, d2))
		assert.Same(t, d2, mustDB(t, m, "t2"), "t2 is now the most recently used")
		mustDB(t, m, "t4")
		assertClosedSoon(t, d3, "t3 was used less recently than t2")
		assert.False(t, isClosed(t, d2))
		assert.NotSame(t, d1, mustDB(t, m, "t1"), "an evicted tenant opens again")
		opens, _, _ := store.stats()
		assert.Equal(t, 5, opens)
	})
	t.Run("PinnedNotEvicted", func(t *testing.T) {
		m := newTestManager(t, newFakeStore("worker", "t1", "t2"), Config{MaxOpen: 1}, nil)
		var held *gorm.DB
		require.NoError(t, m.Do(ctx, "worker", func(db *gorm.DB) error {
			held = db
			t1 := mustDB(t, m, "t1")
			mustDB(t, m, "t2")
			assertClosedSoon(t, t1, "t2 evicted t1, not the pinned worker")
			assert.False(t, isClosed(t, db))
			return db.Exec("INSERT").Error
		}))
		assert.False(t, isClosed(t, held))
		mustDB(t, m, "t1")
		assertClosedSoon(t, held, "unpinned, worker is evicted like any pool")
		boom := errors.New("boom")
		assert.Same(t, boom, m.Do(ctx, "worker", func(*gorm.DB) error { return boom }), "fn's error is returned as is")
		assert.ErrorIs(t, m.Do(ctx, "nobody", func(*gorm.DB) error { t.Error("fn ran for a missing tenant"); return nil }), ErrNotFound)
	})
	t.Run("IdleClose", func(t *testing.T) {
		clk := newFakeClock()
		m := newTestManager(t, newFakeStore("sleepy"), Config{IdleTimeout: time.Minute}, clk)
		db := mustDB(t, m, "sleepy")
		clk.advance(59 * time.Second)
		clk.tick()
		assert.Equal(t, 1, m.OpenPools(), "not idle for IdleTimeout yet")
		clk.advance(time.Second)
		clk.tick()
		assert.Zero(t, m.OpenPools())
		assertClosedSoon(t, db, "the idle pool is closed")
		assert.NotSame(t, db, mustDB(t, m, "sleepy"), "an idle-closed tenant opens again")
	})
	// Issue 18: a Do longer than IdleTimeout had its pool closed by the
	// first idle check after it returned, as the pool's last use was when
	// Do started.
	t.Run("DoLongerThanIdleTimeout", func(t *testing.T) {
		clk := newFakeClock()
		m := newTestManager(t, newFakeStore("worker"), Config{IdleTimeout: time.Minute}, clk)
		var held *gorm.DB
		require.NoError(t, m.Do(ctx, "worker", func(db *gorm.DB) error {
			held = db
			clk.advance(2 * time.Minute)
			return db.Exec("INSERT").Error
		}))
		clk.tick()
		assert.Equal(t, 1, m.OpenPools(), "the pool was used until Do returned")
		assert.False(t, isClosed(t, held))
		clk.advance(time.Minute)
		clk.tick()
		assert.Zero(t, m.OpenPools(), "idle for IdleTimeout after Do returned")
	})
	t.Run("PinnedThroughIdleChecks", func(t *testing.T) {
		clk := newFakeClock()
		m := newTestManager(t, newFakeStore("worker"), Config{IdleTimeout: time.Minute}, clk)
		require.NoError(t, m.Do(ctx, "worker", func(db *gorm.DB) error {
			clk.advance(2 * time.Minute)
			clk.tick()
			assert.Equal(t, 1, m.OpenPools(), "a pinned pool is never idle")
			return db.Exec("INSERT").Error
		}))
	})
	t.Run("StatementLongerThanIdleTimeout", func(t *testing.T) {
		clk := newFakeClock()
		store := newFakeStore("slow")
		m := newTestManager(t, store, Config{IdleTimeout: time.Minute}, clk)
		db := mustDB(t, m, "slow")
		started, release := make(chan struct{}), make(chan struct{})
		store.stmt = func(string) { close(started); <-release }
		done := make(chan error)
		go func() { done <- db.Exec("INSERT").Error }()
		<-started
		clk.advance(2 * time.Minute)
		clk.tick()
		close(release)
		require.NoError(t, <-done)
		store.stmt = nil
		clk.advance(30 * time.Second)
		clk.tick()
		assert.Equal(t, 1, m.OpenPools(), "a pool seen busy counts as used")
		assert.NoError(t, db.Exec("INSERT").Error)
	})
}

// TestBackgroundClose: evicting does no I/O, a tenant whose pool is still
// closing waits for the close before opening again, and Close waits for
// the closes.
func TestBackgroundClose(t *testing.T) {
	ctx := context.Background()
	store := newFakeStore("a", "b")
	m, err := newManager(Config{Store: store, MaxOpen: 1, OpenTimeout: time.Minute}, realClock)
	require.NoError(t, err)
	mustDB(t, m, "a")
	release := store.holdCloses(t)

	t.Run("EvictDoesNotWait", func(t *testing.T) {
		mustDB(t, m, "b") // evicts a, whose close is held
		assert.Equal(t, 1, m.OpenPools())
		assert.Eventually(t, func() bool { return store.pools() == 2 }, 10*time.Second, time.Millisecond)
	})
	t.Run("ReopenWaitsForClose", func(t *testing.T) {
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := m.DB(short, "a")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorContains(t, err, "previous pool to close")
		reopened := make(chan error)
		go func() {
			_, err := m.DB(ctx, "a")
			reopened <- err
		}()
		select {
		case err := <-reopened:
			t.Fatalf("a reopened while its old pool was closing: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		release()
		require.NoError(t, <-reopened)
		_, _, most := store.stats()
		assert.Equal(t, 1, most, "never two pools of one tenant")
	})
	t.Run("CloseWaits", func(t *testing.T) {
		release := store.holdCloses(t)
		closed := make(chan error)
		go func() { closed <- m.Close() }()
		select {
		case <-closed:
			t.Fatal("Close returned while a pool was still closing")
		case <-time.After(50 * time.Millisecond):
		}
		release()
		require.NoError(t, <-closed)
		assert.Zero(t, store.pools(), "every pool closed")
		_, err := m.DB(ctx, "a")
		assert.ErrorIs(t, err, ErrClosed)
		assert.NoError(t, m.Close(), "a second Close does nothing")
	})
}

func TestDrop(t *testing.T) {
	ctx := context.Background()
	t.Run("Basics", func(t *testing.T) {
		store := newFakeStore("doomed", "survivor")
		m := newTestManager(t, store, Config{}, nil)
		doomed := mustDB(t, m, "doomed")
		require.NoError(t, m.Drop(ctx, "doomed"))
		assert.True(t, isClosed(t, doomed), "Drop returns once the pool is closed")
		ok, err := m.Exists(ctx, "doomed")
		require.NoError(t, err)
		assert.False(t, ok)
		_, err = m.DB(ctx, "doomed")
		assert.ErrorIs(t, err, ErrNotFound)
		assert.ErrorIs(t, m.Drop(ctx, "doomed"), ErrNotFound)
		require.NoError(t, m.Create(ctx, "doomed"))
		require.NoError(t, mustDB(t, m, "doomed").Exec("INSERT").Error)
	})
	// Issue 19: Drop closed the pool with sql.DB.Close, which does not
	// wait for statements in progress, and deleted the data under them:
	// their writes were acknowledged and lost.
	t.Run("WaitsForStatementInProgress", func(t *testing.T) {
		store := newFakeStore("busy")
		m := newTestManager(t, store, Config{}, nil)
		started, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		store.stmt = func(string) { once.Do(func() { close(started); <-release }) }
		store.dropped = make(chan string, 1)
		wrote := make(chan error)
		go func() {
			wrote <- m.Do(ctx, "busy", func(db *gorm.DB) error { return db.Exec("INSERT").Error })
		}()
		<-started
		dropped := make(chan error)
		go func() { dropped <- m.Drop(ctx, "busy") }()
		select {
		case <-store.dropped:
			t.Error("the store deleted the tenant while a statement was writing to it")
		case <-time.After(100 * time.Millisecond):
		}
		assert.Eventually(t, func() bool {
			_, err := m.DB(ctx, "busy")
			return errors.Is(err, ErrNotFound)
		}, 10*time.Second, time.Millisecond, "the tenant is refused while it is dropped")
		close(release)
		require.NoError(t, <-wrote, "the write in progress finishes")
		require.NoError(t, <-dropped)
		assert.Zero(t, store.lost(), "no acknowledged write went to deleted data")
	})
	t.Run("ContextEndsWhileWaiting", func(t *testing.T) {
		store := newFakeStore("held")
		m := newTestManager(t, store, Config{}, nil)
		inside, leave := make(chan struct{}), make(chan struct{})
		done := make(chan error)
		go func() {
			done <- m.Do(ctx, "held", func(db *gorm.DB) error {
				close(inside)
				<-leave
				return db.Exec("INSERT").Error
			})
		}()
		<-inside
		short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		err := m.Drop(short, "held")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorContains(t, err, "nothing deleted")
		ok, _ := store.Exists(ctx, "held")
		assert.True(t, ok)
		close(leave)
		require.NoError(t, <-done, "the Do that held the drop finishes on its pool")
		assert.Eventually(t, func() bool { return store.pools() == 0 }, 10*time.Second, time.Millisecond, "the pool closes once the Do returns")
		require.NoError(t, mustDB(t, m, "held").Exec("INSERT").Error, "the tenant opens again")
	})
	t.Run("ConcurrentWriters", func(t *testing.T) {
		for round := range 5 {
			store := newFakeStore("target")
			store.stmt = func(string) { time.Sleep(50 * time.Microsecond) }
			m := newTestManager(t, store, Config{}, nil)
			var acked, refused atomic.Int64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for w := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						var err error
						if w%2 == 0 {
							err = m.Do(ctx, "target", func(db *gorm.DB) error {
								if err := db.Exec("INSERT").Error; err != nil {
									return err
								}
								return db.Exec("INSERT").Error
							})
						} else {
							var db *gorm.DB
							if db, err = m.DB(ctx, "target"); err == nil {
								err = db.Exec("INSERT").Error
							}
						}
						if err == nil {
							acked.Add(1)
						} else {
							refused.Add(1)
						}
					}
				}()
			}
			require.Eventually(t, func() bool { return acked.Load() > 100 }, 10*time.Second, time.Millisecond)
			require.NoError(t, m.Drop(ctx, "target"), "round %d", round)
			// Writes acknowledged from here on would be lost for sure.
			time.Sleep(5 * time.Millisecond)
			close(stop)
			wg.Wait()
			assert.Zero(t, store.lost(), "round %d: writes acknowledged on deleted data (of %d acknowledged, %d refused)", round, acked.Load(), refused.Load())
			assert.Positive(t, refused.Load(), "round %d: writes after Drop are refused", round)
		}
	})
}

// TestConcurrency runs DB, Do, Drop, Create and idle checks side by side
// (for -race), and checks that a tenant never has two pools open.
func TestConcurrency(t *testing.T) {
	ctx := context.Background()
	names := []string{"a", "b", "c", "d", "e", "f"}
	store := newFakeStore(names...)
	clk := newFakeClock()
	m := newTestManager(t, store, Config{MaxOpen: 2, IdleTimeout: time.Minute}, clk)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var unexpected atomic.Value
	for g := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := names[(g+i)%len(names)]
				var err error
				switch i % 5 {
				case 0, 1:
					var db *gorm.DB
					if db, err = m.DB(ctx, name); err == nil {
						err = db.Exec("INSERT").Error
					}
				case 2, 3:
					err = m.Do(ctx, name, func(db *gorm.DB) error { return db.Exec("INSERT").Error })
				case 4:
					if g == 0 {
						if err = m.Drop(ctx, name); err == nil {
							err = m.Create(ctx, name)
						}
					}
				}
				// Pools evicted or dropped under a DB handle refuse it;
				// a tenant dropped is not found meanwhile.
				if err != nil && !errors.Is(err, ErrNotFound) && !strings.Contains(err.Error(), "database is closed") && !strings.Contains(err.Error(), "already being dropped") {
					unexpected.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	for range 50 {
		clk.advance(30 * time.Second)
		clk.tick()
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if err, _ := unexpected.Load().(error); err != nil {
		t.Errorf("unexpected error: %v", err)
	}
	_, _, most := store.stats()
	assert.Equal(t, 1, most, "a tenant never has two pools open")
	assert.Zero(t, store.lost())
}

// An error that wraps another of ours names the package once.
func TestErrorsNameThePackageOnce(t *testing.T) {
	m := newTestManager(t, newFakeStore("acme"), Config{}, nil)
	_, err := m.DB(context.Background(), "ghost")
	require.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, "tenants: open tenant ghost: tenant not found: ghost", err.Error(), "the fake store names the tenant too")
}

// A connection the application never gives back holds Close only until
// CloseTimeout, and the error names its tenant.
func TestCloseTimeout(t *testing.T) {
	store := newFakeStore("a", "b")
	m, err := newManager(Config{Store: store, GORM: &gorm.Config{Logger: logger.Discard}, CloseTimeout: 100 * time.Millisecond}, realClock)
	require.NoError(t, err)
	mustDB(t, m, "a")
	sqlDB, err := mustDB(t, m, "b").DB()
	require.NoError(t, err)
	held, err := sqlDB.Conn(context.Background())
	require.NoError(t, err)
	start := time.Now()
	err = m.Close()
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Contains(t, err.Error(), "pools of b;")
	require.NoError(t, held.Close())
	assert.Eventually(t, func() bool { return store.pools() == 0 }, 10*time.Second, time.Millisecond, "b closes once its connection is back")
}

// NewLocalFiles checks its template as NewSQLDNamespaces does, before any
// tenant opens with it.
func TestNewLocalFilesChecksTemplate(t *testing.T) {
	_, err := NewLocalFiles(t.TempDir(), libsql.Config{EncryptionKey: "short"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tenants: NewLocalFiles: EncryptionKey")
}
