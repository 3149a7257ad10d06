package libsql

import (
	"context"
	sqldriver "database/sql/driver"
	"errors"
	"strings"

	"github.com/gorm-libsql/libsql/internal/driver"
	"github.com/gorm-libsql/libsql/internal/replica"
	"gorm.io/gorm/logger"
)

// replicaConnector opens the embedded replica; failed background syncs are
// reported through the GORM logger.
func (c Config) replicaConnector(log logger.Interface) (sqldriver.Connector, error) {
	if driver.IsMemory(c.Database) || strings.HasPrefix(c.Database, "file:") {
		return nil, errors.New("libsql: an embedded replica's Database must be a file path (not :memory: or a file: URI)")
	}
	opts, err := c.localOptions()
	if err != nil {
		return nil, err
	}
	if !driver.Linked {
		// Refused here, before replica.Open asks the primary anything.
		return nil, ErrNeedsCgo
	}
	limits, err := c.limits()
	if err != nil {
		return nil, err
	}
	r, err := replica.Open(replica.Options{
		Local:          opts,
		URL:            c.URL,
		AuthToken:      c.AuthToken,
		ReadYourWrites: c.ReadYourWrites == nil || *c.ReadYourWrites,
		SyncInterval:   c.SyncInterval,
		Limits:         limits,
		OnSyncError: func(err error) {
			if log != nil {
				log.Error(context.Background(), "libsql: background sync failed: %v", err)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	return replica.NewConnector(r), nil
}
