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
