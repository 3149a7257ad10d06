//go:build !(cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64)))

package driver

import (
	"context"
	"database/sql/driver"

	"github.com/gorm-libsql/libsql/internal/sqlite"
)

// Linked reports whether this build holds the libSQL engine: local and
// embedded-replica modes work only when it does.
const Linked = false

// Connector is the local connector's type in a build without the engine,
// where NewConnector never returns one.
type Connector struct{}

// NewConnector returns ErrNeedsCgo: this build has no engine. A setting
// the engine's NewConnector would refuse is refused first, so that a config
// error reads the same in every build.
func NewConnector(opts Options) (*Connector, error) {
	if _, err := sqlite.TxLock(opts.TxLock); err != nil {
		return nil, err
	}
	return nil, ErrNeedsCgo
}

// Connect implements driver.Connector; it returns ErrNeedsCgo.
func (*Connector) Connect(context.Context) (driver.Conn, error) { return nil, ErrNeedsCgo }

// Driver returns the database/sql driver, for sql.DB.Driver.
func (*Connector) Driver() driver.Driver { return Driver{} }

// Close implements io.Closer; there is nothing to release.
func (*Connector) Close() error { return nil }

// Describe returns ErrNeedsCgo: only a local connection can compile a
// statement.
func Describe(driver.Conn, string) (readOnly bool, declTypes []string, err error) {
	return false, nil, ErrNeedsCgo
}
