// Package hranatest is a fake Hrana server for tests: it answers each
// pipeline, and each cursor (POST /v3/cursor), as the test says, for what a real server will not do on demand
// (malformed or hostile replies, null batons, foreign base URLs, silence).
// It records every pipeline it receives.
package hranatest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Pipeline is a request the server received: a pipeline of Requests, or
// a cursor running Batch.
type Pipeline struct {
	// Path is the URL path; Authorization and EncryptionKey are the
	// Authorization and X-Turso-Encryption-Key headers as sent.
	Path, Authorization, EncryptionKey string
	Baton                              *string   `json:"baton"`
	Requests                           []Request `json:"requests"`
	Batch                              *Batch    `json:"batch"`
}

// Cursor reports whether p asks for a cursor.
func (p Pipeline) Cursor() bool { return strings.HasSuffix(p.Path, "/v3/cursor") }

// Request is one request of a pipeline, as far as tests look at it.
type Request struct {
	Type  string  `json:"type"`
	Stmt  *Stmt   `json:"stmt"`
	Batch *Batch  `json:"batch"`
	SQL   *string `json:"sql"`
}

// Batch is the batch of a request or a cursor.
type Batch struct {
	Steps []struct {
		Stmt      Stmt       `json:"stmt"`
		Condition *Condition `json:"condition"`
	} `json:"steps"`
}

// Condition is a batch step's condition.
type Condition struct {
	Type string     `json:"type"`
	Step *int       `json:"step"`
	Cond *Condition `json:"cond"`
}

// holds evaluates c when every step that ran succeeded; ran says which
// did. A condition on autocommit, which the client never sends, holds.
func (c *Condition) holds(ran []bool) bool {
	switch {
	case c == nil:
		return true
	case c.Type == "ok" && c.Step != nil && *c.Step >= 0 && *c.Step < len(ran):
		return ran[*c.Step]
	case c.Type == "error":
		return false
	case c.Type == "not":
		return !c.Cond.holds(ran)
	}
	return true
}

// Stmt is a statement of a request.
type Stmt struct {
	SQL string `json:"sql"`
}

// SQL lists the statements of the pipeline, in order.
func (p Pipeline) SQL() []string {
	var out []string
	if p.Batch != nil {
		for _, s := range p.Batch.Steps {
			out = append(out, s.Stmt.SQL)
		}
	}
	for _, r := range p.Requests {
		switch {
		case r.Stmt != nil:
			out = append(out, r.Stmt.SQL)
		case r.Batch != nil:
			for _, s := range r.Batch.Steps {
				out = append(out, s.Stmt.SQL)
			}
		case r.SQL != nil:
			out = append(out, *r.SQL)
		}
	}
	return out
}

// Reply is the server's answer to one pipeline.
type Reply struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// Body is sent as it is.
	Body string
	// Pause, when set, sends Body a line at a time, flushed, with this
	// pause before each line after the first.
	Pause time.Duration
	// Hang, after Body, sends nothing more until the client gives up or
	// the server closes: without a Body, not even the headers.
	Hang bool
	// Cut, after Body, breaks the connection: without a Body, with no
	// answer at all.
	Cut bool
}

// Responder answers a pipeline.
type Responder func(p Pipeline) Reply

// Server is a running fake server.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	respond   Responder
	pipelines []Pipeline
	closing   chan struct{}
}

// New starts a server answering with respond, closed when the test ends.
func New(t testing.TB, respond Responder) *Server {
	s := newServer(respond)
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// NewTLS is New over HTTPS; it returns the client configuration that
// reaches the server (see StartTLS).
func NewTLS(t testing.TB, respond Responder, requireClientCert bool) (*Server, *tls.Config) {
	s := newServer(respond)
	client := StartTLS(t, s.Server, requireClientCert)
	t.Cleanup(s.Close)
	return s, client
}

func newServer(respond Responder) *Server {
	s := &Server{respond: respond, closing: make(chan struct{})}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	return s
}

// StartTLS starts srv over HTTPS, with HTTP/2 as servers offer it, and
// returns a client configuration whose RootCAs alone trust srv's
// certificate. With requireClientCert, srv accepts only connections
// presenting a certificate it verifies (tls.RequireAndVerifyClientCert),
// and the returned configuration holds one in Certificates.
func StartTLS(t testing.TB, srv *httptest.Server, requireClientCert bool) *tls.Config {
	client := &tls.Config{}
	if requireClientCert {
		cert, pool := clientCertificate(t)
		srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
		client.Certificates = []tls.Certificate{cert}
	}
	srv.EnableHTTP2 = true
	// Handshakes the tests make fail on purpose would be logged.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	client.RootCAs = x509.NewCertPool()
	client.RootCAs.AddCert(srv.Certificate())
	return client
}

// clientCertificate makes a self-signed client certificate and the pool
// that verifies it.
func clientCertificate(t testing.TB) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hranatest client"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// Close unblocks hanging replies and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.closing:
	default:
		close(s.closing)
	}
	s.mu.Unlock()
	s.Server.Close()
}

// SetResponder replaces how the server answers.
func (s *Server) SetResponder(r Responder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = r
}

// Pipelines returns the pipelines received so far.
func (s *Server) Pipelines() []Pipeline {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Pipeline(nil), s.pipelines...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	var p Pipeline
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(w, `{"message":"bad request"}`, http.StatusBadRequest)
		return
	}
	p.Path, p.Authorization, p.EncryptionKey = r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("X-Turso-Encryption-Key")
	s.mu.Lock()
	s.pipelines = append(s.pipelines, p)
	respond := s.respond
	s.mu.Unlock()
	reply := respond(p)
	if reply.Body != "" || (!reply.Hang && !reply.Cut) {
		w.Header().Set("Content-Type", "application/json")
		if reply.Status != 0 {
			w.WriteHeader(reply.Status)
		}
		if !s.write(w, r, reply) {
			return
		}
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	switch {
	case reply.Hang:
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
	case reply.Cut:
		panic(http.ErrAbortHandler)
	}
}

// write sends the body of reply, reporting whether the client stayed.
func (s *Server) write(w http.ResponseWriter, r *http.Request, reply Reply) bool {
	if reply.Pause == 0 {
		io.WriteString(w, reply.Body)
		return true
	}
	f, _ := w.(http.Flusher)
	for i, line := range strings.SplitAfter(reply.Body, "\n") {
		if i > 0 {
			select {
			case <-time.After(reply.Pause):
			case <-r.Context().Done():
				return false
			case <-s.closing:
				return false
			}
		}
		if _, err := io.WriteString(w, line); err != nil {
			return false
		}
		if f != nil {
			f.Flush()
		}
	}
	return true
}

// Baton is a constant baton for OK, so that a test can tell streams apart.
func Baton(s string) *string { return &s }

// StreamExpired is sqld's answer to a baton whose stream it dropped while
// idle (about 10 s).
var StreamExpired = Reply{Status: http.StatusBadRequest, Body: `{"message":"The stream has expired due to inactivity","code":"STREAM_EXPIRED"}`}

// OK answers every request of p as a working server would, with the given
// baton (nil closes the stream) and base URL (empty sends none): an
// execute of a SELECT returns one row holding the integer 1, other
// statements change one row; batches run every step whose condition
// holds, and each succeeds, and cursors every step; get_autocommit says
// no transaction is open.
func OK(p Pipeline, baton *string, baseURL string) Reply {
	return answer(p, baton, baseURL, -1, "")
}

// StepFails answers p as OK does, except that step i of its batch or
// cursor fails with the given code and message (when its condition
// holds): the steps after it run only where their conditions hold, as
// sqld runs them, and a cursor sends nothing for a step it skips.
func StepFails(p Pipeline, baton *string, i int, code, message string) Reply {
	return answer(p, baton, "", i, fmt.Sprintf(`{"message":%q,"code":%q}`, message, code))
}

// answer is OK, with step fail of a batch or cursor failing with failure
// (an error object) if fail is not negative.
func answer(p Pipeline, baton *string, baseURL string, fail int, failure string) Reply {
	if p.Cursor() {
		var entries []string
		ran := make([]bool, len(p.Batch.Steps))
		for i, st := range p.Batch.Steps {
			switch {
			case !st.Condition.holds(ran[:i]):
			case i == fail:
				entries = append(entries, fmt.Sprintf(`{"type":"step_error","step":%d,"error":%s}`, i, failure))
			default:
				ran[i] = true
				entries = append(entries, Step(i, st.Stmt.SQL)...)
			}
		}
		return Reply{Body: CursorBody(baton, baseURL, entries...)}
	}
	results := make([]string, len(p.Requests))
	for i, r := range p.Requests {
		var resp string
		switch r.Type {
		case "execute":
			resp = `{"type":"execute","result":` + stmtResult(r.Stmt.SQL) + `}`
		case "batch":
			res := make([]string, len(r.Batch.Steps))
			errs := make([]string, len(r.Batch.Steps))
			ran := make([]bool, len(r.Batch.Steps))
			for j, st := range r.Batch.Steps {
				res[j], errs[j] = "null", "null"
				switch {
				case !st.Condition.holds(ran[:j]):
				case j == fail:
					errs[j] = failure
				default:
					ran[j], res[j] = true, stmtResult(st.Stmt.SQL)
				}
			}
			resp = `{"type":"batch","result":{"step_results":[` + strings.Join(res, ",") + `],"step_errors":[` + strings.Join(errs, ",") + `]}}`
		case "get_autocommit":
			resp = `{"type":"get_autocommit","is_autocommit":true}`
		default:
			resp = `{"type":"` + r.Type + `"}`
		}
		results[i] = `{"type":"ok","response":` + resp + `}`
	}
	return Reply{Body: Body(baton, baseURL, results...)}
}

// Body is a pipeline reply holding the given results (JSON text each).
func Body(baton *string, baseURL string, results ...string) string {
	return head(baton, baseURL) + `,"results":[` + strings.Join(results, ",") + `]}`
}

// head opens a reply object with its baton and base URL.
func head(baton *string, baseURL string) string {
	b, _ := json.Marshal(baton)
	out := `{"baton":` + string(b)
	if baseURL != "" {
		u, _ := json.Marshal(baseURL)
		out += `,"base_url":` + string(u)
	}
	return out
}

// CursorBody is a cursor reply: its first line, then the given entries
// (JSON text each), a line each.
func CursorBody(baton *string, baseURL string, entries ...string) string {
	var b strings.Builder
	b.WriteString(head(baton, baseURL) + "}\n")
	for _, e := range entries {
		b.WriteString(e + "\n")
	}
	return b.String()
}

// Step is the cursor entries of batch step i running sql, as OK runs it.
func Step(i int, sql string) []string {
	if isSelect(sql) {
		return []string{StepBegin(i, `{"name":"v","decltype":null}`), Row(`{"type":"integer","value":"1"}`), StepEnd}
	}
	return []string{StepBegin(i), `{"type":"step_end","affected_row_count":1,"last_insert_rowid":"1"}`}
}

// StepBegin is the cursor entry that begins step i, of the given columns
// (JSON text each).
func StepBegin(i int, cols ...string) string {
	return fmt.Sprintf(`{"type":"step_begin","step":%d,"cols":[%s]}`, i, strings.Join(cols, ","))
}

// Row is a cursor entry holding one row of the given values (JSON text
// each).
func Row(values ...string) string { return `{"type":"row","row":[` + strings.Join(values, ",") + `]}` }

// StepEnd is the cursor entry that ends a step that changed nothing.
const StepEnd = `{"type":"step_end","affected_row_count":0,"last_insert_rowid":null}`

func isSelect(sql string) bool {
	return strings.HasPrefix(strings.ToUpper(strings.TrimSpace(sql)), "SELECT")
}

func stmtResult(sql string) string {
	if isSelect(sql) {
		return `{"cols":[{"name":"v","decltype":null}],"rows":[[{"type":"integer","value":"1"}]],"affected_row_count":0,"last_insert_rowid":null}`
	}
	return `{"cols":[],"rows":[],"affected_row_count":1,"last_insert_rowid":"1"}`
}

// Error is a pipeline result holding a server error.
func Error(code, message string) string {
	return fmt.Sprintf(`{"type":"error","error":{"message":%q,"code":%q}}`, message, code)
}

// Case is a reply from the catalogue of malformed and hostile ones.
type Case struct {
	Name  string
	Reply Reply
	// For names the one request type the reply is malformed for
	// ("execute", "batch", or "query": a cursor); empty means any.
	For string
	// InValues is set when only the rows are malformed, which a client
	// sees only when it reads them.
	InValues bool
}

// cursorCase is a malformed cursor reply: its first line, then lines.
func cursorCase(name string, inValues bool, lines ...string) Case {
	return Case{Name: "cursor: " + name, For: "query", InValues: inValues,
		Reply: Reply{Body: CursorBody(Baton("b"), "", lines...)}}
}

// cursorValue is a malformed cursor reply whose one value is v.
func cursorValue(name, v string) Case {
	return cursorCase(name, true, StepBegin(0, `{"name":"v"}`), Row(v), StepEnd)
}

// Malformed is the catalogue of replies a client must refuse with an
// error, never a panic or a wrong result, whatever it asked. Most answer
// one request; the rest answer the wrong number of requests.
var Malformed = []Case{
	{Name: "empty body", Reply: Reply{Body: ""}},
	{Name: "null", Reply: Reply{Body: "null"}},
	{Name: "empty object", Reply: Reply{Body: "{}"}},
	{Name: "empty array", Reply: Reply{Body: "[]"}},
	{Name: "truncated", Reply: Reply{Body: `{"baton":"b","results":[{"type":"ok","response":{"type":"execute","result":{"cols":[`}},
	{Name: "truncated string", Reply: Reply{Body: `{"baton":"b`}},
	{Name: "string", Reply: Reply{Body: `"ok"`}},
	{Name: "number", Reply: Reply{Body: `42`}},
	{Name: "results null", Reply: Reply{Body: `{"baton":null,"results":null}`}},
	{Name: "results empty", Reply: Reply{Body: `{"baton":null,"results":[]}`}},
	{Name: "results an object", Reply: Reply{Body: `{"baton":null,"results":{"type":"ok"}}`}},
	{Name: "result null", Reply: Reply{Body: `{"baton":null,"results":[null]}`}},
	{Name: "result empty", Reply: Reply{Body: `{"baton":null,"results":[{}]}`}},
	{Name: "result of unknown type", Reply: Reply{Body: `{"baton":null,"results":[{"type":"maybe"}]}`}},
	{Name: "ok without response", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok"}]}`}},
	{Name: "error without details", Reply: Reply{Body: `{"baton":null,"results":[{"type":"error"}]}`}},
	{Name: "execute without result", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"execute"}}]}`}},
	{Name: "execute with null result", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":null}}]}`}},
	{Name: "response without type", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"result":{"cols":[],"rows":[]}}}]}`}},
	{Name: "batch response to an execute", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"batch","result":{"step_results":[null],"step_errors":[null]}}}]}`}, For: "execute"},
	{Name: "close response to an execute", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"close"}}]}`}},
	{Name: "execute response to a batch", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[],"rows":[],"affected_row_count":1}}}]}`}, For: "batch"},
	{Name: "batch with short step arrays", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"batch","result":{"step_results":[],"step_errors":[]}}}]}`}},
	{Name: "batch whose unconditional steps claim they were skipped", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"batch","result":{"step_results":[null,null],"step_errors":[null,null]}}}]}`}, For: "batch"},
	{Name: "batch with null step arrays", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"batch","result":{}}}]}`}},
	{Name: "rows wider than columns", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[],"rows":[[{"type":"integer","value":"1"}]],"affected_row_count":0}}}]}`}},
	{Name: "row null", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[{"name":"v"}],"rows":[null],"affected_row_count":0}}}]}`}},
	{Name: "value of unknown type", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[{"name":"v"}],"rows":[[{"type":"bignum","value":"1"}]],"affected_row_count":0}}}]}`}, InValues: true},
	{Name: "integer as a number", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[{"name":"v"}],"rows":[[{"type":"integer","value":1}]],"affected_row_count":0}}}]}`}, InValues: true},
	{Name: "integer out of range", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[{"name":"v"}],"rows":[[{"type":"integer","value":"99999999999999999999"}]],"affected_row_count":0}}}]}`}, InValues: true},
	{Name: "text as a number", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[{"name":"v"}],"rows":[[{"type":"text","value":7}]],"affected_row_count":0}}}]}`}, InValues: true},
	{Name: "bad base64", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[{"name":"v"}],"rows":[[{"type":"blob","base64":"!!not base64!!"}]],"affected_row_count":0}}}]}`}, InValues: true},
	{Name: "affected rows as text", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[],"rows":[],"affected_row_count":"many"}}}]}`}},
	{Name: "rowid not an integer", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[],"rows":[],"affected_row_count":1,"last_insert_rowid":"x"}}}]}`}},
	{Name: "baton a number", Reply: Reply{Body: `{"baton":7,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[],"rows":[],"affected_row_count":1}}}]}`}},
	{Name: "too many results", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"close"}},{"type":"ok","response":{"type":"close"}},{"type":"ok","response":{"type":"close"}},{"type":"ok","response":{"type":"close"}},{"type":"ok","response":{"type":"close"}}]}`}},
	{Name: "huge nesting", Reply: Reply{Body: strings.Repeat("[", 100000) + strings.Repeat("]", 100000)}},
	{Name: "deep nesting in a value", Reply: Reply{Body: `{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[{"name":"v"}],"rows":[[{"type":"text","value":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}]]}}}]}`}},
	{Name: "HTML error page", Reply: Reply{Status: http.StatusBadGateway, Body: "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"}},
	{Name: "HTML with 200", Reply: Reply{Body: "<!DOCTYPE html><html><body>Welcome to nginx!</body></html>"}},
	{Name: "error status without body", Reply: Reply{Status: http.StatusInternalServerError}},
	{Name: "redirect", Reply: Reply{Status: http.StatusFound, Body: ""}},

	{Name: "cursor: empty", For: "query", Reply: Reply{Body: "\n"}},
	{Name: "cursor: first line unfinished", For: "query", Reply: Reply{Body: `{"baton":"b"}`}},
	{Name: "cursor: first line not an object", For: "query", Reply: Reply{Body: "[1]\n"}},
	{Name: "cursor: baton a number", For: "query", Reply: Reply{Body: `{"baton":7}` + "\n" + StepBegin(0, `{"name":"v"}`) + "\n" + StepEnd + "\n"}},
	cursorCase("no entries", false),
	cursorCase("entry not JSON", false, `{"type":`),
	cursorCase("entry of unknown type", false, `{"type":"maybe"}`),
	cursorCase("entry without type", false, `{"step":0,"cols":[]}`),
	cursorCase("step_begin without columns", false, `{"type":"step_begin","step":0}`),
	cursorCase("step_begin without step", false, `{"type":"step_begin","cols":[]}`),
	cursorCase("step_begin of a step not sent", false, StepBegin(7, `{"name":"v"}`)),
	cursorCase("step_begin of a negative step", false, StepBegin(-1, `{"name":"v"}`)),
	cursorCase("step as text", false, `{"type":"step_begin","step":"0","cols":[]}`),
	cursorCase("row before step_begin", false, Row(`{"type":"integer","value":"1"}`)),
	cursorCase("step_end before step_begin", false, StepEnd),
	cursorCase("step_error without error", false, `{"type":"step_error","step":0}`),
	cursorCase("error without error", false, `{"type":"error"}`),
	cursorCase("step_begin twice", true, StepBegin(0, `{"name":"v"}`), StepBegin(0, `{"name":"v"}`)),
	cursorCase("row wider than columns", true, StepBegin(0, `{"name":"v"}`), Row(`{"type":"integer","value":"1"}`, `{"type":"integer","value":"2"}`), StepEnd),
	cursorCase("row narrower than columns", true, StepBegin(0, `{"name":"v"}`, `{"name":"w"}`), Row(`{"type":"integer","value":"1"}`), StepEnd),
	cursorCase("row null", true, StepBegin(0, `{"name":"v"}`), `{"type":"row","row":null}`, StepEnd),
	cursorCase("row without values", true, StepBegin(0, `{"name":"v"}`), `{"type":"row"}`, StepEnd),
	cursorCase("no step_end", true, StepBegin(0, `{"name":"v"}`), Row(`{"type":"integer","value":"1"}`)),
	cursorCase("step_end without affected_row_count", true, StepBegin(0, `{"name":"v"}`), `{"type":"step_end"}`),
	cursorCase("rowid not an integer", true, StepBegin(0, `{"name":"v"}`), `{"type":"step_end","affected_row_count":0,"last_insert_rowid":"x"}`),
	cursorCase("step_error of another step", true, StepBegin(0, `{"name":"v"}`), `{"type":"step_error","step":1,"error":{"message":"m"}}`),
	cursorCase("replication_index inside a step", true, StepBegin(0, `{"name":"v"}`), `{"type":"replication_index","replication_index":1}`, StepEnd),
	cursorCase("entry after the last step", true, StepBegin(0, `{"name":"v"}`), StepEnd, Row(`{"type":"integer","value":"1"}`)),
	cursorCase("entry after the error", true, StepBegin(0, `{"name":"v"}`), `{"type":"error","error":{"message":"m"}}`, StepEnd),
	{Name: "cursor: ends inside an entry", For: "query", InValues: true, Reply: Reply{Body: `{"baton":"b"}` + "\n" + StepBegin(0, `{"name":"v"}`) + "\n" + `{"type":"row","row":[{"type":"int`}},
	{Name: "cursor: cut after a row", For: "query", InValues: true, Reply: Reply{Body: `{"baton":"b"}` + "\n" + StepBegin(0, `{"name":"v"}`) + "\n" + Row(`{"type":"integer","value":"1"}`) + "\n", Cut: true}},
	cursorValue("value of unknown type", `{"type":"bignum","value":"1"}`),
	cursorValue("integer as a number", `{"type":"integer","value":1}`),
	cursorValue("integer out of range", `{"type":"integer","value":"99999999999999999999"}`),
	cursorValue("text as a number", `{"type":"text","value":7}`),
	cursorValue("bad base64", `{"type":"blob","base64":"!!not base64!!"}`),
	cursorValue("deep nesting in a value", `{"type":"text","value":`+strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+`}`),
}
