package libsql

import (
	"errors"
	"strings"

	"github.com/gorm-libsql/libsql/internal/driver"
	"github.com/gorm-libsql/libsql/internal/hrana"
	"github.com/gorm-libsql/libsql/internal/replica"
	"github.com/gorm-libsql/libsql/internal/sqlite"
	"github.com/gorm-libsql/libsql/sqlerr"
	"gorm.io/gorm"
)

// Error is the error of the SQLite engine, from local files, remote
// databases and embedded replicas alike: errors.As finds it without
// TranslateError. It is sqlerr.Error, whose documentation lists its fields
// (Code, a typed SQLite result code, and Message) and the codes;
// errors.Is(err, sqlerr.CodeBusy) matches any SQLITE_BUSY failure.
type Error = sqlerr.Error

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
	// Kind is the kind of constraint violated.
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
	var e *sqlerr.Error
	if errors.As(err, &e) {
		if e.Primary() != sqlerr.CodeConstraint {
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
		if e != nil && e.Code == sqlerr.CodeConstraintPrimaryKey {
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

// ErrBatchInTransaction is returned by Batch on a *gorm.DB inside a
// transaction: a batch is a transaction of its own.
var ErrBatchInTransaction = sqlite.ErrBatchInTransaction

// ErrBatchRefused is matched (errors.Is) by the error of a batch that
// contained an operation a batch cannot run: a read, a model with hooks or
// associations to save, transaction control, several statements in one
// Exec. Nothing was sent.
var ErrBatchRefused = errors.New("libsql: refused in a batch")

// ErrNeedsCgo is returned by Open for a local database or an embedded
// replica when the binary was built without the libSQL engine: with
// CGO_ENABLED=0, or on a platform go-libsql ships no library for (it has
// linux/amd64, linux/arm64 and darwin/arm64). Remote mode needs no engine
// and works in every build.
var ErrNeedsCgo = driver.ErrNeedsCgo

// ErrCommitUnknown is matched (errors.Is) by the error of a request that
// would have committed writes and whose reply was lost (the connection
// broke, a gateway failed, or the request timed out after it was sent) or
// malformed: a COMMIT, or a write outside a transaction (INSERT, UPDATE,
// DELETE, a multi-statement Exec, a batch), which commits on its own. The
// server may or may not have committed. It matches ErrServerUnreachable
// too; an ErrServerUnreachable that does not match it committed nothing.
// Do not run the write again blindly: read whether it is there first, or
// make it idempotent.
var ErrCommitUnknown = hrana.ErrCommitUnknown

// ErrTxLost is matched (errors.Is) by every statement and the COMMIT of a
// remote transaction whose server stream is gone (it expired, the server
// closed it or restarted, or a request of the transaction failed): the
// server rolled it back, nothing of it was committed, and nothing more of
// it is sent. Roll back and run it again.
var ErrTxLost = hrana.ErrTxLost

// ErrResponseTooLarge is matched (errors.Is) by the error of a reply from
// the server larger than Config.MaxResponseBytes.
var ErrResponseTooLarge = hrana.ErrResponseTooLarge

// ErrAuthFailed is matched (errors.Is) by errors caused by the server
// refusing the auth token: missing, wrong or expired. The token itself never
// appears in an error.
var ErrAuthFailed = hrana.ErrAuth

// ErrServerUnreachable is matched (errors.Is) by errors caused by a server
// that could not be reached or did not answer. Unless the error matches
// ErrCommitUnknown too, nothing was committed: the request never reached
// the server, it was a read, or it belonged to a transaction that is lost.
var ErrServerUnreachable = hrana.ErrUnreachable

// ErrNotReplica is returned by Sync, LastSync and
// db.Exec("sync") on a database that is not an embedded replica.
var ErrNotReplica = errors.New("libsql: sync needs an embedded replica (Database and URL both set); this database is not one")

// ErrWriteNotSynced is matched (errors.Is) by the error of a write on an
// embedded replica with ReadYourWrites that the primary committed but that
// the sync after it failed: the write is done (running it again would apply
// it twice), and local reads see it after the next sync that succeeds.
var ErrWriteNotSynced = replica.ErrWriteNotSynced
