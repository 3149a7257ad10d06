package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

	"github.com/gorm-libsql/libsql/internal/errmsg"
)

// A batch is a list of statements run as one transaction: all of them are
// applied, or none. Each of the dialect's connections runs it in the way
// that costs least where it lives: a local connection statement by
// statement inside BEGIN ... COMMIT, a remote one in a single Hrana request
// (internal/hrana), an embedded replica on the primary and then one sync
// (internal/replica).

// BatchStatement is one statement of a batch, with its arguments already
// checked by the driver's rules (see CheckArgs).
type BatchStatement struct {
	SQL  string
	Args []driver.NamedValue
	// WantRows asks for the statement's rows (RETURNING).
	WantRows bool
}

// BatchResult is the outcome of one statement of a batch that was applied.
type BatchResult struct {
	Result
	// Rows holds the statement's rows when it asked for them, else nil.
	Rows driver.Rows
}

// BatchError is the error of a batch in which one statement failed: none
// of its statements was applied.
type BatchError struct {
	// Index is the failing statement's position in the batch, from 0.
	Index int
	// Count is the number of statements in the batch.
	Count int
	// SQL is the failing statement.
	SQL string
	// Err is the statement's error, as a single statement would report it.
	Err error
}

// Error names the statement and says that nothing was applied.
func (e *BatchError) Error() string {
	return fmt.Sprintf("libsql: batch statement %d (of %d, counted from 0) failed, so none was applied: %v; SQL: %s",
		e.Index, e.Count, e.Err, e.SQL)
}

// Unwrap returns the statement's error.
func (e *BatchError) Unwrap() error { return e.Err }

// Batcher is a connection that runs batches.
type Batcher interface {
	ExecBatch(ctx context.Context, stmts []BatchStatement) ([]BatchResult, error)
}

// ErrBatchInTransaction is returned for a batch asked of a connection with
// an open transaction: a batch is a transaction of its own.
var ErrBatchInTransaction = errors.New("libsql: a batch cannot run inside a transaction (it is a transaction of its own); run it outside")

// CheckArgs converts a statement's arguments as database/sql would before
// handing them to the dialect's drivers: sql.Named names them, Valuers
// give their value, other kinds convert by database/sql's default rules,
// and the driver's own checks apply last.
func CheckArgs(args []any) ([]driver.NamedValue, error) {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		nv := driver.NamedValue{Ordinal: i + 1, Value: a}
		if named, ok := a.(sql.NamedArg); ok {
			nv.Name, nv.Value = named.Name, named.Value
		}
		if err := CheckNamedValue(&nv); errors.Is(err, driver.ErrSkip) {
			v, err := driver.DefaultParameterConverter.ConvertValue(nv.Value)
			if err != nil {
				return nil, errmsg.Wrap(err, "libsql: argument %d", i+1)
			}
			nv.Value = v
			if err := CheckNamedValue(&nv); err != nil {
				return nil, err
			}
		} else if err != nil {
			return nil, err
		}
		out[i] = nv
	}
	return out, nil
}

// CommitFailed is the error of a batch whose COMMIT failed (a deferred
// foreign key violation): the transaction was rolled back.
func CommitFailed(err error) error {
	return errmsg.Wrap(err, "libsql: batch commit failed, so none of its statements was applied")
}

// HeldRows are rows read whole, to be scanned after the statement that
// produced them is gone.
type HeldRows struct {
	Names, DeclTypes []string
	Data             [][]driver.Value
	next             int
}

var _ driver.RowsColumnTypeDatabaseTypeName = (*HeldRows)(nil)

// ReadRows reads rows to the end and closes them.
func ReadRows(rows driver.Rows) (*HeldRows, error) {
	defer rows.Close()
	h := &HeldRows{Names: rows.Columns()}
	h.DeclTypes = make([]string, len(h.Names))
	if typed, ok := rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		for i := range h.DeclTypes {
			h.DeclTypes[i] = typed.ColumnTypeDatabaseTypeName(i)
		}
	}
	for {
		row := make([]driver.Value, len(h.Names))
		err := rows.Next(row)
		if errors.Is(err, io.EOF) {
			return h, nil
		}
		if err != nil {
			return nil, err
		}
		h.Data = append(h.Data, row)
	}
}

// Columns implements driver.Rows.
func (h *HeldRows) Columns() []string { return h.Names }

// Close implements driver.Rows.
func (h *HeldRows) Close() error { return nil }

// Next implements driver.Rows.
func (h *HeldRows) Next(dest []driver.Value) error {
	if h.next >= len(h.Data) {
		return io.EOF
	}
	copy(dest, h.Data[h.next])
	h.next++
	return nil
}

// ColumnTypeDatabaseTypeName reports the column's declared type.
func (h *HeldRows) ColumnTypeDatabaseTypeName(i int) string { return h.DeclTypes[i] }
