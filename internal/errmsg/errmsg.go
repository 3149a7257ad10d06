// Package errmsg words the errors that add context to another: every error
// of the project begins with its package's name ("libsql: ", "tenants: "),
// so wrapping one with fmt.Errorf("libsql: ...: %w") would name it twice
// ("libsql: open tenant x: libsql: ..."). Wrap names it once.
package errmsg

import (
	"fmt"
	"strings"
)

// prefixes are the packages' names that begin the project's messages.
var prefixes = []string{"libsql: ", "tenants: "}

// Wrap returns an error reading fmt.Sprintf(format, args...) + ": " + err's
// message, without the package prefix err's message begins with; errors.Is
// and errors.As see err, as through fmt.Errorf's %w.
func Wrap(err error, format string, args ...any) error {
	return &wrapped{msg: fmt.Sprintf(format, args...) + ": " + Trim(err.Error()), err: err}
}

// Trim drops the package prefix msg begins with, if any.
func Trim(msg string) string {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(msg, p); ok {
			return rest
		}
	}
	return msg
}

type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }
