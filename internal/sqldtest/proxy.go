package sqldtest

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy is a loopback HTTP proxy in front of a server that counts the
// requests going through it. It speaks HTTP/1.1 and cleartext HTTP/2 (which
// replication's gRPC uses) on both sides.
type Proxy struct {
	// URL is where clients connect instead of the server.
	URL string

	count  atomic.Int64
	mu     sync.Mutex
	paths  []string
	refuse string
	srv    *http.Server
}

// NewProxy starts a proxy to target, closed when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	to, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{URL: "http://" + l.Addr().String()}
	rp := httputil.NewSingleHostReverseProxy(to)
	rp.Transport = protocolMatching()
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.count.Add(1)
		p.mu.Lock()
		p.paths = append(p.paths, r.Method+" "+r.URL.Path)
		refuse := p.refuse != "" && strings.HasPrefix(r.URL.Path, p.refuse)
		p.mu.Unlock()
		if refuse {
			// As a connection that breaks: the client sees no answer.
			panic(http.ErrAbortHandler)
		}
		rp.ServeHTTP(w, r)
	})}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	p.srv.Protocols = &protocols
	go p.srv.Serve(l)
	t.Cleanup(func() { p.srv.Close() })
	return p
}

// Requests is how many requests went through so far.
func (p *Proxy) Requests() int64 { return p.count.Load() }

// Refuse makes the proxy drop the requests whose path starts with prefix
// (replication: "/wal_log") unanswered, and pass the others; "" passes all.
func (p *Proxy) Refuse(prefix string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = prefix
}

// Paths lists "METHOD /path" of the requests so far, for failure messages.
func (p *Proxy) Paths() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.paths, ", ")
}

// protocolMatching forwards HTTP/2 requests over cleartext HTTP/2 and the
// rest over HTTP/1.1, as the client sent them.
func protocolMatching() http.RoundTripper {
	var h1, h2 http.Protocols
	h1.SetHTTP1(true)
	h2.SetUnencryptedHTTP2(true)
	return &matching{
		h1: &http.Transport{Protocols: &h1},
		h2: &http.Transport{Protocols: &h2},
	}
}

type matching struct{ h1, h2 *http.Transport }

func (m *matching) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.ProtoMajor == 2 {
		return m.h2.RoundTrip(r)
	}
	return m.h1.RoundTrip(r)
}
