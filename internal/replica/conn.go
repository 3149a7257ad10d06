package replica

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	local "github.com/gorm-libsql/libsql/internal/driver"
	"github.com/gorm-libsql/libsql/internal/hrana"
	"github.com/gorm-libsql/libsql/internal/sqltext"
)

// Connector opens connections to a Replica. It implements driver.Connector
// and io.Closer; closing it closes the replica.
type Connector struct{ r *Replica }

// NewConnector returns a Connector for r.
func NewConnector(r *Replica) *Connector { return &Connector{r: r} }

// Connect opens a libSQL connection for writes and a local one for reads.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	lc, err := c.r.reader.Connect(ctx)
	if err != nil {
		return nil, err
	}
	rc, err := connectNative(c.r.db)
	if err != nil {
		lc.Close()
		return nil, fmt.Errorf("libsql: %w", err)
	}
	cn := &conn{r: c.r, lc: lc, rc: rc}
	cn.TextStatements.Runner = cn
	return cn, nil
}

// Driver returns a Driver that leads back to the replica (see Of).
func (c *Connector) Driver() driver.Driver { return Driver{Replica: c.r} }

// Close closes the replica.
func (c *Connector) Close() error { return c.r.Close() }

// Driver is what sql.DB.Driver returns for a replica pool.
type Driver struct {
	// Replica is the pool's replica.
	Replica *Replica
}

// Open implements driver.Driver; replica pools are opened from a Connector.
func (Driver) Open(string) (driver.Conn, error) {
	return nil, errors.New("libsql: embedded replicas are opened through the dialect, not by name")
}

// Of returns the replica behind a pool, or nil if it is not one.
func Of(db *sql.DB) *Replica {
	if d, ok := db.Driver().(Driver); ok {
		return d.Replica
	}
	return nil
}

// conn pairs a libSQL connection (writes, and everything in a read-write
// transaction) with a local read-only connection (the other reads).
type conn struct {
	// Statements are compiled where they run, local file or libSQL.
	local.TextStatements

	r  *Replica
	lc driver.Conn
	rc nativeConn

	// remoteTx is an open read-write transaction on rc; localTx an open
	// read-only one on lc.
	remoteTx bool
	localTx  driver.Tx
	// busy is closed when a C call abandoned by its context has returned.
	busy chan struct{}
	bad  bool
}

var _ local.Conn = (*conn)(nil)

// syncStatement matches "sync", in any case and spacing, with an optional
// semicolon: the one statement the dialect answers itself.
var syncStatement = regexp.MustCompile(`(?i)^\s*sync\s*;?\s*$`)

// IsSync reports whether query is the "sync" statement.
func IsSync(query string) bool { return syncStatement.MatchString(query) }

// routeLocal reports whether query can run on the local file, and the
// declared types of its columns when known. The foreign key pragmas go to
// libSQL, which sends them to the primary: they set and report how writes
// are checked, and writes run there.
func (c *conn) routeLocal(query string) (bool, []string) {
	if name, ok := sqltext.PragmaName(query); ok && (name == "foreign_keys" || name == "defer_foreign_keys") {
		return false, nil
	}
	ro, decl, err := local.Describe(c.lc, query)
	if err != nil {
		return false, nil
	}
	return ro && !c.remoteTx, decl
}

// ExecContext runs query: "sync" pulls from the primary (RowsAffected is
// the number of frames synced), reads run locally, the rest on libSQL.
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 && IsSync(query) {
		s, err := c.r.Sync(ctx)
		if err != nil {
			return nil, err
		}
		return syncResult(s), nil
	}
	if ok, _ := c.routeLocal(query); ok || c.localTx != nil {
		return c.lc.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	var res local.Result
	err := c.call(ctx, func() error {
		var err error
		res, err = c.execRemote(query, args)
		return err
	})
	return res, err
}

type syncResult Synced

func (s syncResult) LastInsertId() (int64, error) { return int64(s.FrameNo), nil }
func (s syncResult) RowsAffected() (int64, error) { return int64(s.FramesSynced), nil }

// call runs a libSQL call, which cannot be interrupted, so that ctx still
// bounds the wait: when ctx ends first the connection is given up.
func (c *conn) call(ctx context.Context, f func() error) error {
	if c.bad {
		return driver.ErrBadConn
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if ctx.Done() == nil {
		return c.translate(f())
	}
	done := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		done <- f()
		close(finished)
	}()
	select {
	case err := <-done:
		return c.translate(err)
	case <-ctx.Done():
		c.bad = true
		c.busy = finished
		return fmt.Errorf("libsql: gave up waiting for the primary: %w", ctx.Err())
	}
}

func (c *conn) execRemote(query string, args []driver.NamedValue) (local.Result, error) {
	if len(args) == 0 {
		if err := executeNative(c.rc, query); err != nil {
			return local.Result{}, err
		}
		return local.Result{LastID: lastInsertIDNative(c.rc), Changes: changesNative(c.rc)}, nil
	}
	s, err := c.prepare(query, args)
	if err != nil {
		return local.Result{}, err
	}
	defer freeStmt(s)
	if err := executeStmt(s); err != nil {
		return local.Result{}, err
	}
	return local.Result{LastID: lastInsertIDNative(c.rc), Changes: changesNative(c.rc)}, nil
}

// prepare compiles query on libSQL and binds args by the local rules.
func (c *conn) prepare(query string, args []driver.NamedValue) (nativeStmt, error) {
	query, at := placeArgs(query, args)
	s, err := prepareNative(c.rc, query)
	if err != nil {
		return nil, err
	}
	for i, a := range args {
		if at[i] == 0 {
			continue
		}
		if err := bind(s, at[i], a.Value); err != nil {
			freeStmt(s)
			return nil, err
		}
	}
	return s, nil
}

// placeArgs returns the query to compile and the index each argument
// binds at (0: nowhere). libSQL binds only by position, and its primary
// binds named parameters only by name, so named parameters become ?NNN.
// libSQL also binds text as a C string, which cannot hold NUL and must be
// UTF-8: such a string is bound as a blob and its parameter wrapped in
// CAST(... AS TEXT), so that the primary stores the very bytes, as text,
// as a local connection would.
func placeArgs(query string, args []driver.NamedValue) (string, []int) {
	scan := strings.ContainsAny(query, ":@$")
	for _, a := range args {
		scan = scan || a.Name != "" || rawText(a.Value)
	}
	if !scan {
		at := make([]int, len(args))
		for i, a := range args {
			at[i] = a.Ordinal
		}
		return query, at
	}
	query, at, _ := sqltext.Positional(query, args, rawText)
	return query, at
}

// rawText reports whether v is a string libSQL cannot bind as text.
func rawText(v driver.Value) bool {
	s, ok := v.(string)
	return ok && (strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s))
}

func bind(s nativeStmt, i int, v driver.Value) error {
	switch x := v.(type) {
	case nil:
		return bindNull(s, i)
	case int64:
		return bindInt(s, i, x)
	case bool:
		if x {
			return bindInt(s, i, 1)
		}
		return bindInt(s, i, 0)
	case float64:
		return bindFloat(s, i, x)
	case string:
		if rawText(x) {
			// Its parameter is cast back to text (see placeArgs).
			return bindBlob(s, i, []byte(x))
		}
		return bindText(s, i, x)
	case []byte:
		if x == nil {
			return bindNull(s, i)
		}
		return bindBlob(s, i, x)
	case time.Time:
		b, err := local.AppendTime(nil, x)
		if err != nil {
			return err
		}
		return bindText(s, i, string(b))
	}
	return fmt.Errorf("argument %d: unsupported type %T", i, v)
}

// QueryContext runs a read on the local file, or on libSQL inside a
// read-write transaction and for statements that write (RETURNING).
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	ok, decl := c.routeLocal(query)
	if ok || c.localTx != nil {
		return c.lc.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	var out *rows
	err := c.call(ctx, func() error {
		var err error
		out, err = c.queryRemote(query, args, decl)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// queryRemote runs query on libSQL and reads every row, decoding by the
// declared types the local file reports.
func (c *conn) queryRemote(query string, args []driver.NamedValue, decl []string) (*rows, error) {
	s, err := c.prepare(query, args)
	if err != nil {
		return nil, err
	}
	defer freeStmt(s)
	nr, err := queryStmt(s)
	if err != nil {
		return nil, err
	}
	out := &rows{decl: decl}
	if nr == nil {
		return out, nil
	}
	defer freeRows(nr)
	if out.names, err = columnNames(nr); err != nil {
		return nil, err
	}
	if len(out.decl) != len(out.names) {
		out.decl = make([]string, len(out.names))
	}
	for {
		row := make([]any, len(out.names))
		done, err := nextRow(nr, row)
		if err != nil {
			return nil, err
		}
		if done {
			return out, nil
		}
		for i, v := range row {
			row[i] = decodeByDecl(v, out.decl[i])
		}
		out.data = append(out.data, row)
	}
}

// decodeByDecl applies the local rule: only date/time columns turn into
// time.Time; other text stays as stored.
func decodeByDecl(v any, decl string) any {
	if !local.IsTimeDeclType(decl) {
		return v
	}
	switch x := v.(type) {
	case int64:
		return local.UnixTime(x)
	case string:
		if t, ok := local.ParseTime(x); ok {
			return t
		}
	}
	return v
}

type rows struct {
	names []string
	decl  []string
	data  [][]any
	next  int
}

func (r *rows) Columns() []string { return r.names }
func (r *rows) Close() error      { r.data = nil; return nil }

func (r *rows) Next(dest []driver.Value) error {
	if r.next >= len(r.data) {
		return io.EOF
	}
	for i, v := range r.data[r.next] {
		dest[i] = v
	}
	r.next++
	return nil
}

// ColumnTypeDatabaseTypeName reports the column's declared type, upper-cased.
func (r *rows) ColumnTypeDatabaseTypeName(i int) string { return strings.ToUpper(r.decl[i]) }

// BeginTx starts a transaction. A read-only one runs on the local file; a
// read-write one on libSQL, which sends it to the primary.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := local.CheckTxOptions(opts); err != nil {
		return nil, err
	}
	if opts.ReadOnly {
		tx, err := c.lc.(driver.ConnBeginTx).BeginTx(ctx, opts)
		if err != nil {
			return nil, err
		}
		c.localTx = tx
		return localTx{c}, nil
	}
	if err := c.call(ctx, func() error { return executeNative(c.rc, "BEGIN") }); err != nil {
		return nil, err
	}
	c.remoteTx = true
	return remoteTx{c}, nil
}

// Begin implements driver.Conn.
func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

type localTx struct{ c *conn }

func (t localTx) Commit() error   { tx := t.c.localTx; t.c.localTx = nil; return tx.Commit() }
func (t localTx) Rollback() error { tx := t.c.localTx; t.c.localTx = nil; return tx.Rollback() }

type remoteTx struct{ c *conn }

func (t remoteTx) Commit() error   { return t.c.endTx("COMMIT") }
func (t remoteTx) Rollback() error { return t.c.endTx("ROLLBACK") }

func (c *conn) endTx(verb string) error {
	c.remoteTx = false
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := c.call(ctx, func() error { return executeNative(c.rc, verb) })
	if err != nil && verb == "ROLLBACK" && strings.Contains(err.Error(), "no transaction is active") {
		return nil
	}
	if err != nil && verb == "COMMIT" {
		// Leave no transaction open behind a failed COMMIT.
		c.call(ctx, func() error { return executeNative(c.rc, "ROLLBACK") })
	}
	return err
}

// ResetSession implements driver.SessionResetter.
func (c *conn) ResetSession(ctx context.Context) error {
	if c.bad || c.remoteTx || c.localTx != nil {
		return driver.ErrBadConn
	}
	return nil
}

// IsValid implements driver.Validator.
func (c *conn) IsValid() bool { return !c.bad }

// Close closes both connections; a libSQL connection still running an
// abandoned call is closed when the call returns.
func (c *conn) Close() error {
	err := c.lc.Close()
	rc := c.rc
	if c.busy != nil {
		busy := c.busy
		go func() {
			<-busy
			disconnectNative(rc)
		}()
		return err
	}
	disconnectNative(rc)
	return err
}

// translate turns libSQL's error text into the dialect's errors. A
// statement the primary refused carries SQLite's extended code, and
// engine and server errors an SQLite code name: both give a *driver.Error
// as in local mode.
func (c *conn) translate(err error) error {
	if err == nil {
		return nil
	}
	err = redact(err, c.r.opts.AuthToken)
	msg := err.Error()
	if m := remoteFailure.FindStringSubmatch(msg); m != nil {
		if code, convErr := strconv.Atoi(m[1]); convErr == nil {
			return &local.Error{Code: code, Message: m[2]}
		}
	}
	if m := codeName.FindString(msg); m != "" {
		text := msg
		if i := strings.Index(text, "SQLite error: "); i >= 0 {
			text = text[i+len("SQLite error: "):]
		}
		return hrana.ServerError(m, strings.TrimSpace(text))
	}
	if c := classify(err); c != err {
		return c
	}
	return fmt.Errorf("libsql: %w", err)
}

// remoteFailure matches a statement the primary refused:
// "Remote SQlite failure: `3:1555:UNIQUE constraint failed: t.id`", whose
// second number is the extended result code.
var remoteFailure = regexp.MustCompile("(?s)Remote SQlite failure: `\\d+:(\\d+):(.*)`")

var codeName = regexp.MustCompile(`SQLITE_[A-Z_]+`)
