package libsql

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gorm-libsql/libsql/internal/errmsg"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/migrator"
	"gorm.io/gorm/schema"

	"github.com/gorm-libsql/libsql/internal/ddl"
	"github.com/gorm-libsql/libsql/internal/sqlite"
)

// Migrator implements gorm.Migrator for libSQL. Every call that changes the
// schema runs in one transaction on one connection, so a failure leaves
// schema and data as they were. Column changes use libSQL's ALTER COLUMN
// where it can and otherwise rebuild the table (create, copy, drop,
// rename), keeping its indexes, triggers and the constraints the model does
// not restate, and checking foreign keys before commit.
type Migrator struct {
	migrator.Migrator
}

// session is the state of one migrator call, shared by the nested calls
// GORM makes through db.Migrator() while it runs.
type session struct {
	// fkOff is set when foreign keys are off on the session's connection,
	// so that dropping a table in a rebuild cannot fire ON DELETE actions.
	fkOff bool
	// fkEnforced is set when the database enforces foreign keys; the
	// tables in fkCheck are then checked before commit.
	fkEnforced bool
	fkCheck    map[string]bool
	// migratingColumn is set while AutoMigrate compares a column with its
	// field: the alter it makes then never adds NOT NULL (GORM's rule).
	migratingColumn bool
}

type sessionKey struct{}

func sessionOf(db *gorm.DB) *session {
	if db.Statement == nil || db.Statement.Context == nil {
		return nil
	}
	s, _ := db.Statement.Context.Value(sessionKey{}).(*session)
	return s
}

// bound returns the migrator working on db.
func (m Migrator) bound(db *gorm.DB) Migrator {
	m.DB = db
	return m
}

// runOn runs fn on the statement of value's model (its schema and table)
// in the call's transaction, as run does.
func (m Migrator) runOn(value any, fkOff bool, fn func(Migrator, *gorm.Statement) error) error {
	return m.run(fkOff, func(m Migrator) error {
		return m.RunWithValue(value, func(stmt *gorm.Statement) error { return fn(m, stmt) })
	})
}

// run runs fn in the call's transaction, starting one unless a migrator
// call is already running. With fkOff, foreign keys are turned off on the
// pinned connection for the duration (SQLite ignores the pragma inside a
// transaction), the touched tables are checked with foreign_key_check before
// commit, and the connection never returns to the pool with them off.
func (m Migrator) run(fkOff bool, fn func(Migrator) error) error {
	if sessionOf(m.DB) != nil || m.DB.DryRun {
		return fn(m)
	}
	s := &session{fkCheck: map[string]bool{}}
	ctx := context.WithValue(m.DB.Statement.Context, sessionKey{}, s)
	db := m.DB.Session(&gorm.Session{Context: ctx})

	body := func(tx *gorm.DB) error {
		if err := fn(m.bound(tx)); err != nil {
			return err
		}
		return m.bound(tx).checkForeignKeys(s)
	}

	if _, inTx := db.Statement.ConnPool.(gorm.TxCommitter); inTx {
		// The caller's transaction: the pragma cannot change here, so
		// rebuilds of referenced tables are refused (see rebuild); a
		// savepoint still makes this call all or nothing.
		on, err := pragmaInt(db, "foreign_keys")
		if err != nil {
			return err
		}
		s.fkEnforced = on == 1
		s.fkOff = !s.fkEnforced
		return db.Transaction(body)
	}

	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	db.Statement.ConnPool = conn

	on, err := pragmaInt(db, "foreign_keys")
	if err != nil {
		return err
	}
	s.fkEnforced = on == 1
	if !fkOff || !s.fkEnforced {
		s.fkOff = !s.fkEnforced
		return db.Transaction(body)
	}
	if err := db.Exec("PRAGMA foreign_keys = OFF").Error; err != nil {
		return err
	}
	s.fkOff = true
	restored := false
	defer func() {
		if !restored {
			// A panic, or a failed restore: close the connection rather
			// than pool one that does not enforce foreign keys.
			_ = conn.Raw(func(any) error { return sqldriver.ErrBadConn })
		}
	}()
	err = db.Transaction(body)
	if restoreErr := db.Session(&gorm.Session{NewDB: true}).Exec("PRAGMA foreign_keys = ON").Error; restoreErr != nil {
		return errors.Join(err, errmsg.Wrap(restoreErr, "libsql: turning foreign keys back on"))
	}
	restored = true
	return err
}

// checkForeignKeys runs foreign_key_check on every table a rebuild touched,
// failing the call (and so rolling it back) on any violation.
func (m Migrator) checkForeignKeys(s *session) error {
	if !s.fkEnforced || len(s.fkCheck) == 0 {
		return nil
	}
	tables := make([]string, 0, len(s.fkCheck))
	for t := range s.fkCheck {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, t := range tables {
		var violations []struct {
			Table  string
			Rowid  sql.NullInt64
			Parent string
		}
		if err := m.DB.Raw(`SELECT "table" AS "table", rowid, parent FROM pragma_foreign_key_check(?)`, t).Scan(&violations).Error; err != nil {
			return errmsg.Wrap(err, "libsql: foreign key check of table %s", t)
		}
		if len(violations) > 0 {
			v := violations[0]
			return fmt.Errorf("libsql: migration rolled back: %d rows of table %s would violate their foreign key to %s (first rowid %d)",
				len(violations), v.Table, v.Parent, v.Rowid.Int64)
		}
	}
	return nil
}

func pragmaInt(db *gorm.DB, name string) (int, error) {
	var v int
	err := db.Session(&gorm.Session{NewDB: true}).Raw("PRAGMA " + name).Row().Scan(&v)
	return v, err
}

func (m Migrator) autoMigrate(values ...any) error {
	if m.upToDateOnReplica(values) {
		return nil
	}
	return m.run(true, func(m Migrator) error { return m.Migrator.AutoMigrate(values...) })
}

// upToDateOnReplica runs GORM's AutoMigrate on an embedded replica's local
// file in a read-only transaction (a replica runs those locally). Reading
// the schema is all it does when the models match it; any change it would
// make is a write, which the read-only transaction refuses, and so is any
// other error: AutoMigrate then runs for real, on the primary, and reports
// it. The local schema is as fresh as the last sync (Open syncs when the
// primary answers).
func (m Migrator) upToDateOnReplica(values []any) bool {
	if sessionOf(m.DB) != nil || m.DB.DryRun {
		return false
	}
	if _, inTx := m.DB.Statement.ConnPool.(gorm.TxCommitter); inTx {
		return false
	}
	if _, err := replicaOf(m.DB); err != nil {
		return false
	}
	s := &session{fkCheck: map[string]bool{}}
	db := m.DB.Session(&gorm.Session{Context: context.WithValue(m.DB.Statement.Context, sessionKey{}, s), Logger: logger.Discard})
	err := db.Transaction(func(tx *gorm.DB) error {
		return m.bound(tx).Migrator.AutoMigrate(values...)
	}, &sql.TxOptions{ReadOnly: true})
	return err == nil
}

func (m Migrator) currentDatabase() string {
	var seq int
	var name, file string
	if err := m.DB.Raw("PRAGMA database_list").Row().Scan(&seq, &name, &file); err != nil {
		return "main"
	}
	return name
}

func (m Migrator) createTable(values ...any) error {
	return m.run(false, func(m Migrator) error { return m.Migrator.CreateTable(values...) })
}

func (m Migrator) dropTable(values ...any) error {
	return m.run(true, func(m Migrator) error {
		values = m.ReorderModels(values, false)
		for i := len(values) - 1; i >= 0; i-- {
			if err := m.RunWithValue(values[i], func(stmt *gorm.Statement) error {
				children, err := m.referencing(stmt.Table, false)
				if err != nil {
					return errmsg.Wrap(err, "libsql: dropping table %s", stmt.Table)
				}
				if err := m.requireForeignKeysOff(stmt.Table, "dropped", children); err != nil {
					return err
				}
				return m.DB.Exec("DROP TABLE IF EXISTS ?", m.CurrentTable(stmt)).Error
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

func (m Migrator) hasTable(value any) bool {
	var count int
	_ = m.RunWithValue(value, func(stmt *gorm.Statement) error {
		return m.DB.Raw("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", stmt.Table).Row().Scan(&count)
	})
	return count > 0
}

func (m Migrator) renameTable(oldName, newName any) error {
	return m.run(false, func(m Migrator) error {
		if err := m.Migrator.RenameTable(oldName, newName); err != nil {
			return errmsg.Wrap(err, "libsql: renaming table %v to %v", tableName(oldName), tableName(newName))
		}
		return nil
	})
}

func tableName(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprintf("%T", v)
}

// internalTables matches the tables SQLite and libSQL keep for themselves,
// vector index shadow tables included.
const internalTables = `(name LIKE 'sqlite\_%' ESCAPE '\' OR name LIKE 'libsql\_%' ESCAPE '\'
	OR name IN (SELECT i.name || '_shadow' FROM sqlite_master i WHERE i.type = 'index' AND i.sql LIKE '%libsql\_vector\_idx%' ESCAPE '\'))`

func (m Migrator) getTables() (tables []string, err error) {
	err = m.DB.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND NOT ` + internalTables + ` ORDER BY name`).Scan(&tables).Error
	return tables, err
}

func (m Migrator) tableType(value any) (gorm.TableType, error) {
	var tt migrator.TableType
	err := m.RunWithValue(value, func(stmt *gorm.Statement) error {
		var kind []string
		if err := m.DB.Raw("SELECT type FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?", stmt.Table).Scan(&kind).Error; err != nil {
			return err
		}
		if len(kind) == 0 {
			return fmt.Errorf("libsql: no table or view named %s", stmt.Table)
		}
		tt = migrator.TableType{SchemaValue: "main", NameValue: stmt.Table, TypeValue: kind[0]}
		return nil
	})
	return tt, err
}

func (m Migrator) addColumn(value any, name string) error {
	return m.runOn(value, true, func(m Migrator, stmt *gorm.Statement) error {
		f, err := modelField(stmt, "AddColumn", name)
		if err != nil {
			return err
		}
		if f.IgnoreMigration {
			return nil
		}
		if err := m.DB.Exec("ALTER TABLE ? ADD COLUMN ? ?", m.CurrentTable(stmt), identExpr(f.DBName), m.FullDataTypeOf(f)).Error; err != nil {
			return errmsg.Wrap(err, "libsql: adding column %s.%s", stmt.Table, f.DBName)
		}
		if f.Unique {
			return m.CreateConstraint(value, m.DB.NamingStrategy.UniqueName(stmt.Table, f.DBName))
		}
		return nil
	})
}

// identExpr is one identifier, quoted exactly as given, as an argument of a
// statement built by GORM (a "?" in it stays literal).
func identExpr(name string) clause.Expr { return clause.Expr{SQL: quoteIdent(name)} }

// modelField finds the model's field by field or column name, for a call
// that needs one.
func modelField(stmt *gorm.Statement, call, name string) (*schema.Field, error) {
	if stmt.Schema == nil {
		return nil, fmt.Errorf("libsql: %s on table %s needs a model", call, stmt.Table)
	}
	if f := stmt.Schema.LookUpField(name); f != nil {
		return f, nil
	}
	return nil, fmt.Errorf("libsql: model of table %s has no field %s", stmt.Table, name)
}

// columnName resolves a field name or column name of the model.
func columnName(stmt *gorm.Statement, name string) string {
	if stmt.Schema != nil {
		if f := stmt.Schema.LookUpField(name); f != nil {
			return f.DBName
		}
	}
	return name
}

func (m Migrator) dropColumn(value any, name string) error {
	return m.runOn(value, true, func(m Migrator, stmt *gorm.Statement) error {
		col := columnName(stmt, name)
		def, err := m.tableDef(stmt.Table)
		if err != nil {
			return err
		}
		if def.Column(col) == nil {
			return fmt.Errorf("libsql: table %s has no column %s", stmt.Table, col)
		}
		indexed, err := m.columnIndexed(stmt.Table, col)
		if err != nil {
			return err
		}
		if indexed {
			// SQLite refuses to drop an indexed column: rebuild at once
			// rather than log a failed statement.
			if err := def.DropColumn(col); err != nil {
				return errmsg.Wrap(err, "libsql: dropping column %s.%s", stmt.Table, col)
			}
			return m.rebuild(stmt.Table, def, col)
		}
		sp := "libsql_drop_column"
		if err := m.DB.Exec("SAVEPOINT " + sp).Error; err != nil {
			return err
		}
		nativeErr := m.DB.Exec("ALTER TABLE " + quoteIdent(stmt.Table) + " DROP COLUMN " + quoteIdent(col)).Error
		if nativeErr == nil {
			return m.DB.Exec("RELEASE " + sp).Error
		}
		if err := m.DB.Exec("ROLLBACK TO " + sp).Error; err != nil {
			return err
		}
		if msg := nativeErr.Error(); strings.Contains(msg, "error in view") || strings.Contains(msg, "error in trigger") {
			return errmsg.Wrap(nativeErr, "libsql: dropping column %s.%s: a view or trigger uses it", stmt.Table, col)
		}
		if err := def.DropColumn(col); err != nil {
			return errmsg.Wrap(err, "libsql: dropping column %s.%s", stmt.Table, col)
		}
		return m.rebuild(stmt.Table, def, col)
	})
}

// columnIndexed reports whether an index of the table (one behind a UNIQUE
// or PRIMARY KEY constraint included) uses the column.
func (m Migrator) columnIndexed(table, col string) (bool, error) {
	var n int
	if err := m.DB.Raw(`SELECT count(*) FROM pragma_index_list(?) il, pragma_index_info(il.name) ii WHERE ii.name = ? COLLATE NOCASE`,
		table, col).Row().Scan(&n); err != nil || n > 0 {
		return n > 0, err
	}
	var defs []string
	if err := m.DB.Raw("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", table).Scan(&defs).Error; err != nil {
		return false, err
	}
	for _, d := range defs {
		if ddl.Mentions(d, col) {
			return true, nil
		}
	}
	return false, nil
}

func (m Migrator) alterColumn(value any, field string) error {
	return m.runOn(value, true, func(m Migrator, stmt *gorm.Statement) error {
		f, err := modelField(stmt, "AlterColumn", field)
		if err != nil {
			return err
		}
		def, err := m.tableDef(stmt.Table)
		if err != nil {
			return err
		}
		old := def.Column(f.DBName)
		if old == nil {
			return fmt.Errorf("libsql: table %s has no column %s", stmt.Table, f.DBName)
		}
		want, err := ddl.ParseColumn(f.DBName, m.FullDataTypeOf(f).SQL)
		if err != nil {
			return errmsg.Wrap(err, "libsql: column %s.%s", stmt.Table, f.DBName)
		}
		merged := ddl.MergeColumn(old, want)
		if s := sessionOf(m.DB); s != nil && s.migratingColumn {
			if _, had := old.Clause("NOT NULL"); !had {
				merged.WithoutClause("NOT NULL")
			}
		}
		return m.applyColumn(stmt.Table, def, old, merged)
	})
}

func (m Migrator) migrateColumn(value any, field *schema.Field, columnType gorm.ColumnType) error {
	return m.run(true, func(m Migrator) error {
		if s := sessionOf(m.DB); s != nil {
			s.migratingColumn = true
			defer func() { s.migratingColumn = false }()
		}
		return m.Migrator.MigrateColumn(value, field, columnType)
	})
}

func (m Migrator) migrateColumnUnique(value any, field *schema.Field, columnType gorm.ColumnType) error {
	return m.run(true, func(m Migrator) error { return m.Migrator.MigrateColumnUnique(value, field, columnType) })
}

func (m Migrator) hasColumn(value any, field string) bool {
	var count int
	_ = m.RunWithValue(value, func(stmt *gorm.Statement) error {
		return m.DB.Raw("SELECT count(*) FROM pragma_table_xinfo(?) WHERE name = ? COLLATE NOCASE", stmt.Table, columnName(stmt, field)).Row().Scan(&count)
	})
	return count > 0
}

func (m Migrator) renameColumn(value any, oldName, newName string) error {
	return m.runOn(value, false, func(m Migrator, stmt *gorm.Statement) error {
		from, to := columnName(stmt, oldName), columnName(stmt, newName)
		if err := m.DB.Exec("ALTER TABLE ? RENAME COLUMN ? TO ?", m.CurrentTable(stmt), identExpr(from), identExpr(to)).Error; err != nil {
			return errmsg.Wrap(err, "libsql: renaming column %s.%s to %s", stmt.Table, from, to)
		}
		return nil
	})
}

func (m Migrator) columnTypes(value any) ([]gorm.ColumnType, error) {
	var out []gorm.ColumnType
	err := m.RunWithValue(value, func(stmt *gorm.Statement) error {
		var cols []struct {
			Name    string
			Type    string
			NotNull bool
			Dflt    sql.NullString
			Pk      int
		}
		if err := m.DB.Raw(`SELECT name, type, "notnull" AS not_null, dflt_value AS dflt, pk FROM pragma_table_xinfo(?) ORDER BY cid`, stmt.Table).Scan(&cols).Error; err != nil {
			return err
		}
		if len(cols) == 0 {
			return fmt.Errorf("libsql: no table named %s", stmt.Table)
		}
		// libSQL's ALTER COLUMN leaves the connection's schema with the
		// type in its own spelling ("TEXT" for "text") until it reloads, so
		// the declared type comes from the stored CREATE TABLE when it
		// parses.
		if def, err := m.tableDef(stmt.Table); err == nil {
			for i := range cols {
				if c := def.Column(cols[i].Name); c != nil {
					cols[i].Type = c.Type
				}
			}
		}
		unique, err := m.uniqueColumns(stmt.Table)
		if err != nil {
			return err
		}
		pks := 0
		for _, c := range cols {
			if c.Pk > 0 {
				pks++
			}
		}
		for _, c := range cols {
			rowid := c.Pk > 0 && pks == 1 && strings.EqualFold(c.Type, "integer")
			ct := migrator.ColumnType{
				NameValue:          sql.NullString{String: c.Name, Valid: true},
				ColumnTypeValue:    sql.NullString{String: c.Type, Valid: true},
				PrimaryKeyValue:    sql.NullBool{Bool: c.Pk > 0, Valid: true},
				UniqueValue:        sql.NullBool{Bool: unique[strings.ToLower(c.Name)], Valid: true},
				AutoIncrementValue: sql.NullBool{Bool: rowid, Valid: true},
				NullableValue:      sql.NullBool{Bool: !c.NotNull && !rowid, Valid: true},
				ScanTypeValue:      sqlite.ScanType(c.Type),
			}
			base, args := splitTypeArgs(c.Type)
			ct.DataTypeValue = sql.NullString{String: base, Valid: true}
			if len(args) > 0 {
				if isDecimal(base) {
					ct.DecimalSizeValue = sql.NullInt64{Int64: args[0], Valid: true}
					if len(args) > 1 {
						ct.ScaleValue = sql.NullInt64{Int64: args[1], Valid: true}
					}
				} else {
					ct.LengthValue = sql.NullInt64{Int64: args[0], Valid: true}
				}
			}
			if c.Dflt.Valid && !strings.EqualFold(c.Dflt.String, "NULL") {
				ct.DefaultValueValue = sql.NullString{String: unquoteLiteral(c.Dflt.String), Valid: true}
			}
			out = append(out, ct)
		}
		return nil
	})
	return out, err
}

// uniqueColumns lists the columns with a single-column UNIQUE constraint;
// unique indexes do not count, as GORM expects.
func (m Migrator) uniqueColumns(table string) (map[string]bool, error) {
	var cols []string
	err := m.DB.Raw(`SELECT ii.name FROM pragma_index_list(?) il, pragma_index_info(il.name) ii
		WHERE il.origin = 'u' AND il."unique" AND (SELECT count(*) FROM pragma_index_info(il.name)) = 1`, table).Scan(&cols).Error
	out := map[string]bool{}
	for _, c := range cols {
		out[strings.ToLower(c)] = true
	}
	return out, err
}

func isDecimal(base string) bool {
	return strings.EqualFold(base, "decimal") || strings.EqualFold(base, "numeric")
}

// splitTypeArgs splits "varchar(255)" into "varchar" and [255].
func splitTypeArgs(typ string) (string, []int64) {
	open := strings.IndexByte(typ, '(')
	if open < 0 || !strings.HasSuffix(typ, ")") {
		return strings.TrimSpace(typ), nil
	}
	var args []int64
	for _, a := range strings.Split(typ[open+1:len(typ)-1], ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
		if err != nil {
			return strings.TrimSpace(typ[:open]), nil
		}
		args = append(args, n)
	}
	return strings.TrimSpace(typ[:open]), args
}

// unquoteLiteral turns a stored string literal default back into its
// value, the form GORM compares with a field's default.
func unquoteLiteral(v string) string {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	}
	return v
}

func (m Migrator) createView(name string, option gorm.ViewOption) error {
	if option.Query == nil {
		return gorm.ErrSubQueryRequired
	}
	if option.CheckOption != "" {
		return fmt.Errorf("libsql: view %s: SQLite views do not support CheckOption %q", name, option.CheckOption)
	}
	return m.run(false, func(m Migrator) error {
		var query strings.Builder
		stmt := &gorm.Statement{DB: m.DB}
		stmt.AddVar(&query, option.Query)
		if option.Replace {
			if err := m.DB.Exec("DROP VIEW IF EXISTS " + quoteIdent(name)).Error; err != nil {
				return errmsg.Wrap(err, "libsql: replacing view %s", name)
			}
		}
		// Views cannot take parameters, so the values are written inline.
		if err := m.DB.Exec("CREATE VIEW " + quoteIdent(name) + " AS " + m.Explain(query.String(), stmt.Vars...)).Error; err != nil {
			return errmsg.Wrap(err, "libsql: creating view %s", name)
		}
		return nil
	})
}

func (m Migrator) dropView(name string) error {
	return m.run(false, func(m Migrator) error { return m.Migrator.DropView(name) })
}

func (m Migrator) createConstraint(value any, name string) error {
	return m.runOn(value, true, func(m Migrator, stmt *gorm.Statement) error {
		constraint, table := m.GuessConstraintInterfaceAndTable(stmt, name)
		if constraint == nil {
			return fmt.Errorf("libsql: model of table %s has no constraint %s", stmt.Table, name)
		}
		def, err := m.tableDef(table)
		if err != nil {
			return err
		}
		if t, c, _ := def.ConstraintNamed(constraint.GetName()); t != nil || c != nil {
			return fmt.Errorf("libsql: table %s already has a constraint named %s", table, constraint.GetName())
		}
		cname := quoteIdent(constraint.GetName())
		switch c := constraint.(type) {
		case *schema.CheckConstraint:
			text := "CONSTRAINT " + cname + " CHECK (" + c.Constraint + ")"
			if c.Field != nil && def.Column(c.Field.DBName) != nil {
				return m.addColumnClause(table, def, c.Field.DBName, text)
			}
			def.Constraints = append(def.Constraints, &ddl.Constraint{Name: c.Name, Kind: "CHECK", Text: text})
			return m.rebuild(table, def, "")
		case *schema.Constraint:
			refs := make([]string, len(c.References))
			for i, f := range c.References {
				refs[i] = quoteIdent(f.DBName)
			}
			actions := ""
			if c.OnDelete != "" {
				actions += " ON DELETE " + c.OnDelete
			}
			if c.OnUpdate != "" {
				actions += " ON UPDATE " + c.OnUpdate
			}
			target := " REFERENCES " + quoteIdent(c.ReferenceSchema.Table) + " (" + strings.Join(refs, ", ") + ")" + actions
			if len(c.ForeignKeys) == 1 && def.Column(c.ForeignKeys[0].DBName) != nil {
				return m.addColumnClause(table, def, c.ForeignKeys[0].DBName, "CONSTRAINT "+cname+target)
			}
			keys := make([]string, len(c.ForeignKeys))
			for i, f := range c.ForeignKeys {
				keys[i] = quoteIdent(f.DBName)
			}
			def.Constraints = append(def.Constraints, &ddl.Constraint{Name: c.Name, Kind: "FOREIGN",
				Text: "CONSTRAINT " + cname + " FOREIGN KEY (" + strings.Join(keys, ", ") + ")" + target})
			return m.rebuild(table, def, "")
		case *schema.UniqueConstraint:
			def.Constraints = append(def.Constraints, &ddl.Constraint{Name: c.Name, Kind: "UNIQUE",
				Columns: []string{c.Field.DBName}, Text: "CONSTRAINT " + cname + " UNIQUE (" + quoteIdent(c.Field.DBName) + ")"})
			return m.rebuild(table, def, "")
		}
		return fmt.Errorf("libsql: constraint %s of table %s has an unsupported kind %T", name, table, constraint)
	})
}

// addColumnClause attaches a column constraint with ALTER COLUMN.
func (m Migrator) addColumnClause(table string, def *ddl.Table, column, text string) error {
	old := def.Column(column)
	extra, err := ddl.ParseColumn(column, "x "+text)
	if err != nil {
		return errmsg.Wrap(err, "libsql: constraint on %s.%s", table, column)
	}
	updated := *old
	updated.Clauses = append(append([]ddl.Clause(nil), old.Clauses...), extra.Clauses...)
	return m.applyColumn(table, def, old, &updated)
}

func (m Migrator) dropConstraint(value any, name string) error {
	return m.runOn(value, true, func(m Migrator, stmt *gorm.Statement) error {
		table, name, def, err := m.constraintTable(stmt, name)
		if err != nil {
			return err
		}
		tc, col, at := def.ConstraintNamed(name)
		switch {
		case tc != nil:
			def.RemoveConstraint(tc)
			return m.rebuild(table, def, "")
		case col != nil:
			updated := *col
			updated.Clauses = append(append([]ddl.Clause(nil), col.Clauses[:at]...), col.Clauses[at+1:]...)
			return m.applyColumn(table, def, col, &updated)
		}
		return fmt.Errorf("libsql: table %s has no constraint named %s", table, name)
	})
}

// constraintTable reads the table a constraint belongs to: the model's own
// or, for a relation's foreign key, the one GORM says. name is resolved to
// the constraint's name when the model declares it.
func (m Migrator) constraintTable(stmt *gorm.Statement, name string) (table, resolved string, def *ddl.Table, err error) {
	constraint, table := m.GuessConstraintInterfaceAndTable(stmt, name)
	if constraint != nil {
		name = constraint.GetName()
	}
	def, err = m.tableDef(table)
	return table, name, def, err
}

func (m Migrator) hasConstraint(value any, name string) bool {
	found := false
	_ = m.RunWithValue(value, func(stmt *gorm.Statement) error {
		_, name, def, err := m.constraintTable(stmt, name)
		if err != nil {
			return err
		}
		tc, col, _ := def.ConstraintNamed(name)
		found = tc != nil || col != nil
		return nil
	})
	return found
}

func (m Migrator) createIndex(value any, name string) error {
	return m.runOn(value, false, func(m Migrator, stmt *gorm.Statement) error {
		if stmt.Schema == nil {
			return fmt.Errorf("libsql: CreateIndex on table %s needs a model", stmt.Table)
		}
		idx := stmt.Schema.LookIndex(name)
		if idx == nil {
			return fmt.Errorf("libsql: model of table %s has no index %s", stmt.Table, name)
		}
		unique, leftOut, err := indexForm(idx)
		if err != nil {
			return errmsg.Wrap(err, "libsql: index %s on table %s", idx.Name, stmt.Table)
		}
		var b strings.Builder
		b.WriteString("CREATE ")
		if unique {
			b.WriteString("UNIQUE ")
		}
		b.WriteString("INDEX ")
		b.WriteString(quoteIdent(idx.Name))
		b.WriteString(" ON ")
		b.WriteString(quoteIdent(stmt.Table))
		b.WriteString(" (")
		for i, opt := range idx.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			if opt.Expression != "" {
				b.WriteString(opt.Expression)
			} else {
				b.WriteString(quoteIdent(opt.DBName))
			}
			if opt.Collate != "" {
				b.WriteString(" COLLATE " + opt.Collate)
			}
			if opt.Sort != "" {
				b.WriteString(" " + opt.Sort)
			}
		}
		b.WriteString(")")
		if idx.Where != "" {
			b.WriteString(" WHERE " + idx.Where)
		}
		if err := m.DB.Exec(b.String()).Error; err != nil {
			return errmsg.Wrap(err, "libsql: creating index %s on table %s", idx.Name, stmt.Table)
		}
		if len(leftOut) > 0 {
			kind := "an ordinary index"
			if unique {
				kind = "an ordinary unique index"
			}
			m.DB.Logger.Info(m.DB.Statement.Context, "libsql: index %s on table %s created as %s without %s, which SQLite has no form for",
				idx.Name, stmt.Table, kind, strings.Join(leftOut, ", "))
		}
		return nil
	})
}

// indexForm reads what SQLite can build of a model's index: whether it is
// unique, and the settings left out, as the log names them. Left out are
// settings that change how another database stores, builds or searches
// the index but not which rows it admits, so that the index means the same
// here. A unique index with a prefix length is unique over the whole value,
// as on Postgres, which has no prefix indexes either. An option is left
// out whatever it says, NULLS NOT DISTINCT included: GORM's Postgres driver
// writes none but CONCURRENTLY, so no GORM model gets another. Only a class
// SQLite does not know is refused, since leaving it out could change the
// meaning silently (a misspelt UNIQUE would lose the uniqueness) and every
// other driver refuses it too.
func indexForm(idx *schema.Index) (unique bool, leftOut []string, err error) {
	for _, word := range strings.Fields(strings.ToUpper(idx.Class)) {
		switch word {
		case "UNIQUE":
			unique = true
		case "FULLTEXT", "SPATIAL", "CLUSTERED", "NONCLUSTERED":
			leftOut = append(leftOut, "class "+word)
		default:
			return false, nil, fmt.Errorf("SQLite has no %s indexes", idx.Class)
		}
	}
	for _, opt := range idx.Fields {
		if opt.Length > 0 {
			col := opt.DBName
			if opt.Expression != "" {
				col = opt.Expression
			}
			leftOut = append(leftOut, fmt.Sprintf("length %d of %s", opt.Length, col))
		}
	}
	if idx.Type != "" {
		leftOut = append(leftOut, "type "+idx.Type)
	}
	if idx.Option != "" {
		leftOut = append(leftOut, fmt.Sprintf("option %q", idx.Option))
	}
	if idx.Comment != "" {
		leftOut = append(leftOut, fmt.Sprintf("comment %q", idx.Comment))
	}
	return unique, leftOut, nil
}

func indexName(stmt *gorm.Statement, name string) string {
	if stmt.Schema != nil {
		if idx := stmt.Schema.LookIndex(name); idx != nil {
			return idx.Name
		}
	}
	return name
}

func (m Migrator) dropIndex(value any, name string) error {
	return m.runOn(value, false, func(m Migrator, stmt *gorm.Statement) error {
		name = indexName(stmt, name)
		if !m.HasIndex(value, name) {
			return fmt.Errorf("libsql: table %s has no index %s", stmt.Table, name)
		}
		if err := m.DB.Exec("DROP INDEX " + quoteIdent(name)).Error; err != nil {
			return errmsg.Wrap(err, "libsql: dropping index %s of table %s", name, stmt.Table)
		}
		return nil
	})
}

func (m Migrator) hasIndex(value any, name string) bool {
	var count int
	_ = m.RunWithValue(value, func(stmt *gorm.Statement) error {
		return m.DB.Raw("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name = ?", stmt.Table, indexName(stmt, name)).Row().Scan(&count)
	})
	return count > 0
}

func (m Migrator) renameIndex(value any, oldName, newName string) error {
	return m.runOn(value, false, func(m Migrator, stmt *gorm.Statement) error {
		oldName = indexName(stmt, oldName)
		var defs []sql.NullString
		if err := m.DB.Raw("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name = ?", stmt.Table, oldName).Scan(&defs).Error; err != nil {
			return err
		}
		if len(defs) == 0 {
			return fmt.Errorf("libsql: table %s has no index %s", stmt.Table, oldName)
		}
		if !defs[0].Valid {
			return fmt.Errorf("libsql: index %s of table %s belongs to a UNIQUE or PRIMARY KEY constraint and cannot be renamed", oldName, stmt.Table)
		}
		idx, err := ddl.ParseIndex(defs[0].String)
		if err != nil {
			return errmsg.Wrap(err, "libsql: index %s of table %s", oldName, stmt.Table)
		}
		created := idx.Renamed(newName)
		if err := m.DB.Exec("DROP INDEX " + quoteIdent(oldName)).Error; err != nil {
			return errmsg.Wrap(err, "libsql: renaming index %s of table %s", oldName, stmt.Table)
		}
		if err := m.DB.Exec(created).Error; err != nil {
			return errmsg.Wrap(err, "libsql: renaming index %s of table %s to %s", oldName, stmt.Table, newName)
		}
		return nil
	})
}

func (m Migrator) getIndexes(value any) ([]gorm.Index, error) {
	var out []gorm.Index
	err := m.RunWithValue(value, func(stmt *gorm.Statement) error {
		var list []struct {
			Name   string
			Unique bool
			Origin string
			SQL    sql.NullString
		}
		if err := m.DB.Raw(`SELECT il.name, il."unique", il.origin, m.sql FROM pragma_index_list(?) il
			LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = il.name ORDER BY il.name`, stmt.Table).Scan(&list).Error; err != nil {
			return err
		}
		for _, l := range list {
			idx := &migrator.Index{
				TableName:       stmt.Table,
				NameValue:       l.Name,
				PrimaryKeyValue: sql.NullBool{Bool: l.Origin == "pk", Valid: true},
				UniqueValue:     sql.NullBool{Bool: l.Unique, Valid: true},
			}
			if l.SQL.Valid {
				parsed, err := ddl.ParseIndex(l.SQL.String)
				if err != nil {
					return errmsg.Wrap(err, "libsql: index %s of table %s", l.Name, stmt.Table)
				}
				idx.ColumnList, idx.OptionValue = parsed.Items, parsed.Where
			} else if err := m.DB.Raw("SELECT name FROM pragma_index_info(?) ORDER BY seqno", l.Name).Scan(&idx.ColumnList).Error; err != nil {
				return err
			}
			out = append(out, idx)
		}
		return nil
	})
	return out, err
}
