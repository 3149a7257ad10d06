package suite

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// sqlRecorder is a GORM logger that keeps every statement run and every
// Info line.
type sqlRecorder struct {
	logger.Interface
	mu   sync.Mutex
	stmt []string
	info []string
}

func (r *sqlRecorder) LogMode(logger.LogLevel) logger.Interface { return r }

func (r *sqlRecorder) Info(_ context.Context, format string, args ...any) {
	r.mu.Lock()
	r.info = append(r.info, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// takeInfo returns the Info lines logged since the last call.
func (r *sqlRecorder) takeInfo() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.info
	r.info = nil
	return out
}

func (r *sqlRecorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	r.mu.Lock()
	r.stmt = append(r.stmt, sql)
	r.mu.Unlock()
}

// take returns the statements recorded since the last call that change
// schema or data.
func (r *sqlRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range r.stmt {
		word := strings.ToUpper(strings.Fields(s + " x")[0])
		switch word {
		case "CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE", "REINDEX":
			out = append(out, s)
		}
	}
	r.stmt = nil
	return out
}

func openRecorded(t *testing.T, env Env) (*gorm.DB, *sqlRecorder) {
	rec := &sqlRecorder{Interface: logger.Discard}
	return env.OpenWith(t, &gorm.Config{TranslateError: true, Logger: rec}), rec
}

func joined(stmts []string) string { return strings.Join(stmts, ";\n") }

type migParent struct {
	ID       uint   `gorm:"primaryKey"`
	Name     string `gorm:"size:64;not null;default:'anon'"`
	Note     string
	Score    float64 `gorm:"default:1.5"`
	Active   bool    `gorm:"default:true"`
	Code     string  `gorm:"unique"`
	Age      int     `gorm:"check:chk_mig_parents_age,age >= 0;index:idx_mig_parent_age,sort:desc"`
	Born     time.Time
	Created  time.Time `gorm:"autoCreateTime"`
	Data     []byte
	Children []migChild `gorm:"foreignKey:ParentID;constraint:OnDelete:CASCADE"`
}

type migChild struct {
	ID       uint `gorm:"primaryKey"`
	ParentID uint `gorm:"index"`
	Label    string
}

func countRows(t *testing.T, db *gorm.DB, table string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.Table(table).Count(&n).Error)
	return n
}

func init() {
	register("MigratorAutoMigrateIdempotent", func(t *testing.T, env Env) {
		db, rec := openRecorded(t, env)
		require.NoError(t, db.AutoMigrate(&migParent{}, &migChild{}))
		first := rec.take()
		assert.Contains(t, joined(first), "CREATE TABLE `mig_parents`")
		assert.Contains(t, joined(first), "CONSTRAINT `fk_mig_parents_children` FOREIGN KEY")

		require.NoError(t, db.AutoMigrate(&migParent{}, &migChild{}))
		assert.Empty(t, rec.take(), "a second AutoMigrate on unchanged models must issue no DDL")
		for _, name := range []string{"chk_mig_parents_age", "uni_mig_parents_code"} {
			assert.True(t, db.Migrator().HasConstraint(&migParent{}, name), name)
		}
		assert.True(t, db.Migrator().HasConstraint(&migParent{}, "Children"))
	})

	register("MigratorAlterColumnNative", func(t *testing.T, env Env) {
		type MigItem struct {
			ID    uint
			Qty   string
			Title string
		}
		db, rec := openRecorded(t, env)
		require.NoError(t, db.AutoMigrate(&MigItem{}))
		require.NoError(t, db.Exec("INSERT INTO mig_items (id, qty, title) VALUES (1, '7', 'a'), (2, 'x', NULL)").Error)
		rec.take()

		type MigItemV2 struct {
			ID    uint
			Qty   string `gorm:"type:varchar(20);default:'0'"`
			Title string `gorm:"check:chk_title,length(title) < 10"`
		}
		require.NoError(t, db.Table("mig_items").AutoMigrate(&MigItemV2{}))
		ddl := joined(rec.take())
		assert.Contains(t, ddl, "ALTER TABLE `mig_items` ALTER COLUMN `qty` TO `qty` varchar(20) DEFAULT '0'")
		assert.Contains(t, ddl, "ALTER COLUMN `title` TO `title` text CONSTRAINT `chk_title` CHECK (length(title) < 10)")
		assert.NotContains(t, ddl, "libsql_rebuild", "these changes need no rebuild")
		assert.Equal(t, int64(2), countRows(t, db, "mig_items"))

		// AutoMigrate never makes a nullable column NOT NULL (GORM's rule),
		// even when it alters the column for another reason.
		type MigItemV3 struct {
			ID    uint
			Qty   string `gorm:"type:varchar(20);default:'0'"`
			Title string `gorm:"not null;default:'t';check:chk_title,length(title) < 10"`
		}
		require.NoError(t, db.Table("mig_items").AutoMigrate(&MigItemV3{}))
		ddl = joined(rec.take())
		assert.Contains(t, ddl, "ALTER COLUMN `title` TO `title` text DEFAULT 't' CONSTRAINT `chk_title`")
		assert.NotContains(t, ddl, "NOT NULL")
		cols, err := db.Migrator().ColumnTypes("mig_items")
		require.NoError(t, err)
		nullable, _ := cols[2].Nullable()
		assert.True(t, nullable)

		// An explicit AlterColumn does apply NOT NULL; over NULL rows it
		// fails, names the column, and leaves the schema as it was.
		err = db.Table("mig_items").Migrator().AlterColumn(&MigItemV3{}, "Title")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "mig_items.title NOT NULL")
		cols, err = db.Migrator().ColumnTypes("mig_items")
		require.NoError(t, err)
		nullable, _ = cols[2].Nullable()
		assert.True(t, nullable)
		require.NoError(t, db.Exec("UPDATE mig_items SET title = 'b' WHERE title IS NULL").Error)
		require.NoError(t, db.Table("mig_items").Migrator().AlterColumn(&MigItemV3{}, "Title"))
		cols, err = db.Migrator().ColumnTypes("mig_items")
		require.NoError(t, err)
		nullable, _ = cols[2].Nullable()
		assert.False(t, nullable)

		// A NOT NULL column the model allows NULL in becomes nullable.
		type MigItemV3b struct {
			ID    uint
			Qty   string `gorm:"type:varchar(20);default:'0'"`
			Title string `gorm:"default:'t';check:chk_title,length(title) < 10"`
		}
		require.NoError(t, db.Table("mig_items").AutoMigrate(&MigItemV3b{}))
		cols, err = db.Migrator().ColumnTypes("mig_items")
		require.NoError(t, err)
		nullable, _ = cols[2].Nullable()
		assert.True(t, nullable)
		rec.take()

		// Text to integer: stored text that converts is rewritten, as a
		// fresh table would hold it; text that does not stays.
		type MigItemV4 struct {
			ID    uint
			Qty   int64 `gorm:"type:integer"`
			Title string
		}
		require.NoError(t, db.Table("mig_items").AutoMigrate(&MigItemV4{}))
		var types []string
		require.NoError(t, db.Raw("SELECT typeof(qty) FROM mig_items ORDER BY id").Scan(&types).Error)
		assert.Equal(t, []string{"integer", "text"}, types)
		assert.Equal(t, int64(2), countRows(t, db, "mig_items"))
	})

	register("MigratorRebuildKeepsChildren", func(t *testing.T, env Env) {
		type MigOwner struct {
			ID    uint
			Name  string `gorm:"index"`
			Email string
		}
		type MigPet struct {
			ID         uint
			MigOwnerID uint
			Owner      MigOwner `gorm:"foreignKey:MigOwnerID;constraint:OnDelete:CASCADE"`
		}
		db, rec := openRecorded(t, env)
		require.NoError(t, db.AutoMigrate(&MigOwner{}, &MigPet{}))
		require.NoError(t, db.Exec("INSERT INTO mig_owners (id, name, email) VALUES (1, 'a', 'a@x'), (2, 'b', 'b@x')").Error)
		require.NoError(t, db.Exec("INSERT INTO mig_pets (id, mig_owner_id) VALUES (1, 1), (2, 1), (3, 2)").Error)
		require.NoError(t, db.Exec("CREATE TRIGGER mig_owner_audit AFTER UPDATE ON mig_owners BEGIN SELECT 1; END").Error)
		require.NoError(t, db.Exec("CREATE VIEW mig_owner_names AS SELECT id, name FROM mig_owners").Error)
		rec.take()

		// An indexed column cannot be dropped natively: this rebuilds.
		require.NoError(t, db.Migrator().DropColumn(&MigOwner{}, "Name"))
		assert.Contains(t, joined(rec.take()), "libsql_rebuild_mig_owners")
		// A UNIQUE constraint can only be added by a rebuild too.
		type MigOwnerV2 struct {
			ID    uint
			Email string `gorm:"unique"`
		}
		require.NoError(t, db.Table("mig_owners").AutoMigrate(&MigOwnerV2{}))
		assert.Contains(t, joined(rec.take()), "libsql_rebuild_mig_owners")

		assert.Equal(t, int64(3), countRows(t, db, "mig_pets"), "the rebuild must not cascade to children")
		assert.Equal(t, int64(2), countRows(t, db, "mig_owners"))
		assert.False(t, db.Migrator().HasIndex("mig_owners", "idx_mig_owners_name"), "the index over the dropped column goes with it")
		var objs []string
		require.NoError(t, db.Raw("SELECT name FROM sqlite_master WHERE name IN ('mig_owner_audit', 'mig_owner_names') ORDER BY name").Scan(&objs).Error)
		assert.Equal(t, []string{"mig_owner_audit", "mig_owner_names"}, objs)
		assert.True(t, db.Migrator().HasConstraint("mig_owners", "uni_mig_owners_email"))

		// Foreign keys are on again on every pooled connection.
		for i := 0; i < 3; i++ {
			var on int
			require.NoError(t, db.Raw("PRAGMA foreign_keys").Row().Scan(&on))
			assert.Equal(t, 1, on)
		}
		require.NoError(t, db.Exec("DELETE FROM mig_owners WHERE id = 1").Error)
		assert.Equal(t, int64(1), countRows(t, db, "mig_pets"), "ON DELETE CASCADE still works")
	})

	register("MigratorFailureRollsBack", func(t *testing.T, env Env) {
		type MigAcct struct {
			ID   uint
			Mail string
		}
		db := env.Open(t)
		require.NoError(t, db.AutoMigrate(&MigAcct{}))
		require.NoError(t, db.Exec("INSERT INTO mig_accts (id, mail) VALUES (1, 'same'), (2, 'same')").Error)
		var before string
		require.NoError(t, db.Raw("SELECT group_concat(sql, ';') FROM sqlite_master").Row().Scan(&before))

		type MigAcctV2 struct {
			ID    uint
			Mail  string `gorm:"uniqueIndex"`
			Phone string
		}
		err := db.Table("mig_accts").AutoMigrate(&MigAcctV2{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "mig_accts")
		var after string
		require.NoError(t, db.Raw("SELECT group_concat(sql, ';') FROM sqlite_master").Row().Scan(&after))
		assert.Equal(t, before, after)
		assert.False(t, db.Migrator().HasColumn("mig_accts", "phone"), "no half-added column")
		assert.Equal(t, int64(2), countRows(t, db, "mig_accts"))
	})

	register("MigratorColumnTypes", func(t *testing.T, env Env) {
		type MigCol struct {
			ID    uint    `gorm:"primaryKey"`
			Name  string  `gorm:"type:varchar(40);not null;default:'hello world'"`
			Price float64 `gorm:"type:decimal(10,2)"`
			Code  string  `gorm:"unique"`
			Tag   string  `gorm:"uniqueIndex"`
		}
		db := env.Open(t)
		require.NoError(t, db.AutoMigrate(&MigCol{}))
		cols, err := db.Migrator().ColumnTypes(&MigCol{})
		require.NoError(t, err)
		byName := map[string]gorm.ColumnType{}
		for _, c := range cols {
			byName[c.Name()] = c
		}
		require.Len(t, byName, 5)
		id := byName["id"]
		pk, _ := id.PrimaryKey()
		auto, _ := id.AutoIncrement()
		assert.True(t, pk)
		assert.True(t, auto)

		name := byName["name"]
		assert.Equal(t, "varchar", name.DatabaseTypeName())
		full, _ := name.ColumnType()
		assert.Equal(t, "varchar(40)", full)
		length, ok := name.Length()
		assert.True(t, ok)
		assert.Equal(t, int64(40), length)
		nullable, _ := name.Nullable()
		assert.False(t, nullable)
		dv, ok := name.DefaultValue()
		assert.True(t, ok)
		assert.Equal(t, "hello world", dv)

		prec, scale, ok := byName["price"].DecimalSize()
		assert.True(t, ok)
		assert.Equal(t, []int64{10, 2}, []int64{prec, scale})
		_, ok = byName["price"].DefaultValue()
		assert.False(t, ok)

		uniq, _ := byName["code"].Unique()
		assert.True(t, uniq)
		uniq, _ = byName["tag"].Unique()
		assert.False(t, uniq, "a unique index is not a UNIQUE constraint")
		_, ok = byName["tag"].Length()
		assert.False(t, ok)
	})

	// ColumnTypes reports the Go type each column's cells scan to as the
	// rows of a query on the table do: both follow one rule.
	register("MigratorColumnTypesScanLikeRows", func(t *testing.T, env Env) {
		db := env.Open(t)
		require.NoError(t, db.Exec("CREATE TABLE scan_types (i integer, v varchar(10), b blob, r real, d decimal(10,2), "+
			"dt datetime, tm time, ok boolean, x)").Error)
		cols, err := db.Migrator().ColumnTypes("scan_types")
		require.NoError(t, err)
		rows, err := db.Raw("SELECT * FROM scan_types").Rows()
		require.NoError(t, err)
		defer rows.Close()
		fromRows, err := rows.ColumnTypes()
		require.NoError(t, err)
		require.Len(t, cols, len(fromRows))
		for i, c := range cols {
			assert.Equal(t, fromRows[i].Name(), c.Name())
			assert.Equal(t, fromRows[i].ScanType().String(), c.ScanType().String(), c.Name())
		}
		assert.Equal(t, reflect.TypeOf(time.Time{}), cols[5].ScanType(), "datetime decodes to time.Time")
	})

	register("MigratorTablesHideInternal", func(t *testing.T, env Env) {
		db := env.Open(t)
		require.NoError(t, db.Exec("CREATE TABLE mig_docs (id integer PRIMARY KEY AUTOINCREMENT, emb F32_BLOB(3), title text)").Error)
		require.NoError(t, db.Exec("CREATE INDEX mig_docs_emb ON mig_docs (libsql_vector_idx(emb))").Error)
		require.NoError(t, db.Exec("INSERT INTO mig_docs (emb, title) VALUES (vector('[1,2,3]'), 'a'), (vector('[3,2,1]'), 'b')").Error)
		tables, err := db.Migrator().GetTables()
		require.NoError(t, err)
		assert.Equal(t, []string{"mig_docs"}, tables)

		// A rebuild keeps the vector index working.
		type MigDoc struct {
			ID    uint
			Title string `gorm:"unique"`
		}
		require.NoError(t, db.Table("mig_docs").AutoMigrate(&MigDoc{}))
		var ids []int
		require.NoError(t, db.Raw("SELECT id FROM vector_top_k('mig_docs_emb', vector('[3,2,1]'), 1)").Scan(&ids).Error)
		assert.Equal(t, []int{2}, ids)
		tables, err = db.Migrator().GetTables()
		require.NoError(t, err)
		assert.Equal(t, []string{"mig_docs"}, tables)
		indexes, err := db.Migrator().GetIndexes("mig_docs")
		require.NoError(t, err)
		names := []string{}
		for _, idx := range indexes {
			names = append(names, idx.Name())
		}
		assert.Contains(t, names, "mig_docs_emb")
		tt, err := db.Migrator().TableType("mig_docs")
		require.NoError(t, err)
		assert.Equal(t, "table", tt.Type())
	})

	register("MigratorIndexes", func(t *testing.T, env Env) {
		type MigIdx struct {
			ID uint
			A  string `gorm:"index:idx_mig_ab,priority:1"`
			B  int    `gorm:"index:idx_mig_ab,priority:2,sort:desc"`
			C  string `gorm:"uniqueIndex:idx_mig_c_live,where:c <> ''"`
			D  string `gorm:"index:idx_mig_lower_d,expression:lower(d)"`
			E  string `gorm:"index"`
		}
		db := env.Open(t)
		require.NoError(t, db.AutoMigrate(&MigIdx{}))
		indexes, err := db.Migrator().GetIndexes(&MigIdx{})
		require.NoError(t, err)
		got := map[string]gorm.Index{}
		for _, idx := range indexes {
			got[idx.Name()] = idx
		}
		require.Contains(t, got, "idx_mig_ab")
		assert.Equal(t, []string{"a", "b"}, got["idx_mig_ab"].Columns())
		u, _ := got["idx_mig_c_live"].Unique()
		assert.True(t, u)
		assert.Equal(t, "c <> ''", got["idx_mig_c_live"].Option())
		assert.Equal(t, []string{"lower(d)"}, got["idx_mig_lower_d"].Columns())
		var def string
		require.NoError(t, db.Raw("SELECT sql FROM sqlite_master WHERE name = 'idx_mig_ab'").Row().Scan(&def))
		assert.Contains(t, strings.ToUpper(def), "`B` DESC")

		require.NoError(t, db.Migrator().RenameIndex(&MigIdx{}, "idx_mig_c_live", "idx_mig_c_renamed"))
		assert.False(t, db.Migrator().HasIndex(&MigIdx{}, "idx_mig_c_live"))
		assert.True(t, db.Migrator().HasIndex(&MigIdx{}, "idx_mig_c_renamed"))
		require.NoError(t, db.Exec("INSERT INTO mig_idxes (c) VALUES (''), ('')").Error, "still partial")
		require.Error(t, db.Exec("INSERT INTO mig_idxes (c) VALUES ('x'), ('x')").Error, "still unique")

		require.NoError(t, db.Migrator().DropIndex(&MigIdx{}, "E"))
		assert.False(t, db.Migrator().HasIndex(&MigIdx{}, "idx_mig_idxes_e"))
		err = db.Migrator().DropIndex(&MigIdx{}, "nope")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "mig_idxes")
	})

	register("MigratorConstraints", func(t *testing.T, env Env) {
		type MigTeam struct {
			ID uint
		}
		type MigPlayer struct {
			ID        uint
			Number    int `gorm:"check:chk_number,number > 0"`
			MigTeamID uint
			Team      MigTeam `gorm:"foreignKey:MigTeamID"`
		}
		db := env.OpenWith(t, &gorm.Config{TranslateError: true, DisableForeignKeyConstraintWhenMigrating: true, Logger: logger.Discard})
		require.NoError(t, db.AutoMigrate(&MigTeam{}, &MigPlayer{}))
		require.NoError(t, db.Exec("INSERT INTO mig_teams (id) VALUES (1)").Error)
		require.NoError(t, db.Exec("INSERT INTO mig_players (id, number, mig_team_id) VALUES (1, 5, 1)").Error)
		m := db.Migrator()
		assert.True(t, m.HasConstraint(&MigPlayer{}, "chk_number"))
		assert.False(t, m.HasConstraint(&MigPlayer{}, "Team"))

		require.NoError(t, m.CreateConstraint(&MigPlayer{}, "Team"))
		assert.True(t, m.HasConstraint(&MigPlayer{}, "Team"))
		require.ErrorIs(t, db.Exec("INSERT INTO mig_players (id, number, mig_team_id) VALUES (2, 5, 9)").Error, gorm.ErrForeignKeyViolated)

		require.NoError(t, m.DropConstraint(&MigPlayer{}, "chk_number"))
		assert.False(t, m.HasConstraint(&MigPlayer{}, "chk_number"))
		require.NoError(t, db.Exec("INSERT INTO mig_players (id, number, mig_team_id) VALUES (3, -1, 1)").Error)
		err := m.CreateConstraint(&MigPlayer{}, "chk_number")
		require.Error(t, err, "a CHECK the rows violate is refused")
		assert.Contains(t, err.Error(), "mig_players")
		assert.False(t, m.HasConstraint(&MigPlayer{}, "chk_number"))

		require.NoError(t, m.DropConstraint(&MigPlayer{}, "Team"))
		assert.False(t, m.HasConstraint(&MigPlayer{}, "Team"))
		assert.Equal(t, int64(2), countRows(t, db, "mig_players"))
		err = m.DropConstraint(&MigPlayer{}, "no_such")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "mig_players")
	})

	register("MigratorViews", func(t *testing.T, env Env) {
		type MigUser struct {
			ID  uint
			Age int
		}
		db := env.Open(t)
		require.NoError(t, db.AutoMigrate(&MigUser{}))
		require.NoError(t, db.Create(&[]MigUser{{Age: 10}, {Age: 30}}).Error)
		m := db.Migrator()
		require.NoError(t, m.CreateView("mig_adults", gorm.ViewOption{Query: db.Model(&MigUser{}).Where("age > ?", 18)}))
		assert.Equal(t, int64(1), countRows(t, db, "mig_adults"))
		require.Error(t, m.CreateView("mig_adults", gorm.ViewOption{Query: db.Model(&MigUser{})}))
		require.NoError(t, m.CreateView("mig_adults", gorm.ViewOption{Replace: true, Query: db.Model(&MigUser{})}))
		assert.Equal(t, int64(2), countRows(t, db, "mig_adults"))
		tt, err := m.TableType("mig_adults")
		require.NoError(t, err)
		assert.Equal(t, "view", tt.Type())

		err = m.CreateView("mig_checked", gorm.ViewOption{Query: db.Model(&MigUser{}), CheckOption: "WITH CHECK OPTION"})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "CheckOption")
		require.ErrorIs(t, m.CreateView("mig_none", gorm.ViewOption{}), gorm.ErrSubQueryRequired)
		require.NoError(t, m.DropView("mig_adults"))
		_, err = m.TableType("mig_adults")
		require.Error(t, err)
	})

	register("MigratorTablesAndColumns", func(t *testing.T, env Env) {
		type MigOrder struct {
			ID    uint
			Group string
		}
		db, rec := openRecorded(t, env)
		m := db.Migrator()
		require.NoError(t, m.CreateTable(&MigOrder{}))
		assert.True(t, m.HasTable(&MigOrder{}))
		require.NoError(t, db.Exec("INSERT INTO mig_orders (`group`) VALUES ('g')").Error)
		require.NoError(t, m.RenameColumn(&MigOrder{}, "group", "order"))
		assert.True(t, m.HasColumn(&MigOrder{}, "order"))
		require.NoError(t, m.RenameTable("mig_orders", "order"))
		assert.True(t, m.HasTable("order"))
		rec.take()
		type Order struct {
			ID    uint
			Order string `gorm:"not null;default:'none'"`
			Group int
		}
		m = db.Table("order").Migrator()
		require.NoError(t, db.Table("order").AutoMigrate(&Order{}))
		ddl := joined(rec.take())
		assert.Contains(t, ddl, "ALTER TABLE `order` ADD COLUMN `group` integer")
		assert.Contains(t, ddl, "ALTER TABLE `order` ALTER COLUMN `order` TO `order` text DEFAULT 'none'", "AutoMigrate does not add NOT NULL")
		var got string
		require.NoError(t, db.Raw("SELECT `order` FROM `order`").Row().Scan(&got))
		assert.Equal(t, "g", got)

		err := m.AlterColumn(&Order{}, "Missing")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "order")
		err = m.DropColumn(&Order{}, "missing")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "order has no column missing")
		require.NoError(t, m.DropColumn(&Order{}, "Group"))
		assert.False(t, m.HasColumn(&Order{}, "group"))
		require.NoError(t, m.DropTable(&Order{}))
		assert.False(t, m.HasTable(&Order{}))
		assert.Equal(t, "main", m.CurrentDatabase())
	})
	register("MigratorForeignKeyCheckRollsBack", func(t *testing.T, env Env) {
		type MigShelf struct {
			ID uint
		}
		type MigBook struct {
			ID         uint
			MigShelfID uint
			Shelf      MigShelf `gorm:"foreignKey:MigShelfID"`
		}
		db := env.OpenWith(t, &gorm.Config{DisableForeignKeyConstraintWhenMigrating: true, Logger: logger.Discard})
		require.NoError(t, db.AutoMigrate(&MigShelf{}, &MigBook{}))
		require.NoError(t, db.Exec("INSERT INTO mig_shelves (id) VALUES (1)").Error)
		require.NoError(t, db.Exec("INSERT INTO mig_books (id, mig_shelf_id) VALUES (1, 1), (2, 7)").Error)
		err := db.Migrator().CreateConstraint(&MigBook{}, "Shelf")
		require.Error(t, err, "an orphan row must fail the foreign_key_check")
		assert.Contains(t, err.Error(), "mig_books")
		assert.False(t, db.Migrator().HasConstraint(&MigBook{}, "Shelf"))
		assert.Equal(t, int64(2), countRows(t, db, "mig_books"))
	})

	register("MigratorRebuildRefusedWhenForeignKeysStayOn", func(t *testing.T, env Env) {
		type MigCity struct {
			ID   uint
			Name string
		}
		type MigStreet struct {
			ID        uint
			MigCityID uint
			City      MigCity `gorm:"foreignKey:MigCityID;constraint:OnDelete:CASCADE"`
		}
		db := env.Open(t)
		require.NoError(t, db.AutoMigrate(&MigCity{}, &MigStreet{}))
		require.NoError(t, db.Exec("INSERT INTO mig_cities (id, name) VALUES (1, 'a')").Error)
		require.NoError(t, db.Exec("INSERT INTO mig_streets (id, mig_city_id) VALUES (1, 1), (2, 1)").Error)
		// Stand in for a server that replaced the migration's connection
		// (an expired stream): foreign keys never go off on it.
		require.NoError(t, db.Callback().Raw().Before("gorm:raw").Register("suite:keep_fks_on", func(tx *gorm.DB) {
			if strings.HasPrefix(tx.Statement.SQL.String(), "PRAGMA foreign_keys = OFF") {
				tx.Statement.SQL.Reset()
				tx.Statement.SQL.WriteString("SELECT 1")
			}
		}))
		type MigCityV2 struct {
			ID   uint
			Name string `gorm:"unique"`
		}
		err := db.Table("mig_cities").AutoMigrate(&MigCityV2{})
		require.Error(t, err, "a rebuild of a referenced table must not run with foreign keys on")
		assert.Contains(t, err.Error(), "foreign keys are on")
		assert.Contains(t, err.Error(), "mig_streets")
		assert.Equal(t, int64(2), countRows(t, db, "mig_streets"), "no cascade")
		assert.Equal(t, int64(1), countRows(t, db, "mig_cities"))
		assert.False(t, db.Migrator().HasConstraint("mig_cities", "uni_mig_cities_name"))
	})

	register("MigratorInCallersTransaction", func(t *testing.T, env Env) {
		type MigHouse struct {
			ID   uint
			Name string
		}
		type MigRoom struct {
			ID         uint
			MigHouseID uint
			House      MigHouse `gorm:"foreignKey:MigHouseID;constraint:OnDelete:CASCADE"`
		}
		db := env.Open(t)
		require.NoError(t, db.AutoMigrate(&MigHouse{}, &MigRoom{}))
		require.NoError(t, db.Exec("INSERT INTO mig_houses (id, name) VALUES (1, 'a')").Error)
		require.NoError(t, db.Exec("INSERT INTO mig_rooms (id, mig_house_id) VALUES (1, 1)").Error)
		type MigHouseV2 struct {
			ID   uint
			Name string `gorm:"unique"`
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			require.NoError(t, tx.Exec("INSERT INTO mig_houses (id, name) VALUES (2, 'b')").Error)
			return tx.Table("mig_houses").AutoMigrate(&MigHouseV2{})
		})
		require.Error(t, err, "a rebuild of a referenced table cannot run with foreign keys on")
		assert.Contains(t, err.Error(), "mig_houses")
		assert.Equal(t, int64(1), countRows(t, db, "mig_rooms"))
		assert.Equal(t, int64(1), countRows(t, db, "mig_houses"))
		assert.False(t, db.Migrator().HasConstraint("mig_houses", "uni_mig_houses_name"))
	})
}

func init() {
	register("MigratorRebuildKeepsAutoIncrementCounter", func(t *testing.T, env Env) {
		type MigTicket struct {
			ID    uint `gorm:"primaryKey;autoIncrement"`
			Topic string
			Tag   string `gorm:"index"`
		}
		db, rec := openRecorded(t, env)
		require.NoError(t, db.AutoMigrate(&MigTicket{}))
		require.NoError(t, db.Create(&[]MigTicket{{Topic: "a"}, {Topic: "b"}, {Topic: "c"}}).Error)
		require.NoError(t, db.Where("1 = 1").Delete(&MigTicket{}).Error)
		rec.take()

		// Dropping an indexed column rebuilds the emptied table.
		require.NoError(t, db.Migrator().DropColumn(&MigTicket{}, "Tag"))
		require.Contains(t, joined(rec.take()), "libsql_rebuild_mig_tickets")

		next := MigTicket{Topic: "d"}
		require.NoError(t, db.Omit("Tag").Create(&next).Error)
		assert.Equal(t, uint(4), next.ID, "AUTOINCREMENT must not hand out the ids of deleted rows again")
	})
}

func init() {
	register("MigratorDropReferencedTable", func(t *testing.T, env Env) {
		type MigLake struct {
			ID uint
		}
		type MigBoat struct {
			ID        uint
			MigLakeID uint
			Lake      MigLake `gorm:"foreignKey:MigLakeID;constraint:OnDelete:CASCADE"`
		}
		type MigPier struct {
			ID        uint
			MigLakeID uint
			Lake      MigLake `gorm:"foreignKey:MigLakeID"`
		}
		db := env.Open(t)
		require.NoError(t, db.AutoMigrate(&MigLake{}, &MigBoat{}, &MigPier{}))
		require.NoError(t, db.Exec("INSERT INTO mig_lakes (id) VALUES (1), (2)").Error)
		require.NoError(t, db.Exec("INSERT INTO mig_boats (id, mig_lake_id) VALUES (1, 1), (2, 2)").Error)
		require.NoError(t, db.Exec("INSERT INTO mig_piers (id, mig_lake_id) VALUES (1, 1)").Error)

		require.NoError(t, db.Migrator().DropTable(&MigLake{}), "a referenced table can be dropped, as with gorm.io/driver/sqlite")
		assert.False(t, db.Migrator().HasTable(&MigLake{}))
		assert.Equal(t, int64(2), countRows(t, db, "mig_boats"), "no ON DELETE CASCADE fired")
		assert.Equal(t, int64(1), countRows(t, db, "mig_piers"))
		for i := 0; i < 3; i++ {
			var on int
			require.NoError(t, db.Raw("PRAGMA foreign_keys").Row().Scan(&on))
			assert.Equal(t, 1, on, "foreign keys are on again")
		}

		// Inside the caller's transaction foreign keys stay on, so the
		// drop is refused rather than cascading.
		require.NoError(t, db.AutoMigrate(&MigLake{}))
		require.NoError(t, db.Exec("INSERT INTO mig_lakes (id) VALUES (1), (2)").Error)
		err := db.Transaction(func(tx *gorm.DB) error { return tx.Migrator().DropTable(&MigLake{}) })
		require.Error(t, err)
		assert.Contains(t, err.Error(), "mig_boats")
		assert.True(t, db.Migrator().HasTable(&MigLake{}))
		assert.Equal(t, int64(2), countRows(t, db, "mig_boats"))

		// Children dropped in the same call go first, so that works even
		// inside a transaction.
		require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&MigLake{}, &MigBoat{}, &MigPier{})
		}))
		for _, table := range []string{"mig_lakes", "mig_boats", "mig_piers"} {
			assert.False(t, db.Migrator().HasTable(table), table)
		}
	})
}

func init() {
	register("MigratorTextVarcharTypeChange", func(t *testing.T, env Env) {
		type MigNote struct {
			ID   uint
			Body string `gorm:"type:varchar(20)"`
		}
		type MigNoteText struct {
			ID   uint
			Body string `gorm:"type:text"`
		}
		db, rec := openRecorded(t, env)
		require.NoError(t, db.Table("mig_notes").AutoMigrate(&MigNote{}))
		require.NoError(t, db.Exec("INSERT INTO mig_notes (id, body) VALUES (1, 'hello')").Error)
		rec.take()
		declared := func() string {
			cols, err := db.Migrator().ColumnTypes("mig_notes")
			require.NoError(t, err)
			require.Len(t, cols, 2)
			full, _ := cols[1].ColumnType()
			return full
		}

		require.NoError(t, db.Table("mig_notes").AutoMigrate(&MigNoteText{}))
		assert.Contains(t, joined(rec.take()), "ALTER COLUMN `body` TO `body` text")
		assert.Equal(t, "text", declared())
		require.NoError(t, db.Table("mig_notes").AutoMigrate(&MigNoteText{}))
		assert.Empty(t, rec.take(), "text is text: no DDL")

		require.NoError(t, db.Table("mig_notes").AutoMigrate(&MigNote{}))
		assert.Contains(t, joined(rec.take()), "ALTER COLUMN `body` TO `body` varchar(20)")
		assert.Equal(t, "varchar(20)", declared())
		require.NoError(t, db.Table("mig_notes").AutoMigrate(&MigNote{}))
		assert.Empty(t, rec.take(), "varchar(20) is varchar(20): no DDL")

		var body string
		require.NoError(t, db.Raw("SELECT body FROM mig_notes WHERE id = 1").Row().Scan(&body))
		assert.Equal(t, "hello", body)
	})
}

func init() {
	register("MigratorNumericTypeChange", func(t *testing.T, env Env) {
		// Types are compared as declared, as gorm.io/driver/sqlite does:
		// spellings that SQLite gives one affinity are still different
		// declared types (only "integer" makes a key the rowid, and the
		// driver decodes by declared type).
		type MigInt struct {
			ID  uint
			Val int64 `gorm:"type:int"`
		}
		type MigBigint struct {
			ID  uint
			Val int64 `gorm:"type:bigint"`
		}
		type MigDouble struct {
			ID  uint
			Val float64 `gorm:"type:double"`
		}
		type MigReal struct {
			ID  uint
			Val float64
		}
		type MigBoolean struct {
			ID  uint
			Val bool `gorm:"type:boolean"`
		}
		type MigNumeric struct {
			ID  uint
			Val bool
		}
		type MigTimestamp struct {
			ID  uint
			Val time.Time `gorm:"type:timestamp"`
		}
		type MigDatetime struct {
			ID  uint
			Val time.Time
		}
		db, rec := openRecorded(t, env)
		for _, c := range []struct {
			from, to         any
			fromDecl, toDecl string
			value            string
		}{
			{&MigInt{}, &MigBigint{}, "integer", "bigint", "7"},
			{&MigDouble{}, &MigReal{}, "double", "real", "1.5"},
			{&MigBoolean{}, &MigNumeric{}, "boolean", "numeric", "1"},
			{&MigTimestamp{}, &MigDatetime{}, "timestamp", "datetime", "'2024-05-17 13:45:30'"},
		} {
			table := "mig_decl_" + c.fromDecl
			declared := func() string {
				cols, err := db.Migrator().ColumnTypes(table)
				require.NoError(t, err)
				require.Len(t, cols, 2)
				return cols[1].DatabaseTypeName()
			}
			require.NoError(t, db.Table(table).AutoMigrate(c.from))
			require.Equal(t, c.fromDecl, declared())
			require.NoError(t, db.Exec("INSERT INTO "+table+" (id, val) VALUES (1, "+c.value+")").Error)
			rec.take()

			for _, step := range []struct {
				model any
				decl  string
			}{{c.to, c.toDecl}, {c.from, c.fromDecl}} {
				require.NoError(t, db.Table(table).AutoMigrate(step.model))
				assert.Contains(t, joined(rec.take()), "ALTER COLUMN `val` TO `val` "+step.decl, "%s to %s", c.fromDecl, step.decl)
				assert.Equal(t, step.decl, declared())
				require.NoError(t, db.Table(table).AutoMigrate(step.model))
				assert.Empty(t, rec.take(), "%s is %s: no DDL", step.decl, step.decl)
			}
			var rows int64
			require.NoError(t, db.Table(table).Where("id = 1").Count(&rows).Error)
			assert.Equal(t, int64(1), rows, "the row survives the type changes")
		}
	})
}
