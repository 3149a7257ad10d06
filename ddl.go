package libsql

import (
	"fmt"
	"strings"

	"github.com/gorm-libsql/libsql/internal/sqltext"
)

// The migrator edits the CREATE statements that SQLite keeps in
// sqlite_master, so it needs to find their parts: columns, constraints and
// index items. This is a small parser, over internal/sqltext's tokens, for
// the DDL subset SQLite stores, which keeps each part's source text
// unchanged.

// matching returns the index of the token closing the parenthesis opened at
// toks[open].
func matching(toks []sqltext.Token, open int) (int, error) {
	depth := 0
	for i := open; i < len(toks); i++ {
		switch toks[i].Kind {
		case sqltext.TokenOpen:
			depth++
		case sqltext.TokenClose:
			depth--
			if depth == 0 {
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("unbalanced parentheses")
}

// splitTop splits toks at the commas outside parentheses.
func splitTop(toks []sqltext.Token) [][]sqltext.Token {
	var parts [][]sqltext.Token
	depth, from := 0, 0
	for i, t := range toks {
		switch t.Kind {
		case sqltext.TokenOpen:
			depth++
		case sqltext.TokenClose:
			depth--
		case sqltext.TokenComma:
			if depth == 0 {
				parts = append(parts, toks[from:i])
				from = i + 1
			}
		}
	}
	return append(parts, toks[from:])
}

// tableDef is a parsed CREATE TABLE statement.
type tableDef struct {
	// head is the text up to and including the opening parenthesis, tail
	// what follows the closing one (WITHOUT ROWID, STRICT).
	head, tail  string
	columns     []*columnDef
	constraints []*tableConstraint
}

// columnDef is one column definition: its name, declared type and
// column constraints, each with its source text.
type columnDef struct {
	name    string
	typ     string
	clauses []clauseDef
}

// clauseDef is one column constraint. kind is its keyword in upper case:
// PRIMARY, NOT NULL, NULL, UNIQUE, CHECK, DEFAULT, COLLATE, REFERENCES,
// GENERATED (also for the short AS form).
type clauseDef struct {
	kind string
	name string
	text string
	// body is the text after the keyword: the CHECK expression in its
	// parentheses, the DEFAULT value, the collation name.
	body string
}

// tableConstraint is one table constraint. kind is PRIMARY, UNIQUE, CHECK
// or FOREIGN; columns lists the key columns of all but CHECK.
type tableConstraint struct {
	name    string
	kind    string
	columns []string
	text    string
}

func parseCreateTable(sql string) (*tableDef, error) {
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
	def := &tableDef{head: sql[:toks[open].End], tail: sql[toks[closeAt].Start+1:]}
	for _, part := range splitTop(toks[open+1 : closeAt]) {
		if len(part) == 0 {
			return nil, fmt.Errorf("empty item in %q", sql)
		}
		text := sql[part[0].Start:part[len(part)-1].End]
		if first := part[0]; first.Kind == sqltext.TokenWord && isTableConstraintStart(first.Text) {
			def.constraints = append(def.constraints, parseTableConstraint(part, text))
			continue
		}
		col, err := parseColumnDef(sql, part)
		if err != nil {
			return nil, err
		}
		def.columns = append(def.columns, col)
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

func parseTableConstraint(part []sqltext.Token, text string) *tableConstraint {
	c := &tableConstraint{text: text}
	i := 0
	if part[0].Is("CONSTRAINT") && len(part) > 2 {
		c.name = part[1].Ident()
		i = 2
	}
	c.kind = strings.ToUpper(part[i].Text)
	if c.kind == "CHECK" {
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
				c.columns = append(c.columns, item[0].Ident())
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

func parseColumnDef(sql string, part []sqltext.Token) (*columnDef, error) {
	col := &columnDef{name: part[0].Ident()}
	depth, i := 0, 1
	for ; i < len(part); i++ {
		switch part[i].Kind {
		case sqltext.TokenOpen:
			depth++
		case sqltext.TokenClose:
			depth--
		}
		if depth == 0 && clauseStart(part, i) != "" {
			break
		}
	}
	if i > 1 {
		col.typ = sql[part[1].Start:part[i-1].End]
	}
	for i < len(part) {
		start, name := i, ""
		if part[i].Is("CONSTRAINT") {
			if i+2 >= len(part) {
				return nil, fmt.Errorf("incomplete CONSTRAINT in column %s", col.name)
			}
			name = part[i+1].Ident()
			i += 2
		}
		kind := clauseStart(part, i)
		if kind == "" || kind == "CONSTRAINT" {
			return nil, fmt.Errorf("unexpected %q in column %s", part[i].Text, col.name)
		}
		bodyAt := i + 1
		if kind == "NOT NULL" || kind == "PRIMARY" && bodyAt < len(part) && part[bodyAt].Is("KEY") {
			bodyAt++
		}
		// The clause runs to the next clause keyword outside parentheses.
		depth, j := 0, i+1
		for ; j < len(part); j++ {
			switch part[j].Kind {
			case sqltext.TokenOpen:
				depth++
			case sqltext.TokenClose:
				depth--
			}
			if depth == 0 && part[j].Kind == sqltext.TokenWord && clauseStart(part, j) != "" {
				break
			}
		}
		c := clauseDef{kind: kind, name: name, text: sql[part[start].Start:part[j-1].End]}
		if bodyAt < j {
			c.body = sql[part[bodyAt].Start:part[j-1].End]
		}
		col.clauses = append(col.clauses, c)
		i = j
	}
	return col, nil
}

// clause returns the column's first constraint of the kind.
func (c *columnDef) clause(kind string) (clauseDef, bool) {
	for _, cl := range c.clauses {
		if cl.kind == kind {
			return cl, true
		}
	}
	return clauseDef{}, false
}

// sql renders the definition with the name quoted.
func (c *columnDef) sql() string {
	var b strings.Builder
	b.WriteString(quoteIdent(c.name))
	if c.typ != "" {
		b.WriteByte(' ')
		b.WriteString(c.typ)
	}
	for _, cl := range c.clauses {
		b.WriteByte(' ')
		b.WriteString(cl.text)
	}
	return b.String()
}

func (d *tableDef) column(name string) *columnDef {
	for _, c := range d.columns {
		if strings.EqualFold(c.name, name) {
			return c
		}
	}
	return nil
}

// sql renders the statement under another table name.
func (d *tableDef) sql(table string) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE ")
	b.WriteString(quoteIdent(table))
	b.WriteString(" (")
	n := 0
	for _, c := range d.columns {
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.sql())
		n++
	}
	for _, c := range d.constraints {
		b.WriteString(", ")
		b.WriteString(c.text)
	}
	b.WriteByte(')')
	b.WriteString(d.tail)
	return b.String()
}

// constraintNamed finds a named constraint, at table or column level.
func (d *tableDef) constraintNamed(name string) (table *tableConstraint, col *columnDef, clauseAt int) {
	for _, c := range d.constraints {
		if c.name != "" && strings.EqualFold(c.name, name) {
			return c, nil, -1
		}
	}
	for _, c := range d.columns {
		for i, cl := range c.clauses {
			if cl.name != "" && strings.EqualFold(cl.name, name) {
				return nil, c, i
			}
		}
	}
	return nil, nil, -1
}

// indexDef is a parsed CREATE INDEX statement.
type indexDef struct {
	unique bool
	// nameTok is the index name token, so the name can be replaced in
	// place.
	nameTok sqltext.Token
	// items are the indexed columns or expressions, without their sort
	// order or collation; where is the partial index condition.
	items []string
	where string
}

func parseCreateIndex(sql string) (*indexDef, error) {
	toks, err := sqltext.Tokens(sql)
	if err != nil {
		return nil, err
	}
	idx := &indexDef{}
	i := 1
	if i < len(toks) && toks[i].Is("UNIQUE") {
		idx.unique = true
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
	idx.nameTok = toks[i]
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
			idx.items = append(idx.items, item[0].Ident())
		} else if end > 0 {
			idx.items = append(idx.items, canonicalExpr(item[:end]))
		}
	}
	if closeAt+1 < len(toks) && toks[closeAt+1].Is("WHERE") && closeAt+2 < len(toks) {
		where := toks[closeAt+2:]
		if last := len(where) - 1; where[last].Text == ";" {
			where = where[:last]
		}
		idx.where = canonicalExpr(where)
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
