package suite

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"
)

// GORM's promise: a Create, Update or Delete that returns an error leaves
// nothing written, whatever callbacks the program or its plugins add. The
// dialect skips GORM's default transaction only where that cannot change.

type auditEntry struct {
	ID   uint
	What string
}

var errCallback = errors.New("callback refused")

// commit is GORM's last write callback. A callback registered only After
// another one is sorted after it, outside GORM's transaction even on GORM's
// own terms; callbacks that mean to be part of the write say Before(commit).
const commit = "gorm:commit_or_rollback_transaction"

// failAfter registers on each write processor a callback after the write
// that records an audit row (a second statement) and then fails.
func failAfter(t *testing.T, db *gorm.DB) {
	t.Helper()
	fail := func(tx *gorm.DB) {
		if tx.Error != nil || tx.Statement.Table != "tx_rows" {
			return
		}
		if err := tx.Session(&gorm.Session{NewDB: true}).Create(&auditEntry{What: "wrote"}).Error; err != nil {
			_ = tx.AddError(err)
			return
		}
		_ = tx.AddError(errCallback)
	}
	require.NoError(t, db.Callback().Create().After("gorm:create").Before(commit).Register("test:fail_after_create", fail))
	require.NoError(t, db.Callback().Update().After("gorm:update").Before(commit).Register("test:fail_after_update", fail))
	require.NoError(t, db.Callback().Delete().After("gorm:delete").Before(commit).Register("test:fail_after_delete", fail))
}

// assertFailedWritesLeftNothing adds failAfter's callbacks, runs a Create,
// Update and Delete that they fail, and checks that neither their rows nor
// the callbacks' audit rows stay.
func assertFailedWritesLeftNothing(t *testing.T, db *gorm.DB) {
	t.Helper()
	require.NoError(t, db.Create(&txRow{Name: "existing"}).Error)
	failAfter(t, db)

	assert.ErrorIs(t, db.Create(&txRow{Name: "created"}).Error, errCallback)
	assert.ErrorIs(t, db.Model(&txRow{}).Where("name = ?", "existing").Update("name", "updated").Error, errCallback)
	assert.ErrorIs(t, db.Where("name = ?", "existing").Delete(&txRow{}).Error, errCallback)
	assert.ErrorIs(t, db.Create(&[]txRow{{Name: "b1"}, {Name: "b2"}}).Error, errCallback)

	assert.Equal(t, []string{"existing"}, txNames(t, db))
	assert.Zero(t, count(t, db, &auditEntry{}), "the callback's own write must be rolled back too")
}

func init() {
	register("DefaultTransaction/FailingCallbackLeavesNothing", func(t *testing.T, env Env) {
		assertFailedWritesLeftNothing(t, migrate(t, env, &txRow{}, &auditEntry{}))
	})

	register("DefaultTransaction/CallbackThatWritesCommitsWithTheWrite", func(t *testing.T, env Env) {
		db := migrate(t, env, &txRow{}, &auditEntry{})
		require.NoError(t, db.Callback().Create().After("gorm:create").Before(commit).Register("test:audit", func(tx *gorm.DB) {
			if tx.Error == nil && tx.Statement.Table == "tx_rows" {
				_ = tx.AddError(tx.Session(&gorm.Session{NewDB: true}).Create(&auditEntry{What: "created"}).Error)
			}
		}))
		require.NoError(t, db.Create(&txRow{Name: "a"}).Error)
		assert.Equal(t, int64(1), count(t, db, &auditEntry{}))

		// The audit write fails (duplicate id): the row it audits goes too.
		require.NoError(t, db.Callback().Create().After("gorm:create").Before("test:audit").Register("test:clash", func(tx *gorm.DB) {
			if tx.Error == nil && tx.Statement.Table == "tx_rows" {
				_ = tx.AddError(tx.Session(&gorm.Session{NewDB: true}).Create(&auditEntry{ID: 1, What: "clash"}).Error)
			}
		}))
		assert.Error(t, db.Create(&txRow{Name: "b"}).Error)
		assert.Equal(t, []string{"a"}, txNames(t, db))
	})

	register("DefaultTransaction/DBResolver", func(t *testing.T, env Env) {
		db := migrate(t, env, &txRow{}, &auditEntry{})
		require.NoError(t, db.Use(dbresolver.Register(dbresolver.Config{})))
		require.NoError(t, db.Create(&txRow{Name: "via resolver"}).Error)
		assert.Equal(t, []string{"via resolver"}, txNames(t, db))
		require.NoError(t, db.Where("name = ?", "via resolver").Delete(&txRow{}).Error)
		assertFailedWritesLeftNothing(t, db)
	})

	register("DefaultTransaction/CreateBatchSize", func(t *testing.T, env Env) {
		db := migrate(t, env, &txRow{})
		batched := db.Session(&gorm.Session{CreateBatchSize: 2})
		rows := []txRow{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}, {Name: "a"}}
		assert.ErrorIs(t, batched.Create(&rows).Error, gorm.ErrDuplicatedKey)
		assert.Empty(t, txNames(t, db), "a failed batch must undo the batches before it")

		require.NoError(t, batched.Create(&[]txRow{{Name: "x"}, {Name: "y"}, {Name: "z"}}).Error)
		assert.Equal(t, []string{"x", "y", "z"}, txNames(t, db))
	})
}

func init() {
	register("Raw/TrailingComment", func(t *testing.T, env Env) {
		db := env.Open(t)
		for _, sql := range []string{"SELECT 1; -- note", "SELECT 1 -- note", "SELECT 1; /* a */ ;\n-- b\n"} {
			var n int
			require.NoError(t, db.Raw(sql).Scan(&n).Error, sql)
			assert.Equal(t, 1, n, sql)
		}
	})
}
