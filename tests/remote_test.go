package tests

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

type note struct {
	ID   uint
	Text string
}

func TestRemoteAuthFailures(t *testing.T) {
	srv := sqldtest.Require(t, server)
	for name, token := range map[string]string{
		"missing": "",
		"foreign": sqldtest.ForeignToken(),
		"expired": srv.TokenExpiring(time.Now().Add(-time.Hour)),
	} {
		for _, mode := range serverModes {
			replica := ""
			if mode == "replica" {
				replica = filepath.Join(t.TempDir(), "replica.db")
			}
			_, err := gorm.Open(libsql.New(libsql.Config{URL: srv.URL, AuthToken: token, Database: replica}), &gorm.Config{})
			require.Error(t, err, name)
			assert.ErrorIs(t, err, libsql.ErrAuthFailed, name)
			assert.Contains(t, err.Error(), "authentication failed", name)
			if token != "" {
				assert.NotContains(t, err.Error(), token, name)
			}
		}
	}
}

func TestRemoteTransactions(t *testing.T) {
	emptyServer(t)
	db := open(t, remoteConfig(t), nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		return tx.Create(&note{Text: "kept"}).Error
	}))
	boom := errors.New("boom")
	require.ErrorIs(t, db.Transaction(func(tx *gorm.DB) error {
		require.NoError(t, tx.Create(&note{Text: "dropped"}).Error)
		return boom
	}), boom)
	var texts []string
	require.NoError(t, db.Model(&note{}).Order("id").Pluck("text", &texts).Error)
	assert.Equal(t, []string{"kept"}, texts)
}

func TestRemoteRequestCounts(t *testing.T) {
	emptyServer(t)
	srv := sqldtest.Require(t, server)
	proxy := sqldtest.NewProxy(t, srv.URL)
	db := open(t, libsql.Config{URL: proxy.URL(), AuthToken: srv.Token()}, nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	before := proxy.Requests()
	require.NoError(t, db.Create(&note{Text: "a"}).Error)
	assert.Equal(t, int64(1), proxy.Requests()-before, "Create runs one statement, so no BEGIN/COMMIT: %v", proxy.Paths())
	before = proxy.Requests()
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error { return tx.Create(&note{Text: "b"}).Error }))
	assert.Equal(t, int64(2), proxy.Requests()-before, "BEGIN+INSERT in one request, COMMIT in one: %v", proxy.Paths())
	before = proxy.Requests()
	var n note
	require.NoError(t, db.First(&n).Error)
	assert.Equal(t, int64(1), proxy.Requests()-before)
}

func TestRemoteIdleStreamExpiry(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 15s for the server to expire the stream")
	}
	emptyServer(t)
	db := open(t, remoteConfig(t), nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	require.NoError(t, db.Create(&note{Text: "before"}).Error)
	time.Sleep(15 * time.Second)
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error)
	assert.Equal(t, int64(1), n)
}

func TestRemoteServerDown(t *testing.T) {
	emptyServer(t)
	srv := sqldtest.Require(t, server)
	db := open(t, remoteConfig(t), nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	srv.Stop()
	t.Cleanup(func() { require.NoError(t, srv.Resume()) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	err := db.WithContext(ctx).Create(&note{Text: "x"}).Error
	require.Error(t, err)
	assert.ErrorIs(t, err, libsql.ErrServerUnreachable)
	assert.Less(t, time.Since(start), 3*time.Second)
	require.NoError(t, srv.Resume())
	require.NoError(t, db.Create(&note{Text: "y"}).Error)
	assert.False(t, strings.Contains(err.Error(), srv.Token()))
}
