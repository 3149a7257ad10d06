package libsql

import (
	"fmt"
	"strings"

	"github.com/gorm-libsql/libsql/internal/ddl"
	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/internal/sqlite"
)

// Column changes and table rebuilds: the part of the migrator that edits a
// table's stored definition (parsed by internal/ddl) and makes the rows
// agree with it.

// tableDef reads and parses the table's CREATE TABLE statement.
func (m Migrator) tableDef(table string) (*ddl.Table, error) {
	var defs []string
	if err := m.DB.Raw("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&defs).Error; err != nil {
		return nil, errmsg.Wrap(err, "libsql: reading the schema of table %s", table)
	}
	if len(defs) == 0 {
		return nil, fmt.Errorf("libsql: no table named %s", table)
	}
	def, err := ddl.ParseTable(defs[0])
	if err != nil {
		return nil, errmsg.Wrap(err, "libsql: parsing the schema of table %s", table)
	}
	return def, nil
}

// applyColumn changes a column's definition from old to want. libSQL's
// ALTER COLUMN only rewrites the schema, so the rows are checked against
// what it added: NULLs for NOT NULL, CHECK expressions, and foreign keys
// (before commit). A change of type affinity rewrites the table when stored
// values would convert, as SQLite converts values only when they are
// written. Keys, UNIQUE and generated columns cannot be altered and are
// rebuilt.
func (m Migrator) applyColumn(table string, def *ddl.Table, old, want *ddl.Column) error {
	if strings.EqualFold(old.SQL(), want.SQL()) {
		return nil
	}
	for _, kind := range []string{"PRIMARY", "UNIQUE", "GENERATED"} {
		if !ddl.SameClauses(old, want, kind) {
			def.ReplaceColumn(old, want)
			return m.rebuild(table, def, "")
		}
	}
	alter := fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TO %s", quoteIdent(table), quoteIdent(old.Name), want.SQL())
	if err := m.DB.Exec(alter).Error; err != nil {
		if strings.Contains(err.Error(), "cannot be altered") {
			def.ReplaceColumn(old, want)
			return m.rebuild(table, def, "")
		}
		return errmsg.Wrap(err, "libsql: altering column %s.%s", table, old.Name)
	}
	qt, qc := quoteIdent(table), quoteIdent(old.Name)
	if _, had := old.Clause("NOT NULL"); !had {
		if _, has := want.Clause("NOT NULL"); has {
			var n int64
			// Not "IS NULL": the planner now takes the column's word for it.
			if err := m.DB.Raw("SELECT count(*) FROM " + qt + " WHERE typeof(" + qc + ") = 'null'").Row().Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("libsql: cannot make %s.%s NOT NULL: %d rows hold NULL", table, old.Name, n)
			}
		}
	}
	oldChecks := strings.Join(old.ClauseTexts("CHECK"), "\x00")
	for _, chk := range want.Clauses {
		if chk.Kind != "CHECK" || strings.Contains(oldChecks, chk.Text) {
			continue
		}
		var n int64
		if err := m.DB.Raw("SELECT count(*) FROM " + qt + " WHERE NOT " + chk.Body).Row().Scan(&n); err != nil {
			return errmsg.Wrap(err, "libsql: checking %s on table %s", chk.Text, table)
		}
		if n > 0 {
			return fmt.Errorf("libsql: cannot add %s to %s.%s: %d rows violate it", chk.Text, table, old.Name, n)
		}
	}
	if s := sessionOf(m.DB); s != nil && !ddl.SameClauses(old, want, "REFERENCES") {
		s.fkCheck[table] = true
	}
	if !ddl.SameClauses(old, want, "COLLATE") {
		if err := m.DB.Exec("REINDEX " + qt).Error; err != nil {
			return errmsg.Wrap(err, "libsql: reindexing table %s after a collation change", table)
		}
	}
	if from, to := sqlite.AffinityOf(old.Type), sqlite.AffinityOf(want.Type); from != to {
		convertible := map[sqlite.Affinity]string{
			sqlite.AffinityText:    "'integer', 'real'",
			sqlite.AffinityInteger: "'text', 'real'",
			sqlite.AffinityNumeric: "'text', 'real'",
			sqlite.AffinityReal:    "'text'",
		}[to]
		if convertible != "" {
			var n int64
			if err := m.DB.Raw("SELECT count(*) FROM " + qt + " WHERE typeof(" + qc + ") IN (" + convertible + ")").Row().Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				fresh, err := m.tableDef(table)
				if err != nil {
					return err
				}
				return m.rebuild(table, fresh, "")
			}
		}
	}
	return nil
}

// rebuild replaces the table by one created from def, the way SQLite's
// documentation describes: create under a temporary name, copy, drop the
// old table, rename the new one, then recreate the indexes and triggers
// (minus the indexes over a dropped column). The session's connection has
// foreign keys off, so dropping the old table fires no ON DELETE action on
// its children, and renaming the new table leaves their references alone;
// they are checked before commit. Views, and triggers of other tables, that
// name the table would fail the rename's schema check while it is missing,
// so they are dropped and created again around it. (SQLite's other way out,
// legacy_alter_table, is refused by sqld.)
func (m Migrator) rebuild(table string, def *ddl.Table, dropped string) error {
	s := sessionOf(m.DB)
	fail := func(err error) error { return errmsg.Wrap(err, "libsql: rebuilding table %s", table) }
	children, err := m.referencing(table, true)
	if err != nil {
		return fail(err)
	}
	if err := m.requireForeignKeysOff(table, "rebuilt", children); err != nil {
		return err
	}
	var saved []schemaObject
	if err := m.DB.Raw(`SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL
		ORDER BY type, name`, table).Scan(&saved).Error; err != nil {
		return fail(err)
	}
	var seq []int64
	var hasSeq int
	if err := m.DB.Raw("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'").Row().Scan(&hasSeq); err != nil {
		return fail(err)
	}
	if hasSeq > 0 {
		if err := m.DB.Raw("SELECT seq FROM sqlite_sequence WHERE name = ?", table).Scan(&seq).Error; err != nil {
			return fail(err)
		}
	}

	tmp := "libsql_rebuild_" + table
	if err := m.DB.Exec(def.SQL(tmp)).Error; err != nil {
		return fail(err)
	}
	var copied []string
	if err := m.DB.Raw(`SELECT n.name FROM pragma_table_xinfo(?) n JOIN pragma_table_xinfo(?) o ON o.name = n.name COLLATE NOCASE
		WHERE n.hidden = 0 AND o.hidden = 0 ORDER BY n.cid`, tmp, table).Scan(&copied).Error; err != nil {
		return fail(err)
	}
	if len(copied) > 0 {
		cols := make([]string, len(copied))
		for i, c := range copied {
			cols[i] = quoteIdent(c)
		}
		list := strings.Join(cols, ", ")
		if err := m.DB.Exec("INSERT INTO " + quoteIdent(tmp) + " (" + list + ") SELECT " + list + " FROM " + quoteIdent(table)).Error; err != nil {
			return fail(err)
		}
	}
	dependents, err := m.dependents(table)
	if err != nil {
		return fail(err)
	}
	for i := len(dependents) - 1; i >= 0; i-- {
		o := dependents[i]
		if err := m.DB.Exec("DROP " + strings.ToUpper(o.Type) + " IF EXISTS " + quoteIdent(o.Name)).Error; err != nil {
			return fail(err)
		}
	}
	if err := m.DB.Exec("DROP TABLE " + quoteIdent(table)).Error; err != nil {
		return fail(err)
	}
	if err := m.DB.Exec("ALTER TABLE " + quoteIdent(tmp) + " RENAME TO " + quoteIdent(table)).Error; err != nil {
		return fail(err)
	}
	for _, o := range saved {
		if o.Type == "index" && dropped != "" {
			if idx, err := ddl.ParseIndex(o.SQL); err == nil && idx.Uses(dropped) {
				continue
			}
		}
		if err := m.DB.Exec(o.SQL).Error; err != nil {
			return fail(fmt.Errorf("recreating %s %s: %w", o.Type, o.Name, err))
		}
	}
	for _, o := range dependents {
		if err := m.DB.Exec(o.SQL).Error; err != nil {
			return fail(fmt.Errorf("recreating %s %s: %w", o.Type, o.Name, err))
		}
	}
	if len(seq) > 0 {
		if err := m.DB.Exec("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", seq[0], table).Error; err != nil {
			return fail(err)
		}
	}
	if s != nil {
		s.fkCheck[table] = true
		for _, c := range children {
			s.fkCheck[c] = true
		}
	}
	return nil
}

// referencing lists the tables with a foreign key to the table, the table
// itself included when withSelf is set.
func (m Migrator) referencing(table string, withSelf bool) ([]string, error) {
	var children []string
	err := m.DB.Raw(`SELECT DISTINCT t.name FROM sqlite_master t, pragma_foreign_key_list(t.name) f
		WHERE t.type = 'table' AND f."table" = ? COLLATE NOCASE AND (? OR t.name <> ? COLLATE NOCASE)`,
		table, withSelf, table).Scan(&children).Error
	return children, err
}

// requireForeignKeysOff refuses to go on when dropping the table, which the
// children reference, could fire their ON DELETE actions: foreign keys must
// be off on the connection running the migration.
func (m Migrator) requireForeignKeysOff(table, verb string, children []string) error {
	if len(children) == 0 {
		return nil
	}
	if s := sessionOf(m.DB); s == nil || !s.fkOff {
		return fmt.Errorf("libsql: table %s must be %s, and tables %s reference it: SQLite cannot turn foreign keys off inside a transaction, so run this migration outside one",
			table, verb, strings.Join(children, ", "))
	}
	// A remote stream or a replica's connection on the primary can be
	// replaced between turning foreign keys off and BEGIN; the transaction
	// cannot change connection, so asking inside it is final.
	on, err := pragmaInt(m.DB, "foreign_keys")
	if err != nil {
		return errmsg.Wrap(err, "libsql: table %s: reading foreign_keys", table)
	}
	if on != 0 {
		return fmt.Errorf("libsql: table %s must be %s, and tables %s reference it, but foreign keys are on on the connection running the migration (the server replaced it); dropping the table would fire their ON DELETE actions, so nothing was changed: run the migration again",
			table, verb, strings.Join(children, ", "))
	}
	return nil
}

// schemaObject is an entry of sqlite_master.
type schemaObject struct {
	Type string
	Name string
	SQL  string
}

// dependents lists, in creation order, the views that name the table
// (directly or through another such view) and the triggers of other tables
// or views that name it or such a view.
func (m Migrator) dependents(table string) ([]schemaObject, error) {
	var all []schemaObject
	if err := m.DB.Raw(`SELECT type, name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') AND tbl_name <> ? COLLATE NOCASE
		AND sql IS NOT NULL ORDER BY rowid`, table).Scan(&all).Error; err != nil {
		return nil, err
	}
	named := []string{table}
	taken := make([]bool, len(all))
	for grew := true; grew; {
		grew = false
		for i, o := range all {
			if taken[i] {
				continue
			}
			for _, n := range named {
				if ddl.Mentions(o.SQL, n) {
					taken[i], grew = true, true
					if o.Type == "view" {
						named = append(named, o.Name)
					}
					break
				}
			}
		}
	}
	var out []schemaObject
	for i, o := range all {
		if taken[i] {
			out = append(out, o)
		}
	}
	return out, nil
}
