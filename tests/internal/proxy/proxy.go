// Package proxy is a loopback HTTP reverse proxy that counts the requests a
// client makes to a server, and injects faults: it can delay each request,
// refuse some, black-hole all (accept and never answer), freeze its
// connections (dead flows that stay dead after the heal), cut every open
// connection, and forward a chosen request but drop its response. The
// benchmarks report round trips per operation with it, and the tests prove
// request counts and fault handling.
package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy forwards requests from its own 127.0.0.1 address to one target.
type Proxy struct {
	target   *url.URL
	listener net.Listener
	server   *http.Server
	latency  atomic.Int64 // nanoseconds added before each request is forwarded
	requests atomic.Int64

	mu     sync.Mutex
	byPath map[string]int64
	refuse string
	// hole is non-nil while the proxy black-holes requests; closing it
	// cuts the requests it holds.
	hole chan struct{}
	// drop is the pending DropResponse rule.
	drop  *dropRule
	conns map[net.Conn]struct{}
	// frozen is set while every connection accepted is frozen.
	frozen bool
	flows  map[*flow]struct{}
}

type dropRule struct {
	path, contains string
	done           chan struct{}
}

// New starts a proxy to target, which must be a loopback http:// URL: the
// benchmarks never send traffic anywhere else.
func New(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("proxy: target: %w", err)
	}
	switch u.Scheme {
	case "http":
	case "libsql":
		// libsql:// means TLS to a hosted server; on loopback sqld speaks
		// plain HTTP.
		u.Scheme = "http"
	default:
		return nil, fmt.Errorf("proxy: target %q: want an http:// URL", target)
	}
	if !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("proxy: target host %q is not a loopback address", u.Hostname())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("proxy: listen: %w", err)
	}
	p := &Proxy{target: u, listener: ln, byPath: map[string]int64{}, conns: map[net.Conn]struct{}{}, flows: map[*flow]struct{}{}}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host
		},
		Transport: protocolMatching(),
		// A client that goes away mid-response is the client's error to
		// report; the proxy's own log would only add noise to the table.
		ErrorLog: log.New(io.Discard, "", 0),
		// Replication streams frames; pass bytes on as they come.
		FlushInterval: -1,
	}
	p.server = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		p.mu.Lock()
		p.byPath[r.Method+" "+r.URL.Path]++
		refuse := p.refuse != "" && strings.HasPrefix(r.URL.Path, p.refuse)
		hole, drop := p.hole, p.drop
		p.mu.Unlock()
		if refuse {
			// As a connection that breaks: the client gets no answer.
			panic(http.ErrAbortHandler)
		}
		if hole != nil {
			// As a server that accepts and never answers, until healed: then
			// the connection breaks, as a partition that ends does to a
			// connection that lived through it.
			select {
			case <-hole:
			case <-r.Context().Done():
			}
			panic(http.ErrAbortHandler)
		}
		if drop != nil && strings.HasPrefix(r.URL.Path, drop.path) && p.dropThis(r, drop) {
			rp.ServeHTTP(discard{}, r)
			close(drop.done)
			panic(http.ErrAbortHandler)
		}
		// The request goes on from memory: Go's server closes a request's
		// body once the handler writes the response's header, which a
		// streamed reply (a cursor's rows) makes the proxy do while its
		// transport may still be reading the body to the end, and the
		// failed read then closes the connection the reply comes on.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if d := time.Duration(p.latency.Load()); d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		rp.ServeHTTP(w, r)
	})}
	// Embedded replicas replicate over gRPC, which is cleartext HTTP/2 on
	// loopback; queries use HTTP/1.1.
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	p.server.Protocols = &protocols
	p.server.ConnState = func(c net.Conn, st http.ConnState) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if st == http.StateClosed || st == http.StateHijacked {
			delete(p.conns, c)
			if f, ok := c.(*flow); ok {
				delete(p.flows, f)
			}
		} else {
			p.conns[c] = struct{}{}
		}
	}
	go p.server.Serve(&flowListener{Listener: ln, p: p})
	return p, nil
}

// flowListener hands the server each accepted connection as a flow, which
// Freeze can kill.
type flowListener struct {
	net.Listener
	p *Proxy
}

func (l *flowListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	f := &flow{Conn: c, closed: make(chan struct{})}
	l.p.mu.Lock()
	defer l.p.mu.Unlock()
	l.p.flows[f] = struct{}{}
	f.frozen.Store(l.p.frozen)
	return f, nil
}

// flow is one accepted TCP connection. Once frozen it is dead as a flow a
// NAT has forgotten: what the client sends is never read, and what the
// proxy sends is dropped, so the client waits for an answer (or a ping's)
// until it gives up, while its TCP connection still looks open.
type flow struct {
	net.Conn
	frozen    atomic.Bool
	closed    chan struct{}
	closeOnce sync.Once
}

func (f *flow) Read(b []byte) (int, error) {
	if !f.frozen.Load() {
		n, err := f.Conn.Read(b)
		if !f.frozen.Load() {
			return n, err
		}
	}
	<-f.closed
	return 0, net.ErrClosed
}

func (f *flow) Write(b []byte) (int, error) {
	if f.frozen.Load() {
		return len(b), nil
	}
	return f.Conn.Write(b)
}

func (f *flow) Close() error {
	f.closeOnce.Do(func() { close(f.closed) })
	return f.Conn.Close()
}

// protocolMatching forwards each request with the HTTP version the client
// used, so that HTTP/2 streams reach the server as HTTP/2.
func protocolMatching() http.RoundTripper {
	var h1, h2 http.Protocols
	h1.SetHTTP1(true)
	h2.SetUnencryptedHTTP2(true)
	return &matching{h1: &http.Transport{Protocols: &h1}, h2: &http.Transport{Protocols: &h2}}
}

type matching struct{ h1, h2 *http.Transport }

func (m *matching) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.ProtoMajor == 2 {
		return m.h2.RoundTrip(r)
	}
	return m.h1.RoundTrip(r)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// URL is the proxy's address, to use in place of the target's.
func (p *Proxy) URL() string {
	return p.target.Scheme + "://" + p.listener.Addr().String()
}

// SetLatency delays every later request by d before it is forwarded: a
// simulated round trip to a server d away.
func (p *Proxy) SetLatency(d time.Duration) { p.latency.Store(int64(d)) }

// Refuse makes the proxy drop, unanswered, the requests whose path starts
// with prefix (replication: "/wal_log"), and pass the others; "" passes all.
func (p *Proxy) Refuse(prefix string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = prefix
}

// BlackHole makes the proxy accept every later request and never answer
// it, as a server that stopped responding or a network that drops every
// packet; with on false it heals: the requests it held fail (their
// connections break) and later ones pass.
func (p *Proxy) BlackHole(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case on && p.hole == nil:
		p.hole = make(chan struct{})
	case !on && p.hole != nil:
		close(p.hole)
		p.hole = nil
	}
}

// Freeze with on true kills every open connection and every one accepted
// until Freeze(false): each stays open, but nothing the client sends on it
// is read and nothing is sent back, not even to an HTTP/2 ping, as when a
// NAT or a firewall forgets a flow. Freeze(false) heals for new
// connections only: the frozen ones stay dead until the client closes
// them (or the proxy closes).
func (p *Proxy) Freeze(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = on
	if on {
		for f := range p.flows {
			f.frozen.Store(true)
		}
	}
}

// CutConnections closes every open client connection at once, as a
// restarting load balancer does; later requests open new ones.
func (p *Proxy) CutConnections() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

// DropResponse makes the next request whose path starts with path and
// whose body contains contains reach the server, which runs it, while the
// client's connection breaks before any response: a reply lost on the way
// back. The returned channel closes once it happened.
func (p *Proxy) DropResponse(path, contains string) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drop = &dropRule{path: path, contains: contains, done: make(chan struct{})}
	return p.drop.done
}

// dropThis reads the body of r to check it against the rule, puts it
// back, and claims the rule if it matches.
func (p *Proxy) dropThis(r *http.Request, rule *dropRule) bool {
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil || !bytes.Contains(body, []byte(rule.contains)) {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drop != rule {
		return false
	}
	p.drop = nil
	return true
}

// discard is a response writer that throws the response away.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// Requests is how many requests the proxy has received.
func (p *Proxy) Requests() int64 { return p.requests.Load() }

// Paths reports the requests received so far by "METHOD /path", sorted by
// path, to show which endpoints a client uses.
func (p *Proxy) Paths() []PathCount {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]PathCount, 0, len(p.byPath))
	for k, n := range p.byPath {
		out = append(out, PathCount{Path: k, Requests: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// PathCount is the number of requests to one endpoint.
type PathCount struct {
	Path     string
	Requests int64
}

// Close stops the proxy and drops open connections.
func (p *Proxy) Close() error {
	p.BlackHole(false)
	err := p.server.Close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
