package libsql

// The file name ends in .gen.go, though nothing generates it: see
// batch.gen.go.

import (
	"context"

	"gorm.io/gorm/logger"
)

// logSyncFailure logs a failed background sync through log. GORM's logger
// names the first caller outside GORM's files and *.gen.go files; a
// background sync has no caller of the application, and called from the
// replica's sync loop the line would name a file of this library as if it
// were the place to look. From a goroutine of its own, started here, no
// frame is left but the runtime's.
func logSyncFailure(log logger.Interface, err error) {
	go log.Error(context.Background(), "libsql: background sync failed: %v", err)
}
