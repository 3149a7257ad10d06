package tests

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// TestTokenExample follows the README: examples/token writes a key pair and
// prints a token, sqld starts with the public key it wrote, and the tokens
// it prints are accepted, run after run, read-only ones only for reading.
func TestTokenExample(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "token")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/gorm-libsql/libsql/examples/token").CombinedOutput()
	require.NoError(t, err, string(out))
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, stderr.String())
		return strings.TrimSpace(string(out))
	}
	token := run()
	srv := sqldtest.StartFor(t, sqldtest.Options{JWTKeyFile: filepath.Join(dir, "jwt.pem")})

	db := open(t, libsql.Config{URL: srv.URL, AuthToken: token}, nil)
	require.NoError(t, db.Exec("CREATE TABLE visits (id integer)").Error)
	// The second run reads the key the first one made.
	db = open(t, libsql.Config{URL: srv.URL, AuthToken: run("-ttl", "0")}, nil)
	require.NoError(t, db.Exec("INSERT INTO visits VALUES (1)").Error)

	ro := open(t, libsql.Config{URL: srv.URL, AuthToken: run("-ro")}, nil)
	var n int
	require.NoError(t, ro.Raw("SELECT count(*) FROM visits").Scan(&n).Error)
	assert.Equal(t, 1, n)
	err = ro.Exec("INSERT INTO visits VALUES (2)").Error
	assert.ErrorIs(t, err, libsql.ErrAuthFailed)
	assert.ErrorContains(t, err, "Write permission")

	// A token of another key, here the test server's own, is refused.
	_, err = gorm.Open(libsql.New(libsql.Config{URL: srv.URL, AuthToken: srv.Token()}), &gorm.Config{Logger: logger.Discard})
	assert.ErrorIs(t, err, libsql.ErrAuthFailed)
}
