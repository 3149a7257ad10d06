package sqltext

import (
	"database/sql/driver"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMultiStatement(t *testing.T) {
	cases := map[string]bool{
		"SELECT 1":                                      false,
		"SELECT 1;":                                     false,
		"SELECT 1; ;; -- done\n /* end */":              false,
		"SELECT ';'; ":                                  false,
		`SELECT "a;b", [c;d], ` + "`e;f`":               false,
		"SELECT 1 -- ; SELECT 2":                        false,
		"SELECT 1 /* ; SELECT 2 */":                     false,
		"SELECT 'it''s; fine'":                          false,
		"SELECT 1; SELECT 2":                            true,
		"CREATE TABLE a (x); INSERT INTO a VALUES (1);": true,
		"SELECT 1;/* c */SELECT 2":                      true,
	}
	for sql, want := range cases {
		assert.Equal(t, want, MultiStatement(sql), sql)
	}
}

func TestParams(t *testing.T) {
	sql := "SELECT ?, :a, ?5, @b, :a, ?, $c, 'x?:y', \"?\", a$b -- ?\n /* :z */ FROM t WHERE x = ?"
	var got []Param
	for _, p := range Params(sql) {
		got = append(got, Param{Index: p.Index, Name: p.Name})
		assert.Equal(t, p.Name == "" && sql[p.Start:p.End] == "?" || sql[p.Start:p.End] == p.Name, true)
	}
	assert.Equal(t, []Param{
		{Index: 1}, {Index: 2, Name: ":a"}, {Index: 5, Name: "?5"}, {Index: 6, Name: "@b"},
		{Index: 2, Name: ":a"}, {Index: 7}, {Index: 8, Name: "$c"}, {Index: 9},
	}, got)
	assert.Empty(t, Params("SELECT 'no ? here', [:x] -- @y"))
}

func TestPragmaName(t *testing.T) {
	cases := map[string]string{
		"PRAGMA foreign_keys":                "foreign_keys",
		" pragma Foreign_Keys = OFF;":        "foreign_keys",
		"PRAGMA main.foreign_keys=1":         "foreign_keys",
		`PRAGMA "main"."defer_foreign_keys"`: "defer_foreign_keys",
		"PRAGMA table_info(t)":               "table_info",
		"/* c */ PRAGMA user_version":        "user_version",
	}
	for sql, want := range cases {
		name, ok := PragmaName(sql)
		assert.True(t, ok, sql)
		assert.Equal(t, want, name, sql)
	}
	for _, sql := range []string{"SELECT 1", "PRAGMA", "pragmatic", "SELECT * FROM pragma_table_info('t')"} {
		_, ok := PragmaName(sql)
		assert.False(t, ok, sql)
	}
}

func TestPositional(t *testing.T) {
	args := []driver.NamedValue{
		{Ordinal: 1, Name: "a", Value: "x\x00"},
		{Ordinal: 2, Name: "id", Value: int64(1)},
		{Ordinal: 3, Name: "unused", Value: "u"},
		{Ordinal: 4, Value: int64(9)},
	}
	cast := func(v driver.Value) string {
		if s, ok := v.(string); ok && strings.Contains(s, "\x00") {
			return "TEXT"
		}
		return ""
	}
	q, at, n := Positional("UPDATE t SET a = :a, b = :a || '?:x', c = ?4 WHERE id = @id AND d = $a", args, cast)
	assert.Equal(t, "UPDATE t SET a = CAST(?1 AS TEXT), b = CAST(?1 AS TEXT) || '?:x', c = ?4 WHERE id = ?5 AND d = ?6", q)
	assert.Equal(t, []int{1, 5, 0, 4}, at)
	assert.Equal(t, 6, n)

	// Without named parameters or casts the text is kept as it is.
	q, at, n = Positional("SELECT ?, ?", []driver.NamedValue{{Ordinal: 1}, {Ordinal: 2}}, nil)
	assert.Equal(t, "SELECT ?, ?", q)
	assert.Equal(t, []int{1, 2}, at)
	assert.Equal(t, 2, n)
}

func TestReadOnly(t *testing.T) {
	for _, sql := range []string{
		"SELECT 1", " select * from t; SELECT 2;", "VALUES (1)", "EXPLAIN QUERY PLAN SELECT 1",
		"WITH c AS (SELECT 1) SELECT * FROM c", "SELECT replace(a, 'x', 'y') FROM t", "SELECT 'INSERT INTO t'",
	} {
		assert.True(t, ReadOnly(sql), sql)
	}
	for _, sql := range []string{
		"", "INSERT INTO t VALUES (1)", "SELECT 1; DELETE FROM t", "WITH c AS (SELECT 1) INSERT INTO t SELECT * FROM c",
		"WITH c AS (SELECT 1) REPLACE INTO t SELECT * FROM c", "PRAGMA query_only=0", "(SELECT 1)", "CREATE TABLE x (a)",
	} {
		assert.False(t, ReadOnly(sql), sql)
	}
}

func TestTransactionControl(t *testing.T) {
	for sql, want := range map[string]string{
		"BEGIN": "BEGIN", " begin immediate;": "BEGIN", "COMMIT": "COMMIT", "end transaction": "COMMIT",
		"ROLLBACK": "ROLLBACK", "rollback transaction": "ROLLBACK", "ROLLBACK TO sp": "ROLLBACK TO",
		"rollback transaction to savepoint sp": "ROLLBACK TO", "/* c */ SAVEPOINT sp": "SAVEPOINT", "RELEASE sp": "RELEASE",
		"SELECT 1": "", "": "", "INSERT INTO t VALUES ('BEGIN')": "", "'BEGIN'": "", "beginning": "",
	} {
		assert.Equal(t, want, TransactionControl(sql), sql)
	}
}

func TestNameParts(t *testing.T) {
	cases := map[string][]string{
		"users":              {"users"},
		"main.users":         {"main", "users"},
		"`a.b`":              {"a.b"},
		"`a``b`.\"c\"\"d\"":  {"a`b", `c"d`},
		"[x y].z":            {"x y", "z"},
		"":                   {""},
		"a..b":               {"a", "", "b"},
		"`a` DESC, `b`":      {"`a` DESC, `b`"},
		"`a":                 {"`a"},
		"`a``":               {"`a``"},
		"\"a\"x.`b`":         {"\"a\"x", "b"},
		"`id`; DROP TABLE t": {"`id`; DROP TABLE t"},
	}
	for name, want := range cases {
		assert.Equal(t, want, NameParts(name), name)
	}
}

func TestQuotedName(t *testing.T) {
	parts, ok := QuotedName("`a``b`.`c.d`", '`')
	assert.True(t, ok)
	assert.Equal(t, []string{"a`b", "c.d"}, parts)
	for _, text := range []string{"", "a", "`a` b", "`a`.", "`a", "`a``", "\"a\"", "`a`.b", "`a`--", "`a`/**/"} {
		_, ok := QuotedName(text, '`')
		assert.False(t, ok, text)
	}
}

func TestTakesWriteLock(t *testing.T) {
	for sql, want := range map[string]bool{
		"BEGIN IMMEDIATE":                    true,
		"begin exclusive transaction;":       true,
		"  /* c */ BEGIN -- x\n Immediate":   true,
		"BEGIN":                              false,
		"BEGIN DEFERRED":                     false,
		"BEGIN TRANSACTION":                  false,
		"SELECT 'BEGIN IMMEDIATE'":           false,
		"INSERT INTO t VALUES ('immediate')": false,
		"COMMIT":                             false,
		"":                                   false,
		"\"BEGIN\" IMMEDIATE":                false,
	} {
		assert.Equal(t, want, TakesWriteLock(sql), sql)
	}
}

func TestInserts(t *testing.T) {
	for sql, want := range map[string]bool{
		"INSERT INTO t VALUES (1)":                                                                   true,
		"  insert or ignore into t values (1)":                                                       true,
		"/* c */ REPLACE INTO t VALUES (1)":                                                          true,
		"INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING":                                            true,
		"WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x":                                         true,
		`WITH RECURSIVE "x"(n) AS (SELECT 1 UNION SELECT n+1 FROM x) REPLACE INTO t SELECT n FROM x`: true,
		"WITH x AS (INSERT INTO t VALUES (1)) SELECT 1":                                              false,
		"WITH x AS (SELECT 1) UPDATE t SET a = (SELECT * FROM x)":                                    false,
		"UPDATE t SET a = 1":                                                                         false,
		"DELETE FROM t":                                                                              false,
		"SELECT 'INSERT'":                                                                            false,
		"CREATE TRIGGER tr AFTER UPDATE ON t BEGIN INSERT INTO u VALUES (1); END":                    false,
		"EXPLAIN INSERT INTO t VALUES (1)":                                                           false,
		"":                                                                                           false,
		"(INSERT)":                                                                                   false,
	} {
		assert.Equal(t, want, Inserts(sql), sql)
	}
}
