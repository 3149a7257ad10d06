//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A second name of a file in WAL mode is refused with the reason, not
// with SQLite's disk I/O error; by its first name the file opens as long
// as it is its only name.
func TestHardLinkRefusedInWAL(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	ca, err := NewConnector(DefaultOptions(a))
	require.NoError(t, err)
	db := sql.OpenDB(ca)
	defer db.Close()
	_, err = db.Exec("CREATE TABLE t (x)")
	require.NoError(t, err)
	require.NoError(t, os.Link(a, b))

	_, err = NewConnector(DefaultOptions(b))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "libsql: open "+b+": the file has 2 names (hard links)")
	assert.NotContains(t, err.Error(), "disk I/O")

	// A new connection by the first name is refused too: the link count
	// is checked on every open.
	db.SetMaxIdleConns(0)
	_, err = db.Exec("INSERT INTO t VALUES (1)")
	assert.ErrorContains(t, err, "has 2 names")

	// Read-only sets no journal mode; the file's header says WAL.
	ro := DefaultOptions(b)
	ro.ReadOnly, ro.JournalMode = true, ""
	_, err = NewConnector(ro)
	assert.ErrorContains(t, err, "has 2 names")

	require.NoError(t, os.Remove(b))
	_, err = db.Exec("INSERT INTO t VALUES (1)")
	assert.NoError(t, err, "one name again")
}

// Outside WAL mode a file with two names opens: its -journal exists only
// while a write runs (after a crash, only the name that wrote it finds it;
// the README says so).
func TestHardLinkOpensInRollbackMode(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	opts := DefaultOptions(a)
	opts.JournalMode = "DELETE"
	c, err := NewConnector(opts)
	require.NoError(t, err)
	require.NoError(t, c.Close())
	require.NoError(t, os.Link(a, b))
	opts.Path = b
	c, err = NewConnector(opts)
	require.NoError(t, err)
	require.NoError(t, c.Close())
}
