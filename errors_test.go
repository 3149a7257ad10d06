package libsql_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/sqlerr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// Constraint messages as each mode reports them: the engine's error locally,
// the same message in text from go-libsql, Hrana and write delegation.
var constraintFormats = []struct {
	name       string
	err        error
	kind       libsql.ConstraintKind
	table      string
	columns    []string
	constraint string
}{
	{"local unique", &sqlerr.Error{Code: sqlerr.CodeConstraintUnique, Message: "UNIQUE constraint failed: t.email"},
		libsql.ConstraintUnique, "t", []string{"email"}, ""},
	{"local unique pair", &sqlerr.Error{Code: sqlerr.CodeConstraintUnique, Message: "UNIQUE constraint failed: users.region, users.number"},
		libsql.ConstraintUnique, "users", []string{"region", "number"}, ""},
	{"local primary key", &sqlerr.Error{Code: sqlerr.CodeConstraintPrimaryKey, Message: "UNIQUE constraint failed: t.id"},
		libsql.ConstraintPrimaryKey, "t", []string{"id"}, ""},
	{"local primary key without rowid", &sqlerr.Error{Code: sqlerr.CodeConstraintPrimaryKey, Message: "PRIMARY KEY constraint failed: t.k"},
		libsql.ConstraintPrimaryKey, "t", []string{"k"}, ""},
	{"local foreign key", &sqlerr.Error{Code: sqlerr.CodeConstraintForeignKey, Message: "FOREIGN KEY constraint failed"},
		libsql.ConstraintForeignKey, "", nil, ""},
	{"local check", &sqlerr.Error{Code: sqlerr.CodeConstraintCheck, Message: "CHECK constraint failed: price_positive"},
		libsql.ConstraintCheck, "", nil, "price_positive"},
	{"local check expression", &sqlerr.Error{Code: sqlerr.CodeConstraintCheck, Message: "CHECK constraint failed: price > 0"},
		libsql.ConstraintCheck, "", nil, "price > 0"},
	{"local not null", &sqlerr.Error{Code: sqlerr.CodeConstraintNotNull, Message: "NOT NULL constraint failed: t.note"},
		libsql.ConstraintNotNull, "t", []string{"note"}, ""},
	{"local expression index", &sqlerr.Error{Code: sqlerr.CodeConstraintUnique, Message: "UNIQUE constraint failed: index 'idx_lower_email'"},
		libsql.ConstraintUnique, "", nil, "idx_lower_email"},
	{"wrapped local", fmt.Errorf("create user: %w", &sqlerr.Error{Code: sqlerr.CodeConstraintUnique, Message: "UNIQUE constraint failed: t.email"}),
		libsql.ConstraintUnique, "t", []string{"email"}, ""},
	{"go-libsql local text", errors.New("failed to execute query INSERT INTO t (email) VALUES (?)\nerror code = 2: Error executing statement: SQLite failure: `UNIQUE constraint failed: t.email`"),
		libsql.ConstraintUnique, "t", []string{"email"}, ""},
	//lint:ignore ST1005 the text the server or go-libsql returns, verbatim
	{"hrana stream error", errors.New("Hrana: `stream error: `Error { message: \"SQLite error: UNIQUE constraint failed: t.email\", code: \"SQLITE_CONSTRAINT\" }``"),
		libsql.ConstraintUnique, "t", []string{"email"}, ""},
	//lint:ignore ST1005 the text the server or go-libsql returns, verbatim
	{"hrana api error json", errors.New(`Hrana: ` + "`api error: `status=400 Bad Request, body={\"message\":\"SQLITE_CONSTRAINT_NOTNULL: NOT NULL constraint failed: users.name\",\"code\":\"SQLITE_CONSTRAINT_NOTNULL\"}``"),
		libsql.ConstraintNotNull, "users", []string{"name"}, ""},
	//lint:ignore ST1005 the text the server or go-libsql returns, verbatim
	{"hrana escaped quotes", errors.New(`Error { message: \"SQLite error: UNIQUE constraint failed: t.a, t.b\", code: \"SQLITE_CONSTRAINT\" }`),
		libsql.ConstraintUnique, "t", []string{"a", "b"}, ""},
	{"write delegation", errors.New("error code = 1: Error executing statement: Write delegation: `status: Unknown, message: \"SQLite error: FOREIGN KEY constraint failed\"`"),
		libsql.ConstraintForeignKey, "", nil, ""},
	//lint:ignore ST1005 the text the server or go-libsql returns, verbatim
	{"write delegation check", errors.New("Replication error: Write delegation: status: Unknown, message: \"CHECK constraint failed: qty >= 0\", details: []"),
		libsql.ConstraintCheck, "", nil, "qty >= 0"},
	{"remote via server code", &sqlerr.Error{Code: sqlerr.CodeConstraintNotNull, Message: "NOT NULL constraint failed: t.c"},
		libsql.ConstraintNotNull, "t", []string{"c"}, ""},
}

func TestParseConstraintErrorFormats(t *testing.T) {
	for _, tc := range constraintFormats {
		t.Run(tc.name, func(t *testing.T) {
			ce := libsql.ParseConstraintError(tc.err)
			require.NotNil(t, ce)
			assert.Equal(t, tc.kind, ce.Kind)
			assert.Equal(t, tc.table, ce.Table)
			assert.Equal(t, tc.columns, ce.Columns)
			assert.Equal(t, tc.constraint, ce.Constraint)
			assert.Same(t, tc.err, ce.Err)

			translated := libsql.Dialector{}.Translate(tc.err)
			assert.ErrorIs(t, translated, tc.err, "the original error stays reachable")
			var as *libsql.ConstraintError
			require.ErrorAs(t, translated, &as)
			assert.Equal(t, ce, as)
			sentinel := map[libsql.ConstraintKind]error{
				libsql.ConstraintUnique: gorm.ErrDuplicatedKey, libsql.ConstraintPrimaryKey: gorm.ErrDuplicatedKey,
				libsql.ConstraintForeignKey: gorm.ErrForeignKeyViolated, libsql.ConstraintCheck: gorm.ErrCheckConstraintViolated,
				libsql.ConstraintNotNull: libsql.ErrNotNullViolated,
			}[tc.kind]
			assert.ErrorIs(t, translated, sentinel)
			for _, other := range []error{gorm.ErrDuplicatedKey, gorm.ErrForeignKeyViolated, gorm.ErrCheckConstraintViolated, libsql.ErrNotNullViolated} {
				if other != sentinel {
					assert.NotErrorIs(t, translated, other)
				}
			}
			// Parsing a translated error gives the same result.
			assert.Equal(t, ce, libsql.ParseConstraintError(translated))
		})
	}
}

func TestParseConstraintErrorIgnoresOthers(t *testing.T) {
	for _, err := range []error{
		nil,
		errors.New("no such table: t"),
		errors.New("database is locked"),
		&sqlerr.Error{Code: sqlerr.CodeBusy, Message: "database is locked"},
		// The text of a non-constraint engine error is not read.
		&sqlerr.Error{Code: 1, Message: "near \"UNIQUE constraint failed\": syntax error"},
		// A trigger's RAISE(ABORT) is a constraint code with its own text.
		&sqlerr.Error{Code: 1811, Message: "stock cannot go negative"},
		gorm.ErrRecordNotFound,
	} {
		assert.Nil(t, libsql.ParseConstraintError(err), "%v", err)
		assert.Equal(t, err, libsql.Dialector{}.Translate(err))
	}
}

func TestConstraintErrorMessage(t *testing.T) {
	cases := map[string]*libsql.ConstraintError{
		"libsql: UNIQUE constraint violated on t.a, t.b":   {Kind: libsql.ConstraintUnique, Table: "t", Columns: []string{"a", "b"}},
		"libsql: CHECK constraint violated: price > 0":     {Kind: libsql.ConstraintCheck, Constraint: "price > 0"},
		"libsql: FOREIGN KEY constraint violated":          {Kind: libsql.ConstraintForeignKey},
		"libsql: NOT NULL constraint violated on note":     {Kind: libsql.ConstraintNotNull, Columns: []string{"note"}},
		"libsql: PRIMARY KEY constraint violated on t.id":  {Kind: libsql.ConstraintPrimaryKey, Table: "t", Columns: []string{"id"}},
		"libsql: UNIQUE constraint violated: idx_lower_em": {Kind: libsql.ConstraintUnique, Constraint: "idx_lower_em"},
	}
	for want, ce := range cases {
		assert.Equal(t, want, ce.Error())
	}
	assert.Nil(t, (&libsql.ConstraintError{Kind: libsql.ConstraintUnique}).Unwrap())
	assert.False(t, errors.Is(&libsql.ConstraintError{Kind: "OTHER"}, gorm.ErrDuplicatedKey))
}

// FuzzParseConstraintError: no message, in any wrapping, makes the parser
// or the translator panic, and whatever it finds is consistent.
func FuzzParseConstraintError(f *testing.F) {
	for _, tc := range constraintFormats {
		var e *sqlerr.Error
		if errors.As(tc.err, &e) {
			f.Add(e.Message, int(e.Code))
		} else {
			f.Add(tc.err.Error(), 0)
		}
	}
	f.Add("UNIQUE constraint failed:", int(sqlerr.CodeConstraintUnique))
	f.Add("UNIQUE constraint failed: ", 19)
	f.Add("UNIQUE constraint failed: ., ,.,", 19)
	f.Add("CHECK constraint failed: `", 0)
	f.Add("NOT NULL constraint failed: \\", 0)
	f.Add("PRIMARY KEY constraint failed: index '", 0)
	f.Add("\xff\xfeFOREIGN KEY constraint failed\x00", 0)
	f.Fuzz(func(t *testing.T, msg string, code int) {
		for _, err := range []error{errors.New(msg), &sqlerr.Error{Code: sqlerr.Code(code), Message: msg}, fmt.Errorf("wrapped: %w", &sqlerr.Error{Code: sqlerr.Code(code), Message: msg})} {
			ce := libsql.ParseConstraintError(err)
			translated := libsql.Dialector{}.Translate(err)
			if ce == nil {
				if translated != err {
					t.Fatalf("untranslated error changed: %v", translated)
				}
				continue
			}
			if ce.Err != err {
				t.Fatalf("the original error is not kept")
			}
			switch ce.Kind {
			case libsql.ConstraintUnique, libsql.ConstraintPrimaryKey, libsql.ConstraintForeignKey, libsql.ConstraintCheck, libsql.ConstraintNotNull:
			default:
				t.Fatalf("unknown kind %q", ce.Kind)
			}
			_ = ce.Error()
			if !errors.Is(translated, err) {
				t.Fatalf("translated error does not wrap the original")
			}
		}
	})
}
