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
//
// A tenant never has two pools open at once, Migrate's included: two
// embedded replicas of one file must not sync side by side. Evicted and
// idle pools close in the background, and opening their tenant again
// waits until the close is done.
type Tenants struct {
	store       TenantStore
	gcfg        gorm.Config
	maxOpen     int
	idle        time.Duration
	openTimeout time.Duration
	concurrency int
	onMigrate   func(TenantMigration, int, int)

	mu    sync.Mutex
	pools map[string]*pool
	lru   *list.List // of the cached *pool, most recently used first
	// closing holds, for each tenant whose pool is closing in the
	// background, a channel closed once it is closed.
	closing  map[string]chan struct{}
	closers  sync.WaitGroup // the background closes
	dropping map[string]bool
	closed   bool
	stop     chan struct{}
	done     chan struct{}
}

// pool is one tenant's open (or opening) database. It is cached (elem is
// set) once DB or Do has used it; a pool only Migrate uses is not, and is
// closed when Migrate is done with it.
type pool struct {
	tenant string
	elem   *list.Element // in Tenants.lru; nil when not cached
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
		closing:     map[string]chan struct{}{},
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
	db, _, err := t.acquire(ctx, tenant, false, true)
	return db, err
}

// Do runs fn with the *gorm.DB of tenant (as DB returns it, with ctx), and
// keeps the tenant's pool open until fn returns: neither eviction nor the
// idle check closes a pool in use by Do, so a unit of work of several
// statements cannot lose its pool half way. Drop and Close still close it.
func (t *Tenants) Do(ctx context.Context, tenant string, fn func(db *gorm.DB) error) error {
	db, p, err := t.acquire(ctx, tenant, true, true)
	if err != nil {
		return err
	}
	defer t.unpin(p)
	return fn(db.WithContext(ctx))
}

// acquire returns the tenant's database and its pool, pinned when pin is
// set (the caller then unpins it). With cache, the pool is cached (and
// may evict others); without, an open pool is used as it is and a new one
// is left out of the cache, for Migrate.
func (t *Tenants) acquire(ctx context.Context, tenant string, pin, cache bool) (*gorm.DB, *pool, error) {
	if err := ValidateTenantName(tenant); err != nil {
		return nil, nil, err
	}
	t.mu.Lock()
	for {
		if t.closed {
			t.mu.Unlock()
			return nil, nil, ErrTenantsClosed
		}
		if t.dropping[tenant] {
			t.mu.Unlock()
			return nil, nil, fmt.Errorf("%w: %s is being dropped", ErrTenantNotFound, tenant)
		}
		closing := t.closing[tenant]
		if closing == nil {
			break
		}
		t.mu.Unlock()
		if err := t.awaitClose(ctx, tenant, closing); err != nil {
			return nil, nil, err
		}
		t.mu.Lock()
	}
	p, ok := t.pools[tenant]
	if !ok {
		p = &pool{tenant: tenant, ready: make(chan struct{})}
		t.pools[tenant] = p
	}
	if pin {
		p.pins++
	}
	if cache {
		p.used = time.Now()
		if p.elem == nil {
			p.elem = t.lru.PushFront(p)
		} else {
			t.lru.MoveToFront(p.elem)
		}
		// Busy pools kept beyond the bound go once idle.
		t.evictLocked()
	}
	t.mu.Unlock()
	if ok {
		return t.waitPinned(ctx, p, pin)
	}

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

// awaitClose waits, within ctx and OpenTimeout, for the tenant's previous
// pool to close.
func (t *Tenants) awaitClose(ctx context.Context, tenant string, closing <-chan struct{}) error {
	timer := time.NewTimer(t.openTimeout)
	defer timer.Stop()
	select {
	case <-closing:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("libsql: open tenant %s: waiting for its previous pool to close: %w", tenant, ctx.Err())
	case <-timer.C:
		return fmt.Errorf("libsql: open tenant %s: its previous pool was still closing after OpenTimeout (%s): %w", tenant, t.openTimeout, context.DeadlineExceeded)
	}
}

// waitPinned waits for the pool to open, unpinning it when that fails.
func (t *Tenants) waitPinned(ctx context.Context, p *pool, pin bool) (*gorm.DB, *pool, error) {
	db, err := p.wait(ctx)
	if err != nil && pin {
		t.unpin(p)
	}
	return db, p, err
}

// unpin releases a pin, and closes a pool that is not cached once its last
// pin goes; it then returns a channel closed when that close is done.
func (t *Tenants) unpin(p *pool) <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	p.pins--
	if p.pins == 0 && p.elem == nil && t.pools[p.tenant] == p {
		return t.retireLocked(p)
	}
	return nil
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

// evictLocked closes least recently used pools beyond MaxOpen, in the
// background. Pools still opening, pinned by Do or Migrate, or with a
// connection in use are kept, so the bound is exceeded while every pool is
// busy.
func (t *Tenants) evictLocked() {
	for e := t.lru.Back(); e != nil && t.lru.Len() > t.maxOpen; {
		p := e.Value.(*pool)
		e = e.Prev()
		if p.idle() {
			t.retireLocked(p)
		}
	}
}

// idle reports whether the pool is open, not pinned by Do or Migrate, and no
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
	if p.elem != nil {
		t.lru.Remove(p.elem)
		p.elem = nil
	}
	delete(t.pools, p.tenant)
}

// retireLocked removes an open pool and closes it in the background, so
// that the caller does no I/O (a remote pool's close sends a request per
// idle connection, a replica's waits for its sync). Until the close ends,
// opening the tenant again waits, and Close waits for it too. The channel
// returned is closed when the close is done.
func (t *Tenants) retireLocked(p *pool) <-chan struct{} {
	t.removeLocked(p)
	closed := make(chan struct{})
	t.closing[p.tenant] = closed
	t.closers.Add(1)
	go func() {
		defer t.closers.Done()
		_ = p.close()
		t.mu.Lock()
		delete(t.closing, p.tenant)
		t.mu.Unlock()
		close(closed)
	}()
	return closed
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
			for e := t.lru.Back(); e != nil; {
				p := e.Value.(*pool)
				e = e.Prev()
				if now.Sub(p.used) >= t.idle && p.idle() {
					t.retireLocked(p)
				}
			}
			t.mu.Unlock()
		}
	}
}

// OpenPools reports how many cached tenant pools (those DB and Do use)
// are open or opening.
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
	closing := t.closing[tenant]
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		delete(t.dropping, tenant)
		t.mu.Unlock()
	}()
	if closing != nil {
		select {
		case <-closing:
		case <-ctx.Done():
			return fmt.Errorf("libsql: drop tenant %s: waiting for its pool to close: %w", tenant, ctx.Err())
		}
	}
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

// Close closes every open pool, waits for those closing in the background,
// and stops the idle check. It returns the first error closing a pool.
func (t *Tenants) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	var all []*pool
	for _, p := range t.pools {
		all = append(all, p)
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
	t.closers.Wait()
	if closer, ok := t.store.(interface{ Close() error }); ok {
		if err := closer.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
