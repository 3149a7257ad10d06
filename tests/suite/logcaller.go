package suite

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tests/internal/logtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

type logOwner struct {
	ID    uint
	Name  string
	Pets  []logPet `gorm:"foreignKey:OwnerID"`
	Score int
}

type logPet struct {
	ID      uint
	OwnerID uint
	Name    string
}

func init() {
	register("LogLinesNameTheCaller", testLogLinesNameTheCaller)
}

// No log line of a GORM program's usual calls names a file of the dialect
// (its callbacks, migrator, batches, sync): GORM's logger names this
// file's line of each call, as it does on GORM's own drivers.
func testLogLinesNameTheCaller(t *testing.T, env Env) {
	log, out := logtest.New(logger.Info)
	db := env.OpenWith(t, &gorm.Config{TranslateError: true, Logger: log})
	ctx := context.Background()
	require.NoError(t, db.AutoMigrate(&logOwner{}, &logPet{}))
	owner := logOwner{Name: "a", Pets: []logPet{{Name: "p"}}}
	require.NoError(t, db.Create(&owner).Error)
	require.NoError(t, db.CreateInBatches([]logOwner{{Name: "b"}, {Name: "c"}, {Name: "d"}}, 2).Error)
	require.NoError(t, db.Model(&owner).Update("score", 3).Error)
	owner.Name = "A"
	require.NoError(t, db.Save(&owner).Error)
	var found []logOwner
	require.NoError(t, db.Preload("Pets").Where("score >= ?", 0).Find(&found).Error)
	var n int64
	require.NoError(t, db.Model(&logOwner{}).Count(&n).Error)
	var names []string
	require.NoError(t, db.Model(&logOwner{}).Pluck("name", &names).Error)
	require.NoError(t, db.Model(&owner).Association("Pets").Append(&logPet{Name: "q"}))
	require.NoError(t, db.FindInBatches(&found, 2, func(*gorm.DB, int) error { return nil }).Error)
	rows, err := db.Model(&logOwner{}).Rows()
	require.NoError(t, err)
	require.NoError(t, rows.Close())
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("name = ?", "b").Delete(&logOwner{}).Error; err != nil {
			return err
		}
		// A nested transaction is a savepoint; this one rolls back.
		_ = tx.Transaction(func(nested *gorm.DB) error {
			nested.Create(&logOwner{Name: "gone"})
			return errors.New("roll back to the savepoint")
		})
		tx.SavePoint("sp")
		tx.Create(&logOwner{Name: "gone too"})
		return tx.RollbackTo("sp").Error
	}))
	_, err = libsql.Batch(ctx, db, func(b *gorm.DB) error {
		b.Create(&logPet{OwnerID: owner.ID, Name: "r"})
		return b.Exec("UPDATE log_owners SET score = score + 1").Error
	})
	require.NoError(t, err)
	require.NoError(t, db.Migrator().DropColumn(&logOwner{}, "score"))
	if env.Mode == "replica" {
		require.NoError(t, db.Exec("sync").Error)
		_, err = libsql.Sync(ctx, db)
		require.NoError(t, err)
	}

	_, self, _, _ := runtime.Caller(0)
	entries := out.Entries()
	for _, e := range entries {
		assert.True(t, strings.HasPrefix(e.Caller, self+":"), "%q names %q", e.Text, e.Caller)
	}
	assert.Greater(t, len(entries), 20, "log lines checked")
}
