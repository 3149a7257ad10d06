//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package ddl_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gorm-libsql/libsql/internal/ddl"
	"github.com/gorm-libsql/libsql/internal/driver"
)

// FuzzTableAsSQLiteStoresIt: a column list SQLite accepts, as it stores
// it, parses to its columns (or is refused), and renders to a statement
// SQLite accepts with the same columns (name, type, NOT NULL, default, key).
func FuzzTableAsSQLiteStoresIt(f *testing.F) {
	for _, s := range []string{
		"`id` integer PRIMARY KEY AUTOINCREMENT, `n` text NOT NULL DEFAULT 'a,b', CONSTRAINT `c` CHECK ((n > 0) AND (n < 9))",
		"[x y] numeric(10, 2) -- c, )\n, \"z\"\"q\" AS (\"x y\" * 2) STORED, FOREIGN KEY (z) REFERENCES p(id) ON DELETE SET NULL",
		"a /* ) */ int CONSTRAINT n UNIQUE ON CONFLICT REPLACE, b blob DEFAULT x'0a', c text COLLATE NOCASE CHECK (c <> '--')",
		"a, b DEFAULT (1 + (2)), c CHECK(c IN ('(', ')')), PRIMARY KEY (a, b)",
		"a, b AS (a->>'$.x') VIRTUAL, c GENERATED ALWAYS AS (a -> 'y') STORED",
		"\"primary\" int, [unique] text, `check` blob, 'quoted' text DEFAULT 'a''b', key, rowid_ integer",
		"\"a\" varchar ( 20 ) NULL DEFAULT CURRENT_TIMESTAMP, b NOT NULL CONSTRAINT k REFERENCES t(a) DEFERRABLE INITIALLY DEFERRED",
	} {
		f.Add(s)
	}
	connector, err := driver.NewConnector(driver.DefaultOptions(":memory:"))
	require.NoError(f, err)
	db := sql.OpenDB(connector)
	f.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	columns := func(t *testing.T, table string) []string {
		rows, err := db.Query("SELECT name, type, \"notnull\", coalesce(dflt_value, 'NULL'), pk FROM pragma_table_xinfo(?)", table)
		require.NoError(t, err)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var name, typ, dflt string
			var notNull, pk int
			require.NoError(t, rows.Scan(&name, &typ, &notNull, &dflt, &pk))
			out = append(out, fmt.Sprintf("%s %s %d %s %d", name, typ, notNull, dflt, pk))
		}
		require.NoError(t, rows.Err())
		return out
	}
	f.Fuzz(func(t *testing.T, body string) {
		if strings.ContainsFunc(body, func(r rune) bool { return r < ' ' && !strings.ContainsRune("\t\n\r\f", r) }) {
			// Control bytes other than blanks: SQLite's tokenizer and ours
			// disagree on \v, and no tool writes them in a schema.
			return
		}
		db.Exec("DROP TABLE IF EXISTS t")
		db.Exec("DROP TABLE IF EXISTS t2")
		if _, err := db.Exec("CREATE TABLE t (" + body + ")"); err != nil {
			return
		}
		var stored string
		require.NoError(t, db.QueryRow("SELECT sql FROM sqlite_master WHERE name = 't'").Scan(&stored))
		def, err := ddl.ParseTable(stored)
		if err != nil {
			// Refusing a statement is safe (the migrator then leaves the
			// table alone); SQLite takes some oddities no tool writes, such
			// as a CONSTRAINT name with no constraint after it.
			return
		}
		want := columns(t, "t")
		require.Len(t, def.Columns, len(want), stored)
		rendered := def.SQL("t2")
		_, err = db.Exec(rendered)
		require.NoError(t, err, "%s\nrenders as\n%s", stored, rendered)
		require.Equal(t, want, columns(t, "t2"), "%s\nrenders as\n%s", stored, rendered)
	})
}
