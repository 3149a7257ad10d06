package libsql

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/internal/replica"
	"github.com/gorm-libsql/libsql/internal/sqlite"
	"github.com/gorm-libsql/libsql/internal/sqltext"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// How a batch works. Batch hands the caller's function a session whose
// connection pool records statements instead of running them: every GORM
// operation on it (Create, Updates, Delete, Save, Exec...) builds its SQL
// as usual, a callback registered by the dialect notes which operation it
// is and refuses what a batch cannot do, and the pool keeps the SQL and its
// arguments, answering "no rows, nothing changed". When the function
// returns, the statements go to the connection together (one request
// remotely, one transaction locally). Once they are applied, each
// operation's own GORM callback runs again on a pool that answers with the
// real result, so ids, RETURNING columns and RowsAffected are filled in by
// GORM's code, exactly as by db.Create.

// BatchResult is the outcome of one statement of a batch.
type BatchResult struct {
	// SQL is the statement as sent, with placeholders.
	SQL string
	// RowsAffected is how many rows the statement changed.
	RowsAffected int64
	// LastInsertID is the rowid of the last row the statement inserted:
	// that of an INSERT or REPLACE (WITH ... INSERT too) that changed rows,
	// else 0. SQLite's last insert rowid keeps the value of an earlier
	// insert through a statement that inserts nothing (an UPDATE, a DELETE,
	// an INSERT whose rows ON CONFLICT DO NOTHING or OR IGNORE skipped), so
	// this reports 0 rather than a stale id. An upsert whose every row took
	// its DO UPDATE branch changed rows but inserted none, and SQLite gives
	// no way to tell: it reports the stale id; use RETURNING there.
	LastInsertID int64
}

// BatchError is the error of a batch in which one statement failed; none of
// the batch was applied. Index counts statements from 0, in the order the
// function built them; Err is the statement's error, translated when
// gorm.Config.TranslateError is set, so errors.Is(err, gorm.ErrDuplicatedKey)
// works through it.
type BatchError struct {
	// Index is the failing statement's position in the batch, from 0.
	Index int
	// Count is the number of statements in the batch.
	Count int
	// SQL is the failing statement.
	SQL string
	// Err is the statement's error.
	Err error
}

// Error names the statement and says that nothing was applied.
func (e *BatchError) Error() string { return (*sqlite.BatchError)(e).Error() }

// Unwrap returns the statement's error.
func (e *BatchError) Unwrap() error { return e.Err }

// execBatch sends stmts to one connection of the pool.
func execBatch(ctx context.Context, db *sql.DB, stmts []sqlite.BatchStatement) ([]sqlite.BatchResult, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var results []sqlite.BatchResult
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(sqlite.Batcher)
		if !ok {
			return fmt.Errorf("libsql: Batch needs a connection of the libsql dialect, not %T", dc)
		}
		var err error
		results, err = b.ExecBatch(ctx, stmts)
		return err
	})
	return results, err
}

// translateBatchError gives a failing statement's error as a *BatchError
// (the drivers report the internal layer's type, of the same fields),
// translated as GORM would translate the statement's error alone.
func translateBatchError(db *gorm.DB, err error) error {
	t, translate := db.Dialector.(gorm.ErrorTranslator)
	translate = translate && db.TranslateError
	var be *sqlite.BatchError
	if errors.As(err, &be) {
		out := BatchError(*be)
		if translate {
			out.Err = t.Translate(out.Err)
		}
		return &out
	}
	if translate {
		return t.Translate(err)
	}
	return err
}

// recorder is the connection pool of a batch's session: it keeps the
// statements instead of running them.
type recorder struct {
	mu sync.Mutex
	// ops are the GORM operations run on the session, in order; current
	// is the last, whose statement comes next.
	ops     []*operation
	current *operation
	// err is the first refusal.
	err    error
	closed bool
}

// operation is one GORM operation run on a batch's session.
type operation struct {
	tx   *gorm.DB
	kind string // its processor: create, update, delete or raw
	// recorded is set once its statement arrived.
	recorded bool
	stmt     sqlite.BatchStatement
	vars     []any
}

var errBatchSent = errors.New("libsql: this batch session was already sent; use the *gorm.DB given to Batch only inside its function")

// registerBatchCallbacks makes GORM operations on a batch's session known
// to its recorder before any of their callbacks run.
func registerBatchCallbacks(db *gorm.DB) error {
	cb := db.Callback()
	for _, r := range []struct {
		kind     string
		register func(string, func(*gorm.DB)) error
	}{
		{"create", cb.Create().Before("*").Register},
		{"update", cb.Update().Before("*").Register},
		{"delete", cb.Delete().Before("*").Register},
		{"raw", cb.Raw().Before("*").Register},
		{"query", cb.Query().Before("*").Register},
		{"row", cb.Row().Before("*").Register},
	} {
		kind := r.kind
		if err := r.register("libsql:batch", func(tx *gorm.DB) {
			if rec, ok := tx.Statement.ConnPool.(*recorder); ok {
				rec.begin(tx, kind)
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

func (r *recorder) begin(tx *gorm.DB, kind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		tx.AddError(errBatchSent)
		return
	}
	op := &operation{tx: tx, kind: kind}
	r.ops = append(r.ops, op)
	r.current = op
	if err := refusal(tx.Statement, kind); err != nil {
		// GORM's callbacks skip an operation that has an error.
		tx.AddError(err)
		r.refuse(err)
	}
}

func (r *recorder) refuse(err error) {
	if r.err == nil {
		r.err = err
	}
}

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBatchRefused}, args...)...)
}

// refusal says why a batch cannot run an operation, or nil.
func refusal(stmt *gorm.Statement, kind string) error {
	if kind == "query" || kind == "row" {
		return refused("reads (Find, First, Count, Pluck, Row, Scan...) cannot run in a batch: their results would come only after the function that uses them; read before or after Batch")
	}
	s := stmt.Schema
	if s == nil {
		return nil
	}
	if hooks := modelHooks(s, kind); len(hooks) > 0 && !stmt.SkipHooks {
		return refused("%s has %s hooks, which cannot run in a batch (they would run before the batch's statements are applied, and their own statements could not see the results); skip them with b.Session(&gorm.Session{SkipHooks: true}) or use a transaction",
			s.Name, strings.Join(hooks, ", "))
	}
	if rels := associationsToSave(stmt, kind); len(rels) > 0 {
		return refused("%s has associations to save (%s), which need the ids of rows not inserted yet; skip them with Omit(clause.Associations), or use a transaction",
			s.Name, strings.Join(rels, ", "))
	}
	return nil
}

// associationsToSave names the relations GORM would write along with the
// operation: for Create and Update those it selects (by GORM's
// Select/Omit rules) that hold a value; for Delete those named in Select.
func associationsToSave(stmt *gorm.Statement, kind string) []string {
	s := stmt.Schema
	if !savesAssociations(s) || kind == "raw" {
		return nil
	}
	var names []string
	selected, restricted := stmt.SelectAndOmitColumns(kind == "create", kind == "update")
	r := &s.Relationships
	for _, list := range [][]*schema.Relationship{r.BelongsTo, r.HasOne, r.HasMany, r.Many2Many} {
		for _, rel := range list {
			v, ok := selected[rel.Name]
			if kind == "delete" {
				if ok && v {
					names = append(names, rel.Name)
				}
				continue
			}
			if (ok && !v) || (!ok && restricted) {
				continue
			}
			if holdsRelation(stmt, rel) {
				names = append(names, rel.Name)
			}
		}
	}
	sort.Strings(names)
	return names
}

// holdsRelation reports whether the operation's model or values set rel.
func holdsRelation(stmt *gorm.Statement, rel *schema.Relationship) bool {
	values := []reflect.Value{stmt.ReflectValue}
	if stmt.Dest != nil && stmt.Dest != stmt.Model {
		values = append(values, reflect.Indirect(reflect.ValueOf(stmt.Dest)))
	}
	var holds func(v reflect.Value) bool
	holds = func(v reflect.Value) bool {
		v = reflect.Indirect(v)
		switch v.Kind() {
		case reflect.Map:
			if m, ok := v.Interface().(map[string]any); ok {
				_, set := m[rel.Name]
				return set
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				if holds(v.Index(i)) {
					return true
				}
			}
		case reflect.Struct:
			if v.Type() == rel.Schema.ModelType {
				_, zero := rel.Field.ValueOf(stmt.Context, v)
				return !zero
			}
		}
		return false
	}
	for _, v := range values {
		if v.IsValid() && holds(v) {
			return true
		}
	}
	return false
}

// record keeps the statement of the current operation.
func (r *recorder) record(query string, vars []any, wantRows bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errBatchSent
	}
	op := r.current
	err := func() error {
		switch {
		case op == nil || op.recorded:
			return refused("a batch records the statement of each GORM operation (Create, Save, Update(s), Delete, Exec); this one came from elsewhere: %s", query)
		case sqltext.MultiStatement(query):
			return refused("one statement per Exec in a batch: %s", query)
		case sqltext.TransactionControl(query) != "" || replica.IsSync(query):
			return refused("the batch is a transaction of its own; it cannot run %s", strings.TrimSpace(query))
		}
		return nil
	}()
	if err != nil {
		r.refuse(err)
		return err
	}
	args, err := sqlite.CheckArgs(vars)
	if err != nil {
		r.refuse(err)
		return err
	}
	op.recorded = true
	op.stmt = sqlite.BatchStatement{SQL: query, Args: args, WantRows: wantRows}
	op.vars = vars
	return nil
}

// finish closes the recorder and returns the operations that recorded a
// statement, or the first error of the session.
func (r *recorder) finish() ([]*operation, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.err != nil {
		return nil, r.err
	}
	var ops []*operation
	for i, op := range r.ops {
		if op.tx.Error != nil {
			return nil, errmsg.Wrap(op.tx.Error, "libsql: operation %d of the batch failed before anything was sent", i)
		}
		if op.recorded {
			ops = append(ops, op)
		}
	}
	return ops, nil
}

// ExecContext implements gorm.ConnPool: the statement is kept, and nothing
// is reported changed yet.
func (r *recorder) ExecContext(_ context.Context, query string, args ...any) (sql.Result, error) {
	if err := r.record(query, args, false); err != nil {
		return nil, err
	}
	return sqlite.Result{}, nil
}

// QueryContext implements gorm.ConnPool: the statement is kept, and no
// rows come back yet.
func (r *recorder) QueryContext(_ context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := r.record(query, args, true); err != nil {
		return nil, err
	}
	return heldRows(&sqlite.HeldRows{})
}

// QueryRowContext implements gorm.ConnPool; a batch has no rows to give.
func (r *recorder) QueryRowContext(ctx context.Context, query string, _ ...any) *sql.Row {
	err := refused("reads cannot run in a batch: %s", query)
	r.mu.Lock()
	r.refuse(err)
	r.mu.Unlock()
	return heldDB().QueryRowContext(context.Background(), "", err)
}

// PrepareContext implements gorm.ConnPool; statements of a batch are not
// prepared.
func (r *recorder) PrepareContext(_ context.Context, query string) (*sql.Stmt, error) {
	err := refused("prepared statements cannot run in a batch: %s", query)
	r.mu.Lock()
	r.refuse(err)
	r.mu.Unlock()
	return nil, err
}

// fill runs the operation's GORM callback again on the statement it
// built, with a pool that answers with res: GORM then sets ids, RETURNING
// columns and RowsAffected as it does outside a batch.
func (op *operation) fill(res sqlite.BatchResult) error {
	cb := op.tx.Callback()
	var run func(*gorm.DB)
	switch op.kind {
	case "create":
		run = cb.Create().Get("gorm:create")
	case "update":
		run = cb.Update().Get("gorm:update")
	case "delete":
		run = cb.Delete().Get("gorm:delete")
	case "raw":
		run = cb.Raw().Get("gorm:raw")
	}
	if run == nil {
		return fmt.Errorf("no gorm:%s callback is registered", op.kind)
	}
	st := op.tx.Statement
	st.ConnPool = answer{&res}
	st.SQL.Reset()
	st.SQL.WriteString(op.stmt.SQL)
	st.Vars = op.vars
	op.tx.Error = nil
	run(op.tx)
	st.SQL.Reset()
	st.Vars = nil
	st.ConnPool = answer{}
	return op.tx.Error
}

// answer is the pool an operation runs on again once its batch was
// applied: it gives the statement's result. Without one (after Batch
// returned) it refuses everything.
type answer struct{ res *sqlite.BatchResult }

func (a answer) ExecContext(context.Context, string, ...any) (sql.Result, error) {
	if a.res == nil {
		return nil, errBatchSent
	}
	return a.res.Result, nil
}

func (a answer) QueryContext(context.Context, string, ...any) (*sql.Rows, error) {
	switch {
	case a.res == nil:
		return nil, errBatchSent
	case a.res.Rows == nil:
		return heldRows(&sqlite.HeldRows{})
	}
	return heldRows(a.res.Rows)
}

func (a answer) QueryRowContext(context.Context, string, ...any) *sql.Row {
	return heldDB().QueryRowContext(context.Background(), "", errBatchSent)
}

func (a answer) PrepareContext(context.Context, string) (*sql.Stmt, error) {
	return nil, errBatchSent
}

// heldRows turns rows already read into *sql.Rows, which is what GORM
// scans, by way of a database/sql pool whose connections return the rows
// they are given as argument. database/sql then converts every value as it
// does for rows from a real connection.
func heldRows(rows sqldriver.Rows) (*sql.Rows, error) {
	return heldDB().QueryContext(context.Background(), "", rows)
}

var heldPool = sync.OnceValue(func() *sql.DB {
	db := sql.OpenDB(heldConnector{})
	db.SetMaxIdleConns(8)
	return db
})

func heldDB() *sql.DB { return heldPool() }

type heldConnector struct{}

func (heldConnector) Connect(context.Context) (sqldriver.Conn, error) { return heldConn{}, nil }
func (heldConnector) Driver() sqldriver.Driver                        { return heldDriver{} }

type heldDriver struct{}

func (heldDriver) Open(string) (sqldriver.Conn, error) { return heldConn{}, nil }

// heldConn answers a query with its argument: rows, or an error.
type heldConn struct{}

func (heldConn) QueryContext(_ context.Context, _ string, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	if len(args) == 1 {
		switch v := args[0].Value.(type) {
		case sqldriver.Rows:
			return v, nil
		case error:
			return nil, v
		}
	}
	return nil, errors.New("libsql: internal error: held rows queried without rows")
}

func (heldConn) CheckNamedValue(*sqldriver.NamedValue) error { return nil }
func (heldConn) Prepare(string) (sqldriver.Stmt, error) {
	return nil, errors.New("libsql: held rows cannot prepare statements")
}
func (heldConn) Close() error { return nil }
func (heldConn) Begin() (sqldriver.Tx, error) {
	return nil, errors.New("libsql: held rows have no transactions")
}
