package suite

import (
	"errors"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/sqlerr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

type codeParent struct {
	ID uint
}

type codeChild struct {
	ID           uint
	Name         string `gorm:"not null;unique"`
	CodeParentID uint
	CodeParent   *codeParent
}

func init() {
	// errors.As finds the engine's error with the same code in every mode,
	// without TranslateError.
	register("Errors/SameCodeInEveryMode", func(t *testing.T, env Env) {
		db := migrate(t, env, &codeParent{}, &codeChild{})
		plain := db.Session(&gorm.Session{})
		plain.TranslateError = false
		codeOf := func(err error) sqlerr.Code {
			t.Helper()
			var e *libsql.Error
			require.True(t, errors.As(err, &e), "%v", err)
			return e.Code
		}
		require.NoError(t, plain.Create(&codeParent{ID: 1}).Error)
		require.NoError(t, plain.Create(&codeChild{Name: "a", CodeParentID: 1}).Error)

		assert.Equal(t, sqlerr.CodeConstraintForeignKey, codeOf(plain.Exec("INSERT INTO code_children (name, code_parent_id) VALUES ('b', 99)").Error))
		assert.Equal(t, sqlerr.CodeConstraintNotNull, codeOf(plain.Exec("INSERT INTO code_children (name, code_parent_id) VALUES (NULL, 1)").Error))
		unique := plain.Exec("INSERT INTO code_children (name, code_parent_id) VALUES ('a', 1)").Error
		assert.Equal(t, sqlerr.CodeConstraintUnique, codeOf(unique))
		assert.ErrorIs(t, unique, sqlerr.CodeConstraintUnique, "errors.Is with the extended code")
		assert.ErrorIs(t, unique, sqlerr.CodeConstraint, "errors.Is with the primary code matches its family")
		assert.NotErrorIs(t, unique, sqlerr.CodeConstraintPrimaryKey)
		assert.Contains(t, unique.Error(), "SQLITE_CONSTRAINT_UNIQUE", "the message names the code")
		assert.Equal(t, sqlerr.CodeError, codeOf(plain.Exec("SELECT * FROM no_such_table").Error))
		assert.Equal(t, sqlerr.CodeError, codeOf(plain.Exec("SELECT no_such_column FROM code_children").Error))
		var e *libsql.Error
		require.True(t, errors.As(plain.Exec("SELECT * FROM no_such_table").Error, &e))
		assert.Equal(t, sqlerr.CodeError, e.Primary())
	})
}
