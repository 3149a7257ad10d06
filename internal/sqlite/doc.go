// Package sqlite is the pure-Go value and error layer every connection of
// the dialect shares, whichever driver runs it (the cgo engine in
// internal/driver, the Hrana client in internal/hrana, the embedded
// replica in internal/replica): how arguments are checked and times are
// stored and read (TimeFormat), SQLite's type affinity and the Go type a
// column decodes to, SQLite's result codes (Error), results and batches,
// and the statement plumbing of connections that compile on every run.
//
// It imports no cgo and no network code, so it builds on every platform Go
// supports.
package sqlite
