package runner

import (
	"context"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorm-libsql/libsql/tests/bench/workload"
)

// Result is one measurement, printed as a JSON line.
type Result struct {
	Round    int     `json:"round"`
	Backend  string  `json:"backend"`
	Mode     string  `json:"mode"`
	API      string  `json:"api"`
	Workload string  `json:"workload"`
	Ops      int     `json:"ops"`
	Workers  int     `json:"workers"`
	Seconds  float64 `json:"seconds"`
	// OpsPerSec counts only operations that succeeded.
	OpsPerSec   float64 `json:"ops_per_sec"`
	P50Micros   float64 `json:"p50_us"`
	P99Micros   float64 `json:"p99_us"`
	AllocsPerOp float64 `json:"allocs_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
	// Errors counts failed operations; FirstError shows one of them.
	Errors     int    `json:"errors"`
	FirstError string `json:"first_error,omitempty"`
	// RequestsPerOp is HTTP requests through the counting proxy per
	// operation; nil for local backends.
	RequestsPerOp *float64 `json:"requests_per_op,omitempty"`
	// Failed is set when the backend could not run the workload at all.
	Failed string `json:"failed,omitempty"`
}

// profiling, when set, receives a CPU profile of the timed operations.
var profiling *os.File

// measure runs warm operations untimed, then ops timed operations spread
// over workers goroutines. Latency is per operation; allocations are the
// whole process's during the timed part, divided by ops.
func measure(ctx context.Context, op workload.Op, warm, ops, workers int, requests func() int64) Result {
	for i := range warm {
		_ = op(ctx, i)
	}
	runtime.GC()
	var before, after runtime.MemStats
	lat := make([][]time.Duration, workers)
	for w := range lat {
		lat[w] = make([]time.Duration, 0, ops/workers+1)
	}
	var next atomic.Int64
	var errs atomic.Int64
	var firstErr atomic.Pointer[string]
	var wg sync.WaitGroup
	runtime.ReadMemStats(&before)
	if profiling != nil {
		// Profiles accumulate only the timed operations, not setup.
		if err := pprof.StartCPUProfile(profiling); err != nil {
			return Result{Failed: "cpu profile: " + err.Error()}
		}
	}
	reqBefore := requests()
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= ops {
					return
				}
				t0 := time.Now()
				err := op(ctx, warm+i)
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil {
					errs.Add(1)
					msg := err.Error()
					firstErr.CompareAndSwap(nil, &msg)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if profiling != nil {
		pprof.StopCPUProfile()
	}
	reqAfter := requests()
	runtime.ReadMemStats(&after)

	all := slices.Concat(lat...)
	slices.Sort(all)
	r := Result{
		Ops:         ops,
		Workers:     workers,
		Seconds:     elapsed.Seconds(),
		OpsPerSec:   float64(ops-int(errs.Load())) / elapsed.Seconds(),
		P50Micros:   percentile(all, 0.50),
		P99Micros:   percentile(all, 0.99),
		AllocsPerOp: float64(after.Mallocs-before.Mallocs) / float64(ops),
		BytesPerOp:  float64(after.TotalAlloc-before.TotalAlloc) / float64(ops),
		Errors:      int(errs.Load()),
	}
	if p := firstErr.Load(); p != nil {
		r.FirstError = *p
	}
	if reqBefore >= 0 {
		perOp := float64(reqAfter-reqBefore) / float64(ops)
		r.RequestsPerOp = &perOp
	}
	return r
}

// percentile reads the q-quantile of sorted latencies, in microseconds.
func percentile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	i = min(max(i, 0), len(sorted)-1)
	return float64(sorted[i]) / float64(time.Microsecond)
}
