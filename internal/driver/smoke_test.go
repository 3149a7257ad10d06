//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSmoke(t *testing.T) {
	c, err := NewConnector(DefaultOptions(filepath.Join(t.TempDir(), "a.db")))
	require.NoError(t, err)
	db := sql.OpenDB(c)
	defer db.Close()
	_, err = db.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT, at DATETIME, b BLOB); CREATE INDEX ti ON t(s)")
	require.NoError(t, err)
	now := time.Now()
	res, err := db.Exec("INSERT INTO t(s, at, b) VALUES (?, ?, ?)", "2024-01-01", now, []byte{})
	require.NoError(t, err)
	id, _ := res.LastInsertId()
	n, _ := res.RowsAffected()
	require.Equal(t, int64(1), id)
	require.Equal(t, int64(1), n)
	var s string
	var at time.Time
	var b []byte
	require.NoError(t, db.QueryRow("SELECT s, at, b FROM t WHERE id = ?", id).Scan(&s, &at, &b))
	require.Equal(t, "2024-01-01", s)
	require.True(t, at.Equal(now), "%v %v", at, now)
	require.NotNil(t, b)
	require.Len(t, b, 0)
}
