//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/sqlerr"
	"gorm.io/gorm"
)

type writerEntry struct {
	ID     uint
	Worker int
	Seen   int64
}

// BenchmarkConcurrentWriters runs b.N transactions (read the last row,
// insert one) spread over 8, 64 and 256 goroutines on one file with the
// default config, and
// reports throughput, the p50/p99/max time a transaction took from its
// start to its commit (almost all of it waiting for the write lock), and
// how many failed with "database is locked". Run it with a fixed count so
// that every writer count does the same work, e.g.
//
//	go test -run '^$' -bench ConcurrentWriters -benchtime 2000x .
func BenchmarkConcurrentWriters(b *testing.B) {
	for _, writers := range []int{8, 64, 256} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			db := openLocal(b, &gorm.Config{})
			if err := db.AutoMigrate(&writerEntry{}); err != nil {
				b.Fatal(err)
			}
			lat := make([][]time.Duration, writers)
			var next atomic.Int64
			var locked, failed atomic.Int64
			var firstErr atomic.Pointer[error]
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						t0 := time.Now()
						err := db.Transaction(func(tx *gorm.DB) error {
							var last writerEntry
							if err := tx.Order("id DESC").Limit(1).Find(&last).Error; err != nil {
								return err
							}
							return tx.Create(&writerEntry{Worker: w, Seen: int64(last.ID)}).Error
						})
						lat[w] = append(lat[w], time.Since(t0))
						var e *sqlerr.Error
						switch {
						case err == nil:
						case errors.As(err, &e) && e.Primary() == sqlerr.CodeBusy:
							locked.Add(1)
						default:
							failed.Add(1)
							firstErr.CompareAndSwap(nil, &err)
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if p := firstErr.Load(); p != nil {
				b.Fatalf("%d transactions failed, e.g.: %v", failed.Load(), *p)
			}
			all := slices.Concat(lat...)
			slices.Sort(all)
			ms := func(q float64) float64 {
				return float64(all[min(int(q*float64(len(all))), len(all)-1)]) / float64(time.Millisecond)
			}
			b.ReportMetric(float64(int64(b.N)-locked.Load())/elapsed.Seconds(), "tx/s")
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
			b.ReportMetric(float64(all[len(all)-1])/float64(time.Millisecond), "max-ms")
			b.ReportMetric(float64(locked.Load()), "locked-errors")
			b.ReportMetric(0, "ns/op")
		})
	}
}
