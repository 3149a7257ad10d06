package hrana

import (
	"fmt"
	"strings"

	"github.com/gorm-libsql/libsql/sqlerr"
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

// serverError converts an error code and message from the server into the
// error local mode gives for the same failure.
func serverError(code, message string) error {
	msg := strings.TrimPrefix(message, "SQLite error: ")
	n, ok := sqlerr.CodeByName(code)
	if !ok {
		// sqld reports some engine errors under its own codes; SQLite
		// gives SQLITE_ERROR for them.
		for _, text := range []string{"no such table", "no such column"} {
			if at := strings.Index(msg, text); at >= 0 && (code == "SQLITE_UNKNOWN" || code == "SQL_INPUT_ERROR") {
				n, ok, msg = sqlerr.CodeError, true, msg[at:]
				break
			}
		}
	}
	if !ok {
		return &Error{Code: code, Message: message}
	}
	if n == sqlerr.CodeConstraint {
		n = constraintCode(msg)
	}
	return &sqlerr.Error{Code: n, Message: msg}
}

// constraintCode is the extended code SQLite gives for a constraint
// message: sqld sends only the primary code 19. A UNIQUE message keeps 19
// here: it may be a primary key, which Conn.refine asks the server about.
func constraintCode(msg string) sqlerr.Code {
	for _, c := range []struct {
		text string
		code sqlerr.Code
	}{
		{"FOREIGN KEY constraint failed", sqlerr.CodeConstraintForeignKey},
		{"NOT NULL constraint failed", sqlerr.CodeConstraintNotNull},
		{"PRIMARY KEY constraint failed", sqlerr.CodeConstraintPrimaryKey},
		{"CHECK constraint failed", sqlerr.CodeConstraintCheck},
	} {
		if strings.Contains(msg, c.text) {
			return c.code
		}
	}
	return sqlerr.CodeConstraint
}
