package replica

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gorm-libsql/libsql/internal/hrana"
)

// replicaSidecars are the metadata files libSQL keeps beside a replica
// (versions differ in which).
var replicaSidecars = []string{"-client_wal_index", "-info"}

// notReplica reports whether path holds a database that is not a replica:
// a non-empty file without the metadata file libSQL keeps beside a
// replica. Opening it as a replica would replace its contents with the
// primary's.
func notReplica(path string) (bool, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if st.IsDir() {
		return false, fmt.Errorf("libsql: the embedded replica's file %s is a directory; name a file in it", path)
	}
	if st.Size() == 0 {
		return false, nil
	}
	for _, sidecar := range replicaSidecars {
		if _, err := os.Stat(path + sidecar); err == nil {
			return false, nil
		}
	}
	return true, nil
}

// explainOpen rewrites libSQL's "Error opening db path P, primary url U:
// reason", which says neither what failed nor what to do, when the reason
// is the local file (classify handles an unreachable primary or a refused
// token): the file could not be opened as a replica of this primary.
func explainOpen(path string, err error) error {
	msg := err.Error()
	if !strings.Contains(msg, "Error opening db path") || classify(err, path) != err {
		return err
	}
	reason := msg
	if _, after, ok := strings.Cut(msg, ", primary url "); ok {
		if _, r, ok := strings.Cut(after, ": "); ok {
			reason = r
		}
	}
	if dir := filepath.Dir(path); !exists(dir) {
		return &fileError{fmt.Sprintf("libsql: cannot open the embedded replica %s: its directory %s does not exist; create it first (libSQL: %s)", path, dir, reason)}
	}
	return &fileError{fmt.Sprintf("libsql: cannot open %s as an embedded replica of this primary: the file cannot be opened or written, or is not a replica of this primary (check the permissions of the file and its directory; a replica of another database, with its %s file, must be removed to sync anew) (libSQL: %s)",
		path, replicaSidecars[0], reason)}
}

// fileError is a failure of the replica's local file, which no request to
// the primary explains.
type fileError struct{ msg string }

func (e *fileError) Error() string { return e.msg }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// classify marks libSQL's error text with the dialect's sentinels: a
// refused token, or a primary that cannot be reached. The replica's path
// and the paths and URLs libSQL quotes are left out of the reading: a port
// such as 40343 or a file named authors.db says nothing about the token.
func classify(err error, path string) error {
	msg := err.Error()
	if path != "" {
		msg = strings.ReplaceAll(msg, path, " ")
	}
	msg = strings.ToLower(quotedLocations.ReplaceAllString(msg, " "))
	switch {
	case authStatus.MatchString(msg) ||
		strings.Contains(msg, "unauthorized") || strings.Contains(msg, "unauthenticated") ||
		strings.Contains(msg, "jwt") || strings.Contains(msg, "auth"):
		return &sentinelError{err: err, is: hrana.ErrAuth, prefix: "libsql: authentication failed: "}
	case strings.Contains(msg, "connection refused") || strings.Contains(msg, "error trying to connect") ||
		strings.Contains(msg, "tcp connect") || strings.Contains(msg, "timed out") ||
		strings.Contains(msg, "connection reset") || strings.Contains(msg, "broken pipe"):
		return &sentinelError{err: err, is: hrana.ErrUnreachable, prefix: "libsql: cannot reach the primary: "}
	}
	return err
}

// quotedLocations are the paths and URLs in an error's text; authStatus
// an HTTP status that refuses a token, as a number of its own.
var (
	quotedLocations = regexp.MustCompile(`\S*[/\\]\S*`)
	authStatus      = regexp.MustCompile(`(^|[^0-9])40[13]([^0-9]|$)`)
)

type sentinelError struct {
	err    error
	is     error
	prefix string
}

func (e *sentinelError) Error() string        { return e.prefix + e.err.Error() }
func (e *sentinelError) Unwrap() error        { return e.err }
func (e *sentinelError) Is(target error) bool { return target == e.is }

// RemoveFiles deletes the replica at path with its metadata files and its
// -wal and -shm files; missing files are no error.
func RemoveFiles(path string) error {
	var errs []error
	for _, suffix := range append([]string{"", "-wal", "-shm"}, replicaSidecars...) {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
