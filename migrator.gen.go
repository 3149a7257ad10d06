package libsql

// The file name ends in .gen.go, though nothing generates it: see
// internal/logcaller. A migration is deeper than the 13 frames GORM's
// logger looks up, so each exported method runs its work through atCaller,
// and the caller's goroutine, waiting here, makes the work's log calls.

import (
	"github.com/gorm-libsql/libsql/internal/logcaller"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/schema"
)

// atCaller runs work with m, on a goroutine of its own while this one makes
// its log calls (logcaller.Run). A call already inside a migrator call
// (GORM's AutoMigrate calls HasTable and the rest through db.Migrator())
// runs where it is.
func atCaller[T any](m Migrator, work func(Migrator) T) T {
	if logcaller.IsRelay(m.DB.Logger) || m.DB.Logger == nil || sessionOf(m.DB) != nil {
		return work(m)
	}
	return logcaller.Run(m.DB.Logger, func(log logger.Interface) T {
		return work(m.bound(m.DB.Session(&gorm.Session{Logger: log})))
	})
}

// atCaller2 is atCaller for work that returns a value and an error.
func atCaller2[T any](m Migrator, work func(Migrator) (T, error)) (T, error) {
	type result struct {
		value T
		err   error
	}
	r := atCaller(m, func(m Migrator) result {
		v, err := work(m)
		return result{v, err}
	})
	return r.value, r.err
}

// AutoMigrate creates missing tables and brings existing ones in line with
// the models, all in one transaction: an error leaves the database as it was.
// On an embedded replica it first compares the models with the local file's
// schema, and when nothing needs to change it returns without asking the
// primary, so that an application that migrates at boot starts while the
// primary is down.
func (m Migrator) AutoMigrate(values ...any) error {
	return atCaller(m, func(m Migrator) error { return m.autoMigrate(values...) })
}

// CurrentDatabase reports the name of the main schema.
func (m Migrator) CurrentDatabase() string {
	return atCaller(m, func(m Migrator) string { return m.currentDatabase() })
}

// CreateTable creates the models' tables with their indexes, in one
// transaction.
func (m Migrator) CreateTable(values ...any) error {
	return atCaller(m, func(m Migrator) error { return m.createTable(values...) })
}

// DropTable drops the models' tables, dependents first, in one transaction.
// Foreign keys are off on the migrating connection meanwhile, as
// gorm.io/driver/sqlite does, so a table that others reference can be
// dropped: their rows stay and no ON DELETE action fires.
func (m Migrator) DropTable(values ...any) error {
	return atCaller(m, func(m Migrator) error { return m.dropTable(values...) })
}

// HasTable reports whether the model's table exists.
func (m Migrator) HasTable(value any) bool {
	return atCaller(m, func(m Migrator) bool { return m.hasTable(value) })
}

// RenameTable renames a table; SQLite rewrites the references to it in
// foreign keys, triggers and views.
func (m Migrator) RenameTable(oldName, newName any) error {
	return atCaller(m, func(m Migrator) error { return m.renameTable(oldName, newName) })
}

// GetTables lists user tables, hiding SQLite's and libSQL's own.
func (m Migrator) GetTables() (tables []string, err error) {
	return atCaller2(m, func(m Migrator) ([]string, error) { return m.getTables() })
}

// TableType reports whether the model's name is a "table" or a "view".
func (m Migrator) TableType(value any) (gorm.TableType, error) {
	return atCaller2(m, func(m Migrator) (gorm.TableType, error) { return m.tableType(value) })
}

// AddColumn adds the field's column. A unique field also gets its UNIQUE
// constraint, which SQLite can only add by rebuilding the table.
func (m Migrator) AddColumn(value any, name string) error {
	return atCaller(m, func(m Migrator) error { return m.addColumn(value, name) })
}

// DropColumn drops a column, natively when SQLite allows it and otherwise
// (the column is indexed, unique, or in a foreign key) by a rebuild that
// drops the indexes and constraints over the column with it.
func (m Migrator) DropColumn(value any, name string) error {
	return atCaller(m, func(m Migrator) error { return m.dropColumn(value, name) })
}

// AlterColumn brings the column's type, NOT NULL and DEFAULT in line with
// the field, keeping its other constraints. It uses libSQL's ALTER COLUMN
// and checks the existing rows against the new definition; see
// applyColumn for when it rebuilds instead.
func (m Migrator) AlterColumn(value any, field string) error {
	return atCaller(m, func(m Migrator) error { return m.alterColumn(value, field) })
}

// MigrateColumn compares the field with the column and alters what
// differs, in one transaction. As in GORM, nullability only loosens: a NOT
// NULL column becomes nullable when the field allows NULL, but a nullable
// column stays nullable (an explicit AlterColumn makes it NOT NULL).
func (m Migrator) MigrateColumn(value any, field *schema.Field, columnType gorm.ColumnType) error {
	return atCaller(m, func(m Migrator) error { return m.migrateColumn(value, field, columnType) })
}

// MigrateColumnUnique adds or drops the field's UNIQUE constraint.
func (m Migrator) MigrateColumnUnique(value any, field *schema.Field, columnType gorm.ColumnType) error {
	return atCaller(m, func(m Migrator) error { return m.migrateColumnUnique(value, field, columnType) })
}

// HasColumn reports whether the model's table has the column (a field name
// or a column name).
func (m Migrator) HasColumn(value any, field string) bool {
	return atCaller(m, func(m Migrator) bool { return m.hasColumn(value, field) })
}

// RenameColumn renames a column; SQLite rewrites the indexes, triggers and
// views that use it.
func (m Migrator) RenameColumn(value any, oldName, newName string) error {
	return atCaller(m, func(m Migrator) error { return m.renameColumn(value, oldName, newName) })
}

// ColumnTypes describes the table's columns from the schema: SQLite's
// result-column metadata cannot say nullability, keys or defaults.
func (m Migrator) ColumnTypes(value any) ([]gorm.ColumnType, error) {
	return atCaller2(m, func(m Migrator) ([]gorm.ColumnType, error) { return m.columnTypes(value) })
}

// CreateView creates a view from option.Query; with Replace, an existing
// view of that name is replaced in the same transaction. SQLite views have
// no CHECK OPTION, so a CheckOption is refused.
func (m Migrator) CreateView(name string, option gorm.ViewOption) error {
	return atCaller(m, func(m Migrator) error { return m.createView(name, option) })
}

// DropView drops a view if it exists.
func (m Migrator) DropView(name string) error {
	return atCaller(m, func(m Migrator) error { return m.dropView(name) })
}

// CreateConstraint adds a model's CHECK, FOREIGN KEY or UNIQUE constraint.
// CHECK and single-column foreign keys are attached to their column with
// ALTER COLUMN, after which the existing rows are checked; UNIQUE and
// multi-column foreign keys need a rebuild.
func (m Migrator) CreateConstraint(value any, name string) error {
	return atCaller(m, func(m Migrator) error { return m.createConstraint(value, name) })
}

// DropConstraint drops a named constraint: a column-level CHECK or
// REFERENCES with ALTER COLUMN, anything else by a rebuild.
func (m Migrator) DropConstraint(value any, name string) error {
	return atCaller(m, func(m Migrator) error { return m.dropConstraint(value, name) })
}

// HasConstraint reports whether the table declares a constraint of that
// name, at table or column level.
func (m Migrator) HasConstraint(value any, name string) bool {
	return atCaller(m, func(m Migrator) bool { return m.hasConstraint(value, name) })
}

// CreateIndex creates a model's index: unique, composite, partial (where),
// over expressions, with sort order and collation. What SQLite has no form
// for and that only tunes how other databases store or build the index (a
// prefix length, FULLTEXT, SPATIAL or SQL Server's clustering class, a
// USING method, a comment, an option) is left out, as gorm.io/driver/sqlite
// leaves lengths and options out, so that a model written for every GORM
// driver migrates here; one Info line names what was. See indexForm for
// what is refused instead.
func (m Migrator) CreateIndex(value any, name string) error {
	return atCaller(m, func(m Migrator) error { return m.createIndex(value, name) })
}

// DropIndex drops an index of the model's table.
func (m Migrator) DropIndex(value any, name string) error {
	return atCaller(m, func(m Migrator) error { return m.dropIndex(value, name) })
}

// HasIndex reports whether the index exists on the model's table.
func (m Migrator) HasIndex(value any, name string) bool {
	return atCaller(m, func(m Migrator) bool { return m.hasIndex(value, name) })
}

// RenameIndex renames an index. SQLite cannot, so the index is dropped and
// created again under the new name from its stored definition, in one
// transaction.
func (m Migrator) RenameIndex(value any, oldName, newName string) error {
	return atCaller(m, func(m Migrator) error { return m.renameIndex(value, oldName, newName) })
}

// GetIndexes lists the table's indexes, those behind UNIQUE and PRIMARY
// KEY constraints included. An expression is reported as a column, and
// Option holds a partial index's WHERE condition, both in one spacing in
// every mode ("lower(d)", "a + b").
func (m Migrator) GetIndexes(value any) ([]gorm.Index, error) {
	return atCaller2(m, func(m Migrator) ([]gorm.Index, error) { return m.getIndexes(value) })
}
