package suite

import (
	"bytes"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/internal/sqlite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// trickyStrings look like other types, or hold bytes a driver might alter.
var trickyStrings = []string{
	"",
	" ",
	"2024-01-01",
	"12:30",
	"2024-01-01 10:00",
	"2024-01-01T10:00:00Z",
	"2024-01-01 10:00:00.000000000+00:00",
	"1700000000",
	"123",
	"0012",
	"1e5",
	"-0",
	"3.14",
	"true",
	"NULL",
	"null",
	"a\x00b",
	"\x00",
	"\x00\x00tail",
	"\xff\xfe\xfd",
	"bad \xc3\x28 utf8",
	"\xed\xa0\x80 surrogate",
	"héllo wörld ✓ 😀",
	"line\nbreak\r\ttab",
	"it's \"quoted\" `back`",
	"'; DROP TABLE val_strings; --",
	strings.Repeat("long\x00", 20000),
}

type valString struct {
	ID   uint
	Pos  int
	S    string
	P    *string
	Null sql.NullString
}

type valTime struct {
	ID      uint
	Pos     int
	At      time.Time
	AtPtr   *time.Time
	Null    sql.NullTime
	Deleted gorm.DeletedAt
}

type valNumber struct {
	ID      uint
	Pos     int
	B       bool
	I       int
	I8      int8
	I16     int16
	I32     int32
	I64     int64
	U       uint
	U8      uint8
	U16     uint16
	U32     uint32
	U64     uint64
	F32     float32
	F64     float64
	NullI   sql.NullInt64
	NullF   sql.NullFloat64
	NullB   sql.NullBool
	PtrI    *int64
	PtrF    *float64
	PtrB    *bool
	PtrU64  *uint64
	Counted valCents
}

// valCents is a named integer kind, stored as an integer.
type valCents int64

type valBytes struct {
	ID  uint
	Pos int
	B   []byte
	P   *[]byte
}

func init() {
	register("Values/Strings", testValueStrings)
	register("Values/Times", testValueTimes)
	register("Values/TimeAggregates", testTimeAggregates)
	register("Values/Numbers", testValueNumbers)
	register("Values/Floats", testValueFloats)
	register("Values/Uint64Overflow", testUint64Overflow)
	register("Values/Bytes", testValueBytes)
	register("Values/Nulls", testValueNulls)
	register("Values/CustomTypes", testCustomTypes)
	register("Values/Embedded", testEmbedded)
	register("Values/Serializers", testSerializers)
	register("Values/Property", testValueProperty)
}

func testValueStrings(t *testing.T, env Env) {
	db := migrate(t, env, &valString{})
	rows := make([]valString, len(trickyStrings))
	for i, s := range trickyStrings {
		s := s
		rows[i] = valString{Pos: i, S: s, P: &s, Null: sql.NullString{String: s, Valid: true}}
	}
	require.NoError(t, db.CreateInBatches(&rows, 10).Error)

	var got []valString
	require.NoError(t, db.Order("pos").Find(&got).Error)
	require.Len(t, got, len(trickyStrings))
	for i, want := range trickyStrings {
		r := got[i]
		assert.True(t, r.S == want, "string %d: %q != %q", i, short(r.S), short(want))
		require.NotNil(t, r.P, "string %d", i)
		assert.True(t, *r.P == want, "*string %d: %q", i, short(*r.P))
		assert.True(t, r.Null.Valid && r.Null.String == want, "NullString %d: %q", i, short(r.Null.String))
	}

	// Equality in SQL sees the same bytes, and so do Pluck and raw scans.
	for i, want := range trickyStrings {
		var pos []int
		require.NoError(t, db.Model(&valString{}).Where("s = ?", want).Pluck("pos", &pos).Error)
		assert.Equal(t, []int{i}, pos, "lookup of string %d", i)
		var raw string
		require.NoError(t, db.Raw("SELECT p FROM val_strings WHERE pos = ?", i).Row().Scan(&raw))
		assert.True(t, raw == want, "raw scan %d: %q", i, short(raw))
		var length int
		require.NoError(t, db.Raw("SELECT length(CAST(s AS BLOB)) FROM val_strings WHERE pos = ?", i).Row().Scan(&length))
		assert.Equal(t, len(want), length, "stored byte length of string %d", i)
	}
	var plucked []string
	require.NoError(t, db.Model(&valString{}).Order("pos").Pluck("s", &plucked).Error)
	assert.Equal(t, trickyStrings, plucked)

	// An empty string is '' even when it is the statement's only text.
	lone := valString{Pos: -1}
	require.NoError(t, db.Create(&lone).Error)
	var kind string
	require.NoError(t, db.Raw("SELECT typeof(s) FROM val_strings WHERE pos = ?", -1).Row().Scan(&kind))
	assert.Equal(t, "text", kind)
	var n int64
	require.NoError(t, db.Model(&valString{}).Where("s = ?", "").Count(&n).Error)
	assert.Equal(t, int64(2), n)

	// A string in an expression column (no declared type) is text too.
	var echoed string
	require.NoError(t, db.Raw("SELECT ? || ''", "2024-01-01 10:00").Row().Scan(&echoed))
	assert.Equal(t, "2024-01-01 10:00", echoed)
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

var zones = []*time.Location{
	time.UTC,
	time.FixedZone("PLUS14", 14*3600),
	time.FixedZone("MINUS12", -12*3600),
	time.FixedZone("IST", 5*3600+1800),
	time.FixedZone("NPT", 5*3600+2700),
	time.FixedZone("ODD", -(3*3600 + 17*60 + 13)),
	time.Local,
}

func testValueTimes(t *testing.T, env Env) {
	db := migrate(t, env, &valTime{})
	base := time.Date(2024, 3, 31, 1, 59, 59, 999999999, time.UTC)
	var want []time.Time
	for i, z := range zones {
		for j, nanos := range []int{0, 1, 999999999, 123456789} {
			at := base.Add(time.Duration(i*7-20)*time.Hour + time.Duration(j)*time.Minute).In(z)
			at = time.Date(at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), at.Second(), nanos, z)
			want = append(want, at)
		}
	}
	want = append(want, time.Time{}, time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 5, time.UTC), time.Now())

	rows := make([]valTime, len(want))
	for i, at := range want {
		at := at
		rows[i] = valTime{Pos: i, At: at, AtPtr: &at, Null: sql.NullTime{Time: at, Valid: true}}
	}
	require.NoError(t, db.Create(&rows).Error)
	// Soft-delete every third row so DeletedAt holds a value too.
	deletedAt := time.Date(2030, 1, 2, 3, 4, 5, 6, time.FixedZone("D", -7*3600))
	require.NoError(t, db.Model(&valTime{}).Where("pos % 3 = 0").Update("deleted", deletedAt).Error)

	var got []valTime
	require.NoError(t, db.Unscoped().Order("pos").Find(&got).Error)
	require.Len(t, got, len(want))
	for i, w := range want {
		r := got[i]
		assert.True(t, r.At.Equal(w), "time %d: %v != %v", i, r.At, w)
		assert.Equal(t, time.UTC, r.At.Location(), "read back in UTC")
		require.NotNil(t, r.AtPtr)
		assert.True(t, r.AtPtr.Equal(w), "*time %d", i)
		assert.True(t, r.Null.Valid && r.Null.Time.Equal(w), "NullTime %d", i)
		if i%3 == 0 {
			assert.True(t, r.Deleted.Valid && r.Deleted.Time.Equal(deletedAt), "DeletedAt %d: %v", i, r.Deleted)
		} else {
			assert.False(t, r.Deleted.Valid)
		}
	}

	// Stored as UTC text in one fixed-width form.
	var raws []string
	require.NoError(t, db.Raw("SELECT at || '' FROM val_times ORDER BY pos").Scan(&raws).Error)
	for i, raw := range raws {
		assert.Equal(t, want[i].UTC().Format(sqlite.TimeFormat), raw)
		assert.Regexp(t, `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}\+00:00$`, raw)
	}

	// Comparisons and ordering follow the instant, whatever the zones.
	sorted := append([]time.Time(nil), want...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Before(sorted[j]) })
	var ordered []valTime
	require.NoError(t, db.Unscoped().Order("at").Order("pos").Find(&ordered).Error)
	for i, r := range ordered {
		assert.True(t, r.At.Equal(sorted[i]), "ORDER BY at, %d: %v != %v", i, r.At, sorted[i])
	}
	for _, pivot := range []time.Time{base.In(zones[1]), base.Add(-13 * time.Hour).In(zones[2]), base.Add(time.Nanosecond).In(zones[5])} {
		wantAfter := 0
		for _, w := range want {
			if w.After(pivot) {
				wantAfter++
			}
		}
		var n int64
		require.NoError(t, db.Unscoped().Model(&valTime{}).Where("at > ?", pivot).Count(&n).Error)
		assert.Equal(t, int64(wantAfter), n, "at > %v", pivot)
		require.NoError(t, db.Unscoped().Model(&valTime{}).Where("at BETWEEN ? AND ?", pivot.Add(-time.Nanosecond), pivot.Add(time.Nanosecond)).Count(&n).Error)
		assert.Zero(t, n)
	}
	var exact valTime
	require.NoError(t, db.Unscoped().Where("at = ?", want[3].In(zones[4])).First(&exact).Error, "equality on an instant written in another zone")
	assert.Equal(t, 3, exact.Pos)

	// Years that cannot keep the text sortable are refused, not stored.
	for _, bad := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)} {
		err := db.Create(&valTime{Pos: 999, At: bad}).Error
		require.Error(t, err)
		assert.Contains(t, err.Error(), "outside the storable years")
	}
	assert.Equal(t, int64(len(want)), count(t, db, &valTime{}))
}

// testTimeAggregates pins a design point: an expression over a datetime
// column (max, min, coalesce…) has no declared type, so the engine's text
// comes back as a string, in the stored form, which sorts like the instant.
func testTimeAggregates(t *testing.T, env Env) {
	db := migrate(t, env, &valTime{})
	early := time.Date(2024, 1, 1, 23, 0, 0, 0, time.FixedZone("E", 10*3600)) // 13:00 UTC
	late := time.Date(2024, 1, 1, 10, 0, 0, 5, time.FixedZone("W", -8*3600))  // 18:00 UTC
	require.NoError(t, db.Create(&[]valTime{{Pos: 1, At: early}, {Pos: 2, At: late}}).Error)

	var maxText string
	require.NoError(t, db.Model(&valTime{}).Select("max(at)").Row().Scan(&maxText))
	assert.Equal(t, "2024-01-01 18:00:00.000000005+00:00", maxText)
	parsed, err := time.Parse(sqlite.TimeFormat, maxText)
	require.NoError(t, err)
	assert.True(t, parsed.Equal(late))

	// Scanning such text into a time.Time is refused, not guessed.
	var at time.Time
	err = db.Model(&valTime{}).Select("min(at)").Row().Scan(&at)
	require.Error(t, err)

	// Selecting the row instead keeps the column's type.
	var first valTime
	require.NoError(t, db.Order("at").First(&first).Error)
	assert.True(t, first.At.Equal(early))

	// SQLite's date functions read the stored form.
	var day string
	require.NoError(t, db.Model(&valTime{}).Select("date(max(at), '+1 day')").Row().Scan(&day))
	assert.Equal(t, "2024-01-02", day)
}

// maxStorableUint is the largest uint an INTEGER holds: math.MaxInt64, or
// math.MaxUint where uint has 32 bits.
const maxStorableUint uint = min(math.MaxUint, math.MaxInt64)

func testValueNumbers(t *testing.T, env Env) {
	db := migrate(t, env, &valNumber{})
	i64, f64, b, u64 := int64(math.MinInt64), math.MaxFloat64, true, uint64(math.MaxInt64)
	rows := []valNumber{
		{Pos: 0},
		{Pos: 1, B: true, I: math.MaxInt, I8: math.MaxInt8, I16: math.MaxInt16, I32: math.MaxInt32, I64: math.MaxInt64,
			U: maxStorableUint, U8: math.MaxUint8, U16: math.MaxUint16, U32: math.MaxUint32, U64: math.MaxInt64,
			F32: math.MaxFloat32, F64: math.MaxFloat64,
			NullI: sql.NullInt64{Int64: math.MaxInt64, Valid: true}, NullF: sql.NullFloat64{Float64: 0.1, Valid: true},
			NullB: sql.NullBool{Bool: true, Valid: true}, PtrI: &i64, PtrF: &f64, PtrB: &b, PtrU64: &u64, Counted: math.MaxInt64},
		{Pos: 2, I: math.MinInt, I8: math.MinInt8, I16: math.MinInt16, I32: math.MinInt32, I64: math.MinInt64,
			F32: math.SmallestNonzeroFloat32, F64: math.SmallestNonzeroFloat64,
			NullI: sql.NullInt64{Int64: math.MinInt64, Valid: true}, NullF: sql.NullFloat64{Float64: -1e-300, Valid: true},
			NullB: sql.NullBool{Bool: false, Valid: true}, Counted: math.MinInt64},
		{Pos: 3, F32: -math.MaxFloat32, F64: -math.MaxFloat64, I: 1, U: 1, U64: 1 << 62},
	}
	require.NoError(t, db.Create(&rows).Error)
	var got []valNumber
	require.NoError(t, db.Order("pos").Find(&got).Error)
	require.Len(t, got, len(rows))
	for i := range rows {
		rows[i].ID = got[i].ID
		assert.Equal(t, rows[i], got[i], "row %d", i)
	}

	var stored struct {
		TB, TI, TF, TU string
	}
	require.NoError(t, db.Raw("SELECT typeof(b) AS tb, typeof(i64) AS ti, typeof(f64) AS tf, typeof(u64) AS tu FROM val_numbers WHERE pos = 1").Scan(&stored).Error)
	assert.Equal(t, struct{ TB, TI, TF, TU string }{"integer", "integer", "real", "integer"}, stored)

	// Sums and comparisons work on the stored numbers.
	var n int64
	require.NoError(t, db.Model(&valNumber{}).Where("u64 > ?", uint64(1<<61)).Count(&n).Error)
	assert.Equal(t, int64(2), n)
	require.NoError(t, db.Model(&valNumber{}).Where("b = ?", true).Count(&n).Error)
	assert.Equal(t, int64(1), n)
}

type valFloat struct {
	ID  uint
	Pos int
	F   float64
	F32 float32
}

// testValueFloats pins the float rules: every finite value comes back bit
// for bit except that -0 reads back as 0 (SQLite keeps no sign on zero);
// NaN is refused, because SQLite would store it as NULL. ±Inf round-trip on
// local files and embedded replicas (the replica sends them as overflowing
// text that the statement turns back into a real, and reads them locally),
// and are refused in remote mode: Hrana's JSON cannot carry them.
func testValueFloats(t *testing.T, env Env) {
	db := migrate(t, env, &valFloat{})
	infOK := env.Mode != "remote"
	values := []float64{0, 1, -1, 0.1, 1.0 / 3, math.Pi, 1e308, -1e-30, math.SmallestNonzeroFloat64,
		math.MaxFloat64, 1 << 53, 1<<53 + 2, 123456789.125}
	if infOK {
		values = append(values, math.Inf(1), math.Inf(-1))
	} else {
		for _, inf := range []float64{math.Inf(1), math.Inf(-1)} {
			err := db.Create(&valFloat{Pos: -1, F: inf}).Error
			require.Error(t, err)
			assert.Contains(t, err.Error(), "Inf")
		}
	}
	rows := make([]valFloat, len(values))
	for i, v := range values {
		f32 := float32(v)
		if math.IsInf(float64(f32), 0) && !infOK {
			f32 = float32(math.Copysign(math.MaxFloat32, v))
		}
		rows[i] = valFloat{Pos: i, F: v, F32: f32}
	}
	require.NoError(t, db.Create(&rows).Error)
	var got []valFloat
	require.NoError(t, db.Order("pos").Find(&got).Error)
	require.Len(t, got, len(values))
	for i, v := range values {
		assert.Equal(t, math.Float64bits(v), math.Float64bits(got[i].F), "float64 %d: %v != %v", i, got[i].F, v)
		assert.Equal(t, math.Float32bits(rows[i].F32), math.Float32bits(got[i].F32), "float32 %d", i)
	}
	var n int64
	require.NoError(t, db.Model(&valFloat{}).Where("f > ?", 1e300).Count(&n).Error)
	want := int64(2) // 1e308 and MaxFloat64
	if infOK {
		want++ // +Inf
	}
	assert.Equal(t, want, n)

	negZero := valFloat{Pos: 100, F: math.Copysign(0, -1)}
	require.NoError(t, db.Create(&negZero).Error)
	var z valFloat
	require.NoError(t, db.First(&z, negZero.ID).Error)
	assert.Zero(t, z.F)

	for _, nan := range []any{math.NaN(), float32(math.NaN())} {
		err := db.Exec("INSERT INTO val_floats (pos, f) VALUES (?, ?)", 101, nan).Error
		require.Error(t, err, "%T NaN", nan)
		assert.Contains(t, err.Error(), "NaN")
	}
	err := db.Create(&valFloat{Pos: 102, F: math.NaN()}).Error
	require.Error(t, err)
	assert.Contains(t, err.Error(), "NaN")
	assert.Equal(t, int64(len(values)+1), count(t, db, &valFloat{}), "nothing was written for NaN")
}

func testUint64Overflow(t *testing.T, env Env) {
	db := migrate(t, env, &valNumber{})
	max := valNumber{Pos: 1, U64: math.MaxInt64, U: maxStorableUint}
	require.NoError(t, db.Create(&max).Error)
	var got valNumber
	require.NoError(t, db.First(&got, max.ID).Error)
	assert.Equal(t, uint64(math.MaxInt64), got.U64)

	big := uint64(math.MaxInt64) + 1
	tooLarge := map[string]valNumber{
		"uint64":  {Pos: 2, U64: big},
		"*uint64": {Pos: 4, PtrU64: &big},
	}
	if math.MaxUint > maxStorableUint {
		// Only a 64-bit uint can exceed an INTEGER.
		tooLarge["uint"] = valNumber{Pos: 3, U: uint(math.MaxUint)}
	}
	for name, row := range tooLarge {
		err := db.Create(&row).Error
		require.Error(t, err, name)
		assert.Regexp(t, `9223372036854775808|18446744073709551615|high bit`, err.Error(), name)
	}
	err := db.Model(&got).Update("u64", uint64(math.MaxUint64)).Error
	require.Error(t, err)
	err = db.Where("u64 = ?", big).First(&valNumber{}).Error
	require.Error(t, err, "a too large argument fails in a query too, instead of matching a wrapped value")
	assert.NotErrorIs(t, err, gorm.ErrRecordNotFound)

	require.NoError(t, db.First(&got, max.ID).Error)
	assert.Equal(t, uint64(math.MaxInt64), got.U64, "the failed update changed nothing")
	assert.Equal(t, int64(1), count(t, db, &valNumber{}))
}

func testValueBytes(t *testing.T, env Env) {
	db := migrate(t, env, &valBytes{})
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	empty := []byte{}
	values := [][]byte{{}, {0}, all, []byte("2024-01-01"), bytes.Repeat([]byte{0xff, 0}, 1<<16)}
	rows := make([]valBytes, len(values))
	for i, v := range values {
		v := v
		rows[i] = valBytes{Pos: i, B: v, P: &v}
	}
	rows = append(rows, valBytes{Pos: len(values), B: nil, P: &empty})
	require.NoError(t, db.Create(&rows).Error)

	var got []valBytes
	require.NoError(t, db.Order("pos").Find(&got).Error)
	require.Len(t, got, len(rows))
	for i, v := range values {
		assert.True(t, bytes.Equal(v, got[i].B), "bytes %d", i)
		require.NotNil(t, got[i].B, "bytes %d: an empty slice stays empty, not nil", i)
		require.NotNil(t, got[i].P)
		assert.True(t, bytes.Equal(v, *got[i].P))
	}
	last := got[len(values)]
	assert.Nil(t, last.B, "a nil slice is NULL")
	require.NotNil(t, last.P)
	assert.NotNil(t, *last.P)
	assert.Empty(t, *last.P)

	var kinds []string
	require.NoError(t, db.Raw("SELECT typeof(b) FROM val_bytes ORDER BY pos").Scan(&kinds).Error)
	assert.Equal(t, []string{"blob", "blob", "blob", "blob", "blob", "null"}, kinds)

	var raw []byte
	require.NoError(t, db.Raw("SELECT b FROM val_bytes WHERE pos = 0").Row().Scan(&raw))
	assert.NotNil(t, raw)
	assert.Empty(t, raw)
	var found valBytes
	require.NoError(t, db.Where("b = ?", all).First(&found).Error)
	assert.Equal(t, 2, found.Pos)
}

type valNullable struct {
	ID      uint
	S       *string
	I       *int
	F       *float64
	B       *bool
	T       *time.Time
	Bytes   []byte
	NullS   sql.NullString
	NullI   sql.NullInt32
	NullI16 sql.NullInt16
	NullB   sql.NullByte
	NullF   sql.NullFloat64
	NullT   sql.NullTime
	Generic sql.Null[string]
	JSON    map[string]int `gorm:"serializer:json"`
}

func testValueNulls(t *testing.T, env Env) {
	db := migrate(t, env, &valNullable{})
	row := valNullable{}
	require.NoError(t, db.Create(&row).Error)
	var got valNullable
	require.NoError(t, db.First(&got, row.ID).Error)
	assert.Equal(t, valNullable{ID: row.ID}, got)

	var nulls int
	require.NoError(t, db.Raw(`SELECT (s IS NULL) + (i IS NULL) + (f IS NULL) + (b IS NULL) + (t IS NULL) + (bytes IS NULL)
		+ (null_s IS NULL) + (null_i IS NULL) + (null_i16 IS NULL) + (null_b IS NULL) + (null_f IS NULL) + (null_t IS NULL)
		+ (generic IS NULL) FROM val_nullables`).Row().Scan(&nulls))
	assert.Equal(t, 13, nulls)

	s, i, f, b, tm := "", 0, 0.0, false, time.Time{}
	zero := valNullable{S: &s, I: &i, F: &f, B: &b, T: &tm, NullS: sql.NullString{Valid: true}, NullI: sql.NullInt32{Valid: true},
		NullI16: sql.NullInt16{Valid: true}, NullB: sql.NullByte{Byte: 255, Valid: true}, NullF: sql.NullFloat64{Valid: true},
		NullT: sql.NullTime{Valid: true}, Generic: sql.Null[string]{V: "g", Valid: true}, JSON: map[string]int{}}
	require.NoError(t, db.Create(&zero).Error)
	var gotZero valNullable
	require.NoError(t, db.First(&gotZero, zero.ID).Error)
	zero.T = &time.Time{}
	assert.Equal(t, zero.ID, gotZero.ID)
	require.NotNil(t, gotZero.T)
	assert.True(t, gotZero.T.IsZero())
	gotZero.T = zero.T
	assert.Equal(t, zero, gotZero, "zero values are values, not NULLs")

	// Setting a column back to NULL.
	require.NoError(t, db.Model(&gotZero).Updates(map[string]any{"s": nil, "null_t": nil, "generic": nil}).Error)
	var cleared valNullable
	require.NoError(t, db.First(&cleared, zero.ID).Error)
	assert.Nil(t, cleared.S)
	assert.False(t, cleared.NullT.Valid)
	assert.False(t, cleared.Generic.Valid)
	var n int64
	require.NoError(t, db.Model(&valNullable{}).Where("s IS NULL").Count(&n).Error)
	assert.Equal(t, int64(2), n)
}

// valPoint is a custom type stored as "x,y" text through Valuer and Scanner.
type valPoint struct{ X, Y int }

func (p valPoint) Value() (driver.Value, error) { return fmt.Sprintf("%d,%d", p.X, p.Y), nil }

func (p *valPoint) Scan(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("valPoint: cannot scan %T", v)
	}
	x, y, ok := strings.Cut(s, ",")
	if !ok {
		return fmt.Errorf("valPoint: bad text %q", s)
	}
	var err1, err2 error
	p.X, err1 = strconv.Atoi(x)
	p.Y, err2 = strconv.Atoi(y)
	return errors.Join(err1, err2)
}

// valCode is a Valuer on a pointer receiver returning bytes.
type valCode []byte

func (c valCode) Value() (driver.Value, error) { return []byte(c), nil }

func (c *valCode) Scan(v any) error {
	b, ok := v.([]byte)
	if !ok {
		return fmt.Errorf("valCode: cannot scan %T", v)
	}
	*c = append(valCode{}, b...)
	return nil
}

// GormDataType makes the column a blob.
func (valCode) GormDataType() string { return "blob" }

type valCustom struct {
	ID    uint
	At    valPoint
	Ptr   *valPoint
	Code  valCode
	Cents valCents
}

func testCustomTypes(t *testing.T, env Env) {
	db := migrate(t, env, &valCustom{})
	row := valCustom{At: valPoint{3, -4}, Ptr: &valPoint{0, 7}, Code: valCode{0, 1, 2}, Cents: -99}
	require.NoError(t, db.Create(&row).Error)
	var got valCustom
	require.NoError(t, db.First(&got, row.ID).Error)
	assert.Equal(t, row, got)

	var text string
	require.NoError(t, db.Raw("SELECT at FROM val_customs").Row().Scan(&text))
	assert.Equal(t, "3,-4", text)
	var found valCustom
	require.NoError(t, db.Where("at = ?", valPoint{3, -4}).First(&found).Error)
	assert.Equal(t, row.ID, found.ID)

	nilPtr := valCustom{At: valPoint{1, 1}}
	require.NoError(t, db.Create(&nilPtr).Error)
	var gotNil valCustom
	require.NoError(t, db.First(&gotNil, nilPtr.ID).Error)
	assert.Nil(t, gotNil.Ptr)
	assert.Equal(t, valPoint{1, 1}, gotNil.At)
}

// ValAudit is embedded anonymously, which GORM supports for exported types.
type ValAudit struct {
	By string
	At time.Time
}

type valEmbedded struct {
	ID uint
	ValAudit
	Owner ValAudit `gorm:"embedded;embeddedPrefix:owner_"`
	Extra struct {
		Note  string
		Count int
	} `gorm:"embedded"`
}

func testEmbedded(t *testing.T, env Env) {
	db := migrate(t, env, &valEmbedded{})
	at := time.Date(2023, 7, 8, 9, 10, 11, 12, time.FixedZone("Z", 3600))
	row := valEmbedded{ValAudit: ValAudit{By: "me", At: at}, Owner: ValAudit{By: "you", At: at.Add(time.Hour)}}
	row.Extra.Note, row.Extra.Count = "n", 5
	require.NoError(t, db.Create(&row).Error)

	var cols []string
	require.NoError(t, db.Raw("SELECT name FROM pragma_table_info('val_embeddeds') ORDER BY cid").Scan(&cols).Error)
	assert.Equal(t, []string{"id", "by", "at", "owner_by", "owner_at", "note", "count"}, cols)

	var got valEmbedded
	require.NoError(t, db.Where("owner_by = ?", "you").First(&got).Error)
	assert.Equal(t, "me", got.By)
	assert.True(t, got.At.Equal(at))
	assert.True(t, got.Owner.At.Equal(at.Add(time.Hour)))
	assert.Equal(t, row.Extra, got.Extra)
}

type valPrefs struct {
	Theme string
	Sizes []int
}

type valSerial struct {
	ID      uint
	JSON    valPrefs          `gorm:"serializer:json"`
	Map     map[string]string `gorm:"serializer:json"`
	Gob     valPrefs          `gorm:"serializer:gob"`
	Unix    int64             `gorm:"serializer:unixtime;type:datetime"`
	UnixPtr *int64            `gorm:"serializer:unixtime;type:datetime"`
}

func testSerializers(t *testing.T, env Env) {
	db := migrate(t, env, &valSerial{})
	unix := int64(1700000000)
	row := valSerial{
		JSON:    valPrefs{Theme: "dark\x00\u00e9", Sizes: []int{1, 2}},
		Map:     map[string]string{"k": "2024-01-01"},
		Gob:     valPrefs{Theme: "gob", Sizes: []int{3}},
		Unix:    unix,
		UnixPtr: &unix,
	}
	require.NoError(t, db.Create(&row).Error)
	var got valSerial
	require.NoError(t, db.First(&got, row.ID).Error)
	assert.Equal(t, row, got)

	var stored struct {
		JSON string
		Unix string
	}
	require.NoError(t, db.Raw("SELECT json, unix || '' AS unix FROM val_serials").Scan(&stored).Error)
	assert.JSONEq(t, `{"Theme":"dark\u0000é","Sizes":[1,2]}`, stored.JSON)
	assert.Equal(t, "2023-11-14 22:13:20.000000000+00:00", stored.Unix, "unixtime is stored as a time")

	empty := valSerial{}
	require.NoError(t, db.Create(&empty).Error)
	var gotEmpty valSerial
	require.NoError(t, db.First(&gotEmpty, empty.ID).Error)
	assert.Nil(t, gotEmpty.UnixPtr)
	assert.Equal(t, int64(0), gotEmpty.Unix)
}
