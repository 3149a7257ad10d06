package libsql

import (
	"errors"
	"strings"

	"github.com/gorm-libsql/libsql/internal/driver"
	"gorm.io/gorm"
)

// Error is the error of the SQLite engine, from local files, remote
// databases and embedded replicas alike: errors.As finds it without
// TranslateError. Code is SQLite's extended result code
// (https://sqlite.org/rescode.html) and Primary() its primary code, so
// Primary() == 5 is SQLITE_BUSY. A remote server that sends only a primary
// code gets the extended one the local engine gives for the same message.
type Error = driver.Error

// ErrNotNullViolated is matched (with errors.Is) by a translated NOT NULL
// constraint violation; GORM has no sentinel of its own for it.
var ErrNotNullViolated = errors.New("libsql: NOT NULL constraint violated")

// ConstraintKind names the kind of constraint a ConstraintError violated.
type ConstraintKind string

// The constraint kinds SQLite reports.
const (
	ConstraintUnique     ConstraintKind = "UNIQUE"
	ConstraintPrimaryKey ConstraintKind = "PRIMARY KEY"
	ConstraintForeignKey ConstraintKind = "FOREIGN KEY"
	ConstraintCheck      ConstraintKind = "CHECK"
	ConstraintNotNull    ConstraintKind = "NOT NULL"
)

// ConstraintError is a translated constraint violation. errors.Is matches
// it against gorm.ErrDuplicatedKey (UNIQUE and PRIMARY KEY),
// gorm.ErrForeignKeyViolated, gorm.ErrCheckConstraintViolated or
// ErrNotNullViolated; errors.As gives the details.
type ConstraintError struct {
	Kind ConstraintKind
	// Table and Columns name what was violated when the engine says so
	// (SQLite does not for foreign keys).
	Table   string
	Columns []string
	// Constraint is the CHECK constraint's name or expression, or the name
	// of a unique index on expressions.
	Constraint string
	// Err is the error as the engine or server reported it.
	Err error
}

// Error says which kind of constraint was violated and where.
func (e *ConstraintError) Error() string {
	var b strings.Builder
	b.WriteString("libsql: ")
	b.WriteString(string(e.Kind))
	b.WriteString(" constraint violated")
	switch {
	case e.Constraint != "":
		b.WriteString(": ")
		b.WriteString(e.Constraint)
	case len(e.Columns) > 0:
		b.WriteString(" on ")
		for i, c := range e.Columns {
			if i > 0 {
				b.WriteString(", ")
			}
			if e.Table != "" {
				b.WriteString(e.Table)
				b.WriteByte('.')
			}
			b.WriteString(c)
		}
	}
	return b.String()
}

// Unwrap returns the original error.
func (e *ConstraintError) Unwrap() error { return e.Err }

// Is matches the GORM sentinel of the violated kind.
func (e *ConstraintError) Is(target error) bool {
	switch e.Kind {
	case ConstraintUnique, ConstraintPrimaryKey:
		return target == gorm.ErrDuplicatedKey
	case ConstraintForeignKey:
		return target == gorm.ErrForeignKeyViolated
	case ConstraintCheck:
		return target == gorm.ErrCheckConstraintViolated
	case ConstraintNotNull:
		return target == ErrNotNullViolated
	}
	return false
}

// Translate implements gorm.ErrorTranslator (enabled by
// gorm.Config{TranslateError: true}). It reads the engine's error codes
// locally and the message text of remote errors (Hrana and write
// delegation), which carry the same SQLite message.
func (d Dialector) Translate(err error) error {
	if ce := ParseConstraintError(err); ce != nil {
		return ce
	}
	return err
}

// constraintMarkers are SQLite's message prefixes, longest first so that
// "PRIMARY KEY" is not read as its own shorter suffix.
var constraintMarkers = []struct {
	text string
	kind ConstraintKind
}{
	{"FOREIGN KEY constraint failed", ConstraintForeignKey},
	{"PRIMARY KEY constraint failed", ConstraintPrimaryKey},
	{"NOT NULL constraint failed", ConstraintNotNull},
	{"UNIQUE constraint failed", ConstraintUnique},
	{"CHECK constraint failed", ConstraintCheck},
}

// ParseConstraintError recognizes a constraint violation in err, from any
// mode, and returns nil for any other error.
func ParseConstraintError(err error) *ConstraintError {
	if err == nil {
		return nil
	}
	var ce *ConstraintError
	if errors.As(err, &ce) {
		return ce
	}
	msg := err.Error()
	var e *driver.Error
	if errors.As(err, &e) {
		if e.Primary() != driver.CodeConstraint {
			return nil
		}
		msg = e.Message
	}
	for _, m := range constraintMarkers {
		at := strings.Index(msg, m.text)
		if at < 0 {
			continue
		}
		ce := &ConstraintError{Kind: m.kind, Err: err}
		if e != nil && e.Code == driver.CodeConstraintPrimaryKey {
			ce.Kind = ConstraintPrimaryKey
		}
		detail := constraintDetail(msg[at+len(m.text):])
		switch m.kind {
		case ConstraintCheck:
			ce.Constraint = detail
		case ConstraintForeignKey:
		default:
			// A unique index on expressions is named, not its columns.
			if name, ok := strings.CutPrefix(detail, "index '"); ok {
				ce.Constraint = strings.TrimSuffix(name, "'")
			} else {
				ce.Table, ce.Columns = splitColumns(detail)
			}
		}
		return ce
	}
	return nil
}

// constraintDetail takes what follows "...constraint failed": ": t.a, t.b"
// up to where a wrapping format resumes (a quote, backtick, newline, or the
// closing of a quoted remote message).
func constraintDetail(rest string) string {
	rest, ok := strings.CutPrefix(rest, ":")
	if !ok {
		return ""
	}
	rest = strings.TrimLeft(rest, " ")
	if end := strings.IndexAny(rest, "`\"\n\r\\"); end >= 0 {
		rest = rest[:end]
	}
	return strings.TrimRight(rest, " .,;)")
}

// splitColumns reads "t.a, t.b" into the table and its columns.
func splitColumns(detail string) (string, []string) {
	if detail == "" {
		return "", nil
	}
	var table string
	var cols []string
	for _, part := range strings.Split(detail, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if t, c, ok := strings.Cut(part, "."); ok {
			table = t
			part = c
		}
		cols = append(cols, part)
	}
	return table, cols
}
