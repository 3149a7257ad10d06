package hrana

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// The network limits' defaults: the one place they are set. The dialect's
// Config documents them.
const (
	// DefaultConnectTimeout bounds opening a TCP connection and its TLS
	// handshake.
	DefaultConnectTimeout = 10 * time.Second
	// DefaultRequestTimeout bounds one request, from sending it to reading
	// the whole reply, when the caller's context has no deadline of its
	// own; for rows read as they stream in, each wait for the server to
	// send more of them (see Limits.watch). A context deadline replaces it, longer or shorter.
	DefaultRequestTimeout = 60 * time.Second
	// DefaultMaxResponseBytes caps the size of one reply, and of one
	// entry (a row) of rows read as they stream in.
	DefaultMaxResponseBytes = 64 << 20
)

// Limits bounds the network use of remote connections. Zero fields take
// the defaults above; a negative RequestTimeout leaves requests bounded
// only by their context.
type Limits struct {
	ConnectTimeout   time.Duration
	RequestTimeout   time.Duration
	MaxResponseBytes int64
	// TLSConfig, when set, is the TLS configuration of every connection
	// to the server (its root CAs, a client certificate). It travels with
	// the limits because every transport to the server is built from them
	// (Transport), so none can miss it; each transport gets its own clone.
	TLSConfig *tls.Config
}

// WithDefaults fills the unset limits with the defaults above.
func (l Limits) WithDefaults() Limits {
	if l.ConnectTimeout <= 0 {
		l.ConnectTimeout = DefaultConnectTimeout
	}
	if l.RequestTimeout == 0 {
		l.RequestTimeout = DefaultRequestTimeout
	}
	if l.MaxResponseBytes <= 0 {
		l.MaxResponseBytes = DefaultMaxResponseBytes
	}
	return l
}

// Bound gives ctx the request deadline when it has none: what every call
// that reaches the network must do, so that none waits forever.
func (l Limits) Bound(ctx context.Context) (context.Context, context.CancelFunc) {
	l = l.WithDefaults()
	if _, ok := ctx.Deadline(); ok || l.RequestTimeout < 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, l.RequestTimeout, &requestTimeoutError{l.RequestTimeout})
}

// watch bounds a reply read as it streams in: without a deadline in ctx,
// each wait for the server (for the reply to begin, then for each next
// part of it) is bounded by RequestTimeout, the reply as a whole not, so
// that a long read that keeps coming is not cut, nor one whose reader
// takes its time between rows. The watch starts armed, for the reply's
// beginning; wait arms it again before a read that may block, rest
// disarms it once the read returned; cancel ends it.
func (l Limits) watch(ctx context.Context) (_ context.Context, wait, rest func(), cancel context.CancelFunc) {
	l = l.WithDefaults()
	if _, ok := ctx.Deadline(); ok || l.RequestTimeout < 0 {
		ctx, cancel := context.WithCancel(ctx)
		return ctx, func() {}, func() {}, cancel
	}
	ctx, cancelCause := context.WithCancelCause(ctx)
	d := l.RequestTimeout
	timer := time.AfterFunc(d, func() { cancelCause(&requestTimeoutError{d}) })
	return ctx, func() { timer.Reset(d) }, func() { timer.Stop() }, func() { timer.Stop(); cancelCause(context.Canceled) }
}

// requestTimeoutError is the cause of a request cut by RequestTimeout.
type requestTimeoutError struct{ d time.Duration }

func (e *requestTimeoutError) Error() string {
	return fmt.Sprintf("the server did not answer within RequestTimeout (%s); for longer statements raise Config.RequestTimeout or pass a context with a later deadline", e.d)
}

// ErrResponseTooLarge is matched (errors.Is) by the error of a reply larger
// than MaxResponseBytes.
var ErrResponseTooLarge = errors.New("libsql: the server's reply is too large")

// tooLargeError is a reply, or with entry set one entry of a streamed
// reply (a row), larger than limit.
type tooLargeError struct {
	limit int64
	entry bool
}

func (e *tooLargeError) Error() string {
	if e.entry {
		return fmt.Sprintf("libsql: a row the server sent is larger than MaxResponseBytes (%d bytes); select fewer or smaller columns or raise Config.MaxResponseBytes", e.limit)
	}
	return fmt.Sprintf("libsql: the server's reply is larger than MaxResponseBytes (%d bytes); fetch fewer rows at a time (LIMIT) or raise Config.MaxResponseBytes", e.limit)
}

func (e *tooLargeError) Is(target error) bool { return target == ErrResponseTooLarge }

// Transport returns a keep-alive transport sized for a connection pool,
// whose connect (and TLS handshake) is bounded by l.ConnectTimeout. It
// honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY, as Go's default transport
// does. Its TLS configuration is a clone of l.TLSConfig: the transport
// adds its protocols to the one it holds, which must not be the caller's.
func (l Limits) Transport() *http.Transport {
	return &http.Transport{
		TLSClientConfig:     l.TLSConfig.Clone(),
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: l.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: l.ConnectTimeout,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}
}

// newHTTPClient returns a client on l.Transport that follows no redirect.
func newHTTPClient(l Limits) *http.Client {
	t := l.Transport()
	// Redirects would carry the token to wherever they lead.
	return &http.Client{Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
