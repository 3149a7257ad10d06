package tenantsuite

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/gorm-libsql/libsql/tenants"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// BenchTenants is how many tenants the create-and-migrate and memory
// benchmarks provision (tests/tenants: -tenants=1000; the package goes before
// the flags, as go test cannot tell which unknown flags take a value).
var BenchTenants = flag.Int("tenants", 1000, "tenants provisioned by the tenant benchmarks")

// benchManager returns a quiet manager over store.
func benchManager(b *testing.B, store tenants.Store, maxOpen int) *tenants.Manager {
	b.Helper()
	m, err := tenants.New(tenants.Config{
		Store:     store,
		GORM:      &gorm.Config{Logger: logger.Discard},
		MaxOpen:   maxOpen,
		OnMigrate: func(tenants.MigrationResult, int, int) {},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return m
}

func createTenants(b *testing.B, m *tenants.Manager, prefix string, n int) []string {
	b.Helper()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s%d", prefix, i)
		if err := m.Create(context.Background(), names[i]); err != nil {
			b.Fatal(err)
		}
	}
	return names
}

// BenchCreateMigrate times creating BenchTenants tenants and migrating
// them all; each iteration uses a fresh store from newStore.
func BenchCreateMigrate(b *testing.B, newStore func(b *testing.B) tenants.Store) {
	n := *BenchTenants
	for i := 0; i < b.N; i++ {
		m := benchManager(b, newStore(b), 0)
		createTenants(b, m, fmt.Sprintf("b%d-t", i), n)
		report, err := m.Migrate(context.Background(), &Account{})
		if err != nil {
			b.Fatal(err)
		}
		if len(report.Changed()) != n {
			b.Fatalf("%d of %d tenants migrated", len(report.Changed()), n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*n), "ms/tenant")
	b.ReportMetric(float64(n), "tenants")
}

// BenchMemory reports the Go heap and the process's resident memory once
// BenchTenants tenants exist and every one has been opened through a
// manager that keeps 64 pools open.
func BenchMemory(b *testing.B, store tenants.Store) {
	const maxOpen = 64
	n := *BenchTenants
	m := benchManager(b, store, maxOpen)
	names := createTenants(b, m, "mem-t", n)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rssBefore := residentBytes()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, name := range names {
			db, err := m.DB(context.Background(), name)
			if err != nil {
				b.Fatal(err)
			}
			if err := db.Exec("SELECT 1").Error; err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	if open := m.OpenPools(); open > maxOpen {
		b.Fatalf("%d pools open, bound %d", open, maxOpen)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapInuse)/(1<<20), "heap-MB")
	b.ReportMetric((float64(after.HeapInuse)-float64(before.HeapInuse))/(1<<20), "heap-growth-MB")
	b.ReportMetric(float64(residentBytes())/(1<<20), "rss-MB")
	b.ReportMetric(float64(residentBytes()-rssBefore)/(1<<20), "rss-growth-MB")
	b.ReportMetric(float64(n), "tenants")
}

// residentBytes is the process's resident set (Linux), which counts the
// memory SQLite and libSQL allocate outside the Go heap; 0 elsewhere.
func residentBytes() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchCachedDB times DB on a tenant whose pool is open.
func BenchCachedDB(b *testing.B, store tenants.Store) {
	m := benchManager(b, store, 0)
	createTenants(b, m, "hot", 1)
	ctx := context.Background()
	if _, err := m.DB(ctx, "hot0"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.DB(ctx, "hot0"); err != nil {
			b.Fatal(err)
		}
	}
}
