package tests

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tests/internal/proxy"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

type batchItem struct {
	ID   uint
	Name string `gorm:"uniqueIndex"`
}

// countingModes opens the server's database through a counting proxy in
// each mode that sends writes over the network, with the tables of models.
func countingModes(t *testing.T, models ...any) map[string]func(t *testing.T) (*gorm.DB, *proxy.Proxy) {
	srv := sqldtest.Require(t, server)
	off := false
	open := func(t *testing.T, replica string, ryw *bool) (*gorm.DB, *proxy.Proxy) {
		emptyServer(t)
		p := sqldtest.NewProxy(t, srv.URL)
		cfg := libsql.Config{URL: p.URL(), AuthToken: srv.Token(), ReadYourWrites: ryw}
		if replica != "" {
			cfg.Database = replica
		}
		db := open(t, cfg, nil)
		require.NoError(t, db.AutoMigrate(models...))
		if replica != "" {
			_, err := libsql.Sync(context.Background(), db)
			require.NoError(t, err)
		}
		return db, p
	}
	modes := map[string]func(t *testing.T) (*gorm.DB, *proxy.Proxy){
		"remote":  func(t *testing.T) (*gorm.DB, *proxy.Proxy) { return open(t, "", nil) },
		"replica": func(t *testing.T) (*gorm.DB, *proxy.Proxy) { return open(t, t.TempDir()+"/r.db", nil) },
		"replica-no-ryw": func(t *testing.T) (*gorm.DB, *proxy.Proxy) {
			return open(t, t.TempDir()+"/r.db", &off)
		},
	}
	if !slices.Contains(serverModes, "replica") {
		delete(modes, "replica")
		delete(modes, "replica-no-ryw")
	}
	return modes
}

// TestBatchRequestCounts pins the cost of a batch: one request to the
// server whatever its size, plus the 2-request sync of an embedded replica
// with ReadYourWrites; nothing at all for a batch refused before sending.
func TestBatchRequestCounts(t *testing.T) {
	syncCost := map[string]int64{"remote": 0, "replica": 2, "replica-no-ryw": 0}
	for mode, openDB := range countingModes(t, &batchItem{}) {
		t.Run(mode, func(t *testing.T) {
			db, p := openDB(t)

			items := make([]batchItem, 10)
			before := p.Requests()
			_, err := libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
				for i := range items {
					items[i].Name = "item-" + string(rune('a'+i))
					b.Create(&items[i])
				}
				return nil
			})
			require.NoError(t, err)
			assert.Equal(t, 1+syncCost[mode], p.Requests()-before, "10 inserts: %v", p.Paths())
			assert.NotZero(t, items[9].ID)

			bulk := make([]batchItem, 10000)
			for i := range bulk {
				bulk[i].Name = "bulk-" + strconv.Itoa(i)
			}
			before = p.Requests()
			results, err := libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
				return b.CreateInBatches(&bulk, 500).Error
			})
			require.NoError(t, err)
			assert.Len(t, results, 20)
			assert.Equal(t, 1+syncCost[mode], p.Requests()-before, "10,000 rows in chunks of 500: %v", p.Paths())
			for i := 1; i < len(bulk); i++ {
				require.Equal(t, bulk[i-1].ID+1, bulk[i].ID, "ids filled in")
			}

			var n int64
			require.NoError(t, db.Model(&batchItem{}).Count(&n).Error)
			if mode == "replica-no-ryw" {
				_, err := libsql.Sync(context.Background(), db)
				require.NoError(t, err)
				require.NoError(t, db.Model(&batchItem{}).Count(&n).Error)
			}
			assert.Equal(t, int64(10010), n, "local reads see the batch (after a sync without ReadYourWrites)")

			before = p.Requests()
			_, err = libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
				b.Create(&batchItem{Name: "new"})
				b.Create(&batchItem{Name: "item-a"})
				return nil
			})
			var be *libsql.BatchError
			require.ErrorAs(t, err, &be)
			assert.Equal(t, 1, be.Index)
			assert.ErrorIs(t, err, gorm.ErrDuplicatedKey)
			assert.Equal(t, int64(2), p.Requests()-before,
				"the batch, and as for a single statement one more request to tell a UNIQUE from a PRIMARY KEY violation: %v", p.Paths())

			before = p.Requests()
			_, err = libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
				b.Create(&batchItem{Name: "never"})
				var all []batchItem
				return b.Find(&all).Error
			})
			require.ErrorIs(t, err, libsql.ErrBatchRefused)
			assert.Equal(t, int64(0), p.Requests()-before, "a refused batch sends nothing")

			results, err = libsql.Batch(context.Background(), db, func(*gorm.DB) error { return nil })
			require.NoError(t, err)
			assert.Empty(t, results)
			assert.Equal(t, int64(0), p.Requests()-before, "an empty batch sends nothing")
		})
	}
}

// TestBatchCancelledInFlight cancels a batch while its request is held by
// the proxy: Batch returns at the deadline, and nothing is applied.
func TestBatchCancelledInFlight(t *testing.T) {
	for mode, openDB := range countingModes(t, &batchItem{}) {
		t.Run(mode, func(t *testing.T) {
			db, p := openDB(t)
			p.SetLatency(2 * time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := libsql.Batch(ctx, db, func(b *gorm.DB) error {
				b.Create(&batchItem{Name: "late-1"})
				b.Create(&batchItem{Name: "late-2"})
				return nil
			})
			require.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Less(t, time.Since(start), 1500*time.Millisecond)
			p.SetLatency(0)

			remote := open(t, remoteConfig(t), nil)
			var n int64
			require.NoError(t, remote.Model(&batchItem{}).Count(&n).Error)
			assert.Equal(t, int64(0), n)
			// The pool recovers: the next batch applies.
			_, err = libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
				return b.Create(&batchItem{Name: "next"}).Error
			})
			require.NoError(t, err)
			require.NoError(t, remote.Model(&batchItem{}).Count(&n).Error)
			assert.Equal(t, int64(1), n)
		})
	}
}
