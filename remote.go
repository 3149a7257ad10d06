package libsql

import (
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/gorm-libsql/libsql/internal/hrana"
)

// MinEncryptionKeyLen is the shortest EncryptionKey accepted.
const MinEncryptionKeyLen = 32

// MaxEncryptionKeyLen is the longest EncryptionKey accepted: libSQL reads
// only this many bytes of a key.
const MaxEncryptionKeyLen = 32

// localOnlyField names the first field set that only a local connection
// can apply, or "".
func (c Config) localOnlyField() string {
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"ReadOnly", c.ReadOnly},
		{"DisableForeignKeys", c.DisableForeignKeys},
		{"Pragmas", len(c.Pragmas) > 0},
		{"JournalMode", c.JournalMode != ""},
		{"Synchronous", c.Synchronous != ""},
		{"BusyTimeout", c.BusyTimeout != 0},
		{"StatementCacheSize", c.StatementCacheSize != 0},
	} {
		if f.set {
			return f.name
		}
	}
	return ""
}

// validate refuses combinations of settings that cannot work, before
// anything is opened or written.
func (c Config) validate(mode Mode) error {
	if strings.IndexByte(c.Database, 0) >= 0 {
		return errors.New("libsql: Database holds a NUL byte; SQLite would read the path only up to it and open another file")
	}
	if len(c.EncryptionKey) > MaxEncryptionKeyLen {
		return fmt.Errorf("libsql: EncryptionKey is %d bytes; libSQL uses only the first %d, so keys that differ after that would open the same file: give at most %d bytes",
			len(c.EncryptionKey), MaxEncryptionKeyLen, MaxEncryptionKeyLen)
	}
	if mode == ModeRemote {
		if field := c.localOnlyField(); field != "" {
			return fmt.Errorf("libsql: %s applies to local files and embedded replicas, not to a remote database (the server owns those settings); remove it", field)
		}
	}
	if c.EncryptionKey != "" {
		if mode == ModeRemote {
			return errors.New("libsql: EncryptionKey encrypts a local file, but this config names only a remote database; remove EncryptionKey, or set Database too for an encrypted embedded replica")
		}
		if len(c.EncryptionKey) < MinEncryptionKeyLen {
			return fmt.Errorf("libsql: EncryptionKey is %d bytes; it must be at least %d", len(c.EncryptionKey), MinEncryptionKeyLen)
		}
	}
	if mode != ModeLocal {
		if _, err := hrana.BaseURL(c.URL); err != nil {
			return err
		}
	}
	if mode != ModeEmbeddedReplica {
		if c.SyncInterval != 0 {
			return fmt.Errorf("libsql: SyncInterval applies to embedded replicas (Database and URL set), not to a %s database", mode)
		}
		if c.ReadYourWrites != nil {
			return fmt.Errorf("libsql: ReadYourWrites applies to embedded replicas (Database and URL set), not to a %s database", mode)
		}
	}
	if c.SyncInterval < 0 {
		return fmt.Errorf("libsql: SyncInterval %s is negative", c.SyncInterval)
	}
	return nil
}

func (c Config) remoteConnector() (sqldriver.Connector, error) {
	limits, err := c.limits()
	if err != nil {
		return nil, err
	}
	return hrana.NewConnector(hrana.Options{URL: c.URL, AuthToken: c.AuthToken, TxLock: c.TxLock, Limits: limits})
}
