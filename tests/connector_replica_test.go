//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package tests

import (
	"context"
	"database/sql"
	"testing"

	"github.com/gorm-libsql/libsql/internal/replica"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An embedded replica through database/sql, without GORM: reads are local,
// "sync" syncs, and closing the pool closes the replica.
func TestConnectorReplica(t *testing.T) {
	emptyServer(t)
	srv := sqldtest.Require(t, server)
	proxy := sqldtest.NewProxy(t, srv.URL)
	connector, err := replicaConfig(t, proxy.URL()).Connector()
	require.NoError(t, err)
	db := sql.OpenDB(connector)
	_, err = db.Exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
	require.NoError(t, err)
	_, err = db.Exec("INSERT INTO notes (text) VALUES (?)", "hello")
	require.NoError(t, err)

	before := proxy.Requests()
	var text string
	require.NoError(t, db.QueryRow("SELECT text FROM notes").Scan(&text), "read your writes")
	assert.Equal(t, "hello", text)
	assert.Equal(t, before, proxy.Requests(), "a read is local")
	_, err = db.ExecContext(context.Background(), "sync")
	require.NoError(t, err)

	r := replica.Of(db)
	require.NotNil(t, r)
	require.NoError(t, db.Close())
	_, err = r.Sync(context.Background())
	assert.ErrorIs(t, err, replica.ErrClosed, "sql.DB.Close closed the replica, its sync forwarder with it")
}
