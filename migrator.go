package libsql

import (
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/migrator"
)

// Migrator implements gorm.Migrator for libSQL.
type Migrator struct {
	migrator.Migrator
}

// CurrentDatabase reports the name of the main schema.
func (m Migrator) CurrentDatabase() string {
	var seq int
	var name, file string
	m.DB.Raw("PRAGMA database_list").Row().Scan(&seq, &name, &file)
	return name
}

// HasTable reports whether the model's table exists.
func (m Migrator) HasTable(value any) bool {
	var count int
	m.RunWithValue(value, func(stmt *gorm.Statement) error {
		return m.DB.Raw("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", stmt.Table).Row().Scan(&count)
	})
	return count > 0
}

// GetTables lists user tables, hiding SQLite's and libSQL's own.
func (m Migrator) GetTables() (tables []string, err error) {
	err = m.DB.Raw(`SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE 'libsql\_%' ESCAPE '\'
		AND name NOT LIKE '%\_shadow' ESCAPE '\' ORDER BY name`).Scan(&tables).Error
	return tables, err
}

// HasColumn reports whether the model's table has the column (a field name
// or a column name).
func (m Migrator) HasColumn(value any, field string) bool {
	var count int
	m.RunWithValue(value, func(stmt *gorm.Statement) error {
		name := field
		if stmt.Schema != nil {
			if f := stmt.Schema.LookUpField(field); f != nil {
				name = f.DBName
			}
		}
		return m.DB.Raw("SELECT count(*) FROM pragma_table_xinfo(?) WHERE name = ?", stmt.Table, name).Row().Scan(&count)
	})
	return count > 0
}

// HasIndex reports whether the index exists on the model's table.
func (m Migrator) HasIndex(value any, name string) bool {
	var count int
	m.RunWithValue(value, func(stmt *gorm.Statement) error {
		if stmt.Schema != nil {
			if idx := stmt.Schema.LookIndex(name); idx != nil {
				name = idx.Name
			}
		}
		return m.DB.Raw("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name = ?", stmt.Table, name).Row().Scan(&count)
	})
	return count > 0
}

// HasConstraint reports whether the table's DDL declares the named constraint.
func (m Migrator) HasConstraint(value any, name string) bool {
	var count int
	m.RunWithValue(value, func(stmt *gorm.Statement) error {
		constraint, table := m.GuessConstraintInterfaceAndTable(stmt, name)
		if constraint != nil {
			name = constraint.GetName()
		}
		return m.DB.Raw("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND tbl_name = ? AND (sql LIKE ? OR sql LIKE ? OR sql LIKE ?)",
			table, "%CONSTRAINT \""+name+"\" %", "%CONSTRAINT `"+name+"` %", "%CONSTRAINT "+strings.TrimSpace(name)+" %").Row().Scan(&count)
	})
	return count > 0
}
