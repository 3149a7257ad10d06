package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/gorm-libsql/libsql/tests/bench/runner"
	"github.com/gorm-libsql/libsql/tests/bench/workload"
)

// The backends the summary compares. ours is GORM on this dialect; the
// baselines are GORM on mattn with its defaults, with the dialect's
// settings, and with those settings and GORM tuned as its docs advise
// (SkipDefaultTransaction, PrepareStmt); floor is plain database/sql on
// go-libsql with the same settings.
const (
	ours       = "libsql"
	mattn      = "mattn"
	mattnEqual = "mattn-wal"
	mattnTuned = "mattn-wal-tuned"
	floor      = "golibsql-sql-wal"
)

// baselines are the GORM backends ours must match (the target column).
var baselines = []string{mattn, mattnEqual, mattnTuned}

// backendOrder is the row order of the detail table; others follow by name.
var backendOrder = []string{
	"libsql", "libsql-prepare", "mattn", "mattn-wal", "mattn-wal-tuned", "golibsql-sql", "golibsql-sql-wal", "libsql-sql", "mattn-sql",
	"libsql-remote", "golibsql-sql-remote", "libsql-replica", "golibsql-sql-replica",
}

// summary indexes results by workload and backend.
type summary struct {
	workloads []string
	backends  []string
	runs      map[[2]string][]runner.Result
}

func summarize(results []runner.Result) *summary {
	s := &summary{runs: map[[2]string][]runner.Result{}}
	for _, r := range results {
		key := [2]string{r.Workload, r.Backend}
		if _, seen := s.runs[key]; !seen {
			if !slices.Contains(s.workloads, r.Workload) {
				s.workloads = append(s.workloads, r.Workload)
			}
			if !slices.Contains(s.backends, r.Backend) {
				s.backends = append(s.backends, r.Backend)
			}
		}
		s.runs[key] = append(s.runs[key], r)
	}
	sort.SliceStable(s.workloads, func(i, j int) bool { return workloadRank(s.workloads[i]) < workloadRank(s.workloads[j]) })
	sort.SliceStable(s.backends, func(i, j int) bool {
		ri, rj := backendRank(s.backends[i]), backendRank(s.backends[j])
		if ri != rj {
			return ri < rj
		}
		return s.backends[i] < s.backends[j]
	})
	return s
}

func workloadRank(name string) int {
	for i, w := range workload.All {
		if w.Name == name {
			return i
		}
	}
	return len(workload.All)
}

func backendRank(name string) int {
	if i := slices.Index(backendOrder, name); i >= 0 {
		return i
	}
	return len(backendOrder)
}

// ratio is the median over rounds of a's ops/s divided by b's in the same
// round: both ran within seconds of each other, so the machine's load
// mostly cancels out. ok is false when no round has both.
func (s *summary) ratio(w, a, b string) (float64, bool) {
	var rs []float64
	for _, ra := range s.runs[[2]string{w, a}] {
		for _, rb := range s.runs[[2]string{w, b}] {
			if ra.Round == rb.Round && ra.Failed == "" && rb.Failed == "" && rb.OpsPerSec > 0 {
				rs = append(rs, ra.OpsPerSec/rb.OpsPerSec)
			}
		}
	}
	if len(rs) == 0 {
		return 0, false
	}
	return median(rs), true
}

// stat is the median of one number over a backend's successful rounds.
func (s *summary) stat(w, b string, get func(runner.Result) float64) (float64, bool) {
	var vs []float64
	for _, r := range s.runs[[2]string{w, b}] {
		if r.Failed == "" {
			vs = append(vs, get(r))
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	return median(vs), true
}

func median(vs []float64) float64 {
	vs = slices.Clone(vs)
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

func printTable(w io.Writer, results []runner.Result, header string) {
	s := summarize(results)
	fmt.Fprintf(w, "<!-- %s -->\n\n", header)
	printSummary(w, s)
	printRemote(w, s)
	printDetails(w, s)
	printFailures(w, s)
}

func title(name string) string {
	if wl, ok := workload.ByName(name); ok {
		return wl.Title
	}
	return name
}

// printSummary is the headline: GORM on this dialect against GORM on mattn
// and against the engine's floor, as ops/s ratios (above 1.00 is faster).
func printSummary(w io.Writer, s *summary) {
	if !slices.Contains(s.backends, ours) {
		return
	}
	fmt.Fprintf(w, "GORM on this dialect (`%s`) as a multiple of the others' ops/s, median of per-round ratios (>= 1.00x: we are as fast or faster)\n\n", ours)
	fmt.Fprintln(w, "| Workload | vs mattn defaults | vs mattn, equal settings | vs mattn, equal settings, GORM tuned | vs go-libsql database/sql, equal settings | target >= 1.00x mattn |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|:---:|")
	for _, wl := range s.workloads {
		if len(s.runs[[2]string{wl, ours}]) == 0 {
			continue
		}
		cells := []string{title(wl)}
		met := true
		compared := false
		for _, base := range slices.Concat(baselines, []string{floor}) {
			r, ok := s.ratio(wl, ours, base)
			if !ok {
				cells = append(cells, "–")
				continue
			}
			cells = append(cells, fmt.Sprintf("%.2fx", r))
			if base != floor {
				compared = true
				met = met && r >= 1
			}
		}
		switch {
		case !compared:
			cells = append(cells, "–")
		case met:
			cells = append(cells, "met")
		default:
			cells = append(cells, "**missed**")
		}
		fmt.Fprintln(w, "| "+strings.Join(cells, " | ")+" |")
	}
	fmt.Fprintln(w)
}

// printRemote shows round trips per operation for the server backends.
func printRemote(w io.Writer, s *summary) {
	var server []string
	for _, b := range s.backends {
		for _, wl := range s.workloads {
			if _, ok := s.stat(wl, b, reqPerOp); ok && hasRequests(s, wl, b) {
				server = append(server, b)
				break
			}
		}
	}
	if len(server) == 0 {
		return
	}
	fmt.Fprintln(w, "HTTP requests per operation, counted by the loopback proxy (targets: replica reads 0; remote GORM <= the go-libsql floor)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Workload | "+strings.Join(server, " | ")+" |")
	fmt.Fprintln(w, "|---|"+strings.Repeat("---:|", len(server)))
	for _, wl := range s.workloads {
		cells := []string{title(wl)}
		seen := false
		for _, b := range server {
			if v, ok := s.stat(wl, b, reqPerOp); ok && hasRequests(s, wl, b) {
				cells = append(cells, fmt.Sprintf("%.2f", v))
				seen = true
			} else {
				cells = append(cells, "–")
			}
		}
		if seen {
			fmt.Fprintln(w, "| "+strings.Join(cells, " | ")+" |")
		}
	}
	fmt.Fprintln(w)
}

func hasRequests(s *summary, wl, b string) bool {
	for _, r := range s.runs[[2]string{wl, b}] {
		if r.Failed == "" && r.RequestsPerOp != nil {
			return true
		}
	}
	return false
}

func reqPerOp(r runner.Result) float64 {
	if r.RequestsPerOp == nil {
		return 0
	}
	return *r.RequestsPerOp
}

// printDetails lists every backend's numbers, medians over rounds.
func printDetails(w io.Writer, s *summary) {
	fmt.Fprintln(w, "| Workload | Backend | ops/s | p50 | p99 | allocs/op | errors | vs mattn | vs mattn-wal | vs mattn-wal-tuned |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, wl := range s.workloads {
		for _, b := range s.backends {
			runs := s.runs[[2]string{wl, b}]
			if len(runs) == 0 {
				continue
			}
			ops, ok := s.stat(wl, b, func(r runner.Result) float64 { return r.OpsPerSec })
			if !ok {
				fmt.Fprintf(w, "| %s | %s | failed | | | | | | | |\n", title(wl), b)
				continue
			}
			p50, _ := s.stat(wl, b, func(r runner.Result) float64 { return r.P50Micros })
			p99, _ := s.stat(wl, b, func(r runner.Result) float64 { return r.P99Micros })
			allocs, _ := s.stat(wl, b, func(r runner.Result) float64 { return r.AllocsPerOp })
			errs, total := 0, 0
			for _, r := range runs {
				errs += r.Errors
				total += r.Ops
			}
			errCell := "0"
			if errs > 0 {
				errCell = fmt.Sprintf("**%d/%d**", errs, total)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", title(wl), b,
				formatOps(ops), formatMicros(p50), formatMicros(p99), formatCount(allocs), errCell,
				ratioCell(s, wl, b, mattn), ratioCell(s, wl, b, mattnEqual), ratioCell(s, wl, b, mattnTuned))
		}
	}
	fmt.Fprintln(w)
}

func ratioCell(s *summary, wl, b, base string) string {
	if b == base {
		return "1.00x"
	}
	if r, ok := s.ratio(wl, b, base); ok {
		return fmt.Sprintf("%.2fx", r)
	}
	return "–"
}

// printFailures lists backends that could not run a workload, and the first
// error of workloads with failed operations.
func printFailures(w io.Writer, s *summary) {
	var lines []string
	for _, wl := range s.workloads {
		for _, b := range s.backends {
			for _, r := range s.runs[[2]string{wl, b}] {
				var line string
				switch {
				case r.Failed != "":
					line = fmt.Sprintf("- %s / %s: could not run: %s", b, wl, r.Failed)
				case r.Errors > 0:
					line = fmt.Sprintf("- %s / %s: %d of %d operations failed, e.g.: %s", b, wl, r.Errors, r.Ops, shorten(r.FirstError))
				default:
					continue
				}
				lines = append(lines, line)
				break
			}
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w, "Errors (first round that had any):")
	fmt.Fprintln(w)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintln(w)
}

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		return s[:160] + "…"
	}
	return s
}

func formatOps(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func formatMicros(us float64) string {
	switch {
	case us >= 10000:
		return fmt.Sprintf("%.0f ms", us/1000)
	case us >= 1000:
		return fmt.Sprintf("%.1f ms", us/1000)
	case us >= 100:
		return fmt.Sprintf("%.0f µs", us)
	}
	return fmt.Sprintf("%.1f µs", us)
}

func formatCount(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
