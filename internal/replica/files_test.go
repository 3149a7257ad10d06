package replica

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gorm-libsql/libsql/internal/hrana"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// libSQL's "Error opening db path" says what failed and what to do, with
// the path; a network failure in the same words is left to classify.
func TestExplainOpen(t *testing.T) {
	dir := t.TempDir()
	libsqlSays := func(path, reason string) error {
		return errors.New("Error opening db path " + path + ", primary url http://127.0.0.1:1: " + reason)
	}

	missing := filepath.Join(dir, "nope", "r.db")
	err := explainOpen(missing, libsqlSays(missing, "Failed to connect to database: `IO error: No such file or directory (os error 2)`"))
	assert.EqualError(t, err, "libsql: cannot open the embedded replica "+missing+": its directory "+filepath.Join(dir, "nope")+
		" does not exist; create it first (libSQL: Failed to connect to database: `IO error: No such file or directory (os error 2)`)")

	path := filepath.Join(dir, "r.db")
	err = explainOpen(path, libsqlSays(path, "`IO error: Permission denied (os error 13)`"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "libsql: cannot open "+path+" as an embedded replica of this primary: the file cannot be opened or written, or is not a replica of this primary")
	assert.Contains(t, err.Error(), "(libSQL: `IO error: Permission denied (os error 13)`)")
	assert.NotContains(t, err.Error(), "Error opening db path")

	refused := libsqlSays(path, "error trying to connect: tcp connect error: Connection refused")
	assert.Equal(t, refused, explainOpen(path, refused))
	assert.ErrorIs(t, classify(explainOpen(path, refused), path), hrana.ErrUnreachable)
	other := errors.New("sync failed")
	assert.Equal(t, other, explainOpen(path, other))
}

// A directory is not mistaken for a plain SQLite file.
func TestNotReplicaDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d.db")
	require.NoError(t, os.Mkdir(dir, 0o755))
	_, err := notReplica(dir)
	assert.ErrorContains(t, err, "libsql: the embedded replica's file "+dir+" is a directory")
}

// TestClassifyReadsNoPathOrPort: the numbers and words of the paths and
// URLs libSQL quotes are not read as a refused token.
func TestClassifyReadsNoPathOrPort(t *testing.T) {
	for _, msg := range []string{
		"Error opening db path /tmp/x/missing/r.db, primary url http://127.0.0.1:40343: Failed to connect to database: `IO error: No such file or directory (os error 2)`",
		"Error opening db path /srv/author/401/r.db, primary url http://127.0.0.1:8080: disk full",
	} {
		err := errors.New(msg)
		assert.Same(t, err, classify(err, ""), msg)
	}
	relative := errors.New("Error opening db path authors.db, primary url http://127.0.0.1:8080: disk full")
	assert.Same(t, relative, classify(relative, "authors.db"), "the replica's own relative path")
	assert.IsType(t, &fileError{}, explainOpen("authors.db", relative))
	for _, msg := range []string{"status: 401 Unauthorized", "handshake failed: 403", "The JWT is invalid"} {
		assert.ErrorIs(t, classify(errors.New(msg), "r.db"), hrana.ErrAuth, msg)
	}
}
