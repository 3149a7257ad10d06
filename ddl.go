package libsql

import (
	"fmt"
	"strings"
)

// The migrator edits the CREATE statements that SQLite keeps in
// sqlite_master, so it needs to find their parts: columns, constraints and
// index items. This is a tokenizer and a small parser for the DDL subset
// SQLite stores, which keeps each part's source text unchanged.

type tokenKind int

const (
	tokWord   tokenKind = iota // keyword or bare identifier
	tokQuoted                  // "x", `x` or [x]
	tokString                  // 'x'
	tokOther                   // number, blob literal, operator
	tokOpen                    // (
	tokClose                   // )
	tokComma                   // ,
)

type token struct {
	kind       tokenKind
	start, end int
	text       string
}

// ident returns the identifier the token names, unquoted.
func (t token) ident() string {
	if t.kind != tokQuoted {
		return t.text
	}
	inner := t.text[1 : len(t.text)-1]
	switch t.text[0] {
	case '"':
		return strings.ReplaceAll(inner, `""`, `"`)
	case '`':
		return strings.ReplaceAll(inner, "``", "`")
	}
	return inner
}

// is reports whether the token is the (unquoted) keyword kw.
func (t token) is(kw string) bool { return t.kind == tokWord && strings.EqualFold(t.text, kw) }

func tokenize(sql string) ([]token, error) {
	var toks []token
	for i := 0; i < len(sql); {
		c := sql[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
			continue
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("unterminated comment in %q", sql)
			}
			i += end + 4
			continue
		case c == '\'' || c == '"' || c == '`' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			i++
			for {
				if i >= len(sql) {
					return nil, fmt.Errorf("unterminated quote in %q", sql)
				}
				if sql[i] == closer {
					if closer != ']' && i+1 < len(sql) && sql[i+1] == closer {
						i += 2
						continue
					}
					i++
					break
				}
				i++
			}
			kind := tokQuoted
			if c == '\'' {
				kind = tokString
			}
			toks = append(toks, token{kind, start, i, sql[start:i]})
			continue
		case c == '(':
			i++
			toks = append(toks, token{tokOpen, start, i, "("})
			continue
		case c == ')':
			i++
			toks = append(toks, token{tokClose, start, i, ")"})
			continue
		case c == ',':
			i++
			toks = append(toks, token{tokComma, start, i, ","})
			continue
		case (c == 'x' || c == 'X') && i+1 < len(sql) && sql[i+1] == '\'':
			end := strings.IndexByte(sql[i+2:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated blob literal in %q", sql)
			}
			i += end + 3
			toks = append(toks, token{tokOther, start, i, sql[start:i]})
			continue
		case isWordByte(c) && !(c >= '0' && c <= '9') || c >= 0x80:
			for i < len(sql) && (isWordByte(sql[i]) || sql[i] >= 0x80) {
				i++
			}
			toks = append(toks, token{tokWord, start, i, sql[start:i]})
			continue
		case c >= '0' && c <= '9' || c == '.':
			for i < len(sql) && (isWordByte(sql[i]) || sql[i] == '.' ||
				(sql[i] == '+' || sql[i] == '-') && (sql[i-1] == 'e' || sql[i-1] == 'E')) {
				i++
			}
		default:
			i++
			// Keep two-character operators together so that they are never
			// split from their text when a part is rewritten.
			if i < len(sql) && strings.Contains("<>=!|", string(c)) && strings.ContainsRune("<>=|", rune(sql[i])) {
				i++
			}
		}
		toks = append(toks, token{tokOther, start, i, sql[start:i]})
	}
	return toks, nil
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// matching returns the index of the token closing the parenthesis opened at
// toks[open].
func matching(toks []token, open int) (int, error) {
	depth := 0
	for i := open; i < len(toks); i++ {
		switch toks[i].kind {
		case tokOpen:
			depth++
		case tokClose:
			depth--
			if depth == 0 {
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("unbalanced parentheses")
}

// splitTop splits toks at the commas outside parentheses.
func splitTop(toks []token) [][]token {
	var parts [][]token
	depth, from := 0, 0
	for i, t := range toks {
		switch t.kind {
		case tokOpen:
			depth++
		case tokClose:
			depth--
		case tokComma:
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
	toks, err := tokenize(sql)
	if err != nil {
		return nil, err
	}
	open := -1
	for i, t := range toks {
		if t.kind == tokOpen {
			open = i
			break
		}
		if t.is("AS") {
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
	def := &tableDef{head: sql[:toks[open].end], tail: sql[toks[closeAt].start+1:]}
	for _, part := range splitTop(toks[open+1 : closeAt]) {
		if len(part) == 0 {
			return nil, fmt.Errorf("empty item in %q", sql)
		}
		text := sql[part[0].start:part[len(part)-1].end]
		if first := part[0]; first.kind == tokWord && isTableConstraintStart(first.text) {
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

func parseTableConstraint(part []token, text string) *tableConstraint {
	c := &tableConstraint{text: text}
	i := 0
	if part[0].is("CONSTRAINT") && len(part) > 2 {
		c.name = part[1].ident()
		i = 2
	}
	c.kind = strings.ToUpper(part[i].text)
	if c.kind == "CHECK" {
		return c
	}
	for ; i < len(part); i++ {
		if part[i].kind != tokOpen {
			continue
		}
		closeAt, err := matching(part, i)
		if err != nil {
			break
		}
		for _, item := range splitTop(part[i+1 : closeAt]) {
			if len(item) > 0 {
				c.columns = append(c.columns, item[0].ident())
			}
		}
		break
	}
	return c
}

// clauseStart reports whether toks[i] begins a column constraint; the
// keywords SQLite also uses inside other clauses (SET NULL, SET DEFAULT,
// NOT DEFERRABLE, GENERATED ALWAYS AS) are told apart by their neighbours.
func clauseStart(toks []token, i int) string {
	t := toks[i]
	if t.kind != tokWord {
		return ""
	}
	prev := token{}
	if i > 0 {
		prev = toks[i-1]
	}
	switch kw := strings.ToUpper(t.text); kw {
	case "CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "COLLATE", "REFERENCES", "GENERATED":
		return kw
	case "DEFAULT":
		if !prev.is("SET") {
			return kw
		}
	case "NOT":
		if i+1 < len(toks) && toks[i+1].is("NULL") {
			return "NOT NULL"
		}
	case "NULL":
		if !prev.is("NOT") && !prev.is("SET") && !prev.is("DEFAULT") {
			return kw
		}
	case "AS":
		if !prev.is("ALWAYS") {
			return "GENERATED"
		}
	}
	return ""
}

func parseColumnDef(sql string, part []token) (*columnDef, error) {
	col := &columnDef{name: part[0].ident()}
	depth, i := 0, 1
	for ; i < len(part); i++ {
		switch part[i].kind {
		case tokOpen:
			depth++
		case tokClose:
			depth--
		}
		if depth == 0 && clauseStart(part, i) != "" {
			break
		}
	}
	if i > 1 {
		col.typ = sql[part[1].start:part[i-1].end]
	}
	for i < len(part) {
		start, name := i, ""
		if part[i].is("CONSTRAINT") {
			if i+2 >= len(part) {
				return nil, fmt.Errorf("incomplete CONSTRAINT in column %s", col.name)
			}
			name = part[i+1].ident()
			i += 2
		}
		kind := clauseStart(part, i)
		if kind == "" || kind == "CONSTRAINT" {
			return nil, fmt.Errorf("unexpected %q in column %s", part[i].text, col.name)
		}
		bodyAt := i + 1
		if kind == "NOT NULL" || kind == "PRIMARY" && bodyAt < len(part) && part[bodyAt].is("KEY") {
			bodyAt++
		}
		// The clause runs to the next clause keyword outside parentheses.
		depth, j := 0, i+1
		for ; j < len(part); j++ {
			switch part[j].kind {
			case tokOpen:
				depth++
			case tokClose:
				depth--
			}
			if depth == 0 && part[j].kind == tokWord && clauseStart(part, j) != "" {
				break
			}
		}
		c := clauseDef{kind: kind, name: name, text: sql[part[start].start:part[j-1].end]}
		if bodyAt < j {
			c.body = sql[part[bodyAt].start:part[j-1].end]
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
	nameTok token
	// items are the indexed columns or expressions, without their sort
	// order or collation; where is the partial index condition.
	items []string
	where string
}

func parseCreateIndex(sql string) (*indexDef, error) {
	toks, err := tokenize(sql)
	if err != nil {
		return nil, err
	}
	idx := &indexDef{}
	i := 1
	if i < len(toks) && toks[i].is("UNIQUE") {
		idx.unique = true
		i++
	}
	i++ // INDEX
	if i+2 < len(toks) && toks[i].is("IF") {
		i += 3
	}
	if i+2 < len(toks) && toks[i+1].text == "." {
		i += 2
	}
	if i >= len(toks) {
		return nil, fmt.Errorf("no index name in %q", sql)
	}
	idx.nameTok = toks[i]
	for ; i < len(toks) && toks[i].kind != tokOpen; i++ {
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
		for end > 1 && (item[end-1].is("ASC") || item[end-1].is("DESC")) {
			end--
		}
		if end > 2 && item[end-2].is("COLLATE") {
			end -= 2
		}
		if end == 1 && item[0].kind != tokOther {
			idx.items = append(idx.items, item[0].ident())
		} else if end > 0 {
			idx.items = append(idx.items, canonicalExpr(item[:end]))
		}
	}
	if closeAt+1 < len(toks) && toks[closeAt+1].is("WHERE") && closeAt+2 < len(toks) {
		where := toks[closeAt+2:]
		if last := len(where) - 1; where[last].text == ";" {
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
func canonicalExpr(toks []token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			prev := toks[i-1]
			tight := prev.kind == tokOpen || t.kind == tokClose || t.kind == tokComma ||
				prev.text == "." || strings.HasPrefix(t.text, ".") && (prev.kind == tokWord || prev.kind == tokQuoted) ||
				t.kind == tokOpen && (prev.kind == tokQuoted || prev.kind == tokWord && !spacedKeywords[strings.ToUpper(prev.text)])
			if !tight {
				b.WriteByte(' ')
			}
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// spacedKeywords are followed by a space before a parenthesis: they are not
// function names.
var spacedKeywords = map[string]bool{"AND": true, "OR": true, "NOT": true, "IN": true, "IS": true, "EXISTS": true,
	"AS": true, "CASE": true, "WHEN": true, "THEN": true, "ELSE": true, "LIKE": true, "GLOB": true, "BETWEEN": true,
	"SELECT": true, "FROM": true, "WHERE": true, "ON": true, "VALUES": true}
