package hrana

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	local "github.com/gorm-libsql/libsql/internal/driver"
)

// ErrAuth is matched (errors.Is) by every error caused by the server
// refusing the auth token.
var ErrAuth = errors.New("libsql: authentication failed")

// Error is an error the server reported that is not an SQLite engine error
// (those are *driver.Error, as in local mode): a parse error, a protocol
// error, or an HTTP failure.
type Error struct {
	// Code is the server's error code, e.g. "SQL_PARSE_ERROR" or
	// "STREAM_EXPIRED"; empty when the server sent none.
	Code string
	// Message is the server's message.
	Message string
	// Status is the HTTP status when the whole request failed, else 0.
	Status int
}

// Error gives the server's message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("libsql: ")
	b.WriteString(e.Message)
	if e.Code != "" || e.Status != 0 {
		b.WriteString(" (")
		if e.Code != "" {
			b.WriteString(e.Code)
		}
		if e.Status != 0 {
			if e.Code != "" {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "HTTP %d", e.Status)
		}
		b.WriteString(")")
	}
	return b.String()
}

// authError is a refused token. Its message never holds the token.
type authError struct {
	status int
	detail string
}

func (e *authError) Error() string {
	msg := fmt.Sprintf("libsql: authentication failed: the server refused the auth token (HTTP %d)", e.status)
	if e.detail != "" {
		msg += ": " + e.detail
	}
	return msg + "; check AuthToken (a missing, wrong or expired token)"
}

func (e *authError) Is(target error) bool { return target == ErrAuth }

// sqliteCodes maps the result code names the server reports to SQLite's
// numbers, so that remote errors are *driver.Error like local ones.
var sqliteCodes = map[string]int{
	"SQLITE_ERROR": 1, "SQLITE_INTERNAL": 2, "SQLITE_PERM": 3, "SQLITE_ABORT": 4,
	"SQLITE_BUSY": 5, "SQLITE_LOCKED": 6, "SQLITE_NOMEM": 7, "SQLITE_READONLY": 8,
	"SQLITE_INTERRUPT": 9, "SQLITE_IOERR": 10, "SQLITE_CORRUPT": 11, "SQLITE_NOTFOUND": 12,
	"SQLITE_FULL": 13, "SQLITE_CANTOPEN": 14, "SQLITE_PROTOCOL": 15, "SQLITE_EMPTY": 16,
	"SQLITE_SCHEMA": 17, "SQLITE_TOOBIG": 18, "SQLITE_CONSTRAINT": 19, "SQLITE_MISMATCH": 20,
	"SQLITE_MISUSE": 21, "SQLITE_NOLFS": 22, "SQLITE_AUTH": 23, "SQLITE_FORMAT": 24,
	"SQLITE_RANGE": 25, "SQLITE_NOTADB": 26,
	"SQLITE_CONSTRAINT_CHECK":      local.CodeConstraintCheck,
	"SQLITE_CONSTRAINT_FOREIGNKEY": local.CodeConstraintForeignKey,
	"SQLITE_CONSTRAINT_NOTNULL":    local.CodeConstraintNotNull,
	"SQLITE_CONSTRAINT_PRIMARYKEY": local.CodeConstraintPrimaryKey,
	"SQLITE_CONSTRAINT_UNIQUE":     local.CodeConstraintUnique,
}

// serverError converts an error code and message from the server into the
// error local mode gives for the same failure.
func serverError(code, message string) error {
	if n, ok := sqliteCodes[code]; ok {
		msg := strings.TrimPrefix(message, "SQLite error: ")
		return &local.Error{Code: n, Message: msg}
	}
	return &Error{Code: code, Message: message}
}

// client sends Hrana pipelines to one server.
type client struct {
	http     *http.Client
	pipeline string // the pipeline endpoint of the primary URL
	auth     string // "Bearer <token>", or empty
	token    string
	// observe, when set, is told of every request sent (tests count them).
	observe func()
}

// redact removes the token from text that came from elsewhere (a server
// message, a transport error), so that it cannot reach a log or an error.
func (c *client) redact(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[redacted]")
}

// send posts one pipeline and returns the server's response. endpoint is
// the stream's base URL, or empty for the primary one.
func (c *client) send(ctx context.Context, endpoint string, req *pipelineRequest) (*pipelineResponse, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("libsql: encode request: %w", err)
	}
	if endpoint == "" {
		endpoint = c.pipeline
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("libsql: %s", c.redact(err.Error()))
	}
	hreq.Header.Set("Content-Type", "application/json")
	if c.auth != "" {
		hreq.Header.Set("Authorization", c.auth)
	}
	if c.observe != nil {
		c.observe()
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, &authError{status: resp.StatusCode, detail: c.redact(serverMessage(data))}
	case resp.StatusCode != http.StatusOK:
		var e responseError
		if json.Unmarshal(data, &e) != nil || e.Message == "" {
			e = responseError{Message: serverMessage(data)}
		}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
		if strings.Contains(e.Message, "invalid utf-8") {
			e.Message += ": the server cannot send text that is not valid UTF-8 (a local connection or an embedded replica stored it); select it as CAST(... AS BLOB), or, on an embedded replica, outside a read-write transaction, where reads run on the local file"
		}
		return nil, &Error{Code: e.Code, Message: c.redact(e.Message), Status: resp.StatusCode}
	}
	var out pipelineResponse
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("libsql: unreadable response from the server: %w", err)
	}
	if len(out.Results) != len(req.Requests) {
		return nil, fmt.Errorf("libsql: the server answered %d of %d requests", len(out.Results), len(req.Requests))
	}
	return &out, nil
}

// serverMessage reads the "error" or "message" field of an error body, or
// the body itself when it is short text.
func serverMessage(data []byte) string {
	var e struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &e) == nil {
		if e.Error != "" {
			return e.Error
		}
		return e.Message
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// transportError explains a request that got no answer: a deadline, a
// cancellation, or a server that cannot be reached.
func (c *client) transportError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("libsql: request to the server abandoned: %w", ctxErr)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &unreachableError{msg: "the server did not answer in time", err: ne}
	}
	return &unreachableError{msg: "cannot reach the server: " + c.redact(innermost(err).Error()), err: err}
}

// ErrUnreachable is matched (errors.Is) by errors caused by a server that
// could not be reached or did not answer.
var ErrUnreachable = errors.New("libsql: server unreachable")

type unreachableError struct {
	msg string
	err error
}

func (e *unreachableError) Error() string        { return "libsql: " + e.msg }
func (e *unreachableError) Is(target error) bool { return target == ErrUnreachable }

// innermost drops the wrappers of a transport error that repeat the
// method and URL.
func innermost(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// newHTTPClient returns a keep-alive client sized for a connection pool.
func newHTTPClient() *http.Client {
	t := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	return &http.Client{Transport: t}
}
