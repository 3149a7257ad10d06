package tests

import (
	"context"
	"testing"

	"github.com/gorm-libsql/libsql"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// product is the README's CRUD walkthrough model.
type product struct {
	ID    uint
	Code  string `gorm:"uniqueIndex"`
	Price int
}

// hookedProduct has a hook, which brings GORM's default transaction back.
type hookedProduct struct {
	ID   uint
	Code string
}

func (*hookedProduct) BeforeCreate(*gorm.DB) error { return nil }

// TestCRUDWalkthroughRequestCounts runs the README's CRUD walkthrough and
// checks the request counts it states, in each mode that has any.
func TestCRUDWalkthroughRequestCounts(t *testing.T) {
	// write is one statement outside a transaction, read one query, sync
	// what a replica adds after each write.
	write := map[string]int64{"remote": 1, "replica": 3, "replica-no-ryw": 1}
	read := map[string]int64{"remote": 1, "replica": 0, "replica-no-ryw": 0}
	sync := map[string]int64{"remote": 0, "replica": 2, "replica-no-ryw": 0}
	for mode, openDB := range countingModes(t, &product{}, &hookedProduct{}) {
		t.Run(mode, func(t *testing.T) {
			db, p := openDB(t)
			db = db.WithContext(context.Background())
			step := func(name string, want int64, run func() error) {
				t.Helper()
				before := p.Requests()
				require.NoError(t, run(), name)
				assert.Equal(t, want, p.Requests()-before, "%s: %v", name, p.Paths())
			}

			pr := product{Code: "D42", Price: 100}
			step("Create", write[mode], func() error { return db.Create(&pr).Error })
			assert.NotZero(t, pr.ID)
			more := []product{{Code: "E1", Price: 10}, {Code: "E2", Price: 20}}
			step("Create of a slice", write[mode], func() error { return db.Create(&more).Error })

			if mode == "replica-no-ryw" {
				// Its writes show up locally after a sync.
				_, err := libsql.Sync(context.Background(), db)
				require.NoError(t, err)
			}
			var got product
			step("First", read[mode], func() error { return db.First(&got, "code = ?", "D42").Error })
			assert.Equal(t, pr, got)
			var cheap []product
			step("Find", read[mode], func() error { return db.Where("price < ?", 50).Order("price").Find(&cheap).Error })
			assert.Len(t, cheap, 2)
			var n int64
			step("Count", read[mode], func() error { return db.Model(&product{}).Count(&n).Error })
			assert.EqualValues(t, 3, n)

			step("Update", write[mode], func() error { return db.Model(&pr).Update("price", 200).Error })
			step("Updates", write[mode], func() error { return db.Model(&pr).Updates(product{Code: "D43", Price: 300}).Error })
			step("Update of matching rows", write[mode], func() error {
				return db.Model(&product{}).Where("price < ?", 50).Update("price", gorm.Expr("price * 2")).Error
			})

			step("Transaction of 2 statements", 3+sync[mode], func() error {
				return db.Transaction(func(tx *gorm.DB) error {
					if err := tx.Create(&product{Code: "F1", Price: 5}).Error; err != nil {
						return err
					}
					return tx.Model(&product{}).Where("code = ?", "D43").Update("price", gorm.Expr("price - ?", 5)).Error
				})
			})

			step("Delete", write[mode], func() error { return db.Delete(&pr).Error })
			step("Delete of matching rows", write[mode], func() error { return db.Where("price > ?", 1000).Delete(&product{}).Error })

			step("Create with a hook", 2+sync[mode], func() error { return db.Create(&hookedProduct{Code: "H1"}).Error })

			if mode == "remote" {
				before := p.Requests()
				err := db.Create(&product{Code: "E1"}).Error
				assert.ErrorIs(t, err, gorm.ErrDuplicatedKey)
				assert.EqualValues(t, 2, p.Requests()-before, "a duplicate: the INSERT, and telling UNIQUE from PRIMARY KEY: %v", p.Paths())
			}
		})
	}
}
