// Package readme checks that every Go snippet of the README and of docs/
// compiles as pasted, so the documentation cannot drift from the API.
package readme

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// contextMarker, on the line before a ```go block, gives the package-level
// declarations (variables, types) that a fragment of statements assumes.
const contextMarker = "<!-- snippet-context:"

// importPaths maps the package names snippets use to their import paths; a
// snippet naming any other package fails to compile until it is added here.
var importPaths = map[string]string{
	"libsql":  "github.com/gorm-libsql/libsql",
	"tenants": "github.com/gorm-libsql/libsql/tenants",
	"gorm":    "gorm.io/gorm",
	"clause":  "gorm.io/gorm/clause",
	"context": "context",
	"errors":  "errors",
	"fmt":     "fmt",
	"time":    "time",
	"sql":     "database/sql",
}

// snippet is one ```go block of a Markdown file.
type snippet struct {
	file    string // the file, relative to the repository root (slashes)
	line    int    // line of the block's first code line in file
	context string // declarations from its snippet-context comment
	code    string
}

// markdownFiles are the files whose snippets are checked, relative to the
// repository root: the README and every page of docs/, where the README's
// internals moved.
func markdownFiles(t *testing.T, root string) []string {
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	files := []string{"README.md"}
	for _, doc := range docs {
		rel, err := filepath.Rel(root, doc)
		require.NoError(t, err)
		files = append(files, filepath.ToSlash(rel))
	}
	return files
}

func TestDocSnippetsCompile(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	var snippets []snippet
	for _, file := range markdownFiles(t, root) {
		found := readSnippets(t, root, file)
		if file == "README.md" {
			require.NotEmpty(t, found, "no ```go block in README.md")
		}
		snippets = append(snippets, found...)
	}
	out, err := vetSnippets(t, root, snippets)
	if err == nil {
		return
	}
	failed := failedSnippets(out, snippets)
	for _, at := range failed {
		t.Errorf("%s: snippet does not compile", at)
	}
	if len(failed) == 0 {
		t.Errorf("go vet of the snippets: %v", err)
	}
	t.Logf("go vet:\n%s", out)
}

// TestMarkdownFilesCoverDocs keeps docs/ in the check: its pages hold what
// moved out of the README, snippets included.
func TestMarkdownFilesCoverDocs(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	files := markdownFiles(t, root)
	assert.Contains(t, files, "docs/architecture.md")
	assert.Contains(t, files, "docs/benchmarks.md")
}

// TestDocSnippetsCompileNamesBrokenSnippet keeps the check above able to
// fail: a fragment using an undefined name is reported by its file and
// line, and only it, though another file has a snippet on the same line.
func TestDocSnippetsCompileNamesBrokenSnippet(t *testing.T) {
	snippets := []snippet{
		{file: "README.md", line: 3, context: "var db *gorm.DB", code: "err := db.Exec(\"vacuum\").Error\n"},
		{file: "README.md", line: 9, code: "n := 1\n"},
		{file: "docs/guide.md", line: 9, code: "n := undefinedName + 1\n"},
		{file: "docs/guide.md", line: 20, code: "func ping() error { return fmt.Errorf(\"ping\") }\n"},
	}
	out, err := vetSnippets(t, t.TempDir(), snippets)
	require.Error(t, err)
	require.Equal(t, []string{"docs/guide.md:9"}, failedSnippets(out, snippets), "go vet:\n%s", out)
	require.Contains(t, string(out), filepath.FromSlash("docs/guide.md")+":9: undefined: undefinedName")
}

// vetSnippets runs go vet on snippets, each a package of a temporary module,
// and returns its output. root is the absolute path their files are
// relative to.
func vetSnippets(t *testing.T, root string, snippets []snippet) ([]byte, error) {
	module := t.TempDir()
	writeModule(t, module)
	for _, s := range snippets {
		dir := filepath.Join(module, s.dir())
		require.NoError(t, os.Mkdir(dir, 0o755))
		src, err := s.source(filepath.Join(root, filepath.FromSlash(s.file)))
		require.NoError(t, err, "%s: snippet does not parse", s.at())
		require.NoError(t, os.WriteFile(filepath.Join(dir, "snippet.go"), src, 0o644))
	}
	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = module
	// The snippets' module resolves exactly what this one does, offline.
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOWORK=off")
	return cmd.CombinedOutput()
}

// failedSnippets returns where the snippets are (file:line) whose package
// the go vet output out reports.
func failedSnippets(out []byte, snippets []snippet) []string {
	var failed []string
	for _, s := range snippets {
		if bytes.Contains(out, []byte("# snippets/"+s.dir()+"\n")) {
			failed = append(failed, s.at())
		}
	}
	return failed
}

// at is file:line of the snippet.
func (s snippet) at() string { return fmt.Sprintf("%s:%d", s.file, s.line) }

// notIdent matches what a package directory name cannot hold.
var notIdent = regexp.MustCompile(`[^a-z0-9]+`)

// dir is the snippet's package directory in the temporary module, unique
// across files.
func (s snippet) dir() string {
	return fmt.Sprintf("%s_l%d", notIdent.ReplaceAllString(strings.ToLower(strings.TrimSuffix(s.file, ".md")), "_"), s.line)
}

// readSnippets returns the ```go blocks of file (relative to root), in
// order.
func readSnippets(t *testing.T, root, file string) []snippet {
	f, err := os.Open(filepath.Join(root, filepath.FromSlash(file)))
	require.NoError(t, err)
	defer f.Close()
	var (
		snippets []snippet
		current  *snippet
		code     strings.Builder
		previous string
	)
	scanner := bufio.NewScanner(f)
	for line := 1; scanner.Scan(); line++ {
		text := scanner.Text()
		switch {
		case current == nil && strings.TrimSpace(text) == "```go":
			current = &snippet{file: file, line: line + 1}
			if rest, ok := strings.CutPrefix(strings.TrimSpace(previous), contextMarker); ok {
				decls, closed := strings.CutSuffix(rest, "-->")
				require.True(t, closed, "%s:%d: %s comment not closed on its line", file, line-1, contextMarker)
				current.context = strings.TrimSpace(decls)
			}
			code.Reset()
		case current != nil && strings.TrimSpace(text) == "```":
			current.code = code.String()
			snippets = append(snippets, *current)
			current = nil
		case current != nil:
			code.WriteString(text + "\n")
		}
		previous = text
	}
	require.NoError(t, scanner.Err())
	if current != nil {
		t.Fatalf("%s: ```go block not closed", current.at())
	}
	return snippets
}

// source returns the snippet as a Go source file: as is when it has a
// package clause; otherwise in package snippet, its statements (if it is a
// fragment) wrapped in a function, after its context declarations and the
// imports it names. A //line comment makes errors name path (the snippet's
// file, absolute) and the snippet's line in it.
func (s snippet) source(path string) ([]byte, error) {
	if _, err := parser.ParseFile(token.NewFileSet(), "", s.code, parser.PackageClauseOnly); err == nil {
		return fmt.Appendf(nil, "//line %s:%d\n%s", path, s.line, s.code), nil
	}
	var body string
	if _, err := parser.ParseFile(token.NewFileSet(), "", "package snippet\n"+s.code, parser.SkipObjectResolution); err == nil {
		body = fmt.Sprintf("//line %s:%d\n%s", path, s.line, s.code)
	} else {
		uses, err := definedNames(s.code)
		if err != nil {
			return nil, err
		}
		body = fmt.Sprintf("func snippet() {\n//line %s:%d\n%s\n%s}\n", path, s.line, s.code, uses)
	}
	src := "package snippet\n\n" + s.context + "\n\n" + body
	imports, err := importsOf(src)
	if err != nil {
		return nil, err
	}
	// Not gofmt'd: a //line comment only counts at the start of a line.
	return []byte("package snippet\n\n" + imports + strings.TrimPrefix(src, "package snippet\n")), nil
}

// definedNames returns `_ = name` for every variable a fragment defines with
// := at its top level, so that a result the README only describes (in a
// comment) is not an unused variable.
func definedNames(fragment string) (string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package snippet\nfunc snippet() {\n"+fragment+"\n}\n", parser.SkipObjectResolution)
	if err != nil {
		return "", err
	}
	var uses strings.Builder
	for _, stmt := range f.Decls[0].(*ast.FuncDecl).Body.List {
		if assign, ok := stmt.(*ast.AssignStmt); ok && assign.Tok == token.DEFINE {
			for _, lhs := range assign.Lhs {
				if id, ok := lhs.(*ast.Ident); ok && id.Name != "_" {
					fmt.Fprintf(&uses, "_ = %s\n", id.Name)
				}
			}
		}
	}
	return uses.String(), nil
}

// importsOf returns the import declaration of the packages src names.
func importsOf(src string) (string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
	if err != nil {
		return "", err
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && importPaths[id.Name] != "" {
				used[id.Name] = true
			}
		}
		return true
	})
	var imports strings.Builder
	for name := range used {
		fmt.Fprintf(&imports, "import %s\n", strconv.Quote(importPaths[name]))
	}
	return imports.String(), nil
}

// writeModule writes in dir the go.mod and go.sum of a module for the
// snippets: this test module's, with the library replaced by this checkout.
func writeModule(t *testing.T, dir string) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	gomod, err := os.ReadFile(filepath.Join("..", "go.mod"))
	require.NoError(t, err)
	gosum, err := os.ReadFile(filepath.Join("..", "go.sum"))
	require.NoError(t, err)
	modRe := regexp.MustCompile(`(?m)^module .*$`)
	require.True(t, modRe.Match(gomod))
	gomod = modRe.ReplaceAll(gomod, []byte("module snippets"))
	replaceRe := regexp.MustCompile(`(?m)^replace github.com/gorm-libsql/libsql => .*$`)
	require.True(t, replaceRe.Match(gomod), "tests/go.mod has no replace of the library")
	gomod = replaceRe.ReplaceAll(gomod, []byte("replace github.com/gorm-libsql/libsql => "+strconv.Quote(root)))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), gomod, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), gosum, 0o644))
}
