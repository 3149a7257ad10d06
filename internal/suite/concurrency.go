package suite

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

type concEntry struct {
	ID     uint
	Worker int
	Seen   int64
}

func init() {
	// Writers that each read and then insert in one transaction must all
	// succeed, in every mode: none may fail with "database is locked" or
	// lose its row.
	register("ConcurrentTransactions", func(t *testing.T, env Env) {
		const workers, perWorker = 4, 25
		db := env.Open(t)
		require.NoError(t, db.AutoMigrate(&concEntry{}))
		sqlDB, err := db.DB()
		require.NoError(t, err)
		sqlDB.SetMaxOpenConns(workers)

		var wg sync.WaitGroup
		errs := make(chan error, workers*perWorker)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < perWorker; i++ {
					errs <- db.Transaction(func(tx *gorm.DB) error {
						var n int64
						if err := tx.Model(&concEntry{}).Count(&n).Error; err != nil {
							return fmt.Errorf("count: %w", err)
						}
						return tx.Create(&concEntry{Worker: w, Seen: n}).Error
					})
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		failed := 0
		for err := range errs {
			if err != nil {
				failed++
				t.Log(err)
			}
		}
		assert.Zero(t, failed, "transactions failed")

		var total int64
		require.NoError(t, db.Model(&concEntry{}).Count(&total).Error)
		assert.Equal(t, int64(workers*perWorker), total)
		// Each transaction saw the rows committed before it and no others:
		// the counts they read are all different.
		var distinct int64
		require.NoError(t, db.Model(&concEntry{}).Distinct("seen").Count(&distinct).Error)
		assert.Equal(t, total, distinct, "transactions overlapped")
	})
}
