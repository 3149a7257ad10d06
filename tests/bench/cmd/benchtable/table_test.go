package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gorm-libsql/libsql/tests/bench/runner"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func res(round int, backend, wl string, ops float64) runner.Result {
	return runner.Result{Round: round, Backend: backend, Mode: "local", Workload: wl, Ops: 100, OpsPerSec: ops}
}

func TestRatioIsMedianOfSameRoundRatios(t *testing.T) {
	// Round 1 ran on a loaded machine: both backends slowed down together,
	// so the per-round ratio stays 2 while the medians of raw ops/s would
	// give 1000/600.
	s := summarize([]runner.Result{
		res(0, "libsql", "find", 1000), res(0, "mattn", "find", 500),
		res(1, "libsql", "find", 200), res(1, "mattn", "find", 100),
		res(2, "libsql", "find", 1200), res(2, "mattn", "find", 400),
	})
	r, ok := s.ratio("find", "libsql", "mattn")
	require.True(t, ok)
	assert.InDelta(t, 2.0, r, 1e-9)

	_, ok = s.ratio("find", "libsql", "mattn-wal")
	assert.False(t, ok, "no ratio without the baseline")
}

func TestRatioSkipsFailedRuns(t *testing.T) {
	failed := res(1, "mattn", "insert", 0)
	failed.Failed = "open: boom"
	s := summarize([]runner.Result{
		res(0, "libsql", "insert", 300), res(0, "mattn", "insert", 100),
		res(1, "libsql", "insert", 900), failed,
	})
	r, ok := s.ratio("insert", "libsql", "mattn")
	require.True(t, ok)
	assert.InDelta(t, 3.0, r, 1e-9)
}

func TestPrintTableMarksMissedTargetsAndErrors(t *testing.T) {
	errored := res(0, "mattn", "writers4", 90)
	errored.Errors = 10
	errored.FirstError = "database is locked"
	reqs := 3.0
	remote := res(0, "libsql-remote", "insert", 50)
	remote.Mode, remote.RequestsPerOp = "remote", &reqs
	var out bytes.Buffer
	printTable(&out, []runner.Result{
		res(0, "libsql", "select100", 90), res(0, "mattn", "select100", 100), res(0, "mattn-wal", "select100", 75),
		res(0, "libsql", "writers4", 200), errored, res(0, "mattn-wal", "writers4", 100), res(0, "mattn-wal-tuned", "writers4", 250),
		remote,
	}, "test header")
	text := out.String()
	assert.Contains(t, text, "| SELECT all of 100 rows | 0.90x | 1.20x | – | – | **missed** |")
	assert.Contains(t, text, "| 4 concurrent writers (INSERT one row) | 2.22x | 2.00x | 0.80x | – | **missed** |", "the tuned baseline counts for the target")
	assert.Contains(t, text, "**10/100**")
	assert.Contains(t, text, "- mattn / writers4: 10 of 100 operations failed, e.g.: database is locked")
	assert.Contains(t, text, "| INSERT one row | 3.00 |")
	assert.NotContains(t, text, "| INSERT one row | – |", "no summary row without our backend")
	assert.True(t, strings.HasPrefix(text, "<!-- test header -->"))
}
