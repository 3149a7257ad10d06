package ddl

import (
	"fmt"
	"strings"

	"github.com/gorm-libsql/libsql/internal/sqltext"
)

// The edits the migrator makes to a parsed statement before rendering it
// again, and the questions it asks of one.

// ClauseTexts returns the texts of the column's constraints of the kind.
func (c *Column) ClauseTexts(kind string) []string {
	var out []string
	for _, cl := range c.Clauses {
		if cl.Kind == kind {
			out = append(out, cl.Text)
		}
	}
	return out
}

// WithoutClause removes the column's constraints of the kind.
func (c *Column) WithoutClause(kind string) {
	kept := c.Clauses[:0]
	for _, cl := range c.Clauses {
		if cl.Kind != kind {
			kept = append(kept, cl)
		}
	}
	c.Clauses = kept
}

// SameClauses reports whether the two columns have the same constraints of
// the kind, in the same order, ignoring case.
func SameClauses(a, b *Column, kind string) bool {
	x, y := a.ClauseTexts(kind), b.ClauseTexts(kind)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !strings.EqualFold(x[i], y[i]) {
			return false
		}
	}
	return true
}

// MergeColumn is the column as a model wants it: type, NOT NULL and
// DEFAULT from want; old's other constraints (CHECK, REFERENCES, COLLATE,
// keys) kept unless want states that kind itself. The name is old's.
func MergeColumn(old, want *Column) *Column {
	stated := map[string]bool{}
	for _, c := range want.Clauses {
		stated[c.Kind] = true
	}
	out := &Column{Name: old.Name, Type: want.Type}
	out.Clauses = append(out.Clauses, want.Clauses...)
	for _, c := range old.Clauses {
		switch {
		case c.Kind == "NOT NULL" || c.Kind == "NULL" || c.Kind == "DEFAULT":
		case stated[c.Kind]:
		default:
			out.Clauses = append(out.Clauses, c)
		}
	}
	return out
}

// ReplaceColumn puts want in the place of the column old.
func (t *Table) ReplaceColumn(old, want *Column) {
	for i, c := range t.Columns {
		if c == old {
			t.Columns[i] = want
		}
	}
}

// RemoveConstraint removes the table constraint c.
func (t *Table) RemoveConstraint(c *Constraint) {
	kept := t.Constraints[:0]
	for _, tc := range t.Constraints {
		if tc != c {
			kept = append(kept, tc)
		}
	}
	t.Constraints = kept
}

// DropColumn removes a column and the table constraints that use it. A
// primary key column is refused: dropping it would change what the rows
// are.
func (t *Table) DropColumn(name string) error {
	col := t.Column(name)
	if col == nil {
		return fmt.Errorf("no column %s", name)
	}
	if _, pk := col.Clause("PRIMARY"); pk {
		return fmt.Errorf("it is the primary key")
	}
	cols := t.Columns[:0]
	for _, c := range t.Columns {
		if c != col {
			cols = append(cols, c)
		}
	}
	t.Columns = cols
	kept := t.Constraints[:0]
	for _, c := range t.Constraints {
		if !Mentions(c.Text, name) {
			kept = append(kept, c)
			continue
		}
		if c.Kind == "PRIMARY" {
			return fmt.Errorf("it is part of the primary key")
		}
	}
	t.Constraints = kept
	return nil
}

// Mentions reports whether the SQL text uses the identifier, quoted or
// not, in any case. Text that does not lex counts as a use, so that a
// caller deciding what to keep keeps it.
func Mentions(text, ident string) bool {
	toks, err := sqltext.Tokens(text)
	if err != nil {
		return true
	}
	for _, t := range toks {
		if (t.Kind == sqltext.TokenWord || t.Kind == sqltext.TokenQuoted) && strings.EqualFold(t.Ident(), ident) {
			return true
		}
	}
	return false
}

// Renamed returns the statement with the index's name replaced, the rest
// of its text unchanged.
func (i *Index) Renamed(name string) string {
	return i.sql[:i.name.Start] + Quote(name) + i.sql[i.name.End:]
}

// Uses reports whether an item or the condition of the index uses the
// column.
func (i *Index) Uses(column string) bool {
	return Mentions(strings.Join(i.Items, ",")+" "+i.Where, column)
}
