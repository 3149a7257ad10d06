package ddl_test

import (
	"testing"

	"github.com/gorm-libsql/libsql/internal/ddl"
)

// FuzzParse: no text makes the parsers panic, and a table they parse
// renders to a statement that parses to the same parts.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"CREATE TABLE `t` (`id` integer PRIMARY KEY AUTOINCREMENT, `n` text NOT NULL DEFAULT 'a,b', CONSTRAINT `c` CHECK ((n > 0) AND (n < 9)))",
		"CREATE TABLE \"a\"\"b\" ([x y] numeric(10, 2) -- c, )\n, \"z\" AS (x * 2) STORED, FOREIGN KEY (z) REFERENCES p(id) ON DELETE SET NULL) WITHOUT ROWID",
		"CREATE TABLE t (a /* ) */ int CONSTRAINT n UNIQUE ON CONFLICT REPLACE, b blob DEFAULT x'0a', c text COLLATE NOCASE CHECK (c <> '--'))",
		"CREATE UNIQUE INDEX IF NOT EXISTS main.`i` ON `t` (lower(`a`) COLLATE NOCASE DESC, b ASC) WHERE a IS NOT NULL;",
		"CREATE TABLE t AS SELECT 1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		ddl.ParseIndex(sql)
		ddl.Mentions(sql, "a")
		ddl.ParseColumn("c", sql)
		def, err := ddl.ParseTable(sql)
		if err != nil || len(def.Columns) == 0 {
			// SQLite stores no table without columns.
			return
		}
		for _, c := range def.Columns {
			c.SQL()
			def.ConstraintNamed(c.Name)
		}
		again, err := ddl.ParseTable(def.SQL("t"))
		if err != nil {
			t.Fatalf("%q renders as %q, which does not parse: %v", sql, def.SQL("t"), err)
		}
		if len(again.Columns) != len(def.Columns) || len(again.Constraints) != len(def.Constraints) {
			t.Fatalf("%q renders as %q: %d columns and %d constraints become %d and %d", sql, def.SQL("t"),
				len(def.Columns), len(def.Constraints), len(again.Columns), len(again.Constraints))
		}
		def.DropColumn(def.Columns[0].Name)
	})
}
