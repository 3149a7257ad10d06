package tenants

import (
	"errors"
	"fmt"

	"github.com/gorm-libsql/libsql/internal/hrana"
)

// ErrNotFound is matched (errors.Is) by errors about a tenant whose
// database does not exist.
var ErrNotFound = errors.New("tenants: tenant not found")

// ErrExists is matched (errors.Is) by Create's error for a tenant whose
// database already exists.
var ErrExists = errors.New("tenants: tenant already exists")

// ErrInvalidName is matched (errors.Is) by the error for a tenant name that
// breaks the DNS label rules (see ValidateName). Nothing is sent or written
// for such a name.
var ErrInvalidName = errors.New("tenants: invalid tenant name")

// ErrClosed is returned by a Manager after Close.
var ErrClosed = errors.New("tenants: the manager is closed")

// MaxNameLen is the longest tenant name: a DNS label's 63 bytes.
const MaxNameLen = hrana.MaxNamespaceLen

// ValidateName checks a tenant name against the DNS label rules that sqld
// namespaces and Turso database names need, so that the same name works on
// every Store: 1 to 63 bytes of lower-case letters a-z, digits 0-9 and
// hyphens, starting and ending with a letter or digit. Upper case is
// refused rather than folded, so that one tenant never has two names. The
// error matches ErrInvalidName.
func ValidateName(name string) error {
	if err := hrana.CheckNamespace(name); err != nil {
		return fmt.Errorf("%w %q: %v", ErrInvalidName, name, err)
	}
	return nil
}
