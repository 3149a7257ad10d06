package libsql

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// One defaults table: 0 is the default, negative turns the cache off.
func TestStatementCacheSizeOff(t *testing.T) {
	for size, want := range map[int]int{-1: 0, 0: 64, 10: 10} {
		opts, err := Config{Database: "x.db", StatementCacheSize: size}.localOptions()
		require.NoError(t, err)
		assert.Equal(t, want, opts.StatementCacheSize, size)
	}
}

func TestValidateRefusesWhatWouldBeIgnored(t *testing.T) {
	remote := Config{URL: "http://127.0.0.1:1", AuthToken: "t"}
	cases := map[string]struct {
		cfg  Config
		mode Mode
	}{
		"NUL byte":                    {Config{Database: "a\x00b.db"}, ModeLocal},
		"uses only the first 32":      {Config{Database: "a.db", EncryptionKey: strings.Repeat("k", 64)}, ModeLocal},
		"ReadOnly applies":            {Config{URL: remote.URL, ReadOnly: true}, ModeRemote},
		"DisableForeignKeys applies":  {Config{URL: remote.URL, DisableForeignKeys: true}, ModeRemote},
		"Pragmas applies":             {Config{URL: remote.URL, Pragmas: []string{"x=1"}}, ModeRemote},
		"JournalMode applies":         {Config{URL: remote.URL, JournalMode: "WAL"}, ModeRemote},
		"BusyTimeout applies":         {Config{URL: remote.URL, BusyTimeout: 1}, ModeRemote},
		"StatementCacheSize applies":  {Config{URL: remote.URL, StatementCacheSize: -1}, ModeRemote},
		"names only a local database": {Config{Database: "a.db", Namespace: "acme"}, ModeLocal},
		`Namespace "Acme": byte 'A'`:  {Config{URL: remote.URL, Namespace: "Acme"}, ModeRemote},
	}
	for want, c := range cases {
		t.Run(want, func(t *testing.T) {
			assert.ErrorContains(t, c.cfg.validate(c.mode), want)
			assert.ErrorContains(t, c.cfg.Validate(), want, "the public check says the same")
		})
	}
	assert.NoError(t, Config{Database: "a.db", EncryptionKey: strings.Repeat("k", 32)}.validate(ModeLocal))
	assert.NoError(t, remote.validate(ModeRemote))
	assert.NoError(t, Config{URL: remote.URL, Namespace: "acme"}.validate(ModeRemote))
}

func TestValidate(t *testing.T) {
	assert.ErrorContains(t, Config{}.Validate(), "names no database")
	assert.ErrorContains(t, Config{URL: "http://127.0.0.1:1", ConnectTimeout: -1}.Validate(), "ConnectTimeout")
	assert.ErrorContains(t, Config{Database: "a.db", JournalMode: "nope"}.Validate(), "JournalMode")
	assert.ErrorContains(t, Config{Database: "a.db", URL: "http://127.0.0.1:1", Namespace: "-x"}.Validate(), "Namespace")
	assert.NoError(t, Config{Database: "a.db", URL: "http://127.0.0.1:1", Namespace: "acme"}.Validate())
}

// A remote connection to a namespace names it in the Host header.
func TestNamespaceHost(t *testing.T) {
	hosts := make(chan string, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hosts <- r.Host
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	_, err = gorm.Open(New(Config{URL: srv.URL, Namespace: "acme"}), &gorm.Config{Logger: logger.Discard})
	require.Error(t, err)
	assert.Equal(t, "acme."+u.Host, <-hosts)
}

// A key of the wrong length gets the length wanted and a way to make one,
// whether it is short or long.
func TestEncryptionKeyLength(t *testing.T) {
	for _, n := range []int{5, 31, 33, 64} {
		err := Config{Database: "a.db", EncryptionKey: strings.Repeat("k", n)}.Validate()
		require.Error(t, err, n)
		assert.Contains(t, err.Error(), fmt.Sprintf("EncryptionKey is %d bytes; it must be exactly 32 bytes", n))
		assert.Contains(t, err.Error(), "`openssl rand -base64 24` prints a random key of 32 characters")
	}
	// The advice holds: 24 random bytes are 32 characters of base64.
	assert.Equal(t, MinEncryptionKeyLen, base64.StdEncoding.EncodedLen(24))
	assert.NoError(t, Config{Database: "a.db", EncryptionKey: strings.Repeat("k", 32)}.Validate())
}
