// Package ddl is the migrator's model of the CREATE statements SQLite keeps
// in sqlite_master. The migrator edits a table by changing its parts
// (columns, column constraints, table constraints) and rendering the
// statement again, and reads indexes as their items; so this is a small
// parser, over internal/sqltext's tokens, for the DDL subset SQLite stores,
// which keeps each part's source text unchanged. It runs no SQL.
package ddl

import (
	"fmt"
	"strings"

	"github.com/gorm-libsql/libsql/internal/sqltext"
)

// Quote quotes one identifier exactly as given, dots and quotes included,
// in the backticks the dialect writes names in.
func Quote(name string) string { return sqltext.Quote(name, '`') }

// nesting is how the token changes the depth of parentheses.
func nesting(t sqltext.Token) int {
	switch t.Kind {
	case sqltext.TokenOpen:
		return 1
	case sqltext.TokenClose:
		return -1
	}
	return 0
}

// matching returns the index of the token closing the parenthesis opened at
// toks[open].
func matching(toks []sqltext.Token, open int) (int, error) {
	depth := 0
	for i := open; i < len(toks); i++ {
		if depth += nesting(toks[i]); depth == 0 && toks[i].Kind == sqltext.TokenClose {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unbalanced parentheses")
}

// splitTop splits toks at the commas outside parentheses.
func splitTop(toks []sqltext.Token) [][]sqltext.Token {
	var parts [][]sqltext.Token
	depth, from := 0, 0
	for i, t := range toks {
		depth += nesting(t)
		if depth == 0 && t.Kind == sqltext.TokenComma {
			parts = append(parts, toks[from:i])
			from = i + 1
		}
	}
	return append(parts, toks[from:])
}

// Table is a parsed CREATE TABLE statement: its columns and table
// constraints, in order. Edit them and render the statement with SQL.
type Table struct {
	Columns     []*Column
	Constraints []*Constraint
	// tail is what follows the closing parenthesis (WITHOUT ROWID, STRICT).
	tail string
}

// Column is one column definition: its name, declared type (empty when
// none is declared) and column constraints, each with its source text.
type Column struct {
	Name    string
	Type    string
	Clauses []Clause
}

// Clause is one column constraint, with its source text.
type Clause struct {
	// Kind is the constraint's keyword in upper case: PRIMARY, NOT NULL,
	// NULL, UNIQUE, CHECK, DEFAULT, COLLATE, REFERENCES, or GENERATED (also
	// for the short AS form).
	Kind string
	// Name is the name given by CONSTRAINT name, if any.
	Name string
	// Text is the whole constraint, CONSTRAINT name included.
	Text string
	// Body is the text after the keyword: the CHECK expression in its
	// parentheses, the DEFAULT value, the collation name.
	Body string
}

// Constraint is one table constraint, with its source text.
type Constraint struct {
	// Name is the name given by CONSTRAINT name, if any.
	Name string
	// Kind is PRIMARY, UNIQUE, CHECK or FOREIGN.
	Kind string
	// Columns lists the key columns, for every kind but CHECK.
	Columns []string
	// Text is the whole constraint, CONSTRAINT name included.
	Text string
}

// ParseTable parses a CREATE TABLE statement with a column list.
func ParseTable(sql string) (*Table, error) {
	toks, err := sqltext.Tokens(sql)
	if err != nil {
		return nil, err
	}
	open := -1
	for i, t := range toks {
		if t.Kind == sqltext.TokenOpen {
			open = i
			break
		}
		if t.Is("AS") {
			return nil, fmt.Errorf("CREATE TABLE ... AS SELECT has no column list to edit")
		}
	}
	if open < 0 {
		return nil, fmt.Errorf("no column list in %q", sql)
	}
	closeAt, err := matching(toks, open)
	if err != nil {
		return nil, fmt.Errorf("%w in %q", err, sql)
	}
	def := &Table{tail: sql[toks[closeAt].Start+1:]}
	for _, part := range splitTop(toks[open+1 : closeAt]) {
		if len(part) == 0 {
			return nil, fmt.Errorf("empty item in %q", sql)
		}
		text := sql[part[0].Start:part[len(part)-1].End]
		if first := part[0]; first.Kind == sqltext.TokenWord && isTableConstraintStart(first.Text) {
			def.Constraints = append(def.Constraints, parseTableConstraint(part, text))
			continue
		}
		col, err := parseColumnDef(sql, part)
		if err != nil {
			return nil, err
		}
		def.Columns = append(def.Columns, col)
	}
	return def, nil
}

func isTableConstraintStart(word string) bool {
	switch strings.ToUpper(word) {
	case "CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN":
		return true
	}
	return false
}

func parseTableConstraint(part []sqltext.Token, text string) *Constraint {
	c := &Constraint{Text: text}
	i := 0
	if part[0].Is("CONSTRAINT") && len(part) > 2 {
		c.Name = part[1].Ident()
		i = 2
	}
	c.Kind = strings.ToUpper(part[i].Text)
	if c.Kind == "CHECK" {
		return c
	}
	for ; i < len(part); i++ {
		if part[i].Kind != sqltext.TokenOpen {
			continue
		}
		closeAt, err := matching(part, i)
		if err != nil {
			break
		}
		for _, item := range splitTop(part[i+1 : closeAt]) {
			if len(item) > 0 {
				c.Columns = append(c.Columns, item[0].Ident())
			}
		}
		break
	}
	return c
}

// clauseStart reports whether toks[i] begins a column constraint; the
// keywords SQLite also uses inside other clauses (SET NULL, SET DEFAULT,
// NOT DEFERRABLE, GENERATED ALWAYS AS) are told apart by their neighbours.
func clauseStart(toks []sqltext.Token, i int) string {
	t := toks[i]
	if t.Kind != sqltext.TokenWord {
		return ""
	}
	prev := sqltext.Token{}
	if i > 0 {
		prev = toks[i-1]
	}
	switch kw := strings.ToUpper(t.Text); kw {
	case "CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "COLLATE", "REFERENCES", "GENERATED":
		return kw
	case "DEFAULT":
		if !prev.Is("SET") {
			return kw
		}
	case "NOT":
		if i+1 < len(toks) && toks[i+1].Is("NULL") {
			return "NOT NULL"
		}
	case "NULL":
		if !prev.Is("NOT") && !prev.Is("SET") && !prev.Is("DEFAULT") {
			return kw
		}
	case "AS":
		if !prev.Is("ALWAYS") {
			return "GENERATED"
		}
	}
	return ""
}

// ParseColumn parses a column definition given without its name, as in
// ParseColumn("c", "integer NOT NULL DEFAULT 0").
func ParseColumn(name, body string) (*Column, error) {
	text := Quote(name) + " " + body
	toks, err := sqltext.Tokens(text)
	if err != nil {
		return nil, err
	}
	return parseColumnDef(text, toks)
}

// nextClause returns the index of the first token from toks[from] on that
// begins a column constraint outside parentheses, or len(toks).
func nextClause(toks []sqltext.Token, from int) int {
	depth := 0
	for i := from; i < len(toks); i++ {
		if depth += nesting(toks[i]); depth == 0 && clauseStart(toks, i) != "" {
			return i
		}
	}
	return len(toks)
}

func parseColumnDef(sql string, part []sqltext.Token) (*Column, error) {
	col := &Column{Name: part[0].Ident()}
	i := nextClause(part, 1)
	if i > 1 {
		col.Type = sql[part[1].Start:part[i-1].End]
	}
	for i < len(part) {
		start, name := i, ""
		if part[i].Is("CONSTRAINT") {
			if i+2 >= len(part) {
				return nil, fmt.Errorf("incomplete CONSTRAINT in column %s", col.Name)
			}
			name = part[i+1].Ident()
			i += 2
		}
		kind := clauseStart(part, i)
		if kind == "" || kind == "CONSTRAINT" {
			return nil, fmt.Errorf("unexpected %q in column %s", part[i].Text, col.Name)
		}
		bodyAt := i + 1
		if kind == "NOT NULL" || kind == "PRIMARY" && bodyAt < len(part) && part[bodyAt].Is("KEY") {
			bodyAt++
		}
		j := nextClause(part, i+1)
		c := Clause{Kind: kind, Name: name, Text: sql[part[start].Start:part[j-1].End]}
		if bodyAt < j {
			c.Body = sql[part[bodyAt].Start:part[j-1].End]
		}
		col.Clauses = append(col.Clauses, c)
		i = j
	}
	return col, nil
}

// Clause returns the column's first constraint of the kind.
func (c *Column) Clause(kind string) (Clause, bool) {
	for _, cl := range c.Clauses {
		if cl.Kind == kind {
			return cl, true
		}
	}
	return Clause{}, false
}

// SQL renders the definition with the name quoted.
func (c *Column) SQL() string {
	var b strings.Builder
	b.WriteString(Quote(c.Name))
	if c.Type != "" {
		b.WriteByte(' ')
		b.WriteString(c.Type)
	}
	for _, cl := range c.Clauses {
		b.WriteByte(' ')
		b.WriteString(cl.Text)
	}
	return b.String()
}

// Column returns the column of that name, in any case, or nil.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return c
		}
	}
	return nil
}

// SQL renders the statement under the table name given.
func (t *Table) SQL(name string) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE ")
	b.WriteString(Quote(name))
	b.WriteString(" (")
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.SQL())
	}
	for _, c := range t.Constraints {
		b.WriteString(", ")
		b.WriteString(c.Text)
	}
	b.WriteByte(')')
	b.WriteString(t.tail)
	return b.String()
}

// ConstraintNamed finds a named constraint (in any case): a table
// constraint, or the column and the index in its Clauses of a column
// constraint. Both are nil when there is none.
func (t *Table) ConstraintNamed(name string) (table *Constraint, col *Column, clauseAt int) {
	for _, c := range t.Constraints {
		if c.Name != "" && strings.EqualFold(c.Name, name) {
			return c, nil, -1
		}
	}
	for _, c := range t.Columns {
		for i, cl := range c.Clauses {
			if cl.Name != "" && strings.EqualFold(cl.Name, name) {
				return nil, c, i
			}
		}
	}
	return nil, nil, -1
}

// Index is a parsed CREATE INDEX statement.
type Index struct {
	Unique bool
	// Name is the index's name, unquoted.
	Name string
	// Items are the indexed columns (unquoted) or expressions, without
	// their sort order or collation; Where is the partial index condition.
	// Expressions are in one spacing (see canonicalExpr).
	Items []string
	Where string
	// sql is the statement and name the name's token in it, so that the
	// name can be replaced in place.
	sql  string
	name sqltext.Token
}

// ParseIndex parses a CREATE INDEX statement.
func ParseIndex(sql string) (*Index, error) {
	toks, err := sqltext.Tokens(sql)
	if err != nil {
		return nil, err
	}
	idx := &Index{sql: sql}
	i := 1
	if i < len(toks) && toks[i].Is("UNIQUE") {
		idx.Unique = true
		i++
	}
	i++ // INDEX
	if i+2 < len(toks) && toks[i].Is("IF") {
		i += 3
	}
	if i+2 < len(toks) && toks[i+1].Text == "." {
		i += 2
	}
	if i >= len(toks) {
		return nil, fmt.Errorf("no index name in %q", sql)
	}
	idx.name = toks[i]
	idx.Name = toks[i].Ident()
	for ; i < len(toks) && toks[i].Kind != sqltext.TokenOpen; i++ {
	}
	if i == len(toks) {
		return nil, fmt.Errorf("no column list in %q", sql)
	}
	closeAt, err := matching(toks, i)
	if err != nil {
		return nil, fmt.Errorf("%w in %q", err, sql)
	}
	for _, item := range splitTop(toks[i+1 : closeAt]) {
		end := len(item)
		for end > 1 && (item[end-1].Is("ASC") || item[end-1].Is("DESC")) {
			end--
		}
		if end > 2 && item[end-2].Is("COLLATE") {
			end -= 2
		}
		if end == 1 && item[0].Kind != sqltext.TokenOther {
			idx.Items = append(idx.Items, item[0].Ident())
		} else if end > 0 {
			idx.Items = append(idx.Items, canonicalExpr(item[:end]))
		}
	}
	if closeAt+1 < len(toks) && toks[closeAt+1].Is("WHERE") && closeAt+2 < len(toks) {
		where := toks[closeAt+2:]
		if last := len(where) - 1; where[last].Text == ";" {
			where = where[:last]
		}
		idx.Where = canonicalExpr(where)
	}
	return idx, nil
}

// canonicalExpr writes an expression's tokens in one spacing, whatever the
// stored text had: an embedded replica's writes reach the primary as
// libSQL re-renders them ("lower (d)"), and an index must read the same in
// every mode. Tokens are separated by one space, except inside and before
// parentheses of a call, around dots and before commas.
func canonicalExpr(toks []sqltext.Token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			prev := toks[i-1]
			tight := prev.Kind == sqltext.TokenOpen || t.Kind == sqltext.TokenClose || t.Kind == sqltext.TokenComma ||
				prev.Text == "." || strings.HasPrefix(t.Text, ".") && (prev.Kind == sqltext.TokenWord || prev.Kind == sqltext.TokenQuoted) ||
				t.Kind == sqltext.TokenOpen && (prev.Kind == sqltext.TokenQuoted || prev.Kind == sqltext.TokenWord && !spacedKeywords[strings.ToUpper(prev.Text)])
			if !tight {
				b.WriteByte(' ')
			}
		}
		b.WriteString(t.Text)
	}
	return b.String()
}

// spacedKeywords are followed by a space before a parenthesis: they are not
// function names.
var spacedKeywords = map[string]bool{"AND": true, "OR": true, "NOT": true, "IN": true, "IS": true, "EXISTS": true,
	"AS": true, "CASE": true, "WHEN": true, "THEN": true, "ELSE": true, "LIKE": true, "GLOB": true, "BETWEEN": true,
	"SELECT": true, "FROM": true, "WHERE": true, "ON": true, "VALUES": true}
