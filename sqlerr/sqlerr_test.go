package sqlerr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gorm-libsql/libsql/sqlerr"
	"github.com/stretchr/testify/assert"
)

func TestIsMatchesCodes(t *testing.T) {
	unique := fmt.Errorf("create user: %w", &sqlerr.Error{Code: sqlerr.CodeConstraintUnique, Message: "UNIQUE constraint failed: users.email"})
	busy := &sqlerr.Error{Code: sqlerr.CodeBusy, Message: "database is locked"}
	for _, tc := range []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"extended code", unique, sqlerr.CodeConstraintUnique, true},
		{"its primary code", unique, sqlerr.CodeConstraint, true},
		{"another extended code of the family", unique, sqlerr.CodeConstraintPrimaryKey, false},
		{"another primary code", unique, sqlerr.CodeBusy, false},
		{"primary code alone", busy, sqlerr.CodeBusy, true},
		{"an extended code it lacks", busy, sqlerr.CodeBusySnapshot, false},
		{"not a code", busy, errors.New("database is locked"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, errors.Is(tc.err, tc.target))
		})
	}
}

func TestCodeNames(t *testing.T) {
	for _, tc := range []struct {
		code sqlerr.Code
		name string
	}{
		{sqlerr.CodeBusy, "SQLITE_BUSY"},
		{sqlerr.CodeConstraintUnique, "SQLITE_CONSTRAINT_UNIQUE"},
		{sqlerr.CodeDone, "SQLITE_DONE"},
		{sqlerr.Code(10 | 10<<8), "SQLITE_IOERR+2570"},
		{sqlerr.Code(99), "SQLITE code 99"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.name, tc.code.String())
			if c, ok := sqlerr.CodeByName(tc.name); ok {
				assert.Equal(t, tc.code, c, "the name reads back")
			}
		})
	}
	_, ok := sqlerr.CodeByName("SQLITE_NOPE")
	assert.False(t, ok)
	e := &sqlerr.Error{Code: sqlerr.CodeConstraintNotNull, Message: "NOT NULL constraint failed: t.c"}
	assert.Equal(t, "libsql: NOT NULL constraint failed: t.c (code 1299, SQLITE_CONSTRAINT_NOTNULL)", e.Error())
	assert.Equal(t, sqlerr.CodeConstraint, e.Primary())
}

// Tell failures apart by their result code, in any mode, without GORM's
// TranslateError.
func ExampleError() {
	// What a failed INSERT returns, wrapped as application code would.
	err := fmt.Errorf("save user: %w", &sqlerr.Error{Code: sqlerr.CodeConstraintUnique, Message: "UNIQUE constraint failed: users.email"})

	var e *sqlerr.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code, e.Primary(), e.Message)
	}
	fmt.Println(errors.Is(err, sqlerr.CodeConstraintUnique), errors.Is(err, sqlerr.CodeConstraint), errors.Is(err, sqlerr.CodeBusy))
	// Output:
	// SQLITE_CONSTRAINT_UNIQUE SQLITE_CONSTRAINT UNIQUE constraint failed: users.email
	// true true false
}
