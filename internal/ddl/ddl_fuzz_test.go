package ddl_test

import (
	"testing"

	"github.com/gorm-libsql/libsql/internal/ddl"
)

// FuzzParse: no text makes the parsers or the edits panic. (What they make
// of text SQLite accepts is checked against SQLite in
// FuzzTableAsSQLiteStoresIt.)
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
		if idx, err := ddl.ParseIndex(sql); err == nil {
			idx.Renamed("x")
			idx.Uses("a")
		}
		ddl.Mentions(sql, "a")
		if col, err := ddl.ParseColumn("c", sql); err == nil {
			ddl.MergeColumn(col, col)
			col.WithoutClause("CHECK")
		}
		def, err := ddl.ParseTable(sql)
		if err != nil {
			return
		}
		for _, c := range def.Columns {
			def.ConstraintNamed(c.Name)
		}
		def.SQL("t")
		if len(def.Columns) > 0 {
			def.DropColumn(def.Columns[0].Name)
		}
	})
}
