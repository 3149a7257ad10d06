package libsql_test

// Batch tests that need no engine: they run with CGO_ENABLED=0 too.

import (
	"context"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"gorm.io/gorm"
)

func TestBatchNeedsThisDialect(t *testing.T) {
	_, err := libsql.Batch(context.Background(), &gorm.DB{Config: &gorm.Config{}}, func(*gorm.DB) error { return nil })
	assert.ErrorContains(t, err, "libsql dialect")
}
