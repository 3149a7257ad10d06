package tenants

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// failingOpen is a store whose Open fails for one tenant.
type failingOpen struct {
	*fakeStore
	bad string
}

var errBroken = errors.New("broken")

func (s failingOpen) Open(ctx context.Context, tenant string, cfg *gorm.Config) (*gorm.DB, error) {
	if tenant == s.bad {
		return nil, errBroken
	}
	return s.fakeStore.Open(ctx, tenant, cfg)
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	t.Run("Report", func(t *testing.T) {
		var mu sync.Mutex
		var progress []int
		store := failingOpen{fakeStore: newFakeStore("alpha", "bravo", "charlie"), bad: "bravo"}
		m := newTestManager(t, store, Config{MigrateConcurrency: 2, MaxOpen: 1, OnMigrate: func(r MigrationResult, done, total int) {
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, 3, total)
			progress = append(progress, done)
		}}, nil)
		served := mustDB(t, m, "alpha")
		report, err := m.Migrate(ctx)
		var merr *MigrationError
		require.ErrorAs(t, err, &merr)
		assert.ErrorIs(t, err, errBroken)
		assert.Contains(t, err.Error(), "1 of 3 tenants")
		assert.Equal(t, []int{1, 2, 3}, progress)
		require.Len(t, report.Tenants, 3)
		for i, name := range []string{"alpha", "bravo", "charlie"} {
			assert.Equal(t, name, report.Tenants[i].Tenant, "in name order")
			assert.Positive(t, report.Tenants[i].Duration, "how long its migration took")
		}
		failed := report.Failed()
		require.Len(t, failed, 1)
		assert.Equal(t, "bravo", failed[0].Tenant)
		assert.Empty(t, report.Changed(), "no model, no DDL")
		assert.Equal(t, report, merr.Report, "the error holds the report")
		assert.False(t, isClosed(t, served), "Migrate neither closes nor evicts the pool DB serves")
		assert.Equal(t, 1, m.OpenPools())
		assert.Eventually(t, func() bool { return store.pools() == 1 }, 10*time.Second, time.Millisecond, "Migrate's own pools are closed")
	})
	t.Run("ContextEnded", func(t *testing.T) {
		m := newTestManager(t, newFakeStore("a", "b"), Config{}, nil)
		ended, cancel := context.WithCancel(ctx)
		cancel()
		report, err := m.Migrate(ended)
		assert.ErrorIs(t, err, context.Canceled)
		for _, r := range report.Tenants {
			assert.ErrorIs(t, r.Err, context.Canceled, r.Tenant)
		}
	})
}

// panickingLogger panics on every Info: a logger that fails on the
// caller's goroutine, where Migrate makes its workers' log calls.
type panickingLogger struct{ logger.Interface }

func (panickingLogger) Info(context.Context, string, ...any) { panic("logger") }

// A panic in a worker (here OnMigrate's) or in the logger reaches
// Migrate's caller with its value, after every worker ended, instead of
// crashing the process or hanging.
func TestMigratePanics(t *testing.T) {
	ctx := context.Background()
	t.Run("Worker", func(t *testing.T) {
		m := newTestManager(t, newFakeStore("a", "b", "c"), Config{MigrateConcurrency: 2, OnMigrate: func(MigrationResult, int, int) { panic("boom") }}, nil)
		assert.PanicsWithValue(t, "boom", func() { _, _ = m.Migrate(ctx) })
		_, err := m.DB(ctx, "a")
		assert.NoError(t, err, "the manager still serves")
	})
	t.Run("Logger", func(t *testing.T) {
		m := newTestManager(t, newFakeStore("a", "b", "c"), Config{MigrateConcurrency: 2, GORM: &gorm.Config{Logger: panickingLogger{logger.Discard}}}, nil)
		assert.PanicsWithValue(t, "logger", func() { _, _ = m.Migrate(ctx) })
		_, err := m.DB(ctx, "a")
		assert.NoError(t, err, "the manager still serves")
	})
}

func TestDDLRecorder(t *testing.T) {
	rec := &ddlRecorder{Interface: logger.Discard, log: &ddlLog{}}
	for _, sql := range []string{
		"CREATE TABLE `a` (`id` integer)",
		"SELECT count(*) FROM sqlite_master",
		"PRAGMA foreign_keys = OFF",
		"BEGIN IMMEDIATE",
		" ALTER TABLE `a` ADD `b` text ",
		"COMMIT",
	} {
		rec.LogMode(logger.Info).Trace(context.Background(), time.Now(), func() (string, int64) { return sql, 0 }, nil)
	}
	rec.Trace(context.Background(), time.Now(), func() (string, int64) { return "DROP TABLE `x`", 0 }, errors.New("failed"))
	assert.Equal(t, []string{"CREATE TABLE `a` (`id` integer)", "ALTER TABLE `a` ADD `b` text"}, rec.statements(),
		"the statements that changed the schema, kept across LogMode, without reads, pragmas, transaction control or failures")
}
