// Package syncforward is the loopback forwarder every embedded replica's
// sync goes through, so that the dialect, not libSQL, owns the connections
// to the primary and can end a sync that hangs on one.
//
// libSQL's sync (the C library behind internal/replica) sends its
// replication calls as gRPC-web requests to the primary URL it was given,
// and nothing can interrupt the C call: on a dead TCP flow (a NAT or
// firewall that forgot it, a server that accepted and never answered) it
// waits forever, and with it the replica's next syncs. So libSQL is given
// the Forwarder's 127.0.0.1 address; the Forwarder sends each call to the
// primary over connections of its own, bounds connecting and every
// silence, and when a sync is abandoned or overruns (Session.Cut) answers
// every call of it at once with a reply that makes libSQL give up (see
// giveUp), or, mid-reply, closes libSQL's loopback connection, and drops
// the upstream requests and their connections. libSQL's call then returns
// within milliseconds, and the next sync dials afresh.
//
// It also names a namespace when given one: libSQL takes the namespace
// (the x-namespace-bin header) from the first label of the URL's host and
// has no option to set it, so a sqld on 127.0.0.1 would be asked for
// namespace "127"; the Forwarder sets the header and the Host the server
// routes by.
//
// It adds no credentials: the token is the one libSQL sends, and it goes to
// the configured server only (no environment proxy, no redirect followed),
// so a local process that connects to the port can do no more than it
// could with the server itself; and only while a sync runs. It forwards
// only replication calls; Hrana requests (writes) go straight to the
// server (internal/hrana).
package syncforward

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/internal/hrana"
)

// replicationPrefix is the path of the replication service, under which
// libSQL's sync sends every call (Hello, LogEntries, BatchLogEntries,
// Snapshot).
const replicationPrefix = "/wal_log.ReplicationLog/"

// namespaceHeader is the gRPC metadata, binary (base64, unpadded), that
// sqld's replication service reads the namespace from.
const namespaceHeader = "X-Namespace-Bin"

// Options configures a Forwarder.
type Options struct {
	// Target is the server's base URL (http:// or https://), already
	// checked.
	Target string
	// Namespace, when set, is the sqld namespace every call goes to;
	// otherwise calls go to the server as libSQL sent them.
	Namespace string
	// ConnectTimeout bounds connecting to the server (and the TLS
	// handshake).
	ConnectTimeout time.Duration
	// TLSConfig, when set, is the TLS configuration of the connections to
	// the server (see hrana.Limits.TLSConfig).
	TLSConfig *tls.Config
	// RequestTimeout bounds each forwarded call's silences: the wait from
	// receiving it to the server's reply, and each wait for more of the
	// reply, so that a long reply that keeps coming (a large snapshot) is
	// not cut. A silence that long cuts the whole sync. 0 or less leaves
	// it to the caller's Session.Cut.
	RequestTimeout time.Duration
}

// Forwarder is a loopback HTTP server forwarding replication calls to one
// server, during Sessions only. Close stops it.
type Forwarder struct {
	url       string
	srv       *http.Server
	transport *http.Transport
	served    chan struct{}
	closeOnce sync.Once
	closeErr  error

	mu sync.Mutex
	// session is the current session's number, open while it runs and
	// has not been cut; cause is why it was cut.
	session uint64
	open    bool
	cause   error
	// closed is set by Close: no session opens after it.
	closed bool
	// calls are the calls in flight, each with its session.
	calls map[*call]uint64
	// upstream are the open connections to the server.
	upstream map[*upstreamConn]struct{}
	// staleAfter is how long a connection to the server may have been
	// silent and still serve a new session (see Begin).
	staleAfter time.Duration
}

// call is one forwarded call in flight.
type call struct {
	cancel context.CancelCauseFunc
}

// idleTimeout closes connections the replica left idle this long. libSQL
// keeps its idle connections with no limit; one it reuses after the
// Forwarder closed it fails that sync, and the next sync reconnects.
const idleTimeout = 10 * time.Minute

// headerTimeout bounds reading a request's headers.
const headerTimeout = 10 * time.Second

// Start listens on a free 127.0.0.1 port and serves until Close.
func Start(opts Options) (*Forwarder, error) {
	target, err := url.Parse(opts.Target)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, fmt.Errorf("libsql: sync forwarder: bad target URL %q", opts.Target)
	}
	if opts.Namespace != "" {
		if err := hrana.CheckNamespace(opts.Namespace); err != nil {
			return nil, fmt.Errorf("libsql: sync forwarder: namespace %q: %w", opts.Namespace, err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, errmsg.Wrap(err, "libsql: sync forwarder")
	}
	transport := hrana.Limits{ConnectTimeout: opts.ConnectTimeout, TLSConfig: opts.TLSConfig}.Transport()
	// Never through an environment proxy: the calls carry the token and
	// must reach the configured server only.
	transport.Proxy = nil
	transport.MaxIdleConnsPerHost = 4
	f := &Forwarder{
		url:        "http://" + ln.Addr().String(),
		transport:  transport,
		served:     make(chan struct{}),
		calls:      map[*call]uint64{},
		upstream:   map[*upstreamConn]struct{}{},
		staleAfter: staleAfter,
	}
	dial := transport.DialContext
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return f.track(c)
	}
	quiet := log.New(io.Discard, "", 0)
	proxy := &httputil.ReverseProxy{
		Rewrite:   rewrite(target, opts.Namespace),
		Transport: transport,
		// gRPC-web replies stream (snapshots); pass each chunk on at once.
		FlushInterval: -1,
		ErrorLog:      quiet,
		ModifyResponse: func(resp *http.Response) error {
			if w, ok := resp.Request.Context().Value(watchdogKey{}).(*watchdog); ok {
				w.kick()
				resp.Body = &watchedBody{ReadCloser: resp.Body, w: w}
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(context.Cause(r.Context()), errCut) {
				giveUp(w)
				return
			}
			http.Error(w, "libsql sync forwarder: "+err.Error(), http.StatusBadGateway)
		},
	}
	f.srv = &http.Server{
		Handler:           f.handler(proxy, opts.RequestTimeout),
		ReadHeaderTimeout: headerTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          quiet,
	}
	go func() {
		defer close(f.served)
		_ = f.srv.Serve(ln)
	}()
	return f, nil
}

// rewrite sends a call to target, naming namespace, or without one the
// namespace libSQL would have named had it been given target: the first
// label of its host name, if it has a dot, else "default" (its replication
// client's rule). Only a namespace given changes the Host header.
func rewrite(target *url.URL, namespace string) func(*httputil.ProxyRequest) {
	host := target.Host
	if namespace != "" {
		host = hrana.NamespaceHost(namespace, target.Host)
	} else if label, _, ok := strings.Cut(target.Hostname(), "."); ok && label != "" {
		namespace = label
	} else {
		namespace = "default"
	}
	nsValue := base64.RawStdEncoding.EncodeToString([]byte(namespace))
	return func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Host = host
		r.Out.Header.Set(namespaceHeader, nsValue)
	}
}

// maxCallBytes bounds the body of one replication call (libSQL's are a
// few bytes: a log offset, a hello).
const maxCallBytes = 1 << 20

// handler forwards replication calls of the open session, each cut after
// timeout of silence (see Options.RequestTimeout), and refuses everything
// else.
func (f *Forwarder) handler(next http.Handler, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !replicationCall(r.URL) {
			http.Error(w, "libsql sync forwarder: only replication calls (POST "+replicationPrefix+"...) are forwarded", http.StatusNotFound)
			return
		}
		// The call goes on from memory: Go's server closes a request's
		// body once the handler writes the reply's header, which a
		// streamed reply makes the proxy do while its transport may still
		// be reading the body, and that failed read closes the connection
		// the reply comes on (a sync failed at random under load).
		body, err := io.ReadAll(io.LimitReader(r.Body, maxCallBytes+1))
		if err != nil || len(body) > maxCallBytes {
			http.Error(w, "libsql sync forwarder: a replication call that cannot be read or is larger than 1 MiB", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		ctx, cancel := context.WithCancelCause(r.Context())
		defer cancel(nil)
		c := &call{cancel: cancel}
		session, ok := f.enter(c)
		if !ok {
			giveUp(w)
			return
		}
		defer f.leave(c)
		if timeout > 0 {
			wd := &watchdog{timeout: timeout}
			wd.timer = time.AfterFunc(timeout, func() {
				Session{f: f, n: session}.Cut(&silenceError{timeout})
			})
			defer wd.timer.Stop()
			ctx = context.WithValue(ctx, watchdogKey{}, wd)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// enter registers c as a call of the open session; false when none is.
func (f *Forwarder) enter(c *call) (uint64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.open {
		return 0, false
	}
	f.calls[c] = f.session
	return f.session, true
}

// leave forgets c.
func (f *Forwarder) leave(c *call) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.calls, c)
}

// upstreamConn is a connection to the server, which Cut closes.
type upstreamConn struct {
	net.Conn
	f *Forwarder
	// heard is when bytes last came from the server (UnixNano).
	heard atomic.Int64
}

// track registers c for Cut, or closes it if the session that dialed it
// was cut meanwhile: the dial may have outlived its call, and the pool
// would keep it for the next sync, dead or not.
func (f *Forwarder) track(c net.Conn) (net.Conn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.open {
		c.Close()
		return nil, errCut
	}
	u := &upstreamConn{Conn: c, f: f}
	u.heard.Store(time.Now().UnixNano())
	f.upstream[u] = struct{}{}
	return u, nil
}

func (u *upstreamConn) Read(b []byte) (int, error) {
	n, err := u.Conn.Read(b)
	if n > 0 {
		u.heard.Store(time.Now().UnixNano())
	}
	return n, err
}

func (u *upstreamConn) Close() error {
	u.f.mu.Lock()
	delete(u.f.upstream, u)
	u.f.mu.Unlock()
	return u.Conn.Close()
}

// errCut is the cause of the calls a cut ends.
var errCut = errors.New("libsql: sync cut")

// giveUp answers a call so that libSQL ends its sync at once. Any
// transport error or other status during the handshake makes libSQL retry
// it, three times a second apart; FAILED_PRECONDITION "NO_HELLO" (what
// sqld answers a call made without a handshake) makes it redo the
// handshake, and during the handshake makes it fail the sync ("Received
// handshake error while performing handshake"). It is a gRPC-web
// trailers-only reply: the status in the headers, no body.
func giveUp(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/grpc-web+proto")
	h.Set("Grpc-Status", "9")
	h.Set("Grpc-Message", "NO_HELLO")
	w.WriteHeader(http.StatusOK)
}

// Session is one sync's use of the Forwarder, from Begin to End.
type Session struct {
	f *Forwarder
	n uint64
}

// Begin opens a session: calls are forwarded until it is cut or ends. The
// replica runs one sync at a time; a new session ends the one before.
//
// When a connection to the server has been silent for more than
// staleAfter, it drops the idle ones: a connection that died while idle
// (a NAT that forgot the flow) would take the session's first call and
// never answer, and only the silence bound would end the sync. Between
// sessions every connection is idle, and the pool drops them at once.
func (f *Forwarder) Begin() Session {
	f.mu.Lock()
	f.session++
	// A session begun after Close forwards nothing: its calls get the
	// reply that ends libSQL's sync at once, and End reports errClosed.
	f.open, f.cause = !f.closed, nil
	if f.closed {
		f.cause = errClosed
	}
	s := Session{f: f, n: f.session}
	stale := false
	for u := range f.upstream {
		stale = stale || time.Since(time.Unix(0, u.heard.Load())) > f.staleAfter
	}
	f.mu.Unlock()
	if stale {
		f.transport.CloseIdleConnections()
	}
	return s
}

// staleAfter is Forwarder.staleAfter. A sync after each write reuses its
// connections within moments; one idle for longer costs a new connection,
// and the silence bound is left for a flow that dies under a sync.
const staleAfter = 30 * time.Second

// Cut ends the session's calls in flight at once and refuses its later
// ones (see giveUp), so that libSQL's sync returns, and closes every
// connection to the server, so that the next session dials afresh; cause
// is what End reports. A session already cut or ended is left alone.
func (s Session) Cut(cause error) {
	f := s.f
	f.mu.Lock()
	if f.session != s.n || !f.open {
		f.mu.Unlock()
		return
	}
	f.open, f.cause = false, cause
	var calls []*call
	for c, n := range f.calls {
		if n == s.n {
			calls = append(calls, c)
		}
	}
	conns := make([]*upstreamConn, 0, len(f.upstream))
	for u := range f.upstream {
		conns = append(conns, u)
	}
	f.mu.Unlock()
	for _, c := range calls {
		c.cancel(errCut)
	}
	// Every connection, the ones the calls used and the idle ones: any
	// may be dead, and only the session cut used them.
	for _, u := range conns {
		u.Close()
	}
}

// Err is why the session was cut so far, or nil: a session begun after
// Close is cut from its start, and a sync need not run in it.
func (s Session) Err() error {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.session != s.n {
		return nil
	}
	return f.cause
}

// End closes the session and reports why it was cut, nil if it was not.
func (s Session) End() error {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.session != s.n {
		return nil
	}
	f.open = false
	return f.cause
}

// silenceError is the cause of a sync cut because the primary was silent
// for RequestTimeout; it matches hrana.ErrUnreachable, as a request to a
// silent server does.
type silenceError struct{ d time.Duration }

func (e *silenceError) Error() string {
	return fmt.Sprintf("the primary did not answer a replication call within RequestTimeout (%s)", e.d)
}

func (e *silenceError) Is(target error) bool { return target == hrana.ErrUnreachable }

// watchdog cuts a call that has been silent for timeout: kicked when the
// reply begins and on each read of it that brings bytes.
type watchdog struct {
	timer   *time.Timer
	timeout time.Duration
}

type watchdogKey struct{}

func (w *watchdog) kick() { w.timer.Reset(w.timeout) }

// watchedBody is a reply's body that kicks its watchdog as bytes come.
type watchedBody struct {
	io.ReadCloser
	w *watchdog
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.w.kick()
	}
	return n, err
}

// replicationCall reports whether u names one replication call: the
// prefix, then a method name of letters, digits and underscores, written
// with no escapes. A path that only starts so (dot segments, an escaped
// slash) could reach another endpoint of the server.
func replicationCall(u *url.URL) bool {
	method, ok := strings.CutPrefix(u.Path, replicationPrefix)
	if !ok || method == "" || u.RawPath != "" {
		return false
	}
	for _, c := range method {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// URL is the Forwarder's address, to give libSQL as the primary URL.
func (f *Forwarder) URL() string { return f.url }

// Close cuts the session running (see Session.Cut), stops listening,
// closes every connection, and waits for the server to stop. Later calls
// return the first result.
func (f *Forwarder) Close() error {
	f.closeOnce.Do(func() {
		f.mu.Lock()
		f.closed = true
		running := Session{f: f, n: f.session}
		f.mu.Unlock()
		running.Cut(errClosed)
		// The calls just cut are being answered (giveUp); closing their
		// connections first would make libSQL retry instead.
		ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
		err := f.srv.Shutdown(ctx)
		cancel()
		if err != nil {
			err = f.srv.Close()
		}
		<-f.served
		f.transport.CloseIdleConnections()
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			f.closeErr = err
		}
	})
	return f.closeErr
}

// closeGrace bounds how long Close lets the calls it cut be answered.
const closeGrace = time.Second

// errClosed is the cause of a session cut by Close.
var errClosed = errors.New("libsql: the replica was closed during the sync")
