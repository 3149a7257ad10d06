package libsql

// The file name ends in .gen.go, though nothing generates it. GORM's logger
// names the first caller outside GORM's source and outside files so named
// (gorm.io/gorm/utils.CallerFrame, which has no other way to skip a frame),
// looking 13 frames up. The functions here call GORM, or its logger, on
// their caller's behalf, so that GORM's log lines name the application's
// line and not the library's: Open's warning (Initialize, Connector), the
// savepoints of nested transactions, the association callbacks' saves,
// and a background sync's failure, which has no caller to name. Batch
// (batch.gen.go), the migrator's methods (migrator.gen.go) and
// internal/logcaller do the same. Keep here only such functions; see
// logcaller_test.go and tests/suite/logcaller.go.

import (
	"context"
	sqldriver "database/sql/driver"
	"errors"
	"sync"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Initialize opens the pool and registers GORM's callbacks with the clauses
// libSQL supports, RETURNING included.
func (d *Dialector) Initialize(db *gorm.DB) error {
	// Before the connector: a replica's Open sends the token already.
	if d.dsnErr == nil && d.Conn == nil {
		warnOnOpen(db.Logger, d.Config)
	}
	return d.initialize(db)
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
	warnOnOpen(logger.Default, c)
	return c.connector(logger.Default)
}

// warnOnOpen logs what Open has to warn of about c, once per process for
// each server: a tenant manager opens a pool per tenant, all on one
// server. A warning given to logger.Discard, which the tenant manager's own
// catalog pool uses, does not count.
func warnOnOpen(log logger.Interface, c Config) {
	w := c.cleartextTokenWarning()
	if w == "" || log == nil || log == logger.Discard {
		return
	}
	if _, warned := warnedOnOpen.LoadOrStore(w, true); !warned {
		log.Warn(context.Background(), "%s", w)
	}
}

// warnedOnOpen holds each warning warnOnOpen logged (it names the server).
var warnedOnOpen sync.Map

// SavePoint implements gorm.SavePointerDialectorInterface; unlike the
// SQLite driver it reports failures.
func (d Dialector) SavePoint(tx *gorm.DB, name string) error {
	return tx.Exec("SAVEPOINT " + quoteIdent(name)).Error
}

// RollbackTo implements gorm.SavePointerDialectorInterface.
func (d Dialector) RollbackTo(tx *gorm.DB, name string) error {
	return tx.Exec("ROLLBACK TO SAVEPOINT " + quoteIdent(name)).Error
}

// withAssociations is the callback run for models that have relationships
// only (see savesAssociations).
func withAssociations(run func(*gorm.DB)) func(*gorm.DB) {
	return func(tx *gorm.DB) {
		if s := tx.Statement.Schema; s != nil && savesAssociations(s) {
			run(tx)
		}
	}
}

// logSyncFailure logs a failed background sync through log. GORM's logger
// names the first caller outside GORM's files and *.gen.go files; a
// background sync has no caller of the application, and called from the
// replica's sync loop the line would name a file of this library as if it
// were the place to look. From a goroutine of its own, started here, no
// frame is left but the runtime's.
func logSyncFailure(log logger.Interface, err error) {
	go log.Error(context.Background(), "libsql: background sync failed: %v", err)
}
