package libsql

import (
	"crypto/tls"
	"testing"

	"github.com/gorm-libsql/libsql/internal/hranatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// openTLS opens the fake server at url with tlsConfig, pinging it once,
// and runs one statement.
func openTLS(t *testing.T, url string, tlsConfig *tls.Config) error {
	db, err := gorm.Open(New(Config{URL: url, AuthToken: "T", TLSConfig: tlsConfig}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return err
	}
	sqlDB, err := db.DB()
	require.NoError(t, err)
	defer sqlDB.Close()
	return db.Exec("INSERT INTO t VALUES (1)").Error
}

func okReply(p hranatest.Pipeline) hranatest.Reply {
	return hranatest.OK(p, hranatest.Baton("b"), "")
}

func TestTLSConfigRootCAs(t *testing.T) {
	srv, trusted := hranatest.NewTLS(t, okReply, false)
	before := trusted.Clone()

	require.NoError(t, openTLS(t, srv.URL, trusted), "trusted through RootCAs")
	assert.NotEmpty(t, srv.Pipelines())
	assert.Equal(t, before.NextProtos, trusted.NextProtos, "the caller's config is not changed")
	assert.Equal(t, before.RootCAs, trusted.RootCAs)

	err := openTLS(t, srv.URL, nil)
	require.Error(t, err, "without RootCAs the server's certificate is not trusted")
	assert.ErrorIs(t, err, ErrServerUnreachable)
	assert.Contains(t, err.Error(), "Config.TLSConfig.RootCAs")
}

func TestTLSConfigClientCertificate(t *testing.T) {
	srv, trusted := hranatest.NewTLS(t, okReply, true)
	require.NoError(t, openTLS(t, srv.URL, trusted), "with the client certificate")

	noCert := trusted.Clone()
	noCert.Certificates = nil
	err := openTLS(t, srv.URL, noCert)
	require.Error(t, err, "the server requires a client certificate")
	assert.ErrorIs(t, err, ErrServerUnreachable)
	// In TLS 1.3 the server refuses the certificate after the client's
	// handshake is done: the client sees its alert (and the error names
	// Config.TLSConfig.Certificates) unless HTTP/2 reports only that its
	// connection could not be established.
}

func TestTLSConfigNeedsTLS(t *testing.T) {
	for name, cfg := range map[string]Config{
		"local":      {Database: "app.db", TLSConfig: &tls.Config{}},
		"plain HTTP": {URL: "http://127.0.0.1:8080", TLSConfig: &tls.Config{}},
	} {
		err := cfg.Validate()
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "TLSConfig", name)
	}
	assert.NoError(t, Config{URL: "libsql://db.example.com", TLSConfig: &tls.Config{}}.Validate())
}
