// Package capicheck holds the test that guards the C boundary: the
// prototypes and structs internal/driver and internal/replica declare by
// hand must match libsql.h of the go-libsql module in the build.
package capicheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decls are the C declarations of one source, normalized: prototypes by
// function name ("ret(param types)"), typedefs by name (struct typedefs as
// their field list).
type decls struct {
	funcs    map[string]string
	typedefs map[string]string
}

var (
	blockComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	lineComment  = regexp.MustCompile(`//[^\n]*`)
	ctoken       = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*|\.\.\.|[*(),\[\]{};]|[0-9]+`)
	typeWords    = map[string]bool{"void": true, "char": true, "short": true, "int": true, "long": true, "float": true,
		"double": true, "signed": true, "unsigned": true, "const": true, "volatile": true, "struct": true}
)

// parseC reads C source: comments, preprocessor lines, C++-only blocks and
// function bodies are dropped; what is left is split into declarations.
func parseC(src string) decls {
	src = blockComment.ReplaceAllString(src, " ")
	src = lineComment.ReplaceAllString(src, "")
	var kept []string
	skip := 0 // depth inside #ifdef __cplusplus
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case skip > 0 && strings.HasPrefix(t, "#if"):
			skip++
		case skip > 0 && strings.HasPrefix(t, "#endif"):
			skip--
		case strings.HasPrefix(t, "#ifdef __cplusplus"):
			skip = 1
		case skip == 0 && !strings.HasPrefix(t, "#"):
			kept = append(kept, line)
		}
	}
	toks := ctoken.FindAllString(strings.Join(kept, "\n"), -1)
	d := decls{funcs: map[string]string{}, typedefs: map[string]string{}}
	var cur []string
	depth := 0
	for _, tk := range toks {
		cur = append(cur, tk)
		switch tk {
		case "{":
			depth++
		case "}":
			depth--
			// A function definition ends at its closing brace.
			if depth == 0 && isDefinition(cur) {
				cur = nil
			}
		case ";":
			if depth == 0 {
				d.add(cur[:len(cur)-1])
				cur = nil
			}
		}
	}
	return d
}

func isDefinition(toks []string) bool {
	for i, tk := range toks {
		if tk == "{" {
			return i > 0 && toks[i-1] == ")"
		}
	}
	return false
}

func (d decls) add(toks []string) {
	if len(toks) == 0 {
		return
	}
	if toks[0] == "typedef" {
		toks = toks[1:]
		name := toks[len(toks)-1]
		if open := indexOf(toks, "{"); open >= 0 {
			d.typedefs[name] = "struct{" + fields(toks[open+1:len(toks)-2]) + "}"
			return
		}
		d.typedefs[name] = strings.Join(dropStruct(toks[:len(toks)-1]), " ")
		return
	}
	open := indexOf(toks, "(")
	if open < 1 || toks[len(toks)-1] != ")" {
		return
	}
	var params []string
	for _, p := range split(toks[open+1 : len(toks)-1]) {
		params = append(params, strings.Join(dropName(dropStruct(p)), " "))
	}
	if len(params) == 1 && params[0] == "void" {
		params = nil
	}
	d.funcs[toks[open-1]] = strings.Join(dropStruct(toks[:open-1]), " ") + "(" + strings.Join(params, ", ") + ")"
}

// fields normalizes a struct body: each field as "type name".
func fields(toks []string) string {
	var out []string
	var cur []string
	for _, tk := range toks {
		if tk == ";" {
			out = append(out, strings.Join(dropStruct(cur), " "))
			cur = nil
			continue
		}
		cur = append(cur, tk)
	}
	return strings.Join(out, "; ")
}

// split splits a parameter list at top-level commas.
func split(toks []string) [][]string {
	var out [][]string
	var cur []string
	depth := 0
	for _, tk := range toks {
		switch tk {
		case "(":
			depth++
		case ")":
			depth--
		case ",":
			if depth == 0 {
				out = append(out, cur)
				cur = nil
				continue
			}
		}
		cur = append(cur, tk)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// dropName removes a parameter's name: the last identifier after a type.
func dropName(p []string) []string {
	if n := len(p); n >= 2 && !typeWords[p[n-1]] && isIdent(p[n-1]) && p[n-2] != "(" {
		return p[:n-1]
	}
	return p
}

// dropStruct removes "struct": `typedef struct X X` makes both spellings
// one type.
func dropStruct(toks []string) []string {
	var out []string
	for _, tk := range toks {
		if tk != "struct" {
			out = append(out, tk)
		}
	}
	return out
}

func isIdent(s string) bool { return regexp.MustCompile(`^[A-Za-z_]\w*$`).MatchString(s) }

func indexOf(toks []string, s string) int {
	for i, tk := range toks {
		if tk == s {
			return i
		}
	}
	return -1
}

// canonical expands typedef names in a normalized declaration until only
// base types and struct names remain.
func (d decls) canonical(s string) string {
	for range 8 {
		changed := false
		toks := strings.Fields(strings.NewReplacer("(", " ( ", ")", " ) ", ",", " , ").Replace(s))
		for i, tk := range toks {
			if def, ok := d.typedefs[tk]; ok && def != tk && !strings.HasPrefix(def, "struct{") {
				toks[i] = def
				changed = true
			}
		}
		s = strings.Join(toks, " ")
		if !changed {
			break
		}
	}
	return s
}

// drift lists every declaration of ours that differs from the header, and
// every libsql_ function or struct of ours the header does not declare.
// sqlite3 functions are SQLite's C API, which libsql.h does not declare.
func drift(ours, header decls) []string {
	var out []string
	for name, sig := range ours.funcs {
		want, ok := header.funcs[name]
		switch {
		case !ok && strings.HasPrefix(name, "libsql_"):
			out = append(out, fmt.Sprintf("%s: not declared in libsql.h", name))
		case ok && ours.canonical(sig) != header.canonical(want):
			out = append(out, fmt.Sprintf("%s: ours %s, libsql.h %s", name, ours.canonical(sig), header.canonical(want)))
		}
	}
	for name, def := range ours.typedefs {
		want, ok := header.typedefs[name]
		if ok && ours.canonical(def) != header.canonical(want) {
			out = append(out, fmt.Sprintf("typedef %s: ours %s, libsql.h %s", name, ours.canonical(def), header.canonical(want)))
		}
	}
	return out
}

// preamble returns the cgo preamble of a Go file: the comment on import "C".
func preamble(t *testing.T, path string) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
	require.NoError(t, err)
	for _, decl := range f.Decls {
		if g, ok := decl.(*ast.GenDecl); ok && g.Tok == token.IMPORT && g.Doc != nil {
			for _, spec := range g.Specs {
				if spec.(*ast.ImportSpec).Path.Value == `"C"` {
					return g.Doc.Text()
				}
			}
		}
	}
	t.Fatalf("%s has no cgo preamble", path)
	return ""
}

func header(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/tursodatabase/go-libsql").Output()
	require.NoError(t, err)
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "lib", "include", "libsql.h"))
	require.NoError(t, err)
	return string(src)
}

func TestDeclarationsMatchLibsqlHeader(t *testing.T) {
	h := parseC(header(t))
	require.Contains(t, h.funcs, "libsql_open_sync_with_config", "the header parses")
	require.Contains(t, h.typedefs, "libsql_config")
	for _, path := range []string{"../driver/capi.go", "../replica/capi.go"} {
		ours := parseC(preamble(t, path))
		require.NotEmpty(t, ours.funcs, path)
		assert.Empty(t, drift(ours, h), path)
	}
}

// The comparison ignores spelling (comments, spaces, parameter names,
// struct keyword) and catches a real change of any prototype or field.
func TestDriftDetection(t *testing.T) {
	h := header(t)
	ours := parseC(preamble(t, "../replica/capi.go"))
	require.Empty(t, drift(ours, parseC("/* c */\n"+strings.ReplaceAll(h, "  ", "\t   "))))
	for name, change := range map[string][2]string{
		"field type":     {"int sync_interval;", "long sync_interval;"},
		"field order":    {"char with_webpki;\n  char offline;", "char offline;\n  char with_webpki;"},
		"new field":      {"const char *remote_encryption_key;", "const char *remote_encryption_key;\n  int extra;"},
		"parameter":      {"int libsql_sync2(libsql_database_t db, replicated *out_replicated", "int libsql_sync2(libsql_database_t db, int *out_replicated"},
		"return type":    {"void libsql_close(libsql_database_t db);", "int libsql_close(libsql_database_t db);"},
		"removed func":   {"void libsql_free_string(const char *ptr);", ""},
		"replicated int": {"int frames_synced;", "long long frames_synced;"},
	} {
		require.Contains(t, h, change[0], name)
		tampered := strings.Replace(h, change[0], change[1], 1)
		assert.NotEmpty(t, drift(ours, parseC(tampered)), name)
	}

	// A change on our side is caught too, in the driver's declarations.
	driver := preamble(t, "../driver/capi.go")
	require.Empty(t, drift(parseC(driver), parseC(h)))
	for _, change := range [][2]string{
		{"void libsql_close(libsql_database_t);", "void libsql_close(int);"},
		{"typedef const struct libsql_database* libsql_database_t;", "typedef struct libsql_database* libsql_database_t;"},
	} {
		require.Contains(t, driver, change[0])
		assert.NotEmpty(t, drift(parseC(strings.Replace(driver, change[0], change[1], 1)), parseC(h)), change[1])
	}
}
