// Package nsforward lets libSQL's embedded-replica sync reach one sqld
// namespace on a server that is not addressed by name.
//
// libSQL's sync (the C library behind internal/replica) sends its
// replication calls as gRPC-web requests to the primary URL, naming the
// namespace in the x-namespace-bin header, which it takes from the first
// label of the URL's host; it has no option to set it. A sqld on a
// loopback address (127.0.0.1) would be asked for namespace "127", and
// "<namespace>.localhost" does not resolve everywhere. A Forwarder listens
// on a loopback port of its own, one per replica, and sends every
// replication call it gets to the one server it was given, naming its
// namespace (header and Host), so the replica's primary URL is the
// Forwarder's.
//
// It adds no credentials: the token is the one libSQL sends, and it goes to
// the configured server only (no environment proxy, no redirect followed),
// so a local process that connects to the port can do no more than it
// could with the server itself. It forwards only replication calls; Hrana
// requests (writes) go straight to the server with the namespace's Host
// header (internal/hrana).
package nsforward

import (
	"context"
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
	"time"

	"github.com/gorm-libsql/libsql/internal/hrana"
)

// ReplicationPrefix is the path of the replication service, under which
// libSQL's sync sends every call (Hello, LogEntries, BatchLogEntries,
// Snapshot).
const ReplicationPrefix = "/wal_log.ReplicationLog/"

// namespaceHeader is the gRPC metadata, binary (base64, unpadded), that
// sqld's replication service reads the namespace from.
const namespaceHeader = "X-Namespace-Bin"

// Options configures a Forwarder.
type Options struct {
	// Target is the server's base URL (http:// or https://), already
	// checked.
	Target string
	// Namespace is the sqld namespace every call goes to.
	Namespace string
	// ConnectTimeout bounds connecting to the server (and the TLS
	// handshake).
	ConnectTimeout time.Duration
	// RequestTimeout bounds each forwarded call's silences: the wait from
	// receiving it to the server's reply, and each wait for more of the
	// reply, so that a long reply that keeps coming (a large snapshot) is
	// not cut. 0 or less leaves it to the caller.
	RequestTimeout time.Duration
}

// Forwarder is a loopback HTTP server forwarding replication calls to one
// namespace. Close stops it.
type Forwarder struct {
	url       string
	srv       *http.Server
	transport *http.Transport
	served    chan struct{}
	closeOnce sync.Once
	closeErr  error
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
		return nil, fmt.Errorf("libsql: namespace forwarder: bad target URL %q", opts.Target)
	}
	if opts.Namespace == "" || strings.ContainsAny(opts.Namespace, ".:/ ") {
		return nil, fmt.Errorf("libsql: namespace forwarder: bad namespace %q", opts.Namespace)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("libsql: namespace forwarder: %w", err)
	}
	transport := hrana.Limits{ConnectTimeout: opts.ConnectTimeout}.Transport()
	// Never through an environment proxy: the calls carry the token and
	// must reach the configured server only.
	transport.Proxy = nil
	transport.ResponseHeaderTimeout = max(opts.RequestTimeout, 0)
	transport.MaxIdleConnsPerHost = 4
	host := hrana.NamespaceHost(opts.Namespace, target.Host)
	nsValue := base64.RawStdEncoding.EncodeToString([]byte(opts.Namespace))
	quiet := log.New(io.Discard, "", 0)
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = host
			r.Out.Header.Set(namespaceHeader, nsValue)
		},
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
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, "libsql namespace forwarder: "+err.Error(), http.StatusBadGateway)
		},
	}
	f := &Forwarder{
		url:       "http://" + ln.Addr().String(),
		transport: transport,
		served:    make(chan struct{}),
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

// handler forwards replication calls, each cut after timeout of silence
// (see Options.RequestTimeout), and refuses everything else.
func (f *Forwarder) handler(next http.Handler, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !replicationCall(r.URL) {
			http.Error(w, "libsql namespace forwarder: only replication calls (POST "+ReplicationPrefix+"...) are forwarded", http.StatusNotFound)
			return
		}
		if timeout > 0 {
			ctx, cancel := context.WithCancel(r.Context())
			defer cancel()
			wd := &watchdog{timer: time.AfterFunc(timeout, cancel), timeout: timeout}
			defer wd.timer.Stop()
			r = r.WithContext(context.WithValue(ctx, watchdogKey{}, wd))
		}
		next.ServeHTTP(w, r)
	})
}

// watchdog cancels a call that has been silent for timeout: kicked when
// the reply begins and on each read of it that brings bytes.
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
	method, ok := strings.CutPrefix(u.Path, ReplicationPrefix)
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

// Close stops listening, closes every connection (calls in flight fail),
// and waits for the server to stop. Later calls return the first result.
func (f *Forwarder) Close() error {
	f.closeOnce.Do(func() {
		err := f.srv.Close()
		<-f.served
		f.transport.CloseIdleConnections()
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			f.closeErr = err
		}
	})
	return f.closeErr
}
