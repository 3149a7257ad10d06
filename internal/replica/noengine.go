//go:build !(cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64)))

package replica

import local "github.com/gorm-libsql/libsql/internal/driver"

// nativeDB is the replica's handle in libSQL's C API, which a build without
// the engine never holds.
type nativeDB = *struct{}

// openNative returns local.ErrNeedsCgo: this build has no engine. The
// dialect refuses replica configs before it gets here.
func openNative(path, primary, token, key, remoteKey string) (nativeDB, error) {
	return nil, local.ErrNeedsCgo
}

// closeNative and syncNative only ever get a handle openNative returned,
// and it returns none in this build.
func closeNative(nativeDB) {}

func syncNative(nativeDB) (frameNo, framesSynced int, err error) {
	return 0, 0, local.ErrNeedsCgo
}
