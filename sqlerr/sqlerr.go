// Package sqlerr is the error the SQLite engine inside libSQL reports, in
// every mode of the dialect: a local file, a remote database and an
// embedded replica give the same *Error, with the same result code, for
// the same failure. errors.As finds it without GORM's TranslateError, and
// errors.Is matches it against a Code:
//
//	var e *sqlerr.Error
//	if errors.As(err, &e) && e.Code == sqlerr.CodeConstraintUnique { ... }
//	if errors.Is(err, sqlerr.CodeBusy) { ... } // any SQLITE_BUSY, extended or not
//
// The package imports nothing of the dialect, so code that only inspects
// errors needs nothing else. The root package names the type libsql.Error.
package sqlerr

import (
	"fmt"
	"strconv"
)

// Error is a failure reported by the SQLite engine.
type Error struct {
	// Code is the extended result code (https://sqlite.org/rescode.html)
	// when the engine gives one, else the primary code. A remote server
	// that sends only the primary code of a constraint failure gets the
	// extended one the local engine gives for the same message.
	Code Code
	// Message is the engine's message, such as
	// "UNIQUE constraint failed: users.email".
	Message string
}

// Primary returns the primary result code, the low 8 bits of Code.
func (e *Error) Primary() Code { return e.Code.Primary() }

// Error gives the engine's message with the code's name.
func (e *Error) Error() string {
	return fmt.Sprintf("libsql: %s (code %d, %s)", e.Message, int(e.Code), e.Code)
}

// Is reports whether target is a Code that e has: a primary code matches
// every extended code of its family (errors.Is(err, CodeConstraint) holds
// for a UNIQUE violation), an extended code only itself.
func (e *Error) Is(target error) bool {
	c, ok := target.(Code)
	if !ok {
		return false
	}
	if c.Primary() == c {
		return e.Code.Primary() == c
	}
	return e.Code == c
}

// Code is an SQLite result code, primary (below 256) or extended. It is an
// error only so that errors.Is can take it as a target (see Error.Is).
type Code int

// Primary returns the primary code of c.
func (c Code) Primary() Code { return c & 0xff }

// String gives SQLite's name of the code, such as "SQLITE_BUSY"; an
// extended code SQLite has no name for here reads "SQLITE_IOERR+2570".
func (c Code) String() string {
	if name, ok := codeNames[c]; ok {
		return name
	}
	if name, ok := codeNames[c.Primary()]; ok {
		return name + "+" + strconv.Itoa(int(c))
	}
	return "SQLITE code " + strconv.Itoa(int(c))
}

// Error is String: a Code is an error target for errors.Is.
func (c Code) Error() string { return c.String() }

// CodeByName returns the code SQLite names name ("SQLITE_BUSY",
// "SQLITE_CONSTRAINT_UNIQUE"), as servers report them.
func CodeByName(name string) (Code, bool) {
	c, ok := codesByName[name]
	return c, ok
}

// The primary result codes.
const (
	CodeOK         Code = 0
	CodeError      Code = 1
	CodeInternal   Code = 2
	CodePerm       Code = 3
	CodeAbort      Code = 4
	CodeBusy       Code = 5
	CodeLocked     Code = 6
	CodeNoMem      Code = 7
	CodeReadOnly   Code = 8
	CodeInterrupt  Code = 9
	CodeIOErr      Code = 10
	CodeCorrupt    Code = 11
	CodeNotFound   Code = 12
	CodeFull       Code = 13
	CodeCantOpen   Code = 14
	CodeProtocol   Code = 15
	CodeEmpty      Code = 16
	CodeSchema     Code = 17
	CodeTooBig     Code = 18
	CodeConstraint Code = 19
	CodeMismatch   Code = 20
	CodeMisuse     Code = 21
	CodeNoLFS      Code = 22
	CodeAuth       Code = 23
	CodeFormat     Code = 24
	CodeRange      Code = 25
	CodeNotADB     Code = 26
	CodeNotice     Code = 27
	CodeWarning    Code = 28
	CodeRow        Code = 100
	CodeDone       Code = 101
)

// The extended result codes an application most often tells apart.
const (
	CodeConstraintCheck      Code = 275
	CodeConstraintCommitHook Code = 531
	CodeConstraintForeignKey Code = 787
	CodeConstraintFunction   Code = 1043
	CodeConstraintNotNull    Code = 1299
	CodeConstraintPrimaryKey Code = 1555
	CodeConstraintTrigger    Code = 1811
	CodeConstraintUnique     Code = 2067
	CodeConstraintVTab       Code = 2323
	CodeConstraintRowID      Code = 2579
	CodeConstraintPinned     Code = 2835
	CodeConstraintDataType   Code = 3091

	CodeBusyRecovery Code = 261
	CodeBusySnapshot Code = 517
	CodeBusyTimeout  Code = 773

	CodeLockedSharedCache Code = 262
	CodeLockedVTab        Code = 518

	CodeReadOnlyRecovery  Code = 264
	CodeReadOnlyCantLock  Code = 520
	CodeReadOnlyRollback  Code = 776
	CodeReadOnlyDBMoved   Code = 1032
	CodeReadOnlyCantInit  Code = 1288
	CodeReadOnlyDirectory Code = 1544

	CodeAbortRollback Code = 516
)

// codesByName is the one table of SQLite's code names; codeNames is its
// inverse.
var codesByName = map[string]Code{
	"SQLITE_OK": CodeOK, "SQLITE_ERROR": CodeError, "SQLITE_INTERNAL": CodeInternal, "SQLITE_PERM": CodePerm,
	"SQLITE_ABORT": CodeAbort, "SQLITE_BUSY": CodeBusy, "SQLITE_LOCKED": CodeLocked, "SQLITE_NOMEM": CodeNoMem,
	"SQLITE_READONLY": CodeReadOnly, "SQLITE_INTERRUPT": CodeInterrupt, "SQLITE_IOERR": CodeIOErr,
	"SQLITE_CORRUPT": CodeCorrupt, "SQLITE_NOTFOUND": CodeNotFound, "SQLITE_FULL": CodeFull,
	"SQLITE_CANTOPEN": CodeCantOpen, "SQLITE_PROTOCOL": CodeProtocol, "SQLITE_EMPTY": CodeEmpty,
	"SQLITE_SCHEMA": CodeSchema, "SQLITE_TOOBIG": CodeTooBig, "SQLITE_CONSTRAINT": CodeConstraint,
	"SQLITE_MISMATCH": CodeMismatch, "SQLITE_MISUSE": CodeMisuse, "SQLITE_NOLFS": CodeNoLFS,
	"SQLITE_AUTH": CodeAuth, "SQLITE_FORMAT": CodeFormat, "SQLITE_RANGE": CodeRange,
	"SQLITE_NOTADB": CodeNotADB, "SQLITE_NOTICE": CodeNotice, "SQLITE_WARNING": CodeWarning,
	"SQLITE_ROW": CodeRow, "SQLITE_DONE": CodeDone,

	"SQLITE_CONSTRAINT_CHECK": CodeConstraintCheck, "SQLITE_CONSTRAINT_COMMITHOOK": CodeConstraintCommitHook,
	"SQLITE_CONSTRAINT_FOREIGNKEY": CodeConstraintForeignKey, "SQLITE_CONSTRAINT_FUNCTION": CodeConstraintFunction,
	"SQLITE_CONSTRAINT_NOTNULL": CodeConstraintNotNull, "SQLITE_CONSTRAINT_PRIMARYKEY": CodeConstraintPrimaryKey,
	"SQLITE_CONSTRAINT_TRIGGER": CodeConstraintTrigger, "SQLITE_CONSTRAINT_UNIQUE": CodeConstraintUnique,
	"SQLITE_CONSTRAINT_VTAB": CodeConstraintVTab, "SQLITE_CONSTRAINT_ROWID": CodeConstraintRowID,
	"SQLITE_CONSTRAINT_PINNED": CodeConstraintPinned, "SQLITE_CONSTRAINT_DATATYPE": CodeConstraintDataType,
	"SQLITE_BUSY_RECOVERY": CodeBusyRecovery, "SQLITE_BUSY_SNAPSHOT": CodeBusySnapshot, "SQLITE_BUSY_TIMEOUT": CodeBusyTimeout,
	"SQLITE_LOCKED_SHAREDCACHE": CodeLockedSharedCache, "SQLITE_LOCKED_VTAB": CodeLockedVTab,
	"SQLITE_READONLY_RECOVERY": CodeReadOnlyRecovery, "SQLITE_READONLY_CANTLOCK": CodeReadOnlyCantLock,
	"SQLITE_READONLY_ROLLBACK": CodeReadOnlyRollback, "SQLITE_READONLY_DBMOVED": CodeReadOnlyDBMoved,
	"SQLITE_READONLY_CANTINIT": CodeReadOnlyCantInit, "SQLITE_READONLY_DIRECTORY": CodeReadOnlyDirectory,
	"SQLITE_ABORT_ROLLBACK": CodeAbortRollback,
}

var codeNames = func() map[Code]string {
	m := make(map[Code]string, len(codesByName))
	for name, c := range codesByName {
		m[c] = name
	}
	return m
}()
