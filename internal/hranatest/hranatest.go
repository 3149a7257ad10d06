// Package hranatest is a fake Hrana server for tests: it answers each
// pipeline as the test says, for what a real server will not do on demand
// (malformed or hostile replies, null batons, foreign base URLs, silence).
// It records every pipeline it receives.
package hranatest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Pipeline is a request the server received.
type Pipeline struct {
	// Path is the URL path; Authorization and EncryptionKey are the
	// Authorization and X-Turso-Encryption-Key headers as sent.
	Path, Authorization, EncryptionKey string
	Baton                              *string   `json:"baton"`
	Requests                           []Request `json:"requests"`
}

// Request is one request of a pipeline, as far as tests look at it.
type Request struct {
	Type  string `json:"type"`
	Stmt  *Stmt  `json:"stmt"`
	Batch *struct {
		Steps []struct {
			Stmt      Stmt       `json:"stmt"`
			Condition *Condition `json:"condition"`
		} `json:"steps"`
	} `json:"batch"`
	SQL *string `json:"sql"`
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
	// Hang sends nothing until the client gives up or the server closes.
	Hang bool
	// Cut breaks the connection without an answer.
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
	s := &Server{respond: respond, closing: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
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
	switch {
	case reply.Hang:
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		return
	case reply.Cut:
		panic(http.ErrAbortHandler)
	}
	w.Header().Set("Content-Type", "application/json")
	if reply.Status != 0 {
		w.WriteHeader(reply.Status)
	}
	io.WriteString(w, reply.Body)
}

// Baton is a constant baton for OK, so that a test can tell streams apart.
func Baton(s string) *string { return &s }

// OK answers every request of p as a working server would, with the given
// baton (nil closes the stream) and base URL (empty sends none): an
// execute of a SELECT returns one row holding the integer 1, other
// statements change one row; batches run every step whose condition
// holds, and each succeeds; get_autocommit says
// no transaction is open.
func OK(p Pipeline, baton *string, baseURL string) Reply {
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
				if ran[j] = st.Condition.holds(ran[:j]); ran[j] {
					res[j] = stmtResult(st.Stmt.SQL)
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
	b, _ := json.Marshal(baton)
	out := `{"baton":` + string(b)
	if baseURL != "" {
		u, _ := json.Marshal(baseURL)
		out += `,"base_url":` + string(u)
	}
	return out + `,"results":[` + strings.Join(results, ",") + `]}`
}

func stmtResult(sql string) string {
	if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(sql)), "SELECT") {
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
	// For names the one request type the reply is malformed for ("execute"
	// or "batch"); empty means any.
	For string
	// InValues is set when only the row values are malformed, which a
	// client sees only when it reads the rows.
	InValues bool
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
}
