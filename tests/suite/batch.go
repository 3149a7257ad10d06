package suite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type batchOrder struct {
	ID     uint
	Ref    string `gorm:"uniqueIndex"`
	Status string `gorm:"default:new"`
	Qty    int
}

type batchStock struct {
	ID  uint
	Qty int
}

// batchHooked has a hook for every write.
type batchHooked struct {
	ID   uint
	Name string
}

func (h *batchHooked) BeforeCreate(*gorm.DB) error { return nil }
func (h *batchHooked) AfterDelete(*gorm.DB) error  { return nil }

type batchParent struct {
	ID       uint
	Name     string
	Children []batchChild `gorm:"foreignKey:ParentID"`
}

type batchChild struct {
	ID       uint
	ParentID uint
	Name     string
}

func batchRefs(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var refs []string
	require.NoError(t, db.Model(&batchOrder{}).Order("ref").Pluck("ref", &refs).Error)
	return refs
}

func init() {
	register("Batch/FillsIdsAndResults", func(t *testing.T, env Env) {
		db := migrate(t, env, &batchOrder{}, &batchStock{})
		stock := batchStock{Qty: 10}
		require.NoError(t, db.Create(&stock).Error)

		one := batchOrder{Ref: "one", Qty: 3}
		many := []batchOrder{{Ref: "two", Qty: 1}, {Ref: "three", Qty: 2, Status: "rush"}}
		upserted := batchOrder{Ref: "one", Qty: 5}
		var update *gorm.DB
		results, err := libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
			b.Create(&one)
			update = b.Model(&batchStock{}).Where("id = ?", stock.ID).Update("qty", gorm.Expr("qty - ?", 3))
			assert.Zero(t, update.RowsAffected, "nothing ran yet")
			b.Create(&many)
			b.Exec("UPDATE batch_orders SET qty = qty + ? WHERE ref IN ?", 10, []string{"two", "three"})
			b.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "ref"}}, DoUpdates: clause.AssignmentColumns([]string{"qty"})}).Create(&upserted)
			b.Where("ref = ?", "nobody").Delete(&batchOrder{})
			return nil
		})
		require.NoError(t, err)
		require.Len(t, results, 6)

		require.NotZero(t, one.ID, "auto-increment id filled in")
		assert.Equal(t, "new", one.Status, "column default filled in, as db.Create does")
		assert.NotZero(t, many[0].ID)
		assert.Equal(t, many[0].ID+1, many[1].ID)
		assert.Equal(t, "new", many[0].Status)
		assert.Equal(t, "rush", many[1].Status)
		assert.Equal(t, one.ID, upserted.ID, "the upsert updated row one and got its id")

		assert.Equal(t, int64(1), results[0].RowsAffected)
		assert.Equal(t, int64(one.ID), results[0].LastInsertID)
		assert.Equal(t, int64(1), results[1].RowsAffected)
		assert.Equal(t, int64(1), update.RowsAffected, "the call's own result is filled in too")
		assert.Equal(t, int64(2), results[2].RowsAffected)
		assert.Equal(t, int64(2), results[3].RowsAffected)
		assert.Contains(t, results[3].SQL, "UPDATE batch_orders SET qty = qty + ?")
		assert.Equal(t, int64(1), results[4].RowsAffected)
		assert.Equal(t, int64(0), results[5].RowsAffected)

		var got []batchOrder
		require.NoError(t, db.Order("id").Find(&got).Error)
		require.Len(t, got, 3)
		assert.Equal(t, batchOrder{ID: one.ID, Ref: "one", Status: "new", Qty: 5}, got[0])
		assert.Equal(t, batchOrder{ID: many[0].ID, Ref: "two", Status: "new", Qty: 11}, got[1])
		assert.Equal(t, batchOrder{ID: many[1].ID, Ref: "three", Status: "rush", Qty: 12}, got[2])
		var left batchStock
		require.NoError(t, db.First(&left, stock.ID).Error)
		assert.Equal(t, 7, left.Qty)
	})

	// SQLite's last insert rowid keeps its old value through a statement
	// that inserts nothing; LastInsertID is 0 for those.
	register("Batch/LastInsertIDOnlyWhereInserted", func(t *testing.T, env Env) {
		db := migrate(t, env, &batchOrder{})
		first, second := batchOrder{Ref: "first"}, batchOrder{Ref: "second"}
		results, err := libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
			b.Create(&first)
			b.Model(&batchOrder{}).Where("ref = ?", "first").Update("qty", 2)
			b.Clauses(clause.OnConflict{DoNothing: true}).Create(&batchOrder{Ref: "first"})
			b.Exec("INSERT OR IGNORE INTO batch_orders (ref) VALUES (?)", "first")
			b.Where("ref = ?", "nobody").Delete(&batchOrder{})
			b.Create(&second)
			b.Exec("WITH r(ref) AS (VALUES ('third')) INSERT INTO batch_orders (ref) SELECT ref FROM r")
			return nil
		})
		require.NoError(t, err)
		require.Len(t, results, 7)
		var third batchOrder
		require.NoError(t, db.Where("ref = ?", "third").First(&third).Error)
		var ids, changes []int64
		for _, r := range results {
			ids = append(ids, r.LastInsertID)
			changes = append(changes, r.RowsAffected)
		}
		assert.Equal(t, []int64{1, 1, 0, 0, 0, 1, 1}, changes)
		assert.Equal(t, []int64{int64(first.ID), 0, 0, 0, 0, int64(second.ID), int64(third.ID)}, ids)
	})

	register("Batch/AllOrNothing", func(t *testing.T, env Env) {
		db := migrate(t, env, &batchOrder{})
		require.NoError(t, db.Create(&batchOrder{Ref: "taken"}).Error)
		orders := make([]batchOrder, 6)
		_, err := libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
			for i := range orders {
				orders[i].Ref = string(rune('a' + i))
				b.Create(&orders[i])
			}
			b.Create(&batchOrder{Ref: "taken"})
			return nil
		})
		require.Error(t, err)
		var be *libsql.BatchError
		require.ErrorAs(t, err, &be)
		assert.Equal(t, 6, be.Index, "the 7th statement failed")
		assert.Equal(t, 7, be.Count)
		assert.Contains(t, be.SQL, "INSERT INTO `batch_orders`")
		assert.ErrorIs(t, err, gorm.ErrDuplicatedKey, "translated as db.Create's error would be")
		var ce *libsql.ConstraintError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, []string{"ref"}, ce.Columns)
		assert.Contains(t, err.Error(), "batch statement 6")
		assert.Equal(t, []string{"taken"}, batchRefs(t, db), "nothing of statements 1-6 applied")
		for _, o := range orders {
			assert.Zero(t, o.ID, "no id filled in for a batch that was not applied")
		}

		// The connection is clean: the next batch applies.
		_, err = libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
			return b.Create(&batchOrder{Ref: "after"}).Error
		})
		require.NoError(t, err)
		assert.Equal(t, []string{"after", "taken"}, batchRefs(t, db))
	})

	register("Batch/Refusals", func(t *testing.T, env Env) {
		db := migrate(t, env, &batchOrder{}, &batchHooked{}, &batchParent{}, &batchChild{})
		cases := map[string]func(b *gorm.DB){
			"hooks":        func(b *gorm.DB) { b.Create(&batchHooked{Name: "h"}) },
			"delete hooks": func(b *gorm.DB) { b.Where("id > 0").Delete(&batchHooked{}) },
			"associations": func(b *gorm.DB) {
				b.Create(&batchParent{Name: "p", Children: []batchChild{{Name: "c"}}})
			},
			"read":        func(b *gorm.DB) { var o []batchOrder; b.Find(&o) },
			"count":       func(b *gorm.DB) { var n int64; b.Model(&batchOrder{}).Count(&n) },
			"transaction": func(b *gorm.DB) { b.Exec("COMMIT") },
			"two in one":  func(b *gorm.DB) { b.Exec("DELETE FROM batch_orders; DELETE FROM batch_children") },
		}
		for name, step := range cases {
			_, err := libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
				b.Create(&batchOrder{Ref: "before-" + name})
				step(b)
				return nil
			})
			require.ErrorIs(t, err, libsql.ErrBatchRefused, name)
			assert.Empty(t, batchRefs(t, db), "%s: nothing sent", name)
		}
		// The refusals say what to do instead.
		_, err := libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
			return b.Create(&batchHooked{Name: "h"}).Error
		})
		assert.ErrorContains(t, err, "batchHooked has BeforeCreate hooks")
		assert.ErrorContains(t, err, "SkipHooks: true")
		_, err = libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
			return b.Create(&batchParent{Children: []batchChild{{Name: "c"}}}).Error
		})
		assert.ErrorContains(t, err, "associations to save (Children)")
		assert.ErrorContains(t, err, "Omit(clause.Associations)")

		// What the refusals suggest works.
		parent := batchParent{Name: "p", Children: []batchChild{{Name: "c"}}}
		_, err = libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
			b.Session(&gorm.Session{SkipHooks: true}).Create(&batchHooked{Name: "h"})
			b.Omit(clause.Associations).Create(&parent)
			b.Create(&batchParent{Name: "no children"})
			return nil
		})
		require.NoError(t, err)
		assert.NotZero(t, parent.ID)
		assert.Equal(t, int64(1), count(t, db, &batchHooked{}))
		assert.Equal(t, int64(2), count(t, db, &batchParent{}))
		assert.Equal(t, int64(0), count(t, db, &batchChild{}))

		// An error the function returns, or one GORM left on an operation,
		// sends nothing.
		boom := errors.New("boom")
		_, err = libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
			b.Create(&batchOrder{Ref: "x"})
			return boom
		})
		assert.ErrorIs(t, err, boom)
		_, err = libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
			b.Create(&batchOrder{Ref: "y"})
			b.Model(&batchOrder{}).Update("qty", 1) // no WHERE
			return nil
		})
		assert.ErrorIs(t, err, gorm.ErrMissingWhereClause)
		assert.Empty(t, batchRefs(t, db))

		// A batch is a transaction of its own.
		require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
			_, err := libsql.Batch(context.Background(), tx, func(b *gorm.DB) error { return nil })
			assert.ErrorIs(t, err, libsql.ErrBatchInTransaction)
			return nil
		}))
	})

	register("Batch/ContextCancelled", func(t *testing.T, env Env) {
		db := migrate(t, env, &batchOrder{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		o := batchOrder{Ref: "cancelled"}
		_, err := libsql.Batch(ctx, db, func(b *gorm.DB) error {
			b.Create(&o)
			return nil
		})
		require.ErrorIs(t, err, context.Canceled)
		assert.Zero(t, o.ID)
		assert.Empty(t, batchRefs(t, db))
	})

	register("Batch/Concurrent", func(t *testing.T, env Env) {
		db := migrate(t, env, &batchOrder{})
		const workers, perWorker = 4, 5
		ids := make(chan uint, workers*perWorker*3)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range perWorker {
					orders := make([]batchOrder, 3)
					_, err := libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
						for j := range orders {
							orders[j].Ref = fmt.Sprintf("w%d-%d-%d", w, k, j)
							b.Create(&orders[j])
						}
						return nil
					})
					assert.NoError(t, err)
					for _, o := range orders {
						ids <- o.ID
					}
				}
			}()
		}
		wg.Wait()
		close(ids)
		seen := map[uint]bool{}
		for id := range ids {
			assert.NotZero(t, id)
			assert.False(t, seen[id], "id %d filled into two models", id)
			seen[id] = true
		}
		assert.Equal(t, int64(workers*perWorker*3), count(t, db, &batchOrder{}))
	})

	register("Batch/CreateInBatchesAndSave", func(t *testing.T, env Env) {
		db := migrate(t, env, &batchOrder{})
		existing := batchOrder{Ref: "saved", Qty: 1}
		require.NoError(t, db.Create(&existing).Error)
		rows := make([]batchOrder, 25)
		for i := range rows {
			rows[i] = batchOrder{Ref: "bulk-" + string(rune('A'+i)), Qty: i}
		}
		existing.Qty = 2
		fresh := batchOrder{ID: 1000, Ref: "fresh"}
		results, err := libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
			b.CreateInBatches(&rows, 10)
			b.Save(&existing)
			b.Save(&fresh)
			return nil
		})
		require.NoError(t, err)
		assert.GreaterOrEqual(t, len(results), 5, "3 chunks and the saves")
		for i := 1; i < len(rows); i++ {
			require.Equal(t, rows[i-1].ID+1, rows[i].ID)
		}
		assert.Equal(t, int64(27), count(t, db, &batchOrder{}))
		var got batchOrder
		require.NoError(t, db.First(&got, existing.ID).Error)
		assert.Equal(t, 2, got.Qty)
		var saved batchOrder
		require.NoError(t, db.First(&saved, 1000).Error)
		assert.Equal(t, "fresh", saved.Ref)
	})
}
