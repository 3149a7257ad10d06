package suite

import (
	"errors"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

type consParent struct {
	ID   uint
	Name string
}

type consRow struct {
	ID       uint
	Email    string  `gorm:"uniqueIndex"`
	Region   string  `gorm:"uniqueIndex:idx_cons_pair"`
	Number   int     `gorm:"uniqueIndex:idx_cons_pair"`
	Price    int     `gorm:"check:cons_price_positive,price > 0"`
	Note     *string `gorm:"not null"`
	ParentID *uint
	Parent   *consParent
}

// constraintOf asserts that err is a translated violation of kind.
func constraintOf(t *testing.T, err error, kind libsql.ConstraintKind, sentinel error) *libsql.ConstraintError {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, sentinel)
	var ce *libsql.ConstraintError
	require.True(t, errors.As(err, &ce), "%T: %v", err, err)
	assert.Equal(t, kind, ce.Kind)
	assert.NotNil(t, ce.Err, "the engine's error is kept")
	assert.Equal(t, ce, libsql.ParseConstraintError(err))
	return ce
}

func init() {
	register("Errors/Constraints", func(t *testing.T, env Env) {
		db := migrate(t, env, &consParent{}, &consRow{})
		note := "n"
		base := consRow{Email: "a@x", Region: "eu", Number: 1, Price: 1, Note: &note}
		require.NoError(t, db.Create(&base).Error)

		dup := base
		dup.ID = 0
		dup.Region = "us"
		ce := constraintOf(t, db.Create(&dup).Error, libsql.ConstraintUnique, gorm.ErrDuplicatedKey)
		assert.Equal(t, "cons_rows", ce.Table)
		assert.Equal(t, []string{"email"}, ce.Columns)
		assert.Equal(t, "libsql: UNIQUE constraint violated on cons_rows.email", ce.Error())

		pair := base
		pair.ID = 0
		pair.Email = "b@x"
		ce = constraintOf(t, db.Create(&pair).Error, libsql.ConstraintUnique, gorm.ErrDuplicatedKey)
		assert.Equal(t, "cons_rows", ce.Table)
		assert.Equal(t, []string{"region", "number"}, ce.Columns)

		samePK := base
		samePK.Email, samePK.Region = "c@x", "asia"
		ce = constraintOf(t, db.Create(&samePK).Error, libsql.ConstraintPrimaryKey, gorm.ErrDuplicatedKey)
		assert.Equal(t, "cons_rows", ce.Table)
		assert.Equal(t, []string{"id"}, ce.Columns)

		cheap := consRow{Email: "d@x", Region: "eu", Number: 2, Price: -5, Note: &note}
		ce = constraintOf(t, db.Create(&cheap).Error, libsql.ConstraintCheck, gorm.ErrCheckConstraintViolated)
		assert.Equal(t, "cons_price_positive", ce.Constraint)

		noNote := consRow{Email: "e@x", Region: "eu", Number: 3, Price: 1}
		ce = constraintOf(t, db.Create(&noNote).Error, libsql.ConstraintNotNull, libsql.ErrNotNullViolated)
		assert.Equal(t, "cons_rows", ce.Table)
		assert.Equal(t, []string{"note"}, ce.Columns)

		missing := uint(42)
		orphan := consRow{Email: "f@x", Region: "eu", Number: 4, Price: 1, Note: &note, ParentID: &missing}
		ce = constraintOf(t, db.Create(&orphan).Error, libsql.ConstraintForeignKey, gorm.ErrForeignKeyViolated)
		assert.Empty(t, ce.Columns, "SQLite does not name the foreign key")

		// A unique index on an expression is reported by name.
		require.NoError(t, db.Exec("CREATE UNIQUE INDEX idx_cons_lower_email ON cons_rows (lower(email))").Error)
		upper := consRow{Email: "A@X", Region: "x", Number: 5, Price: 1, Note: &note}
		ce = constraintOf(t, db.Create(&upper).Error, libsql.ConstraintUnique, gorm.ErrDuplicatedKey)
		assert.Equal(t, "idx_cons_lower_email", ce.Constraint)
		assert.Empty(t, ce.Columns)

		// Updates and raw SQL are translated as well; other errors are not.
		err := db.Model(&consRow{}).Where("id = ?", base.ID).Update("price", 0).Error
		constraintOf(t, err, libsql.ConstraintCheck, gorm.ErrCheckConstraintViolated)
		err = db.Exec("INSERT INTO cons_rows (email, region, number, price, note) VALUES (?, ?, ?, ?, ?)", "a@x", "z", 9, 1, "n").Error
		constraintOf(t, err, libsql.ConstraintUnique, gorm.ErrDuplicatedKey)
		err = db.Exec("INSERT INTO no_such_table VALUES (1)").Error
		require.Error(t, err)
		assert.Nil(t, libsql.ParseConstraintError(err))
		assert.NotErrorIs(t, err, gorm.ErrDuplicatedKey)

		// Nothing was written by the failed statements.
		assert.Equal(t, int64(1), count(t, db, &consRow{}))
	})

	register("Errors/Untranslated", func(t *testing.T, env Env) {
		db := env.OpenWith(t, &gorm.Config{})
		require.NoError(t, db.AutoMigrate(&consParent{}, &consRow{}))
		note := "n"
		row := consRow{Email: "a@x", Price: 1, Note: &note}
		require.NoError(t, db.Create(&row).Error)
		row.ID = 0
		err := db.Create(&row).Error
		require.Error(t, err)
		assert.NotErrorIs(t, err, gorm.ErrDuplicatedKey, "without TranslateError the engine's error is returned as is")
		assert.Contains(t, err.Error(), "UNIQUE constraint failed: cons_rows.email")
		ce := libsql.ParseConstraintError(err)
		require.NotNil(t, ce, "the error can still be parsed on demand")
		assert.Equal(t, libsql.ConstraintUnique, ce.Kind)
		assert.ErrorIs(t, ce, gorm.ErrDuplicatedKey)
	})
}
