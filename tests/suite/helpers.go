package suite

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// migrate opens a fresh database and creates the models' tables.
func migrate(t *testing.T, env Env, models ...any) *gorm.DB {
	t.Helper()
	db := env.Open(t)
	require.NoError(t, db.AutoMigrate(models...))
	return db
}

// count returns the rows of model's table, soft-deleted ones included.
func count(t *testing.T, db *gorm.DB, model any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.Unscoped().Model(model).Count(&n).Error)
	return n
}

// dryRun returns the SQL that run would send, without running it.
func dryRun(db *gorm.DB, run func(tx *gorm.DB) *gorm.DB) string {
	return run(db.Session(&gorm.Session{DryRun: true})).Statement.SQL.String()
}
