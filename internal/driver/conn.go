//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/bits"

	"github.com/gorm-libsql/libsql/internal/sqlite"
	"github.com/gorm-libsql/libsql/internal/sqltext"
	"github.com/gorm-libsql/libsql/sqlerr"
)

// conn is one SQLite connection with its compiled-statement cache.
type conn struct {
	h    *handle
	opts *Options

	cache   map[string]*list.Element // of *stmt, most recently used first
	lru     list.List
	inTx    bool
	txRO    bool
	args    []cArg
	argBuf  []byte
	argPos  []int
	bad     bool
	closing bool

	// gate is the file's write queue (nil when read-only); gateHeld is
	// set while this connection holds it.
	gate     *writeGate
	gateHeld bool

	// active counts the statements acquired and not yet released.
	active int
	// ops holds the bits of the cancellable operations in progress, and
	// watchers their armed cancellations, by bit number (see watch).
	ops      opBit
	watchers [64]watcher
	// snapshot is the connection's state as the last reset left it, valid
	// while no statement is active and none was compiled since: nothing
	// else changes it, so the write gate and ResetSession need not ask
	// SQLite for it before every statement.
	snapshot connState
}

// connState is a connection's transaction state (txnNone, txnRead or
// txnWrite) and whether it is in autocommit mode.
type connState struct {
	known      bool
	txn        int
	autocommit bool
}

var (
	_ sqlite.Conn   = (*conn)(nil)
	_ driver.Pinger = (*conn)(nil)
)

func newConn(h *handle, opts *Options) *conn {
	return &conn{h: h, opts: opts, cache: make(map[string]*list.Element)}
}

// stmt is a compiled statement and what is known of its result columns.
type stmt struct {
	ptr        stmtPtr
	cur        *cursor
	sql        string
	tailAt     int
	nparams    int
	cached     bool
	busy       bool
	writes     bool // takes the write lock: see conn.enterGate
	colsValid  bool
	reprepared int
	names      []string
	declTypes  []string
	timeCols   []bool // whether each column decodes to time.Time
}

func (s *stmt) finalize() {
	stmtFinalize(s.ptr)
	freeCursor(s.cur)
}

func (s *stmt) setColumns(reprepared int) {
	s.names, s.declTypes = stmtColumns(s.ptr)
	s.timeCols = make([]bool, len(s.declTypes))
	for i, d := range s.declTypes {
		s.timeCols[i] = sqlite.IsTimeDeclType(d)
	}
	s.reprepared = reprepared
	s.colsValid = true
}

// acquire returns a compiled statement for the first statement in query,
// from the cache when it is free there. A nil stmt means query holds no
// statement (only blanks or comments).
func (c *conn) acquire(query string) (*stmt, error) {
	if c.h == nil {
		return nil, driver.ErrBadConn
	}
	if el, ok := c.cache[query]; ok {
		s := el.Value.(*stmt)
		if !s.busy {
			c.lru.MoveToFront(el)
			s.busy = true
			c.active++
			return s, nil
		}
	}
	ptr, tailAt, err := c.h.prepare(query, true)
	if ptr != nil || err != nil {
		// Compiling reads the schema when it changed, under a transaction
		// of its own; the snapshot is not trusted across that.
		c.snapshot.known = false
	}
	if err != nil || ptr == nil {
		return nil, err
	}
	cur := newCursor()
	if cur == nil {
		stmtFinalize(ptr)
		return nil, &sqlerr.Error{Code: 7, Message: "out of memory"}
	}
	s := &stmt{ptr: ptr, cur: cur, sql: query, tailAt: tailAt, nparams: stmtParamCount(ptr), busy: true,
		writes: queuesForWrite(ptr, query[:tailAt])}
	c.active++
	// Only a whole single statement is cached, keyed by its exact text.
	if tailAt == len(query) && c.opts.StatementCacheSize > 0 {
		if _, taken := c.cache[query]; !taken {
			s.cached = true
			c.cache[query] = c.lru.PushFront(s)
			c.evict()
		}
	}
	return s, nil
}

// queuesForWrite reports whether a statement queues at the write gate
// before it runs: it may write (by SQLite's judgement) or it begins an
// IMMEDIATE or EXCLUSIVE transaction. PRAGMAs are left to SQLite's busy
// handler: SQLite calls them all writers, yet most take no write lock (a
// connection setting journal_mode=WAL on a WAL file must not wait for a
// long transaction of another connection).
func queuesForWrite(ptr stmtPtr, text string) bool {
	if stmtReadOnly(ptr) {
		return sqltext.TakesWriteLock(text)
	}
	_, pragma := sqltext.PragmaName(text)
	return !pragma
}

func (c *conn) evict() {
	for el := c.lru.Back(); el != nil && c.lru.Len() > c.opts.StatementCacheSize; {
		prev := el.Prev()
		if s := el.Value.(*stmt); !s.busy {
			c.lru.Remove(el)
			delete(c.cache, s.sql)
			s.finalize()
		}
		el = prev
	}
}

// release returns s after use: reset for the cache, or finalized. It is
// where a statement's work ends, so the write queue is left here once the
// connection holds no write transaction (the statement wrote in autocommit
// mode, ended the transaction, or failed before taking the lock).
func (c *conn) release(s *stmt) {
	if c.h == nil {
		// Rows outlived their closed connection, which SQLite keeps until
		// its last statement is finalized here.
		c.put(s)
		return
	}
	c.releaseReset(s, c.h.reset(s.ptr))
}

// releaseReset is release for a statement that is reset already, which
// left the connection in state after.
func (c *conn) releaseReset(s *stmt, after connState) {
	c.put(s)
	// Another active statement (open rows) may still change the state as
	// it steps.
	after.known = after.known && c.active == 0
	c.snapshot = after
	if c.gateHeld && after.txn != txnWrite {
		c.leaveGate()
	}
}

// put ends s's use: back to the cache, or finalized.
func (c *conn) put(s *stmt) {
	s.busy = false
	c.active--
	if !s.cached || c.closing {
		s.finalize()
	}
}

// enterGate queues for the file's write lock behind this process's other
// writers before s asks SQLite for it, so that they get it in turn (see
// writeGate). A connection that reads already only tries the gate: SQLite
// does not wait for the write lock in that state either (it fails at once
// with SQLITE_BUSY), and blocking here could wait for a writer that waits
// for this reader.
func (c *conn) enterGate(ctx context.Context, s *stmt) error {
	if !s.writes || c.gate == nil || c.gateHeld || c.txRO {
		return nil
	}
	switch c.txnState() {
	case txnWrite:
		// The write lock is ours already, taken without the gate.
		return nil
	case txnRead:
		c.gateHeld = c.gate.tryEnter()
		return nil
	}
	if err := c.gate.enter(ctx, c.opts.BusyTimeout); err != nil {
		return err
	}
	c.gateHeld = true
	return nil
}

// txnState is the connection's transaction state while it runs its one
// active statement: the snapshot when it is valid, or SQLite's word.
func (c *conn) txnState() int {
	if c.active == 1 && c.snapshot.known {
		return c.snapshot.txn
	}
	return c.h.txnState()
}

// autocommit reports whether the connection is in autocommit mode; no
// statement may be active.
func (c *conn) autocommit() bool {
	if c.active == 0 && c.snapshot.known {
		return c.snapshot.autocommit
	}
	return c.h.autocommit()
}

func (c *conn) leaveGate() {
	c.gateHeld = false
	c.gate.leave()
}

// bindArgs encodes the arguments s takes from args, by name or position,
// and returns how many it used.
func (c *conn) bindArgs(s *stmt, args []driver.NamedValue) (int, error) {
	n := s.nparams
	named := false
	for i := range args {
		if args[i].Name != "" {
			named = true
			break
		}
	}
	c.argPos = c.argPos[:0]
	if named {
		// Named arguments are looked up in this statement; every argument is
		// offered to every statement of a multi-statement text.
		use := args[:0:0]
		for i, a := range args {
			pos := i + 1
			if a.Name != "" {
				pos = 0
				for _, prefix := range [...]string{":", "@", "$"} {
					if pos = stmtParamIndex(s.ptr, prefix+a.Name); pos > 0 {
						break
					}
				}
				if pos == 0 {
					continue
				}
			} else if pos > n {
				continue
			}
			use = append(use, a)
			c.argPos = append(c.argPos, pos)
		}
		var err error
		c.args, c.argBuf, err = encodeArgs(use, c.argPos, c.args, c.argBuf)
		return 0, err
	}
	if n > len(args) {
		return 0, fmt.Errorf("libsql: statement takes %d arguments, %d given", n, len(args))
	}
	for i := 0; i < n; i++ {
		c.argPos = append(c.argPos, i+1)
	}
	var err error
	c.args, c.argBuf, err = encodeArgs(args[:n], c.argPos, c.args, c.argBuf)
	return n, err
}

// errTooManyOps refuses an operation when every bit that tells the
// connection's cancellable operations apart is taken.
var errTooManyOps = errors.New("libsql: more than 64 statements with a context that can end are in progress on one connection")

// watcher is the armed cancellation of one operation: stop disarms it,
// and fired is closed once a cancellation that ran has written its bit.
type watcher struct {
	stop  func() bool
	fired chan struct{}
}

// watch gives an operation its bit, and arms the cancellation of the
// statements run under that bit (see handle.run) for when ctx ends: only
// they stop, not the connection's other open rows. unwatch disarms it when
// the operation has ended, or Close when the connection closes first: the
// cancellation writes into the connection's C memory, so none may run once
// Close has freed it.
func (c *conn) watch(ctx context.Context) (opBit, error) {
	if c.h == nil {
		return 0, driver.ErrBadConn
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if ctx.Done() == nil {
		return 0, nil
	}
	free := ^c.ops
	if free == 0 {
		return 0, errTooManyOps
	}
	op := free & -free
	c.ops |= op
	h := c.h
	w := &c.watchers[bits.TrailingZeros64(op)]
	fired := make(chan struct{})
	w.fired = fired
	w.stop = context.AfterFunc(ctx, func() {
		h.cancel(op)
		close(fired)
	})
	return op, nil
}

// unwatch disarms op's cancellation, waiting for one that already runs,
// and frees op's bit. It does nothing for 0 and for an operation that
// Close disarmed already.
func (c *conn) unwatch(op opBit) {
	if c.ops&op == 0 {
		return
	}
	w := &c.watchers[bits.TrailingZeros64(op)]
	if !w.stop() {
		<-w.fired
		c.h.uncancel(op)
	}
	*w = watcher{}
	c.ops &^= op
}

// stepError builds the error for a failed step, preferring the context's
// error when the failure was caused by its cancellation.
func (c *conn) stepError(ctx context.Context, rc int) error {
	err := c.h.lastError(rc)
	if ctxErr := ctx.Err(); ctxErr != nil && (err.Primary() == sqlerr.CodeInterrupt || err.Primary() == sqlerr.CodeBusy) {
		return ctxErr
	}
	return err
}

// ExecContext runs every statement in query; statements that return rows
// are run to completion and their rows discarded.
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	op, err := c.watch(ctx)
	if err != nil {
		return nil, err
	}
	defer c.unwatch(op)
	if op != 0 {
		c.h.run(op)
		defer c.h.run(0)
	}
	return c.exec(ctx, query, args)
}

func (c *conn) exec(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	var res sqlite.Result
	for rest := query; ; {
		s, err := c.acquire(rest)
		if err != nil {
			return nil, err
		}
		if s == nil {
			break
		}
		used, err := c.bindArgs(s, args)
		if err == nil {
			err = c.enterGate(ctx, s)
		}
		if err != nil {
			c.release(s)
			return nil, err
		}
		rc, changes, lastID, after := c.h.stmtExec(s.ptr, s.cur, c.args, c.argBuf)
		if rc != sqliteDone {
			err := c.stepError(ctx, rc)
			c.release(s)
			return nil, err
		}
		res.Changes, res.LastID = changes, lastID
		rest = rest[s.tailAt:]
		args = args[used:]
		c.releaseReset(s, after)
	}
	if len(args) > 0 && args[0].Name == "" {
		return nil, fmt.Errorf("libsql: %d arguments were not used by the statement", len(args))
	}
	return res, nil
}

// QueryContext runs the statements before the last one as Exec would and
// returns the rows of the last one.
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	op, err := c.watch(ctx)
	if err != nil {
		return nil, err
	}
	if op != 0 {
		c.h.run(op)
		defer c.h.run(0)
	}
	for rest := query; ; {
		s, err := c.acquire(rest)
		if err != nil {
			c.unwatch(op)
			return nil, err
		}
		if s == nil {
			c.unwatch(op)
			return nil, errors.New("libsql: query holds no statement")
		}
		if s.tailAt < len(rest) && !sqltext.Blank(rest[s.tailAt:]) {
			used, err := c.bindArgs(s, args)
			if err == nil {
				err = c.enterGate(ctx, s)
			}
			if err == nil {
				if rc, _, _, _ := c.h.stmtExec(s.ptr, s.cur, c.args, c.argBuf); rc != sqliteDone {
					err = c.stepError(ctx, rc)
				}
			}
			rest = rest[s.tailAt:]
			c.release(s)
			if err != nil {
				c.unwatch(op)
				return nil, err
			}
			args = args[used:]
			continue
		}
		_, err = c.bindArgs(s, args)
		if err == nil {
			err = c.enterGate(ctx, s)
		}
		if err != nil {
			c.release(s)
			c.unwatch(op)
			return nil, err
		}
		r, err := c.startRows(ctx, s, op)
		if err != nil {
			c.release(s)
			c.unwatch(op)
			return nil, err
		}
		return r, nil
	}
}

func (c *conn) startRows(ctx context.Context, s *stmt, op opBit) (*rows, error) {
	rc := stmtQuery(s.ptr, s.cur, c.args, c.argBuf)
	if rc != sqliteRow && rc != sqliteDone {
		return nil, c.stepError(ctx, rc)
	}
	if reprepared := int(s.cur.reprepared); !s.colsValid || reprepared != s.reprepared || int(s.cur.ncol) != len(s.timeCols) {
		s.setColumns(reprepared)
	}
	return &rows{c: c, s: s, done: ctx.Done(), ctx: ctx, op: op, pending: rc == sqliteRow, finished: rc == sqliteDone}, nil
}

// PrepareContext compiles query once to report errors early; the returned
// statement runs through the connection's statement cache.
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := c.acquire(query)
	if err != nil {
		return nil, err
	}
	if s != nil {
		c.release(s)
	}
	return &sqlite.PreparedStmt{Conn: c, SQL: query}, nil
}

// Prepare implements driver.Conn.
func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// CheckNamedValue implements driver.NamedValueChecker.
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error { return sqlite.CheckNamedValue(nv) }

// BeginTx starts a transaction. Read-write transactions take the write lock
// at BEGIN (TxLock, IMMEDIATE by default): a transaction that read first and
// then tried to write could otherwise fail with "database is locked" no
// matter how long it waited.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := sqlite.CheckTxOptions(opts); err != nil {
		return nil, err
	}
	mode := c.opts.TxLock
	if opts.ReadOnly {
		if _, err := c.ExecContext(ctx, "PRAGMA query_only=1", nil); err != nil {
			return nil, err
		}
		c.txRO = true
		mode = "DEFERRED"
	}
	if _, err := c.ExecContext(ctx, "BEGIN "+mode, nil); err != nil {
		c.endReadOnly()
		return nil, err
	}
	c.inTx = true
	return tx{c}, nil
}

// Begin implements driver.Conn.
func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *conn) endReadOnly() {
	if c.txRO {
		if _, err := c.exec(context.Background(), "PRAGMA query_only=0", nil); err != nil {
			c.bad = true
		}
		c.txRO = false
	}
}

func (c *conn) finishTx(query string) error {
	if c.h == nil {
		return driver.ErrBadConn
	}
	defer c.endReadOnly()
	c.inTx = false
	if c.h.autocommit() {
		// SQLite already rolled the transaction back (after a failed
		// statement such as a full disk or an interrupt).
		if query == "ROLLBACK" {
			return nil
		}
		return errors.New("libsql: commit failed: the transaction was already rolled back by an earlier error")
	}
	_, err := c.exec(context.Background(), query, nil)
	if err != nil && query == "COMMIT" && !c.h.autocommit() {
		// A failed COMMIT (e.g. a deferred foreign key violation) leaves the
		// transaction open; end it so the connection goes back clean.
		if _, rbErr := c.exec(context.Background(), "ROLLBACK", nil); rbErr != nil {
			c.bad = true
		}
	}
	return err
}

type tx struct{ c *conn }

func (t tx) Commit() error   { return t.c.finishTx("COMMIT") }
func (t tx) Rollback() error { return t.c.finishTx("ROLLBACK") }

// ResetSession implements driver.SessionResetter: a connection whose
// transaction was left open is not handed out again.
func (c *conn) ResetSession(ctx context.Context) error {
	if c.bad || c.h == nil || !c.autocommit() {
		return driver.ErrBadConn
	}
	return nil
}

// IsValid implements driver.Validator.
func (c *conn) IsValid() bool { return !c.bad && c.h != nil }

// Ping implements driver.Pinger.
func (c *conn) Ping(ctx context.Context) error {
	_, err := c.ExecContext(ctx, "SELECT 1", nil)
	return err
}

// Close disarms the cancellations still armed (of rows left open), then
// finalizes the cached statements and closes the connection. Rows left
// open fail from now on; closing them finalizes their statement.
func (c *conn) Close() error {
	if c.h == nil {
		return nil
	}
	for c.ops != 0 {
		c.unwatch(c.ops & -c.ops)
	}
	c.closing = true
	for el := c.lru.Front(); el != nil; el = el.Next() {
		if s := el.Value.(*stmt); !s.busy {
			s.finalize()
		}
	}
	c.lru.Init()
	c.cache = nil
	c.h.close()
	c.h = nil
	if c.gateHeld {
		// Closing ended any transaction the connection had open.
		c.leaveGate()
	}
	return nil
}
