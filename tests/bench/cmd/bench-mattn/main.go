// Command bench-mattn measures GORM on gorm.io/driver/sqlite (mattn/go-sqlite3),
// the driver GORM users pick today, and plain database/sql on mattn. It is
// its own Go module because mattn's SQLite and libSQL define the same C
// symbols and cannot be linked into one binary; benchtable runs it beside
// bench-libsql and compares them.
package main

import (
	"database/sql"

	"github.com/gorm-libsql/libsql/tests/bench/runner"
	_ "github.com/mattn/go-sqlite3"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
)

// equalSettings gives mattn the dialect's defaults, so that the comparison
// shows the libraries rather than their journal modes.
const equalSettings = "?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000&_txlock=immediate&_foreign_keys=1"

func main() {
	runner.Main([]*runner.Backend{
		gormBackend("mattn", "", false, "gorm.io/driver/sqlite defaults: journal_mode=DELETE, synchronous=FULL, busy_timeout=5s, BEGIN DEFERRED, foreign_keys=OFF"),
		gormBackend("mattn-wal", equalSettings, false, "equal settings: "+equalSettings),
		gormBackend("mattn-wal-tuned", equalSettings, true, "equal settings, and GORM tuned as its docs advise: SkipDefaultTransaction, PrepareStmt"),
		{
			Name: "mattn-sql", Mode: "local", API: "sql",
			Settings: "database/sql on mattn/go-sqlite3 with the equal settings",
			Open: func(env runner.Env, _ *gorm.Config) (runner.Opened, error) {
				db, err := sql.Open("sqlite3", env.Path+equalSettings)
				return runner.Opened{SQL: db}, err
			},
		},
	})
}

// gormBackend is GORM on mattn with params in the DSN; tuned sets what
// GORM's performance guide advises (runner.Tune).
func gormBackend(name, params string, tuned bool, settings string) *runner.Backend {
	return &runner.Backend{
		Name: name, Mode: "local", API: "gorm", Settings: settings,
		Open: func(env runner.Env, cfg *gorm.Config) (runner.Opened, error) {
			if tuned {
				runner.Tune(cfg)
			}
			db, err := gorm.Open(sqlite.Open(env.Path+params), cfg)
			return runner.Opened{GORM: db}, err
		},
	}
}
