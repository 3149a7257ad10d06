package tenants

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/internal/errmsg"
	"gorm.io/gorm"
)

// LocalFiles is a Store of local files, one per tenant: <dir>/<tenant>.db.
// It suits development, tests, and applications that ship tenants as
// files. Make one with NewLocalFiles. Local files need libSQL's engine
// (cgo); without it Open fails with libsql.ErrNeedsCgo.
type LocalFiles struct {
	dir      string
	template libsql.Config
}

const fileExt = ".db"

// NewLocalFiles returns the store of the tenants in dir (made by Create
// when missing). template is what every tenant opens with (BusyTimeout,
// JournalMode, EncryptionKey, TxLock...); its Database, URL, Namespace and
// Conn must be empty, as the store opens each tenant's file itself. The
// store keeps a copy of template.
func NewLocalFiles(dir string, template libsql.Config) (*LocalFiles, error) {
	if dir == "" {
		return nil, errors.New("tenants: NewLocalFiles: dir is empty")
	}
	if template.Database != "" || template.URL != "" || template.Namespace != "" || template.Conn != nil {
		return nil, errors.New("tenants: NewLocalFiles: the template must not set Database, URL, Namespace or Conn: the store opens each tenant's file itself")
	}
	// The template is checked as every tenant will open with it.
	probe := template
	probe.Database = filepath.Join(dir, DefaultCatalog+fileExt)
	if err := probe.Validate(); err != nil {
		return nil, errmsg.Wrap(err, "tenants: NewLocalFiles")
	}
	template.Pragmas = append([]string(nil), template.Pragmas...)
	return &LocalFiles{dir: dir, template: template}, nil
}

// Path is the file of tenant's database.
func (l *LocalFiles) Path(tenant string) string {
	return filepath.Join(l.dir, tenant+fileExt)
}

// Open opens the tenant's file without ever creating it (SQLite's mode=rw,
// or mode=ro with the template's ReadOnly), so a tenant dropped meanwhile
// is not brought back empty. cfg is copied, not changed.
func (l *LocalFiles) Open(_ context.Context, tenant string, cfg *gorm.Config) (*gorm.DB, error) {
	if err := ValidateName(tenant); err != nil {
		return nil, err
	}
	path := l.Path(tenant)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no file %s", ErrNotFound, path)
	}
	c := l.template
	mode := "mode=rw"
	if c.ReadOnly {
		mode = "mode=ro"
	}
	uri := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(path), RawQuery: mode}
	c.Database = uri.String()
	return openGORM(libsql.New(c), cfg)
}

// openGORM is gorm.Open on a copy of cfg (gorm.Open keeps and changes the
// config it is given), closing the pool that gorm.Open leaves open when it
// fails.
func openGORM(d gorm.Dialector, cfg *gorm.Config, opts ...func(*gorm.Config)) (*gorm.DB, error) {
	var c gorm.Config
	if cfg != nil {
		c = *cfg
	}
	for _, o := range opts {
		o(&c)
	}
	db, err := gorm.Open(d, &c)
	if err != nil {
		if db != nil && db.ConnPool != nil {
			closeDB(db)
		}
		return nil, err
	}
	return db, nil
}

// Create makes an empty file for tenant (SQLite reads an empty file as an
// empty database), creating the directory if needed.
func (l *LocalFiles) Create(_ context.Context, tenant string) error {
	if err := ValidateName(tenant); err != nil {
		return err
	}
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return errmsg.Wrap(err, "tenants: create tenant %s", tenant)
	}
	f, err := os.OpenFile(l.Path(tenant), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s", ErrExists, tenant)
	}
	if err != nil {
		return errmsg.Wrap(err, "tenants: create tenant %s", tenant)
	}
	return f.Close()
}

// Drop removes the tenant's file and its -wal, -shm and -journal files.
func (l *LocalFiles) Drop(_ context.Context, tenant string) error {
	if err := ValidateName(tenant); err != nil {
		return err
	}
	path := l.Path(tenant)
	if err := os.Remove(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s", ErrNotFound, tenant)
		}
		return errmsg.Wrap(err, "tenants: drop tenant %s", tenant)
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return errmsg.Wrap(err, "tenants: drop tenant %s", tenant)
		}
	}
	return nil
}

// Exists reports whether the tenant's file exists.
func (l *LocalFiles) Exists(_ context.Context, tenant string) (bool, error) {
	if err := ValidateName(tenant); err != nil {
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

// List returns the tenants with a file in the directory; files whose names
// are not valid tenant names are not tenants. A missing directory holds no
// tenants.
func (l *LocalFiles) List(_ context.Context) ([]string, error) {
	entries, err := os.ReadDir(l.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, errmsg.Wrap(err, "tenants: list tenants")
	}
	var names []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), fileExt)
		if ok && e.Type().IsRegular() && ValidateName(name) == nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}
