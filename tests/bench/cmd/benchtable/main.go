// Command benchtable runs the benchmark binaries (bench-libsql and
// bench-mattn) in interleaved rounds and prints a Markdown table that
// compares the backends. The machine is shared and noisy, so the table leads
// with ratios between backends measured side by side in the same round; the
// absolute numbers are context.
//
//	cd tests && go run ./bench/cmd/benchtable -libsql ../bin/bench-libsql -mattn ../bin/bench-mattn
//
// or make bench. -out saves the raw JSON lines and -in prints a table from
// saved ones without running anything.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorm-libsql/libsql/tests/bench/runner"
	"github.com/gorm-libsql/libsql/tests/bench/workload"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
)

func main() {
	var (
		libsqlBin = flag.String("libsql", "bin/bench-libsql", "bench-libsql binary")
		mattnBin  = flag.String("mattn", "bin/bench-mattn", "bench-mattn binary")
		rounds    = flag.Int("rounds", 3, "rounds; each runs every workload on every backend once")
		scale     = flag.Float64("scale", 1, "multiplies every workload's operation count")
		workloads = flag.String("workloads", "", "comma-separated workloads (default all)")
		sqldURL   = flag.String("sqld-url", "", `sqld for the remote and replica backends (loopback http://), or "auto" to start one (scripts/install-sqld.sh installs it)`)
		authToken = flag.String("auth-token", "", "auth token for -sqld-url")
		latency   = flag.Duration("latency", 0, "latency the proxy adds to each request to sqld")
		out       = flag.String("out", "", "also write the raw results (JSON lines) to this file")
		in        = flag.String("in", "", "print the table from saved results instead of running")
	)
	flag.Parse()
	results, err := collect(*in, *sqldURL, *authToken, roundsConfig{
		bins:   []string{*libsqlBin, *mattnBin},
		rounds: *rounds, scale: *scale, workloads: *workloads, latency: *latency,
	})
	if err == nil && *out != "" {
		err = writeFile(*out, results)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	printTable(os.Stdout, results, header(*rounds, *scale, *latency))
}

// collect reads saved results, or runs the rounds, starting sqld first when
// asked to.
func collect(in, sqldURL, authToken string, cfg roundsConfig) ([]runner.Result, error) {
	if in != "" {
		return readFile(in)
	}
	if sqldURL == "auto" {
		bin, err := sqldtest.Binary()
		if err != nil {
			return nil, err
		}
		srv, err := sqldtest.Start(bin)
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		sqldURL, authToken = srv.URL, srv.TokenExpiring(time.Now().Add(24*time.Hour))
	}
	if sqldURL != "" {
		cfg.remote = []string{"-sqld-url", sqldURL, "-auth-token", authToken, "-latency", cfg.latency.String()}
	}
	return runRounds(cfg)
}

func header(rounds int, scale float64, latency time.Duration) string {
	return fmt.Sprintf("%s, %s/%s, %d CPUs; %d rounds, scale %g, proxy latency %s; %s",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), rounds, scale, latency,
		time.Now().UTC().Format("2006-01-02"))
}

type roundsConfig struct {
	bins      []string
	rounds    int
	scale     float64
	workloads string
	latency   time.Duration
	// remote are the server flags passed to bench-libsql.
	remote []string
}

// runRounds runs each workload on every binary, alternating which binary
// goes first, so that a slow moment of the machine is spread over all of
// them rather than landing on one.
func runRounds(cfg roundsConfig) ([]runner.Result, error) {
	names := []string{}
	if cfg.workloads != "" {
		names = strings.Split(cfg.workloads, ",")
	} else {
		for _, w := range workload.All {
			names = append(names, w.Name)
		}
	}
	var all []runner.Result
	for r := range cfg.rounds {
		for wi, w := range names {
			order := slices.Clone(cfg.bins)
			if (r+wi)%2 == 1 {
				slices.Reverse(order)
			}
			for _, bin := range order {
				args := []string{"-workloads", w, "-round", strconv.Itoa(r), "-scale", strconv.FormatFloat(cfg.scale, 'g', -1, 64)}
				if strings.Contains(bin, "libsql") {
					args = append(args, cfg.remote...)
				}
				fmt.Fprintf(os.Stderr, "round %d/%d %-10s %s\n", r+1, cfg.rounds, w, bin)
				res, err := runBinary(bin, args)
				if err != nil {
					return nil, err
				}
				all = append(all, res...)
			}
		}
	}
	return all, nil
}

func runBinary(bin string, args []string) ([]runner.Result, error) {
	cmd := exec.Command(bin, args...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w", bin, strings.Join(args, " "), err)
	}
	return decode(&stdout)
}

func decode(r io.Reader) ([]runner.Result, error) {
	var out []runner.Result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var res runner.Result
		if err := json.Unmarshal(sc.Bytes(), &res); err != nil {
			return nil, fmt.Errorf("result line %q: %w", sc.Text(), err)
		}
		out = append(out, res)
	}
	return out, sc.Err()
}

func readFile(path string) ([]runner.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return decode(f)
}

func writeFile(path string, results []runner.Result) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
