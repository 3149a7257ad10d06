package tenants

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/internal/hrana"
	"github.com/gorm-libsql/libsql/internal/replica"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// SQLDConfig configures a store of sqld namespaces (NewSQLDNamespaces).
type SQLDConfig struct {
	// URL is the server's HTTP address, e.g. http://127.0.0.1:8080.
	URL string
	// AdminURL is its admin API (--admin-listen-addr), e.g.
	// http://127.0.0.1:9090.
	AdminURL string
	// AuthToken authenticates to every namespace (sqld's
	// --auth-jwt-key-file applies to all of them).
	AuthToken string
	// TenantToken, when set, gives the token of each tenant instead of
	// AuthToken, for namespaces with a JWT key of their own.
	TenantToken func(tenant string) string
	// TenantJWTKey, when set, gives the JWT public key Create sets on a
	// tenant's namespace (sqld's jwt_key: an Ed25519 public key in PEM or
	// URL-safe base64). Such a namespace refuses tokens signed by the
	// server's key; TenantToken must then give tokens signed by its own.
	TenantJWTKey func(tenant string) string
	// Catalog is the namespace that lists the tenants; default
	// DefaultCatalog. It cannot be used as a tenant.
	Catalog string
	// ReplicaDir, when set, makes every tenant an embedded replica of its
	// namespace, in the file ReplicaDir/<tenant>.db (created on first
	// open; Drop deletes it with the namespace, Create deletes one left
	// under the name). A namespace deleted and created again by other
	// means than the store leaves its old replica behind, which libSQL
	// would keep serving: delete ReplicaDir/<tenant>.db* then.
	ReplicaDir string
	// Template is what every tenant opens with: TxLock,
	// KeepDefaultTransactions and the network limits apply (the admin API
	// requests are bounded by its ConnectTimeout and RequestTimeout too,
	// and use its TLSConfig),
	// and with ReplicaDir the replica's settings (SyncInterval,
	// ReadYourWrites, EncryptionKey, BusyTimeout...); Database, URL,
	// Namespace and Conn must be empty.
	Template libsql.Config
	// AdminTimeout bounds each call of Create, Drop, Exists and List (its
	// admin API requests and catalog statements). Default 30s.
	AdminTimeout time.Duration
}

// DefaultCatalog is the namespace SQLDNamespaces lists tenants in unless
// SQLDConfig.Catalog says otherwise.
const DefaultCatalog = "tenant-catalog"

// DefaultAdminTimeout is SQLDConfig.AdminTimeout's default.
const DefaultAdminTimeout = 30 * time.Second

// SQLDNamespaces is a Store of sqld namespaces, one per tenant, on a server
// started with --enable-namespaces and --admin-listen-addr. Make one with
// NewSQLDNamespaces.
//
// Databases are created and deleted through the admin API, whose answers
// are checked (a reply that is not sqld's is an error, not a success).
// Each tenant opens as libsql.Config{URL, Namespace: tenant}: its requests
// reach the namespace by its Host header, and, with ReplicaDir, it is an
// embedded replica of the namespace (see libsql.Config.Namespace).
//
// sqld 0.24 cannot list its namespaces, so the store keeps the list itself,
// in a table of the Catalog namespace: Create adds a tenant there before
// creating its namespace and Drop removes it after deleting it, so a tenant
// that exists is always listed. Namespaces made by other means are not
// listed (and Migrate does not see them) until Create is called for them,
// which lists them and reports ErrExists.
type SQLDNamespaces struct {
	cfg   SQLDConfig
	admin *http.Client
	// limits bound every admin API request, as they do the database's.
	limits hrana.Limits

	catalogMu sync.Mutex
	catalog   *sql.DB
}

// NewSQLDNamespaces checks cfg and returns the store; it keeps a copy of
// cfg and sends nothing until a method is called.
func NewSQLDNamespaces(cfg SQLDConfig) (*SQLDNamespaces, error) {
	tpl := cfg.Template
	if tpl.Database != "" || tpl.URL != "" || tpl.Namespace != "" || tpl.Conn != nil {
		return nil, errors.New("tenants: SQLDConfig.Template must not set Database, URL, Namespace or Conn: the store opens each namespace itself")
	}
	if cfg.ReplicaDir == "" && (tpl.SyncInterval != 0 || tpl.ReadYourWrites != nil) {
		return nil, errors.New("tenants: SQLDConfig.Template sets SyncInterval or ReadYourWrites, which apply to embedded replicas: set ReplicaDir too")
	}
	if cfg.AdminURL == "" {
		return nil, errors.New("tenants: SQLDConfig.AdminURL is empty: set the address of sqld's --admin-listen-addr")
	}
	// The template is checked as every tenant will open with it.
	probe := tpl
	probe.URL, probe.Namespace = cfg.URL, DefaultCatalog
	if cfg.ReplicaDir != "" {
		probe.Database = filepath.Join(cfg.ReplicaDir, DefaultCatalog+fileExt)
	}
	if err := probe.Validate(); err != nil {
		return nil, errmsg.Wrap(err, "tenants: SQLDConfig")
	}
	admin, err := hrana.BaseURL(cfg.AdminURL)
	if err != nil {
		return nil, errmsg.Wrap(err, "tenants: SQLDConfig.AdminURL")
	}
	cfg.AdminURL = admin
	if cfg.Catalog == "" {
		cfg.Catalog = DefaultCatalog
	}
	if err := ValidateName(cfg.Catalog); err != nil {
		return nil, errmsg.Wrap(err, "tenants: SQLDConfig.Catalog")
	}
	if cfg.AdminTimeout <= 0 {
		cfg.AdminTimeout = DefaultAdminTimeout
	}
	cfg.Template.Pragmas = append([]string(nil), tpl.Pragmas...)
	settings := network(tpl)
	limits := hrana.Limits{ConnectTimeout: settings.ConnectTimeout, RequestTimeout: settings.RequestTimeout, MaxResponseBytes: settings.MaxResponseBytes, TLSConfig: settings.TLSConfig}.WithDefaults()
	return &SQLDNamespaces{
		cfg:    cfg,
		limits: limits,
		admin: &http.Client{
			Transport: limits.Transport(),
			// The admin API answers where it is asked.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// Catalog is the namespace that lists the tenants.
func (s *SQLDNamespaces) Catalog() string { return s.cfg.Catalog }

func (s *SQLDNamespaces) token(tenant string) string {
	if s.cfg.TenantToken != nil {
		return s.cfg.TenantToken(tenant)
	}
	return s.cfg.AuthToken
}

// usable checks the tenant's name (the store's methods may be called
// directly, and a name goes into admin API paths and the replica's file
// name), and that tenant is not the catalog.
func (s *SQLDNamespaces) usable(tenant string) error {
	if err := ValidateName(tenant); err != nil {
		return err
	}
	if tenant == s.cfg.Catalog {
		return fmt.Errorf("%w %q: it is the namespace that lists the tenants (SQLDConfig.Catalog)", ErrInvalidName, tenant)
	}
	return nil
}

// Open opens the tenant's namespace in remote mode and checks, with one
// request bounded by ctx, that it exists and takes the token. With
// ReplicaDir it opens the tenant's replica instead, which syncs once
// before Open returns; that is bounded by the template's RequestTimeout
// rather than ctx. A namespace that does not exist is an error matching
// ErrNotFound. cfg is copied, not changed.
func (s *SQLDNamespaces) Open(ctx context.Context, tenant string, cfg *gorm.Config) (*gorm.DB, error) {
	if err := s.usable(tenant); err != nil {
		return nil, err
	}
	c := s.cfg.Template
	c.URL, c.AuthToken, c.Namespace = s.cfg.URL, s.token(tenant), tenant
	if s.cfg.ReplicaDir != "" {
		if err := os.MkdirAll(s.cfg.ReplicaDir, 0o755); err != nil {
			return nil, errmsg.Wrap(err, "tenants: tenant %s", tenant)
		}
		c.Database = s.ReplicaPath(tenant)
	}
	// GORM's own ping takes no context; this one does.
	db, err := openGORM(libsql.New(c), cfg, func(c *gorm.Config) { c.DisableAutomaticPing = true })
	if err == nil {
		if err = ping(ctx, db); err != nil {
			closeDB(db)
		}
	}
	if err != nil {
		return nil, namespaceError(tenant, err)
	}
	return db, nil
}

func ping(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

func closeDB(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

// ReplicaPath is the file of tenant's embedded replica (with ReplicaDir).
func (s *SQLDNamespaces) ReplicaPath(tenant string) string {
	return filepath.Join(s.cfg.ReplicaDir, tenant+fileExt)
}

// namespaceError makes sqld's answer for a missing namespace match
// ErrNotFound.
func namespaceError(tenant string, err error) error {
	if hrana.IsMissingNamespace(err) {
		return fmt.Errorf("%w: %s (%v)", ErrNotFound, tenant, err)
	}
	return err
}

// maxAdminReply bounds what is read of an admin API answer: sqld's are a
// few hundred bytes.
const maxAdminReply = 64 << 10

// adminReply is one admin API answer.
type adminReply struct {
	status int
	body   []byte
}

// text is the "error" field of an answer, or its text.
func (r adminReply) text() string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(r.body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return strings.TrimSpace(string(r.body))
}

// missing reports whether the answer is sqld's for a namespace that does
// not exist: HTTP 404 with {"error": "Namespace `x` doesn't exist"}. Any
// other 404 (a proxy's, another server's) is not taken for it.
func (r adminReply) missing() bool {
	return r.status == http.StatusNotFound && strings.Contains(r.text(), "doesn't exist")
}

// done reports whether the answer is sqld's success for a call that
// returns nothing (create, delete): HTTP 200 with an empty body. A 200 with
// a body comes from something else than sqld's admin API (a proxy's page,
// another server), which did not do what was asked.
func (s *SQLDNamespaces) done(r adminReply, what string) (bool, error) {
	if r.status != http.StatusOK {
		return false, nil
	}
	if len(bytes.TrimSpace(r.body)) != 0 {
		return false, fmt.Errorf("tenants: %s: the admin API at %s answered HTTP 200 with %q where sqld answers with nothing: is it sqld's --admin-listen-addr?", what, s.cfg.AdminURL, clip(r.body))
	}
	return true, nil
}

// clip shortens a reply for an error message.
func clip(b []byte) string {
	const n = 200
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// adminCall sends one admin API request, bounded by the template's
// RequestTimeout as well as ctx, and returns the answer.
func (s *SQLDNamespaces) adminCall(ctx context.Context, method, path string, body []byte) (adminReply, error) {
	if d := s.limits.RequestTimeout; d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, d, fmt.Errorf("tenants: the sqld admin API did not answer within RequestTimeout (%s)", d))
		defer cancel()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.cfg.AdminURL+path, rd)
	if err != nil {
		return adminReply{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.admin.Do(req)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			err = fmt.Errorf("%w (%w)", err, cause)
		}
		return adminReply{}, errmsg.Wrap(err, "tenants: sqld admin API")
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAdminReply))
	if err != nil {
		return adminReply{}, errmsg.Wrap(err, "tenants: sqld admin API")
	}
	return adminReply{status: resp.StatusCode, body: data}, nil
}

// createNamespace creates one namespace, with its own JWT key when jwtKey
// is set; existed reports that it was there.
func (s *SQLDNamespaces) createNamespace(ctx context.Context, ns, jwtKey string) (existed bool, err error) {
	body := []byte("{}")
	if jwtKey != "" {
		if body, err = json.Marshal(map[string]string{"jwt_key": jwtKey}); err != nil {
			return false, err
		}
	}
	r, err := s.adminCall(ctx, http.MethodPost, "/v1/namespaces/"+ns+"/create", body)
	if err != nil {
		return false, err
	}
	ok, err := s.done(r, "create namespace "+ns)
	switch {
	case err != nil:
		return false, err
	case ok:
		return false, nil
	case r.status == http.StatusBadRequest && strings.Contains(r.text(), "already exists"):
		return true, nil
	}
	return false, fmt.Errorf("tenants: sqld refused to create namespace %s: HTTP %d: %s", ns, r.status, r.text())
}

// catalogDB opens the catalog, creating its namespace and table on first
// use.
func (s *SQLDNamespaces) catalogDB(ctx context.Context) (*sql.DB, error) {
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	if s.catalog != nil {
		return s.catalog, nil
	}
	if _, err := s.createNamespace(ctx, s.cfg.Catalog, ""); err != nil {
		return nil, err
	}
	// The catalog is always remote (a replica's syncs would only slow its
	// few statements), within the template's network limits.
	c := network(s.cfg.Template)
	c.URL, c.AuthToken, c.Namespace = s.cfg.URL, s.cfg.AuthToken, s.cfg.Catalog
	gdb, err := openGORM(libsql.New(c), &gorm.Config{Logger: logger.Discard, DisableAutomaticPing: true})
	if err != nil {
		return nil, errmsg.Wrap(err, "tenants: tenant catalog %s", s.cfg.Catalog)
	}
	db, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS tenants (name TEXT PRIMARY KEY) WITHOUT ROWID"); err != nil {
		db.Close()
		return nil, errmsg.Wrap(err, "tenants: tenant catalog %s", s.cfg.Catalog)
	}
	s.catalog = db
	return db, nil
}

// bounded checks tenant and bounds the call by AdminTimeout.
func (s *SQLDNamespaces) bounded(ctx context.Context, tenant string) (context.Context, context.CancelFunc, error) {
	if err := s.usable(tenant); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.AdminTimeout)
	return ctx, cancel, nil
}

// boundedWithCatalog is bounded, with the catalog.
func (s *SQLDNamespaces) boundedWithCatalog(ctx context.Context, tenant string) (context.Context, context.CancelFunc, *sql.DB, error) {
	ctx, cancel, err := s.bounded(ctx, tenant)
	if err != nil {
		return nil, nil, nil, err
	}
	cat, err := s.catalogDB(ctx)
	if err != nil {
		cancel()
		return nil, nil, nil, err
	}
	return ctx, cancel, cat, nil
}

// Create lists the tenant in the catalog, then creates its namespace; with
// ReplicaDir it deletes any replica file left under the tenant's name.
func (s *SQLDNamespaces) Create(ctx context.Context, tenant string) error {
	ctx, cancel, cat, err := s.boundedWithCatalog(ctx, tenant)
	if err != nil {
		return err
	}
	defer cancel()
	res, err := cat.ExecContext(ctx, "INSERT OR IGNORE INTO tenants (name) VALUES (?)", tenant)
	if err != nil {
		return errmsg.Wrap(err, "tenants: create tenant %s: listing it in the catalog", tenant)
	}
	added, _ := res.RowsAffected()
	var jwtKey string
	if s.cfg.TenantJWTKey != nil {
		jwtKey = s.cfg.TenantJWTKey(tenant)
	}
	existed, err := s.createNamespace(ctx, tenant, jwtKey)
	if err != nil {
		if added == 1 {
			undo, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.AdminTimeout)
			_, _ = cat.ExecContext(undo, "DELETE FROM tenants WHERE name = ?", tenant)
			cancel()
		}
		return err
	}
	if existed {
		return fmt.Errorf("%w: %s", ErrExists, tenant)
	}
	if s.cfg.ReplicaDir != "" {
		// A replica left by an earlier namespace of this name (deleted
		// by other means than Drop) would be taken for this one's:
		// libSQL syncs it from the new namespace without noticing.
		if err := replica.RemoveFiles(s.ReplicaPath(tenant)); err != nil {
			return errmsg.Wrap(err, "tenants: create tenant %s: its namespace is created, but removing an old replica of that name failed", tenant)
		}
	}
	return nil
}

// Drop deletes the tenant's namespace, then its replica files (with
// ReplicaDir), then its catalog entry.
func (s *SQLDNamespaces) Drop(ctx context.Context, tenant string) error {
	ctx, cancel, cat, err := s.boundedWithCatalog(ctx, tenant)
	if err != nil {
		return err
	}
	defer cancel()
	r, err := s.adminCall(ctx, http.MethodDelete, "/v1/namespaces/"+tenant, nil)
	if err != nil {
		return err
	}
	deleted, err := s.done(r, "delete namespace "+tenant)
	if err != nil {
		return err
	}
	missing := r.missing()
	if !deleted && !missing {
		return fmt.Errorf("tenants: sqld refused to delete namespace %s: HTTP %d: %s", tenant, r.status, r.text())
	}
	if s.cfg.ReplicaDir != "" {
		if err := replica.RemoveFiles(s.ReplicaPath(tenant)); err != nil {
			return errmsg.Wrap(err, "tenants: drop tenant %s: its namespace is deleted, but removing its replica failed (Drop again to finish)", tenant)
		}
	}
	res, err := cat.ExecContext(ctx, "DELETE FROM tenants WHERE name = ?", tenant)
	if err != nil {
		return errmsg.Wrap(err, "tenants: drop tenant %s: its namespace is deleted, but removing it from the catalog failed (Drop again to finish)", tenant)
	}
	if n, _ := res.RowsAffected(); missing && n == 0 {
		return fmt.Errorf("%w: %s", ErrNotFound, tenant)
	}
	return nil
}

// namespaceConfig is the part of sqld's answer to GET
// /v1/namespaces/<ns>/config that every version sends: a reply without
// these fields is not a namespace's configuration.
type namespaceConfig struct {
	BlockReads  *bool `json:"block_reads"`
	BlockWrites *bool `json:"block_writes"`
}

// Exists asks the admin API for the namespace's configuration.
func (s *SQLDNamespaces) Exists(ctx context.Context, tenant string) (bool, error) {
	ctx, cancel, err := s.bounded(ctx, tenant)
	if err != nil {
		return false, err
	}
	defer cancel()
	r, err := s.adminCall(ctx, http.MethodGet, "/v1/namespaces/"+tenant+"/config", nil)
	switch {
	case err != nil:
		return false, err
	case r.missing():
		return false, nil
	case r.status != http.StatusOK:
		return false, fmt.Errorf("tenants: sqld admin API on namespace %s: HTTP %d: %s", tenant, r.status, r.text())
	}
	var conf namespaceConfig
	if err := json.Unmarshal(r.body, &conf); err != nil || conf.BlockReads == nil || conf.BlockWrites == nil {
		return false, fmt.Errorf("tenants: namespace %s: the admin API at %s answered HTTP 200 with %q, which is not a namespace's configuration: is it sqld's --admin-listen-addr?", tenant, s.cfg.AdminURL, clip(r.body))
	}
	return true, nil
}

// List reads the catalog.
func (s *SQLDNamespaces) List(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.AdminTimeout)
	defer cancel()
	cat, err := s.catalogDB(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := cat.QueryContext(ctx, "SELECT name FROM tenants ORDER BY name")
	if err != nil {
		return nil, errmsg.Wrap(err, "tenants: list tenants")
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// Close closes the catalog's connections (Manager.Close calls it); a later
// call opens them again.
func (s *SQLDNamespaces) Close() error {
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	if s.catalog == nil {
		return nil
	}
	err := s.catalog.Close()
	s.catalog = nil
	return err
}

// network is what every connection of the store takes from the template,
// whatever it reaches (a tenant, the catalog, the admin API): the network
// limits and TLS.
func network(tpl libsql.Config) libsql.Config {
	return libsql.Config{ConnectTimeout: tpl.ConnectTimeout, RequestTimeout: tpl.RequestTimeout, MaxResponseBytes: tpl.MaxResponseBytes, TLSConfig: tpl.TLSConfig}
}
