package suite

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

type txRow struct {
	ID   uint
	Name string `gorm:"uniqueIndex"`
}

func txNames(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var names []string
	require.NoError(t, db.Model(&txRow{}).Order("name").Pluck("name", &names).Error)
	return names
}

func init() {
	register("Transactions/CommitRollback", func(t *testing.T, env Env) {
		db := migrate(t, env, &txRow{})
		require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
			return tx.Create(&txRow{Name: "kept"}).Error
		}))
		boom := errors.New("boom")
		err := db.Transaction(func(tx *gorm.DB) error {
			require.NoError(t, tx.Create(&txRow{Name: "undone"}).Error)
			return boom
		})
		assert.ErrorIs(t, err, boom)
		assert.Equal(t, []string{"kept"}, txNames(t, db))

		// A panic rolls back too, and the panic goes on to the caller.
		assert.Panics(t, func() {
			_ = db.Transaction(func(tx *gorm.DB) error {
				require.NoError(t, tx.Create(&txRow{Name: "panicked"}).Error)
				panic("in tx")
			})
		})
		assert.Equal(t, []string{"kept"}, txNames(t, db))

		tx := db.Begin()
		require.NoError(t, tx.Error)
		require.NoError(t, tx.Create(&txRow{Name: "manual"}).Error)
		require.NoError(t, tx.Commit().Error)
		assert.Equal(t, []string{"kept", "manual"}, txNames(t, db))
		assert.Error(t, tx.Commit().Error, "a second commit is an error")
	})

	register("Transactions/Nested", func(t *testing.T, env Env) {
		db := migrate(t, env, &txRow{})
		inner := errors.New("inner")
		err := db.Transaction(func(tx *gorm.DB) error {
			require.NoError(t, tx.Create(&txRow{Name: "outer"}).Error)
			err := tx.Transaction(func(tx2 *gorm.DB) error {
				require.NoError(t, tx2.Create(&txRow{Name: "inner-undone"}).Error)
				return inner
			})
			require.ErrorIs(t, err, inner)
			require.NoError(t, tx.Transaction(func(tx2 *gorm.DB) error {
				if err := tx2.Create(&txRow{Name: "inner-kept"}).Error; err != nil {
					return err
				}
				return tx2.Transaction(func(tx3 *gorm.DB) error {
					return tx3.Create(&txRow{Name: "innermost"}).Error
				})
			}))
			// A failed statement inside a nested transaction is reported,
			// and undoing it leaves the outer transaction usable.
			err = tx.Transaction(func(tx2 *gorm.DB) error {
				return tx2.Create(&txRow{Name: "outer"}).Error
			})
			require.ErrorIs(t, err, gorm.ErrDuplicatedKey)
			return tx.Create(&txRow{Name: "after"}).Error
		})
		require.NoError(t, err)
		assert.Equal(t, []string{"after", "inner-kept", "innermost", "outer"}, txNames(t, db))

		// The outer rollback takes the committed nested work with it.
		err = db.Transaction(func(tx *gorm.DB) error {
			require.NoError(t, tx.Transaction(func(tx2 *gorm.DB) error {
				return tx2.Create(&txRow{Name: "gone"}).Error
			}))
			return inner
		})
		require.ErrorIs(t, err, inner)
		assert.NotContains(t, txNames(t, db), "gone")
	})

	register("Transactions/SavePoints", func(t *testing.T, env Env) {
		db := migrate(t, env, &txRow{})
		tx := db.Begin()
		require.NoError(t, tx.Error)
		defer tx.Rollback()
		require.NoError(t, tx.Create(&txRow{Name: "a"}).Error)
		require.NoError(t, tx.SavePoint("sp1").Error)
		require.NoError(t, tx.Create(&txRow{Name: "b"}).Error)
		require.NoError(t, tx.SavePoint("sp 2").Error, "names are quoted")
		require.NoError(t, tx.Create(&txRow{Name: "c"}).Error)
		require.NoError(t, tx.RollbackTo("sp 2").Error)
		assert.Equal(t, []string{"a", "b"}, txNames(t, tx))
		require.NoError(t, tx.RollbackTo("sp1").Error)
		assert.Equal(t, []string{"a"}, txNames(t, tx))

		// Errors are reported, not swallowed, and reported once.
		err := tx.Session(&gorm.Session{}).RollbackTo("missing").Error
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no such savepoint: missing")
		assert.Equal(t, 1, strings.Count(err.Error(), "no such savepoint"), err.Error())

		require.NoError(t, tx.Create(&txRow{Name: "d"}).Error)
		require.NoError(t, tx.Commit().Error)
		assert.Equal(t, []string{"a", "d"}, txNames(t, db))
	})

	register("Transactions/StatementErrors", func(t *testing.T, env Env) {
		db := migrate(t, env, &txRow{})
		require.NoError(t, db.Create(&txRow{Name: "x"}).Error)
		// A failed statement does not end the transaction: later work commits.
		err := db.Transaction(func(tx *gorm.DB) error {
			assert.ErrorIs(t, tx.Create(&txRow{Name: "x"}).Error, gorm.ErrDuplicatedKey)
			assert.Error(t, tx.Exec("INSERT INTO no_such_table VALUES (1)").Error)
			return tx.Create(&txRow{Name: "y"}).Error
		})
		require.NoError(t, err)
		assert.Equal(t, []string{"x", "y"}, txNames(t, db))
	})
}
