//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package tests

import (
	"context"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// TestBatchReplicaSyncFails: a batch the primary applied but the replica
// could not sync afterwards says so (ErrWriteNotSynced), and still fills
// in its results and ids: running it again would apply it twice.
func TestBatchReplicaSyncFails(t *testing.T) {
	emptyServer(t)
	srv := sqldtest.Require(t, server)
	p := sqldtest.NewProxy(t, srv.URL)
	db := open(t, replicaConfig(t, p.URL()), nil)
	require.NoError(t, db.AutoMigrate(&batchItem{}))
	p.Refuse("/wal_log")
	item := batchItem{Name: "applied"}
	results, err := libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
		return b.Create(&item).Error
	})
	require.ErrorIs(t, err, libsql.ErrWriteNotSynced)
	require.Len(t, results, 1)
	assert.Equal(t, int64(1), results[0].RowsAffected)
	assert.NotZero(t, item.ID)
	var n int64
	require.NoError(t, open(t, remoteConfig(t), nil).Model(&batchItem{}).Count(&n).Error)
	assert.Equal(t, int64(1), n, "the primary has the batch")
}
