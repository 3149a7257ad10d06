//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

// Command bench-libsql measures the backends that link libSQL: GORM on this
// dialect, and plain database/sql on go-libsql's own driver (the engine's
// floor) and on the dialect's internal driver. mattn/go-sqlite3 cannot be
// linked beside libSQL, so its backends live in tests/bench/cmd/bench-mattn.
// Run it through benchtable; see docs/benchmarks.md.
package main

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"fmt"
	"os"
	"strings"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/internal/driver"
	"github.com/gorm-libsql/libsql/tests/bench/runner"
	"github.com/gorm-libsql/libsql/tests/bench/workload"
	golibsql "github.com/tursodatabase/go-libsql"
	"gorm.io/gorm"
)

func main() {
	if err := initGoLibSQL(); err != nil {
		fmt.Fprintln(os.Stderr, "bench-libsql:", err)
		os.Exit(1)
	}
	workload.Batcher = func(ctx context.Context, db *gorm.DB, build func(*gorm.DB) error) error {
		_, err := libsql.Batch(ctx, db, build)
		return err
	}
	runner.Main([]*runner.Backend{
		dialect("libsql", "local",
			"dialect defaults: WAL, synchronous=NORMAL, busy_timeout=10s, BEGIN IMMEDIATE, foreign_keys=ON",
			func(env runner.Env) libsql.Config { return libsql.Config{Database: env.Path} }),
		{
			Name: "libsql-prepare", Mode: "local", API: "gorm",
			Settings: "dialect defaults, GORM with PrepareStmt",
			Open: func(env runner.Env, cfg *gorm.Config) (runner.Opened, error) {
				cfg.PrepareStmt = true
				db, err := gorm.Open(libsql.New(libsql.Config{Database: env.Path}), cfg)
				return runner.Opened{GORM: db}, err
			},
		},
		{
			Name: "libsql-sql", Mode: "local", API: "sql",
			Settings: "database/sql on the dialect's internal driver, same defaults as libsql",
			Open: func(env runner.Env, _ *gorm.Config) (runner.Opened, error) {
				c, err := driver.NewConnector(driver.DefaultOptions(env.Path))
				if err != nil {
					return runner.Opened{}, err
				}
				return runner.Opened{SQL: sql.OpenDB(c)}, nil
			},
		},
		{
			Name: "golibsql-sql", Mode: "local", API: "sql",
			Settings: "database/sql on go-libsql, its defaults: journal_mode=DELETE, synchronous=FULL, no busy timeout",
			Open: func(env runner.Env, _ *gorm.Config) (runner.Opened, error) {
				db, err := sql.Open("libsql", "file:"+env.Path)
				return runner.Opened{SQL: db}, err
			},
		},
		{
			Name: "golibsql-sql-wal", Mode: "local", API: "sql",
			Settings: "database/sql on go-libsql with the dialect's settings: " + strings.Join(equalPragmas, "; "),
			Open: func(env runner.Env, _ *gorm.Config) (runner.Opened, error) {
				c, err := goLibSQLConnector("file:" + env.Path)
				if err != nil {
					return runner.Opened{}, err
				}
				return runner.Opened{SQL: sql.OpenDB(pragmaConnector{c, equalPragmas})}, nil
			},
		},
		dialect("libsql-remote", "remote", "dialect remote mode",
			func(env runner.Env) libsql.Config { return libsql.Config{URL: env.URL, AuthToken: env.AuthToken} }),
		{
			Name: "golibsql-sql-remote", Mode: "remote", API: "sql",
			Settings: "database/sql on go-libsql's remote connector",
			Open: func(env runner.Env, _ *gorm.Config) (runner.Opened, error) {
				db, err := sql.Open("libsql", env.URL+"?authToken="+env.AuthToken)
				return runner.Opened{SQL: db}, err
			},
		},
		{
			Name: "libsql-replica", Mode: "replica", API: "gorm",
			Settings: "dialect embedded replica, syncing on demand",
			Open: func(env runner.Env, cfg *gorm.Config) (runner.Opened, error) {
				db, err := gorm.Open(libsql.New(libsql.Config{Database: env.Path, URL: env.URL, AuthToken: env.AuthToken}), cfg)
				return runner.Opened{GORM: db, Sync: func() error {
					_, err := libsql.Sync(context.Background(), db)
					return err
				}}, err
			},
		},
		{
			Name: "golibsql-sql-replica", Mode: "replica", API: "sql",
			Settings: "database/sql on go-libsql's embedded replica connector, syncing on demand",
			Open: func(env runner.Env, _ *gorm.Config) (runner.Opened, error) {
				c, err := golibsql.NewEmbeddedReplicaConnector(env.Path, env.URL, golibsql.WithAuthToken(env.AuthToken))
				if err != nil {
					return runner.Opened{}, err
				}
				return runner.Opened{SQL: sql.OpenDB(c), Sync: func() error {
					_, err := c.Sync()
					return err
				}}, nil
			},
		},
	})
}

// initGoLibSQL makes go-libsql's first connection before the dialect's
// driver touches the engine: go-libsql configures SQLite's threading mode on
// its first connect and aborts the process (a Rust assertion) if SQLite was
// already initialized by another caller.
func initGoLibSQL() error {
	db, err := sql.Open("libsql", ":memory:")
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Ping()
}

// equalPragmas give go-libsql the dialect's default settings.
var equalPragmas = []string{"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=10000", "PRAGMA foreign_keys=ON"}

// goLibSQLConnector opens a connector of go-libsql's registered driver,
// which the package does not export.
func goLibSQLConnector(name string) (sqldriver.Connector, error) {
	db, err := sql.Open("libsql", name)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.Driver().(sqldriver.DriverContext).OpenConnector(name)
}

// pragmaConnector runs settings on each new connection, as the dialect's
// driver does, since go-libsql takes none in its DSN.
type pragmaConnector struct {
	sqldriver.Connector
	pragmas []string
}

func (p pragmaConnector) Connect(ctx context.Context) (sqldriver.Conn, error) {
	c, err := p.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	q, ok := c.(sqldriver.QueryerContext)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("go-libsql connection %T cannot run statements directly", c)
	}
	for _, pragma := range p.pragmas {
		// go-libsql's Exec refuses statements that return a row, as these do.
		rows, err := q.QueryContext(ctx, pragma, nil)
		if err == nil {
			err = rows.Close()
		}
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("%s: %w", pragma, err)
		}
	}
	return c, nil
}

// dialect is a GORM backend on this dialect.
func dialect(name, mode, settings string, config func(runner.Env) libsql.Config) *runner.Backend {
	return &runner.Backend{
		Name: name, Mode: mode, API: "gorm", Settings: settings,
		Open: func(env runner.Env, cfg *gorm.Config) (runner.Opened, error) {
			db, err := gorm.Open(libsql.New(config(env)), cfg)
			return runner.Opened{GORM: db}, err
		},
	}
}
