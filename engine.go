package libsql

import "github.com/gorm-libsql/libsql/internal/driver"

// ErrNeedsCgo is returned by Open for a local database or an embedded
// replica when the binary was built without the libSQL engine: with
// CGO_ENABLED=0, or on a platform go-libsql ships no library for (it has
// linux/amd64, linux/arm64 and darwin/arm64). Remote mode needs no engine
// and works in every build.
var ErrNeedsCgo = driver.ErrNeedsCgo
