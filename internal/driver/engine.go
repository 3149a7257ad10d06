//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

import (
	"database/sql/driver"
	"fmt"

	"github.com/gorm-libsql/libsql/internal/sqltext"
)

// Linked reports whether this build holds the libSQL engine: local and
// embedded-replica modes work only when it does.
const Linked = true

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
	single := s.tailAt == len(query) || sqltext.Blank(query[s.tailAt:])
	_, declTypes = stmtColumns(s.ptr)
	return single && stmtReadOnly(s.ptr), declTypes, nil
}
