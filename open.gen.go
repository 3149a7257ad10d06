package libsql

// The file name ends in .gen.go, though nothing generates it: see
// batch.gen.go. Initialize and Connector log the warning of a token sent
// unencrypted from here, so that GORM's logger names the line that opened
// the database (gorm.Open or Config.Connector) and not this library.

import (
	"context"
	sqldriver "database/sql/driver"
	"errors"
	"reflect"
	"sync"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Initialize opens the pool and registers GORM's callbacks with the clauses
// libSQL supports, RETURNING included.
func (d *Dialector) Initialize(db *gorm.DB) error {
	if err := d.initialize(db); err != nil {
		return err
	}
	if d.Conn == nil {
		warnOnOpen(db.Logger, d.Config)
	}
	return nil
}

// Connector checks c (Validate) and opens its database as a database/sql
// connector, in any mode, for code that uses database/sql without GORM
// (sqlc, hand-written queries): sql.OpenDB(connector). It is what the
// dialector opens, with the same driver and behaviour (decoding, errors,
// timeouts, a replica's routing and sync). It implements io.Closer, which
// sql.DB.Close calls: that closes the local file, or the HTTP
// connections, or the embedded replica with its background sync and sync
// forwarder. Conn must be empty. With no GORM logger to use, the warning of
// a token sent unencrypted and a replica's failed background syncs are
// logged through GORM's default logger (logger.Default, standard output).
// On a replica, ExecContext(ctx, "sync") syncs, as db.Exec("sync") does
// with GORM.
func (c Config) Connector() (sqldriver.Connector, error) {
	if c.Conn != nil {
		return nil, errors.New("libsql: Config.Conn is a pool already; Connector opens one from the other fields")
	}
	connector, err := c.connector(logger.Default)
	if err != nil {
		return nil, err
	}
	warnOnOpen(logger.Default, c)
	return connector, nil
}

// warnOnOpen logs what Open has to warn of about c, once per process for
// each server and logger: a tenant manager opens a pool per tenant, all on
// one server. Its callers are the frames GORM's logger skips, up to the
// application's call.
func warnOnOpen(log logger.Interface, c Config) {
	w := c.cleartextTokenWarning()
	if w == "" || log == nil {
		return
	}
	key := warnedKey{warning: w}
	if reflect.TypeOf(log).Comparable() {
		key.log = log
	}
	if _, warned := warnedOnOpen.LoadOrStore(key, true); !warned {
		log.Warn(context.Background(), "%s", w)
	}
}

// warnedOnOpen holds the warnedKey of each warning warnOnOpen logged.
var warnedOnOpen sync.Map

// warnedKey is a warning (it names the server) and the logger it went to,
// when the logger can be a map key: a warning that went to one the
// application silenced (logger.Discard) still reaches its others.
type warnedKey struct {
	warning string
	log     logger.Interface
}
