// Package tenants gives each tenant (user, customer, workspace) a database
// of its own, the way Turso is meant to be used, and does the bookkeeping:
// a Manager opens a tenant's pool on first use and keeps a bounded number
// open, provisions and drops databases through a Store (local files, sqld
// namespaces, or one of your own), and migrates every tenant's schema.
//
//	store, err := tenants.NewLocalFiles("tenants", libsql.Config{})
//	m, err := tenants.New(tenants.Config{Store: store})
//	defer m.Close()
//	err = m.Create(ctx, "acme")
//	err = m.Do(ctx, "acme", func(db *gorm.DB) error { return db.Create(&user).Error })
package tenants

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gorm-libsql/libsql/internal/errmsg"
	"gorm.io/gorm"
)

// Store provisions tenant databases and opens them: a directory of files
// (LocalFiles), sqld namespaces (SQLDNamespaces), or a provisioner of your
// own, such as one calling Turso's platform API to create a database per
// tenant and opening a remote or embedded-replica libsql.Config for it.
//
// A Manager validates every name (ValidateName) before calling its store,
// so a store only ever sees valid names from it. Methods may be called
// concurrently.
type Store interface {
	// Open opens the existing database of tenant with GORM, using cfg
	// (a copy the store may keep and change), within ctx (which carries
	// Config.OpenTimeout). A tenant that does not exist is an error
	// matching ErrNotFound; Open never creates one.
	Open(ctx context.Context, tenant string, cfg *gorm.Config) (*gorm.DB, error)
	// Create makes a new, empty database for tenant, or returns an error
	// matching ErrExists.
	Create(ctx context.Context, tenant string) error
	// Drop deletes the database of tenant and its data, or returns an
	// error matching ErrNotFound. The Manager closes its pool of the
	// tenant first, once the work in progress on it has finished.
	Drop(ctx context.Context, tenant string) error
	// Exists reports whether tenant has a database.
	Exists(ctx context.Context, tenant string) (bool, error)
	// List returns every tenant, sorted.
	List(ctx context.Context) ([]string, error)
}

// Config configures a Manager.
type Config struct {
	// Store provisions and opens the databases. Required.
	Store Store
	// GORM is the configuration each tenant's *gorm.DB opens with (logger,
	// naming, TranslateError...). It is copied for every open and never
	// changed; nil means &gorm.Config{}.
	GORM *gorm.Config
	// MaxOpen bounds the open pools: opening one more closes the least
	// recently used pool that has no connection in use. Default 64.
	MaxOpen int
	// IdleTimeout closes a pool that has not been used for this long: not
	// returned by DB, not released by Do, and seen with no connection in
	// use. Default 5 minutes; negative keeps pools until they are evicted.
	IdleTimeout time.Duration
	// OpenTimeout bounds opening a tenant's database in DB, Do and Migrate
	// (for a remote store, the request that checks it). Default 30s.
	OpenTimeout time.Duration
	// CloseTimeout bounds how long Close waits for the work in progress on
	// the pools (statements, transactions, rows and connections taken out
	// of a pool); past it Close returns an error naming the tenants still
	// busy, and their pools close once that work ends. Default 30s.
	CloseTimeout time.Duration
	// MigrateConcurrency is how many tenants Migrate works on at once.
	// Default 4.
	MigrateConcurrency int
	// OnMigrate, when set, is told of every tenant Migrate finishes, with
	// how many are done out of how many, so that a long run shows progress.
	// Without it, progress is logged through the GORM logger at Info level.
	// It is called from several goroutines, one call at a time.
	OnMigrate func(result MigrationResult, done, total int)
}

// The defaults of Config, applied by New.
const (
	DefaultMaxOpen            = 64
	DefaultIdleTimeout        = 5 * time.Minute
	DefaultOpenTimeout        = 30 * time.Second
	DefaultCloseTimeout       = 30 * time.Second
	DefaultMigrateConcurrency = 4
)

// Manager manages one database per tenant: it opens a tenant's database on
// first use and keeps a bounded number of pools open, provisions and drops
// databases through its Store, and migrates every tenant's schema.
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
type Manager struct {
	store       Store
	gcfg        gorm.Config
	maxOpen     int
	idle        time.Duration
	openTimeout time.Duration
	// closeTimeout bounds Close's wait for the pools' work in progress.
	closeTimeout time.Duration
	concurrency  int
	onMigrate    func(MigrationResult, int, int)
	clock        clock

	mu    sync.Mutex
	pools map[string]*pool
	lru   *list.List // of the cached *pool, most recently used first
	// closing holds, for each tenant, its pool that is retired and not
	// closed yet; a tenant is in pools or in closing, never in both.
	closing  map[string]*pool
	closers  sync.WaitGroup // the retired pools' closes
	dropping map[string]bool
	closed   bool
	stop     chan struct{}
	done     chan struct{}
}

// clock is the time the idle check goes by; tests replace it.
type clock struct {
	now func() time.Time
	// ticker returns the idle check's ticks and the function that stops
	// them.
	ticker func(time.Duration) (<-chan time.Time, func())
}

var realClock = clock{
	now: time.Now,
	ticker: func(d time.Duration) (<-chan time.Time, func()) {
		t := time.NewTicker(d)
		return t.C, t.Stop
	},
}

// pool is one tenant's open (or opening) database. It is cached (elem is
// set) once DB or Do has used it; a pool only Migrate uses is not, and is
// closed when Migrate is done with it.
type pool struct {
	tenant string
	elem   *list.Element // in Manager.lru; nil when not cached
	ready  chan struct{} // closed once db or err is set
	db     *gorm.DB
	err    error
	used   time.Time // last use, for the idle check; guarded by Manager.mu
	pins   int       // Do and Migrate calls using it; guarded by Manager.mu
	// closed is made when the pool is retired, and closed once the pool
	// is: its close starts when the last pin goes. Guarded by Manager.mu.
	closed   chan struct{}
	closeErr error // set before closed is closed
}

// New returns a tenant manager over cfg.Store. It opens nothing until DB
// or Do is called.
func New(cfg Config) (*Manager, error) {
	return newManager(cfg, realClock)
}

func newManager(cfg Config, clk clock) (*Manager, error) {
	if cfg.Store == nil {
		return nil, errors.New("tenants: Config.Store is required (NewLocalFiles, NewSQLDNamespaces or a Store of your own)")
	}
	if cfg.MaxOpen < 0 || cfg.MigrateConcurrency < 0 || cfg.OpenTimeout < 0 || cfg.CloseTimeout < 0 {
		return nil, fmt.Errorf("tenants: Config.MaxOpen (%d), MigrateConcurrency (%d), OpenTimeout (%s) and CloseTimeout (%s) must not be negative", cfg.MaxOpen, cfg.MigrateConcurrency, cfg.OpenTimeout, cfg.CloseTimeout)
	}
	t := &Manager{
		store:        cfg.Store,
		maxOpen:      orDefault(cfg.MaxOpen, DefaultMaxOpen),
		idle:         orDefault(cfg.IdleTimeout, DefaultIdleTimeout),
		openTimeout:  orDefault(cfg.OpenTimeout, DefaultOpenTimeout),
		closeTimeout: orDefault(cfg.CloseTimeout, DefaultCloseTimeout),
		concurrency:  orDefault(cfg.MigrateConcurrency, DefaultMigrateConcurrency),
		onMigrate:    cfg.OnMigrate,
		clock:        clk,
		pools:        map[string]*pool{},
		lru:          list.New(),
		closing:      map[string]*pool{},
		dropping:     map[string]bool{},
	}
	if cfg.GORM != nil {
		t.gcfg = *cfg.GORM
	}
	if t.idle > 0 {
		t.stop, t.done = make(chan struct{}), make(chan struct{})
		ticks, stopTicks := clk.ticker(max(t.idle/4, 10*time.Millisecond))
		go t.closeIdleLoop(ticks, stopTicks)
	}
	return t, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// gormConfig is a fresh copy of the GORM configuration: gorm.Open keeps
// and changes the config it is given, so pools must not share one.
func (t *Manager) gormConfig() *gorm.Config {
	c := t.gcfg
	return &c
}

// DB returns the *gorm.DB of tenant, opening its database on first use.
// For a tenant whose pool is open it is a map lookup, with no I/O.
// Concurrent first calls for one tenant open it once. A tenant without a
// database is an error matching ErrNotFound.
//
// The pool may be evicted between statements once MaxOpen other tenants
// have been opened since; Do keeps it open for the length of a function.
func (t *Manager) DB(ctx context.Context, tenant string) (*gorm.DB, error) {
	db, _, err := t.acquire(ctx, tenant, false, true)
	return db, err
}

// Do runs fn with the *gorm.DB of tenant (as DB returns it, with ctx), and
// keeps the tenant's pool open until fn returns: neither eviction nor the
// idle check closes a pool in use by Do, so a unit of work of several
// statements cannot lose its pool half way. Drop and Close wait for fn to
// return before they close the pool (so do not call them from fn).
func (t *Manager) Do(ctx context.Context, tenant string, fn func(db *gorm.DB) error) error {
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
func (t *Manager) acquire(ctx context.Context, tenant string, pin, cache bool) (*gorm.DB, *pool, error) {
	if err := ValidateName(tenant); err != nil {
		return nil, nil, err
	}
	t.mu.Lock()
	for {
		if t.closed {
			t.mu.Unlock()
			return nil, nil, ErrClosed
		}
		if t.dropping[tenant] {
			t.mu.Unlock()
			return nil, nil, fmt.Errorf("%w: %s is being dropped", ErrNotFound, tenant)
		}
		old := t.closing[tenant]
		if old == nil {
			break
		}
		t.mu.Unlock()
		if err := t.awaitClose(ctx, tenant, old.closed); err != nil {
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
		p.used = t.clock.now()
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
		p.err = errmsg.Wrap(p.err, "tenants: open tenant %s", tenant)
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
func (t *Manager) awaitClose(ctx context.Context, tenant string, closed <-chan struct{}) error {
	timer := time.NewTimer(t.openTimeout)
	defer timer.Stop()
	select {
	case <-closed:
		return nil
	case <-ctx.Done():
		return errmsg.Wrap(ctx.Err(), "tenants: open tenant %s: waiting for its previous pool to close", tenant)
	case <-timer.C:
		return errmsg.Wrap(context.DeadlineExceeded, "tenants: open tenant %s: its previous pool was still closing after OpenTimeout (%s)", tenant, t.openTimeout)
	}
}

// waitPinned waits for the pool to open, unpinning it when that fails.
func (t *Manager) waitPinned(ctx context.Context, p *pool, pin bool) (*gorm.DB, *pool, error) {
	db, err := p.wait(ctx)
	if err != nil && pin {
		t.unpin(p)
	}
	return db, p, err
}

// unpin releases a pin. A cached pool counts as used now (a Do longer
// than IdleTimeout must not find its pool closed as soon as it returns);
// once the last pin goes, a retired pool closes, and a pool only Migrate
// used is retired. unpin then returns a channel closed when that close is
// done.
func (t *Manager) unpin(p *pool) <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	p.pins--
	switch {
	case p.pins > 0:
		return nil
	case p.closed != nil:
		go t.closePool(p)
		return p.closed
	case p.elem != nil:
		p.used = t.clock.now()
	case t.pools[p.tenant] == p:
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
func (t *Manager) evictLocked() {
	for e := t.lru.Back(); e != nil && t.lru.Len() > t.maxOpen; {
		p := e.Value.(*pool)
		e = e.Prev()
		if p.idle() {
			t.retireLocked(p)
		}
	}
}

// idle reports whether the pool is open, not pinned by Do or Migrate, and no
// connection of it is in use. Manager.mu is held.
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

func (t *Manager) removeLocked(p *pool) {
	if p.elem != nil {
		t.lru.Remove(p.elem)
		p.elem = nil
	}
	delete(t.pools, p.tenant)
}

// retireLocked takes a pool out of service and closes it in the
// background once its last pin goes, so that the caller does no I/O (a
// remote pool's close sends a request per idle connection, a replica's
// waits for its sync). Until the close ends, opening the tenant again
// waits, and Close waits for it too. The channel returned is closed when
// the close is done.
func (t *Manager) retireLocked(p *pool) <-chan struct{} {
	t.removeLocked(p)
	p.closed = make(chan struct{})
	t.closing[p.tenant] = p
	t.closers.Add(1)
	if p.pins == 0 {
		go t.closePool(p)
	}
	return p.closed
}

// closePool closes a retired pool and ends its retirement.
func (t *Manager) closePool(p *pool) {
	defer t.closers.Done()
	p.closeErr = p.close()
	t.mu.Lock()
	delete(t.closing, p.tenant)
	t.mu.Unlock()
	close(p.closed)
}

// drainPoll is the first wait between two looks at a closed pool's
// connections still in use; it doubles up to drainPollMax.
const (
	drainPoll    = time.Millisecond
	drainPollMax = 50 * time.Millisecond
)

// close closes the pool's database, waiting for it to finish opening, and
// then for the statements and transactions already running on it to end:
// sql.DB.Close refuses new ones but does not wait for those, and a tenant
// must not be reopened, or its data deleted, under them.
func (p *pool) close() error {
	<-p.ready
	if p.db == nil {
		return nil
	}
	sqlDB, err := p.db.DB()
	if err != nil {
		return err
	}
	err = sqlDB.Close()
	// database/sql has no signal for its last connection closing.
	for wait := drainPoll; sqlDB.Stats().OpenConnections > 0; wait = min(2*wait, drainPollMax) {
		time.Sleep(wait)
	}
	return err
}

func (t *Manager) closeIdleLoop(ticks <-chan time.Time, stopTicks func()) {
	defer close(t.done)
	defer stopTicks()
	for {
		select {
		case <-t.stop:
			return
		case <-ticks:
			t.closeIdle(t.clock.now())
		}
	}
}

// closeIdle retires the cached pools unused since IdleTimeout before now.
// A pool seen busy counts as used now, so that a statement or transaction
// longer than IdleTimeout does not lose its pool as soon as it ends.
func (t *Manager) closeIdle(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for e := t.lru.Back(); e != nil; {
		p := e.Value.(*pool)
		e = e.Prev()
		switch {
		case !p.idle():
			p.used = now
		case now.Sub(p.used) >= t.idle:
			t.retireLocked(p)
		}
	}
}

// OpenPools reports how many cached tenant pools (those DB and Do use)
// are open or opening.
func (t *Manager) OpenPools() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lru.Len()
}

// Create provisions a new, empty database for tenant; an existing one is
// an error matching ErrExists.
func (t *Manager) Create(ctx context.Context, tenant string) error {
	if err := t.check(tenant); err != nil {
		return err
	}
	return t.store.Create(ctx, tenant)
}

// Drop deletes the tenant's database with all its data. A tenant without a
// database is an error matching ErrNotFound.
//
// From the moment Drop is called, DB and Do fail for the tenant (ErrNotFound)
// and its pool refuses new statements. Drop then waits for the work already
// running on the pool, Do functions and statements, to finish (what they
// wrote is then deleted with the rest) and deletes the data only once the
// pool is closed, so no write is acknowledged after it was deleted. If ctx
// ends first, nothing is deleted, the error says so, and the pool closes
// once that work is done.
func (t *Manager) Drop(ctx context.Context, tenant string) error {
	if err := t.check(tenant); err != nil {
		return err
	}
	t.mu.Lock()
	if t.dropping[tenant] {
		t.mu.Unlock()
		return fmt.Errorf("tenants: tenant %s is already being dropped", tenant)
	}
	t.dropping[tenant] = true
	p := t.closing[tenant]
	if open := t.pools[tenant]; open != nil {
		t.retireLocked(open)
		p = open
	}
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		delete(t.dropping, tenant)
		t.mu.Unlock()
	}()
	if p != nil {
		select {
		case <-p.closed:
		case <-ctx.Done():
			return errmsg.Wrap(ctx.Err(), "tenants: drop tenant %s: nothing deleted: waiting for the work in progress on its pool", tenant)
		}
		if p.closeErr != nil {
			return errmsg.Wrap(p.closeErr, "tenants: drop tenant %s: closing its pool", tenant)
		}
	}
	return t.store.Drop(ctx, tenant)
}

// Exists reports whether tenant has a database.
func (t *Manager) Exists(ctx context.Context, tenant string) (bool, error) {
	if err := t.check(tenant); err != nil {
		return false, err
	}
	return t.store.Exists(ctx, tenant)
}

// List returns every tenant known to the store, sorted.
func (t *Manager) List(ctx context.Context) ([]string, error) {
	if t.isClosed() {
		return nil, ErrClosed
	}
	return t.store.List(ctx)
}

func (t *Manager) check(tenant string) error {
	if err := ValidateName(tenant); err != nil {
		return err
	}
	if t.isClosed() {
		return ErrClosed
	}
	return nil
}

func (t *Manager) isClosed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closed
}

// Close closes every pool, once the Do functions and statements running on
// it have finished (so do not call it from a Do function), waits for the
// pools closing in the background, at most CloseTimeout, stops the idle
// check, and closes the store if it has a Close method. It returns the
// first error closing a pool or the store, or the tenants whose work
// outlasted CloseTimeout.
func (t *Manager) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	var retired []*pool
	for _, p := range t.pools {
		t.retireLocked(p)
		retired = append(retired, p)
	}
	t.mu.Unlock()
	if t.stop != nil {
		close(t.stop)
		<-t.done
	}
	first := t.awaitCloses()
	for _, p := range retired {
		select {
		case <-p.closed:
			if p.closeErr != nil && first == nil {
				first = p.closeErr
			}
		default:
		}
	}
	if closer, ok := t.store.(interface{ Close() error }); ok {
		if err := closer.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// awaitCloses waits for the pools closing in the background, at most
// CloseTimeout: a connection the application never gives back would
// otherwise hold Close for good.
func (t *Manager) awaitCloses() error {
	closed := make(chan struct{})
	go func() {
		t.closers.Wait()
		close(closed)
	}()
	select {
	case <-closed:
		return nil
	case <-time.After(t.closeTimeout):
	}
	t.mu.Lock()
	busy := make([]string, 0, len(t.closing))
	for tenant := range t.closing {
		busy = append(busy, tenant)
	}
	t.mu.Unlock()
	sort.Strings(busy)
	return fmt.Errorf("tenants: close: after CloseTimeout (%s), work is still in progress on the pools of %s; they close once it ends", t.closeTimeout, strings.Join(busy, ", "))
}
