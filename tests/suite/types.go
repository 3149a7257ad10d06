package suite

import (
	"database/sql"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/datatypes"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"
)

type kindStatus string

type typeRow struct {
	ID        uint
	Bool      bool
	Int       int
	Int8      int8
	Int16     int16
	Int32     int32
	Int64     int64
	Uint      uint
	Uint8     uint8
	Uint16    uint16
	Uint32    uint32
	Uint64    uint64
	Float32   float32
	Float64   float64
	String    string
	Status    kindStatus
	Time      time.Time
	TimePtr   *time.Time
	Bytes     []byte
	NullStr   sql.NullString
	NullInt   sql.NullInt64
	NullFloat sql.NullFloat64
	NullBool  sql.NullBool
	NullTime  sql.NullTime
	Deleted   gorm.DeletedAt
	Varchar   string    `gorm:"type:varchar(20)"`
	Decimal   float64   `gorm:"type:decimal(10,2)"`
	Day       time.Time `gorm:"type:date"`
	Stamp     int64     `gorm:"type:timestamp;serializer:unixtime"`
}

// wantTypes is the declared type of each typeRow column.
var wantTypes = map[string]string{
	"id": "integer", "bool": "numeric",
	"int": "integer", "int8": "integer", "int16": "integer", "int32": "integer", "int64": "integer",
	"uint": "integer", "uint8": "integer", "uint16": "integer", "uint32": "integer", "uint64": "integer",
	"float32": "real", "float64": "real", "string": "text", "status": "text",
	"time": "datetime", "time_ptr": "datetime", "bytes": "blob",
	"null_str": "text", "null_int": "integer", "null_float": "real", "null_bool": "numeric",
	"null_time": "datetime", "deleted": "datetime",
	"varchar": "varchar(20)", "decimal": "decimal(10,2)", "day": "date", "stamp": "timestamp",
}

func init() {
	register("Types/DataTypeOf", func(t *testing.T, env Env) {
		db := migrate(t, env, &typeRow{})
		s, err := schema.Parse(&typeRow{}, &sync.Map{}, db.NamingStrategy)
		require.NoError(t, err)
		for _, f := range s.Fields {
			want, ok := wantTypes[f.DBName]
			require.True(t, ok, "no expected type for %s", f.DBName)
			got := db.Dialector.DataTypeOf(f)
			if f.DBName == "id" {
				assert.Equal(t, "integer PRIMARY KEY AUTOINCREMENT", got)
				continue
			}
			assert.Equal(t, want, got, f.DBName)
		}

		// The table holds the same declared types.
		var cols []struct {
			Name string
			Type string
		}
		require.NoError(t, db.Raw("SELECT name, type FROM pragma_table_info('type_rows')").Scan(&cols).Error)
		require.Len(t, cols, len(wantTypes))
		for _, c := range cols {
			assert.Equal(t, wantTypes[c.Name], strings.ToLower(c.Type), c.Name)
		}
	})

	register("Types/DefaultValueOf", testDefaultValueOf)
	register("Types/GeneratedColumns", testGeneratedColumns)
	register("Types/DatatypesJSON", testDatatypesJSON)
}

type defaultRow struct {
	ID      uint
	N       int
	Label   string    `gorm:"default:(lower('DEF'))"`
	Score   int       `gorm:"default:(6*7)"`
	Made    time.Time `gorm:"default:CURRENT_TIMESTAMP"`
	Comment *string   `gorm:"default:null"`
}

func testDefaultValueOf(t *testing.T, env Env) {
	db := migrate(t, env, &defaultRow{})
	s, err := schema.Parse(&defaultRow{}, &sync.Map{}, db.NamingStrategy)
	require.NoError(t, err)
	d := db.Dialector
	assert.Equal(t, clause.Expr{SQL: "NULL"}, d.DefaultValueOf(s.LookUpField("ID")), "an auto-increment key takes NULL")
	assert.Equal(t, clause.Expr{SQL: "(lower('DEF'))"}, d.DefaultValueOf(s.LookUpField("Label")))
	assert.Equal(t, clause.Expr{SQL: "CURRENT_TIMESTAMP"}, d.DefaultValueOf(s.LookUpField("Made")))

	// One INSERT where some rows set the defaulted fields and some do not:
	// the unset ones get the column default, not a zero value.
	at := time.Date(2020, 5, 6, 7, 8, 9, 123456789, time.FixedZone("X", 3*3600))
	rows := []defaultRow{
		{N: 1, Label: "mine", Score: 1, Made: at},
		{N: 2},
		{ID: 100, N: 3, Score: 3},
		{N: 4},
	}
	before := time.Now().UTC().Add(-2 * time.Second).Truncate(time.Second)
	require.NoError(t, db.Create(&rows).Error)
	for _, r := range rows {
		assert.NotZero(t, r.ID)
	}
	assert.Equal(t, uint(100), rows[2].ID)
	assert.Equal(t, "def", rows[1].Label, "defaults come back through RETURNING")

	var stored []defaultRow
	require.NoError(t, db.Order("n").Find(&stored).Error)
	require.Len(t, stored, 4)
	assert.Equal(t, []string{"mine", "def", "def", "def"}, []string{stored[0].Label, stored[1].Label, stored[2].Label, stored[3].Label})
	assert.Equal(t, []int{1, 42, 3, 42}, []int{stored[0].Score, stored[1].Score, stored[2].Score, stored[3].Score})
	assert.True(t, stored[0].Made.Equal(at), "%v", stored[0].Made)
	for _, r := range stored[1:] {
		assert.False(t, r.Made.Before(before), "CURRENT_TIMESTAMP reads back as a time: %v", r.Made)
		assert.Nil(t, r.Comment)
	}
	assert.Equal(t, uint(101), stored[3].ID, "the key after an explicit one is assigned by the engine")
}

type genLine struct {
	ID    uint
	Name  string
	Qty   int
	Price float64
	At    time.Time
	Total float64   `gorm:"->;type:real GENERATED ALWAYS AS (qty * price) STORED"`
	Label string    `gorm:"->;type:text GENERATED ALWAYS AS (upper(name) || '#' || qty) VIRTUAL"`
	Day   time.Time `gorm:"->;type:date GENERATED ALWAYS AS (date(at)) VIRTUAL"`
}

func testGeneratedColumns(t *testing.T, env Env) {
	db := migrate(t, env, &genLine{})
	at := time.Date(2024, 2, 29, 23, 30, 0, 0, time.FixedZone("W", -5*3600))
	line := genLine{Name: "widget", Qty: 3, Price: 2.5, At: at, Total: 999, Label: "ignored"}
	require.NoError(t, db.Create(&line).Error, "read-only generated columns are not written")

	var got genLine
	require.NoError(t, db.First(&got, line.ID).Error)
	assert.Equal(t, 7.5, got.Total)
	assert.Equal(t, "WIDGET#3", got.Label)
	assert.Equal(t, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), got.Day, "date() of the stored UTC text")
	assert.True(t, got.At.Equal(at))

	require.NoError(t, db.Model(&got).Updates(genLine{Qty: 4, Total: 1, Label: "x"}).Error)
	require.NoError(t, db.Save(&got).Error, "Save skips read-only fields too")
	var updated genLine
	require.NoError(t, db.First(&updated, line.ID).Error)
	assert.Equal(t, 10.0, updated.Total)
	assert.Equal(t, "WIDGET#4", updated.Label)

	var big []genLine
	require.NoError(t, db.Where("total > ?", 8).Find(&big).Error)
	assert.Len(t, big, 1)
}

type jsonMeta struct {
	Color string   `json:"color"`
	Sizes []int    `json:"sizes"`
	Extra *float64 `json:"extra,omitempty"`
}

type jsonDoc struct {
	ID    uint
	Name  string
	Attrs datatypes.JSON
	Tags  datatypes.JSONSlice[string]
	Meta  datatypes.JSONType[jsonMeta]
	Map   datatypes.JSONMap
}

func testDatatypesJSON(t *testing.T, env Env) {
	db := migrate(t, env, &jsonDoc{})
	var declared string
	require.NoError(t, db.Raw("SELECT type FROM pragma_table_info('json_docs') WHERE name = 'attrs'").Scan(&declared).Error)
	assert.Equal(t, "JSON", declared)

	docs := []jsonDoc{
		{Name: "a", Attrs: datatypes.JSON(`{"role":"admin","level":3,"ok":true,"nested":{"k":"v"}}`),
			Tags: datatypes.NewJSONSlice([]string{"x", "y"}), Meta: datatypes.NewJSONType(jsonMeta{Color: "red", Sizes: []int{1, 2}}),
			Map: datatypes.JSONMap{"n": 1.5, "s": "two"}},
		{Name: "b", Attrs: datatypes.JSON(`{"role":"user","level":1,"ok":false}`),
			Tags: datatypes.NewJSONSlice([]string{"y"}), Meta: datatypes.NewJSONType(jsonMeta{Color: "blue"})},
		{Name: "c"},
	}
	require.NoError(t, db.Create(&docs).Error)

	var got jsonDoc
	require.NoError(t, db.First(&got, docs[0].ID).Error)
	assert.JSONEq(t, string(docs[0].Attrs), string(got.Attrs))
	assert.Equal(t, []string{"x", "y"}, []string(got.Tags))
	assert.Equal(t, jsonMeta{Color: "red", Sizes: []int{1, 2}}, got.Meta.Data())
	assert.Equal(t, datatypes.JSONMap{"n": json.Number("1.5"), "s": "two"}, got.Map, "JSONMap decodes numbers as json.Number")

	names := func(where clause.Expression) []string {
		t.Helper()
		var out []string
		require.NoError(t, db.Model(&jsonDoc{}).Where(where).Order("name").Pluck("name", &out).Error)
		return out
	}
	assert.Equal(t, []string{"a", "b"}, names(datatypes.JSONQuery("attrs").HasKey("role")))
	assert.Equal(t, []string{"a"}, names(datatypes.JSONQuery("attrs").HasKey("nested", "k")))
	assert.Equal(t, []string{"a"}, names(datatypes.JSONQuery("attrs").Equals("admin", "role")))
	assert.Equal(t, []string{"a"}, names(datatypes.JSONQuery("attrs").Equals(3, "level")))
	assert.Equal(t, []string{"b"}, names(datatypes.JSONQuery("attrs").Equals(false, "ok")))
	assert.Equal(t, []string{"b"}, names(datatypes.JSONQuery("attrs").Likes("us%", "role")))
	assert.Equal(t, []string{"a", "b"}, names(datatypes.JSONArrayQuery("tags").Contains("y")))
	assert.Equal(t, []string{"a"}, names(datatypes.JSONArrayQuery("tags").Contains("x")))

	var levels []int
	require.NoError(t, db.Model(&jsonDoc{}).Where("attrs IS NOT NULL").Order("name").
		Pluck("json_extract(attrs, '$.level')", &levels).Error)
	assert.Equal(t, []int{3, 1}, levels)

	require.NoError(t, db.Model(&jsonDoc{}).Where("name = ?", "b").
		UpdateColumn("attrs", datatypes.JSONSet("attrs").Set("level", 7).Set("tags", []string{"new"})).Error)
	var b jsonDoc
	require.NoError(t, db.Where("name = ?", "b").First(&b).Error)
	assert.JSONEq(t, `{"role":"user","level":7,"ok":false,"tags":["new"]}`, string(b.Attrs))

	var c jsonDoc
	require.NoError(t, db.Where("name = ?", "c").First(&c).Error)
	assert.Nil(t, c.Attrs, "an empty JSON is stored as NULL")
}
