package sqlite

import "fmt"

// Error is an error reported by the SQLite engine inside libSQL.
type Error struct {
	// Code is the extended result code (https://sqlite.org/rescode.html).
	Code int
	// Message is the engine's message, e.g. "UNIQUE constraint failed: users.email".
	Message string
}

// Primary result codes used by the driver and the dialect's translator.
const (
	CodeBusy       = 5
	CodeLocked     = 6
	CodeInterrupt  = 9
	CodeNotADB     = 26
	CodeConstraint = 19
)

// Extended constraint codes.
const (
	CodeConstraintCheck      = 275
	CodeConstraintForeignKey = 787
	CodeConstraintNotNull    = 1299
	CodeConstraintPrimaryKey = 1555
	CodeConstraintUnique     = 2067
)

// Primary returns the primary result code.
func (e *Error) Primary() int { return e.Code & 0xff }

// Error gives the engine's message with its extended result code.
func (e *Error) Error() string {
	return fmt.Sprintf("libsql: %s (code %d)", e.Message, e.Code)
}
