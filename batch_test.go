//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"context"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

type preparedRow struct {
	ID   uint
	Name string
}

// A pool of prepared statements is GORM's own wrapper around the pool: a
// batch goes around it to one connection, and the pool keeps working.
func TestBatchWithPreparedStatements(t *testing.T) {
	db := openLocal(t, &gorm.Config{PrepareStmt: true})
	require.NoError(t, db.AutoMigrate(&preparedRow{}))
	rows := []preparedRow{{Name: "a"}, {Name: "b"}}
	_, err := libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
		return b.Create(&rows).Error
	})
	require.NoError(t, err)
	assert.NotZero(t, rows[1].ID)
	var got []preparedRow
	require.NoError(t, db.Order("id").Find(&got).Error)
	assert.Equal(t, rows, got)
}
