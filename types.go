package libsql

import (
	sqldriver "database/sql/driver"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/internal/sqlite"
	"gorm.io/gorm/clause"
)

// TimeFormat is the text every time.Time is stored as: UTC, fixed width,
// nanoseconds ("2006-01-02 15:04:05.000000000+00:00"), so that text order
// is time order. Values computed by SQL
// (SELECT max(created_at)) have no declared type and come back as this
// text; parse them with time.Parse(libsql.TimeFormat, s).
const TimeFormat = sqlite.TimeFormat

// Vector32 is a libSQL vector of 32-bit floats, stored in an F32_BLOB column
// as little-endian floats. Give the field its dimension with the size tag:
//
//	Embedding libsql.Vector32 `gorm:"size:384"`   // column type F32_BLOB(384)
//
// and index it for nearest-neighbour search with an expression index:
//
//	Embedding libsql.Vector32 `gorm:"size:384;index:docs_embedding_idx,expression:libsql_vector_idx(embedding)"`
type Vector32 []float32

// vectorDataType is the GORM data type of Vector32 fields.
const vectorDataType = "F32_BLOB"

// GormDataType implements schema.GormDataTypeInterface.
func (Vector32) GormDataType() string { return vectorDataType }

// Value implements driver.Valuer.
func (v Vector32) Value() (sqldriver.Value, error) {
	if v == nil {
		return nil, nil
	}
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b, nil
}

// Scan implements sql.Scanner. It reads the column's blob, or the text form
// "[1,2,3]" that vector_extract returns.
func (v *Vector32) Scan(src any) error {
	switch s := src.(type) {
	case nil:
		*v = nil
	case []byte:
		if len(s)%4 != 0 {
			return fmt.Errorf("libsql: a %d-byte blob is not an F32 vector (want a multiple of 4 bytes)", len(s))
		}
		out := make(Vector32, len(s)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(s[4*i:]))
		}
		*v = out
	case string:
		parsed, err := ParseVector32(s)
		if err != nil {
			return err
		}
		*v = parsed
	default:
		return fmt.Errorf("libsql: cannot scan %T into a Vector32", src)
	}
	return nil
}

// String formats the vector as libSQL's vector text, "[1,2,3]".
func (v Vector32) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, f := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(float64(f), 'g', -1, 32))
	}
	b.WriteByte(']')
	return b.String()
}

// ParseVector32 reads libSQL's vector text form, "[1,2,3]".
func ParseVector32(s string) (Vector32, error) {
	body, hasOpen := strings.CutPrefix(strings.TrimSpace(s), "[")
	body, hasClose := strings.CutSuffix(body, "]")
	if !hasOpen || !hasClose {
		return nil, fmt.Errorf("libsql: %q is not a vector (want [x,y,...])", s)
	}
	if strings.TrimSpace(body) == "" {
		return Vector32{}, nil
	}
	parts := strings.Split(body, ",")
	out := make(Vector32, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 32)
		if err != nil {
			return nil, errmsg.Wrap(err, "libsql: vector element %d", i)
		}
		out[i] = float32(f)
	}
	return out, nil
}

// VectorDistanceCos is the cosine distance between a vector column and v,
// for ordering or filtering:
//
//	db.Clauses(clause.OrderBy{Expression: libsql.VectorDistanceCos("embedding", q)}).Limit(5).Find(&docs)
func VectorDistanceCos(column string, v Vector32) clause.Expr {
	return clause.Expr{SQL: "vector_distance_cos(?, ?)", Vars: []any{clause.Column{Name: column}, v}}
}

// VectorTopK joins the k nearest neighbours of v found through a vector
// index; the joined rows are matched by rowid:
//
//	db.Joins("JOIN ? AS top ON top.id = docs.rowid", libsql.VectorTopK("docs_embedding_idx", q, 5)).Find(&docs)
func VectorTopK(index string, v Vector32, k int) clause.Expr {
	return clause.Expr{SQL: "vector_top_k(?, ?, ?)", Vars: []any{index, v, k}}
}
