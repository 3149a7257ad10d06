//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

type localEntry struct {
	ID     uint
	Worker int
	Seq    int
}

type localParent struct {
	ID uint
}

type localChild struct {
	ID            uint
	LocalParentID uint
	LocalParent   localParent
}

// endless yields rows until interrupted: proof that cancellation stops a
// running statement, since nothing else would end it.
const endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "

func openConfig(t testing.TB, cfg libsql.Config) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(libsql.New(cfg), &gorm.Config{TranslateError: true, Logger: logger.Discard})
	require.NoError(t, err)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	t.Cleanup(func() { sqlDB.Close() })
	return db
}

// TestLocalMemorySharedByPool: ":memory:" is one database for every
// connection of the pool, and it outlives idle connections.
func TestLocalMemorySharedByPool(t *testing.T) {
	db := openConfig(t, libsql.Config{Database: ":memory:"})
	sqlDB, err := db.DB()
	require.NoError(t, err)
	sqlDB.SetMaxOpenConns(4)
	require.NoError(t, db.AutoMigrate(&localEntry{}))

	// Four connections open at once: each writes, each sees all the rows.
	ctx := context.Background()
	var conns []*sql.Conn
	for i := 0; i < 4; i++ {
		c, err := sqlDB.Conn(ctx)
		require.NoError(t, err)
		conns = append(conns, c)
	}
	for i, c := range conns {
		_, err := c.ExecContext(ctx, "INSERT INTO local_entries (worker) VALUES (?)", i)
		require.NoError(t, err, "connection %d sees the table", i)
	}
	for i, c := range conns {
		var n int
		require.NoError(t, c.QueryRowContext(ctx, "SELECT count(*) FROM local_entries").Scan(&n))
		assert.Equal(t, 4, n, "connection %d sees every connection's rows", i)
		require.NoError(t, c.Close())
	}

	// Concurrent writers through the pool share the same database.
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				assert.NoError(t, db.Create(&localEntry{Worker: w, Seq: i}).Error)
			}
		}(w)
	}
	wg.Wait()

	sqlDB.SetMaxIdleConns(0) // every pooled connection closes after use
	var n int64
	require.NoError(t, db.Model(&localEntry{}).Count(&n).Error)
	require.NoError(t, db.Model(&localEntry{}).Count(&n).Error)
	assert.Equal(t, int64(104), n, "the data outlives idle connections")

	// Each Open of ":memory:" is its own database.
	other := openConfig(t, libsql.Config{Database: ":memory:"})
	assert.False(t, other.Migrator().HasTable(&localEntry{}))
}

func TestLocalForeignKeysOnEveryConnection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fk.db")
	db := openConfig(t, libsql.Config{Database: path})
	require.NoError(t, db.AutoMigrate(&localParent{}, &localChild{}))
	sqlDB, err := db.DB()
	require.NoError(t, err)
	sqlDB.SetMaxOpenConns(4)

	ctx := context.Background()
	for i := 0; i < 4; i++ {
		c, err := sqlDB.Conn(ctx)
		require.NoError(t, err)
		defer c.Close()
		var on int
		require.NoError(t, c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&on))
		assert.Equal(t, 1, on, "connection %d", i)
		_, err = c.ExecContext(ctx, "INSERT INTO local_children (local_parent_id) VALUES (?)", 999)
		assert.ErrorIs(t, db.Dialector.(gorm.ErrorTranslator).Translate(err), gorm.ErrForeignKeyViolated, "connection %d", i)
	}

	off := openConfig(t, libsql.Config{Database: path, DisableForeignKeys: true})
	var on int
	require.NoError(t, off.Raw("PRAGMA foreign_keys").Scan(&on).Error)
	assert.Zero(t, on)
	require.NoError(t, off.Create(&localChild{LocalParentID: 999}).Error, "enforcement can be turned off")
}

func TestLocalContextCancel(t *testing.T) {
	db := openLocal(t, &gorm.Config{TranslateError: true})
	require.NoError(t, db.AutoMigrate(&localEntry{}))
	sqlDB, err := db.DB()
	require.NoError(t, err)
	sqlDB.SetMaxOpenConns(1) // the interrupted connection is the one reused

	t.Run("before start", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := db.WithContext(ctx).Create(&localEntry{Worker: 1}).Error
		assert.ErrorIs(t, err, context.Canceled)
		err = db.WithContext(ctx).Exec("INSERT INTO local_entries (worker) VALUES (1)").Error
		assert.ErrorIs(t, err, context.Canceled)
		var n int64
		require.NoError(t, db.Model(&localEntry{}).Count(&n).Error)
		assert.Zero(t, n, "nothing was written")

		expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel2()
		err = db.WithContext(expired).First(&localEntry{}).Error
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})

	t.Run("running statement", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		var n int64
		err := db.WithContext(ctx).Raw(endless + "SELECT count(*) FROM c").Scan(&n).Error
		assert.ErrorIs(t, err, context.DeadlineExceeded)

		ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel2()
		err = db.WithContext(ctx2).Exec("INSERT INTO local_entries (seq) " + endless + "SELECT x FROM c").Error
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		require.NoError(t, db.Model(&localEntry{}).Count(&n).Error)
		assert.Zero(t, n, "the interrupted insert wrote nothing")
	})

	t.Run("row iteration", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rows, err := db.WithContext(ctx).Raw(endless + "SELECT x FROM c").Rows()
		require.NoError(t, err)
		defer rows.Close()
		read := 0
		for rows.Next() {
			var x int
			require.NoError(t, rows.Scan(&x))
			read++
			require.Equal(t, read, x)
			if read == 1000 {
				cancel()
			}
		}
		assert.ErrorIs(t, rows.Err(), context.Canceled)
		assert.GreaterOrEqual(t, read, 1000)
	})

	t.Run("busy wait", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "busy.db")
		db := openConfig(t, libsql.Config{Database: path, BusyTimeout: time.Minute})
		require.NoError(t, db.AutoMigrate(&localEntry{}))
		holder := db.Begin()
		require.NoError(t, holder.Error)
		defer holder.Rollback()
		require.NoError(t, holder.Create(&localEntry{}).Error)

		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		// The writer waits for the lock, and its context ends the wait long
		// before the one-minute busy timeout.
		err := db.WithContext(ctx).Create(&localEntry{Worker: 2}).Error
		assert.ErrorIs(t, err, context.DeadlineExceeded)

		// Without a deadline the busy timeout ends the wait.
		short := openConfig(t, libsql.Config{Database: path, BusyTimeout: 30 * time.Millisecond})
		err = short.Create(&localEntry{Worker: 3}).Error
		require.Error(t, err)
		assert.Contains(t, err.Error(), "database is locked")
	})

	// After all that the connection still works.
	require.NoError(t, db.Create(&localEntry{Worker: 9}).Error)
	var e localEntry
	require.NoError(t, db.Where("worker = ?", 9).First(&e).Error)
	assert.NotZero(t, e.ID)
	assert.False(t, errors.Is(db.Error, context.Canceled))
}
