package suite

import (
	"errors"
	"testing"

	"github.com/gorm-libsql/libsql"
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
		codeOf := func(err error) int {
			t.Helper()
			var e *libsql.Error
			require.True(t, errors.As(err, &e), "%v", err)
			return e.Code
		}
		require.NoError(t, plain.Create(&codeParent{ID: 1}).Error)
		require.NoError(t, plain.Create(&codeChild{Name: "a", CodeParentID: 1}).Error)

		assert.Equal(t, 787, codeOf(plain.Exec("INSERT INTO code_children (name, code_parent_id) VALUES ('b', 99)").Error))
		assert.Equal(t, 1299, codeOf(plain.Exec("INSERT INTO code_children (name, code_parent_id) VALUES (NULL, 1)").Error))
		assert.Equal(t, 2067, codeOf(plain.Exec("INSERT INTO code_children (name, code_parent_id) VALUES ('a', 1)").Error))
		assert.Equal(t, 1, codeOf(plain.Exec("SELECT * FROM no_such_table").Error))
		assert.Equal(t, 1, codeOf(plain.Exec("SELECT no_such_column FROM code_children").Error))
		var e *libsql.Error
		require.True(t, errors.As(plain.Exec("SELECT * FROM no_such_table").Error, &e))
		assert.Equal(t, 1, e.Primary())
	})
}
