package libsql

import (
	sqldriver "database/sql/driver"
	"errors"
	"fmt"

	"github.com/gorm-libsql/libsql/internal/hrana"
)

// ErrAuthFailed is matched (errors.Is) by errors caused by the server
// refusing the auth token: missing, wrong or expired. The token itself never
// appears in an error.
var ErrAuthFailed = hrana.ErrAuth

// ErrServerUnreachable is matched (errors.Is) by errors caused by a server
// that could not be reached or did not answer.
var ErrServerUnreachable = hrana.ErrUnreachable

// MinEncryptionKeyLen is the shortest EncryptionKey accepted.
const MinEncryptionKeyLen = 32

// validate refuses combinations of settings that cannot work, before
// anything is opened or written.
func (c Config) validate(mode Mode) error {
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
