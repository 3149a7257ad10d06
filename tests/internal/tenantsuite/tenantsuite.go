// Package tenantsuite holds the tenant manager's tests as plain functions,
// so that they run on every tenants.Store: tests/tenants runs them on
// local files and on sqld namespaces.
package tenantsuite

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/tenants"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Env is what the suite gets from the package that runs it.
type Env struct {
	// Store returns a store that holds no tenants, cleaned up when the
	// test ends.
	Store func(t *testing.T) tenants.Store
}

// Run runs every test as a subtest.
func Run(t *testing.T, env Env) {
	for _, tc := range []struct {
		name string
		run  func(*testing.T, Env)
	}{
		{"LazyOpen", lazyOpen},
		{"LRUBound", lruBound},
		{"BusyPoolNotEvicted", busyPoolNotEvicted},
		{"DoKeepsPoolOpen", doKeepsPoolOpen},
		{"IdlePoolsClosed", idlePoolsClosed},
		{"ConcurrentFirstUse", concurrentFirstUse},
		{"MigrateOneFails", migrateOneFails},
		{"MigrateSharesOpenPool", migrateSharesOpenPool},
		{"Drop", drop},
		{"BadNames", badNames},
		{"Isolation", isolation},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, env) })
	}
}

// countingStore counts the calls a store gets.
type countingStore struct {
	tenants.Store
	opens, calls atomic.Int64
}

func (c *countingStore) Open(ctx context.Context, tenant string, cfg *gorm.Config) (*gorm.DB, error) {
	c.opens.Add(1)
	c.calls.Add(1)
	return c.Store.Open(ctx, tenant, cfg)
}

func (c *countingStore) Create(ctx context.Context, tenant string) error {
	c.calls.Add(1)
	return c.Store.Create(ctx, tenant)
}

func (c *countingStore) Drop(ctx context.Context, tenant string) error {
	c.calls.Add(1)
	return c.Store.Drop(ctx, tenant)
}

func (c *countingStore) Exists(ctx context.Context, tenant string) (bool, error) {
	c.calls.Add(1)
	return c.Store.Exists(ctx, tenant)
}

func (c *countingStore) List(ctx context.Context) ([]string, error) {
	c.calls.Add(1)
	return c.Store.List(ctx)
}

// manager returns a Tenants over a counting wrapper of a fresh store, with
// the given tenants created; closed when the test ends.
func manager(t *testing.T, env Env, cfg tenants.Config, names ...string) (*tenants.Manager, *countingStore) {
	t.Helper()
	store := &countingStore{Store: env.Store(t)}
	cfg.Store = store
	if cfg.GORM == nil {
		cfg.GORM = &gorm.Config{Logger: logger.Discard, TranslateError: true}
	}
	m, err := tenants.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, m.Close()) })
	ctx := context.Background()
	for _, name := range names {
		require.NoError(t, m.Create(ctx, name))
	}
	return m, store
}

// MustDB is m.DB(tenant), failing t on an error.
func MustDB(t *testing.T, m *tenants.Manager, tenant string) *gorm.DB {
	t.Helper()
	db, err := m.DB(context.Background(), tenant)
	require.NoError(t, err)
	return db
}

// isClosed reports whether db's pool was closed.
func isClosed(t *testing.T, db *gorm.DB) bool {
	t.Helper()
	sqlDB, err := db.DB()
	require.NoError(t, err)
	err = sqlDB.Ping()
	return err != nil && strings.Contains(err.Error(), "database is closed")
}

// assertClosedSoon asserts that db's pool is closed, or soon will be:
// evicted and idle pools close in the background.
func assertClosedSoon(t *testing.T, db *gorm.DB, msg string) {
	t.Helper()
	assert.Eventually(t, func() bool { return isClosed(t, db) }, 10*time.Second, 5*time.Millisecond, msg)
}

func lazyOpen(t *testing.T, env Env) {
	ctx := context.Background()
	m, store := manager(t, env, tenants.Config{}, "acme", "globex")
	assert.Equal(t, 0, m.OpenPools(), "Create opens no pool")
	assert.Zero(t, store.opens.Load())

	a := MustDB(t, m, "acme")
	assert.Equal(t, 1, m.OpenPools())
	require.NoError(t, a.Exec("CREATE TABLE t (x)").Error)
	again := MustDB(t, m, "acme")
	assert.Same(t, a, again, "a cached tenant returns the same *gorm.DB")
	assert.Equal(t, int64(1), store.opens.Load())

	_, err := m.DB(ctx, "missing")
	assert.ErrorIs(t, err, tenants.ErrNotFound)
	assert.Equal(t, 1, m.OpenPools(), "a failed open is not cached")
	ok, err := m.Exists(ctx, "missing")
	require.NoError(t, err)
	assert.False(t, ok, "DB on a missing tenant does not create it")
	ok, err = m.Exists(ctx, "acme")
	require.NoError(t, err)
	assert.True(t, ok)

	assert.ErrorIs(t, m.Create(ctx, "acme"), tenants.ErrExists)
	names, err := m.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"acme", "globex"}, names)
}

func lruBound(t *testing.T, env Env) {
	m, store := manager(t, env, tenants.Config{MaxOpen: 2}, "t1", "t2", "t3", "t4")
	d1 := MustDB(t, m, "t1")
	d2 := MustDB(t, m, "t2")
	d3 := MustDB(t, m, "t3")
	assert.Equal(t, 2, m.OpenPools())
	assertClosedSoon(t, d1, "the least recently used pool is closed")
	assert.False(t, isClosed(t, d2))

	assert.Same(t, d2, MustDB(t, m, "t2"), "t2 is now the most recently used")
	MustDB(t, m, "t4")
	assert.Equal(t, 2, m.OpenPools())
	assertClosedSoon(t, d3, "t3 was used less recently than t2")
	assert.False(t, isClosed(t, d2))
	assert.Same(t, d2, MustDB(t, m, "t2"))

	reopened := MustDB(t, m, "t1")
	assert.NotSame(t, d1, reopened, "an evicted tenant opens again")
	require.NoError(t, reopened.Exec("SELECT 1").Error)
	assert.Equal(t, int64(5), store.opens.Load())
}

func busyPoolNotEvicted(t *testing.T, env Env) {
	m, _ := manager(t, env, tenants.Config{MaxOpen: 1}, "busy", "other")
	busy := MustDB(t, m, "busy")
	tx := busy.Begin()
	require.NoError(t, tx.Error)
	require.NoError(t, tx.Exec("CREATE TABLE t (x)").Error)
	MustDB(t, m, "other")
	assert.Equal(t, 2, m.OpenPools(), "a pool with a connection in use stays open beyond MaxOpen")
	require.NoError(t, tx.Exec("INSERT INTO t VALUES (1)").Error)
	require.NoError(t, tx.Commit().Error)
	MustDB(t, m, "other")
	MustDB(t, m, "busy")
	assert.Equal(t, 1, m.OpenPools(), "once idle, it is evicted again")
}

func doKeepsPoolOpen(t *testing.T, env Env) {
	ctx := context.Background()
	// The pool's last use is when Do returns (tenants' unit tests pin
	// that down with a fake clock); IdleTimeout leaves this test's check
	// right after it ample time.
	const idle = 200 * time.Millisecond
	m, _ := manager(t, env, tenants.Config{MaxOpen: 1, IdleTimeout: idle}, "worker", "t1", "t2")
	var held *gorm.DB
	require.NoError(t, m.Do(ctx, "worker", func(db *gorm.DB) error {
		held = db
		require.NoError(t, db.Exec("CREATE TABLE t (x)").Error)
		// Between statements no connection is in use; other tenants
		// opening and time passing do not close the pool.
		t1 := MustDB(t, m, "t1")
		MustDB(t, m, "t2")
		assertClosedSoon(t, t1, "t2 evicted t1, not the pinned worker")
		require.Eventually(t, func() bool { return m.OpenPools() == 1 }, 10*time.Second, 20*time.Millisecond,
			"t2 is closed for idleness, the pinned worker is not")
		time.Sleep(2 * idle)
		return db.Exec("INSERT INTO t VALUES (1)").Error
	}))
	assert.False(t, isClosed(t, held))
	MustDB(t, m, "t1")
	assertClosedSoon(t, held, "unpinned, worker is evicted like any pool")

	boom := fmt.Errorf("boom")
	assert.Same(t, boom, m.Do(ctx, "worker", func(*gorm.DB) error { return boom }), "fn's error is returned as is")
	assert.ErrorIs(t, m.Do(ctx, "nobody", func(*gorm.DB) error { t.Fatal("fn ran for a missing tenant"); return nil }), tenants.ErrNotFound)
	assert.ErrorIs(t, m.Do(ctx, "Bad", func(*gorm.DB) error { return nil }), tenants.ErrInvalidName)
}

func idlePoolsClosed(t *testing.T, env Env) {
	m, _ := manager(t, env, tenants.Config{IdleTimeout: 100 * time.Millisecond}, "sleepy")
	db := MustDB(t, m, "sleepy")
	require.Eventually(t, func() bool { return m.OpenPools() == 0 }, 10*time.Second, 20*time.Millisecond)
	assertClosedSoon(t, db, "the idle pool is closed")
	require.NoError(t, MustDB(t, m, "sleepy").Exec("SELECT 1").Error, "an idle-closed tenant opens again")
}

func concurrentFirstUse(t *testing.T, env Env) {
	m, store := manager(t, env, tenants.Config{}, "crowd")
	const n = 32
	dbs := make([]*gorm.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			dbs[i], errs[i] = m.DB(context.Background(), "crowd")
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Same(t, dbs[0], dbs[i])
	}
	assert.Equal(t, int64(1), store.opens.Load(), "concurrent first calls open the tenant once")
}

// Account is the model migrated in the tests: its unique index cannot be
// built over duplicate emails.
type Account struct {
	ID    uint
	Email string `gorm:"uniqueIndex"`
	Name  string
}

func migrateOneFails(t *testing.T, env Env) {
	ctx := context.Background()
	var mu sync.Mutex
	var progress []int
	m, _ := manager(t, env, tenants.Config{
		MigrateConcurrency: 2,
		OnMigrate: func(r tenants.MigrationResult, done, total int) {
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, 3, total)
			progress = append(progress, done)
		},
	}, "alpha", "bravo", "charlie")

	// bravo holds an older table with duplicate emails.
	bravo := MustDB(t, m, "bravo")
	require.NoError(t, bravo.Exec("CREATE TABLE accounts (id integer PRIMARY KEY AUTOINCREMENT, email text, name text)").Error)
	require.NoError(t, bravo.Exec("INSERT INTO accounts (email, name) VALUES ('x@example.com', 'a'), ('x@example.com', 'b')").Error)

	report, err := m.Migrate(ctx, &Account{})
	var merr *tenants.MigrationError
	require.ErrorAs(t, err, &merr)
	assert.Contains(t, err.Error(), "1 of 3 tenants")
	assert.Equal(t, []int{1, 2, 3}, progress)
	require.Len(t, report.Tenants, 3)
	byName := map[string]tenants.MigrationResult{}
	for _, r := range report.Tenants {
		byName[r.Tenant] = r
	}
	for _, ok := range []string{"alpha", "charlie"} {
		r := byName[ok]
		require.NoError(t, r.Err, ok)
		require.Len(t, r.DDL, 2, "%s: %q", ok, r.DDL)
		assert.True(t, strings.HasPrefix(r.DDL[0], "CREATE TABLE `accounts`"), r.DDL[0])
		assert.True(t, strings.HasPrefix(r.DDL[1], "CREATE UNIQUE INDEX"), r.DDL[1])
		db := MustDB(t, m, ok)
		require.NoError(t, db.Create(&Account{Email: "a@example.com"}).Error)
		assert.ErrorIs(t, db.Create(&Account{Email: "a@example.com"}).Error, gorm.ErrDuplicatedKey)
	}
	failed := report.Failed()
	require.Len(t, failed, 1)
	assert.Equal(t, "bravo", failed[0].Tenant)
	assert.Contains(t, failed[0].Err.Error(), "UNIQUE")
	assert.False(t, bravo.Migrator().HasIndex(&Account{}, "Email"), "bravo's failed migration was rolled back")
	var n int64
	require.NoError(t, bravo.Table("accounts").Count(&n).Error)
	assert.Equal(t, int64(2), n, "bravo keeps its rows")

	// Resume: the tenants already migrated run no DDL; bravo, fixed,
	// is migrated.
	require.NoError(t, bravo.Exec("UPDATE accounts SET email = 'y@example.com' WHERE name = 'b'").Error)
	report, err = m.Migrate(ctx, &Account{})
	require.NoError(t, err)
	assert.Empty(t, report.Failed())
	changed := report.Changed()
	require.Len(t, changed, 1, "only bravo changes: %+v", report.Tenants)
	assert.Equal(t, "bravo", changed[0].Tenant)
	assert.Equal(t, []string{"CREATE UNIQUE INDEX `idx_accounts_email` ON `accounts` (`email`)"}, changed[0].DDL)

	report, err = m.Migrate(ctx, &Account{})
	require.NoError(t, err)
	assert.Empty(t, report.Changed(), "a third run issues no DDL anywhere")
	assert.Len(t, report.Tenants, 3)
}

// migrateSharesOpenPool: Migrate runs on the pool DB has open rather than
// open a second one of the tenant (two embedded replicas of one file must
// not sync side by side), and opens the others outside the cache, so that
// it evicts nothing.
func migrateSharesOpenPool(t *testing.T, env Env) {
	ctx := context.Background()
	m, store := manager(t, env, tenants.Config{MaxOpen: 1}, "served", "idle-1", "idle-2")
	served := MustDB(t, m, "served")
	before := store.opens.Load()
	report, err := m.Migrate(ctx, &Account{})
	require.NoError(t, err)
	assert.Len(t, report.Changed(), 3)
	assert.Equal(t, before+2, store.opens.Load(), "Migrate opens idle-1 and idle-2, and uses served's open pool")
	assert.False(t, isClosed(t, served), "Migrate neither closes nor evicts the pool DB serves")
	assert.Equal(t, 1, m.OpenPools())
	assert.Same(t, served, MustDB(t, m, "served"))
	assert.True(t, served.Migrator().HasTable(&Account{}))
	require.NoError(t, MustDB(t, m, "idle-1").Create(&Account{Email: "a@example.com"}).Error, "a tenant Migrate opened and closed opens again")
}

func drop(t *testing.T, env Env) {
	ctx := context.Background()
	m, _ := manager(t, env, tenants.Config{}, "doomed", "survivor")
	doomed := MustDB(t, m, "doomed")
	require.NoError(t, doomed.AutoMigrate(&Account{}))
	require.NoError(t, doomed.Create(&Account{Email: "gone@example.com"}).Error)
	survivor := MustDB(t, m, "survivor")
	require.NoError(t, survivor.AutoMigrate(&Account{}))
	require.NoError(t, survivor.Create(&Account{Email: "kept@example.com"}).Error)

	require.NoError(t, m.Drop(ctx, "doomed"))
	assert.True(t, isClosed(t, doomed), "Drop closes the tenant's pool")
	ok, err := m.Exists(ctx, "doomed")
	require.NoError(t, err)
	assert.False(t, ok)
	names, err := m.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"survivor"}, names)
	_, err = m.DB(ctx, "doomed")
	assert.ErrorIs(t, err, tenants.ErrNotFound)
	assert.ErrorIs(t, m.Drop(ctx, "doomed"), tenants.ErrNotFound)

	// Created again, it is empty.
	require.NoError(t, m.Create(ctx, "doomed"))
	assert.False(t, MustDB(t, m, "doomed").Migrator().HasTable(&Account{}))
	var got []Account
	require.NoError(t, MustDB(t, m, "survivor").Find(&got).Error)
	require.Len(t, got, 1)
	assert.Equal(t, "kept@example.com", got[0].Email)
}

func badNames(t *testing.T, env Env) {
	ctx := context.Background()
	m, store := manager(t, env, tenants.Config{})
	before := store.calls.Load()
	for _, name := range []string{"", "Acme", "a_b", "a.b", "-a", "a-", "a b", "../etc", "x/y", strings.Repeat("a", 64), "ünicode"} {
		_, err := m.DB(ctx, name)
		assert.ErrorIs(t, err, tenants.ErrInvalidName, "DB(%q)", name)
		assert.ErrorIs(t, m.Create(ctx, name), tenants.ErrInvalidName, "Create(%q)", name)
		assert.ErrorIs(t, m.Drop(ctx, name), tenants.ErrInvalidName, "Drop(%q)", name)
		_, err = m.Exists(ctx, name)
		assert.ErrorIs(t, err, tenants.ErrInvalidName, "Exists(%q)", name)
		assert.Contains(t, err.Error(), fmt.Sprintf("%q", name))
	}
	assert.Equal(t, before, store.calls.Load(), "no bad name reaches the store")
	// Names at the edges of the rules work end to end.
	for _, name := range []string{"a", "tenant-42", "0", "a-b-c", strings.Repeat("z", 63)} {
		require.NoError(t, m.Create(ctx, name), name)
		require.NoError(t, MustDB(t, m, name).Exec("CREATE TABLE t (x)").Error, name)
	}
	names, err := m.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"0", "a", "a-b-c", "tenant-42", strings.Repeat("z", 63)}, names)
}

func isolation(t *testing.T, env Env) {
	ctx := context.Background()
	m, _ := manager(t, env, tenants.Config{}, "red", "blue")
	_, err := m.Migrate(ctx, &Account{})
	require.NoError(t, err)
	require.NoError(t, MustDB(t, m, "red").Create(&Account{Email: "r@example.com"}).Error)
	var n int64
	require.NoError(t, MustDB(t, m, "blue").Model(&Account{}).Count(&n).Error)
	assert.Zero(t, n, "blue does not see red's row")
	require.NoError(t, MustDB(t, m, "red").Model(&Account{}).Count(&n).Error)
	assert.Equal(t, int64(1), n)
	require.NoError(t, m.Close())
	_, err = m.DB(ctx, "red")
	assert.ErrorIs(t, err, tenants.ErrClosed)
}
