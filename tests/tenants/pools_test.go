//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package tenants

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/internal/driver"
	"github.com/gorm-libsql/libsql/tenants"
	"github.com/gorm-libsql/libsql/tests/internal/tenantsuite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// handleStore is LocalFiles whose pools it counts as open from Open until
// their close has ended, and whose closes can be held, to see what Tenants
// does while a pool is closing.
type handleStore struct {
	*tenants.LocalFiles

	mu      sync.Mutex
	open    map[string]int // pools of each tenant open or closing
	most    int            // the most pools of one tenant open at once
	closing int            // closes started and not ended
	hold    chan struct{}  // when set, closes wait until it is closed
}

func newHandleStore(t *testing.T) *handleStore {
	return &handleStore{LocalFiles: localFiles(t, filepath.Join(t.TempDir(), "tenants"), libsql.Config{}), open: map[string]int{}}
}

// holdCloses makes closes wait until the function it returns is called
// (the test's cleanup calls it too).
func (s *handleStore) holdCloses(t *testing.T) (release func()) {
	hold := make(chan struct{})
	s.mu.Lock()
	s.hold = hold
	s.mu.Unlock()
	var once sync.Once
	release = func() {
		once.Do(func() {
			s.mu.Lock()
			s.hold = nil
			s.mu.Unlock()
			close(hold)
		})
	}
	t.Cleanup(release)
	return release
}

func (s *handleStore) stats() (most, closing int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.most, s.closing
}

// pools is how many pools of all tenants are open or closing.
func (s *handleStore) pools() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, open := range s.open {
		n += open
	}
	return n
}

func (s *handleStore) Open(_ context.Context, tenant string, cfg *gorm.Config) (*gorm.DB, error) {
	if _, err := os.Stat(s.Path(tenant)); err != nil {
		return nil, fmt.Errorf("%w: %v", tenants.ErrNotFound, err)
	}
	c, err := driver.Driver{}.OpenConnector(s.Path(tenant))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.open[tenant]++
	s.most = max(s.most, s.open[tenant])
	s.mu.Unlock()
	pool := sql.OpenDB(&handleConnector{Connector: c, store: s, tenant: tenant})
	db, err := gorm.Open(libsql.New(libsql.Config{Conn: pool}), cfg)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// handleConnector is a pool's connector; sql.DB.Close closes it last.
type handleConnector struct {
	sqldriver.Connector
	store  *handleStore
	tenant string
}

func (c *handleConnector) Close() error {
	s := c.store
	s.mu.Lock()
	s.closing++
	hold := s.hold
	s.mu.Unlock()
	if hold != nil {
		<-hold
	}
	err := c.Connector.(io.Closer).Close()
	s.mu.Lock()
	s.closing--
	s.open[c.tenant]--
	s.mu.Unlock()
	return err
}

func handleManager(t *testing.T, s *handleStore, maxOpen int, names ...string) *tenants.Manager {
	t.Helper()
	m, err := tenants.New(tenants.Config{Store: s, MaxOpen: maxOpen, IdleTimeout: -1, GORM: &gorm.Config{Logger: logger.Discard}})
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	for _, name := range names {
		require.NoError(t, m.Create(context.Background(), name))
	}
	return m
}

// within runs fn in a goroutine and returns its result, or fails t if fn
// has not returned within d.
func within(t *testing.T, d time.Duration, what string, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("%s has not returned after %s", what, d)
		return nil
	}
}

// TestTenantsEvictionDoesNotWaitForClose: DB that evicts a pool whose close
// is slow (a silent server, a replica's last sync) returns without waiting
// for it.
func TestTenantsEvictionDoesNotWaitForClose(t *testing.T) {
	ctx := context.Background()
	s := newHandleStore(t)
	m := handleManager(t, s, 1, "old", "new")
	tenantsuite.MustDB(t, m, "old")
	s.holdCloses(t)
	require.NoError(t, within(t, 5*time.Second, "DB evicting a pool whose close is held", func() error {
		_, err := m.DB(ctx, "new")
		return err
	}))
	_, closing := s.stats()
	assert.Equal(t, 1, closing, "old's pool is closing in the background")
}

// TestTenantsReopenWaitsForClose: DB for a tenant whose evicted pool is
// still closing waits for the close, so that the tenant never has two pools
// (two embedded replicas of one file) at once.
func TestTenantsReopenWaitsForClose(t *testing.T) {
	ctx := context.Background()
	s := newHandleStore(t)
	m := handleManager(t, s, 1, "old", "new")
	tenantsuite.MustDB(t, m, "old")
	release := s.holdCloses(t)
	go func() { _, _ = m.DB(ctx, "new") }() // evicts old
	require.Eventually(t, func() bool { _, closing := s.stats(); return closing == 1 }, 5*time.Second, time.Millisecond)

	reopened := make(chan error, 1)
	go func() {
		db, err := m.DB(ctx, "old")
		if err == nil {
			err = db.Exec("SELECT 1").Error
		}
		reopened <- err
	}()
	select {
	case err := <-reopened:
		t.Fatalf("DB reopened old while its evicted pool was closing (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	release()
	select {
	case err := <-reopened:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("DB did not reopen old once its pool was closed")
	}
	most, _ := s.stats()
	assert.Equal(t, 1, most, "never two pools of one tenant")

	// A caller's ctx bounds the wait.
	require.Eventually(t, func() bool { return s.pools() == m.OpenPools() }, 5*time.Second, time.Millisecond,
		"no close left from before (reopening old may have evicted new)")
	s.holdCloses(t)
	tenantsuite.MustDB(t, m, "new") // evicts old again
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err := m.DB(short, "old")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestTenantsMigrateOneHandle: Migrate, with Do opening the same tenants
// meanwhile (and evicting them: MaxOpen is 2), never has two pools of one tenant open.
func TestTenantsMigrateOneHandle(t *testing.T) {
	ctx := context.Background()
	s := newHandleStore(t)
	const n = 8
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("mig-%d", i)
	}
	m := handleManager(t, s, 2, names...)
	tenantsuite.MustDB(t, m, names[0])
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				assert.NoError(t, m.Do(ctx, names[i%n], func(db *gorm.DB) error { return db.Exec("SELECT 1").Error }))
			}
		}()
	}
	report, err := m.Migrate(ctx, &tenantsuite.Account{})
	close(stop)
	wg.Wait()
	require.NoError(t, err)
	assert.Len(t, report.Changed(), n)
	most, _ := s.stats()
	assert.Equal(t, 1, most, "never two pools of one tenant")
}

// TestTenantsCloseWaitsForBackgroundCloses: Close returns once the pools
// closing in the background are closed, leaving no goroutine behind.
func TestTenantsCloseWaitsForBackgroundCloses(t *testing.T) {
	ctx := context.Background()
	s := newHandleStore(t)
	goroutines := runtime.NumGoroutine()
	m := handleManager(t, s, 1, "old", "new")
	tenantsuite.MustDB(t, m, "old")
	release := s.holdCloses(t)
	require.NoError(t, within(t, 5*time.Second, "DB evicting a pool whose close is held", func() error {
		_, err := m.DB(ctx, "new")
		return err
	}))
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	select {
	case <-closed:
		t.Fatal("Close returned while a pool was still closing")
	case <-time.After(300 * time.Millisecond):
	}
	release()
	require.NoError(t, within(t, 5*time.Second, "Close", func() error { return <-closed }))
	s.mu.Lock()
	for tenant, n := range s.open {
		assert.Zero(t, n, "pools of %s left open", tenant)
	}
	s.mu.Unlock()
	// +1: Eventually runs the condition in a goroutine of its own.
	require.Eventually(t, func() bool { return runtime.NumGoroutine() <= goroutines+1 }, 5*time.Second, 10*time.Millisecond,
		"goroutines: %d, before: %d", runtime.NumGoroutine(), goroutines)
}
