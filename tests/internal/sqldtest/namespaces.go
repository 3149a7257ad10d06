package sqldtest

import (
	"crypto/ed25519"
	"net/http"
	"os"
	"strconv"
	"testing"

	"github.com/gorm-libsql/libsql/internal/sqldjwt"
	"github.com/stretchr/testify/require"
)

// Options are the server's optional features.
type Options struct {
	// Namespaces starts sqld with namespaces and its admin API on a second
	// loopback port (AdminURL). Every database is then a namespace, reached
	// through the Host header <namespace>.localhost; the server has no
	// default database.
	Namespaces bool
	// MaxActiveNamespaces, when set with Namespaces, is how many
	// namespaces sqld keeps loaded (its default is 100), so that tests
	// can make it swap them with a few.
	MaxActiveNamespaces int
	// JWTKeyFile, when set, is the public key sqld checks tokens with
	// (--auth-jwt-key-file), instead of the server's own key: Token's
	// tokens are then refused.
	JWTKeyFile string
}

// pickAdminPort chooses the admin API's port when namespaces are on.
func (s *Server) pickAdminPort() error {
	if !s.opts.Namespaces {
		return nil
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	s.AdminAddr = "127.0.0.1:" + strconv.Itoa(port)
	s.AdminURL = "http://" + s.AdminAddr
	return nil
}

func (s *Server) extraArgs() []string {
	if !s.opts.Namespaces {
		return nil
	}
	args := []string{"--enable-namespaces", "--admin-listen-addr", s.AdminAddr}
	if s.opts.MaxActiveNamespaces > 0 {
		args = append(args, "--max-active-namespaces", strconv.Itoa(s.opts.MaxActiveNamespaces))
	}
	return args
}

// adminReady reports whether the admin API answers, when there is one.
func (s *Server) adminReady() bool {
	if !s.opts.Namespaces {
		return true
	}
	resp, err := http.Get(s.AdminURL + "/v1/diagnostics")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Signer is an Ed25519 JWT key of its own, for a namespace created with
// its own key (sqld's jwt_key), which refuses the server's tokens.
type Signer struct{ s *Server }

// NewSigner generates a key.
func NewSigner() Signer {
	_, priv, _ := ed25519.GenerateKey(nil)
	return Signer{&Server{priv: priv}}
}

// PublicKey is the key as sqld's jwt_key takes it: the raw public key in
// URL-safe base64.
func (k Signer) PublicKey() string {
	return sqldjwt.PublicKeyBase64(k.s.priv.Public().(ed25519.PublicKey))
}

// Token returns a read-write token signed by the key, valid for an hour.
func (k Signer) Token() string { return k.s.Token() }

// StartFor starts a server with opts for one test, stopped when it ends.
// Without sqld the test skips, except under CI, where it fails.
func StartFor(t testing.TB, opts Options) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	s, err := StartWith(bin, opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}
