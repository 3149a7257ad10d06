package libsql_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/internal/tenantsuite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

func TestTenantsLocal(t *testing.T) {
	tenantsuite.Run(t, tenantsuite.Env{Store: func(t *testing.T) libsql.TenantStore {
		return libsql.LocalTenants{Dir: filepath.Join(t.TempDir(), "tenants")}
	}})
}

func TestLocalTenantsFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := libsql.LocalTenants{Dir: dir}
	m, err := libsql.NewTenants(libsql.TenantsConfig{Store: store, GORM: &gorm.Config{Logger: logger.Discard}})
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
	assert.ErrorIs(t, err, libsql.ErrTenantNotFound)
	assert.NoFileExists(t, filepath.Join(dir, "ghost.db"), "DB never creates a tenant's file")

	db, err := m.DB(ctx, "acme")
	require.NoError(t, err)
	require.NoError(t, db.Exec("CREATE TABLE t (x)").Error)
	assert.FileExists(t, filepath.Join(dir, "acme.db-wal"))
	require.NoError(t, m.Drop(ctx, "acme"))
	for _, f := range []string{"acme.db", "acme.db-wal", "acme.db-shm"} {
		assert.NoFileExists(t, filepath.Join(dir, f))
	}

	_, err = libsql.NewTenants(libsql.TenantsConfig{})
	assert.ErrorContains(t, err, "Store is required")
	bad, err := libsql.NewTenants(libsql.TenantsConfig{Store: libsql.LocalTenants{Dir: dir, Config: libsql.Config{Database: "x.db"}}})
	require.NoError(t, err)
	defer bad.Close()
	assert.ErrorContains(t, bad.Create(ctx, "acme"), "must not set Database")

	none := libsql.LocalTenants{Dir: filepath.Join(dir, "missing")}
	names, err = none.List(ctx)
	require.NoError(t, err)
	assert.Empty(t, names, "a missing directory holds no tenants")
}

func localStore(b *testing.B) libsql.TenantStore { return libsql.LocalTenants{Dir: b.TempDir()} }

// BenchmarkTenantsCreateMigrate: go test -run '^$' -bench TenantsCreateMigrate -benchtime 1x -tenants 1000
func BenchmarkTenantsCreateMigrate(b *testing.B) { tenantsuite.BenchCreateMigrate(b, localStore) }

// BenchmarkTenantsMemory: go test -run '^$' -bench TenantsMemory -benchtime 1x -tenants 1000
func BenchmarkTenantsMemory(b *testing.B) { tenantsuite.BenchMemory(b, localStore(b)) }

func BenchmarkTenantsCachedDB(b *testing.B) { tenantsuite.BenchCachedDB(b, localStore(b)) }
