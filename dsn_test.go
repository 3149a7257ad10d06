package libsql_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDSN(t *testing.T) {
	off := false
	cases := []struct {
		dsn  string
		want libsql.Config
		mode libsql.Mode
	}{
		{"app.db", libsql.Config{Database: "app.db"}, libsql.ModeLocal},
		{"  /var/data/app.db\n", libsql.Config{Database: "/var/data/app.db"}, libsql.ModeLocal},
		{":memory:", libsql.Config{Database: ":memory:"}, libsql.ModeLocal},
		{"file:app.db", libsql.Config{Database: "file:app.db"}, libsql.ModeLocal},
		{"file:app.db?busy_timeout=2500", libsql.Config{Database: "file:app.db", BusyTimeout: 2500 * time.Millisecond}, libsql.ModeLocal},
		{"app.db?busy_timeout=5s&journal_mode=wal&synchronous=full&foreign_keys=off&tx_lock=deferred&statement_cache_size=16&encryption_key=k%26y-32-bytes-long-key-for-a-file",
			libsql.Config{Database: "app.db", BusyTimeout: 5 * time.Second, JournalMode: "wal", Synchronous: "full",
				DisableForeignKeys: true, TxLock: "deferred", StatementCacheSize: 16, EncryptionKey: "k&y-32-bytes-long-key-for-a-file"}, libsql.ModeLocal},
		// mattn/go-sqlite3's spellings are accepted, so DSNs carry over.
		{"app.db?_busy_timeout=100&_journal_mode=DELETE&_foreign_keys=1&_txlock=exclusive",
			libsql.Config{Database: "app.db", BusyTimeout: 100 * time.Millisecond, JournalMode: "DELETE", TxLock: "exclusive"}, libsql.ModeLocal},
		// SQLite's own URI parameters are passed on in a file: URI.
		{"app.db?mode=ro&cache=shared", libsql.Config{Database: "file:app.db?cache=shared&mode=ro"}, libsql.ModeLocal},
		{"file:app.db?immutable=1&busy_timeout=1s", libsql.Config{Database: "file:app.db?immutable=1", BusyTimeout: time.Second}, libsql.ModeLocal},
		// An empty pair, a name without a value, + and escapes in values.
		{"app.db?&journal_mode=delete&&tx_lock", libsql.Config{Database: "app.db", JournalMode: "delete"}, libsql.ModeLocal},
		{"libsql://db.example.com?auth_token=a+b%2Bc%25", libsql.Config{URL: "libsql://db.example.com", AuthToken: "a b+c%"}, libsql.ModeRemote},
		{"libsql://db.example.com?tx_lock=deferred", libsql.Config{URL: "libsql://db.example.com", TxLock: "deferred"}, libsql.ModeRemote},
		{"libsql://db.example.com?authToken=TOKEN", libsql.Config{URL: "libsql://db.example.com", AuthToken: "TOKEN"}, libsql.ModeRemote},
		{"https://db.example.com:8443/?auth_token=T", libsql.Config{URL: "https://db.example.com:8443/", AuthToken: "T"}, libsql.ModeRemote},
		{"http://127.0.0.1:8080", libsql.Config{URL: "http://127.0.0.1:8080"}, libsql.ModeRemote},
		{"http://127.0.0.1:8080?authToken=T&namespace=acme", libsql.Config{URL: "http://127.0.0.1:8080", AuthToken: "T", Namespace: "acme"}, libsql.ModeRemote},
		{"libsql://db.example.com?authToken=T&replica=local.db&sync_interval=1m&read_your_writes=off&busy_timeout=3s",
			libsql.Config{URL: "libsql://db.example.com", AuthToken: "T", Database: "local.db", SyncInterval: time.Minute,
				ReadYourWrites: &off, BusyTimeout: 3 * time.Second}, libsql.ModeEmbeddedReplica},
	}
	for _, tc := range cases {
		t.Run(tc.dsn, func(t *testing.T) {
			got, err := libsql.ParseDSN(tc.dsn)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			mode, err := got.Mode()
			require.NoError(t, err)
			assert.Equal(t, tc.mode, mode)
		})
	}
}

func TestParseDSNErrors(t *testing.T) {
	cases := map[string]string{
		"":                                 "empty DSN",
		"   ":                              "empty DSN",
		"ftp://host/db":                    `unknown URL scheme "ftp"`,
		"app.db?busy_timeout=soon":         `busy_timeout="soon"`,
		"app.db?busy_timeout=-5s":          `BusyTimeout -5s is negative`,
		"app.db?foreign_keys=maybe":        `foreign_keys="maybe": want on or off`,
		"app.db?statement_cache_size=many": `statement_cache_size="many"`,
		"app.db?journal_mode=fast":         `unknown JournalMode "fast" (want WAL`,
		"app.db?synchronous=sometimes":     `unknown Synchronous "sometimes" (want OFF`,
		"app.db?tx_lock=optimistic":        `unknown transaction lock "optimistic" (want IMMEDIATE`,
		"app.db?encryption_key=short":      `EncryptionKey is 5 bytes`,
		"libsql://db.example.com?encryption_key=" + strings.Repeat("k", 32): "this config names only a remote database",
		"libsql://db.example.com?journal_mode=wal":                          "JournalMode applies to local files",
		"app.db?cache_size=10":                                              `unknown DSN parameter "cache_size"`,
		"app.db?%zz":                                                        "parameter's name is not valid URL encoding",
		"app.db?a;b=1":                                                      "parameter's name is not valid URL encoding",
		"app.db?journal_mode=wal;busy_timeout=1":                            "DSN parameter journal_mode: the value is not valid URL encoding",
		"libsql://db.example.com?sync_interval=x":                           `sync_interval="x"`,
		"libsql://db.example.com?read_your_writes=2":                        `read_your_writes="2"`,
		// A parameter given twice, under one spelling or two, has no winner.
		"app.db?busy_timeout=1&busy_timeout=2":                                  "DSN parameter busy_timeout is given twice; give it once",
		"libsql://db.example.com?authToken=a&auth_token=b":                      "DSN parameters authToken and auth_token are two spellings of authToken; give one",
		"libsql://db.example.com?replica=a.db&syncInterval=1s&sync_interval=2s": "syncInterval and sync_interval are two spellings of sync_interval",
		"app.db?mode=ro&mode=rw":                                                "DSN parameter mode is given twice",
		// Typos get the nearest name; what other drivers say, how to say it here.
		"app.db?busy_timout=5s":                                `unknown DSN parameter "busy_timout"; did you mean busy_timeout?`,
		"libsql://db.example.com?authtoken=T":                  "did you mean authToken?",
		"libsql://db.example.com?replica=a.db&syncinterval=1m": "did you mean syncInterval?",
		"app.db?vfz=unix":                                      "did you mean vfs?",
		"libsql://db.example.com?tls=0":                        `unknown DSN parameter "tls": here the URL's scheme chooses TLS: libsql:// and https:// use it, http:// does not`,
		"app.db?_pragma=foreign_keys(1)":                       "write the pragma as its own parameter, foreign_keys=VALUE",
		"app.db?_pragma=busy_timeout%285000%29":                "busy_timeout=VALUE",
		"app.db?_pragma=cache_size(-2000)":                     "set other pragmas in Config.Pragmas",
		// A parameter of the other form.
		"app.db?authToken=T":              "authToken applies to a remote database or an embedded replica, which a libsql://",
		"libsql://db.example.com?mode=ro": "mode applies to a local file",
	}
	for dsn, want := range cases {
		t.Run(dsn, func(t *testing.T) {
			_, err := libsql.ParseDSN(dsn)
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
			assert.Contains(t, err.Error(), "libsql: ")
		})
	}

	// A URL that does not parse is reported without the URL, which may
	// carry a token.
	_, err := libsql.ParseDSN("libsql://db.example.com/%zz?authToken=SECRET")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SECRET")

	// A secret that is not valid URL encoding, or holds what ends a pair
	// or the URL, is refused (url.ParseQuery would drop the pair, leaving
	// no token), and the error does not repeat it.
	for _, dsn := range []string{
		"libsql://db.example.com?authToken=SECRET%zz",
		"libsql://db.example.com?remoteEncryptionKey=SECRET%2",
		"libsql://db.example.com?authToken=SECRET;MORE",
		"libsql://db.example.com?authToken=SECRET#MORE",
		"app.db?encryption_key=SECRET%zzSECRET-SECRET-SECRET-SECRET",
		"app.db?SECRET%zz",
		"app.db?_pragma=key(SECRET)",
	} {
		t.Run(dsn, func(t *testing.T) {
			_, err := libsql.ParseDSN(dsn)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "SECRET")
			assert.NotContains(t, err.Error(), "MORE")
		})
	}
}

func TestConfigMode(t *testing.T) {
	_, err := libsql.Config{}.Mode()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "names no database")
	assert.Equal(t, "local", libsql.ModeLocal.String())
	assert.Equal(t, "remote", libsql.ModeRemote.String())
	assert.Equal(t, "embedded replica", libsql.ModeEmbeddedReplica.String())
	assert.Equal(t, "unknown", libsql.Mode(0).String())
}

// A token pasted without its name is not repeated in the error.
func TestParseDSNUnknownValueNotRepeated(t *testing.T) {
	const token = "eyJhbGciOiJFZERTQSJ9.eyJpYXQiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
	for _, dsn := range []string{"libsql://db.example.com?" + token, "libsql://db.example.com?authToken=x&" + token} {
		_, err := libsql.ParseDSN(dsn)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "eyJ")
		assert.Contains(t, err.Error(), "no known name")
	}
}
