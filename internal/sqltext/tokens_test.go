package sqltext

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokens(t *testing.T) {
	sql := "CREATE TABLE \"a\"\"b\" (x [my col] DEFAULT 'it''s', -- note\n y /* c */ CHECK (y <= 1.5e-3 || x'0A' != .5), t.c)"
	toks, err := Tokens(sql)
	require.NoError(t, err)
	var texts []string
	var kinds []TokenKind
	for _, tok := range toks {
		assert.Equal(t, sql[tok.Start:tok.End], tok.Text)
		texts = append(texts, tok.Text)
		kinds = append(kinds, tok.Kind)
	}
	assert.Equal(t, []string{"CREATE", "TABLE", `"a""b"`, "(", "x", "[my col]", "DEFAULT", "'it''s'", ",",
		"y", "CHECK", "(", "y", "<=", "1.5e-3", "||", "x'0A'", "!=", ".5", ")", ",", "t", ".", "c", ")"}, texts)
	assert.Equal(t, []TokenKind{TokenWord, TokenWord, TokenQuoted, TokenOpen, TokenWord, TokenQuoted, TokenWord, TokenString, TokenComma,
		TokenWord, TokenWord, TokenOpen, TokenWord, TokenOther, TokenOther, TokenOther, TokenOther, TokenOther, TokenOther, TokenClose, TokenComma,
		TokenWord, TokenOther, TokenWord, TokenClose}, kinds)
	assert.Equal(t, `a"b`, toks[2].Ident())
	assert.Equal(t, "my col", toks[5].Ident())
	assert.Equal(t, "it's", toks[7].Ident(), "a string literal where a name belongs is that name")
	assert.True(t, toks[6].Is("default"))
	assert.False(t, toks[7].Is("it's"), "a string literal is no keyword")
}

// JSON's -> and ->> are one token each, so that an expression re-spaced
// from its tokens (an index item) is still the same expression.
func TestTokensJSONOperators(t *testing.T) {
	toks, err := Tokens("d->'a' = d ->> '$.b' - -1")
	require.NoError(t, err)
	var texts []string
	for _, tok := range toks {
		texts = append(texts, tok.Text)
	}
	assert.Equal(t, []string{"d", "->", "'a'", "=", "d", "->>", "'$.b'", "-", "-", "1"}, texts)
}

func TestTokensRefuseUnclosedText(t *testing.T) {
	for _, sql := range []string{"a 'b", "a 'b''", `a "b`, "a [b", "a /* b", "a /*/", "x'0a"} {
		_, err := Tokens(sql)
		assert.Error(t, err, sql)
	}
	_, err := Tokens("a -- comment to the end")
	assert.NoError(t, err)
}
