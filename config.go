package libsql

import (
	"crypto/tls"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gorm-libsql/libsql/internal/driver"
	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/internal/hrana"
	"github.com/gorm-libsql/libsql/internal/replica"
	"github.com/gorm-libsql/libsql/internal/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Config selects the database and tunes the connections. The mode follows
// from which fields are set (see Mode).
type Config struct {
	// Database is a local file path, a "file:" URI, or ":memory:". With URL
	// set too, it is the embedded replica's local file.
	Database string
	// URL is the remote database: libsql://, https:// or http://.
	URL string
	// AuthToken authenticates to the remote database.
	AuthToken string
	// EncryptionKey encrypts a local file or replica at rest. It must be
	// exactly 32 bytes, the length libSQL uses; `openssl rand -base64 24`
	// prints a random one.
	EncryptionKey string
	// RemoteEncryptionKey is the key of a database that Turso Cloud keeps
	// encrypted at rest (remote mode and embedded replicas), as Turso
	// gives it (base64). It is sent as the x-turso-encryption-key header of
	// every request to the server and never appears in an error or a log
	// line. It is not EncryptionKey, which encrypts the local file.
	RemoteEncryptionKey string
	// SyncInterval is how often an embedded replica pulls from the primary;
	// 0 syncs only on demand.
	SyncInterval time.Duration
	// ReadYourWrites makes an embedded replica see its own writes at once.
	// Nil means on.
	ReadYourWrites *bool
	// Namespace, with URL, reaches one namespace of a sqld started with
	// --enable-namespaces, in remote mode or as an embedded replica: its
	// requests carry the Host header "<Namespace>.<URL's host>", which sqld
	// routes by its first label, so no name is resolved and a loopback
	// server needs no DNS entry; requests sqld refuses while it swaps the
	// namespace in are resent (it ran nothing of them). An embedded
	// replica syncs through a loopback forwarder that names the namespace
	// (libSQL's sync takes it from the URL's host). A namespace that does
	// not exist fails Open. Names follow the DNS label rules (1-63 bytes of
	// a-z, 0-9 and '-'). Turso databases each have a URL of their own and
	// need no Namespace.
	Namespace string

	// Conn is an existing pool to use instead of opening one, such as a
	// *sql.DB opened on this dialect's driver. Only KeepDefaultTransactions
	// still applies; the fields that open a database are ignored and not
	// checked. The migrator pins one connection per call, so it needs a
	// pool that gorm.DB.DB can return (a *sql.DB, or a gorm.ConnPool that
	// implements gorm.GetDBConnector).
	Conn gorm.ConnPool

	// BusyTimeout bounds how long a statement waits for a lock held by
	// another connection. Default 10s. Like JournalMode, Synchronous,
	// DisableForeignKeys, Pragmas, ReadOnly and StatementCacheSize, it
	// applies to local files and embedded replicas; for a remote database,
	// whose server owns those settings, Validate refuses them. A
	// transaction whose BEGIN sqld refuses as busy (remote mode, and an
	// embedded replica's writes) is sent again for up to 10s, whatever
	// BusyTimeout says.
	BusyTimeout time.Duration
	// JournalMode of a local file. Default "WAL", which lets readers work
	// while a writer commits.
	JournalMode string
	// Synchronous level of local connections. Default "NORMAL", durable in
	// WAL mode except for the last commits before a power loss.
	Synchronous string
	// DisableForeignKeys turns off foreign key enforcement, which is on by
	// default on every connection.
	DisableForeignKeys bool
	// TxLock is how read-write transactions begin: "IMMEDIATE" (default)
	// takes the write lock at BEGIN, so that concurrent writers queue instead
	// of failing with "database is locked"; "DEFERRED" or "EXCLUSIVE".
	TxLock string
	// Pragmas are extra "name=value" settings applied to every connection.
	Pragmas []string
	// ReadOnly opens a local database read-only.
	ReadOnly bool
	// StatementCacheSize is how many compiled statements each connection
	// keeps. Default 64; negative disables the cache.
	StatementCacheSize int
	// KeepDefaultTransactions keeps GORM's per-operation transaction even
	// around writes that run a single statement (no hooks, no associations,
	// no callbacks registered after Open), which the dialect otherwise skips
	// because one statement is atomic on its own.
	KeepDefaultTransactions bool

	// ConnectTimeout bounds opening a connection to the server, TLS
	// handshake included (remote mode and embedded replicas, as for
	// RequestTimeout and MaxResponseBytes). Default 10s.
	ConnectTimeout time.Duration
	// RequestTimeout bounds each request to the server (a statement, a
	// batch, COMMIT) and each sync of an embedded replica, when the
	// context has no deadline of its own; a context deadline replaces it,
	// so pass one for a statement that may run longer. Rows of a read,
	// which stream in, are bounded by it between one row and the next,
	// not as a whole. A request cut short
	// fails with an error matching ErrServerUnreachable that names this
	// setting. Default 60s; negative leaves requests bounded by their
	// context alone.
	RequestTimeout time.Duration
	// MaxResponseBytes caps the size of one reply from the server; a
	// larger one fails with ErrResponseTooLarge instead of filling memory.
	// The rows of a read stream in, so it caps one row there, not the
	// result. Default 64 MiB.
	MaxResponseBytes int64
	// TLSConfig, when set, configures TLS to the server of a libsql:// or
	// https:// URL (remote mode and embedded replicas): RootCAs to trust a
	// server whose certificate this machine's roots do not, Certificates
	// for a server that asks for a client certificate (mTLS). Every
	// connection the dialect makes to the server uses it: statements,
	// a replica's sync, the tenants package's admin API requests. It is
	// cloned, never changed. The connect and request timeouts and the
	// refusal of redirects still apply, which is why there is no hook for
	// a whole *http.Client.
	TLSConfig *tls.Config
}

// Mode is how a Config reaches its database.
type Mode int

// The modes, as chosen by Config.Mode.
const (
	ModeLocal Mode = iota + 1
	ModeRemote
	ModeEmbeddedReplica
)

// String names the mode as the documentation does ("local", "remote", "embedded replica").
func (m Mode) String() string {
	switch m {
	case ModeLocal:
		return "local"
	case ModeRemote:
		return "remote"
	case ModeEmbeddedReplica:
		return "embedded replica"
	}
	return "unknown"
}

// Mode reports the mode the set fields select: Database alone is local, URL
// alone remote, both an embedded replica.
func (c Config) Mode() (Mode, error) {
	switch {
	case c.Database != "" && c.URL == "":
		return ModeLocal, nil
	case c.Database == "" && c.URL != "":
		return ModeRemote, nil
	case c.Database != "" && c.URL != "":
		return ModeEmbeddedReplica, nil
	}
	return 0, errors.New("libsql: config names no database: set Database (a local file or :memory:), URL (a remote database), or both (an embedded replica)")
}

// ConfigFromEnv reads Turso's usual environment variables:
// TURSO_DATABASE_URL (required) and TURSO_AUTH_TOKEN. Set Database on the
// result to make it an embedded replica.
func ConfigFromEnv() (Config, error) {
	url := os.Getenv("TURSO_DATABASE_URL")
	if url == "" {
		return Config{}, errors.New("libsql: TURSO_DATABASE_URL is not set")
	}
	return Config{URL: url, AuthToken: os.Getenv("TURSO_AUTH_TOKEN")}, nil
}

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

// Validate reports the first setting of c that cannot work, alone or with
// the others, with a message that says what to fix: no database named, a
// setting of another mode, a key of the wrong length, an unknown journal
// mode, a negative limit. gorm.Open runs it before anything is opened or
// written; it opens nothing itself.
func (c Config) Validate() error {
	mode, err := c.Mode()
	if err != nil {
		return err
	}
	if err := c.validate(mode); err != nil {
		return err
	}
	if mode != ModeLocal {
		if _, err := c.limits(); err != nil {
			return err
		}
	}
	if _, err := sqlite.TxLock(c.TxLock); err != nil {
		return err
	}
	if mode != ModeRemote {
		_, err = c.localOptions()
	}
	return err
}

// validate refuses combinations of settings that cannot work in mode.
func (c Config) validate(mode Mode) error {
	if strings.IndexByte(c.Database, 0) >= 0 {
		return errors.New("libsql: Database holds a NUL byte; SQLite would read the path only up to it and open another file")
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
		if n := len(c.EncryptionKey); n < MinEncryptionKeyLen || n > MaxEncryptionKeyLen {
			why := ""
			if n > MaxEncryptionKeyLen {
				why = fmt.Sprintf(" (libSQL uses only the first %d, so keys that differ after them would open the same file, and a file written with this key opens with its first %d bytes)", MaxEncryptionKeyLen, MaxEncryptionKeyLen)
			}
			return fmt.Errorf("libsql: EncryptionKey is %d bytes; it must be exactly %d bytes%s. `openssl rand -base64 24` prints a random key of %d characters",
				n, MinEncryptionKeyLen, why, MinEncryptionKeyLen)
		}
	}
	if mode != ModeLocal {
		base, err := hrana.BaseURL(c.URL)
		if err != nil {
			return err
		}
		if c.TLSConfig != nil && !strings.HasPrefix(base, "https:") {
			return errors.New("libsql: TLSConfig is set, but the URL's scheme speaks plain HTTP, without TLS; use libsql:// or https://, or remove TLSConfig")
		}
	} else if c.TLSConfig != nil {
		return errors.New("libsql: TLSConfig applies to the connections to a server (URL set), but this config names only a local file; remove it, or set URL")
	} else if c.RemoteEncryptionKey != "" {
		return errors.New("libsql: RemoteEncryptionKey is the key of a database encrypted on the server, but this config names only a local file; use EncryptionKey to encrypt a local file, or set URL too")
	}
	for _, b := range []byte(c.RemoteEncryptionKey) {
		if b < 0x21 || b > 0x7e {
			return errors.New("libsql: RemoteEncryptionKey holds a space, a control character or a byte outside ASCII; give the key as Turso shows it (base64)")
		}
	}
	if c.Namespace != "" {
		if mode == ModeLocal {
			return errors.New("libsql: Namespace names a namespace of the sqld at URL, but this config names only a local database; remove Namespace, or set URL")
		}
		if err := hrana.CheckNamespace(c.Namespace); err != nil {
			return errmsg.Wrap(err, "libsql: Namespace %q", c.Namespace)
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

// connector checks c and opens the connector of its mode; log gets a
// replica's failed background syncs.
func (c Config) connector(log logger.Interface) (sqldriver.Connector, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	mode, err := c.Mode()
	if err != nil {
		return nil, err
	}
	switch mode {
	case ModeRemote:
		return c.remoteConnector()
	case ModeEmbeddedReplica:
		return c.replicaConnector(log)
	}
	// Validate checked the local options.
	opts, err := c.localOptions()
	if err != nil {
		return nil, err
	}
	return driver.NewConnector(opts)
}

func (c Config) remoteConnector() (sqldriver.Connector, error) {
	limits, err := c.limits()
	if err != nil {
		return nil, err
	}
	opts := hrana.Options{URL: c.URL, AuthToken: c.AuthToken, EncryptionKey: c.RemoteEncryptionKey, TxLock: c.TxLock, Limits: limits}
	if c.Namespace != "" {
		if opts.Host, err = hrana.NamespaceHostOf(c.Namespace, c.URL); err != nil {
			return nil, err
		}
	}
	return hrana.NewConnector(opts)
}

// replicaConnector opens the embedded replica (of Namespace, when set);
// failed background syncs are reported through the GORM logger.
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
		Local:               opts,
		URL:                 c.URL,
		AuthToken:           c.AuthToken,
		RemoteEncryptionKey: c.RemoteEncryptionKey,
		ReadYourWrites:      c.ReadYourWrites == nil || *c.ReadYourWrites,
		SyncInterval:        c.SyncInterval,
		Limits:              limits,
		Namespace:           c.Namespace,
		OnSyncError: func(err error) {
			if log != nil {
				logSyncFailure(log, err)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	return replica.NewConnector(r), nil
}

// limits are the Config's network limits, defaults applied by the client.
// A negative connect timeout or reply size is an error.
func (c Config) limits() (hrana.Limits, error) {
	if c.ConnectTimeout < 0 {
		return hrana.Limits{}, fmt.Errorf("libsql: ConnectTimeout %s is negative", c.ConnectTimeout)
	}
	if c.MaxResponseBytes < 0 {
		return hrana.Limits{}, fmt.Errorf("libsql: MaxResponseBytes %d is negative", c.MaxResponseBytes)
	}
	return hrana.Limits{ConnectTimeout: c.ConnectTimeout, RequestTimeout: c.RequestTimeout, MaxResponseBytes: c.MaxResponseBytes, TLSConfig: c.TLSConfig}, nil
}

// cleartextTokenWarning is the warning to log when the token would cross
// the network unencrypted: http:// (or ws://) to a host that is not
// loopback. It is empty otherwise.
func (c Config) cleartextTokenWarning() string {
	if c.AuthToken == "" {
		return ""
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "ws" {
		return ""
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return ""
	}
	return fmt.Sprintf("libsql: the auth token is sent unencrypted over %s:// to %s; use libsql:// or https:// for a server that is not on this machine", scheme, host)
}
