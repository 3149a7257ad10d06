package libsql

// The file name ends in .gen.go, though nothing generates it: see
// batch.gen.go. The association callbacks save associations through GORM
// with the closure below on the stack; here, GORM's logger skips its frame
// and names the application's line.

import "gorm.io/gorm"

// withAssociations is the callback run for models that have relationships
// only (see savesAssociations).
func withAssociations(run func(*gorm.DB)) func(*gorm.DB) {
	return func(tx *gorm.DB) {
		if s := tx.Statement.Schema; s != nil && savesAssociations(s) {
			run(tx)
		}
	}
}
