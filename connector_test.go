package libsql

import (
	"database/sql"
	"io"
	"testing"

	"github.com/gorm-libsql/libsql/internal/hranatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConnectorRemote(t *testing.T) {
	srv, trusted := hranatest.NewTLS(t, okReply, false)
	connector, err := Config{URL: srv.URL, AuthToken: "T", TLSConfig: trusted}.Connector()
	require.NoError(t, err)
	require.Implements(t, (*io.Closer)(nil), connector)
	db := sql.OpenDB(connector)
	_, err = db.Exec("INSERT INTO t VALUES (?)", 1)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	require.NotEmpty(t, srv.Pipelines())
	p := srv.Pipelines()[0]
	assert.Equal(t, "Bearer T", p.Authorization)
	assert.Equal(t, []string{"INSERT INTO t VALUES (?)"}, p.SQL())
}

func TestConnectorRefuses(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no database":             {},
		"setting of another mode": {URL: "libsql://db.example.com", BusyTimeout: 1},
		"a pool already":          {Conn: &sql.DB{}},
	} {
		_, err := cfg.Connector()
		assert.Error(t, err, name)
	}
}
