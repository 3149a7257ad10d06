package hrana

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// namespaceTransport sends every request to one sqld namespace, which sqld
// picks by the Host header's first label, and resends a request that sqld
// refused with 404 "Namespace `x` doesn't exist".
//
// sqld 0.24 holding more namespaces than its --max-active-namespaces (100 by
// default) gives that answer now and then for namespaces that exist, while
// it loads and unloads them (about 1 request in 50 with 250 namespaces,
// sequential requests). The refusal comes before the request reaches the
// namespace, so nothing of it ran (a refused INSERT left no row), and
// sending it again cannot apply anything twice. A namespace that really
// does not exist is reported after the last retry.
type namespaceTransport struct {
	base   http.RoundTripper
	host   string
	delays []time.Duration
}

// NamespaceHost is the Host header that reaches namespace on the server at
// host: sqld picks the namespace by the header's first label, so no name
// is resolved.
func NamespaceHost(namespace, host string) string { return namespace + "." + host }

// NamespaceHostOf is NamespaceHost for the server at the database URL raw.
func NamespaceHostOf(namespace, raw string) (string, error) {
	base, err := BaseURL(raw)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	return NamespaceHost(namespace, u.Host), nil
}

// MaxNamespaceLen is the longest namespace name: a DNS label's 63 bytes.
const MaxNamespaceLen = 63

// CheckNamespace checks a name against the DNS label rules that sqld
// namespaces (the first label of a Host header) and Turso database names
// need: 1 to 63 bytes of a-z, 0-9 and '-', not starting or ending with
// '-'. Upper case is refused rather than folded, so that one database
// never has two names. The error says what is wrong, without the name.
func CheckNamespace(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("%s (want 1-%d of a-z, 0-9 and '-', not starting or ending with '-')", why, MaxNamespaceLen)
	}
	switch {
	case name == "":
		return bad("empty")
	case len(name) > MaxNamespaceLen:
		return bad(fmt.Sprintf("%d bytes long", len(name)))
	case name[0] == '-' || name[len(name)-1] == '-':
		return bad("starts or ends with '-'")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return bad(fmt.Sprintf("byte %q at %d is not allowed", c, i))
		}
	}
	return nil
}

// IsMissingNamespace reports whether err is sqld's answer for a namespace
// that does not exist (HTTP 404 "Namespace `x` doesn't exist", once the
// client's resends are spent).
func IsMissingNamespace(err error) bool {
	var he *Error
	return errors.As(err, &he) && he.Status == http.StatusNotFound && bytes.Contains([]byte(he.Message), missingNamespace)
}

// NamespaceRetryDelays are the waits before each resend of a request sqld
// refused for its namespace: 175ms in all before a missing namespace is
// reported. Embedded replicas of a namespace resend a refused sync so too.
var NamespaceRetryDelays = []time.Duration{25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond}

// missingNamespace is what sqld's 404 says for an unknown namespace.
var missingNamespace = []byte("doesn't exist")

func (t *namespaceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		r := req.Clone(req.Context())
		r.Host = t.host
		if attempt > 0 {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r.Body = body
		}
		resp, err := t.base.RoundTrip(r)
		if err != nil || resp.StatusCode != http.StatusNotFound || attempt == len(t.delays) || req.GetBody == nil {
			return resp, err
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if !bytes.Contains(data, missingNamespace) {
			resp.Body = io.NopCloser(bytes.NewReader(data))
			return resp, nil
		}
		timer := time.NewTimer(t.delays[attempt])
		select {
		case <-timer.C:
		case <-req.Context().Done():
			timer.Stop()
			return nil, req.Context().Err()
		}
	}
}

// CloseIdleConnections closes the idle connections of the transport it
// wraps, for Connector.Close.
func (t *namespaceTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
