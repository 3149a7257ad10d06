//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql

import (
	stdlog "log"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

func TestParseCreateTable(t *testing.T) {
	def, err := parseCreateTable("CREATE TABLE \"a, b\" (\n" +
		"  id integer PRIMARY KEY AUTOINCREMENT, -- the key, (really)\n" +
		"  `my col` varchar(10, 2) NOT NULL DEFAULT 'x,)' COLLATE NOCASE,\n" +
		"  p_id int CONSTRAINT fk_p REFERENCES p(id) ON DELETE SET NULL ON UPDATE SET DEFAULT NOT DEFERRABLE,\n" +
		"  g text GENERATED ALWAYS AS (upper(\"my col\")) STORED,\n" +
		"  /* c */ [n] numeric DEFAULT -1 CHECK (n > 0 AND n <> 3),\n" +
		"  CONSTRAINT uni_x UNIQUE (`my col`, n),\n" +
		"  FOREIGN KEY (p_id) REFERENCES p (id)\n" +
		") WITHOUT ROWID")
	require.NoError(t, err)
	require.Len(t, def.columns, 5)
	assert.Equal(t, " WITHOUT ROWID", def.tail)

	col := def.column("MY COL")
	require.NotNil(t, col)
	assert.Equal(t, "varchar(10, 2)", col.typ)
	dflt, ok := col.clause("DEFAULT")
	require.True(t, ok)
	assert.Equal(t, "'x,)'", dflt.body)

	ref, ok := def.column("p_id").clause("REFERENCES")
	require.True(t, ok)
	assert.Equal(t, "fk_p", ref.name)
	assert.Equal(t, "CONSTRAINT fk_p REFERENCES p(id) ON DELETE SET NULL ON UPDATE SET DEFAULT NOT DEFERRABLE", ref.text)
	assert.Len(t, def.column("p_id").clauses, 1)

	gen, ok := def.column("g").clause("GENERATED")
	require.True(t, ok)
	assert.Contains(t, gen.text, "STORED")

	chk, ok := def.column("n").clause("CHECK")
	require.True(t, ok)
	assert.Equal(t, "(n > 0 AND n <> 3)", chk.body)

	require.Len(t, def.constraints, 2)
	assert.Equal(t, []string{"my col", "n"}, def.constraints[0].columns)
	assert.Equal(t, "FOREIGN", def.constraints[1].kind)
	tc, _, _ := def.constraintNamed("UNI_X")
	assert.NotNil(t, tc)

	// Rendering and parsing again gives the same columns.
	again, err := parseCreateTable(def.sql("t2"))
	require.NoError(t, err)
	for i, c := range def.columns {
		assert.Equal(t, c.sql(), again.columns[i].sql())
	}

	_, err = parseCreateTable("CREATE TABLE t AS SELECT 1")
	require.Error(t, err)
	_, err = parseCreateTable("CREATE TABLE t (a text, b 'unterminated)")
	require.Error(t, err)
}

func TestParseCreateIndex(t *testing.T) {
	idx, err := parseCreateIndex("CREATE UNIQUE INDEX IF NOT EXISTS main.`i x` ON t (a COLLATE NOCASE DESC, lower(b), \"c\") WHERE a > 0")
	require.NoError(t, err)
	assert.True(t, idx.unique)
	assert.Equal(t, "i x", idx.nameTok.Ident())
	assert.Equal(t, []string{"a", "lower(b)", "c"}, idx.items)
	assert.Equal(t, "a > 0", idx.where)

	vec, err := parseCreateIndex("CREATE INDEX v ON docs (libsql_vector_idx(emb, 'metric=cosine'))")
	require.NoError(t, err)
	assert.Equal(t, []string{"libsql_vector_idx(emb, 'metric=cosine')"}, vec.items)

	// The same index as stored locally and as libSQL re-renders it for the
	// primary of an embedded replica reads the same.
	for _, stored := range []string{
		"CREATE INDEX e ON t (lower(d), a+b*2, t.c) WHERE c <> '' AND x IN (1,2)",
		"CREATE INDEX e ON t (lower (d), a + b * 2, t . c) WHERE c <> '' AND x IN ( 1 , 2 );",
	} {
		e, err := parseCreateIndex(stored)
		require.NoError(t, err)
		assert.Equal(t, []string{"lower(d)", "a + b * 2", "t.c"}, e.items, stored)
		assert.Equal(t, "c <> '' AND x IN (1, 2)", e.where, stored)
	}
}

func TestMergeColumnKeepsOtherConstraints(t *testing.T) {
	old, err := parseColumn("c", "text NOT NULL DEFAULT 'a' CONSTRAINT fk REFERENCES p(id) CHECK (c <> '')")
	require.NoError(t, err)
	want, err := parseColumn("c", "integer DEFAULT 0")
	require.NoError(t, err)
	assert.Equal(t, "`c` integer DEFAULT 0 CONSTRAINT fk REFERENCES p(id) CHECK (c <> '')", mergeColumn(old, want).sql())
}

// A successful DropColumn of an indexed column logs no failed statement.
func TestDropIndexedColumnLogsNoError(t *testing.T) {
	type logged struct {
		ID   uint
		Code string `gorm:"index"`
		Tag  string `gorm:"index:tag_expr,expression:lower(tag)"`
	}
	var buf strings.Builder
	log := logger.New(stdlog.New(&buf, "", 0), logger.Config{LogLevel: logger.Info, Colorful: false})
	db, err := gorm.Open(Open(Config{Database: filepath.Join(t.TempDir(), "d.db")}), &gorm.Config{Logger: log})
	require.NoError(t, err)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	defer sqlDB.Close()
	require.NoError(t, db.AutoMigrate(&logged{}))
	buf.Reset()
	require.NoError(t, db.Migrator().DropColumn(&logged{}, "Code"))
	require.NoError(t, db.Migrator().DropColumn(&logged{}, "Tag"))
	assert.False(t, db.Migrator().HasColumn(&logged{}, "Code"))
	assert.False(t, db.Migrator().HasColumn(&logged{}, "Tag"))
	assert.NotContains(t, buf.String(), "error")
}
