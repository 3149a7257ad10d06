//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package tenants

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tenants"
	"github.com/gorm-libsql/libsql/tests/internal/logtest"
	"github.com/gorm-libsql/libsql/tests/internal/tenantsuite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

func TestTenantsLocal(t *testing.T) {
	tenantsuite.Run(t, tenantsuite.Env{Store: func(t *testing.T) tenants.Store {
		return localFiles(t, filepath.Join(t.TempDir(), "tenants"), libsql.Config{})
	}})
}

func TestLocalTenantsFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := localFiles(t, dir, libsql.Config{})
	m, err := tenants.New(tenants.Config{Store: store, GORM: &gorm.Config{Logger: logger.Discard}})
	require.NoError(t, err)
	defer m.Close()

	require.NoError(t, m.Create(ctx, "acme"))
	assert.FileExists(t, filepath.Join(dir, "acme.db"))
	// Files that are not tenants are not listed.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Not_A_Tenant.db"), nil, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "dir.db"), 0o755))
	names, err := m.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"acme"}, names)

	_, err = m.DB(ctx, "ghost")
	assert.ErrorIs(t, err, tenants.ErrNotFound)
	assert.NoFileExists(t, filepath.Join(dir, "ghost.db"), "DB never creates a tenant's file")

	db, err := m.DB(ctx, "acme")
	require.NoError(t, err)
	require.NoError(t, db.Exec("CREATE TABLE t (x)").Error)
	assert.FileExists(t, filepath.Join(dir, "acme.db-wal"))
	require.NoError(t, m.Drop(ctx, "acme"))
	for _, f := range []string{"acme.db", "acme.db-wal", "acme.db-shm"} {
		assert.NoFileExists(t, filepath.Join(dir, f))
	}

	_, err = tenants.New(tenants.Config{})
	assert.ErrorContains(t, err, "Store is required")
	_, err = tenants.NewLocalFiles(dir, libsql.Config{Database: "x.db"})
	assert.ErrorContains(t, err, "must not set Database")
	_, err = tenants.NewLocalFiles("", libsql.Config{})
	assert.ErrorContains(t, err, "dir is empty")

	// A read-only template opens tenants read-only (mode=ro, not mode=rw).
	require.NoError(t, m.Create(ctx, "frozen"))
	ro := localFiles(t, dir, libsql.Config{ReadOnly: true})
	frozen, err := ro.Open(ctx, "frozen", &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	require.NoError(t, frozen.Exec("SELECT 1").Error)
	assert.ErrorContains(t, frozen.Exec("CREATE TABLE t (x)").Error, "readonly")
	sqlDB, err := frozen.DB()
	require.NoError(t, err)
	require.NoError(t, sqlDB.Close())

	none := localFiles(t, filepath.Join(dir, "missing"), libsql.Config{})
	names, err = none.List(ctx)
	require.NoError(t, err)
	assert.Empty(t, names, "a missing directory holds no tenants")
}

// infoLog records the messages of a GORM logger.
type infoLog struct {
	logger.Interface
	mu   sync.Mutex
	msgs []string
}

func (l *infoLog) LogMode(logger.LogLevel) logger.Interface { return l }
func (l *infoLog) Info(_ context.Context, msg string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, "INFO "+fmt.Sprintf(msg, args...))
}
func (l *infoLog) Error(_ context.Context, msg string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, "ERROR "+fmt.Sprintf(msg, args...))
}

func TestTenantsMigrateProgressLogged(t *testing.T) {
	ctx := context.Background()
	log := &infoLog{Interface: logger.Discard}
	m, err := tenants.New(tenants.Config{Store: localFiles(t, t.TempDir(), libsql.Config{}), GORM: &gorm.Config{Logger: log}, MigrateConcurrency: 1})
	require.NoError(t, err)
	defer m.Close()
	for _, name := range []string{"a", "b"} {
		require.NoError(t, m.Create(ctx, name))
	}
	db, err := m.DB(ctx, "b")
	require.NoError(t, err)
	require.NoError(t, db.Exec("CREATE TABLE accounts (id integer PRIMARY KEY, email text, name text)").Error)
	require.NoError(t, db.Exec("INSERT INTO accounts VALUES (1, 'x', ''), (2, 'x', '')").Error)
	_, err = m.Migrate(ctx, &tenantsuite.Account{})
	require.Error(t, err)
	log.mu.Lock()
	defer log.mu.Unlock()
	var progress []string
	for _, msg := range log.msgs {
		if strings.Contains(msg, "tenants: migrated") {
			progress = append(progress, msg)
		}
	}
	require.Len(t, progress, 2, "%q", log.msgs)
	assert.Equal(t, "INFO tenants: migrated 1/2 tenants: a ok, 2 DDL statements", progress[0])
	assert.True(t, strings.HasPrefix(progress[1], "ERROR tenants: migrated 2/2 tenants: b failed: "), progress[1])
}

func TestTenantsMigrateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	m, err := tenants.New(tenants.Config{Store: localFiles(t, t.TempDir(), libsql.Config{}), GORM: &gorm.Config{Logger: logger.Discard}})
	require.NoError(t, err)
	defer m.Close()
	for _, name := range []string{"a", "b", "c"} {
		require.NoError(t, m.Create(ctx, name))
	}
	cancel()
	report, err := m.Migrate(ctx, &tenantsuite.Account{})
	assert.ErrorIs(t, err, context.Canceled)
	require.Len(t, report.Tenants, 3)
	for _, r := range report.Tenants {
		assert.ErrorIs(t, r.Err, context.Canceled, r.Tenant)
		assert.Empty(t, r.DDL)
	}
}

// TestLocalTenantsEncrypted: the template's EncryptionKey encrypts every
// tenant's file, from the empty file Create makes.
func TestLocalTenantsEncrypted(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := localFiles(t, dir, libsql.Config{EncryptionKey: strings.Repeat("k", 32)})
	m, err := tenants.New(tenants.Config{Store: store, GORM: &gorm.Config{Logger: logger.Discard}})
	require.NoError(t, err)
	require.NoError(t, m.Create(ctx, "sec"))
	_, err = m.Migrate(ctx, &tenantsuite.Account{})
	require.NoError(t, err)
	db, err := m.DB(ctx, "sec")
	require.NoError(t, err)
	require.NoError(t, db.Create(&tenantsuite.Account{Email: "secret-marker@example.com"}).Error)
	require.NoError(t, m.Close())
	data, _ := os.ReadFile(filepath.Join(dir, "sec.db"))
	require.NotContains(t, string(data), "secret-marker")
	require.NotContains(t, string(data), "SQLite format 3")
	m2, err := tenants.New(tenants.Config{Store: store, GORM: &gorm.Config{Logger: logger.Discard}})
	require.NoError(t, err)
	defer m2.Close()
	db, err = m2.DB(ctx, "sec")
	require.NoError(t, err)
	var n int64
	require.NoError(t, db.Model(&tenantsuite.Account{}).Count(&n).Error)
	require.Equal(t, int64(1), n)
}

func TestExampleLocalFiles(t *testing.T) {
	checkExampleOutput(t, runExample(t, nil, "-dir", t.TempDir()))
}

// LocalFiles' methods can be called directly, without the Manager's
// checks: a name that climbs out of the directory is refused and touches
// no file.
func TestLocalTenantsRefusesBadNames(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	victim := filepath.Join(root, "victim.db")
	require.NoError(t, os.WriteFile(victim, []byte("keep"), 0o644))
	dir := filepath.Join(root, "tenants")
	store := localFiles(t, dir, libsql.Config{})
	for _, name := range []string{"../victim", "", "Acme", "a/b"} {
		assert.ErrorIs(t, store.Drop(ctx, name), tenants.ErrInvalidName, name)
		assert.ErrorIs(t, store.Create(ctx, name), tenants.ErrInvalidName, name)
		_, err := store.Exists(ctx, name)
		assert.ErrorIs(t, err, tenants.ErrInvalidName, name)
		_, err = store.Open(ctx, name, &gorm.Config{Logger: logger.Discard})
		assert.ErrorIs(t, err, tenants.ErrInvalidName, name)
	}
	assert.FileExists(t, victim)
	assert.NoDirExists(t, dir, "nothing created for a bad name")
}

// Migrate's workers run on goroutines of the manager, yet GORM's logger
// names the line that called Migrate, for every statement of every
// tenant's migration and for the progress lines.
func TestTenantsMigrateLogNamesTheCaller(t *testing.T) {
	ctx := context.Background()
	log, out := logtest.New(logger.Info)
	m, err := tenants.New(tenants.Config{
		Store:              localFiles(t, t.TempDir(), libsql.Config{}),
		GORM:               &gorm.Config{Logger: log},
		MigrateConcurrency: 2,
	})
	require.NoError(t, err)
	defer m.Close()
	for _, name := range []string{"a", "b", "c"} {
		require.NoError(t, m.Create(ctx, name))
	}
	out.Reset()

	_, err = m.Migrate(ctx, &tenantsuite.Account{})
	_, self, line, _ := runtime.Caller(0)
	require.NoError(t, err)
	var statements, progress int
	for _, e := range out.Entries() {
		assert.Equal(t, fmt.Sprintf("%s:%d", self, line-1), e.Caller, "before %q", e.Text)
		if strings.Contains(e.Text, "[rows:") {
			statements++
		} else if strings.Contains(e.Text, "tenants: migrated") {
			progress++
		}
	}
	assert.Equal(t, 3, progress)
	assert.Greater(t, statements, 3*2, "each tenant's CREATE TABLE and index, at least")
}
