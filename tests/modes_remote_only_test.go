//go:build !(cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64)))

package tests

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// serverModes are the modes the tests run against sqld. This build has no
// libSQL engine (CGO_ENABLED=0), so only remote mode runs; an embedded
// replica refuses to open (TestReplicaNeedsCgo).
var serverModes = []string{"remote"}

// Without the engine an embedded replica fails at Open with ErrNeedsCgo,
// before it sends the primary a request or creates its file.
func TestReplicaNeedsCgo(t *testing.T) {
	srv := sqldtest.Require(t, server)
	proxy := sqldtest.NewProxy(t, srv.URL)
	path := filepath.Join(t.TempDir(), "replica.db")
	_, err := gorm.Open(libsql.New(libsql.Config{URL: proxy.URL(), AuthToken: srv.Token(), Database: path}), &gorm.Config{})
	require.ErrorIs(t, err, libsql.ErrNeedsCgo)
	assert.Zero(t, proxy.Requests(), "no request reaches the primary: %v", proxy.Paths())
	_, statErr := os.Stat(path)
	assert.ErrorIs(t, statErr, os.ErrNotExist, "the replica file is not created")

	// The same server works in remote mode from this binary.
	db := open(t, libsql.Config{URL: proxy.URL(), AuthToken: srv.Token()}, nil)
	var one int
	require.NoError(t, db.Raw("SELECT 1").Scan(&one).Error)
	assert.Equal(t, 1, one)
}
