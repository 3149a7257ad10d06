//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"strings"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/internal/sqltext"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

func quoted(name string) string {
	var b strings.Builder
	libsql.Dialector{}.QuoteTo(&b, name)
	return b.String()
}

// FuzzQuoteTo: whatever the name, QuoteTo writes only backtick-quoted
// identifiers joined by dots, one per part of the name, and the engine
// reads a one-part name back as exactly that identifier.
func FuzzQuoteTo(f *testing.F) {
	for _, seed := range []string{
		"users", "main.users", "`a.b`", "\"x\"", "[y]", "a`b", "`id`, (SELECT 1), `id`", "\"a\" OR 1=1 --\"",
		"`a` DESC, `b`", "a\x00b", "``", "`", "\xff", "x -- y", "x /* y", "a..b", "?", "@x", ";",
	} {
		f.Add(seed)
	}
	db := openLocal(f, &gorm.Config{})
	f.Fuzz(func(t *testing.T, name string) {
		out := quoted(name)
		parts, ok := sqltext.QuotedName(out, '`')
		require.True(t, ok, "%q quoted as %q", name, out)
		require.Equal(t, sqltext.NameParts(name), parts)
		if len(parts) != 1 || strings.IndexByte(name, 0) >= 0 {
			return // SQLite reads SQL text only up to a NUL byte
		}
		rows, err := db.Raw("SELECT 1 AS " + out).Rows()
		require.NoError(t, err, out)
		defer rows.Close()
		cols, err := rows.Columns()
		require.NoError(t, err)
		require.Equal(t, []string{parts[0]}, cols)
	})
}

// A sort column taken from user input stays one column name: quotes in it
// cannot end the identifier and run the rest as SQL.
func TestQuoteToSortColumnFromInput(t *testing.T) {
	type item struct {
		ID   uint
		Name string
	}
	db := openLocal(t, &gorm.Config{})
	require.NoError(t, db.AutoMigrate(&item{}))
	require.NoError(t, db.Create(&[]item{{Name: "a"}, {Name: "b"}}).Error)
	for _, input := range []string{
		"`id`, (SELECT CASE WHEN (SELECT count(*) FROM items) > 1 THEN 1 ELSE abs(-9223372036854775808) END), `id`",
		`"id" DESC, "id"`,
	} {
		var got []item
		err := db.Order(clause.OrderByColumn{Column: clause.Column{Name: input}}).Find(&got).Error
		require.ErrorContains(t, err, "no such column", input)
	}
	var got []item
	require.NoError(t, db.Order(clause.OrderByColumn{Column: clause.Column{Name: "`id`"}, Desc: true}).Find(&got).Error)
	require.Len(t, got, 2)
	require.Greater(t, got[0].ID, got[1].ID)
}
