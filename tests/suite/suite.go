// Package suite holds the dialect's GORM tests as plain functions, so that
// one suite runs against every mode: tests/ runs it on local files
// and against sqld in remote and embedded-replica mode.
package suite

import (
	"sort"
	"testing"

	"gorm.io/gorm"
)

// Env is what a suite test gets from the package that runs it.
type Env struct {
	// Mode is "local", "remote" or "replica".
	Mode string
	// Open returns a *gorm.DB (with TranslateError on) on a database that
	// holds no user tables, closed when the test ends.
	Open func(t testing.TB) *gorm.DB
	// OpenWith is Open with the caller's gorm.Config (TranslateError is set
	// by the caller, not forced).
	OpenWith func(t testing.TB, cfg *gorm.Config) *gorm.DB
}

type test struct {
	name string
	run  func(t *testing.T, env Env)
}

var tests []test

// register adds a test; files of this package call it from init.
func register(name string, run func(t *testing.T, env Env)) {
	tests = append(tests, test{name, run})
}

// Run runs every registered test as a subtest, in name order.
func Run(t *testing.T, env Env) {
	sort.Slice(tests, func(i, j int) bool { return tests[i].name < tests[j].name })
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, env) })
	}
}
