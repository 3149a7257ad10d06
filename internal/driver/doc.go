// Package driver is the database/sql driver behind the dialect's local mode:
// it calls the SQLite C API compiled into libSQL's static library directly,
// so that it owns how values are bound and decoded (see the README's "How
// the driver layer works").
//
// The engine needs cgo and one of the platforms go-libsql ships the library
// for (linux/amd64, linux/arm64, darwin/arm64); the files that use it carry
// that build constraint. The rest of the package (values, time format,
// errors, options, the statement helpers the remote driver shares) is pure
// Go and builds everywhere; without the engine NewConnector returns
// ErrNeedsCgo.
package driver
