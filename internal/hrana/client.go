package hrana

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorm-libsql/libsql/internal/errmsg"
)

// ErrAuth is matched (errors.Is) by every error caused by the server
// refusing the auth token.
var ErrAuth = errors.New("libsql: authentication failed")

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

// client sends Hrana requests to one server.
type client struct {
	http  *http.Client
	base  string // the primary URL, which endpoint paths are appended to
	auth  string // "Bearer <token>", or empty
	token string
	// encryptionKey is sent as encryptionKeyHeader when set.
	encryptionKey string
	// observe, when set, is told of every request sent (tests count them).
	observe func()
	limits  Limits
	// beginBusyTimeout bounds the resends of a BEGIN the server refused
	// as busy (see retryBusyBegin).
	beginBusyTimeout time.Duration
}

// encryptionKeyHeader carries the key of a database encrypted at rest on
// Turso Cloud, as go-libsql and @libsql/client send it.
const encryptionKeyHeader = "X-Turso-Encryption-Key"

// redact removes the token and the encryption key from text that came
// from elsewhere (a server message, a transport error), so that they
// cannot reach a log or an error.
func (c *client) redact(s string) string {
	for _, secret := range []string{c.token, c.encryptionKey} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

// send posts one pipeline and returns the server's response, checked to
// answer every request. base is the stream's base URL, or empty for the
// primary one. Without a deadline in ctx, the request is bounded by
// RequestTimeout.
func (c *client) send(ctx context.Context, base string, req *pipelineRequest) (*pipelineResponse, error) {
	ctx, cancel := c.limits.Bound(ctx)
	defer cancel()
	resp, err := c.post(ctx, base, pipelinePath, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := c.readBody(ctx, resp.Body)
	if err != nil {
		return nil, err
	}
	return decodePipeline(data, len(req.Requests))
}

// readBody reads a reply's body whole, up to MaxResponseBytes.
func (c *client) readBody(ctx context.Context, body io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, c.limits.MaxResponseBytes+1))
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	if int64(len(data)) > c.limits.MaxResponseBytes {
		return nil, &tooLargeError{limit: c.limits.MaxResponseBytes}
	}
	return data, nil
}

// post sends body as JSON to path under base (empty for the primary URL)
// and returns the server's answer when it is a 200, its body unread; any
// other status is the server's error. ctx bounds the request and the
// reading of its body.
func (c *client) post(ctx context.Context, base, path string, body any) (*http.Response, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, errmsg.Wrap(err, "libsql: encode request")
	}
	if base == "" {
		base = c.base
	}
	// Whether a failed request may have reached the server decides
	// whether a write it carried may have been applied. No byte of it
	// leaves before the transport hands it a connection. The transport
	// asks for another one only to resend a request it wrote nothing of
	// (a kept-alive connection found dead; a POST is resent on no other
	// failure), so that attempt's connection is the one that counts.
	var gotConn atomic.Bool
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GetConn: func(string) { gotConn.Store(false) },
		GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) },
	})
	hreq, err := http.NewRequestWithContext(traced, http.MethodPost, base+path, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("libsql: %s", c.redact(err.Error()))
	}
	hreq.Header.Set("Content-Type", "application/json")
	if c.auth != "" {
		hreq.Header.Set("Authorization", c.auth)
	}
	if c.encryptionKey != "" {
		hreq.Header.Set(encryptionKeyHeader, c.encryptionKey)
	}
	if c.observe != nil {
		c.observe()
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		err = c.transportError(ctx, err)
		if !gotConn.Load() {
			return nil, &unsentError{err}
		}
		return nil, err
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	if data, err = c.readBody(ctx, resp.Body); err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return nil, &authError{status: resp.StatusCode, detail: c.redact(serverMessage(data))}
	}
	var e responseError
	if json.Unmarshal(data, &e) != nil || e.Message == "" {
		e = responseError{Message: serverMessage(data)}
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if strings.Contains(e.Message, "invalid utf-8") {
		e.Message += ": " + invalidUTF8
	}
	return nil, &Error{Code: e.Code, Message: c.redact(e.Message), Status: resp.StatusCode}
}

// invalidUTF8 explains why sqld cannot send some text.
const invalidUTF8 = "the server cannot send text that is not valid UTF-8 (a local connection or an embedded replica stored it); select it as CAST(... AS BLOB), or, on an embedded replica, outside a read-write transaction, where reads run on the local file"

// streamBase is the base URL of a stream whose reply named baseURL. A
// base URL is followed only to the primary's own scheme and host, which
// the token is meant for; any other is ignored.
func (c *client) streamBase(baseURL *string) string {
	if baseURL == nil || *baseURL == "" {
		return ""
	}
	u, err := url.Parse(*baseURL)
	home, herr := url.Parse(c.base)
	if err != nil || herr != nil || !strings.EqualFold(u.Scheme, home.Scheme) || !strings.EqualFold(u.Host, home.Host) ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return ""
	}
	return strings.TrimSuffix(u.String(), "/")
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
	if strings.HasPrefix(s, "<") {
		// An HTML page from a proxy or gateway: its title says enough.
		title := ""
		if _, rest, ok := strings.Cut(strings.ToLower(s), "<title>"); ok {
			title, _, _ = strings.Cut(rest, "<")
		}
		return strings.TrimSpace("an HTML page " + title)
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// transportError explains a request that got no answer: a deadline, a
// cancellation, or a server that cannot be reached.
func (c *client) transportError(ctx context.Context, err error) error {
	var timeout *requestTimeoutError
	if errors.As(context.Cause(ctx), &timeout) {
		return &unreachableError{msg: timeout.Error(), err: context.DeadlineExceeded}
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return errmsg.Wrap(ctxErr, "libsql: request to the server abandoned")
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &unreachableError{msg: "the server did not answer in time", err: ne}
	}
	return &unreachableError{msg: "cannot reach the server: " + c.redact(innermost(err).Error()) + tlsHint(err), err: err}
}

// tlsHint says which setting a failed TLS handshake calls for, or "".
func tlsHint(err error) string {
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		return "; this machine does not trust the authority that signed the server's certificate: give its CA in Config.TLSConfig.RootCAs"
	}
	// The server's alert (TLS 1.3 certificate_required, 1.2
	// bad_certificate) reaches the client as a bare "remote error".
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" && strings.Contains(op.Err.Error(), "certificate") {
		return "; the server refused the TLS handshake over the client certificate: give the one it accepts in Config.TLSConfig.Certificates"
	}
	return ""
}

// unsentError is the transport error of a request that never left: no
// connection was obtained for it (refused, not resolved, the connect timed
// out, or the context ended first), so the server cannot have run it.
type unsentError struct{ error }

func (e *unsentError) Unwrap() error { return e.error }

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
