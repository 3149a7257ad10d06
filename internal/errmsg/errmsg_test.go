package errmsg

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestWrap(t *testing.T) {
	inner := errors.New("libsql: tenant not found")
	err := Wrap(inner, "tenants: open tenant %s", "ghost")
	assert.Equal(t, "tenants: open tenant ghost: tenant not found", err.Error())
	assert.ErrorIs(t, err, inner)
	assert.Equal(t, "libsql: open x: context canceled", Wrap(context.Canceled, "libsql: open %s", "x").Error(), "a foreign error is kept whole")
	assert.Equal(t, "libsql: a: b: c", Wrap(Wrap(errors.New("tenants: c"), "libsql: b"), "libsql: a").Error())
}
