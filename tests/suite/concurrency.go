package suite

import (
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

type concEntry struct {
	ID     uint
	Worker int
	Seq    int
	Seen   int64
}

func init() {
	register("ConcurrentTransactions", func(t *testing.T, env Env) {
		const workers = 4
		db := env.Open(t)
		sqlDB, err := db.DB()
		require.NoError(t, err)
		sqlDB.SetMaxOpenConns(workers)
		ConcurrentTransactions(t, db, workers, 25)
	})
}

// ConcurrentTransactions runs workers goroutines of perWorker transactions
// each on db; every transaction reads the row count and then inserts. All
// must succeed (none may fail with "database is locked" or lose its row),
// and each must see a distinct count: the transactions ran one after
// another, and each worker's commits are in its own order.
func ConcurrentTransactions(t *testing.T, db *gorm.DB, workers, perWorker int) {
	require.NoError(t, db.AutoMigrate(&concEntry{}))
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
						return err
					}
					return tx.Create(&concEntry{Worker: w, Seq: i, Seen: n}).Error
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
	require.Zero(t, failed, "transactions failed")

	var entries []concEntry
	require.NoError(t, db.Order("seen").Find(&entries).Error)
	require.Len(t, entries, workers*perWorker)
	perW := map[int][]int{}
	for i, e := range entries {
		require.Equal(t, int64(i), e.Seen, "each transaction saw every earlier commit and no later one")
		perW[e.Worker] = append(perW[e.Worker], e.Seq)
	}
	for w := 0; w < workers; w++ {
		require.Len(t, perW[w], perWorker)
		assert.True(t, sort.IntsAreSorted(perW[w]), "worker %d committed in order", w)
	}
}
