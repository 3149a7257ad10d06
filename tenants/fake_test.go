package tenants

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// fakeStore is a Store whose databases are counters in memory, reached
// through a database/sql driver of its own, so that the manager's pool
// logic runs without an engine or a server (CGO_ENABLED=0 included).
//
// A database is a fakeFile. Like a file on POSIX, a write to a fakeFile
// that Drop deleted still succeeds and is lost: fakeFile.lost counts such
// writes, acknowledged to the caller but gone.
type fakeStore struct {
	mu      sync.Mutex
	files   map[string]*fakeFile
	open    map[string]int // pools of each tenant open: from Open to their connector's Close
	most    int            // the most pools of one tenant open at once
	opens   int
	drops   int
	gone    []*fakeFile   // the dropped files
	hold    chan struct{} // when set, closes of pools wait until it is closed
	dropped chan string   // when set, told of each Drop before it deletes
	// stmt, when set, is called by every statement before it writes, with
	// the statement's SQL.
	stmt func(sql string)
}

type fakeFile struct {
	mu      sync.Mutex
	deleted bool
	rows    int // writes applied to the live file
	lost    int // writes that succeeded after the file was deleted
}

func newFakeStore(tenants ...string) *fakeStore {
	s := &fakeStore{files: map[string]*fakeFile{}, open: map[string]int{}}
	for _, name := range tenants {
		s.files[name] = &fakeFile{}
	}
	return s
}

func (s *fakeStore) Open(_ context.Context, tenant string, cfg *gorm.Config) (*gorm.DB, error) {
	s.mu.Lock()
	f := s.files[tenant]
	if f == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %s", ErrNotFound, tenant)
	}
	s.opens++
	s.open[tenant]++
	s.most = max(s.most, s.open[tenant])
	s.mu.Unlock()
	pool := sql.OpenDB(&fakeConnector{store: s, tenant: tenant, file: f})
	return gorm.Open(libsql.New(libsql.Config{Conn: pool}), cfg)
}

func (s *fakeStore) Create(_ context.Context, tenant string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files[tenant] != nil {
		return fmt.Errorf("%w: %s", ErrExists, tenant)
	}
	s.files[tenant] = &fakeFile{}
	return nil
}

func (s *fakeStore) Drop(_ context.Context, tenant string) error {
	if s.dropped != nil {
		s.dropped <- tenant
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[tenant]
	if f == nil {
		return fmt.Errorf("%w: %s", ErrNotFound, tenant)
	}
	f.mu.Lock()
	f.deleted = true
	f.mu.Unlock()
	delete(s.files, tenant)
	s.drops++
	s.gone = append(s.gone, f)
	return nil
}

func (s *fakeStore) Exists(_ context.Context, tenant string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files[tenant] != nil, nil
}

func (s *fakeStore) List(context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for name := range s.files {
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

// holdCloses makes pools' closes wait until the function it returns is
// called (the test's cleanup calls it too).
func (s *fakeStore) holdCloses(t *testing.T) (release func()) {
	hold := make(chan struct{})
	s.mu.Lock()
	s.hold = hold
	s.mu.Unlock()
	var once sync.Once
	release = func() {
		once.Do(func() {
			s.mu.Lock()
			s.hold = nil
			s.mu.Unlock()
			close(hold)
		})
	}
	t.Cleanup(release)
	return release
}

// pools is how many pools of all tenants are open, closing included.
func (s *fakeStore) pools() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, open := range s.open {
		n += open
	}
	return n
}

func (s *fakeStore) stats() (opens, drops, most int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opens, s.drops, s.most
}

// lost is how many writes were acknowledged on files already deleted.
func (s *fakeStore) lost() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range append(append([]*fakeFile(nil), s.gone...), mapValues(s.files)...) {
		f.mu.Lock()
		n += f.lost
		f.mu.Unlock()
	}
	return n
}

func mapValues(m map[string]*fakeFile) []*fakeFile {
	var out []*fakeFile
	for _, f := range m {
		out = append(out, f)
	}
	return out
}

type fakeConnector struct {
	store  *fakeStore
	tenant string
	file   *fakeFile
}

func (c *fakeConnector) Connect(context.Context) (sqldriver.Conn, error) {
	return &fakeConn{c: c}, nil
}

func (c *fakeConnector) Driver() sqldriver.Driver { return fakeDriver{} }

// Close is the last thing sql.DB.Close does.
func (c *fakeConnector) Close() error {
	s := c.store
	s.mu.Lock()
	hold := s.hold
	s.mu.Unlock()
	if hold != nil {
		<-hold
	}
	s.mu.Lock()
	s.open[c.tenant]--
	s.mu.Unlock()
	return nil
}

type fakeDriver struct{}

func (fakeDriver) Open(string) (sqldriver.Conn, error) {
	return nil, errors.New("fake: use the connector")
}

type fakeConn struct{ c *fakeConnector }

func (*fakeConn) Prepare(string) (sqldriver.Stmt, error) {
	return nil, errors.New("fake: statements run through ExecContext only")
}
func (*fakeConn) Close() error                 { return nil }
func (*fakeConn) Begin() (sqldriver.Tx, error) { return fakeTx{}, nil }

// QueryContext answers every query with one row holding 0 (the
// migrator's PRAGMA reads).
func (*fakeConn) QueryContext(context.Context, string, []sqldriver.NamedValue) (sqldriver.Rows, error) {
	return &fakeRows{}, nil
}

type fakeTx struct{}

func (fakeTx) Commit() error   { return nil }
func (fakeTx) Rollback() error { return nil }

type fakeRows struct{ done bool }

func (*fakeRows) Columns() []string { return []string{"x"} }
func (*fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []sqldriver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = int64(0)
	return nil
}

// ExecContext counts every statement as one write on the tenant's file.
func (cn *fakeConn) ExecContext(ctx context.Context, query string, _ []sqldriver.NamedValue) (sqldriver.Result, error) {
	if stmt := cn.c.store.stmt; stmt != nil {
		stmt(query)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f := cn.c.file
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleted {
		f.lost++
	} else {
		f.rows++
	}
	return sqldriver.RowsAffected(1), nil
}

// fakeClock drives the idle check: ticks come when the test says.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	ticks chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Unix(1e9, 0), ticks: make(chan time.Time)}
}

func (c *fakeClock) clock() clock {
	return clock{
		now: func() time.Time {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.now
		},
		ticker: func(time.Duration) (<-chan time.Time, func()) { return c.ticks, func() {} },
	}
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// tick runs the idle check once and returns when it is done: the loop
// takes the second tick only after it has handled the first (both see the
// same time, so the second changes nothing).
func (c *fakeClock) tick() {
	c.ticks <- time.Time{}
	c.ticks <- time.Time{}
}

// newTestManager returns a manager over store on clk (the real clock when
// nil), closed when the test ends.
func newTestManager(t *testing.T, store Store, cfg Config, clk *fakeClock) *Manager {
	t.Helper()
	cfg.Store = store
	if cfg.GORM == nil {
		cfg.GORM = &gorm.Config{Logger: logger.Discard}
	}
	c := realClock
	if clk != nil {
		c = clk.clock()
	}
	m, err := newManager(cfg, c)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, m.Close()) })
	return m
}

func mustDB(t *testing.T, m *Manager, tenant string) *gorm.DB {
	t.Helper()
	db, err := m.DB(context.Background(), tenant)
	require.NoError(t, err)
	return db
}

// isClosed reports whether db's pool was closed.
func isClosed(t *testing.T, db *gorm.DB) bool {
	t.Helper()
	sqlDB, err := db.DB()
	require.NoError(t, err)
	err = sqlDB.Ping()
	return err != nil && strings.Contains(err.Error(), "database is closed")
}

// assertClosedSoon asserts that db's pool is closed, or soon will be:
// evicted and idle pools close in the background.
func assertClosedSoon(t *testing.T, db *gorm.DB, msg string) {
	t.Helper()
	assert.Eventually(t, func() bool { return isClosed(t, db) }, 10*time.Second, time.Millisecond, msg)
}
