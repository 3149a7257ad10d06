package hrana

import (
	"fmt"
	"strings"

	"github.com/gorm-libsql/libsql/internal/sqlite"
)

// Error is an error the server reported that is not an SQLite engine error
// (those are *driver.Error, as in local mode): a parse error, a protocol
// error, or an HTTP failure.
type Error struct {
	// Code is the server's error code, e.g. "SQL_PARSE_ERROR" or
	// "STREAM_EXPIRED"; empty when the server sent none.
	Code string
	// Message is the server's message.
	Message string
	// Status is the HTTP status when the whole request failed, else 0.
	Status int
}

// Error gives the server's message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("libsql: ")
	b.WriteString(e.Message)
	if e.Code != "" || e.Status != 0 {
		b.WriteString(" (")
		if e.Code != "" {
			b.WriteString(e.Code)
		}
		if e.Status != 0 {
			if e.Code != "" {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "HTTP %d", e.Status)
		}
		b.WriteString(")")
	}
	return b.String()
}

// sqliteCodes maps the result code names the server reports to SQLite's
// numbers, so that remote errors are *driver.Error like local ones.
var sqliteCodes = map[string]int{
	"SQLITE_ERROR": 1, "SQLITE_INTERNAL": 2, "SQLITE_PERM": 3, "SQLITE_ABORT": 4,
	"SQLITE_BUSY": 5, "SQLITE_LOCKED": 6, "SQLITE_NOMEM": 7, "SQLITE_READONLY": 8,
	"SQLITE_INTERRUPT": 9, "SQLITE_IOERR": 10, "SQLITE_CORRUPT": 11, "SQLITE_NOTFOUND": 12,
	"SQLITE_FULL": 13, "SQLITE_CANTOPEN": 14, "SQLITE_PROTOCOL": 15, "SQLITE_EMPTY": 16,
	"SQLITE_SCHEMA": 17, "SQLITE_TOOBIG": 18, "SQLITE_CONSTRAINT": 19, "SQLITE_MISMATCH": 20,
	"SQLITE_MISUSE": 21, "SQLITE_NOLFS": 22, "SQLITE_AUTH": 23, "SQLITE_FORMAT": 24,
	"SQLITE_RANGE": 25, "SQLITE_NOTADB": 26,
	"SQLITE_CONSTRAINT_CHECK":      sqlite.CodeConstraintCheck,
	"SQLITE_CONSTRAINT_FOREIGNKEY": sqlite.CodeConstraintForeignKey,
	"SQLITE_CONSTRAINT_NOTNULL":    sqlite.CodeConstraintNotNull,
	"SQLITE_CONSTRAINT_PRIMARYKEY": sqlite.CodeConstraintPrimaryKey,
	"SQLITE_CONSTRAINT_UNIQUE":     sqlite.CodeConstraintUnique,
}

// serverError converts an error code and message from the server into the
// error local mode gives for the same failure.
func serverError(code, message string) error {
	msg := strings.TrimPrefix(message, "SQLite error: ")
	n, ok := sqliteCodes[code]
	if !ok {
		// sqld reports some engine errors under its own codes; SQLite
		// gives SQLITE_ERROR for them.
		for _, text := range []string{"no such table", "no such column"} {
			if at := strings.Index(msg, text); at >= 0 && (code == "SQLITE_UNKNOWN" || code == "SQL_INPUT_ERROR") {
				n, ok, msg = 1, true, msg[at:]
				break
			}
		}
	}
	if !ok {
		return &Error{Code: code, Message: message}
	}
	if n == sqlite.CodeConstraint {
		n = constraintCode(msg)
	}
	return &sqlite.Error{Code: n, Message: msg}
}

// constraintCode is the extended code SQLite gives for a constraint
// message: sqld sends only the primary code 19. A UNIQUE message keeps 19
// here: it may be a primary key, which Conn.refine asks the server about.
func constraintCode(msg string) int {
	for _, c := range []struct {
		text string
		code int
	}{
		{"FOREIGN KEY constraint failed", sqlite.CodeConstraintForeignKey},
		{"NOT NULL constraint failed", sqlite.CodeConstraintNotNull},
		{"PRIMARY KEY constraint failed", sqlite.CodeConstraintPrimaryKey},
		{"CHECK constraint failed", sqlite.CodeConstraintCheck},
	} {
		if strings.Contains(msg, c.text) {
			return c.code
		}
	}
	return sqlite.CodeConstraint
}
