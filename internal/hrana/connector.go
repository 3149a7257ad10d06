// Package hrana is the database/sql driver behind the dialect's remote mode,
// and the write side of its embedded replicas: a client of libSQL's Hrana
// protocol over HTTP. Each connection is a
// server-side stream; statements of a transaction share one, and the
// transaction's BEGIN travels with its first statement.
package hrana

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/internal/sqlite"
)

// Options configures remote connections. The dialect fills it from its Config.
type Options struct {
	// URL is the database: libsql:// (HTTPS), https://, http://; ws:// and
	// wss:// name the same server, spoken to over HTTP and HTTPS: the
	// client speaks Hrana over HTTP only.
	URL string
	// AuthToken is sent as a bearer token; empty sends none.
	AuthToken string
	// EncryptionKey, when set, is sent as the x-turso-encryption-key
	// header of every request: the key of a database that Turso Cloud
	// keeps encrypted at rest. Like the token, it never appears in an
	// error.
	EncryptionKey string
	// TxLock is the BEGIN mode of read-write transactions: "IMMEDIATE"
	// (default), "DEFERRED" or "EXCLUSIVE".
	TxLock string
	// Observe, when set, is called before every HTTP request.
	Observe func()
	// Limits bounds connecting, each request, and the size of a reply.
	Limits Limits
	// Host, when set, is sent as the Host header instead of the URL's
	// host: sqld picks a namespace by the Host header's first label, so
	// "acme.127.0.0.1:8080" reaches namespace acme on the server at URL
	// without resolving a name. See namespaceTransport.
	Host string
	// CastValues writes the values Hrana's JSON cannot carry as local
	// connections store them: text that is not valid UTF-8 as text, and
	// ±Inf, each sent in another form and cast back by the statement. The
	// server cannot send such text back. Embedded replicas set it, as their
	// local reads bind such values so; without it such text is stored as a
	// blob, which remote reads bring back intact, and ±Inf is refused.
	CastValues bool
}

// The Hrana 3 endpoints, under the primary's URL or a stream's base URL.
const (
	pipelinePath = "/v3/pipeline"
	cursorPath   = "/v3/cursor"
)

// Connector opens streams on one server. It implements driver.Connector and
// io.Closer.
type Connector struct {
	cl         *client
	txLock     string
	castValues bool
}

// NewConnector checks opts. It sends nothing: database/sql's Ping (which
// GORM runs at Open) is the first request.
func NewConnector(opts Options) (*Connector, error) {
	base, err := BaseURL(opts.URL)
	if err != nil {
		return nil, err
	}
	lock, err := sqlite.TxLock(opts.TxLock)
	if err != nil {
		return nil, err
	}
	limits := opts.Limits.WithDefaults()
	cl := &client{http: newHTTPClient(limits), base: base, token: opts.AuthToken, encryptionKey: opts.EncryptionKey, observe: opts.Observe, limits: limits, beginBusyTimeout: beginBusyTimeout}
	if opts.Host != "" {
		cl.http.Transport = &namespaceTransport{base: cl.http.Transport, host: opts.Host, delays: NamespaceRetryDelays}
	}
	if opts.AuthToken != "" {
		cl.auth = "Bearer " + opts.AuthToken
	}
	return &Connector{cl: cl, txLock: lock, castValues: opts.CastValues}, nil
}

// BaseURL checks a database URL and returns the HTTP URL it names.
// libsql:// is Turso's name for HTTPS.
func BaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", errmsg.Wrap(err, "libsql: URL is not valid")
	}
	switch strings.ToLower(u.Scheme) {
	case "libsql", "https", "wss":
		u.Scheme = "https"
	case "http", "ws":
		u.Scheme = "http"
	case "":
		return "", errors.New("libsql: URL has no scheme; want libsql://, https:// or http://")
	default:
		return "", fmt.Errorf("libsql: unknown URL scheme %q; want libsql://, https:// or http://", u.Scheme)
	}
	if u.Host == "" {
		return "", errors.New("libsql: URL names no host")
	}
	if u.User != nil {
		return "", errors.New("libsql: URL must not hold credentials; set AuthToken instead")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("libsql: URL must not hold query parameters; set them as Config fields")
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// Connect returns a connection; its stream opens with its first statement.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.Open(), nil
}

// Open returns a connection without sending anything: its stream opens
// with its first statement.
func (c *Connector) Open() *Conn {
	cn := &Conn{cl: c.cl, txLock: c.txLock, castValues: c.castValues}
	cn.TextStatements.Runner = cn
	return cn
}

// Driver implements driver.Connector.
func (c *Connector) Driver() driver.Driver { return Driver{} }

// Close releases idle HTTP connections.
func (c *Connector) Close() error {
	c.cl.http.CloseIdleConnections()
	return nil
}

// Driver opens remote databases from a URL alone, without a token; the
// dialect uses Connector.
type Driver struct{}

// Open implements driver.Driver.
func (Driver) Open(name string) (driver.Conn, error) {
	c, err := NewConnector(Options{URL: name})
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// Check asks the server at opts.URL (through opts.Host, when set) whether
// it accepts opts.AuthToken, with one pipeline that only closes the stream
// it opens: sqld gives a new stream a connection of its own, which an
// unclosed stream would hold for 10 seconds, out of the server's 128. It
// returns nil, an error matching ErrAuth, one matching ErrUnreachable, or
// the server's refusal (an *Error: a namespace that does not exist is a
// 404).
func Check(ctx context.Context, opts Options) error {
	c, err := NewConnector(opts)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.cl.send(ctx, "", &pipelineRequest{Requests: []request{{Type: "close"}}})
	return err
}
