package suite

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// migPortableUser is a model written for every GORM driver at once, as
// applications are: index settings that only MySQL or Postgres have a form
// for (the prefix length MySQL needs to index TEXT, FULLTEXT and SPATIAL
// classes, USING methods, options, comments) and their column types.
type migPortableUser struct {
	ID      uint    `gorm:"primaryKey"`
	OidcID  string  `gorm:"uniqueIndex:uix_mig_portable_oidc_id,length:512"`
	Email   string  `gorm:"type:varchar(255);uniqueIndex:uix_mig_portable_email,type:btree,comment:one account per address"`
	Name    string  `gorm:"type:varchar(100);index:idx_mig_portable_name,length:32,sort:desc"`
	Bio     string  `gorm:"type:longtext;index:idx_mig_portable_bio,class:FULLTEXT,option:WITH PARSER ngram"`
	Area    []byte  `gorm:"type:bytea;index:idx_mig_portable_area,class:SPATIAL"`
	Prefs   string  `gorm:"type:jsonb;index:idx_mig_portable_prefs,type:gin,option:CONCURRENTLY"`
	Handle  string  `gorm:"type:char(36);uniqueIndex:uix_mig_portable_handle,type:hash,option:INCLUDE (name)"`
	UUID    string  `gorm:"type:uuid;index:idx_mig_portable_uuid,option:NULLS DISTINCT"`
	Notes   string  `gorm:"type:mediumtext"`
	Balance float64 `gorm:"type:decimal(12,2)"`
	Visits  int64   `gorm:"type:bigint;index:idx_mig_portable_visits,class:NONCLUSTERED"`
	Admin   bool    `gorm:"type:tinyint(1);not null;default:false"`
	TeamA   string  `gorm:"type:varchar(64);index:idx_mig_portable_team,priority:1,length:20,type:btree"`
	TeamB   string  `gorm:"type:varchar(64);index:idx_mig_portable_team,priority:2,length:10"`
}

func init() {
	register("MigratorPortableModel", func(t *testing.T, env Env) {
		db, rec := openRecorded(t, env)
		require.NoError(t, db.AutoMigrate(&migPortableUser{}))
		rec.take()

		// Each index is created as an ordinary (unique) index, and one Info
		// line says what of it was left out.
		wantLeftOut := map[string][]string{
			"uix_mig_portable_oidc_id": {"length 512 of oidc_id"},
			"uix_mig_portable_email":   {"type btree", `comment "one account per address"`},
			"idx_mig_portable_name":    {"length 32 of name"},
			"idx_mig_portable_bio":     {"class FULLTEXT", `option "WITH PARSER ngram"`},
			"idx_mig_portable_area":    {"class SPATIAL"},
			"idx_mig_portable_prefs":   {"type gin", `option "CONCURRENTLY"`},
			"uix_mig_portable_handle":  {"type hash", `option "INCLUDE (name)"`},
			"idx_mig_portable_uuid":    {`option "NULLS DISTINCT"`},
			"idx_mig_portable_visits":  {"class NONCLUSTERED"},
			"idx_mig_portable_team":    {"length 20 of team_a", "length 10 of team_b", "type btree"},
		}
		infos := rec.takeInfo()
		for name, parts := range wantLeftOut {
			var lines []string
			for _, l := range infos {
				if strings.Contains(l, "index "+name+" ") {
					lines = append(lines, l)
				}
			}
			if assert.Len(t, lines, 1, "one Info line for index %s in %q", name, infos) {
				for _, p := range parts {
					assert.Contains(t, lines[0], p, name)
				}
			}
		}
		assert.Len(t, infos, len(wantLeftOut), "no other Info lines: %q", infos)

		var defs []struct{ Name, SQL string }
		require.NoError(t, db.Raw("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'mig_portable_users' AND sql IS NOT NULL ORDER BY name").Scan(&defs).Error)
		got := map[string]string{}
		for _, d := range defs {
			got[d.Name] = d.SQL
		}
		assert.Equal(t, map[string]string{
			"idx_mig_portable_area":    "CREATE INDEX `idx_mig_portable_area` ON `mig_portable_users` (`area`)",
			"idx_mig_portable_bio":     "CREATE INDEX `idx_mig_portable_bio` ON `mig_portable_users` (`bio`)",
			"idx_mig_portable_name":    "CREATE INDEX `idx_mig_portable_name` ON `mig_portable_users` (`name` desc)",
			"idx_mig_portable_prefs":   "CREATE INDEX `idx_mig_portable_prefs` ON `mig_portable_users` (`prefs`)",
			"idx_mig_portable_team":    "CREATE INDEX `idx_mig_portable_team` ON `mig_portable_users` (`team_a`, `team_b`)",
			"idx_mig_portable_uuid":    "CREATE INDEX `idx_mig_portable_uuid` ON `mig_portable_users` (`uuid`)",
			"idx_mig_portable_visits":  "CREATE INDEX `idx_mig_portable_visits` ON `mig_portable_users` (`visits`)",
			"uix_mig_portable_email":   "CREATE UNIQUE INDEX `uix_mig_portable_email` ON `mig_portable_users` (`email`)",
			"uix_mig_portable_handle":  "CREATE UNIQUE INDEX `uix_mig_portable_handle` ON `mig_portable_users` (`handle`)",
			"uix_mig_portable_oidc_id": "CREATE UNIQUE INDEX `uix_mig_portable_oidc_id` ON `mig_portable_users` (`oidc_id`)",
		}, got)

		// The column types are declared as the tags spell them, as
		// gorm.io/driver/sqlite declares them.
		var cols []struct{ Name, Type string }
		require.NoError(t, db.Raw("SELECT name, type FROM pragma_table_info('mig_portable_users')").Scan(&cols).Error)
		types := map[string]string{}
		for _, c := range cols {
			types[c.Name] = c.Type
		}
		for col, typ := range map[string]string{"email": "varchar(255)", "bio": "longtext", "area": "bytea", "prefs": "jsonb",
			"handle": "char(36)", "uuid": "uuid", "notes": "mediumtext", "balance": "decimal(12,2)", "visits": "bigint", "admin": "tinyint(1)"} {
			assert.Equal(t, typ, types[col], col)
		}

		u := migPortableUser{OidcID: strings.Repeat("o", 600), Email: "a@example.com", Name: "Ann", Bio: "b", Area: []byte{1, 2},
			Prefs: `{"theme":"dark"}`, Handle: "h-1", UUID: "6f1c0c4e-7d1b-4c8e-9a55-2f0e4b1b9a10", Notes: "n", Balance: 12.5,
			Visits: 3, Admin: true, TeamA: "red", TeamB: "one"}
		require.NoError(t, db.Create(&u).Error)
		var back migPortableUser
		require.NoError(t, db.First(&back, u.ID).Error)
		assert.Equal(t, u, back)
		// Unique over the whole value, as on Postgres (which has no prefix
		// indexes either): a value sharing the first 512 characters is
		// another value.
		require.NoError(t, db.Create(&migPortableUser{OidcID: strings.Repeat("o", 599) + "p", Email: "b@example.com", Handle: "h-2"}).Error)
		require.ErrorIs(t, db.Create(&migPortableUser{OidcID: u.OidcID, Email: "c@example.com", Handle: "h-3"}).Error, gorm.ErrDuplicatedKey)

		rec.take()
		require.NoError(t, db.AutoMigrate(&migPortableUser{}))
		assert.Empty(t, rec.take(), "a second AutoMigrate issues no DDL")
		assert.Empty(t, rec.takeInfo(), "nor logs what was left out again")
	})

	register("MigratorIndexRefusesUnknownClass", func(t *testing.T, env Env) {
		// Leaving out a class SQLite does not know could change what the
		// index admits (here a misspelt UNIQUE), so it is refused, and the
		// whole AutoMigrate rolls back.
		type MigTypoClass struct {
			ID   uint
			Code string `gorm:"index:idx_mig_typo_code,class:UNIQE"`
		}
		db := env.Open(t)
		err := db.AutoMigrate(&MigTypoClass{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "index idx_mig_typo_code on table mig_typo_classes: SQLite has no UNIQE indexes")
		assert.False(t, db.Migrator().HasTable(&MigTypoClass{}), "the table's creation is rolled back with its index")
	})
}
