// Package driver is the database/sql driver behind the dialect's local mode:
// it calls the SQLite C API compiled into libSQL's static library directly,
// so that it owns how values are bound and decoded (see "How the driver
// layer works, and why" in docs/architecture.md). The rules for values, times, result codes and
// batches it shares with the remote driver live in internal/sqlite.
//
// The engine needs cgo and one of the platforms go-libsql ships the library
// for (linux/amd64, linux/arm64, darwin/arm64); the files that use it carry
// that build constraint. Without the engine only Options and a stub are
// built (noengine.go), and NewConnector returns ErrNeedsCgo.
package driver
