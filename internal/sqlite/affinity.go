package sqlite

import (
	"reflect"
	"strings"
	"time"
)

// Affinity is the type affinity SQLite gives a column by its declared type
// (https://sqlite.org/datatype3.html#determination_of_column_affinity): it
// decides how values stored in the column are converted.
type Affinity string

// The five affinities, named as SQLite names them.
const (
	AffinityInteger Affinity = "INTEGER"
	AffinityText    Affinity = "TEXT"
	AffinityBlob    Affinity = "BLOB"
	AffinityReal    Affinity = "REAL"
	AffinityNumeric Affinity = "NUMERIC"
)

// AffinityOf applies SQLite's rules, in SQLite's order, to a declared type.
func AffinityOf(decl string) Affinity {
	t := strings.ToUpper(decl)
	switch {
	case strings.Contains(t, "INT"):
		return AffinityInteger
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
		return AffinityText
	case t == "" || strings.Contains(t, "BLOB"):
		return AffinityBlob
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return AffinityReal
	}
	return AffinityNumeric
}

// IsTimeDeclType reports whether cells of a column declared as decl decode
// to time.Time (date, datetime, timestamp, in any case).
func IsTimeDeclType(decl string) bool {
	switch strings.ToLower(decl) {
	case "date", "datetime", "timestamp":
		return true
	}
	return false
}

// ScanType reports the Go type cells of a column declared as decl decode
// to: time.Time for date/time columns, else the type of the column's
// affinity. A column of NUMERIC affinity holds integers and reals, and an
// expression (no declared type) holds anything, so both give any.
func ScanType(decl string) reflect.Type {
	if IsTimeDeclType(decl) {
		return reflect.TypeOf(time.Time{})
	}
	switch AffinityOf(decl) {
	case AffinityInteger:
		return reflect.TypeOf(int64(0))
	case AffinityText:
		return reflect.TypeOf("")
	case AffinityBlob:
		if decl != "" {
			return reflect.TypeOf([]byte(nil))
		}
	case AffinityReal:
		return reflect.TypeOf(float64(0))
	}
	return reflect.TypeOf((*any)(nil)).Elem()
}
