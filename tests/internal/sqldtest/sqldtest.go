// Package sqldtest runs a real sqld for tests: one server per test package,
// on a free 127.0.0.1 port, with JWT authentication by a freshly generated
// Ed25519 key. scripts/install-sqld.sh installs the binary.
package sqldtest

import (
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/internal/hrana"
	"github.com/gorm-libsql/libsql/internal/sqldjwt"
)

// Server is a running sqld.
type Server struct {
	// URL is the server's HTTP address, http://127.0.0.1:PORT.
	URL string
	// Addr is its host:port.
	Addr string
	// AdminURL and AdminAddr are the admin API's address when the server
	// runs with Options.Namespaces, else empty.
	AdminURL, AdminAddr string

	bin  string
	dir  string
	opts Options
	priv ed25519.PrivateKey
	cmd  *exec.Cmd
	exit chan error
	log  *os.File
}

// Binary finds sqld: $SQLD_BIN, else .sqld/sqld at the repository root
// (the nearest folder above the working directory that holds .sqld, so the
// tests module in tests/ finds the one scripts/install-sqld.sh installed).
func Binary() (string, error) {
	if p := os.Getenv("SQLD_BIN"); p != "" {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, ".sqld", "sqld")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("sqld is not installed: run scripts/install-sqld.sh or set SQLD_BIN")
		}
		dir = parent
	}
}

// Main runs a test package with a fresh server in *srv and stops it after.
// Without sqld the package's tests run with *srv nil and Require skips
// them, except under CI (CI set), where a missing server fails the run.
func Main(m *testing.M, srv **Server) int { return MainWith(m, srv, Options{}) }

// MainWith is Main with a server started with opts.
func MainWith(m *testing.M, srv **Server, opts Options) int {
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "sqldtest: FAIL:", err)
			return 1
		}
		fmt.Fprintln(os.Stderr, "sqldtest: remote tests will skip:", err)
		return m.Run()
	}
	s, err := StartWith(bin, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sqldtest: FAIL:", err)
		return 1
	}
	*srv = s
	code := m.Run()
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "sqldtest:", err)
	}
	return code
}

// Require skips the test when no server runs (only possible outside CI).
func Require(t testing.TB, srv *Server) *Server {
	t.Helper()
	if srv == nil {
		if os.Getenv("CI") != "" {
			t.Fatal("sqld is not running; run scripts/install-sqld.sh")
		}
		t.Skip("sqld is not installed; run scripts/install-sqld.sh")
	}
	return srv
}

// Start starts sqld with a new data folder and a new signing key.
func Start(bin string) (*Server, error) { return StartWith(bin, Options{}) }

// StartWith is Start with opts.
func StartWith(bin string, opts Options) (*Server, error) {
	dir, err := os.MkdirTemp("", "sqldtest-")
	if err != nil {
		return nil, err
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	pubPEM, err := sqldjwt.PublicKeyPEM(pub)
	if err != nil {
		return nil, err
	}
	if opts.JWTKeyFile != "" {
		if pubPEM, err = os.ReadFile(opts.JWTKeyFile); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "jwt.pem"), pubPEM, 0o600); err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: dir, priv: priv, opts: opts}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s.Addr = "127.0.0.1:" + strconv.Itoa(port)
		s.URL = "http://" + s.Addr
		if err := s.pickAdminPort(); err != nil {
			return nil, err
		}
		if lastErr = s.start(); lastErr == nil {
			return s, nil
		}
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs sqld on s.Addr and waits until it answers.
func (s *Server) start() error {
	log, err := os.OpenFile(filepath.Join(s.dir, "sqld.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, append([]string{
		"--db-path", filepath.Join(s.dir, "data.sqld"),
		"--http-listen-addr", s.Addr,
		"--auth-jwt-key-file", filepath.Join(s.dir, "jwt.pem"),
		"--no-welcome",
	}, s.extraArgs()...)...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start sqld: %w", err)
	}
	exit := make(chan error, 1)
	go func() { exit <- cmd.Wait() }()
	s.cmd, s.exit, s.log = cmd, exit, log
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exit:
			log.Close()
			s.cmd = nil
			return fmt.Errorf("sqld exited at start (%v); log in %s", err, log.Name())
		default:
		}
		resp, err := http.Get(s.URL + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && s.adminReady() {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.kill()
	return fmt.Errorf("sqld did not answer on %s within 20s", s.Addr)
}

func (s *Server) kill() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exit:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exit
	}
	s.log.Close()
	s.cmd = nil
}

// Kill ends the server at once (SIGKILL), as a crash does, keeping its
// data; Resume starts it again on the same address.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.exit
	s.log.Close()
	s.cmd = nil
}

// Own starts a server for one test alone, closed when the test ends, so
// that the test may stop, kill or empty it while other tests run. It skips
// the test when sqld is not installed (outside CI).
func Own(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		Require(t, nil)
	}
	s, err := Start(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Stop stops the server but keeps its data, for tests of a server that is
// down; Resume starts it again on the same address.
func (s *Server) Stop() { s.kill() }

// Resume restarts a stopped server with its data.
func (s *Server) Resume() error {
	if s.cmd != nil {
		return nil
	}
	return s.start()
}

// Close stops the server and deletes its data.
func (s *Server) Close() error {
	s.kill()
	return os.RemoveAll(s.dir)
}

// Token returns a read-write token valid for an hour.
func (s *Server) Token() string { return s.TokenExpiring(time.Now().Add(time.Hour)) }

// TokenExpiring returns a read-write token that expires at exp.
func (s *Server) TokenExpiring(exp time.Time) string {
	return sqldjwt.Sign(s.priv, sqldjwt.Claims{Access: sqldjwt.ReadWrite, IssuedAt: time.Now(), ExpiresAt: exp})
}

// ForeignToken returns a well-formed token signed by another key, which the
// server must refuse.
func ForeignToken() string {
	_, priv, _ := ed25519.GenerateKey(nil)
	return (&Server{priv: priv}).Token()
}

// Reset drops every table, view and trigger of the server's database, so
// that the next test starts from an empty one.
func (s *Server) Reset() error {
	c, err := hrana.NewConnector(hrana.Options{URL: s.URL, AuthToken: s.Token()})
	if err != nil {
		return err
	}
	db := sql.OpenDB(c)
	defer db.Close()
	rows, err := db.Query(`SELECT type, name FROM sqlite_master
		WHERE type IN ('table', 'view', 'trigger')
		AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE 'libsql\_%' ESCAPE '\'
		AND name NOT LIKE '\_litestream%' ESCAPE '\'
		ORDER BY CASE type WHEN 'trigger' THEN 0 WHEN 'view' THEN 1 ELSE 2 END`)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("PRAGMA foreign_keys=OFF;")
	n := 0
	for rows.Next() {
		var typ, name string
		if err := rows.Scan(&typ, &name); err != nil {
			rows.Close()
			return err
		}
		fmt.Fprintf(&b, "DROP %s IF EXISTS \"%s\";", strings.ToUpper(typ), strings.ReplaceAll(name, `"`, `""`))
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	b.WriteString("PRAGMA foreign_keys=ON;")
	_, err = db.Exec(b.String())
	return err
}
