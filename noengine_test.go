//go:build !(cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64)))

package libsql_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// A build without the libSQL engine refuses local databases and embedded
// replicas at Open with ErrNeedsCgo, says what to do, and creates nothing.
// Replicas name a primary nobody listens on: the refusal comes first.
func TestLocalModesNeedCgo(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]gorm.Dialector{
		"local file":       libsql.New(libsql.Config{Database: filepath.Join(dir, "a.db")}),
		"local DSN":        libsql.Open("file:" + filepath.Join(dir, "b.db") + "?busy_timeout=5s"),
		"memory":           libsql.Open(":memory:"),
		"encrypted":        libsql.New(libsql.Config{Database: filepath.Join(dir, "c.db"), EncryptionKey: "0123456789abcdef0123456789abcdef"}),
		"embedded replica": libsql.New(libsql.Config{Database: filepath.Join(dir, "d.db"), URL: "http://127.0.0.1:1", AuthToken: "t"}),
	}
	for name, d := range cases {
		_, err := gorm.Open(d, &gorm.Config{Logger: logger.Discard})
		require.ErrorIs(t, err, libsql.ErrNeedsCgo, name)
		for _, says := range []string{"cgo", "CGO_ENABLED=1", "C compiler", "remote mode", "linux/amd64"} {
			assert.Contains(t, err.Error(), says, name)
		}
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing is created")
}
