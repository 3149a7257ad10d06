// Package runner is the command line shared by the benchmark binaries: each
// binary lists the backends it links, and Main runs the chosen workloads on
// them and prints one JSON line per measurement for benchtable to compare.
package runner

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorm-libsql/libsql/tests/bench/workload"
	"github.com/gorm-libsql/libsql/tests/internal/proxy"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Backend is one way of reaching a database that the binary can measure.
type Backend struct {
	// Name identifies the backend in results, e.g. "libsql" or "mattn-wal".
	Name string
	// Mode is "local", "remote" or "replica"; remote and replica backends
	// run only when a server is given (-sqld-url).
	Mode string
	// API is "gorm" when Open returns a *gorm.DB, "sql" for plain database/sql.
	API string
	// Settings documents the pragmas the backend runs with.
	Settings string
	// Open opens the backend on an empty database.
	Open func(env Env, cfg *gorm.Config) (Opened, error)
}

// Tune sets what GORM's performance guide advises for speed: no default
// transaction around single writes, and prepared statements kept per
// connection.
func Tune(cfg *gorm.Config) {
	cfg.SkipDefaultTransaction = true
	cfg.PrepareStmt = true
}

// Opened is an open backend.
type Opened struct {
	// GORM is set for GORM backends; SQL always (for GORM, its pool).
	GORM *gorm.DB
	SQL  *sql.DB
	// Sync pulls the primary's changes into an embedded replica, after
	// seeding and before timing; nil for other modes.
	Sync func() error
}

// Env is where a backend opens its database.
type Env struct {
	// Path is a fresh local database file.
	Path string
	// URL is the server, through the counting proxy; AuthToken its token.
	URL       string
	AuthToken string
}

// Main parses the command line and runs the measurements.
func Main(backends []*Backend) {
	var (
		workloads   = flag.String("workloads", "", "comma-separated workloads to run (default all)")
		only        = flag.String("backends", "", "comma-separated backends to run (default every local one, and remote/replica ones when -sqld-url is set)")
		round       = flag.Int("round", 0, "round number, recorded in results and used to rotate the backend order")
		scale       = flag.Float64("scale", 1, "multiplies every workload's operation count")
		dir         = flag.String("dir", "", "directory for database files (default a new temporary one)")
		sqldURL     = flag.String("sqld-url", "", "sqld to measure remote and replica backends against (http:// on loopback)")
		authToken   = flag.String("auth-token", "", "auth token for -sqld-url")
		remoteScale = flag.Float64("remote-scale", 0.05, "further multiplies the operation count of remote and replica backends, whose operations are network round trips")
		latency     = flag.Duration("latency", 0, "delay the proxy adds to each request to the server")
		maxIdle     = flag.Int("max-idle", 8, "sql.DB idle connections kept by every backend (database/sql defaults to 2, which makes the concurrent workloads reopen connections)")
		cpuProfile  = flag.String("cpuprofile", "", "write a CPU profile of the timed operations to this file")
		list        = flag.Bool("list", false, "print the backends and workloads and exit")
	)
	flag.Parse()
	if *list {
		for _, b := range backends {
			fmt.Printf("backend\t%s\t%s\t%s\t%s\n", b.Name, b.Mode, b.API, b.Settings)
		}
		for _, w := range workload.All {
			fmt.Printf("workload\t%s\t%s\n", w.Name, w.Title)
		}
		return
	}
	if err := run(config{
		workloads: *workloads, backends: *only, round: *round, scale: *scale, remoteScale: *remoteScale, dir: *dir,
		sqldURL: *sqldURL, authToken: *authToken, latency: *latency, maxIdle: *maxIdle, cpuProfile: *cpuProfile,
	}, backends); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

type config struct {
	workloads, backends string
	round               int
	scale, remoteScale  float64
	dir                 string
	sqldURL, authToken  string
	latency             time.Duration
	maxIdle             int
	cpuProfile          string
}

func run(cfg config, all []*Backend) error {
	ws, err := pickWorkloads(cfg.workloads)
	if err != nil {
		return err
	}
	bs, err := pickBackends(cfg.backends, cfg.sqldURL != "", all)
	if err != nil {
		return err
	}
	if cfg.dir == "" {
		d, err := os.MkdirTemp("", "gorm-libsql-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		cfg.dir = d
	}
	requests := func() int64 { return -1 }
	var serverURL string
	if cfg.sqldURL != "" {
		p, err := proxy.New(cfg.sqldURL)
		if err != nil {
			return err
		}
		defer p.Close()
		p.SetLatency(cfg.latency)
		serverURL = p.URL()
		requests = p.Requests
	}
	if cfg.cpuProfile != "" {
		if len(ws) != 1 || len(bs) != 1 {
			return fmt.Errorf("-cpuprofile profiles one measurement: choose one workload and one backend")
		}
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		profiling = f
	}
	enc := json.NewEncoder(os.Stdout)
	for _, w := range ws {
		// Rotating the start each round spreads slow moments of a noisy
		// machine over every backend.
		for k := range bs {
			b := bs[(k+cfg.round)%len(bs)]
			env := Env{Path: filepath.Join(cfg.dir, fmt.Sprintf("%s-%s-%d.db", b.Name, w.Name, cfg.round))}
			counter := func() int64 { return -1 }
			if b.Mode != "local" {
				env.URL, env.AuthToken = serverURL, cfg.authToken
				counter = requests
			}
			r := runOne(b, w, env, cfg, counter)
			r.Round, r.Backend, r.Mode, r.API, r.Workload = cfg.round, b.Name, b.Mode, b.API, w.Name
			if err := enc.Encode(r); err != nil {
				return err
			}
			removeDB(env.Path)
		}
	}
	return nil
}

func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal", "-info", "-client_wal_index"} {
		os.Remove(path + suffix)
	}
}

func pickWorkloads(names string) ([]*workload.Workload, error) {
	if names == "" {
		return workload.All, nil
	}
	var ws []*workload.Workload
	for _, n := range strings.Split(names, ",") {
		w, ok := workload.ByName(strings.TrimSpace(n))
		if !ok {
			return nil, fmt.Errorf("unknown workload %q (see -list)", n)
		}
		ws = append(ws, w)
	}
	return ws, nil
}

func pickBackends(names string, haveServer bool, all []*Backend) ([]*Backend, error) {
	if names == "" {
		var bs []*Backend
		for _, b := range all {
			if b.Mode == "local" || haveServer {
				bs = append(bs, b)
			}
		}
		return bs, nil
	}
	var bs []*Backend
	for _, n := range strings.Split(names, ",") {
		n = strings.TrimSpace(n)
		var found *Backend
		for _, b := range all {
			if b.Name == n {
				found = b
			}
		}
		if found == nil {
			return nil, fmt.Errorf("unknown backend %q (see -list)", n)
		}
		if found.Mode != "local" && !haveServer {
			return nil, fmt.Errorf("backend %q needs a server: set -sqld-url", n)
		}
		bs = append(bs, found)
	}
	return bs, nil
}

// runOne opens the backend on a fresh database, seeds it, and measures.
func runOne(b *Backend, w *workload.Workload, env Env, cfg config, requests func() int64) Result {
	ctx := context.Background()
	scale := cfg.scale
	if b.Mode != "local" {
		scale *= cfg.remoteScale
	}
	ops := max(int(float64(w.Ops)*scale), w.Workers)
	warm := max(ops/10, 1)
	total := warm + ops

	o, err := b.Open(env, &gorm.Config{Logger: logger.Discard})
	if err == nil && o.SQL == nil {
		o.SQL, err = o.GORM.DB()
	}
	if err != nil {
		return Result{Failed: "open: " + err.Error()}
	}
	sdb := o.SQL
	defer sdb.Close()
	sdb.SetMaxIdleConns(cfg.maxIdle)

	if err := workload.Seed(ctx, sdb, w.SeedRows(total)); err != nil {
		return Result{Failed: err.Error()}
	}
	var op workload.Op
	if o.GORM != nil {
		op = w.GORM(o.GORM, total)
	} else if op, err = w.SQL(sdb, total); err != nil {
		return Result{Failed: "prepare: " + err.Error()}
	}
	if o.Sync != nil {
		if err := o.Sync(); err != nil {
			return Result{Failed: "sync: " + err.Error()}
		}
	}
	// Open the connections the workers will use before timing.
	if err := warmPool(ctx, sdb, w.Workers); err != nil {
		return Result{Failed: err.Error()}
	}
	return measure(ctx, op, warm, ops, w.Workers, requests)
}

// warmPool opens n connections and returns them to the pool idle.
func warmPool(ctx context.Context, db *sql.DB, n int) error {
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("open connection: %w", err)
		}
		conns = append(conns, c)
	}
	return nil
}
