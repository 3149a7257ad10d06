package sqlite

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestAffinityOf(t *testing.T) {
	for decl, want := range map[string]Affinity{
		"integer": AffinityInteger, "BIGINT": AffinityInteger, "point": AffinityInteger,
		"varchar(20)": AffinityText, "clob": AffinityText, "CHARINT": AffinityInteger,
		"": AffinityBlob, "blob": AffinityBlob, "F32_BLOB(3)": AffinityBlob,
		"double precision": AffinityReal, "float": AffinityReal,
		"decimal(10,2)": AffinityNumeric, "datetime": AffinityNumeric, "boolean": AffinityNumeric,
	} {
		assert.Equal(t, want, AffinityOf(decl), decl)
	}
}

func TestScanType(t *testing.T) {
	anyType := reflect.TypeOf((*any)(nil)).Elem()
	for decl, want := range map[string]reflect.Type{
		"INTEGER": reflect.TypeOf(int64(0)), "varchar(10)": reflect.TypeOf(""),
		"blob": reflect.TypeOf([]byte(nil)), "real": reflect.TypeOf(float64(0)),
		"DATETIME": reflect.TypeOf(time.Time{}), "date": reflect.TypeOf(time.Time{}),
		// Only the types the drivers decode to time.Time scan as one.
		"time": anyType, "numeric": anyType, "": anyType,
	} {
		assert.Equal(t, want, ScanType(decl), decl)
	}
}
