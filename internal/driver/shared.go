package driver

import (
	"database/sql/driver"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// The remote and embedded-replica drivers bind and decode values by the
// same rules as local connections; these wrappers share them.

// CheckNamedValue converts an argument the way local connections do and
// refuses what SQLite cannot store.
func CheckNamedValue(nv *driver.NamedValue) error { return checkNamedValue(nv) }

// IsTimeDeclType reports whether cells of a column declared as decl decode
// to time.Time (date, datetime, timestamp).
func IsTimeDeclType(decl string) bool { return kindOfDeclType(decl) == kindTime }

// UnixTime reads an integer cell of a date/time column as local connections
// do: Unix seconds, or milliseconds when too large to be seconds.
func UnixTime(v int64) time.Time { return unixToTime(v) }

// ScanType reports the Go type cells of a column declared as decl decode
// to, judged by SQLite's affinity rules; date/time columns give time.Time.
func ScanType(decl string) reflect.Type {
	if kindOfDeclType(decl) == kindTime {
		return reflect.TypeOf(time.Time{})
	}
	d := strings.ToUpper(decl)
	switch {
	case strings.Contains(d, "INT"):
		return reflect.TypeOf(int64(0))
	case strings.Contains(d, "CHAR"), strings.Contains(d, "CLOB"), strings.Contains(d, "TEXT"):
		return reflect.TypeOf("")
	case strings.Contains(d, "BLOB"):
		return reflect.TypeOf([]byte(nil))
	case strings.Contains(d, "REAL"), strings.Contains(d, "FLOA"), strings.Contains(d, "DOUB"):
		return reflect.TypeOf(float64(0))
	}
	return reflect.TypeOf((*any)(nil)).Elem()
}

// Describe compiles the first statement of query on c, a connection from a
// local Connector, without running it. It reports whether the whole text
// only reads (one statement that writes nothing) and the declared types of
// its result columns. The embedded-replica driver uses it to send reads to
// the local file and to decode rows it gets from elsewhere.
func Describe(c driver.Conn, query string) (readOnly bool, declTypes []string, err error) {
	cn, ok := c.(*conn)
	if !ok {
		return false, nil, fmt.Errorf("libsql: Describe needs a local connection, not %T", c)
	}
	s, err := cn.acquire(query)
	if err != nil || s == nil {
		return false, nil, err
	}
	defer cn.release(s)
	single := s.tailAt == len(query) || blank(query[s.tailAt:])
	_, declTypes = stmtColumns(s.ptr)
	return single && stmtReadOnly(s.ptr), declTypes, nil
}
