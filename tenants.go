package libsql

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"
)

// MaxTenantNameLen is the longest tenant name: a DNS label's 63 bytes.
const MaxTenantNameLen = 63

// ValidateTenantName checks a tenant name against the DNS label rules that
// sqld namespaces and Turso database names need, so that the same name works
// on every TenantStore: 1 to 63 bytes of lower-case letters a-z, digits 0-9
// and hyphens, starting and ending with a letter or digit. Upper case is
// refused rather than folded, so that one tenant never has two names.
func ValidateTenantName(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s (want 1-%d of a-z, 0-9 and '-', not starting or ending with '-')", ErrInvalidTenantName, name, why, MaxTenantNameLen)
	}
	switch {
	case name == "":
		return bad("empty")
	case len(name) > MaxTenantNameLen:
		return bad(fmt.Sprintf("%d bytes long", len(name)))
	case name[0] == '-' || name[len(name)-1] == '-':
		return bad("starts or ends with '-'")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return bad(fmt.Sprintf("byte %q at %d is not allowed", c, i))
		}
	}
	return nil
}

// TenantStore provisions tenant databases and opens them: a directory of
// files (LocalTenants), sqld namespaces (SQLDNamespaces), or a provisioner
// of your own, such as one calling Turso's platform API to create a database
// per tenant and returning a remote or embedded-replica Config for it.
//
// Tenants validates every name (ValidateTenantName) before calling a store,
// so a store only ever sees valid names. Methods may be called concurrently.
type TenantStore interface {
	// Open opens the existing database of tenant with GORM, using cfg
	// (a copy the store may keep), within ctx (which carries
	// TenantsConfig.OpenTimeout). A tenant that does not exist is an error
	// matching ErrTenantNotFound; Open never creates one.
	Open(ctx context.Context, tenant string, cfg *gorm.Config) (*gorm.DB, error)
	// Create makes a new, empty database for tenant, or returns an error
	// matching ErrTenantExists.
	Create(ctx context.Context, tenant string) error
	// Drop deletes the database of tenant and its data, or returns an
	// error matching ErrTenantNotFound. Tenants closes its own pool of the
	// tenant first.
	Drop(ctx context.Context, tenant string) error
	// Exists reports whether tenant has a database.
	Exists(ctx context.Context, tenant string) (bool, error)
	// List returns every tenant, sorted.
	List(ctx context.Context) ([]string, error)
}

// TenantsConfig configures a Tenants.
type TenantsConfig struct {
	// Store provisions and opens the databases. Required.
	Store TenantStore
	// GORM is the configuration each tenant's *gorm.DB opens with (logger,
	// naming, TranslateError...). It is copied for every open; nil means
	// &gorm.Config{}.
	GORM *gorm.Config
	// MaxOpen bounds the open pools: opening one more closes the least
	// recently used pool that has no connection in use. Default 64.
	MaxOpen int
	// IdleTimeout closes a pool that DB has not returned for this long and
	// that has no connection in use. Default 5 minutes; negative keeps
	// pools until they are evicted.
	IdleTimeout time.Duration
	// OpenTimeout bounds opening a tenant's database in DB and Migrate
	// (for a remote store, the request that checks it). Default 30s.
	OpenTimeout time.Duration
	// MigrateConcurrency is how many tenants Migrate works on at once.
	// Default 4.
	MigrateConcurrency int
	// OnMigrate, when set, is told of every tenant Migrate finishes, with
	// how many are done out of how many, so that a long run shows progress.
	// Without it, progress is logged through the GORM logger at Info level.
	// It is called from several goroutines, one call at a time.
	OnMigrate func(result TenantMigration, done, total int)
}

// Tenants manages one database per tenant: it opens a tenant's database on
// first use and keeps a bounded number of pools open, provisions and drops
// databases through its TenantStore, and migrates every tenant's schema.
//
// A *gorm.DB from DB is valid until its pool is evicted (MaxOpen), closed
// for idleness (IdleTimeout), or its tenant dropped; a statement started
// before then finishes, later ones fail with "sql: database is closed". So
// call DB for each unit of work (it is a map lookup) instead of keeping the
// handle, or run the unit of work in Do, which keeps the pool open.
type Tenants struct {
	store       TenantStore
	gcfg        gorm.Config
	maxOpen     int
	idle        time.Duration
	openTimeout time.Duration
	concurrency int
	onMigrate   func(TenantMigration, int, int)

	mu       sync.Mutex
	pools    map[string]*pool
	lru      *list.List // of *pool, most recently used first
	dropping map[string]bool
	closed   bool
	stop     chan struct{}
	done     chan struct{}
}

// pool is one tenant's open (or opening) database.
type pool struct {
	tenant string
	elem   *list.Element
	ready  chan struct{} // closed once db or err is set
	db     *gorm.DB
	err    error
	used   time.Time // when DB last returned it; guarded by Tenants.mu
	pins   int       // Do calls using it; guarded by Tenants.mu
}

// NewTenants returns a tenant manager over cfg.Store. It opens nothing
// until DB is called.
func NewTenants(cfg TenantsConfig) (*Tenants, error) {
	if cfg.Store == nil {
		return nil, errors.New("libsql: TenantsConfig.Store is required (LocalTenants, SQLDNamespaces or a TenantStore of your own)")
	}
	if cfg.MaxOpen < 0 || cfg.MigrateConcurrency < 0 || cfg.OpenTimeout < 0 {
		return nil, fmt.Errorf("libsql: TenantsConfig.MaxOpen (%d), MigrateConcurrency (%d) and OpenTimeout (%s) must not be negative", cfg.MaxOpen, cfg.MigrateConcurrency, cfg.OpenTimeout)
	}
	t := &Tenants{
		store:       cfg.Store,
		maxOpen:     cfg.MaxOpen,
		idle:        cfg.IdleTimeout,
		openTimeout: cfg.OpenTimeout,
		concurrency: cfg.MigrateConcurrency,
		onMigrate:   cfg.OnMigrate,
		pools:       map[string]*pool{},
		lru:         list.New(),
		dropping:    map[string]bool{},
	}
	if cfg.GORM != nil {
		t.gcfg = *cfg.GORM
	}
	if t.maxOpen == 0 {
		t.maxOpen = 64
	}
	if t.idle == 0 {
		t.idle = 5 * time.Minute
	}
	if t.concurrency == 0 {
		t.concurrency = 4
	}
	if t.openTimeout == 0 {
		t.openTimeout = 30 * time.Second
	}
	if t.idle > 0 {
		t.stop, t.done = make(chan struct{}), make(chan struct{})
		go t.closeIdleLoop()
	}
	return t, nil
}

// gormConfig is a fresh copy of the GORM configuration: gorm.Open keeps
// and changes the config it is given, so pools must not share one.
func (t *Tenants) gormConfig() *gorm.Config {
	c := t.gcfg
	return &c
}

// DB returns the *gorm.DB of tenant, opening its database on first use.
// For a tenant whose pool is open it is a map lookup, with no I/O.
// Concurrent first calls for one tenant open it once. A tenant without a
// database is an error matching ErrTenantNotFound.
//
// The pool may be evicted between statements once MaxOpen other tenants
// have been opened since; Do keeps it open for the length of a function.
func (t *Tenants) DB(ctx context.Context, tenant string) (*gorm.DB, error) {
	db, _, err := t.acquire(ctx, tenant, false)
	return db, err
}

// Do runs fn with the *gorm.DB of tenant (as DB returns it, with ctx), and
// keeps the tenant's pool open until fn returns: neither eviction nor the
// idle check closes a pool in use by Do, so a unit of work of several
// statements cannot lose its pool half way. Drop and Close still close it.
func (t *Tenants) Do(ctx context.Context, tenant string, fn func(db *gorm.DB) error) error {
	db, p, err := t.acquire(ctx, tenant, true)
	if err != nil {
		return err
	}
	defer t.unpin(p)
	return fn(db.WithContext(ctx))
}

// acquire returns the tenant's database and its pool, pinned when pin is
// set (the caller then unpins it).
func (t *Tenants) acquire(ctx context.Context, tenant string, pin bool) (*gorm.DB, *pool, error) {
	if err := ValidateTenantName(tenant); err != nil {
		return nil, nil, err
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, nil, ErrTenantsClosed
	}
	if t.dropping[tenant] {
		t.mu.Unlock()
		return nil, nil, fmt.Errorf("%w: %s is being dropped", ErrTenantNotFound, tenant)
	}
	p, ok := t.pools[tenant]
	if ok {
		t.lru.MoveToFront(p.elem)
		p.used = time.Now()
		if pin {
			p.pins++
		}
		var evicted []*pool
		if t.lru.Len() > t.maxOpen {
			// Busy pools kept beyond the bound go once idle.
			evicted = t.evictLocked()
		}
		t.mu.Unlock()
		closePools(evicted)
		return t.waitPinned(ctx, p, pin)
	}
	p = &pool{tenant: tenant, ready: make(chan struct{}), used: time.Now()}
	if pin {
		p.pins = 1
	}
	p.elem = t.lru.PushFront(p)
	t.pools[tenant] = p
	evicted := t.evictLocked()
	t.mu.Unlock()
	closePools(evicted)

	// The open is not bound to this caller's ctx, as other callers may be
	// waiting for it, but by OpenTimeout.
	openCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.openTimeout)
	p.db, p.err = t.store.Open(openCtx, tenant, t.gormConfig())
	cancel()
	if p.err != nil {
		p.err = fmt.Errorf("libsql: open tenant %s: %w", tenant, p.err)
		t.mu.Lock()
		if t.pools[tenant] == p {
			t.removeLocked(p)
		}
		t.mu.Unlock()
	}
	close(p.ready)
	return t.waitPinned(ctx, p, pin)
}

// waitPinned waits for the pool to open, unpinning it when that fails.
func (t *Tenants) waitPinned(ctx context.Context, p *pool, pin bool) (*gorm.DB, *pool, error) {
	db, err := p.wait(ctx)
	if err != nil && pin {
		t.unpin(p)
	}
	return db, p, err
}

func (t *Tenants) unpin(p *pool) {
	t.mu.Lock()
	p.pins--
	t.mu.Unlock()
}

// wait returns the pool's database once it is open.
func (p *pool) wait(ctx context.Context) (*gorm.DB, error) {
	select {
	case <-p.ready:
		return p.db, p.err
	default:
	}
	select {
	case <-p.ready:
		return p.db, p.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// evictLocked removes least recently used pools beyond MaxOpen and returns
// them for closing. Pools still opening, pinned by Do, or with a connection
// in use are kept, so the bound is exceeded while every pool is busy.
func (t *Tenants) evictLocked() []*pool {
	var out []*pool
	for e := t.lru.Back(); e != nil && t.lru.Len() > t.maxOpen; {
		p := e.Value.(*pool)
		e = e.Prev()
		if !p.idle() {
			continue
		}
		t.removeLocked(p)
		out = append(out, p)
	}
	return out
}

// idle reports whether the pool is open, not pinned by Do, and no
// connection of it is in use. Tenants.mu is held.
func (p *pool) idle() bool {
	if p.pins > 0 {
		return false
	}
	select {
	case <-p.ready:
	default:
		return false
	}
	if p.db == nil {
		return true
	}
	sqlDB, err := p.db.DB()
	return err != nil || sqlDB.Stats().InUse == 0
}

func (t *Tenants) removeLocked(p *pool) {
	t.lru.Remove(p.elem)
	delete(t.pools, p.tenant)
}

// close closes the pool's database, waiting for it to finish opening.
func (p *pool) close() error {
	<-p.ready
	if p.db == nil {
		return nil
	}
	sqlDB, err := p.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

func closePools(pools []*pool) {
	for _, p := range pools {
		_ = p.close()
	}
}

func (t *Tenants) closeIdleLoop() {
	defer close(t.done)
	tick := time.NewTicker(max(t.idle/4, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case now := <-tick.C:
			t.mu.Lock()
			var stale []*pool
			for e := t.lru.Back(); e != nil; {
				p := e.Value.(*pool)
				e = e.Prev()
				if now.Sub(p.used) >= t.idle && p.idle() {
					t.removeLocked(p)
					stale = append(stale, p)
				}
			}
			t.mu.Unlock()
			closePools(stale)
		}
	}
}

// OpenPools reports how many tenant pools are open or opening.
func (t *Tenants) OpenPools() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lru.Len()
}

// Create provisions a new, empty database for tenant; an existing one is
// an error matching ErrTenantExists.
func (t *Tenants) Create(ctx context.Context, tenant string) error {
	if err := t.check(tenant); err != nil {
		return err
	}
	return t.store.Create(ctx, tenant)
}

// Drop closes the tenant's pool and deletes its database with all its
// data. A tenant without a database is an error matching ErrTenantNotFound.
// DB calls for the tenant fail while the drop runs.
func (t *Tenants) Drop(ctx context.Context, tenant string) error {
	if err := t.check(tenant); err != nil {
		return err
	}
	t.mu.Lock()
	if t.dropping[tenant] {
		t.mu.Unlock()
		return fmt.Errorf("libsql: tenant %s is already being dropped", tenant)
	}
	t.dropping[tenant] = true
	p := t.pools[tenant]
	if p != nil {
		t.removeLocked(p)
	}
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		delete(t.dropping, tenant)
		t.mu.Unlock()
	}()
	if p != nil {
		if err := p.close(); err != nil {
			return fmt.Errorf("libsql: drop tenant %s: closing its pool: %w", tenant, err)
		}
	}
	return t.store.Drop(ctx, tenant)
}

// Exists reports whether tenant has a database.
func (t *Tenants) Exists(ctx context.Context, tenant string) (bool, error) {
	if err := t.check(tenant); err != nil {
		return false, err
	}
	return t.store.Exists(ctx, tenant)
}

// List returns every tenant known to the store, sorted.
func (t *Tenants) List(ctx context.Context) ([]string, error) {
	if t.isClosed() {
		return nil, ErrTenantsClosed
	}
	return t.store.List(ctx)
}

func (t *Tenants) check(tenant string) error {
	if err := ValidateTenantName(tenant); err != nil {
		return err
	}
	if t.isClosed() {
		return ErrTenantsClosed
	}
	return nil
}

func (t *Tenants) isClosed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closed
}

// Close closes every open pool and stops the idle check. It returns the
// first error closing a pool.
func (t *Tenants) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	var all []*pool
	for e := t.lru.Front(); e != nil; e = e.Next() {
		all = append(all, e.Value.(*pool))
	}
	t.pools, t.lru = map[string]*pool{}, list.New()
	t.mu.Unlock()
	if t.stop != nil {
		close(t.stop)
		<-t.done
	}
	var first error
	for _, p := range all {
		if err := p.close(); err != nil && first == nil {
			first = err
		}
	}
	if closer, ok := t.store.(interface{ Close() error }); ok {
		if err := closer.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
