package suite

import (
	"database/sql"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/datatypes"
	"gorm.io/gorm"
)

type migEveryTypeEmbedded struct {
	Street string `gorm:"size:40"`
	Zip    int    `gorm:"default:0"`
}

type migEveryTypeMeta struct {
	Role  string
	Level int
}

// migEveryType holds a field of every kind GORM maps to a column, with the
// tags that change the declared type, default, key or index.
type migEveryType struct {
	ID         uint64 `gorm:"primaryKey"`
	B          bool
	BDefault   bool `gorm:"default:false;not null"`
	I8         int8
	I16        int16
	I32        int32 `gorm:"index"`
	I64        int64 `gorm:"not null;default:-1"`
	U8         uint8
	U16        uint16
	U32        uint32
	U64        uint64 `gorm:"uniqueIndex"`
	F32        float32
	F64        float64 `gorm:"default:2.5"`
	Precise    float64 `gorm:"precision:10;scale:2"`
	Decimal    float64 `gorm:"type:decimal(10,2)"`
	Numeric    string  `gorm:"type:numeric(12, 4)"`
	S          string
	Sized      string `gorm:"size:20;not null;default:'x'"`
	Varchar    string `gorm:"type:varchar(20)"`
	Char       string `gorm:"type:CHAR(3)"`
	Quoted     string `gorm:"default:'it''s'"`
	Commented  string `gorm:"comment:a note"`
	T          time.Time
	TPtr       *time.Time
	TStamp     time.Time `gorm:"type:timestamp"`
	TDate      time.Time `gorm:"type:date"`
	TDefault   time.Time `gorm:"default:CURRENT_TIMESTAMP"`
	TExpr      string    `gorm:"default:(datetime('now', 'localtime'))"`
	NullDflt   *string   `gorm:"default:null"`
	BTrue      bool      `gorm:"default:true"`
	Upper      string    `gorm:"type:TEXT;not null"`
	Spaced     string    `gorm:"type:varchar( 20 )"`
	Collated   string    `gorm:"type:text collate nocase"`
	Created    time.Time `gorm:"autoCreateTime"`
	UpdatedMs  int64     `gorm:"autoUpdateTime:milli"`
	Bytes      []byte
	NullString sql.NullString
	NullTime   sql.NullTime
	NullInt    sql.NullInt64
	Deleted    gorm.DeletedAt   `gorm:"index"`
	Meta       migEveryTypeMeta `gorm:"serializer:json"`
	Tags       []string         `gorm:"serializer:json"`
	JSON       datatypes.JSON
	JSONMap    datatypes.JSONMap
	Date       datatypes.Date
	Vec        libsql.Vector32      `gorm:"size:3"`
	Checked    int                  `gorm:"check:chk_mig_every_types_checked,checked > -10"`
	Home       migEveryTypeEmbedded `gorm:"embedded;embeddedPrefix:home_"`
	CompA      string               `gorm:"index:idx_mig_every_comp,priority:1"`
	CompB      int                  `gorm:"index:idx_mig_every_comp,priority:2"`
}

func init() {
	register("MigratorAutoMigrateIdempotentEveryType", func(t *testing.T, env Env) {
		db, rec := openRecorded(t, env)
		require.NoError(t, db.AutoMigrate(&migEveryType{}))
		require.Contains(t, joined(rec.take()), "CREATE TABLE `mig_every_types`")
		require.NoError(t, db.Create(&migEveryType{U64: 1 << 62, Tags: []string{"a"}, Vec: libsql.Vector32{1, 2, 3}}).Error)
		rec.take()
		for run := 2; run <= 3; run++ {
			require.NoError(t, db.AutoMigrate(&migEveryType{}))
			assert.Empty(t, rec.take(), "AutoMigrate run %d on an unchanged model must issue no DDL", run)
		}
		assert.Equal(t, int64(1), countRows(t, db, "mig_every_types"))
	})
}

func init() {
	register("MigratorStringQuotedColumnNames", func(t *testing.T, env Env) {
		// SQLite takes a string literal where a name belongs ('name'), as
		// older tools wrote column names; the migrator must read them as the
		// names they are, not rename the columns when it rebuilds the table.
		type MigLegacy struct {
			ID   uint
			Name string `gorm:"type:varchar(20)"`
			Note string
			Age  int
		}
		db, rec := openRecorded(t, env)
		require.NoError(t, db.Exec("CREATE TABLE mig_legacies ('id' integer PRIMARY KEY, 'name' text, \"note\" text)").Error)
		require.NoError(t, db.Exec("INSERT INTO mig_legacies (id, name, note) VALUES (1, 'ann', 'n')").Error)
		rec.take()
		require.NoError(t, db.AutoMigrate(&MigLegacy{}))
		cols, err := db.Migrator().ColumnTypes(&MigLegacy{})
		require.NoError(t, err)
		var names []string
		for _, c := range cols {
			names = append(names, c.Name())
		}
		assert.Equal(t, []string{"id", "name", "note", "age"}, names)
		var got MigLegacy
		require.NoError(t, db.First(&got, 1).Error)
		assert.Equal(t, MigLegacy{ID: 1, Name: "ann", Note: "n"}, got)
		rec.take()
		require.NoError(t, db.AutoMigrate(&MigLegacy{}))
		assert.Empty(t, rec.take(), "a second AutoMigrate issues no DDL")
	})
}

// migHostileV1 and migHostileV2 are one table, before and after a change,
// whose names are keywords or hold quotes, blanks, dashes and parentheses.
type migHostileV1 struct {
	ID     uint   `gorm:"column:select"`
	Blank  string `gorm:"column:a b"`
	Tick   string "gorm:\"column:a`b;index\""
	Dquote string `gorm:"column:a\"b;check:chk_hostile_dq,\"a\"\"b\" <> '--'"`
	Paren  int    `gorm:"column:x(1), y;default:1"`
}

type migHostileV2 struct {
	ID     uint   `gorm:"column:select"`
	Blank  string `gorm:"column:a b;type:varchar(30)"`
	Tick   string "gorm:\"column:a`b;index\""
	Dquote string `gorm:"column:a\"b;check:chk_hostile_dq,\"a\"\"b\" <> '--'"`
	Paren  int64  `gorm:"column:x(1), y;type:bigint;default:2"`
	Added  string `gorm:"column:[added]"`
}

const migHostileTable = "mig-hostile`t \"x\""

func (migHostileV1) TableName() string { return migHostileTable }
func (migHostileV2) TableName() string { return migHostileTable }

func init() {
	register("MigratorHostileNames", func(t *testing.T, env Env) {
		// The names survive a type change (a rebuild or ALTER COLUMN), an
		// added and a dropped column, and read back unchanged.
		db, rec := openRecorded(t, env)
		require.NoError(t, db.AutoMigrate(&migHostileV1{}))
		require.NoError(t, db.Create(&migHostileV1{ID: 1, Blank: "b", Tick: "t", Dquote: "d", Paren: 5}).Error)
		rec.take()
		require.NoError(t, db.AutoMigrate(&migHostileV2{}))
		require.NotEmpty(t, rec.take())
		require.NoError(t, db.AutoMigrate(&migHostileV2{}))
		assert.Empty(t, rec.take(), "a second AutoMigrate issues no DDL")
		var got migHostileV2
		require.NoError(t, db.First(&got).Error)
		assert.Equal(t, migHostileV2{ID: 1, Blank: "b", Tick: "t", Dquote: "d", Paren: 5}, got)
		assert.True(t, db.Migrator().HasIndex(&migHostileV2{}, "Tick"))
		assert.True(t, db.Migrator().HasConstraint(&migHostileV2{}, "chk_hostile_dq"))
		require.NoError(t, db.Migrator().DropColumn(&migHostileV2{}, "Blank"))
		cols, err := db.Migrator().ColumnTypes(&migHostileV2{})
		require.NoError(t, err)
		var names []string
		for _, c := range cols {
			names = append(names, c.Name())
		}
		assert.Equal(t, []string{"select", "a`b", "a\"b", "x(1), y", "[added]"}, names)
	})
}
