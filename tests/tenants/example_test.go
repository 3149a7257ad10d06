package tenants

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runExample builds examples/tenants as a user would run it and returns
// what it prints with args (and env added to the environment).
func runExample(t *testing.T, env []string, args ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tenants")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/gorm-libsql/libsql/examples/tenants").CombinedOutput()
	require.NoError(t, err, string(out))
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	return string(out)
}

// checkExampleOutput checks what the example prints: each tenant migrated
// once, sees only its rows, and nothing is left.
func checkExampleOutput(t *testing.T, out string) {
	t.Helper()
	assert.Contains(t, out, "acme     1: acme customer 1\n")
	assert.Contains(t, out, "globex   2: globex customer 1, globex customer 2\n")
	assert.Contains(t, out, "initech  3: initech customer 1, initech customer 2, initech customer 3\n")
	assert.Equal(t, 3, bytes.Count([]byte(out), []byte("ok, 2 DDL statements")))
	assert.Equal(t, 3, bytes.Count([]byte(out), []byte("ok, 0 DDL statements")))
	assert.Contains(t, out, "3 tenants, 0 changed\n")
	assert.Contains(t, out, "dropped; 0 tenants left\n")
}

func TestExampleSQLDNamespaces(t *testing.T) {
	srv := sqldtest.Require(t, server)
	out := runExample(t, []string{"TURSO_AUTH_TOKEN=" + srv.Token()}, "-url", srv.URL, "-admin", srv.AdminURL)
	checkExampleOutput(t, out)
}

func TestExampleSQLDReplicas(t *testing.T) {
	srv := sqldtest.Require(t, server)
	dir := t.TempDir()
	out := runExample(t, []string{"TURSO_AUTH_TOKEN=" + srv.Token()}, "-url", srv.URL, "-admin", srv.AdminURL, "-replica", "-dir", dir)
	checkExampleOutput(t, out)
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, left, "Drop deleted every replica file")
}
