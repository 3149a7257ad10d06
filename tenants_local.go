package libsql

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"gorm.io/gorm"
)

// LocalTenants is a TenantStore of local files, one per tenant:
// Dir/<tenant>.db. It suits development, tests, and applications that ship
// tenants as files.
type LocalTenants struct {
	// Dir holds the tenants' files; Create makes it when missing.
	Dir string
	// Config is the template every tenant opens with (BusyTimeout,
	// JournalMode, EncryptionKey, TxLock...); its Database and URL must be
	// empty, as the store sets Database.
	Config Config
}

const localTenantExt = ".db"

// Path is the file of tenant's database.
func (l LocalTenants) Path(tenant string) string {
	return filepath.Join(l.Dir, tenant+localTenantExt)
}

// checkTenant checks the store and the tenant's name: the store's methods
// may be called directly, and a name becomes a path.
func (l LocalTenants) checkTenant(tenant string) error {
	if err := ValidateTenantName(tenant); err != nil {
		return err
	}
	return l.check()
}

func (l LocalTenants) check() error {
	if l.Dir == "" {
		return errors.New("libsql: LocalTenants.Dir is empty")
	}
	if l.Config.Database != "" || l.Config.URL != "" || l.Config.Conn != nil {
		return errors.New("libsql: LocalTenants.Config must not set Database, URL or Conn: the store opens each tenant's file itself")
	}
	return nil
}

// Open opens the tenant's file without ever creating it (SQLite's mode=rw,
// or mode=ro with Config.ReadOnly), so a tenant dropped meanwhile is not
// brought back empty.
func (l LocalTenants) Open(_ context.Context, tenant string, cfg *gorm.Config) (*gorm.DB, error) {
	if err := l.checkTenant(tenant); err != nil {
		return nil, err
	}
	path := l.Path(tenant)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no file %s", ErrTenantNotFound, path)
	}
	c := l.Config
	mode := "mode=rw"
	if c.ReadOnly {
		mode = "mode=ro"
	}
	uri := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(path), RawQuery: mode}
	c.Database = uri.String()
	db, err := gorm.Open(New(c), cfg)
	if err != nil {
		closeGORM(db)
		return nil, err
	}
	return db, nil
}

// closeGORM closes the pool of a *gorm.DB that gorm.Open returned with an
// error (it keeps the pool open).
func closeGORM(db *gorm.DB) {
	if db == nil || db.ConnPool == nil {
		return
	}
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

// Create makes an empty file for tenant (SQLite reads an empty file as an
// empty database), creating Dir if needed.
func (l LocalTenants) Create(_ context.Context, tenant string) error {
	if err := l.checkTenant(tenant); err != nil {
		return err
	}
	if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		return fmt.Errorf("libsql: create tenant %s: %w", tenant, err)
	}
	f, err := os.OpenFile(l.Path(tenant), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s", ErrTenantExists, tenant)
	}
	if err != nil {
		return fmt.Errorf("libsql: create tenant %s: %w", tenant, err)
	}
	return f.Close()
}

// Drop removes the tenant's file and its -wal, -shm and -journal files.
func (l LocalTenants) Drop(_ context.Context, tenant string) error {
	if err := l.checkTenant(tenant); err != nil {
		return err
	}
	path := l.Path(tenant)
	if err := os.Remove(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s", ErrTenantNotFound, tenant)
		}
		return fmt.Errorf("libsql: drop tenant %s: %w", tenant, err)
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("libsql: drop tenant %s: %w", tenant, err)
		}
	}
	return nil
}

// Exists reports whether the tenant's file exists.
func (l LocalTenants) Exists(_ context.Context, tenant string) (bool, error) {
	if err := l.checkTenant(tenant); err != nil {
		return false, err
	}
	_, err := os.Stat(l.Path(tenant))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, err
}

// List returns the tenants with a file in Dir; files whose names are not
// valid tenant names are not tenants. A missing Dir holds no tenants.
func (l LocalTenants) List(_ context.Context) ([]string, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(l.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("libsql: list tenants: %w", err)
	}
	var names []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), localTenantExt)
		if ok && e.Type().IsRegular() && ValidateTenantName(name) == nil {
			names = append(names, name)
		}
	}
	return sortedTenants(names), nil
}
