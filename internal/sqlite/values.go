package sqlite

import (
	"database/sql/driver"
	"fmt"
	"math"
	"time"
)

// TimeFormat is how every time.Time is stored: UTC, fixed width, nanoseconds.
// Fixed width makes text order equal time order, so SQL comparisons and
// ORDER BY are right whatever zone the values were written in; SQLite's date
// functions and mattn/go-sqlite3 both read this layout.
const TimeFormat = "2006-01-02 15:04:05.000000000+00:00"

// timeLayouts are the layouts accepted when reading a date/time column
// written by other tools, tried after the fast path for TimeFormat.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// AppendTime appends t in TimeFormat. Years outside 0..9999 cannot keep the
// text sortable and are refused rather than stored out of order.
func AppendTime(buf []byte, t time.Time) ([]byte, error) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return buf, fmt.Errorf("libsql: time %s is outside the storable years 0000-9999", t.Format(time.RFC3339Nano))
	}
	return t.AppendFormat(buf, TimeFormat), nil
}

// ParseTime reads a stored date/time text in any of the accepted layouts.
func ParseTime(s string) (time.Time, bool) {
	if t, ok := parseCanonicalTime(s); ok {
		return t, true
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseCanonicalTime decodes TimeFormat by position, which is several times
// faster than time.Parse on the layout every value of ours is written in.
func parseCanonicalTime(s string) (time.Time, bool) {
	if len(s) != len(TimeFormat) || s[4] != '-' || s[7] != '-' || s[10] != ' ' ||
		s[13] != ':' || s[16] != ':' || s[19] != '.' || s[29:] != "+00:00" {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	nsec, ok7 := num(20, 29)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || month < 1 || month > 12 ||
		day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day {
		return time.Time{}, false
	}
	return t, true
}

// CheckNamedValue implements driver.NamedValueChecker for every connection
// of the dialect: it converts arguments without reflection for the common
// types and refuses values SQLite cannot hold instead of wrapping them.
func CheckNamedValue(nv *driver.NamedValue) error {
	switch v := nv.Value.(type) {
	case nil, int64, bool, string, []byte, time.Time:
	case float64:
		return CheckFloat(nv.Ordinal, v)
	case int:
		nv.Value = int64(v)
	case int8:
		nv.Value = int64(v)
	case int16:
		nv.Value = int64(v)
	case int32:
		nv.Value = int64(v)
	case uint:
		return checkUint(nv, uint64(v))
	case uint8:
		nv.Value = int64(v)
	case uint16:
		nv.Value = int64(v)
	case uint32:
		nv.Value = int64(v)
	case uint64:
		return checkUint(nv, v)
	case float32:
		nv.Value = float64(v)
		return CheckFloat(nv.Ordinal, float64(v))
	default:
		return driver.ErrSkip
	}
	return nil
}

// CheckFloat refuses NaN as argument number ordinal: SQLite stores it as
// NULL, which would lose the value without a word. ±Inf are stored as such.
func CheckFloat(ordinal int, f float64) error {
	if math.IsNaN(f) {
		return fmt.Errorf("libsql: argument %d: NaN cannot be stored (SQLite would store NULL)", ordinal)
	}
	return nil
}

func checkUint(nv *driver.NamedValue, v uint64) error {
	if v > math.MaxInt64 {
		return fmt.Errorf("libsql: argument %d: unsigned value %d does not fit a 64-bit signed INTEGER (max %d)", nv.Ordinal, v, int64(math.MaxInt64))
	}
	nv.Value = int64(v)
	return nil
}

// UnixTime reads an integer cell of a date/time column as Unix seconds, or
// as Unix milliseconds when it is too large to be seconds.
func UnixTime(v int64) time.Time {
	if v > 1e12 || v < -1e12 {
		return time.UnixMilli(v).UTC()
	}
	return time.Unix(v, 0).UTC()
}
