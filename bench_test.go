//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/sqlerr"
	"gorm.io/gorm"
)

// Micro-benchmarks of the dialect's hot paths, for benchstat (make
// bench-micro). The backend comparison is make bench.

var translateCases = []struct {
	name string
	err  error
}{
	{"local-unique", &sqlerr.Error{Code: sqlerr.CodeConstraintUnique, Message: "UNIQUE constraint failed: users.email"}},
	{"local-notconstraint", &sqlerr.Error{Code: sqlerr.CodeBusy, Message: "database is locked"}},
	{"remote-unique", errors.New(`failed to execute query: SQLite error: UNIQUE constraint failed: users.tenant, users.email`)},
	{"wrapped-check", fmt.Errorf("create: %w", &sqlerr.Error{Code: sqlerr.CodeConstraintCheck, Message: "CHECK constraint failed: age_positive"})},
	{"gorm-notfound", gorm.ErrRecordNotFound},
}

func BenchmarkTranslate(b *testing.B) {
	d := libsql.Dialector{}
	for _, tc := range translateCases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if d.Translate(tc.err) == nil {
					b.Fatal("nil")
				}
			}
		})
	}
}

func BenchmarkParseConstraintError(b *testing.B) {
	for _, tc := range translateCases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				libsql.ParseConstraintError(tc.err)
			}
		})
	}
}

// benchItem has the column mix of bench/workload's table.
type benchItem struct {
	ID        int64
	Name      string `gorm:"index"`
	Email     string
	Age       int
	Score     float64
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

func benchGORM(b *testing.B, rows int) *gorm.DB {
	b.Helper()
	db := openLocal(b, &gorm.Config{})
	if err := db.AutoMigrate(&benchItem{}); err != nil {
		b.Fatal(err)
	}
	items := make([]benchItem, rows)
	for i := range items {
		items[i] = benchItem{Name: fmt.Sprintf("name-%d", i%10), Email: "u@example.com", Age: i, Score: float64(i)}
	}
	if rows > 0 {
		if err := db.CreateInBatches(items, 500).Error; err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// The GORM paths of the comparison's workloads, on one process, so that
// go test -cpuprofile shows where the dialect and driver spend their time.

func BenchmarkGORMCreate(b *testing.B) {
	db := benchGORM(b, 0)
	b.ReportAllocs()
	for b.Loop() {
		if err := db.Create(&benchItem{Name: "n", Email: "e", Age: 1}).Error; err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGORMFirst(b *testing.B) {
	db := benchGORM(b, 100)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		var it benchItem
		if err := db.First(&it, i%100+1).Error; err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGORMFind100(b *testing.B) {
	db := benchGORM(b, 100)
	b.ReportAllocs()
	for b.Loop() {
		var items []benchItem
		if err := db.Find(&items).Error; err != nil || len(items) != 100 {
			b.Fatal(err, len(items))
		}
	}
}

func BenchmarkGORMUpdate(b *testing.B) {
	db := benchGORM(b, 100)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		res := db.Model(&benchItem{ID: int64(i%100 + 1)}).Update("score", float64(i))
		if res.Error != nil || res.RowsAffected != 1 {
			b.Fatal(res.Error, res.RowsAffected)
		}
	}
}

func BenchmarkGORMDelete(b *testing.B) {
	db := benchGORM(b, 0)
	b.ReportAllocs()
	for b.Loop() {
		it := benchItem{Name: "n", Email: "e"}
		if err := db.Create(&it).Error; err != nil {
			b.Fatal(err)
		}
		res := db.Delete(&benchItem{}, it.ID)
		if res.Error != nil || res.RowsAffected != 1 {
			b.Fatal(res.Error, res.RowsAffected)
		}
	}
}
