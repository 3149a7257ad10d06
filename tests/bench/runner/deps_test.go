//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package runner

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mattn/go-sqlite3 and libSQL define the same C symbols: no package of the
// library or of this test module may depend on mattn, which lives in the
// bench-mattn module. From here the pattern covers both modules.
func TestModulesDoNotDependOnMattn(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", "github.com/gorm-libsql/libsql/...").CombinedOutput()
	require.NoError(t, err, string(out))
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/tursodatabase/go-libsql", "the listing covers the packages that link libSQL")
	require.Contains(t, deps, "github.com/gorm-libsql/libsql/tests/bench/cmd/bench-libsql")
	require.Contains(t, deps, "github.com/gorm-libsql/libsql/internal/driver")
	for _, d := range deps {
		assert.NotContains(t, d, "mattn/go-sqlite3")
		assert.NotContains(t, d, "gorm.io/driver/sqlite")
	}
}
