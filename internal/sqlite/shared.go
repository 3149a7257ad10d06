package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
)

// What every connection of the dialect's drivers has in common: the
// transaction settings they accept, their results, and the statement
// plumbing of connections that compile a statement only when it runs.

// TxLock checks the BEGIN mode of read-write transactions: "IMMEDIATE"
// (the default, for ""), "DEFERRED" or "EXCLUSIVE", in any case.
func TxLock(lock string) (string, error) {
	switch up := strings.ToUpper(lock); up {
	case "":
		return "IMMEDIATE", nil
	case "IMMEDIATE", "DEFERRED", "EXCLUSIVE":
		return up, nil
	}
	return "", fmt.Errorf("libsql: unknown transaction lock %q (want IMMEDIATE, DEFERRED or EXCLUSIVE)", lock)
}

// CheckTxOptions refuses the isolation levels SQLite does not have.
func CheckTxOptions(opts driver.TxOptions) error {
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault, sql.LevelSerializable:
		return nil
	}
	return fmt.Errorf("libsql: isolation level %s is not supported (SQLite transactions are serializable)", sql.IsolationLevel(opts.Isolation))
}

// Result is the outcome of a statement run for its effect.
type Result struct{ LastID, Changes int64 }

// LastInsertId implements driver.Result.
func (r Result) LastInsertId() (int64, error) { return r.LastID, nil }

// RowsAffected implements driver.Result.
func (r Result) RowsAffected() (int64, error) { return r.Changes, nil }

// Conn is what every connection of the dialect's drivers implements.
type Conn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.NamedValueChecker
	driver.SessionResetter
	driver.Validator
	Runner
}

// Runner runs statements given as text, as every connection of the
// dialect's drivers does.
type Runner interface {
	driver.ExecerContext
	driver.QueryerContext
}

// TextStatements gives a connection that compiles statements only when it
// runs them (remote, embedded replica) its driver.Conn methods for
// preparing statements and checking arguments. Runner is the connection.
type TextStatements struct{ Runner Runner }

// PrepareContext returns a statement that runs through the connection;
// there is nothing to compile or send before it runs.
func (t TextStatements) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return &PreparedStmt{Conn: t.Runner, SQL: query}, ctx.Err()
}

// Prepare implements driver.Conn.
func (t TextStatements) Prepare(query string) (driver.Stmt, error) {
	return t.PrepareContext(context.Background(), query)
}

// CheckNamedValue implements driver.NamedValueChecker with the local rules.
func (t TextStatements) CheckNamedValue(nv *driver.NamedValue) error { return CheckNamedValue(nv) }

// PreparedStmt is a statement prepared through database/sql. It runs its
// text through the connection, which compiles it (or finds it in a cache)
// on every run.
type PreparedStmt struct {
	Conn Runner
	SQL  string
}

// Close implements driver.Stmt; there is nothing to free.
func (p *PreparedStmt) Close() error { return nil }

// NumInput implements driver.Stmt: the count is not checked up front.
func (p *PreparedStmt) NumInput() int { return -1 }

// ExecContext implements driver.StmtExecContext.
func (p *PreparedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return p.Conn.ExecContext(ctx, p.SQL, args)
}

// QueryContext implements driver.StmtQueryContext.
func (p *PreparedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return p.Conn.QueryContext(ctx, p.SQL, args)
}

// Exec implements driver.Stmt.
func (p *PreparedStmt) Exec(args []driver.Value) (driver.Result, error) {
	return p.ExecContext(context.Background(), named(args))
}

// Query implements driver.Stmt.
func (p *PreparedStmt) Query(args []driver.Value) (driver.Rows, error) {
	return p.QueryContext(context.Background(), named(args))
}

// CheckNamedValue implements driver.NamedValueChecker.
func (p *PreparedStmt) CheckNamedValue(nv *driver.NamedValue) error { return CheckNamedValue(nv) }

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}
