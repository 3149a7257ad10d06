package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"time"
)

// Options configures local connections. The dialect fills it from its Config.
type Options struct {
	// Path is a file path, a "file:" URI, or ":memory:".
	Path string
	// BusyTimeout bounds how long a statement waits for a lock.
	BusyTimeout time.Duration
	// JournalMode is applied to files ("WAL", "DELETE", …); empty keeps the file's.
	JournalMode string
	// Synchronous is applied to every connection ("NORMAL", "FULL", …); empty keeps SQLite's.
	Synchronous string
	// ForeignKeys turns foreign key enforcement on, or off when false, on every connection.
	ForeignKeys bool
	// TxLock is the BEGIN mode of read-write transactions: "IMMEDIATE", "DEFERRED" or "EXCLUSIVE".
	TxLock string
	// EncryptionKey, when set, is applied before the file is read.
	EncryptionKey string
	// Pragmas are extra "name=value" settings run on every new connection.
	Pragmas []string
	// ReadOnly opens the database read-only.
	ReadOnly bool
	// StatementCacheSize is how many compiled statements each connection keeps.
	StatementCacheSize int
}

// IsMemory reports whether path names a private in-memory database.
func IsMemory(path string) bool {
	return path == ":memory:" || path == "file::memory:" || strings.HasPrefix(path, "file::memory:?")
}

// Driver opens local databases by path, with default Options.
type Driver struct{}

// Open opens a connection to the database at name.
func (Driver) Open(name string) (driver.Conn, error) {
	c, err := Driver{}.OpenConnector(name)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector returns a Connector for the database at name with
// production defaults.
func (Driver) OpenConnector(name string) (driver.Connector, error) {
	return NewConnector(DefaultOptions(name))
}

// DefaultOptions are the production defaults for a local database.
func DefaultOptions(path string) Options {
	return Options{
		Path:        path,
		BusyTimeout: 10 * time.Second,
		JournalMode: "WAL",
		Synchronous: "NORMAL",
		ForeignKeys: true,
		TxLock:      "IMMEDIATE",
		// StatementCacheSize 0 turns the cache off.
		StatementCacheSize: 64,
	}
}

// ErrNeedsCgo is returned when a local database or an embedded replica is
// opened by a binary built without the libSQL engine.
var ErrNeedsCgo = errors.New("libsql: local and embedded-replica modes need the libSQL engine, which this binary was built without: " +
	"build with cgo (CGO_ENABLED=1 and a C compiler such as gcc or clang) on linux/amd64, linux/arm64 or darwin/arm64; " +
	"remote mode (URL and AuthToken, no Database) needs neither")
