package tests

import (
	"database/sql"
	"io"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// database/sql without GORM, on sqld.
func TestConnectorRemote(t *testing.T) {
	emptyServer(t)
	srv := sqldtest.Require(t, server)
	proxy := sqldtest.NewProxy(t, srv.URL)
	connector, err := libsql.Config{URL: proxy.URL(), AuthToken: srv.Token()}.Connector()
	require.NoError(t, err)
	require.Implements(t, (*io.Closer)(nil), connector)
	db := sql.OpenDB(connector)
	defer db.Close()
	_, err = db.Exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
	require.NoError(t, err)
	before := proxy.Requests()
	res, err := db.Exec("INSERT INTO notes (text) VALUES (?)", "hello")
	require.NoError(t, err)
	assert.Equal(t, before+1, proxy.Requests(), "one request for one statement")
	id, err := res.LastInsertId()
	require.NoError(t, err)
	var text string
	require.NoError(t, db.QueryRow("SELECT text FROM notes WHERE id = ?", id).Scan(&text))
	assert.Equal(t, "hello", text)

	bad, err := libsql.Config{URL: srv.URL, AuthToken: "wrong"}.Connector()
	require.NoError(t, err, "Connector sends nothing")
	badDB := sql.OpenDB(bad)
	defer badDB.Close()
	assert.ErrorIs(t, badDB.Ping(), libsql.ErrAuthFailed)
}
