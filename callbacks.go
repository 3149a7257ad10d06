package libsql

import (
	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/schema"
)

// GORM's association callbacks each build a map of the operation's
// selected and omitted columns (Statement.SelectAndOmitColumns, a walk over
// every field) before they look at the model's relationships, and for a
// model without relationships they then do nothing else. That is two maps
// per Create and Update and one per Delete, the largest share of GORM's
// own work on a one-row write. The dialect runs them only for models that
// have relationships (see savesAssociations).
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
			if err := c.processor.Replace(c.name, withAssociations(c.run)); err != nil {
				return err
			}
		}
		return nil
	})
}

// savesAssociations reports whether the model has relationships of its
// own, those GORM's association callbacks save and delete (embedded ones
// included). These lists are complete once the schema is parsed; the map
// Relationships.Relations is not read here, because parsing another model
// later adds that model's has-one and has-many to it (under a lock GORM's
// callbacks do not take), and none of those is the child's to save.
func savesAssociations(s *schema.Schema) bool {
	r := &s.Relationships
	return len(r.BelongsTo) > 0 || len(r.HasOne) > 0 || len(r.HasMany) > 0 || len(r.Many2Many) > 0
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
