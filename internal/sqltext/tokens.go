package sqltext

import (
	"fmt"
	"strings"
)

// TokenKind is what a token is, as a parser of statements needs to know.
type TokenKind int

// The kinds of tokens.
const (
	TokenWord   TokenKind = iota // keyword or bare identifier
	TokenQuoted                  // quoted identifier: "x", `x` or [x]
	TokenString                  // string literal: 'x'
	TokenOther                   // number, blob literal, parameter, operator
	TokenOpen                    // (
	TokenClose                   // )
	TokenComma                   // ,
)

// Token is one lexeme of a statement: blanks and comments are not tokens.
// Start and End are its byte offsets in the text, so that a parser can cut
// the text of a part out unchanged.
type Token struct {
	Kind       TokenKind
	Start, End int
	Text       string
}

// Ident returns the identifier the token names, unquoted. A string literal
// counts too: where a name belongs SQLite takes one as that name, and
// tables created as ('id' integer, 'name' text) keep that text in
// sqlite_master.
func (t Token) Ident() string {
	if t.Kind != TokenQuoted && t.Kind != TokenString {
		return t.Text
	}
	return unquote(t.Text)
}

// Is reports whether the token is the (unquoted) keyword kw, in any case.
func (t Token) Is(kw string) bool { return t.Kind == TokenWord && strings.EqualFold(t.Text, kw) }

// Tokens splits sql into tokens by the lexing rules of the rest of this
// package, with what a parser needs on top: a number (1.5e-3), a blob
// literal (x'0a') and an operator of two or three characters (<=, ||,
// ->>) are one token each, so that none is split when a part is re-spaced. Text that is not
// closed (a quote or a block comment) is an error.
func Tokens(sql string) ([]Token, error) {
	var toks []Token
	for i := 0; i < len(sql); {
		k, end := next(sql, i)
		c := sql[i]
		kind := TokenOther
		switch {
		case k == kindSpace:
			if c == '/' && (end-i < 4 || sql[end-2:end] != "*/") {
				return nil, fmt.Errorf("unterminated comment in %q", sql)
			}
			i = end
			continue
		case k == kindQuoted:
			if c == '[' && sql[end-1] != ']' || c != '[' && closeQuote(sql, i, c) < 0 {
				return nil, fmt.Errorf("unterminated quote in %q", sql)
			}
			kind = TokenQuoted
			if c == '\'' {
				kind = TokenString
			}
		case (c == 'x' || c == 'X') && end == i+1 && end < len(sql) && sql[end] == '\'':
			if end = closeQuote(sql, end, '\''); end < 0 {
				return nil, fmt.Errorf("unterminated blob literal in %q", sql)
			}
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(sql) && sql[i+1] >= '0' && sql[i+1] <= '9':
			end = numberEnd(sql, i)
		case k == kindWord:
			kind = TokenWord
		case c == '(':
			kind = TokenOpen
		case c == ')':
			kind = TokenClose
		case c == ',':
			kind = TokenComma
		case c == '-' && end < len(sql) && sql[end] == '>':
			// JSON's -> and ->>.
			if end++; end < len(sql) && sql[end] == '>' {
				end++
			}
		case k == kindPunct && end < len(sql) && strings.IndexByte("<>=!|", c) >= 0 && strings.IndexByte("<>=|", sql[end]) >= 0:
			end++
		}
		toks = append(toks, Token{kind, i, end, sql[i:end]})
		i = end
	}
	return toks, nil
}

// numberEnd returns the end of the numeric literal that starts at sql[i]:
// digits, a dot, an exponent with its sign, or a hexadecimal number.
func numberEnd(sql string, i int) int {
	for i++; i < len(sql); i++ {
		c := sql[i]
		sign := (c == '+' || c == '-') && (sql[i-1] == 'e' || sql[i-1] == 'E')
		if !isWordByte(c) && c != '.' && !sign {
			break
		}
	}
	return i
}
