package replica

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"

	local "github.com/gorm-libsql/libsql/internal/driver"
	"github.com/gorm-libsql/libsql/internal/hrana"
	"github.com/gorm-libsql/libsql/internal/sqlite"
	"github.com/gorm-libsql/libsql/internal/sqltext"
)

// Connector opens connections to a Replica. It implements driver.Connector
// and io.Closer; closing it closes the replica.
type Connector struct{ r *Replica }

// NewConnector returns a Connector for r.
func NewConnector(r *Replica) *Connector { return &Connector{r: r} }

// Connect opens a local read-only connection for reads and a stream on
// the primary for the rest; the stream opens with its first statement.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	lc, err := c.r.reader.Connect(ctx)
	if err != nil {
		return nil, err
	}
	cn := &conn{r: c.r, lc: lc.(sqlite.Conn), rc: c.r.writer.Open()}
	cn.TextStatements.Runner = cn
	return cn, nil
}

// Driver returns a Driver that leads back to the replica (see Of).
func (c *Connector) Driver() driver.Driver { return Driver{Replica: c.r} }

// Close closes the replica.
func (c *Connector) Close() error { return c.r.Close() }

// Driver is what sql.DB.Driver returns for a replica pool.
type Driver struct {
	// Replica is the pool's replica.
	Replica *Replica
}

// Open implements driver.Driver; replica pools are opened from a Connector.
func (Driver) Open(string) (driver.Conn, error) {
	return nil, errors.New("libsql: embedded replicas are opened through the dialect, not by name")
}

// Of returns the replica behind a pool, or nil if it is not one.
func Of(db *sql.DB) *Replica {
	if d, ok := db.Driver().(Driver); ok {
		return d.Replica
	}
	return nil
}

// conn pairs a local read-only connection (reads) with a Hrana stream on
// the primary (writes, and everything in a read-write transaction), the
// same client remote mode uses: statements, their errors and their
// results behave as in remote mode, and the local file changes only by
// sync.
type conn struct {
	// Statements are compiled where they run, local file or primary.
	sqlite.TextStatements

	r  *Replica
	lc sqlite.Conn
	rc *hrana.Conn

	// localTx is an open read-only transaction on lc.
	localTx driver.Tx
	// dirty is set when a statement that may have written ran on the
	// primary and the replica has not synced since.
	dirty bool
}

var _ sqlite.Conn = (*conn)(nil)

// syncStatement matches "sync", in any case and spacing, with an optional
// semicolon: the one statement the dialect answers itself.
var syncStatement = regexp.MustCompile(`(?i)^\s*sync\s*;?\s*$`)

// IsSync reports whether query is the "sync" statement.
func IsSync(query string) bool { return syncStatement.MatchString(query) }

// route decides where query runs, and whether it may write. Reads run on
// the local file, except while a transaction is open on the primary: it
// sees writes the file has not. Transaction control and the foreign key
// pragmas go to the primary, whose stream holds the transaction and checks
// the writes; so does what the local file cannot compile (a table it has
// not synced yet).
func (c *conn) route(query string) (onLocal, writes bool) {
	if c.localTx != nil {
		return true, false
	}
	if sqltext.TransactionControl(query) != "" {
		return false, false
	}
	if name, ok := sqltext.PragmaName(query); ok && (name == "foreign_keys" || name == "defer_foreign_keys") {
		return false, false
	}
	ro, _, err := local.Describe(c.lc, query)
	if err != nil {
		return false, !sqltext.ReadOnly(query)
	}
	return ro && !c.rc.InTransaction(), !ro
}

// ExecContext runs query: "sync" pulls from the primary (RowsAffected is
// the number of frames synced), reads run locally, the rest on the
// primary.
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 && IsSync(query) {
		s, err := c.r.Sync(ctx)
		if err != nil {
			return nil, err
		}
		return syncResult(s), nil
	}
	onLocal, writes := c.route(query)
	if onLocal {
		return c.lc.ExecContext(ctx, query, args)
	}
	res, err := c.rc.ExecContext(ctx, query, args)
	if err = c.after(ctx, query, writes, err); err != nil {
		return nil, err
	}
	return res, nil
}

type syncResult Synced

func (s syncResult) LastInsertId() (int64, error) { return int64(s.FrameNo), nil }
func (s syncResult) RowsAffected() (int64, error) { return int64(s.FramesSynced), nil }

// QueryContext runs a read on the local file, or on the primary inside a
// read-write transaction and for statements that write (RETURNING).
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	onLocal, writes := c.route(query)
	if onLocal {
		return c.lc.QueryContext(ctx, query, args)
	}
	rows, err := c.rc.QueryContext(ctx, query, args)
	if err = c.after(ctx, query, writes, err); err != nil {
		return nil, err
	}
	return rows, nil
}

// after follows a statement the primary ran (err is its outcome): it notes
// a possible write, forgets those a ROLLBACK undid, and catches up.
func (c *conn) after(ctx context.Context, query string, writes bool, err error) error {
	// A failed statement changed nothing, unless it was one of several.
	// One whose reply was lost is not followed by a sync: the primary is
	// likely out of reach, and the error must come within RequestTimeout.
	if writes && (err == nil || (sqltext.MultiStatement(query) && !errors.Is(err, hrana.ErrCommitUnknown))) {
		c.dirty = true
	}
	if sqltext.TransactionControl(query) == "ROLLBACK" && !c.rc.InTransaction() {
		c.dirty = false
	}
	return c.catchUp(ctx, unknownOnReplica(err))
}

// unknownOnReplica adds to an ErrCommitUnknown what checking for the write
// takes here: reads run on the local file, which shows the write only
// after a sync, so a read before one would report it missing, and running
// it again would apply it twice.
func unknownOnReplica(err error) error {
	if !errors.Is(err, hrana.ErrCommitUnknown) {
		return err
	}
	return fmt.Errorf("%w; on an embedded replica, local reads show it only after a sync: Sync successfully before reading to check", err)
}

// catchUp syncs the replica once no transaction is open on the primary
// after statements that may have written, when ReadYourWrites is on, so
// that local reads see them. A failed sync does not hide err; on its own
// it gives an error that says the write was committed.
func (c *conn) catchUp(ctx context.Context, err error) error {
	if !c.dirty || c.rc.InTransaction() {
		return err
	}
	c.dirty = false
	if !c.r.opts.ReadYourWrites {
		return err
	}
	ctx, cancel := c.r.opts.Limits.Bound(ctx)
	defer cancel()
	if serr := c.r.syncAfterWrite(ctx); serr != nil && err == nil {
		return &notSyncedError{err: serr}
	}
	return err
}

// ErrWriteNotSynced is matched (errors.Is) by the error of a write that
// the primary committed but that the replica could not sync afterwards:
// local reads see it after the next sync that succeeds. Running the write
// again would apply it twice.
var ErrWriteNotSynced = errors.New("libsql: the write was committed on the primary, but the replica could not sync it")

type notSyncedError struct{ err error }

func (e *notSyncedError) Error() string {
	return ErrWriteNotSynced.Error() + " (local reads see it after the next successful sync): " + e.err.Error()
}

func (e *notSyncedError) Is(target error) bool { return target == ErrWriteNotSynced }

// BeginTx starts a transaction. A read-only one runs on the local file; a
// read-write one on the primary, begun with Config.TxLock.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := sqlite.CheckTxOptions(opts); err != nil {
		return nil, err
	}
	if opts.ReadOnly {
		tx, err := c.lc.BeginTx(ctx, opts)
		if err != nil {
			return nil, err
		}
		c.localTx = tx
		return localTx{c}, nil
	}
	tx, err := c.rc.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return remoteTx{c, tx}, nil
}

// Begin implements driver.Conn.
func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

type localTx struct{ c *conn }

func (t localTx) Commit() error   { tx := t.c.localTx; t.c.localTx = nil; return tx.Commit() }
func (t localTx) Rollback() error { tx := t.c.localTx; t.c.localTx = nil; return tx.Rollback() }

type remoteTx struct {
	c  *conn
	tx driver.Tx
}

// Commit commits on the primary, then syncs when the transaction wrote.
func (t remoteTx) Commit() error {
	if err := t.tx.Commit(); err != nil {
		t.c.dirty = false
		return unknownOnReplica(err)
	}
	return t.c.catchUp(context.Background(), nil)
}

func (t remoteTx) Rollback() error {
	t.c.dirty = false
	return t.tx.Rollback()
}

// ResetSession implements driver.SessionResetter.
func (c *conn) ResetSession(ctx context.Context) error {
	if c.localTx != nil {
		return driver.ErrBadConn
	}
	return c.rc.ResetSession(ctx)
}

// IsValid implements driver.Validator.
func (c *conn) IsValid() bool { return c.rc.IsValid() && c.lc.IsValid() }

// Close closes the local connection and the stream on the primary.
func (c *conn) Close() error {
	return errors.Join(c.lc.Close(), c.rc.Close())
}
