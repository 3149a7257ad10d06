package libsql

import (
	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/logger"
)

// GORM's association callbacks each build a map of the operation's
// selected and omitted columns (Statement.SelectAndOmitColumns, a walk over
// every field) before they look at the model's relationships, and for a
// model without relationships they then do nothing else. That is two maps
// per Create and Update and one per Delete, the largest share of GORM's
// own work on a one-row write. The dialect runs them only for models that
// have relationships; every relationship GORM saves or deletes is listed
// in Relationships.Relations.
func registerAssociationShortcuts(db *gorm.DB) error {
	return quietly(db, func() error {
		for _, c := range []struct {
			processor callbackProcessor
			name      string
			run       func(*gorm.DB)
		}{
			{db.Callback().Create(), "gorm:save_before_associations", callbacks.SaveBeforeAssociations(true)},
			{db.Callback().Create(), "gorm:save_after_associations", callbacks.SaveAfterAssociations(true)},
			{db.Callback().Update(), "gorm:save_before_associations", callbacks.SaveBeforeAssociations(false)},
			{db.Callback().Update(), "gorm:save_after_associations", callbacks.SaveAfterAssociations(false)},
			{db.Callback().Delete(), "gorm:delete_before_associations", callbacks.DeleteBeforeAssociations},
		} {
			run := c.run
			if err := c.processor.Replace(c.name, func(tx *gorm.DB) {
				if s := tx.Statement.Schema; s != nil && len(s.Relationships.Relations) > 0 {
					run(tx)
				}
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

// quietly runs the dialect's own callback setup with GORM's logger off:
// Replace logs each call at Info level, and these are not something the
// program did.
func quietly(db *gorm.DB, setup func() error) error {
	saved := db.Logger
	db.Logger = logger.Discard
	defer func() { db.Logger = saved }()
	return setup()
}
