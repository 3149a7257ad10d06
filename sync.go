package libsql

import (
	"context"
	"time"

	"github.com/gorm-libsql/libsql/internal/replica"
	"gorm.io/gorm"
)

// Synced is what one sync of an embedded replica pulled.
type Synced struct {
	// FrameNo is the replica's frame number after the sync.
	FrameNo int
	// FramesSynced is how many frames the sync applied.
	FramesSynced int
}

// SyncStatus is the outcome of an embedded replica's last sync, background
// or on demand.
type SyncStatus struct {
	// LastSync is when the last successful sync ended; zero before any.
	LastSync time.Time
	// FrameNo is the frame number the last successful sync reached.
	FrameNo int
	// LastError is the error of the last sync if it failed, else nil.
	LastError error
	// LastAttempt is when the last sync, successful or not, ended.
	LastAttempt time.Time
}

// Sync pulls new frames from the primary into an embedded replica, bounded
// by ctx (by RequestTimeout when ctx has no deadline). When ctx ends first,
// Sync returns and the pull is cut (see the README's "Sync"). The same
// happens for db.Exec("sync"), whose RowsAffected is the frames synced. On
// a database that is not an embedded replica it returns ErrNotReplica.
func Sync(ctx context.Context, db *gorm.DB) (Synced, error) {
	r, err := replicaOf(db)
	if err != nil {
		return Synced{}, err
	}
	s, err := r.Sync(ctx)
	// The replica layer's types have the same fields: a conversion stops
	// compiling if they drift apart.
	return Synced(s), err
}

// LastSync reports the outcome of an embedded replica's last sync. Failed
// background syncs are also logged through GORM's logger.
func LastSync(db *gorm.DB) (SyncStatus, error) {
	r, err := replicaOf(db)
	if err != nil {
		return SyncStatus{}, err
	}
	return SyncStatus(r.Status()), nil
}

func replicaOf(db *gorm.DB) (*replica.Replica, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, ErrNotReplica
	}
	if r := replica.Of(sqlDB); r != nil {
		return r, nil
	}
	return nil, ErrNotReplica
}

// registerSyncCallback makes db.Exec("sync") fail clearly on a database that
// is not a replica; on a replica the driver runs the sync.
func registerSyncCallback(db *gorm.DB) error {
	return db.Callback().Raw().Before("gorm:raw").Register("libsql:sync", func(tx *gorm.DB) {
		if tx.Error != nil || !replica.IsSync(tx.Statement.SQL.String()) {
			return
		}
		if _, err := replicaOf(tx); err != nil {
			tx.AddError(err)
		}
	})
}
