//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/internal/sqlite"
	"github.com/gorm-libsql/libsql/sqlerr"
)

var memoryDBSeq atomic.Uint64

// Connector opens connections to one local database. It implements
// driver.Connector and io.Closer, so sql.DB.Close releases it.
type Connector struct {
	opts  Options
	path  string
	flags int
	init  []string

	// gate queues this process's writers to the file (see writeGate); nil
	// for read-only connectors, which never write.
	gate *writeGate

	mu     sync.Mutex
	keeper *conn
	closed bool
}

// NewConnector validates opts and opens a first connection, so that a bad
// path, a wrong key or a file that is not a database fails here.
func NewConnector(opts Options) (*Connector, error) {
	if opts.Path == "" {
		return nil, errors.New("libsql: no database path given")
	}
	lock, err := sqlite.TxLock(opts.TxLock)
	if err != nil {
		return nil, err
	}
	opts.TxLock = lock
	c := &Connector{opts: opts, path: opts.Path, flags: openURI | openNoMutex}
	if opts.ReadOnly {
		c.flags |= openReadOnly
	} else {
		c.flags |= openReadWrite | openCreate
	}
	memory := IsMemory(opts.Path)
	if memory {
		// A named memdb database is shared by every connection of this
		// process that opens it, and it keeps normal locking; the name is
		// unique so that each Connector has its own database.
		c.path = fmt.Sprintf("file:/gorm-libsql-memory-%d?vfs=memdb", memoryDBSeq.Add(1))
	}
	c.init = c.initStatements(memory)
	first, err := c.open(context.Background())
	if err != nil {
		if c.gate != nil {
			closeGate(c.gate)
		}
		return nil, err
	}
	if memory {
		// The database lives while one connection is open: hold one for the
		// Connector's lifetime so that an idle pool does not drop the data.
		c.keeper = first
	} else {
		first.Close()
	}
	return c, nil
}

func (c *Connector) initStatements(memory bool) []string {
	var stmts []string
	if c.opts.JournalMode != "" && !memory && !c.opts.ReadOnly {
		stmts = append(stmts, "PRAGMA journal_mode="+c.opts.JournalMode)
	}
	if c.opts.Synchronous != "" {
		stmts = append(stmts, "PRAGMA synchronous="+c.opts.Synchronous)
	}
	// Set either way: libSQL's build enforces foreign keys by default, so
	// leaving the pragma out would not turn enforcement off.
	if c.opts.ForeignKeys {
		stmts = append(stmts, "PRAGMA foreign_keys=ON")
	} else {
		stmts = append(stmts, "PRAGMA foreign_keys=OFF")
	}
	for _, p := range c.opts.Pragmas {
		stmts = append(stmts, "PRAGMA "+p)
	}
	return stmts
}

// Connect opens a new connection and applies the connection settings.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	return c.open(ctx)
}

func (c *Connector) open(ctx context.Context) (*conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h, err := openHandle(c.path, c.flags, int(c.opts.BusyTimeout/time.Millisecond))
	if err != nil {
		return nil, errmsg.Wrap(err, "libsql: open %s", c.opts.Path)
	}
	file := h.filename()
	if c.gate == nil && !c.opts.ReadOnly {
		// Only the first connection, in NewConnector, gets here: the name
		// SQLite resolved is the same file whatever path or URI led to it.
		key := file
		if key == "" {
			key = c.path
		}
		c.gate = openGate(key)
	}
	cn := newConn(h, &c.opts)
	cn.gate = c.gate
	if file != "" && !IsMemory(c.opts.Path) {
		if err := c.checkLinks(file); err != nil {
			cn.Close()
			return nil, err
		}
	}
	if c.opts.EncryptionKey != "" {
		if err := h.key(c.opts.EncryptionKey); err != nil {
			cn.Close()
			return nil, errmsg.Wrap(err, "libsql: apply encryption key")
		}
	}
	// Reading the schema proves the file is a database this key opens.
	if _, err := cn.exec(ctx, "SELECT count(*) FROM sqlite_master", nil); err != nil {
		cn.Close()
		var e *sqlerr.Error
		if errors.As(err, &e) && e.Primary() == sqlerr.CodeNotADB {
			if c.opts.EncryptionKey != "" {
				return nil, errmsg.Wrap(err, "libsql: open %s: the encryption key is wrong or the file is not a database", c.opts.Path)
			}
			return nil, errmsg.Wrap(err, "libsql: open %s: the file is encrypted or is not a database", c.opts.Path)
		}
		return nil, errmsg.Wrap(err, "libsql: open %s", c.opts.Path)
	}
	for _, s := range c.init {
		if _, err := cn.exec(ctx, s, nil); err != nil {
			cn.Close()
			return nil, errmsg.Wrap(err, "libsql: %s", s)
		}
	}
	return cn, nil
}

// Driver returns the database/sql driver, for sql.DB.Driver.
func (c *Connector) Driver() driver.Driver { return Driver{} }

// Close releases the in-memory database, if any, and the Connector's share
// of its file's write queue.
func (c *Connector) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.gate != nil {
		closeGate(c.gate)
	}
	if c.keeper != nil {
		err := c.keeper.Close()
		c.keeper = nil
		return err
	}
	return nil
}
