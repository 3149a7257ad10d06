//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

type fuzzRow struct {
	ID   uint
	S    string
	B    []byte
	I    int64
	U    uint64
	F    float64
	At   time.Time
	Opt  *string
	Flag bool
}

// FuzzValueRoundTrip writes arbitrary values through GORM to a local file
// and reads them back: each comes back exactly, or the write is refused
// with an error (NaN, uint64 above MaxInt64, years outside 0000-9999) and
// nothing is stored.
func FuzzValueRoundTrip(f *testing.F) {
	f.Add("2024-01-01", []byte{}, int64(0), uint64(0), 0.0, int64(0), int64(0), 0, true)
	f.Add("a\x00b", []byte{0, 1, 2}, int64(math.MinInt64), uint64(math.MaxInt64), math.Inf(-1), int64(-62135596800), int64(999999999), 3600, false)
	f.Add("\xff\xfe", []byte(nil), int64(math.MaxInt64), uint64(math.MaxUint64), math.NaN(), int64(253402300800), int64(1), -3600, true)
	f.Add("12:30", []byte("x"), int64(-1), uint64(1), math.SmallestNonzeroFloat64, int64(1700000000), int64(123456789), 19800, false)
	f.Add("2024-01-01 10:00:00.000000000+00:00", []byte("2024"), int64(7), uint64(1<<63), math.Copysign(0, -1), int64(-99999999999), int64(5), -50400, true)

	db := openLocal(f, &gorm.Config{})
	if err := db.AutoMigrate(&fuzzRow{}); err != nil {
		f.Fatal(err)
	}
	var stored int64
	f.Fuzz(func(t *testing.T, s string, b []byte, i int64, u uint64, fl float64, sec, nsec int64, offset int, flag bool) {
		zone := time.FixedZone("F", offset%(18*3600))
		at := time.Unix(sec, nsec%1e9).In(zone)
		row := fuzzRow{S: s, B: b, I: i, U: u, F: fl, At: at, Flag: flag}
		if len(s)%2 == 0 {
			row.Opt = &s
		}
		err := db.Create(&row).Error
		utcYear := at.UTC().Year()
		refused := math.IsNaN(fl) || u > math.MaxInt64 || utcYear < 0 || utcYear > 9999
		if refused {
			if err == nil {
				t.Fatalf("stored a value that cannot round-trip: u=%d f=%v at=%v", u, fl, at)
			}
			if !strings.Contains(err.Error(), "libsql") && !strings.Contains(err.Error(), "uint64") {
				t.Fatalf("unclear error: %v", err)
			}
			var n int64
			if err := db.Model(&fuzzRow{}).Count(&n).Error; err != nil || n != stored {
				t.Fatalf("a refused write left rows: %d != %d (%v)", n, stored, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		stored++
		var got fuzzRow
		if err := db.First(&got, row.ID).Error; err != nil {
			t.Fatalf("read: %v", err)
		}
		wantF := fl
		if wantF == 0 {
			wantF = 0 // SQLite keeps no sign on zero
		}
		switch {
		case got.S != s:
			t.Fatalf("string: wrote %q, read %q", s, got.S)
		case !bytes.Equal(got.B, b) || (got.B == nil) != (b == nil):
			t.Fatalf("bytes: wrote %#v, read %#v", b, got.B)
		case got.I != i || got.U != u || got.Flag != flag:
			t.Fatalf("integers: wrote %d %d %v, read %d %d %v", i, u, flag, got.I, got.U, got.Flag)
		case math.Float64bits(got.F) != math.Float64bits(wantF):
			t.Fatalf("float: wrote %v, read %v", fl, got.F)
		case !got.At.Equal(at):
			t.Fatalf("time: wrote %v, read %v", at, got.At)
		case (got.Opt == nil) != (row.Opt == nil) || got.Opt != nil && *got.Opt != s:
			t.Fatalf("*string: wrote %v, read %v", row.Opt, got.Opt)
		}
	})
}
