package ddl_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gorm-libsql/libsql/internal/ddl"
)

func TestParseTable(t *testing.T) {
	def, err := ddl.ParseTable("CREATE TABLE \"a, b\" (\n" +
		"  id integer PRIMARY KEY AUTOINCREMENT, -- the key, (really)\n" +
		"  `my col` varchar(10, 2) NOT NULL DEFAULT 'x,)' COLLATE NOCASE,\n" +
		"  p_id int CONSTRAINT fk_p REFERENCES p(id) ON DELETE SET NULL ON UPDATE SET DEFAULT NOT DEFERRABLE,\n" +
		"  g text GENERATED ALWAYS AS (upper(\"my col\")) STORED,\n" +
		"  /* c */ [n] numeric DEFAULT -1 CHECK (n > 0 AND n <> 3),\n" +
		"  CONSTRAINT uni_x UNIQUE (`my col`, n),\n" +
		"  FOREIGN KEY (p_id) REFERENCES p (id)\n" +
		") WITHOUT ROWID")
	require.NoError(t, err)
	require.Len(t, def.Columns, 5)

	col := def.Column("MY COL")
	require.NotNil(t, col)
	assert.Equal(t, "varchar(10, 2)", col.Type)
	dflt, ok := col.Clause("DEFAULT")
	require.True(t, ok)
	assert.Equal(t, "'x,)'", dflt.Body)

	ref, ok := def.Column("p_id").Clause("REFERENCES")
	require.True(t, ok)
	assert.Equal(t, "fk_p", ref.Name)
	assert.Equal(t, "CONSTRAINT fk_p REFERENCES p(id) ON DELETE SET NULL ON UPDATE SET DEFAULT NOT DEFERRABLE", ref.Text)
	assert.Len(t, def.Column("p_id").Clauses, 1)

	gen, ok := def.Column("g").Clause("GENERATED")
	require.True(t, ok)
	assert.Contains(t, gen.Text, "STORED")

	chk, ok := def.Column("n").Clause("CHECK")
	require.True(t, ok)
	assert.Equal(t, "(n > 0 AND n <> 3)", chk.Body)

	require.Len(t, def.Constraints, 2)
	assert.Equal(t, []string{"my col", "n"}, def.Constraints[0].Columns)
	assert.Equal(t, "FOREIGN", def.Constraints[1].Kind)
	tc, _, _ := def.ConstraintNamed("UNI_X")
	assert.NotNil(t, tc)
	_, c, at := def.ConstraintNamed("FK_P")
	require.NotNil(t, c)
	assert.Equal(t, "p_id", c.Name)
	assert.Equal(t, 0, at)

	// Rendering and parsing again gives the same columns and keeps what
	// follows the column list.
	rendered := def.SQL("t2")
	assert.True(t, strings.HasPrefix(rendered, "CREATE TABLE `t2` ("), rendered)
	assert.True(t, strings.HasSuffix(rendered, ") WITHOUT ROWID"), rendered)
	again, err := ddl.ParseTable(rendered)
	require.NoError(t, err)
	require.Len(t, again.Columns, len(def.Columns))
	for i, c := range def.Columns {
		assert.Equal(t, c.SQL(), again.Columns[i].SQL())
	}

	_, err = ddl.ParseTable("CREATE TABLE t AS SELECT 1")
	require.Error(t, err)
	_, err = ddl.ParseTable("CREATE TABLE t (a text, b 'unterminated)")
	require.Error(t, err)
}

func TestParseIndex(t *testing.T) {
	stored := "CREATE UNIQUE INDEX IF NOT EXISTS main.`i x` ON t (a COLLATE NOCASE DESC, lower(b), \"c\") WHERE a > 0"
	idx, err := ddl.ParseIndex(stored)
	require.NoError(t, err)
	assert.True(t, idx.Unique)
	assert.Equal(t, "i x", idx.Name)
	assert.Equal(t, []string{"a", "lower(b)", "c"}, idx.Items)
	assert.Equal(t, "a > 0", idx.Where)
	assert.Equal(t, strings.Replace(stored, "`i x`", "`j`", 1), idx.Renamed("j"))
	assert.True(t, idx.Uses("B"))
	assert.False(t, idx.Uses("d"))

	vec, err := ddl.ParseIndex("CREATE INDEX v ON docs (libsql_vector_idx(emb, 'metric=cosine'))")
	require.NoError(t, err)
	assert.Equal(t, []string{"libsql_vector_idx(emb, 'metric=cosine')"}, vec.Items)

	// The same index as stored locally and as libSQL re-renders it for the
	// primary of an embedded replica reads the same.
	for _, stored := range []string{
		"CREATE INDEX e ON t (lower(d), a+b*2, t.c) WHERE c <> '' AND x IN (1,2)",
		"CREATE INDEX e ON t (lower (d), a + b * 2, t . c) WHERE c <> '' AND x IN ( 1 , 2 );",
	} {
		e, err := ddl.ParseIndex(stored)
		require.NoError(t, err)
		assert.Equal(t, []string{"lower(d)", "a + b * 2", "t.c"}, e.Items, stored)
		assert.Equal(t, "c <> '' AND x IN (1, 2)", e.Where, stored)
	}

	// JSON operators stay whole, so the item is still SQL.
	j, err := ddl.ParseIndex("CREATE INDEX j ON t (d->>'$.a', d -> 'b') WHERE d->>'$.c' IS NOT NULL")
	require.NoError(t, err)
	assert.Equal(t, []string{"d ->> '$.a'", "d -> 'b'"}, j.Items)
	assert.Equal(t, "d ->> '$.c' IS NOT NULL", j.Where)
}

func TestMergeColumnKeepsOtherConstraints(t *testing.T) {
	old, err := ddl.ParseColumn("c", "text NOT NULL DEFAULT 'a' CONSTRAINT fk REFERENCES p(id) CHECK (c <> '')")
	require.NoError(t, err)
	want, err := ddl.ParseColumn("c", "integer DEFAULT 0")
	require.NoError(t, err)
	merged := ddl.MergeColumn(old, want)
	assert.Equal(t, "`c` integer DEFAULT 0 CONSTRAINT fk REFERENCES p(id) CHECK (c <> '')", merged.SQL())
	assert.True(t, ddl.SameClauses(old, merged, "REFERENCES"))
	assert.False(t, ddl.SameClauses(old, merged, "DEFAULT"))
	merged.WithoutClause("CHECK")
	assert.Equal(t, "`c` integer DEFAULT 0 CONSTRAINT fk REFERENCES p(id)", merged.SQL())
}

func TestDropColumn(t *testing.T) {
	def, err := ddl.ParseTable("CREATE TABLE t (id integer PRIMARY KEY, a text, `b c` int, UNIQUE (a, \"B C\"), CHECK (a <> ''))")
	require.NoError(t, err)
	require.NoError(t, def.DropColumn("B C"))
	assert.Equal(t, "CREATE TABLE `t2` (`id` integer PRIMARY KEY, `a` text, CHECK (a <> ''))", def.SQL("t2"))
	require.ErrorContains(t, def.DropColumn("id"), "primary key")
	require.Error(t, def.DropColumn("missing"))

	keyed, err := ddl.ParseTable("CREATE TABLE t (a int, b int, PRIMARY KEY (a, b))")
	require.NoError(t, err)
	require.ErrorContains(t, keyed.DropColumn("b"), "part of the primary key")
}

func TestMentions(t *testing.T) {
	assert.True(t, ddl.Mentions("CREATE VIEW v AS SELECT \"My\" FROM t", "my"))
	assert.False(t, ddl.Mentions("CREATE VIEW v AS SELECT 'my' FROM t", "my"))
	// Text that does not lex is taken to use the name.
	assert.True(t, ddl.Mentions("SELECT 'open", "x"))
}
