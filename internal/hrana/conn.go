package hrana

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/internal/sqlite"
	"github.com/gorm-libsql/libsql/internal/sqltext"
	"github.com/gorm-libsql/libsql/sqlerr"
)

// Conn is one Hrana stream on the server: the server's connection, kept
// between statements by its baton. A stream the server dropped while idle
// is replaced transparently outside a transaction. Remote pools use it as
// their connection, and embedded replicas for writes.
type Conn struct {
	// The server compiles a statement on every run: preparing sends
	// nothing.
	sqlite.TextStatements

	cl         *client
	txLock     string
	castValues bool
	baton      *string
	baseURL    string

	inTx bool
	// begin holds the statements that open the transaction. They are sent in
	// one batch with the transaction's first statement, which saves a round
	// trip; a transaction that runs nothing sends nothing.
	begin []string
	// readOnly is set in a read-only transaction. sqld refuses PRAGMA
	// query_only, so statements that may write are refused here.
	readOnly bool
	// rawTx is set while a transaction opened by a statement (BEGIN,
	// SAVEPOINT) rather than BeginTx is open; the server tells, after each
	// statement that may open or end one.
	rawTx bool
	// txLost is set when the stream of an open transaction is gone.
	txLost bool
	bad    bool
	// open is the result still streaming in on the stream, if any.
	open *rows
}

var (
	_ sqlite.Conn   = (*Conn)(nil)
	_ driver.Pinger = (*Conn)(nil)
)

// streamLost reports whether err says the server no longer knows the
// stream: it expired while idle, or the server restarted.
func streamLost(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Status != 400 {
		return false
	}
	return e.Code == "STREAM_EXPIRED" || strings.Contains(strings.ToLower(e.Message), "baton")
}

// do sends reqs on the connection's stream in one pipeline (see exchange).
func (c *Conn) do(ctx context.Context, reqs []request) ([]pipelineResult, error) {
	var resp *pipelineResponse
	err := c.exchange(ctx, reqs, func(baton *string, base string) (*string, *string, error) {
		r, err := c.cl.send(ctx, base, &pipelineRequest{Baton: baton, Requests: reqs})
		if err != nil {
			return nil, nil, err
		}
		resp = r
		return r.Baton, r.BaseURL, nil
	})
	if err != nil {
		return nil, err
	}
	return resp.Results, nil
}

// exchange sends one request on the connection's stream with send, which
// posts it with the given baton and base URL and returns the reply's;
// reqs are what it carries, read only when it fails, for what they would
// have committed (see commits). Rows still
// streaming on the stream are read into memory first: the server runs
// nothing else on it meanwhile. A lost stream is replaced and the request
// resent when nothing of a transaction is on it: the server refused it
// before running any of it. A transaction whose stream is gone (a failed
// request, or a reply that closed the stream) is lost: nothing more is
// sent for it, so that no statement of it runs outside it.
func (c *Conn) exchange(ctx context.Context, reqs []request, send func(baton *string, base string) (*string, *string, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.open != nil {
		if err := c.open.drain(); err != nil {
			return err
		}
	}
	if c.baton == nil && c.txOnServer() {
		c.txLost = true
		return errTxLost()
	}
	baton, baseURL, err := send(c.baton, c.baseURL)
	if err != nil && c.baton != nil && !c.txOnServer() && streamLost(err) {
		c.baton, c.baseURL = nil, ""
		baton, baseURL, err = send(nil, "")
	}
	if err != nil {
		// Whether the server ran the request is unknown and the next baton
		// was not received: the stream cannot be used again.
		inTx, commits := c.txOnServer(), c.commits(reqs)
		c.lose()
		switch {
		case commits != "" && outcomeUnknown(err):
			return &commitUnknownError{what: commits, err: err}
		case inTx && streamLost(err):
			// The server no longer knows the stream, nor its transaction.
			return &txLostError{cause: err}
		}
		return err
	}
	c.baton = baton
	c.baseURL = c.cl.streamBase(baseURL)
	if c.baton == nil {
		c.baseURL = ""
	}
	return nil
}

// commits names what of reqs would commit writes if the server ran them
// (see commitsSQL); "COMMIT" before "the write".
func (c *Conn) commits(reqs []request) string {
	what := ""
	note := func(sql string, sequence bool) bool {
		switch w := commitsSQL(sql, sequence, c.InTransaction(), c.rawTx); w {
		case "COMMIT":
			what = w
			return true
		case "the write":
			what = w
		}
		return false
	}
	for i := range reqs {
		r := &reqs[i]
		switch {
		case r.Stmt != nil:
			if note(r.Stmt.SQL, false) {
				return what
			}
		case r.Batch != nil:
			for j := range r.Batch.Steps {
				if note(r.Batch.Steps[j].Stmt.SQL, false) {
					return what
				}
			}
		case r.SQL != nil:
			note(*r.SQL, true)
		}
	}
	return what
}

// commitsSQL names what sql would commit if the server ran it, on a stream
// where inTx says whether a transaction is open (rawTx: one opened by a
// statement): "COMMIT" for a COMMIT (or END, or the RELEASE that ends a
// transaction opened by SAVEPOINT); "the write" for a statement that may
// write outside a transaction, which commits on its own, and for a
// sequence of several statements that may write, which may hold a COMMIT
// of its own; "" when it would commit nothing. A request whose reply is
// lost or malformed gives ErrCommitUnknown only then: running it again
// could apply a write twice. Reads stay safe to retry.
func commitsSQL(sql string, sequence, inTx, rawTx bool) string {
	if sequence {
		if sqltext.ReadOnly(sql) {
			return ""
		}
		return "the write"
	}
	switch ctl := sqltext.TransactionControl(sql); {
	case ctl == "COMMIT" || (ctl == "RELEASE" && rawTx):
		return "COMMIT"
	case ctl == "" && !inTx && !sqltext.ReadOnly(sql):
		return "the write"
	}
	return ""
}

// malformedOutcome makes a malformed reply to a request that would have
// committed (what, see commitsSQL) an ErrCommitUnknown: the server ran
// something, and what it did is unknown.
func malformedOutcome(what string, err error) error {
	if what != "" && errors.Is(err, ErrMalformedReply) && !errors.Is(err, ErrCommitUnknown) {
		return &commitUnknownError{what: what, err: err}
	}
	return err
}

// txOnServer reports whether a transaction is open on the server's
// stream: begun by a statement, or by BeginTx once its BEGIN was sent.
func (c *Conn) txOnServer() bool { return c.rawTx || (c.inTx && len(c.begin) == 0) }

// lose forgets the stream after a failure that leaves its state unknown;
// an open transaction, even one whose BEGIN was in flight, is lost with it.
func (c *Conn) lose() {
	c.baton, c.baseURL = nil, ""
	if c.InTransaction() {
		c.txLost = true
	}
}

// expect reads the outcome of a request of type typ (see expect); a
// malformed one leaves the stream's state unknown, so it is dropped.
func (c *Conn) expect(r pipelineResult, typ string) (*response, error) {
	resp, err := expect(r, typ)
	if errors.Is(err, ErrMalformedReply) {
		c.lose()
		c.bad = true
	}
	return resp, err
}

// resultOf reads the outcome of one request.
func resultOf(r pipelineResult) (*response, error) {
	if r.Type == "error" || r.Error != nil {
		if r.Error == nil {
			return nil, &Error{Message: "the server reported an error without details"}
		}
		return nil, serverError(r.Error.Code, r.Error.Message)
	}
	if r.Response == nil {
		return nil, &Error{Message: "the server sent an empty response"}
	}
	return r.Response, nil
}

func errTxLost() error { return &txLostError{} }

// check refuses to run query on a lost transaction, or one that may write
// in a read-only transaction.
func (c *Conn) check(query string) error {
	if c.txLost {
		return errTxLost()
	}
	if c.readOnly && !sqltext.ReadOnly(query) {
		return errors.New("libsql: a read-only transaction runs only SELECT, VALUES, EXPLAIN and WITH ... SELECT statements remotely (the server cannot enforce read-only itself)")
	}
	return nil
}

// runStmt executes one statement, opening the pending transaction in the
// same request.
func (c *Conn) runStmt(ctx context.Context, st statement) (res *stmtResult, err error) {
	inTx, rawTx := c.InTransaction(), c.rawTx
	defer func() {
		if err != nil {
			err = malformedOutcome(commitsSQL(st.SQL, false, inTx, rawTx), err)
		}
	}()
	if c.rawTx && c.txLost && sqltext.TransactionControl(st.SQL) == "ROLLBACK" {
		// The server dropped the transaction with its stream.
		c.rawTx, c.txLost = false, false
		return &stmtResult{}, nil
	}
	if err := c.check(st.SQL); err != nil {
		return nil, err
	}
	if len(c.begin) == 0 {
		reqs := []request{{Type: "execute", Stmt: &st}}
		track := c.tracks(st.SQL)
		if track {
			reqs = append(reqs, request{Type: "get_autocommit"})
		}
		results, err := c.do(ctx, reqs)
		if err != nil {
			return nil, err
		}
		if track {
			c.trackAutocommit(results[1])
		}
		resp, err := c.expect(results[0], "execute")
		if err != nil {
			return nil, err
		}
		return resp.Result, nil
	}
	steps := c.withBegin(&st)
	br, err := c.runBegin(ctx, steps, len(c.begin))
	if err != nil {
		return nil, err
	}
	c.begin = nil
	last := len(steps) - 1
	if e := br.StepErrors[last]; e != nil {
		return nil, serverError(e.Code, e.Message)
	}
	// BEGIN succeeded, so checkBatch saw a result for the statement.
	return br.StepResults[last], nil
}

// tracks reports whether the server must be asked, after sql, whether a
// transaction opened by a statement is open: sql may open or end one, or
// one is open (an error may roll it back).
func (c *Conn) tracks(sql string) bool {
	return !c.inTx && (c.rawTx || sqltext.TransactionControl(sql) != "")
}

// trackAutocommit records the server's answer to get_autocommit: whether
// a transaction opened by a statement is open on the stream.
func (c *Conn) trackAutocommit(r pipelineResult) {
	resp, err := expect(r, "get_autocommit")
	if err != nil {
		// Unknown: assume one is open, so that the connection is not
		// handed to another caller with it.
		c.rawTx = true
		return
	}
	c.rawTx = !*resp.IsAutocommit
}

// InTransaction reports whether a transaction is open on the stream, begun
// by BeginTx or by a statement.
func (c *Conn) InTransaction() bool { return c.inTx || c.rawTx }

// withBegin returns the batch steps that open the pending transaction,
// followed by st when given, each run only if the one before succeeded.
func (c *Conn) withBegin(st *statement) []batchStep {
	steps := make([]batchStep, 0, len(c.begin)+1)
	for _, s := range c.begin {
		steps = append(steps, batchStep{Stmt: statement{SQL: s}, Condition: afterOK(len(steps))})
	}
	if st != nil {
		steps = append(steps, batchStep{Stmt: *st, Condition: afterOK(len(steps))})
	}
	return steps
}

// afterOK makes a batch step run only if the previous one succeeded.
func afterOK(step int) *condition {
	if step == 0 {
		return nil
	}
	prev := step - 1
	return &condition{Type: "ok", Step: &prev}
}

func (c *Conn) runBatch(ctx context.Context, steps []batchStep) (*batchResult, error) {
	results, err := c.do(ctx, []request{{Type: "batch", Batch: &batch{Steps: steps}}})
	if err != nil {
		return nil, err
	}
	resp, err := c.expect(results[0], "batch")
	if err != nil {
		return nil, err
	}
	if err := checkBatch(resp.BatchResult, steps); err != nil {
		c.lose()
		c.bad = true
		return nil, err
	}
	return resp.BatchResult, nil
}

// flushBegin opens the pending transaction on its own, for requests that
// cannot share a batch with it.
func (c *Conn) flushBegin(ctx context.Context) error {
	if len(c.begin) == 0 {
		return nil
	}
	steps := c.withBegin(nil)
	if _, err := c.runBegin(ctx, steps, len(steps)); err != nil {
		return err
	}
	c.begin = nil
	return nil
}

// makeStatement encodes a statement and its arguments. Named arguments are
// placed by the local rules (see sqltext.Positional) and sent by position:
// the server would refuse one the statement does not use, which a local
// connection ignores. With CastValues, values JSON cannot carry travel in
// another form and are cast back by the statement (see castLocal).
func (c *Conn) makeStatement(query string, args []driver.NamedValue, wantRows bool) (statement, error) {
	st := statement{SQL: query, WantRows: wantRows}
	at := make([]int, len(args))
	var cast func(driver.Value) string
	rewrite := false
	for i, a := range args {
		at[i] = a.Ordinal
		rewrite = rewrite || a.Name != ""
		if c.castValues && castLocal(a.Value) != "" {
			rewrite, cast = true, castLocal
		}
	}
	if rewrite {
		var count int
		st.SQL, at, count = sqltext.Positional(query, args, cast)
		st.Args = make([]value, count)
		for i := range st.Args {
			st.Args[i] = nullValue
		}
	} else {
		st.Args = make([]value, len(args))
	}
	for i, a := range args {
		if at[i] == 0 || at[i] > len(st.Args) {
			continue
		}
		var v value
		var err error
		if f, ok := a.Value.(float64); ok && cast != nil && math.IsInf(f, 0) {
			// SQLite reads a number too large for a double as ±Inf.
			overflow := "1e999"
			if f < 0 {
				overflow = "-1e999"
			}
			v = value{Type: "text", Value: mustJSON(overflow)}
		} else {
			v, err = encodeValue(a.Value)
		}
		if err != nil {
			return st, errmsg.Wrap(err, "libsql: argument %d", a.Ordinal)
		}
		st.Args[at[i]-1] = v
	}
	return st, nil
}

// castLocal names the type a value the server cannot take as it is gets
// cast back to: text that is not valid UTF-8 travels as a blob, ±Inf as
// text; "" for the rest.
func castLocal(v driver.Value) string {
	switch x := v.(type) {
	case string:
		if !utf8.ValidString(x) {
			return "TEXT"
		}
	case float64:
		if math.IsInf(x, 0) {
			return "REAL"
		}
	}
	return ""
}

// ExecContext runs query. Text holding several statements (and no
// arguments) runs as one sequence on the server.
func (c *Conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 && sqltext.MultiStatement(query) {
		return c.execSequence(ctx, query)
	}
	st, err := c.makeStatement(query, args, false)
	if err != nil {
		return nil, err
	}
	res, err := c.runStmt(ctx, st)
	if err != nil {
		return nil, c.refine(ctx, err)
	}
	out := sqlite.Result{Changes: res.AffectedRows}
	if res.LastInsertRowid != nil {
		out.LastID, _ = strconv.ParseInt(*res.LastInsertRowid, 10, 64)
	}
	return out, nil
}

// execSequence runs several statements as one sequence. A sequence
// reports no changes, so the connection's total_changes() is read before
// and after it in the same request: RowsAffected is the rows its
// statements changed, those changed by triggers included.
func (c *Conn) execSequence(ctx context.Context, query string) (_ driver.Result, err error) {
	defer func() {
		if err != nil {
			err = malformedOutcome(commitsSQL(query, true, false, false), err)
		}
	}()
	if err := c.check(query); err != nil {
		return nil, err
	}
	if err := c.flushBegin(ctx); err != nil {
		return nil, err
	}
	reqs := []request{totalChanges, {Type: "sequence", SQL: &query}, totalChanges}
	if !c.inTx {
		// Any of its statements may open or end a transaction.
		reqs = append(reqs, request{Type: "get_autocommit"})
	}
	results, err := c.do(ctx, reqs)
	if err != nil {
		return nil, err
	}
	if !c.inTx {
		c.trackAutocommit(results[3])
	}
	if _, err := c.expect(results[1], "sequence"); err != nil {
		return nil, err
	}
	before, err1 := c.changesCount(results[0])
	after, err2 := c.changesCount(results[2])
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	return sqlite.Result{Changes: after - before}, nil
}

var totalChanges = request{Type: "execute", Stmt: &statement{SQL: "SELECT total_changes()", WantRows: true}}

// changesCount reads the answer to totalChanges.
func (c *Conn) changesCount(r pipelineResult) (int64, error) {
	resp, err := c.expect(r, "execute")
	if err != nil {
		return 0, err
	}
	if len(resp.Result.Rows) == 1 && len(resp.Result.Rows[0]) == 1 {
		if n, err := resp.Result.Rows[0][0].decode(false); err == nil {
			if n, ok := n.(int64); ok {
				return n, nil
			}
		}
	}
	c.lose()
	c.bad = true
	return 0, malformed("total_changes() did not return one integer")
}

// QueryContext runs query and returns its rows. A statement that only
// reads streams them (see openCursor), so that a result of any size is
// read in flat memory; the server sends the rows of one that may write
// whole, before its outcome is reported, and those of a statement the
// server must be asked after whether a transaction is open (see tracks).
func (c *Conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st, err := c.makeStatement(query, args, true)
	if err != nil {
		return nil, err
	}
	if sqltext.ReadOnly(st.SQL) && !c.tracks(st.SQL) {
		rows, err := c.openCursor(ctx, st)
		if err != nil {
			return nil, c.refine(ctx, err)
		}
		return rows, nil
	}
	res, err := c.runStmt(ctx, st)
	if err != nil {
		return nil, c.refine(ctx, err)
	}
	return wholeRows(res), nil
}

// refine gives a remote UNIQUE violation the extended code SQLite gives it
// locally: the server reports only SQLITE_CONSTRAINT, and a duplicate
// primary key reads "UNIQUE constraint failed" too. One more request, on
// this error only, compares the columns with the table's primary key.
func (c *Conn) refine(ctx context.Context, err error) error {
	var e *sqlerr.Error
	if !errors.As(err, &e) || e.Code != sqlerr.CodeConstraint || c.txLost {
		return err
	}
	detail, ok := strings.CutPrefix(e.Message, "UNIQUE constraint failed: ")
	if !ok {
		return err
	}
	var table string
	var cols []string
	for _, part := range strings.Split(detail, ",") {
		t, col, ok := strings.Cut(strings.TrimSpace(part), ".")
		if !ok || (table != "" && t != table) {
			return err
		}
		table = t
		cols = append(cols, col)
	}
	name := "name"
	st := statement{SQL: "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", WantRows: true}
	st.Args = []value{{Type: "text", Value: mustJSON(table)}}
	res, qerr := c.runStmt(ctx, st)
	if qerr != nil || len(res.Cols) != 1 || res.Cols[0].Name == nil || *res.Cols[0].Name != name || len(res.Rows) != len(cols) {
		e.Code = sqlerr.CodeConstraintUnique
		return err
	}
	for i, row := range res.Rows {
		v, derr := row[0].decode(false)
		if s, ok := v.(string); derr != nil || !ok || s != cols[i] {
			e.Code = sqlerr.CodeConstraintUnique
			return err
		}
	}
	e.Code = sqlerr.CodeConstraintPrimaryKey
	return err
}

// BeginTx starts a transaction; nothing is sent until its first statement.
// Read-write transactions take the write lock at BEGIN (TxLock), as locally.
func (c *Conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := sqlite.CheckTxOptions(opts); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.ReadOnly {
		c.begin = []string{"BEGIN DEFERRED"}
	} else {
		c.begin = []string{"BEGIN " + c.txLock}
	}
	c.readOnly = opts.ReadOnly
	c.inTx, c.txLost = true, false
	return tx{c}, nil
}

// Begin implements driver.Conn.
func (c *Conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// finishTx sends COMMIT or ROLLBACK. A COMMIT that fails and leaves the
// transaction open (a deferred foreign key violation) is rolled back in
// the same request, so the stream goes back clean.
func (c *Conn) finishTx(verb string) error {
	defer func() { c.inTx, c.begin, c.readOnly, c.txLost = false, nil, false, false }()
	if c.txLost || (c.baton == nil && c.txOnServer()) {
		// The server dropped the transaction with its stream.
		c.bad = true
		if verb == "ROLLBACK" {
			return nil
		}
		return errTxLost()
	}
	if len(c.begin) > 0 {
		return nil
	}
	steps := []batchStep{{Stmt: statement{SQL: verb}}}
	if verb == "COMMIT" {
		zero := 0
		steps = append(steps, batchStep{Stmt: statement{SQL: "ROLLBACK"},
			Condition: &condition{Type: "not", Cond: &condition{Type: "ok", Step: &zero}}})
	}
	br, err := c.runBatch(context.Background(), steps)
	if err != nil {
		c.bad = true
		if verb == "ROLLBACK" && errors.Is(err, ErrTxLost) {
			// The server refused the baton before running anything: the
			// stream, and its transaction, are gone.
			return nil
		}
		return malformedOutcome(commitsSQL(verb, false, true, false), err)
	}
	if e := br.StepErrors[0]; e != nil {
		err := serverError(e.Code, e.Message)
		if verb == "ROLLBACK" && strings.Contains(e.Message, "no transaction is active") {
			return nil
		}
		return err
	}
	return nil
}

type tx struct{ c *Conn }

func (t tx) Commit() error   { return t.c.finishTx("COMMIT") }
func (t tx) Rollback() error { return t.c.finishTx("ROLLBACK") }

// ResetSession implements driver.SessionResetter.
func (c *Conn) ResetSession(ctx context.Context) error {
	if c.bad || c.InTransaction() {
		return driver.ErrBadConn
	}
	return nil
}

// IsValid implements driver.Validator.
func (c *Conn) IsValid() bool { return !c.bad }

// Ping checks that the server answers and accepts the token.
func (c *Conn) Ping(ctx context.Context) error {
	_, err := c.ExecContext(ctx, "SELECT 1", nil)
	return err
}

// Close ends the stream on the server, if one is open, so that the server
// does not keep it until it expires.
func (c *Conn) Close() error {
	if c.open != nil {
		// The stream goes with the connection, so its rows are not read
		// to their end: the reply is cut and the stream given up, which
		// the server lets expire.
		c.open.abandon()
	}
	if c.baton == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	_, err := c.cl.send(ctx, c.baseURL, &pipelineRequest{Baton: c.baton, Requests: []request{{Type: "close"}}})
	c.baton = nil
	if err != nil && !streamLost(err) && !errors.Is(err, ErrUnreachable) {
		return err
	}
	return nil
}

// closeTimeout bounds the courtesy close of a stream.
const closeTimeout = 5 * time.Second

// rows is a result: held whole as the server sent it, or streaming in on
// a cursor.
type rows struct {
	names    []string
	decl     []string
	timeCols []bool
	// data holds the rows in memory: the whole result, or those of a
	// cursor read ahead (see drain); next is the next one to return.
	data [][]value
	next int
	// cur is the cursor the rest of the rows come on, nil once it ended.
	cur *cursor
	// conn is the connection cur streams on.
	conn *Conn
	// err is how the rows ended, when not at their end: returned once
	// those in data are read.
	err error
}

var (
	_ driver.Rows                           = (*rows)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*rows)(nil)
	_ driver.RowsColumnTypeScanType         = (*rows)(nil)
)

// newRows makes rows of the given columns, empty as yet.
func newRows(cols []column) *rows {
	r := &rows{}
	r.names = make([]string, len(cols))
	r.decl = make([]string, len(cols))
	r.timeCols = make([]bool, len(cols))
	for i, col := range cols {
		if col.Name != nil {
			r.names[i] = *col.Name
		}
		if col.DeclType != nil {
			r.decl[i] = *col.DeclType
			r.timeCols[i] = sqlite.IsTimeDeclType(*col.DeclType)
		}
	}
	return r
}

// wholeRows holds a result the server sent whole.
func wholeRows(res *stmtResult) *rows {
	r := newRows(res.Cols)
	r.data = res.Rows
	return r
}

func (r *rows) Columns() []string { return r.names }

// end is what Next returns past the last row.
func (r *rows) end() error {
	if r.err != nil {
		return r.err
	}
	return io.EOF
}

func (r *rows) Next(dest []driver.Value) error {
	var row []value
	switch {
	case r.next < len(r.data):
		row = r.data[r.next]
		r.data[r.next] = nil
		r.next++
	case r.cur != nil:
		var ok bool
		if row, ok = r.read(); !ok {
			return r.end()
		}
	default:
		return r.end()
	}
	if len(row) != len(dest) {
		return fmt.Errorf("libsql: the server sent a row of %d values for %d columns", len(row), len(dest))
	}
	for i := range row {
		v, err := row[i].decode(r.timeCols[i])
		if err != nil {
			return err
		}
		dest[i] = v
	}
	return nil
}

// ColumnTypeDatabaseTypeName reports the column's declared type, upper-cased.
func (r *rows) ColumnTypeDatabaseTypeName(i int) string { return strings.ToUpper(r.decl[i]) }

// ColumnTypeScanType reports the Go type a column decodes to.
func (r *rows) ColumnTypeScanType(i int) reflect.Type { return sqlite.ScanType(r.decl[i]) }
