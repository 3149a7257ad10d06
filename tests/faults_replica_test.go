//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package tests

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// TestFaultReplicaPrimaryBlackHoled: with the primary silent, local reads
// go on, writes and syncs fail within their deadline; once healed, both
// work again.
func TestFaultReplicaPrimaryBlackHoled(t *testing.T) {
	t.Parallel()
	srv := sqldtest.Own(t)
	proxy := sqldtest.NewProxy(t, srv.URL)
	cfg := libsql.Config{Database: filepath.Join(t.TempDir(), "r.db"), URL: proxy.URL(), AuthToken: srv.Token(), RequestTimeout: 2 * time.Second}
	db := open(t, cfg, nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	require.NoError(t, db.Create(&note{Text: "before"}).Error)

	proxy.BlackHole(true)
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error, "reads keep working")
	assert.Equal(t, int64(1), n)
	start := time.Now()
	err := db.Create(&note{Text: "while silent"}).Error
	took := time.Since(start)
	require.Error(t, err)
	assert.ErrorIs(t, err, libsql.ErrServerUnreachable)
	assert.Less(t, took, 6*time.Second, "the write fails within its deadline")
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	start = time.Now()
	_, err = libsql.SyncContext(ctx, db)
	cancel()
	require.Error(t, err)
	assert.Less(t, time.Since(start), 3*time.Second)
	t.Logf("black-holed: write failed after %s: %v", took, err)

	proxy.BlackHole(false)
	healed := time.Now()
	var werr error
	require.Eventually(t, func() bool {
		werr = db.Create(&note{Text: "after"}).Error
		return werr == nil
	}, 30*time.Second, 100*time.Millisecond, "a write after healing: %v", werr)
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = libsql.SyncContext(ctx, db)
	require.NoError(t, err)
	t.Logf("recovered %s after healing", time.Since(healed))
	var texts []string
	require.NoError(t, db.Model(&note{}).Order("id").Pluck("text", &texts).Error)
	assert.Contains(t, texts, "after")
	assert.Contains(t, texts, "before")
}

// TestFaultReplicaOpenWithPrimaryDown: a replica whose file holds data
// opens and serves reads while the primary is down; a new one fails
// clearly, in bounded time, naming the cause.
func TestFaultReplicaOpenWithPrimaryDown(t *testing.T) {
	t.Parallel()
	srv := sqldtest.Own(t)
	proxy := sqldtest.NewProxy(t, srv.URL)
	cfg := libsql.Config{Database: filepath.Join(t.TempDir(), "r.db"), URL: proxy.URL(), AuthToken: srv.Token(), RequestTimeout: 2 * time.Second}
	db, err := gorm.Open(libsql.Open(cfg), &gorm.Config{})
	require.NoError(t, err)
	require.NoError(t, db.AutoMigrate(&note{}))
	require.NoError(t, db.Create(&note{Text: "synced"}).Error)
	sqlDB, _ := db.DB()
	require.NoError(t, sqlDB.Close())

	proxy.BlackHole(true)
	start := time.Now()
	db = open(t, cfg, nil)
	t.Logf("reopened with the primary black-holed in %s", time.Since(start))
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error)
	assert.Equal(t, int64(1), n, "reads are served from the file")

	fresh := cfg
	fresh.Database = filepath.Join(t.TempDir(), "new.db")
	start = time.Now()
	_, err = gorm.Open(libsql.Open(fresh), &gorm.Config{})
	require.Error(t, err)
	assert.ErrorIs(t, err, libsql.ErrServerUnreachable)
	assert.Contains(t, err.Error(), "primary must be reachable")
	assert.Less(t, time.Since(start), 10*time.Second)
	proxy.BlackHole(false)
}
