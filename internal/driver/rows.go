//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"reflect"
	"strings"

	"github.com/gorm-libsql/libsql/internal/sqlite"
)

// rows streams the result of a query; a row is decoded in one cgo call.
type rows struct {
	c        *conn
	s        *stmt
	pending  bool // the first row is already decoded in the cursor
	finished bool
	closed   bool
	ctx      context.Context
	done     <-chan struct{}
	op       opBit // the query's operation, under which it steps
}

// errClosedUnderRows ends rows whose connection was closed while they were
// open.
var errClosedUnderRows = errors.New("libsql: the connection was closed while its rows were open")

var (
	_ driver.Rows                           = (*rows)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*rows)(nil)
	_ driver.RowsColumnTypeScanType         = (*rows)(nil)
)

func (r *rows) Columns() []string { return r.s.names }

func (r *rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.c.release(r.s)
	r.c.unwatch(r.op)
	return nil
}

func (r *rows) Next(dest []driver.Value) error {
	if r.finished || r.closed {
		return io.EOF
	}
	select {
	case <-r.done:
		r.finished = true
		return r.ctx.Err()
	default:
	}
	if r.c.h == nil {
		r.finished = true
		return errClosedUnderRows
	}
	if r.pending {
		r.pending = false
	} else {
		switch rc := r.step(); rc {
		case sqliteRow:
		case sqliteDone:
			r.finished = true
			return io.EOF
		default:
			r.finished = true
			return r.c.stepError(r.ctx, rc)
		}
	}
	cells, timeCols := cursorRow(r.s.cur), r.s.timeCols
	if len(cells) != len(timeCols) {
		// The statement was re-prepared mid-iteration with other columns.
		r.finished = true
		return io.ErrUnexpectedEOF
	}
	for i := range dest {
		dest[i] = decodeCell(&cells[i], timeCols[i])
	}
	return nil
}

// step advances the statement under the query's operation, so that only
// its context stops it.
func (r *rows) step() int {
	h := r.c.h
	if r.op == 0 {
		// Outside an operation's calls the connection runs under 0 already.
		return stmtStep(r.s.ptr, r.s.cur)
	}
	h.run(r.op)
	rc := stmtStep(r.s.ptr, r.s.cur)
	h.run(0)
	return rc
}

// ColumnTypeDatabaseTypeName reports the column's declared type, upper-cased.
func (r *rows) ColumnTypeDatabaseTypeName(i int) string {
	return strings.ToUpper(r.s.declTypes[i])
}

// ColumnTypeScanType reports the Go type a column's cells decode to.
func (r *rows) ColumnTypeScanType(i int) reflect.Type { return sqlite.ScanType(r.s.declTypes[i]) }
