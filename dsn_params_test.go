package libsql

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dsnOf builds a DSN of a form that accepts p, with the given pairs.
func dsnOf(p *dsnParam, pairs string) string {
	if formPath.accepts(p) {
		return "app.db?" + pairs
	}
	return "libsql://db.example.com?replica=r.db&" + pairs
}

// Every spelling of every parameter is parsed, and any two spellings of
// one setting are refused, whatever their order.
func TestDSNAliasesConflict(t *testing.T) {
	for i := range dsnParams {
		p := &dsnParams[i]
		names := append([]string{p.name}, p.aliases...)
		for _, a := range names {
			for _, b := range names {
				dsn := dsnOf(p, a+"=1&"+b+"=2")
				if p.name == "replica" {
					dsn = "libsql://db.example.com?" + a + "=1&" + b + "=2"
				}
				t.Run(dsn, func(t *testing.T) {
					_, err := parseDSN(dsn)
					require.Error(t, err)
					if a == b {
						assert.Contains(t, err.Error(), a+" is given twice")
					} else {
						assert.Contains(t, err.Error(), fmt.Sprintf("%s and %s are two spellings of %s", a, b, p.name))
					}
				})
			}
		}
	}
}

// ParseDSN's documentation lists the parameters as dsnParams has them.
func TestDSNParamsDocumented(t *testing.T) {
	var want strings.Builder
	fmt.Fprintf(&want, "%-22s%-23s%-15s%-21s%s\n", "parameter", "also", "value", "sets", "modes")
	for _, p := range dsnParams {
		var modes []string
		for _, m := range p.modes {
			modes = append(modes, strings.TrimPrefix(m.String(), "embedded "))
		}
		line := fmt.Sprintf("%-22s%-23s%-15s%-21s%s", p.name, strings.Join(p.aliases, ", "), p.value, p.field, strings.Join(modes, ", "))
		want.WriteString(line + "\n")
	}

	f, err := parser.ParseFile(token.NewFileSet(), "dsn.go", nil, parser.ParseComments)
	require.NoError(t, err)
	var doc string
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "ParseDSN" {
			doc = fn.Doc.Text()
		}
	}
	start := strings.Index(doc, "\tparameter ")
	require.GreaterOrEqual(t, start, 0, "ParseDSN's doc has the table")
	end := start + strings.Index(doc[start:], "\n\n")
	got := strings.ReplaceAll(doc[start:end+1], "\t", "")
	assert.Equal(t, want.String(), got, "ParseDSN's table, as dsnParams has it")
}

// A typo's suggestion is the nearest spelling, the same every time.
func TestNearestDSNParam(t *testing.T) {
	for key, want := range map[string]string{
		"busy_timout":       "busy_timeout",
		"BUSY_TIMEOUT":      "busy_timeout",
		"journalmode":       "journal_mode",
		"_txlok":            "_txlock",
		"statement_cache":   "",
		"cache_size":        "",
		"x":                 "",
		"read_your_write":   "read_your_writes",
		"foreignkeys":       "foreign_keys",
		"encryption-key":    "encryption_key",
		"remoteEncryptKey":  "",
		"max_response_byte": "",
	} {
		t.Run(key, func(t *testing.T) {
			form := formPath
			if want == "read_your_writes" || want == "max_response_bytes" {
				form = formURL
			}
			for range 20 {
				assert.Equal(t, want, nearestDSNParam(key, form))
			}
		})
	}
	assert.Equal(t, 3, editDistance("kitten", "sitting"))
	assert.Equal(t, 0, editDistance("", ""))
	assert.Equal(t, 4, editDistance("", "abcd"))
}
