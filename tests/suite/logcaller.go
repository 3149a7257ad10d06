package suite

import (
	"bytes"
	"context"
	"log"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/gorm-libsql/libsql"
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

// lockedBuffer is a log writer a replica's background sync may write to
// from its own goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func init() {
	register("LogLinesNameTheCaller", testLogLinesNameTheCaller)
}

// No log line of a GORM program's usual calls names a file of the dialect
// (its callbacks, migrator, batches, sync): GORM's logger names this
// file's line of each call, as it does on GORM's own drivers.
func testLogLinesNameTheCaller(t *testing.T, env Env) {
	var out lockedBuffer
	db := env.OpenWith(t, &gorm.Config{TranslateError: true, Logger: logger.New(log.New(&out, "", 0), logger.Config{LogLevel: logger.Info})})
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
		return tx.Where("name = ?", "b").Delete(&logOwner{}).Error
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
	out.mu.Lock()
	lines := strings.Split(out.buf.String(), "\n")
	out.mu.Unlock()
	checked := 0
	for i, l := range lines[1:] {
		if !strings.HasPrefix(l, "[") {
			continue
		}
		checked++
		assert.True(t, strings.HasPrefix(lines[i], self+":"), "%q names %q", l, lines[i])
	}
	assert.Greater(t, checked, 20, "log lines checked")
}
