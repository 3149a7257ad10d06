// Package sqltext is the dialect's one SQL lexer. The remote and
// embedded-replica drivers, which cannot ask the engine, read with it where
// a statement ends, where its parameters are and which PRAGMA it is; the
// migrator's DDL model (internal/ddl) parses CREATE statements from its
// Tokens. It knows SQLite's quoting and comments, so that nothing inside a
// literal is taken for code.
package sqltext

import (
	"database/sql/driver"
	"strconv"
	"strings"
)

// kind is what a lexeme is.
type kind int

const (
	kindSpace  kind = iota // white space or a comment
	kindQuoted             // 'string', "ident", `ident` or [ident]
	kindWord               // keyword, identifier or number
	kindParam              // ?, ?NNN, :name, @name, $name
	kindPunct              // any other single byte
)

// next reads the lexeme that starts at sql[i] and returns its kind and end.
func next(sql string, i int) (kind, int) {
	c := sql[i]
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
		return kindSpace, i + 1
	case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
		if end := strings.IndexByte(sql[i:], '\n'); end >= 0 {
			return kindSpace, i + end + 1
		}
		return kindSpace, len(sql)
	case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
		if end := strings.Index(sql[i+2:], "*/"); end >= 0 {
			return kindSpace, i + 2 + end + 2
		}
		return kindSpace, len(sql)
	case c == '\'' || c == '"' || c == '`':
		if end := closeQuote(sql, i, c); end >= 0 {
			return kindQuoted, end
		}
		return kindQuoted, len(sql)
	case c == '[':
		if end := strings.IndexByte(sql[i:], ']'); end >= 0 {
			return kindQuoted, i + end + 1
		}
		return kindQuoted, len(sql)
	case c == '?':
		return kindParam, wordEnd(sql, i+1)
	case (c == ':' || c == '@' || c == '$') && i+1 < len(sql) && isWordByte(sql[i+1]):
		return kindParam, wordEnd(sql, i+1)
	case isWordByte(c):
		return kindWord, wordEnd(sql, i+1)
	}
	return kindPunct, i + 1
}

// closeQuote returns the end of the quoted text opened at sql[open], or -1
// when it is not closed; a doubled quote inside is an escaped one.
func closeQuote(sql string, open int, quote byte) int {
	for i := open + 1; i < len(sql); i++ {
		if sql[i] == quote {
			if i+1 < len(sql) && sql[i+1] == quote {
				i++
				continue
			}
			return i + 1
		}
	}
	return -1
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func wordEnd(sql string, i int) int {
	for i < len(sql) && isWordByte(sql[i]) {
		i++
	}
	return i
}

// MultiStatement reports whether sql holds more than one statement: a
// semicolon outside quotes and comments with more than blanks, comments
// and semicolons after it.
func MultiStatement(sql string) bool {
	ended := false
	for i := 0; i < len(sql); {
		k, end := next(sql, i)
		switch {
		case k == kindSpace:
		case sql[i] == ';' && k == kindPunct:
			ended = true
		case ended:
			return true
		}
		i = end
	}
	return false
}

// Blank reports whether sql holds no statement: only white space, comments
// and semicolons.
func Blank(sql string) bool {
	for i := 0; i < len(sql); {
		k, end := next(sql, i)
		if k != kindSpace && (k != kindPunct || sql[i] != ';') {
			return false
		}
		i = end
	}
	return true
}

// ReadOnly reports whether every statement in sql only reads: it starts
// with SELECT, VALUES or EXPLAIN, or with WITH and holds no INSERT, UPDATE,
// DELETE or REPLACE INTO. It errs on the side of false, for a server that
// cannot be asked to refuse writes.
func ReadOnly(sql string) bool {
	first, prev := true, ""
	seen := false
	for i := 0; i < len(sql); {
		k, end := next(sql, i)
		text := sql[i:end]
		switch {
		case k == kindSpace:
		case k == kindPunct && text == ";":
			first = true
		case k == kindWord:
			word := strings.ToUpper(text)
			if first {
				switch word {
				case "SELECT", "VALUES", "EXPLAIN", "WITH":
				default:
					return false
				}
				first, seen = false, true
			}
			switch {
			case word == "INSERT" || word == "UPDATE" || word == "DELETE":
				return false
			case word == "INTO" && prev == "REPLACE":
				return false
			}
			prev = word
		default:
			if first {
				return false
			}
			prev = ""
		}
		i = end
	}
	return seen
}

// Inserts reports whether sql is an INSERT or REPLACE statement, alone or
// after a WITH clause: the only statements whose own rows move SQLite's
// last insert rowid (a trigger's inserts do not outlive the trigger).
func Inserts(sql string) bool {
	depth, with := 0, false
	for i := 0; i < len(sql); {
		k, end := next(sql, i)
		switch {
		case k == kindSpace:
		case k == kindPunct && sql[i] == '(':
			depth++
		case k == kindPunct && sql[i] == ')':
			depth--
		case k == kindWord && depth == 0:
			switch word := strings.ToUpper(sql[i:end]); {
			case word == "INSERT" || word == "REPLACE":
				return true
			case word == "WITH" && !with:
				with = true
			case !with || word == "SELECT" || word == "VALUES" || word == "UPDATE" || word == "DELETE":
				return false
			}
		default:
			// After WITH, a CTE's name may be quoted; anything else
			// first is no INSERT.
			if !with || (k == kindPunct && sql[i] == ';') {
				return false
			}
		}
		i = end
	}
	return false
}

// TransactionControl names what sql does to the transaction when it is a
// transaction control statement: "BEGIN", "COMMIT" (also for END),
// "ROLLBACK", "ROLLBACK TO" (which keeps the transaction open),
// "SAVEPOINT" or "RELEASE"; else "". Drivers that cannot ask the engine
// use it to follow transactions opened by statements rather than BeginTx.
func TransactionControl(sql string) string {
	var words []string
	for i := 0; i < len(sql) && len(words) < 3; {
		k, end := next(sql, i)
		if k == kindWord {
			words = append(words, strings.ToUpper(sql[i:end]))
		} else if k != kindSpace {
			break
		}
		i = end
	}
	if len(words) == 0 {
		return ""
	}
	switch words[0] {
	case "BEGIN", "COMMIT", "SAVEPOINT", "RELEASE":
		return words[0]
	case "END":
		return "COMMIT"
	case "ROLLBACK":
		rest := words[1:]
		if len(rest) > 0 && rest[0] == "TRANSACTION" {
			rest = rest[1:]
		}
		if len(rest) > 0 && rest[0] == "TO" {
			return "ROLLBACK TO"
		}
		return "ROLLBACK"
	}
	return ""
}

// TakesWriteLock reports whether sql is BEGIN IMMEDIATE or BEGIN EXCLUSIVE:
// a transaction control statement, which SQLite calls read-only, that takes
// the write lock.
func TakesWriteLock(sql string) bool {
	words := 0
	for i := 0; i < len(sql); {
		k, end := next(sql, i)
		if k != kindSpace {
			if k != kindWord {
				return false
			}
			word := sql[i:end]
			if words == 0 && !strings.EqualFold(word, "BEGIN") {
				return false
			}
			if words == 1 {
				return strings.EqualFold(word, "IMMEDIATE") || strings.EqualFold(word, "EXCLUSIVE")
			}
			words++
		}
		i = end
	}
	return false
}

// Param is one occurrence of a parameter in SQL text.
type Param struct {
	// Start and End delimit its text.
	Start, End int
	// Index is the position SQLite binds it at, from 1.
	Index int
	// Name is its text for the named forms (":id"), empty for "?".
	Name string
}

// Params lists the parameters of sql in order, numbered as SQLite numbers
// them: "?" takes the next free index, "?NNN" index NNN, and a name the
// index of its first occurrence or the next free one.
func Params(sql string) []Param {
	var out []Param
	max := 0
	byName := map[string]int{}
	for i := 0; i < len(sql); {
		k, end := next(sql, i)
		if k == kindParam {
			p := Param{Start: i, End: end}
			text := sql[i:end]
			switch {
			case text == "?":
				max++
				p.Index = max
			case text[0] == '?':
				p.Name = text
				p.Index = atoi(text[1:])
				if p.Index > max {
					max = p.Index
				}
			default:
				p.Name = text
				if n, ok := byName[text]; ok {
					p.Index = n
				} else {
					max++
					p.Index = max
					byName[text] = max
				}
			}
			out = append(out, p)
		}
		i = end
	}
	return out
}

// Positional plans a statement for a connection that binds arguments only
// by position, with the rules of local connections: an unnamed argument
// binds at its ordinal, a named one at ":name", else "@name", else "$name",
// and nowhere (index 0) when the statement has no such parameter. It
// returns the query with every named parameter written as ?NNN, and those
// of arguments for which cast names a type wrapped in CAST(... AS type);
// where each argument binds; and how many parameters the statement takes.
func Positional(query string, args []driver.NamedValue, cast func(driver.Value) string) (string, []int, int) {
	params := Params(query)
	count := 0
	for _, p := range params {
		count = max(count, p.Index)
	}
	at := make([]int, len(args))
	var casts map[int]string
	for i, a := range args {
		at[i] = a.Ordinal
		if a.Name != "" {
			at[i] = paramIndex(params, a.Name)
		}
		if at[i] == 0 || cast == nil {
			continue
		}
		if typ := cast(a.Value); typ != "" {
			if casts == nil {
				casts = map[int]string{}
			}
			casts[at[i]] = typ
		}
	}
	var b strings.Builder
	last := 0
	for _, p := range params {
		named := p.Name != "" && p.Name[0] != '?'
		typ := casts[p.Index]
		if !named && typ == "" {
			continue
		}
		b.WriteString(query[last:p.Start])
		text := query[p.Start:p.End]
		if named {
			text = "?" + strconv.Itoa(p.Index)
		}
		if typ != "" {
			text = "CAST(" + text + " AS " + typ + ")"
		}
		b.WriteString(text)
		last = p.End
	}
	if last == 0 {
		return query, at, count
	}
	b.WriteString(query[last:])
	return b.String(), at, count
}

func paramIndex(params []Param, name string) int {
	for _, prefix := range [...]byte{':', '@', '$'} {
		for _, p := range params {
			if len(p.Name) == len(name)+1 && p.Name[0] == prefix && p.Name[1:] == name {
				return p.Index
			}
		}
	}
	return 0
}

// atoi reads a parameter number; anything but digits gives 0, which no
// argument binds to.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' || n > 1<<20 {
			return 0
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// PragmaName returns the lower-cased name of the pragma sql runs, without
// its schema, and whether sql is a PRAGMA statement at all.
func PragmaName(sql string) (string, bool) {
	var words []string
	for i := 0; i < len(sql) && len(words) < 4; {
		k, end := next(sql, i)
		switch k {
		case kindSpace:
		case kindWord, kindQuoted:
			words = append(words, unquote(sql[i:end]))
		case kindPunct:
			if sql[i] != '.' {
				i = len(sql)
				continue
			}
			words = append(words, ".")
		default:
			i = len(sql)
			continue
		}
		i = end
	}
	if len(words) < 2 || !strings.EqualFold(words[0], "PRAGMA") {
		return "", false
	}
	if len(words) >= 4 && words[2] == "." {
		return strings.ToLower(words[3]), true
	}
	return strings.ToLower(words[1]), true
}

func unquote(s string) string {
	if len(s) >= 2 {
		switch s[0] {
		case '"', '`', '\'':
			return strings.ReplaceAll(s[1:len(s)-1], s[:1]+s[:1], s[:1])
		case '[':
			return s[1 : len(s)-1]
		}
	}
	return s
}

// NameParts splits a name as GORM passes it to a dialect's QuoteTo into the
// identifiers it names: "a.b" is a then b (a schema or table, then what is
// in it). A part that is a whole quoted identifier (`x`, "x" or [x], up to a
// dot or the end) gives its unquoted value, so "`a.b`" is the one
// identifier a.b; any other part is taken byte for byte, quotes included.
func NameParts(name string) []string {
	var parts []string
	for i := 0; ; {
		if ident, end, ok := quotedIdent(name, i); ok && (end == len(name) || name[end] == '.') {
			parts = append(parts, ident)
			if end == len(name) {
				return parts
			}
			i = end + 1
			continue
		}
		dot := strings.IndexByte(name[i:], '.')
		if dot < 0 {
			return append(parts, name[i:])
		}
		parts = append(parts, name[i:i+dot])
		i += dot + 1
	}
}

// QuotedName reads text written as identifiers in the quote character
// joined by dots, as a dialect's QuoteTo writes them, and returns them
// unquoted; ok is false when text holds anything else (a bare word, an
// operator, a comment, an unterminated quote).
func QuotedName(text string, quote byte) (parts []string, ok bool) {
	for i := 0; ; {
		if i >= len(text) || text[i] != quote {
			return nil, false
		}
		ident, end, ok := quotedIdent(text, i)
		if !ok {
			return nil, false
		}
		parts = append(parts, ident)
		if end == len(text) {
			return parts, true
		}
		if text[end] != '.' {
			return nil, false
		}
		i = end + 1
	}
}

// quotedIdent reads the identifier quoted with `, " or [ that starts at
// s[i], if it is one and is closed, and returns its value and end.
func quotedIdent(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '`' && s[i] != '"' && s[i] != '[' {
		return "", 0, false
	}
	k, end := next(s, i)
	text := s[i:end]
	ident := unquote(text)
	if k != kindQuoted || len(text) < 2 || Quote(ident, s[i]) != text {
		return "", 0, false
	}
	return ident, end, true
}

// Quote writes ident as one identifier in the quote character (` or ", or
// [ for [ident], which cannot hold a ]), doubling the quote inside.
func Quote(ident string, quote byte) string {
	if quote == '[' {
		return "[" + ident + "]"
	}
	q := string(quote)
	return q + strings.ReplaceAll(ident, q, q+q) + q
}
