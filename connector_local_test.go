//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql

import (
	"database/sql"
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConnectorLocal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	connector, err := Config{Database: path}.Connector()
	require.NoError(t, err)
	require.Implements(t, (*io.Closer)(nil), connector, "sql.DB.Close closes an io.Closer connector")
	db := sql.OpenDB(connector)
	_, err = db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, at DATETIME)")
	require.NoError(t, err)
	var mode string
	require.NoError(t, db.QueryRow("PRAGMA journal_mode").Scan(&mode))
	assert.Equal(t, "wal", mode, "the dialect's defaults apply")
	require.NoError(t, db.Close())

	// A :memory: database lives as long as its connector.
	mem, err := Config{Database: ":memory:"}.Connector()
	require.NoError(t, err)
	db = sql.OpenDB(mem)
	_, err = db.Exec("CREATE TABLE t (id INTEGER)")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	// Closing the pool closed the connector, which let the database go.
	again := sql.OpenDB(mem)
	defer again.Close()
	_, err = again.Exec("SELECT * FROM t")
	assert.ErrorContains(t, err, "no such table", "the connector is closed with its sql.DB")
}
