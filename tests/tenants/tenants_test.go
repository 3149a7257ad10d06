// Package tenants runs the tenant manager's tests on local files and on
// sqld namespaces, against a real sqld started with namespaces, its admin
// API and JWT auth, and runs examples/tenants with both stores.
package tenants

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/internal/hrana"
	"github.com/gorm-libsql/libsql/tenants"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/gorm-libsql/libsql/tests/internal/tenantsuite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

var server *sqldtest.Server

func TestMain(m *testing.M) {
	os.Exit(sqldtest.MainWith(m, &server, sqldtest.Options{Namespaces: true}))
}

var catalogs atomic.Int64

// store returns a store with a catalog of its own; the tenants it lists
// are dropped when the test ends, so tests can reuse names.
func store(t *testing.T, mods ...func(*tenants.SQLDConfig)) *tenants.SQLDNamespaces {
	srv := sqldtest.Require(t, server)
	cfg := tenants.SQLDConfig{
		URL:       srv.URL,
		AdminURL:  srv.AdminURL,
		AuthToken: srv.Token(),
		Catalog:   fmt.Sprintf("catalog-%d", catalogs.Add(1)),
	}
	for _, mod := range mods {
		mod(&cfg)
	}
	s := newSQLD(t, cfg)
	t.Cleanup(func() {
		ctx := context.Background()
		names, err := s.List(ctx)
		require.NoError(t, err)
		for _, n := range names {
			require.NoError(t, s.Drop(ctx, n))
		}
		require.NoError(t, s.Close())
	})
	return s
}

// localFiles is tenants.NewLocalFiles, failing t on an error.
func localFiles(t testing.TB, dir string, template libsql.Config) *tenants.LocalFiles {
	t.Helper()
	s, err := tenants.NewLocalFiles(dir, template)
	require.NoError(t, err)
	return s
}

// newSQLD is tenants.NewSQLDNamespaces, failing t on an error.
func newSQLD(t testing.TB, cfg tenants.SQLDConfig) *tenants.SQLDNamespaces {
	t.Helper()
	s, err := tenants.NewSQLDNamespaces(cfg)
	require.NoError(t, err)
	return s
}

func TestTenantsSQLD(t *testing.T) {
	tenantsuite.Run(t, tenantsuite.Env{Store: func(t *testing.T) tenants.Store { return store(t) }})
}

// replicaStore is store with every tenant an embedded replica in a
// directory of the test's.
func replicaStore(t *testing.T) *tenants.SQLDNamespaces {
	dir := t.TempDir()
	return store(t, func(c *tenants.SQLDConfig) { c.ReplicaDir = dir })
}

func TestTenantsSQLDReplica(t *testing.T) {
	tenantsuite.Run(t, tenantsuite.Env{Store: func(t *testing.T) tenants.Store { return replicaStore(t) }})
}

func newManager(t *testing.T, s *tenants.SQLDNamespaces) *tenants.Manager {
	t.Helper()
	m, err := tenants.New(tenants.Config{Store: s, GORM: &gorm.Config{Logger: logger.Discard}})
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// adminCall sends one request to the server's admin API, behind the
// store's back.
func adminCall(t *testing.T, method, path string) int {
	t.Helper()
	req, err := http.NewRequest(method, server.AdminURL+path, strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func TestSQLDNamespacesCatalog(t *testing.T) {
	ctx := context.Background()
	s := store(t)
	m := newManager(t, s)

	// A namespace made without the store exists but is not listed, until
	// Create lists it.
	require.Equal(t, http.StatusOK, adminCall(t, http.MethodPost, "/v1/namespaces/outsider/create"))
	ok, err := m.Exists(ctx, "outsider")
	require.NoError(t, err)
	assert.True(t, ok)
	names, err := m.List(ctx)
	require.NoError(t, err)
	assert.Empty(t, names)
	assert.ErrorIs(t, m.Create(ctx, "outsider"), tenants.ErrExists)
	names, err = m.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"outsider"}, names)

	// The catalog is no tenant.
	_, err = m.DB(ctx, s.Catalog())
	assert.ErrorIs(t, err, tenants.ErrInvalidName)
	assert.ErrorIs(t, m.Create(ctx, s.Catalog()), tenants.ErrInvalidName)
	assert.ErrorIs(t, m.Drop(ctx, s.Catalog()), tenants.ErrInvalidName)

	// A listed tenant whose namespace was deleted behind the store's back
	// fails its migration alone, and Drop removes it from the list.
	require.NoError(t, m.Create(ctx, "vanished"))
	require.NoError(t, m.Create(ctx, "present"))
	require.Equal(t, http.StatusOK, adminCall(t, http.MethodDelete, "/v1/namespaces/vanished"))
	report, err := m.Migrate(ctx, &tenantsuite.Account{})
	require.Error(t, err)
	failed := report.Failed()
	require.Len(t, failed, 1)
	assert.Equal(t, "vanished", failed[0].Tenant)
	assert.ErrorIs(t, failed[0].Err, tenants.ErrNotFound)
	assert.Len(t, report.Changed(), 2, "outsider and present are migrated")
	require.NoError(t, m.Drop(ctx, "vanished"), "the namespace is gone but the catalog listed it")
	assert.ErrorIs(t, m.Drop(ctx, "vanished"), tenants.ErrNotFound)
	names, err = m.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"outsider", "present"}, names)
}

func TestSQLDNamespacesAuth(t *testing.T) {
	ctx := context.Background()
	s := store(t)
	require.NoError(t, newManager(t, s).Create(ctx, "guarded"))
	for name, token := range map[string]string{"missing": "", "foreign": sqldtest.ForeignToken()} {
		bad := newManager(t, newSQLD(t, tenants.SQLDConfig{URL: server.URL, AdminURL: server.AdminURL, AuthToken: token, Catalog: s.Catalog()}))
		_, err := bad.DB(ctx, "guarded")
		assert.ErrorIs(t, err, libsql.ErrAuthFailed, name)
		assert.NotErrorIs(t, err, tenants.ErrNotFound, name)
	}
}

func TestSQLDNamespacesConfigErrors(t *testing.T) {
	ctx := context.Background()
	srv := sqldtest.Require(t, server)
	for name, tc := range map[string]struct {
		cfg  tenants.SQLDConfig
		want string
	}{
		"no admin":         {tenants.SQLDConfig{URL: srv.URL}, "AdminURL is empty"},
		"bad url":          {tenants.SQLDConfig{URL: "ftp://x", AdminURL: srv.AdminURL}, "unknown URL scheme"},
		"database set":     {tenants.SQLDConfig{URL: srv.URL, AdminURL: srv.AdminURL, Template: libsql.Config{Database: "x.db"}}, "must not set Database"},
		"bad catalog":      {tenants.SQLDConfig{URL: srv.URL, AdminURL: srv.AdminURL, Catalog: "Bad_Catalog"}, "invalid tenant name"},
		"replica settings": {tenants.SQLDConfig{URL: srv.URL, AdminURL: srv.AdminURL, Template: libsql.Config{SyncInterval: time.Second}}, "set ReplicaDir too"},
		"admin unreached":  {tenants.SQLDConfig{URL: srv.URL, AdminURL: "http://127.0.0.1:1", AdminTimeout: 2 * time.Second}, "admin API"},
	} {
		s, err := tenants.NewSQLDNamespaces(tc.cfg)
		if err == nil {
			err = newManager(t, s).Create(ctx, "acme")
		}
		assert.ErrorContains(t, err, tc.want, name)
	}
}

// benchStore is store for benchmarks: a catalog of its own, its tenants
// dropped afterwards (not timed).
func benchStore(b *testing.B) tenants.Store { return sqldBenchStore(b, "") }

// sqldBenchStore is benchStore, with replicas in replicaDir when set.
func sqldBenchStore(b *testing.B, replicaDir string) tenants.Store {
	srv := sqldtest.Require(b, server)
	s := newSQLD(b, tenants.SQLDConfig{URL: srv.URL, AdminURL: srv.AdminURL, AuthToken: srv.Token(), ReplicaDir: replicaDir, Catalog: fmt.Sprintf("bench-catalog-%d", catalogs.Add(1))})
	b.Cleanup(func() {
		ctx := context.Background()
		names, err := s.List(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range names {
			if err := s.Drop(ctx, n); err != nil {
				b.Fatal(err)
			}
		}
		s.Close()
	})
	return s
}

func localStore(b *testing.B) tenants.Store { return localFiles(b, b.TempDir(), libsql.Config{}) }

// The tenant benchmarks, on local files (no server needed) and on sqld
// namespaces. They live here rather than in the root package, whose
// benchmarks are the driver's micro-benchmarks. For the README's numbers:
//
//	cd tests && go test ./tenants -run '^$' -bench Tenants -benchtime 1x -tenants=1000

func BenchmarkTenantsLocalCreateMigrate(b *testing.B) { tenantsuite.BenchCreateMigrate(b, localStore) }
func BenchmarkTenantsLocalMemory(b *testing.B)        { tenantsuite.BenchMemory(b, localStore(b)) }
func BenchmarkTenantsLocalCachedDB(b *testing.B)      { tenantsuite.BenchCachedDB(b, localStore(b)) }
func BenchmarkTenantsSQLDCreateMigrate(b *testing.B)  { tenantsuite.BenchCreateMigrate(b, benchStore) }
func BenchmarkTenantsSQLDMemory(b *testing.B)         { tenantsuite.BenchMemory(b, benchStore(b)) }
func BenchmarkTenantsSQLDCachedDB(b *testing.B)       { tenantsuite.BenchCachedDB(b, benchStore(b)) }
func BenchmarkTenantsSQLDReplicaCreateMigrate(b *testing.B) {
	tenantsuite.BenchCreateMigrate(b, replicaBenchStore)
}
func BenchmarkTenantsSQLDReplicaMemory(b *testing.B) {
	tenantsuite.BenchMemory(b, replicaBenchStore(b))
}

// replicaBenchStore is benchStore with every tenant an embedded replica.
func replicaBenchStore(b *testing.B) tenants.Store { return sqldBenchStore(b, b.TempDir()) }

func TestSQLDNamespacesOwnKeys(t *testing.T) {
	ctx := context.Background()
	keys := map[string]sqldtest.Signer{"own-a": sqldtest.NewSigner(), "own-b": sqldtest.NewSigner()}
	s := store(t, func(c *tenants.SQLDConfig) {
		c.TenantJWTKey = func(tenant string) string { return keys[tenant].PublicKey() }
		c.TenantToken = func(tenant string) string { return keys[tenant].Token() }
	})
	m := newManager(t, s)
	for name := range keys {
		require.NoError(t, m.Create(ctx, name))
		db, err := m.DB(ctx, name)
		require.NoError(t, err, "the tenant's own token")
		require.NoError(t, db.Exec("CREATE TABLE t (x)").Error)
	}

	// The server's token, or another tenant's, is refused.
	for name, token := range map[string]string{"server": server.Token(), "other tenant": keys["own-b"].Token()} {
		other := newManager(t, newSQLD(t, tenants.SQLDConfig{URL: server.URL, AdminURL: server.AdminURL, Catalog: s.Catalog(),
			TenantToken: func(string) string { return token }}))
		_, err := other.DB(ctx, "own-a")
		assert.ErrorIs(t, err, libsql.ErrAuthFailed, name)
	}
}

// TestSQLDNamespacesSilentServer: a server that accepts requests and never
// answers (which a real one will not do on demand) costs each call at most
// its timeout.
func TestSQLDNamespacesSilentServer(t *testing.T) {
	hold := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hold }))
	t.Cleanup(silent.Close)
	t.Cleanup(func() { close(hold) })
	const limit = 300 * time.Millisecond
	s := newSQLD(t, tenants.SQLDConfig{URL: silent.URL, AdminURL: silent.URL, AdminTimeout: limit})
	m, err := tenants.New(tenants.Config{Store: s, OpenTimeout: limit, GORM: &gorm.Config{Logger: logger.Discard}})
	require.NoError(t, err)
	defer m.Close()
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"DB":     func() error { _, err := m.DB(ctx, "acme"); return err },
		"Create": func() error { return m.Create(ctx, "acme") },
		"Drop":   func() error { return m.Drop(ctx, "acme") },
		"Exists": func() error { _, err := m.Exists(ctx, "acme"); return err },
		"List":   func() error { _, err := m.List(ctx); return err },
	} {
		start := time.Now()
		err := call()
		require.Error(t, err, name)
		assert.Less(t, time.Since(start), 10*limit, "%s took %s: %v", name, time.Since(start), err)
	}
}

// TestSQLDNamespacesSwapped: a sqld that keeps fewer namespaces loaded
// than there are tenants refuses requests to existing ones now and then
// (404 "doesn't exist"); the client resends them, and since sqld ran
// nothing of a refused request, every write lands exactly once. Tenants
// are used one at a time: sqld also fails (HTTP 500, checkpoint busy) when
// it must unload a namespace that clients are using, which is not resent.
//
// Replica tenants' syncs get the same refusal ("Requested namespace doesn't
// exist") and are resent too.
func TestSQLDNamespacesSwapped(t *testing.T) {
	t.Run("remote", func(t *testing.T) { testSwapped(t, "") })
	t.Run("replica", func(t *testing.T) { testSwapped(t, t.TempDir()) })
}

func testSwapped(t *testing.T, replicaDir string) {
	srv := sqldtest.StartFor(t, sqldtest.Options{Namespaces: true, MaxActiveNamespaces: 4})
	s := newSQLD(t, tenants.SQLDConfig{URL: srv.URL, AdminURL: srv.AdminURL, AuthToken: srv.Token(), ReplicaDir: replicaDir})
	m, err := tenants.New(tenants.Config{Store: s, MaxOpen: 1, MigrateConcurrency: 1, GORM: &gorm.Config{Logger: logger.Discard}})
	require.NoError(t, err)
	defer m.Close()
	ctx := context.Background()
	const n, rounds = 24, 5
	for i := range n {
		require.NoError(t, m.Create(ctx, fmt.Sprintf("swap-%d", i)))
	}
	report, err := m.Migrate(ctx, &tenantsuite.Account{})
	require.NoError(t, err)
	assert.Len(t, report.Changed(), n)
	report, err = m.Migrate(ctx, &tenantsuite.Account{})
	require.NoError(t, err)
	assert.Empty(t, report.Changed())
	for round := range rounds {
		for i := range n {
			db, err := m.DB(ctx, fmt.Sprintf("swap-%d", i))
			require.NoError(t, err)
			require.NoError(t, db.Create(&tenantsuite.Account{Email: fmt.Sprintf("%d@example.com", round)}).Error)
		}
	}
	for i := range n {
		assert.Equal(t, int64(rounds), count(t, tenantsuite.MustDB(t, m, fmt.Sprintf("swap-%d", i))))
	}
}

// count is how many accounts db sees.
func count(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.Model(&tenantsuite.Account{}).Count(&n).Error)
	return n
}

// TestSQLDNamespacesReplica: replica tenants write to their namespaces,
// read their local files, and Drop deletes both.
func TestSQLDNamespacesReplica(t *testing.T) {
	ctx := context.Background()
	replicaDir := t.TempDir()
	s := store(t, func(c *tenants.SQLDConfig) { c.ReplicaDir = replicaDir })
	m := newManager(t, s)
	for _, name := range []string{"rep-a", "rep-b"} {
		require.NoError(t, m.Create(ctx, name))
	}
	assert.NoFileExists(t, s.ReplicaPath("rep-a"), "Create makes no replica; the first open does")
	report, err := m.Migrate(ctx, &tenantsuite.Account{})
	require.NoError(t, err)
	assert.Len(t, report.Changed(), 2)
	assert.FileExists(t, s.ReplicaPath("rep-a"))
	a := tenantsuite.MustDB(t, m, "rep-a")
	require.NoError(t, a.Create(&tenantsuite.Account{Email: "a@example.com"}).Error)
	assert.Equal(t, int64(1), count(t, a), "ReadYourWrites: the replica holds the write once it returns")
	status, err := libsql.LastSync(a)
	require.NoError(t, err)
	assert.Positive(t, status.FrameNo)

	// The write is on rep-a's namespace, and only there: a remote store
	// over the same catalog sees it.
	remote := newManager(t, newSQLD(t, tenants.SQLDConfig{URL: server.URL, AdminURL: server.AdminURL, AuthToken: server.Token(), Catalog: s.Catalog()}))
	assert.Equal(t, int64(1), count(t, tenantsuite.MustDB(t, remote, "rep-a")))
	assert.Zero(t, count(t, tenantsuite.MustDB(t, remote, "rep-b")))
	assert.Zero(t, count(t, tenantsuite.MustDB(t, m, "rep-b")))

	// Reads are local: a write made on the namespace behind the
	// replica's back is seen once the replica syncs, not before.
	require.NoError(t, tenantsuite.MustDB(t, remote, "rep-a").Create(&tenantsuite.Account{Email: "b@example.com"}).Error)
	assert.Equal(t, int64(1), count(t, a), "the replica has not synced yet")
	synced, err := libsql.Sync(context.Background(), a)
	require.NoError(t, err)
	assert.Positive(t, synced.FramesSynced)
	assert.Equal(t, int64(2), count(t, a))
	// The file itself holds the rows.
	file, err := gorm.Open(libsql.New(libsql.Config{Database: s.ReplicaPath("rep-a"), ReadOnly: true}), &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	assert.Equal(t, int64(2), count(t, file))
	sqlDB, err := file.DB()
	require.NoError(t, err)
	require.NoError(t, sqlDB.Close())

	// Drop deletes the namespace and every file of the replica.
	require.NoError(t, m.Drop(ctx, "rep-a"))
	entries, err := os.ReadDir(replicaDir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.HasPrefix(e.Name(), "rep-a."), "left behind: %s", e.Name())
	}
	assert.NotEmpty(t, entries, "rep-b's replica is kept")
	_, err = m.DB(ctx, "rep-a")
	assert.ErrorIs(t, err, tenants.ErrNotFound)
	assert.NoFileExists(t, s.ReplicaPath("rep-a"), "opening a dropped tenant makes no replica")

	// A namespace deleted behind the store's back is not served from
	// the replica it left.
	require.NoError(t, m.Close())
	require.Equal(t, http.StatusOK, adminCall(t, http.MethodDelete, "/v1/namespaces/rep-b"))
	m = newManager(t, s)
	_, err = m.DB(ctx, "rep-b")
	assert.ErrorIs(t, err, tenants.ErrNotFound)
	names, err := m.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"rep-b"}, names, "the catalog still lists it")
	// Created again, through the store, it starts from an empty replica.
	require.NoError(t, m.Create(ctx, "rep-b"))
	assert.NoFileExists(t, s.ReplicaPath("rep-b"), "Create deleted the old namespace's replica")
	assert.False(t, tenantsuite.MustDB(t, m, "rep-b").Migrator().HasTable(&tenantsuite.Account{}))
}

// listeners counts the TCP sockets this process listens on (Linux).
func listeners(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("needs /proc:", err)
	}
	mine := map[string]bool{}
	for _, fd := range fds {
		if link, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil {
			if inode, ok := strings.CutPrefix(link, "socket:["); ok {
				mine[strings.TrimSuffix(inode, "]")] = true
			}
		}
	}
	n := 0
	for _, table := range []string{"/proc/self/net/tcp", "/proc/self/net/tcp6"} {
		data, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			// sl local rem st tx:rx tr:when retrnsmt uid timeout inode
			f := strings.Fields(line)
			if len(f) > 9 && f[3] == "0A" && mine[f[9]] {
				n++
			}
		}
	}
	return n
}

// TestSQLDNamespacesReplicaForwarders: every replica tenant's forwarder
// closes with its pool, so that opening many tenants through a small pool
// leaves no listener or goroutine behind.
func TestSQLDNamespacesReplicaForwarders(t *testing.T) {
	ctx := context.Background()
	s := replicaStore(t)
	const n, maxOpen = 12, 3
	m, err := tenants.New(tenants.Config{Store: s, MaxOpen: maxOpen, IdleTimeout: -1, GORM: &gorm.Config{Logger: logger.Discard}})
	require.NoError(t, err)
	for i := range n {
		require.NoError(t, m.Create(ctx, fmt.Sprintf("fw-%d", i)))
	}
	listening, goroutines := listeners(t), runtime.NumGoroutine()
	_, err = m.Migrate(ctx, &tenantsuite.Account{})
	require.NoError(t, err)
	assert.Equal(t, listening, listeners(t), "Migrate closes each tenant's pool when done")
	for round := range 3 {
		for i := range n {
			db := tenantsuite.MustDB(t, m, fmt.Sprintf("fw-%d", i))
			require.NoError(t, db.Create(&tenantsuite.Account{Email: fmt.Sprintf("%d@example.com", round)}).Error)
			assert.Equal(t, int64(round+1), count(t, db))
			// Evicted pools close in the background.
			assert.Eventually(t, func() bool { return listeners(t) <= listening+maxOpen }, 10*time.Second, 5*time.Millisecond,
				"one forwarder per open pool")
		}
	}
	assert.Eventually(t, func() bool { return listeners(t) == listening+maxOpen }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, m.Drop(ctx, "fw-11"), "the most recently used pool")
	assert.Equal(t, listening+maxOpen-1, listeners(t), "Drop closes the forwarder")
	require.NoError(t, m.Close())
	assert.Equal(t, listening, listeners(t), "Close closes every forwarder")
	// +1: Eventually runs the condition in a goroutine of its own.
	require.Eventually(t, func() bool { return runtime.NumGoroutine() <= goroutines+1 }, 10*time.Second, 20*time.Millisecond,
		"goroutines: %d, before: %d", runtime.NumGoroutine(), goroutines)
}

// TestCheckClosesItsStream: opening a replica tenant first checks the
// primary with one request. sqld gives every new stream one of its 128
// connections until the stream is closed or expires 10 s later, so checks
// that left their streams open made a burst of replica opens fail with
// HTTP 429 "Timed out while opening database connection".
func TestCheckClosesItsStream(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, store(t))
	require.NoError(t, m.Create(ctx, "burst"))
	u, err := url.Parse(server.URL)
	require.NoError(t, err)
	opts := hrana.Options{URL: server.URL, AuthToken: server.Token(), Host: "burst." + u.Host}
	for i := range 200 {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := hrana.Check(ctx, opts)
		cancel()
		require.NoError(t, err, "check %d", i)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	require.NoError(t, tenantsuite.MustDB(t, m, "burst").WithContext(ctx).Exec("SELECT 1").Error)
}

// A store's methods can be called directly, without the Manager's checks: a bad
// name, such as one that climbs out of ReplicaDir, is refused before any
// request is sent or any file touched.
func TestSQLDNamespacesRefusesBadNames(t *testing.T) {
	ctx := context.Background()
	var requests atomic.Int64
	admin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer admin.Close()
	root := t.TempDir()
	victim := filepath.Join(root, "victim.db")
	require.NoError(t, os.WriteFile(victim, []byte("keep"), 0o644))
	s := newSQLD(t, tenants.SQLDConfig{URL: admin.URL, AdminURL: admin.URL, ReplicaDir: filepath.Join(root, "replicas")})
	defer s.Close()
	for _, name := range []string{"../victim", "", "Acme", "a/b", "a.b"} {
		assert.ErrorIs(t, s.Drop(ctx, name), tenants.ErrInvalidName, name)
		assert.ErrorIs(t, s.Create(ctx, name), tenants.ErrInvalidName, name)
		_, err := s.Exists(ctx, name)
		assert.ErrorIs(t, err, tenants.ErrInvalidName, name)
		_, err = s.Open(ctx, name, &gorm.Config{Logger: logger.Discard})
		assert.ErrorIs(t, err, tenants.ErrInvalidName, name)
	}
	assert.Zero(t, requests.Load(), "no request for a bad name")
	assert.FileExists(t, victim)
}
