//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	stdlog "log"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// countingPool counts the transactions GORM begins.
type countingPool struct {
	*sql.DB
	begins atomic.Int64
}

func (p *countingPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	p.begins.Add(1)
	return p.DB.BeginTx(ctx, opts)
}

// GetDBConn implements gorm.GetDBConnector, which the migrator uses to pin
// a connection.
func (p *countingPool) GetDBConn() (*sql.DB, error) { return p.DB, nil }

func openCounting(t *testing.T, cfg libsql.Config) (*gorm.DB, *countingPool) {
	t.Helper()
	base, err := gorm.Open(libsql.New(libsql.Config{Database: filepath.Join(t.TempDir(), "tx.db")}), &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	sqlDB, err := base.DB()
	require.NoError(t, err)
	t.Cleanup(func() { sqlDB.Close() })
	pool := &countingPool{DB: sqlDB}
	cfg.Conn = pool
	db, err := gorm.Open(libsql.New(cfg), &gorm.Config{Logger: logger.Discard, TranslateError: true})
	require.NoError(t, err)
	return db, pool
}

type plainNote struct {
	ID   uint
	Text string `gorm:"unique"`
}

type hookedNote struct {
	ID     uint
	Text   string
	Copies int
}

// AfterCreate writes a second statement inside the create, which must stay
// in GORM's transaction.
func (n *hookedNote) AfterCreate(tx *gorm.DB) error {
	if n.Text == "fail" {
		return errors.New("hook refused")
	}
	return tx.Model(n).Update("copies", 1).Error
}

type noteOwner struct {
	ID    uint
	Notes []ownedNote
}

type ownedNote struct {
	ID          uint
	NoteOwnerID uint
}

func TestSingleStatementWritesSkipTheDefaultTransaction(t *testing.T) {
	db, pool := openCounting(t, libsql.Config{})
	require.NoError(t, db.AutoMigrate(&plainNote{}, &hookedNote{}, &noteOwner{}, &ownedNote{}))
	pool.begins.Store(0)

	n := plainNote{Text: "a"}
	require.NoError(t, db.Create(&n).Error)
	require.NoError(t, db.Model(&n).Update("text", "b").Error)
	require.NoError(t, db.Create(&[]plainNote{{Text: "c"}, {Text: "d"}}).Error)
	require.NoError(t, db.Delete(&n).Error)
	assert.Zero(t, pool.begins.Load(), "one-statement writes began a transaction")

	// A failing single statement still changes nothing.
	err := db.Create(&[]plainNote{{Text: "e"}, {Text: "c"}}).Error
	require.ErrorIs(t, err, gorm.ErrDuplicatedKey)
	var count int64
	require.NoError(t, db.Model(&plainNote{}).Where("text = ?", "e").Count(&count).Error)
	assert.Zero(t, count)

	// Hooks can write more: GORM's transaction stays, and a failing hook
	// rolls the insert back.
	require.NoError(t, db.Create(&hookedNote{Text: "ok"}).Error)
	assert.Equal(t, int64(1), pool.begins.Load())
	require.Error(t, db.Create(&hookedNote{Text: "fail"}).Error)
	assert.Equal(t, int64(2), pool.begins.Load())
	require.NoError(t, db.Model(&hookedNote{}).Where("text = ?", "fail").Count(&count).Error)
	assert.Zero(t, count, "the hook's failure must roll the insert back")

	// Associations are saved by further statements: transaction kept.
	require.NoError(t, db.Create(&noteOwner{Notes: []ownedNote{{}, {}}}).Error)
	assert.Equal(t, int64(3), pool.begins.Load())
}

func TestKeepDefaultTransactions(t *testing.T) {
	db, pool := openCounting(t, libsql.Config{KeepDefaultTransactions: true})
	require.NoError(t, db.AutoMigrate(&plainNote{}))
	pool.begins.Store(0)
	require.NoError(t, db.Create(&plainNote{Text: "a"}).Error)
	assert.Equal(t, int64(1), pool.begins.Load())
}

// A callback added after Open may write more or fail after the statement:
// GORM's transaction comes back for that processor, and only for it.
func TestCallbackAddedAfterOpenKeepsTheDefaultTransaction(t *testing.T) {
	db, pool := openCounting(t, libsql.Config{})
	require.NoError(t, db.AutoMigrate(&plainNote{}))
	pool.begins.Store(0)
	require.NoError(t, db.Create(&plainNote{Text: "a"}).Error)
	assert.Zero(t, pool.begins.Load())

	require.NoError(t, db.Callback().Create().After("gorm:create").Register("test:noop", func(*gorm.DB) {}))
	require.NoError(t, db.Create(&plainNote{Text: "b"}).Error)
	require.NoError(t, db.Create(&plainNote{Text: "c"}).Error)
	assert.Equal(t, int64(2), pool.begins.Load())
	require.NoError(t, db.Model(&plainNote{}).Where("text = ?", "c").Update("text", "d").Error)
	assert.Equal(t, int64(2), pool.begins.Load(), "the update chain is unchanged")
}

// gorm.Open at Info level logs nothing about the dialect's own callbacks.
func TestOpenLogsNoCallbackReplacement(t *testing.T) {
	var buf strings.Builder
	log := logger.New(stdlog.New(&buf, "", 0), logger.Config{LogLevel: logger.Info})
	db, err := gorm.Open(libsql.New(libsql.Config{Database: filepath.Join(t.TempDir(), "log.db")}), &gorm.Config{Logger: log})
	require.NoError(t, err)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	require.NoError(t, sqlDB.Close())
	assert.NotContains(t, buf.String(), "callback")
}

// GORM's transaction is ended only when the statement no longer runs on the
// pool itself: every pool GORM hands a statement (a plain one or the
// PrepareStmt one) is told apart from a transaction, so a transaction that
// was begun is always committed or rolled back, and none is left open.
func TestDefaultTransactionEndsOnEveryPool(t *testing.T) {
	for _, prepare := range []bool{false, true} {
		t.Run(fmt.Sprintf("PrepareStmt=%v", prepare), func(t *testing.T) {
			db := openLocal(t, &gorm.Config{PrepareStmt: prepare})
			require.NoError(t, db.AutoMigrate(&hookedNote{}, &plainNote{}))
			sqlDB, err := db.DB()
			require.NoError(t, err)
			committed := func(text string) int64 {
				t.Helper()
				var n int64
				require.NoError(t, sqlDB.QueryRow("SELECT count(*) FROM hooked_notes WHERE text = ?", text).Scan(&n))
				return n
			}

			require.NoError(t, db.Create(&hookedNote{Text: "ok"}).Error)
			assert.Zero(t, sqlDB.Stats().InUse, "the transaction holds no connection after Create")
			assert.Equal(t, int64(1), committed("ok"))
			require.NoError(t, db.Model(&hookedNote{}).Where("text = ?", "ok").Update("copies", 2).Error)
			require.Error(t, db.Create(&hookedNote{Text: "fail"}).Error)
			assert.Zero(t, sqlDB.Stats().InUse, "the failed transaction holds no connection")
			assert.Zero(t, committed("fail"), "rolled back")
			require.NoError(t, db.Create(&plainNote{Text: "plain"}).Error)
			assert.Zero(t, sqlDB.Stats().InUse)
		})
	}
}

// GORM's promise that a failed Create, Update or Delete leaves nothing
// written holds for a callback added after Open that fails after the
// statement ran, for the program's transactions (nested ones and ones that
// panic), on the plain and the PrepareStmt pool.
func TestFailedWritesLeaveNothingWritten(t *testing.T) {
	for _, prepare := range []bool{false, true} {
		t.Run(fmt.Sprintf("PrepareStmt=%v", prepare), func(t *testing.T) {
			db := openLocal(t, &gorm.Config{PrepareStmt: prepare})
			require.NoError(t, db.AutoMigrate(&plainNote{}))
			require.NoError(t, db.Create(&plainNote{Text: "kept"}).Error)
			texts := func() []string {
				t.Helper()
				var out []string
				require.NoError(t, db.Model(&plainNote{}).Order("id").Pluck("text", &out).Error)
				return out
			}

			refuse := func(tx *gorm.DB) {
				if tx.Statement.Context.Value(refuseKey{}) != nil {
					tx.AddError(errors.New("refused after the statement"))
				}
			}
			require.NoError(t, db.Callback().Create().After("gorm:create").Before("gorm:commit_or_rollback_transaction").Register("test:refuse", refuse))
			require.NoError(t, db.Callback().Update().After("gorm:update").Before("gorm:commit_or_rollback_transaction").Register("test:refuse", refuse))
			require.NoError(t, db.Callback().Delete().After("gorm:delete").Before("gorm:commit_or_rollback_transaction").Register("test:refuse", refuse))
			refusing := db.WithContext(context.WithValue(context.Background(), refuseKey{}, true))
			require.Error(t, refusing.Create(&plainNote{Text: "created"}).Error)
			require.Error(t, refusing.Model(&plainNote{}).Where("text = ?", "kept").Update("text", "updated").Error)
			require.Error(t, refusing.Where("text = ?", "kept").Delete(&plainNote{}).Error)
			assert.Equal(t, []string{"kept"}, texts(), "every refused write rolled back")

			err := db.Transaction(func(tx *gorm.DB) error {
				require.NoError(t, tx.Create(&plainNote{Text: "outer"}).Error)
				inner := tx.Transaction(func(tx *gorm.DB) error {
					require.NoError(t, tx.Create(&plainNote{Text: "inner"}).Error)
					return errors.New("inner fails")
				})
				require.Error(t, inner)
				return nil
			})
			require.NoError(t, err)
			assert.Equal(t, []string{"kept", "outer"}, texts(), "the inner transaction alone rolled back")

			assert.Panics(t, func() {
				db.Transaction(func(tx *gorm.DB) error {
					tx.Create(&plainNote{Text: "panicked"})
					panic("in the transaction")
				})
			})
			assert.Equal(t, []string{"kept", "outer"}, texts(), "a panicking transaction rolled back")
			sqlDB, err := db.DB()
			require.NoError(t, err)
			assert.Zero(t, sqlDB.Stats().InUse, "no connection is left in a transaction")
		})
	}
}

type refuseKey struct{}

// A Create split into batches (CreateBatchSize, CreateInBatches) runs
// several statements: a batch that fails leaves none of the others written.
func TestCreateInBatchesIsAllOrNothing(t *testing.T) {
	db := openLocal(t, &gorm.Config{})
	require.NoError(t, db.AutoMigrate(&plainNote{}))
	notes := func(texts ...string) []plainNote {
		out := make([]plainNote, len(texts))
		for i, s := range texts {
			out[i].Text = s
		}
		return out
	}
	dup := notes("a", "b", "c", "a")
	require.Error(t, db.CreateInBatches(&dup, 2).Error)
	dup = notes("a", "b", "c", "a")
	require.Error(t, db.Session(&gorm.Session{CreateBatchSize: 2}).Create(&dup).Error)
	var n int64
	require.NoError(t, db.Model(&plainNote{}).Count(&n).Error)
	assert.Zero(t, n, "the first batch was rolled back with the failing one")
}

// A model that has no relationship of its own is written in one statement
// also once a model that has it as children was parsed (GORM then lists a
// relationship of the parent's in the child's schema, which no association
// callback of the child's uses).
func TestChildModelWritesSkipTheDefaultTransaction(t *testing.T) {
	db, pool := openCounting(t, libsql.Config{})
	require.NoError(t, db.AutoMigrate(&noteOwner{}, &ownedNote{}))
	owner := noteOwner{}
	require.NoError(t, db.Create(&owner).Error)
	pool.begins.Store(0)
	note := ownedNote{NoteOwnerID: owner.ID}
	require.NoError(t, db.Create(&note).Error)
	require.NoError(t, db.Model(&note).Update("note_owner_id", owner.ID).Error)
	require.NoError(t, db.Delete(&note).Error)
	assert.Zero(t, pool.begins.Load())
}

type raceChild struct {
	ID           uint
	RaceParentID uint
}

type raceParent struct {
	ID       uint
	Children []raceChild
}

// Writing a child model (alone or in a batch) while another goroutine
// parses its parent for the first time is no data race (run with -race): parsing the parent adds to
// the child's relationship map, which GORM guards with a lock that its
// callbacks take only for Select(clause.Associations).
func TestChildWritesWhileParentIsParsed(t *testing.T) {
	db := openLocal(t, &gorm.Config{})
	require.NoError(t, db.AutoMigrate(&raceChild{}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 50; i++ {
			if i%2 == 0 {
				assert.NoError(t, db.Create(&raceChild{}).Error)
				continue
			}
			_, err := libsql.Batch(context.Background(), db, func(b *gorm.DB) error { return b.Create(&raceChild{}).Error })
			assert.NoError(t, err)
		}
	}()
	require.NoError(t, db.Model(&raceParent{}).Statement.Parse(&raceParent{}))
	<-done
	var n int64
	require.NoError(t, db.Model(&raceChild{}).Count(&n).Error)
	assert.Equal(t, int64(50), n)
}
