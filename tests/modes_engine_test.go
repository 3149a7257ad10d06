//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package tests

// serverModes are the modes the tests run against sqld. This build links
// the libSQL engine, so embedded replicas run too.
var serverModes = []string{"remote", "replica"}
