package libsql_test

// Examples that need no engine: they run with CGO_ENABLED=0 too.

import (
	"errors"
	"fmt"

	"github.com/gorm-libsql/libsql"
)

func ExampleParseDSN() {
	cfg, err := libsql.ParseDSN("file:app.db?busy_timeout=250&foreign_keys=off")
	if err != nil {
		panic(err)
	}
	mode, _ := cfg.Mode()
	fmt.Println(mode, cfg.Database, cfg.BusyTimeout, cfg.DisableForeignKeys)

	cfg, _ = libsql.ParseDSN("libsql://db.example.com?authToken=TOKEN")
	mode, _ = cfg.Mode()
	fmt.Println(mode, cfg.URL)

	_, err = libsql.ParseDSN("app.db?journal_mode=fast")
	fmt.Println(err)
	// Output:
	// local file:app.db 250ms true
	// remote libsql://db.example.com
	// libsql: unknown JournalMode "fast" (want WAL, DELETE, TRUNCATE, PERSIST, MEMORY or OFF)
}

// ParseConstraintError reads a violation from an error that was not
// translated, in any mode.
func ExampleParseConstraintError() {
	err := errors.New("Hrana: `stream error: `Error { message: \"SQLite error: NOT NULL constraint failed: users.name\", code: \"SQLITE_CONSTRAINT\" }``")
	if ce := libsql.ParseConstraintError(err); ce != nil {
		fmt.Println(ce.Kind, ce.Table, ce.Columns, errors.Is(ce, libsql.ErrNotNullViolated))
	}
	// Output: NOT NULL users [name] true
}
