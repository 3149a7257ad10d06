package libsql

import (
	"bytes"
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gorm-libsql/libsql/internal/hrana"
	"github.com/gorm-libsql/libsql/internal/replica"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// SQLDNamespaces is a TenantStore of sqld namespaces, one per tenant, on a
// server started with --enable-namespaces and --admin-listen-addr.
//
// Databases are created and deleted through the admin API. Statements
// reach a tenant's namespace at URL with the Host header
// "<tenant>.<URL's host>", which sqld routes by its first label, so no name
// is resolved and a loopback server needs no DNS entry. Requests sqld
// refuses with 404 "Namespace doesn't exist" while it swaps namespaces in
// and out (beyond its --max-active-namespaces) are resent: sqld ran nothing
// of them.
//
// sqld 0.24 cannot list its namespaces, so the store keeps the list itself,
// in a table of the Catalog namespace: Create adds a tenant there before
// creating its namespace and Drop removes it after deleting it, so a tenant
// that exists is always listed. Namespaces made by other means are not
// listed (and Migrate does not see them) until Create is called for them,
// which lists them and reports ErrTenantExists.
//
// Each tenant runs in remote mode, or, with ReplicaDir, as an embedded
// replica of its namespace: reads are served from the local file
// ReplicaDir/<tenant>.db, writes and read-write transactions (Migrate's
// included) run on the namespace, and the replica syncs after them
// (Config.ReadYourWrites, on by default) and every Config.SyncInterval.
// Writes reach the namespace with its Host header like remote mode.
// libSQL's sync cannot be given a Host: it names the namespace after the
// first label of the primary URL's host, which for a server on 127.0.0.1
// or behind one name is not the tenant. So each replica tenant's sync goes
// through a forwarder of its own, a listener on a free 127.0.0.1 port
// that sends libSQL's replication calls (and nothing else) to URL for the
// tenant's namespace; it adds no credentials (libSQL sends the token),
// follows no redirect and no proxy setting, bounds connecting by the
// Config's ConnectTimeout and each call's silences by its RequestTimeout
// (a long reply that keeps coming is not cut), and closes with the
// tenant's pool (eviction, idle close, Drop, Close).
type SQLDNamespaces struct {
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
	// "tenant-catalog". It cannot be used as a tenant.
	Catalog string
	// ReplicaDir, when set, makes every tenant an embedded replica of its
	// namespace, in the file ReplicaDir/<tenant>.db (created on first
	// open; Drop deletes it with the namespace, Create deletes one left
	// under the name). A namespace deleted and created again by other
	// means than the store leaves its old replica behind, which libSQL
	// would keep serving: delete ReplicaDir/<tenant>.db* then.
	ReplicaDir string
	// Config is the template every tenant opens with: TxLock,
	// KeepDefaultTransactions and the network limits apply, and with
	// ReplicaDir the replica's settings (SyncInterval, ReadYourWrites,
	// EncryptionKey, BusyTimeout...); Database, URL and Conn must be
	// empty.
	Config Config
	// AdminTimeout bounds each call of Create, Drop, Exists and List (its
	// admin API requests and catalog statements). Default 30s.
	AdminTimeout time.Duration

	once    sync.Once
	initErr error
	base    *url.URL
	admin   *http.Client

	catalogMu sync.Mutex
	catalog   *sql.DB
}

// DefaultTenantCatalog is the namespace SQLDNamespaces lists tenants in
// unless Catalog says otherwise.
const DefaultTenantCatalog = "tenant-catalog"

func (s *SQLDNamespaces) init() error {
	s.once.Do(func() { s.initErr = s.setup() })
	return s.initErr
}

func (s *SQLDNamespaces) setup() error {
	if s.Config.Database != "" || s.Config.URL != "" || s.Config.Conn != nil {
		return errors.New("libsql: SQLDNamespaces.Config must not set Database, URL or Conn: the store opens each namespace itself")
	}
	if s.ReplicaDir == "" && (s.Config.SyncInterval != 0 || s.Config.ReadYourWrites != nil) {
		return errors.New("libsql: SQLDNamespaces.Config sets SyncInterval or ReadYourWrites, which apply to embedded replicas: set ReplicaDir too")
	}
	if s.AdminURL == "" {
		return errors.New("libsql: SQLDNamespaces.AdminURL is empty: set the address of sqld's --admin-listen-addr")
	}
	raw, err := hrana.BaseURL(s.URL)
	if err != nil {
		return err
	}
	if s.base, err = url.Parse(raw); err != nil {
		return err
	}
	if _, err := hrana.BaseURL(s.AdminURL); err != nil {
		return fmt.Errorf("libsql: SQLDNamespaces.AdminURL: %w", err)
	}
	if s.Catalog == "" {
		s.Catalog = DefaultTenantCatalog
	}
	if err := ValidateTenantName(s.Catalog); err != nil {
		return fmt.Errorf("libsql: SQLDNamespaces.Catalog: %w", err)
	}
	if s.AdminTimeout <= 0 {
		s.AdminTimeout = 30 * time.Second
	}
	s.admin = &http.Client{
		Timeout: s.AdminTimeout,
		Transport: &http.Transport{
			Proxy:       nil,
			DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		},
	}
	return nil
}

func (s *SQLDNamespaces) token(tenant string) string {
	if s.TenantToken != nil {
		return s.TenantToken(tenant)
	}
	return s.AuthToken
}

// connector reaches one namespace: the server's address with the
// namespace's Host header.
func (s *SQLDNamespaces) connector(namespace, token string) (*hrana.Connector, error) {
	limits, err := s.Config.limits()
	if err != nil {
		return nil, err
	}
	return hrana.NewConnector(hrana.Options{
		URL:       s.base.String(),
		AuthToken: token,
		TxLock:    s.Config.TxLock,
		Limits:    limits,
		Host:      hrana.NamespaceHost(namespace, s.base.Host),
	})
}

// usable checks the store, the tenant's name (the store's methods may be
// called directly, and a name goes into admin API paths and the replica's
// file name), and that tenant is not the catalog.
func (s *SQLDNamespaces) usable(tenant string) error {
	if err := ValidateTenantName(tenant); err != nil {
		return err
	}
	if err := s.init(); err != nil {
		return err
	}
	if tenant == s.Catalog {
		return fmt.Errorf("%w %q: it is the namespace that lists the tenants (SQLDNamespaces.Catalog)", ErrInvalidTenantName, tenant)
	}
	return nil
}

// Open opens the tenant's namespace in remote mode and checks, with one
// request bounded by ctx, that it exists and takes the token. With
// ReplicaDir it opens the tenant's replica instead, which syncs once
// before Open returns; that is bounded by the Config's RequestTimeout
// rather than ctx. A namespace that does not exist is an error matching
// ErrTenantNotFound.
func (s *SQLDNamespaces) Open(ctx context.Context, tenant string, cfg *gorm.Config) (*gorm.DB, error) {
	if err := s.usable(tenant); err != nil {
		return nil, err
	}
	var c sqldriver.Connector
	var err error
	if s.ReplicaDir != "" {
		c, err = s.replicaConnector(tenant, cfg.Logger)
	} else {
		c, err = s.connector(tenant, s.token(tenant))
	}
	if err != nil {
		return nil, namespaceError(tenant, err)
	}
	pool := sql.OpenDB(c)
	conf := s.Config
	conf.Conn = pool
	// GORM's own ping takes no context; this one does.
	cfg.DisableAutomaticPing = true
	db, err := gorm.Open(New(conf), cfg)
	if err == nil {
		err = pool.PingContext(ctx)
	}
	if err != nil {
		_ = pool.Close()
		return nil, namespaceError(tenant, err)
	}
	return db, nil
}

// ReplicaPath is the file of tenant's embedded replica (with ReplicaDir).
func (s *SQLDNamespaces) ReplicaPath(tenant string) string {
	return filepath.Join(s.ReplicaDir, tenant+localTenantExt)
}

// replicaConnector opens the tenant's embedded replica.
func (s *SQLDNamespaces) replicaConnector(tenant string, log logger.Interface) (sqldriver.Connector, error) {
	if err := os.MkdirAll(s.ReplicaDir, 0o755); err != nil {
		return nil, fmt.Errorf("libsql: tenant %s: %w", tenant, err)
	}
	conf := s.Config
	conf.Database, conf.URL, conf.AuthToken = s.ReplicaPath(tenant), s.base.String(), s.token(tenant)
	if err := conf.validate(ModeEmbeddedReplica); err != nil {
		return nil, err
	}
	if log == nil {
		log = logger.Default
	}
	return conf.replicaConnector(log, tenant)
}

// namespaceError makes sqld's answer for a missing namespace match
// ErrTenantNotFound.
func namespaceError(tenant string, err error) error {
	var he *hrana.Error
	if errors.As(err, &he) && he.Status == http.StatusNotFound && strings.Contains(he.Message, "doesn't exist") {
		return fmt.Errorf("%w: %s (%v)", ErrTenantNotFound, tenant, err)
	}
	return err
}

// adminCall sends one admin API request and returns its status and body.
func (s *SQLDNamespaces) adminCall(ctx context.Context, method, path string, body []byte) (int, string, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(s.AdminURL, "/")+path, rd)
	if err != nil {
		return 0, "", err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.admin.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("libsql: sqld admin API: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return 0, "", fmt.Errorf("libsql: sqld admin API: %w", err)
	}
	return resp.StatusCode, serverText(data), nil
}

// serverText is the "error" field of an admin API answer, or its text.
func serverText(data []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		return e.Error
	}
	return strings.TrimSpace(string(data))
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
	status, msg, err := s.adminCall(ctx, http.MethodPost, "/v1/namespaces/"+ns+"/create", body)
	switch {
	case err != nil:
		return false, err
	case status == http.StatusOK:
		return false, nil
	case strings.Contains(msg, "already exists"):
		return true, nil
	}
	return false, fmt.Errorf("libsql: sqld refused to create namespace %s: HTTP %d: %s", ns, status, msg)
}

// catalogDB opens the catalog, creating its namespace and table on first
// use.
func (s *SQLDNamespaces) catalogDB(ctx context.Context) (*sql.DB, error) {
	if err := s.init(); err != nil {
		return nil, err
	}
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	if s.catalog != nil {
		return s.catalog, nil
	}
	if _, err := s.createNamespace(ctx, s.Catalog, ""); err != nil {
		return nil, err
	}
	c, err := s.connector(s.Catalog, s.AuthToken)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(c)
	if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS tenants (name TEXT PRIMARY KEY) WITHOUT ROWID"); err != nil {
		db.Close()
		return nil, fmt.Errorf("libsql: tenant catalog %s: %w", s.Catalog, err)
	}
	s.catalog = db
	return db, nil
}

// bounded checks tenant and bounds the call by AdminTimeout.
func (s *SQLDNamespaces) bounded(ctx context.Context, tenant string) (context.Context, context.CancelFunc, error) {
	if err := s.usable(tenant); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.AdminTimeout)
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
		return fmt.Errorf("libsql: create tenant %s: listing it in the catalog: %w", tenant, err)
	}
	added, _ := res.RowsAffected()
	var jwtKey string
	if s.TenantJWTKey != nil {
		jwtKey = s.TenantJWTKey(tenant)
	}
	existed, err := s.createNamespace(ctx, tenant, jwtKey)
	if err != nil {
		if added == 1 {
			undo, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.AdminTimeout)
			_, _ = cat.ExecContext(undo, "DELETE FROM tenants WHERE name = ?", tenant)
			cancel()
		}
		return err
	}
	if existed {
		return fmt.Errorf("%w: %s", ErrTenantExists, tenant)
	}
	if s.ReplicaDir != "" {
		// A replica left by an earlier namespace of this name (deleted
		// by other means than Drop) would be taken for this one's:
		// libSQL syncs it from the new namespace without noticing.
		if err := replica.RemoveFiles(s.ReplicaPath(tenant)); err != nil {
			return fmt.Errorf("libsql: create tenant %s: its namespace is created, but removing an old replica of that name failed: %w", tenant, err)
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
	status, msg, err := s.adminCall(ctx, http.MethodDelete, "/v1/namespaces/"+tenant, nil)
	if err != nil {
		return err
	}
	missing := status == http.StatusNotFound
	if status != http.StatusOK && !missing {
		return fmt.Errorf("libsql: sqld refused to delete namespace %s: HTTP %d: %s", tenant, status, msg)
	}
	if s.ReplicaDir != "" {
		if err := replica.RemoveFiles(s.ReplicaPath(tenant)); err != nil {
			return fmt.Errorf("libsql: drop tenant %s: its namespace is deleted, but removing its replica failed (Drop again to finish): %w", tenant, err)
		}
	}
	res, err := cat.ExecContext(ctx, "DELETE FROM tenants WHERE name = ?", tenant)
	if err != nil {
		return fmt.Errorf("libsql: drop tenant %s: its namespace is deleted, but removing it from the catalog failed (Drop again to finish): %w", tenant, err)
	}
	if n, _ := res.RowsAffected(); missing && n == 0 {
		return fmt.Errorf("%w: %s", ErrTenantNotFound, tenant)
	}
	return nil
}

// Exists asks the admin API for the namespace's configuration.
func (s *SQLDNamespaces) Exists(ctx context.Context, tenant string) (bool, error) {
	ctx, cancel, err := s.bounded(ctx, tenant)
	if err != nil {
		return false, err
	}
	defer cancel()

	status, msg, err := s.adminCall(ctx, http.MethodGet, "/v1/namespaces/"+tenant+"/config", nil)
	switch {
	case err != nil:
		return false, err
	case status == http.StatusOK:
		return true, nil
	case status == http.StatusNotFound:
		return false, nil
	}
	return false, fmt.Errorf("libsql: sqld admin API on namespace %s: HTTP %d: %s", tenant, status, msg)
}

// List reads the catalog.
func (s *SQLDNamespaces) List(ctx context.Context) ([]string, error) {
	if err := s.init(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.AdminTimeout)
	defer cancel()
	cat, err := s.catalogDB(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := cat.QueryContext(ctx, "SELECT name FROM tenants ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("libsql: list tenants: %w", err)
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

// Close closes the catalog's connections (Tenants.Close calls it); a later
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
