package libsql

// The file name ends in .gen.go, though nothing generates it: see
// batch.gen.go. GORM's logger names the first frame outside GORM's files
// and *.gen.go files, but looks only 13 frames up; a migration is deeper, so
// its log lines named a file of this migrator, or nothing. Each exported
// method here runs its work on a goroutine of its own while the caller's
// goroutine, waiting in atCaller, makes the work's log calls: the caller's
// stack is then only these wrappers and GORM's AutoMigrate above the
// application's line, which GORM's logger finds.

import (
	"context"
	"runtime"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/schema"
)

// callerRelay is the logger of a migrator call run by atCaller: it hands
// each log call to the caller's goroutine and waits until it is made, so
// lines come out when, and in the order, the work makes them.
type callerRelay struct {
	inner logger.Interface
	calls chan<- func()
	// ended is closed when the caller stops taking calls; a call made after
	// (by a goroutine the work left behind, or after the caller panicked)
	// is made where it is.
	ended <-chan struct{}
}

func (r callerRelay) relay(call func()) {
	made := make(chan struct{})
	select {
	case r.calls <- func() { defer close(made); call() }:
		<-made
	case <-r.ended:
		call()
	}
}

func (r callerRelay) LogMode(level logger.LogLevel) logger.Interface {
	r.inner = r.inner.LogMode(level)
	return r
}

func (r callerRelay) Info(ctx context.Context, msg string, args ...any) {
	r.relay(func() { r.inner.Info(ctx, msg, args...) })
}

func (r callerRelay) Warn(ctx context.Context, msg string, args ...any) {
	r.relay(func() { r.inner.Warn(ctx, msg, args...) })
}

func (r callerRelay) Error(ctx context.Context, msg string, args ...any) {
	r.relay(func() { r.inner.Error(ctx, msg, args...) })
}

func (r callerRelay) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	r.relay(func() { r.inner.Trace(ctx, begin, fc, err) })
}

// ParamsFilter keeps the logger's own filter (GORM's ParameterizedQueries),
// which GORM looks for on the logger it calls.
func (r callerRelay) ParamsFilter(ctx context.Context, sql string, params ...any) (string, []any) {
	if filter, ok := r.inner.(gorm.ParamsFilter); ok {
		return filter.ParamsFilter(ctx, sql, params...)
	}
	return sql, params
}

// atCaller runs work with m on a goroutine of its own, with a callerRelay
// as its logger, and makes the work's log calls until it returns. A call
// already inside a migrator call (GORM's AutoMigrate calls HasTable and
// the rest through db.Migrator()) runs where it is. A panic in the work is
// raised again here, with its value.
func atCaller[T any](m Migrator, work func(Migrator) T) T {
	if _, relayed := m.DB.Logger.(callerRelay); relayed || m.DB.Logger == nil || sessionOf(m.DB) != nil {
		return work(m)
	}
	calls := make(chan func())
	ended := make(chan struct{})
	defer close(ended)
	worker := m.bound(m.DB.Session(&gorm.Session{Logger: callerRelay{inner: m.DB.Logger, calls: calls, ended: ended}}))

	type outcome struct {
		value    T
		returned bool
		panicked any
	}
	done := make(chan outcome, 1)
	go func() {
		var out outcome
		defer func() {
			if !out.returned {
				out.panicked = recover()
			}
			done <- out
		}()
		out.value = work(worker)
		out.returned = true
	}()
	for {
		select {
		case call := <-calls:
			call()
		case out := <-done:
			switch {
			case out.returned:
				return out.value
			case out.panicked != nil:
				panic(out.panicked)
			default:
				// The work called runtime.Goexit (t.FailNow in a callback).
				runtime.Goexit()
				return out.value
			}
		}
	}
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
