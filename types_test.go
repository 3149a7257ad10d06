package libsql_test

import (
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVector32Parsing(t *testing.T) {
	v, err := libsql.ParseVector32(" [1, 2.5,-3] ")
	require.NoError(t, err)
	assert.Equal(t, libsql.Vector32{1, 2.5, -3}, v)
	assert.Equal(t, "[1,2.5,-3]", v.String())

	for _, bad := range []string{"1,2", "1,2]", "[1,2"} {
		_, err = libsql.ParseVector32(bad)
		assert.ErrorContains(t, err, "not a vector", bad)
	}
	_, err = libsql.ParseVector32("[1,x]")
	assert.ErrorContains(t, err, "element 1")

	var scanned libsql.Vector32
	assert.ErrorContains(t, scanned.Scan([]byte{1, 2, 3}), "not an F32 vector")
	assert.ErrorContains(t, scanned.Scan(42), "cannot scan int")
	require.NoError(t, scanned.Scan(nil))
	assert.Nil(t, scanned)
}
