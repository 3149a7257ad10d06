package syncforward

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/internal/hrana"
	"github.com/gorm-libsql/libsql/internal/hranatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a server standing for sqld that records what reaches it;
// tests use it for what a real server cannot show: the headers as they
// arrive, a redirect, silence.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newRecorder(t *testing.T, h http.HandlerFunc) *recorder {
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, req)
		r.mu.Unlock()
		if h != nil {
			h(w, req)
			return
		}
		_, _ = io.WriteString(w, "reply to "+req.URL.Path)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.reqs...)
}

// start starts a Forwarder to target for namespace acme, with a session
// open.
func start(t *testing.T, target string, timeout time.Duration) (*Forwarder, Session) {
	f, err := Start(Options{Target: target, Namespace: "acme", ConnectTimeout: time.Second, RequestTimeout: timeout})
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return f, f.Begin()
}

// givenUp reports whether resp is the reply that makes libSQL give up
// its sync.
func givenUp(resp *http.Response) bool {
	return resp.StatusCode == http.StatusOK && resp.Header.Get("Grpc-Status") == "9" && resp.Header.Get("Grpc-Message") == "NO_HELLO"
}

func post(t *testing.T, f *Forwarder, path string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.URL()+path, strings.NewReader("body"))
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestForwardsReplicationCallsToTheNamespace(t *testing.T) {
	up := newRecorder(t, nil)
	f, _ := start(t, up.URL, 5*time.Second)
	u, err := url.Parse(f.URL())
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", u.Hostname())

	resp := post(t, f, replicationPrefix+"Hello", http.Header{
		"X-Namespace-Bin": {base64.RawStdEncoding.EncodeToString([]byte("127"))},
		"X-Authorization": {"Bearer token"},
	})
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "reply to "+replicationPrefix+"Hello", string(body))
	reqs := up.requests()
	require.Len(t, reqs, 1)
	target, _ := url.Parse(up.URL)
	assert.Equal(t, "acme."+target.Host, reqs[0].Host)
	assert.Equal(t, []string{base64.RawStdEncoding.EncodeToString([]byte("acme"))}, reqs[0].Header.Values("X-Namespace-Bin"),
		"the namespace libSQL took from the host (127) is replaced")
	assert.Equal(t, "Bearer token", reqs[0].Header.Get("X-Authorization"), "the caller's token is passed on")
	assert.Empty(t, reqs[0].Header.Get("Authorization"), "the forwarder adds no credentials")
}

func TestRefusesEverythingElse(t *testing.T) {
	up := newRecorder(t, nil)
	f, _ := start(t, up.URL, 5*time.Second)
	for _, path := range []string{"/v3/pipeline", "/v2/pipeline", "/", "/v1/namespaces/acme/create", "/wal_log.ReplicationLogX/Hello"} {
		resp := post(t, f, path, nil)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}
	resp, err := http.Get(f.URL() + replicationPrefix + "Hello")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "GET")
	assert.Empty(t, up.requests(), "nothing refused reaches the server")
}

// TestOnlyToTheTarget: a request naming another server (absolute form,
// as sent to a proxy) goes to the target all the same, and a redirect is
// passed back, not followed.
func TestOnlyToTheTarget(t *testing.T) {
	elsewhere := newRecorder(t, nil)
	up := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	f, _ := start(t, up.URL, 5*time.Second)

	conn, err := net.Dial("tcp", strings.TrimPrefix(f.URL(), "http://"))
	require.NoError(t, err)
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s%sHello HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\n\r\n", elsewhere.URL, replicationPrefix, strings.TrimPrefix(elsewhere.URL, "http://"))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	assert.Len(t, up.requests(), 1)
	assert.Empty(t, elsewhere.requests())
}

// TestSilentServerCutsTheSync: a call the server does not answer within
// RequestTimeout is given up, and so is the rest of its session, which
// reports the silence.
func TestSilentServerCutsTheSync(t *testing.T) {
	hold := make(chan struct{})
	up := newRecorder(t, func(http.ResponseWriter, *http.Request) { <-hold })
	defer close(hold)
	const limit = 200 * time.Millisecond
	f, session := start(t, up.URL, limit)
	began := time.Now()
	resp := post(t, f, replicationPrefix+"Hello", nil)
	assert.True(t, givenUp(resp), "status %d, headers %v", resp.StatusCode, resp.Header)
	assert.Less(t, time.Since(began), 10*limit)
	assert.True(t, givenUp(post(t, f, replicationPrefix+"Hello", nil)), "the session's next call")
	assert.Len(t, up.requests(), 1, "a call of a cut session does not reach the server")
	err := session.End()
	require.Error(t, err)
	assert.ErrorIs(t, err, hrana.ErrUnreachable)
	assert.Contains(t, err.Error(), "RequestTimeout (200ms)")
}

// TestOnlyDuringASession: calls before the first session and after one
// ends are given up without reaching the server.
func TestOnlyDuringASession(t *testing.T) {
	up := newRecorder(t, nil)
	f, err := Start(Options{Target: up.URL, ConnectTimeout: time.Second})
	require.NoError(t, err)
	defer f.Close()
	assert.True(t, givenUp(post(t, f, replicationPrefix+"Hello", nil)), "before any session")
	session := f.Begin()
	assert.Equal(t, http.StatusOK, post(t, f, replicationPrefix+"Hello", nil).StatusCode)
	assert.Len(t, up.requests(), 1)
	require.NoError(t, session.End())
	assert.True(t, givenUp(post(t, f, replicationPrefix+"Hello", nil)), "after it ended")
	assert.Len(t, up.requests(), 1)
}

// TestCutEndsTheSession, for a plain and a TLS (HTTP/2) server: Cut
// answers the calls in flight at once (or, mid-reply, breaks them), drops
// their upstream requests and closes every upstream connection, gives up
// the session's later calls, and leaves the next session alone, which
// dials afresh.
func TestCutEndsTheSession(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", tls), func(t *testing.T) {
			var mu sync.Mutex
			var upCancelled, upOpened, upClosed int
			var protos []string
			handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				protos = append(protos, r.Proto)
				mu.Unlock()
				switch {
				case strings.HasSuffix(r.URL.Path, "Hold"):
					<-r.Context().Done()
				case strings.HasSuffix(r.URL.Path, "Stall"):
					_, _ = io.WriteString(w, "frame;")
					w.(http.Flusher).Flush()
					<-r.Context().Done()
				default:
					_, _ = io.WriteString(w, "ok")
					return
				}
				mu.Lock()
				upCancelled++
				mu.Unlock()
			})
			up := httptest.NewUnstartedServer(handler)
			up.Config.ConnState = func(_ net.Conn, st http.ConnState) {
				mu.Lock()
				defer mu.Unlock()
				switch st {
				case http.StateNew:
					upOpened++
				case http.StateClosed:
					upClosed++
				}
			}
			if tls {
				up.EnableHTTP2 = true
				up.StartTLS()
			} else {
				up.Start()
			}
			defer up.Close()
			f, err := Start(Options{Target: up.URL, ConnectTimeout: time.Second, TLSConfig: up.Client().Transport.(*http.Transport).TLSClientConfig})
			require.NoError(t, err)
			defer f.Close()

			session := f.Begin()
			assert.Equal(t, http.StatusOK, post(t, f, replicationPrefix+"Hello", nil).StatusCode, "an idle upstream connection")
			held := make(chan *http.Response, 1)
			go func() {
				req, _ := http.NewRequest(http.MethodPost, f.URL()+replicationPrefix+"Hold", nil)
				resp, err := http.DefaultTransport.RoundTrip(req)
				if err == nil {
					resp.Body.Close()
				}
				held <- resp
			}()
			stalled := post(t, f, replicationPrefix+"Stall", nil)
			buf := make([]byte, 6)
			_, err = io.ReadFull(stalled.Body, buf)
			require.NoError(t, err)
			require.Eventually(t, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(protos) == 3
			}, 2*time.Second, 5*time.Millisecond, "the Hold call reaches the server")

			cause := errors.New("abandoned")
			began := time.Now()
			session.Cut(cause)
			select {
			case resp := <-held:
				require.NotNil(t, resp)
				assert.True(t, givenUp(resp), "the call waiting for its reply is given up")
			case <-time.After(2 * time.Second):
				t.Fatal("a call in flight outlived the cut")
			}
			_, err = io.ReadAll(stalled.Body)
			assert.Error(t, err, "a reply under way breaks")
			assert.Less(t, time.Since(began), time.Second)
			assert.True(t, givenUp(post(t, f, replicationPrefix+"Hello", nil)), "a later call of the cut session")
			require.Eventually(t, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return upCancelled == 2 && upClosed == upOpened
			}, 2*time.Second, 10*time.Millisecond, "the upstream requests end and every connection closes: %d cancelled, %d of %d closed", upCancelled, upClosed, upOpened)
			assert.Equal(t, cause, session.End())
			mu.Lock()
			want := map[bool]string{false: "HTTP/1.1", true: "HTTP/2.0"}[tls]
			assert.Equal(t, []string{want, want, want}, protos)
			mu.Unlock()

			next := f.Begin()
			session.Cut(errors.New("late"))
			assert.Equal(t, http.StatusOK, post(t, f, replicationPrefix+"Hello", nil).StatusCode, "the next session forwards")
			assert.NoError(t, next.End(), "a cut of an earlier session does not touch it")
		})
	}
}

// TestNamespaceWithout: without a namespace, a call keeps the target's
// Host and names the namespace libSQL would have taken from the target's
// host, not the "127" of the Forwarder's address.
func TestNamespaceWithout(t *testing.T) {
	for host, want := range map[string]string{
		"db-org.aws-eu-west-1.turso.io": "db-org",
		"127.0.0.1:8080":                "127",
		"localhost:8080":                "default",
		"[::1]:8080":                    "default",
	} {
		target, err := url.Parse("https://" + host)
		require.NoError(t, err)
		in := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:1"+replicationPrefix+"Hello", nil)
		in.Header.Set("X-Namespace-Bin", base64.RawStdEncoding.EncodeToString([]byte("127")))
		pr := &httputil.ProxyRequest{In: in, Out: in.Clone(in.Context())}
		rewrite(target, "")(pr)
		assert.Equal(t, host, pr.Out.URL.Host, host)
		assert.Equal(t, host, pr.Out.Host, host)
		assert.Equal(t, base64.RawStdEncoding.EncodeToString([]byte(want)), pr.Out.Header.Get("X-Namespace-Bin"), host)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	hold := make(chan struct{})
	up := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "Snapshot") {
			<-hold
		}
	})
	goroutines := runtime.NumGoroutine()
	f, err := Start(Options{Target: up.URL, Namespace: "acme", ConnectTimeout: time.Second})
	require.NoError(t, err)
	session := f.Begin()
	post(t, f, replicationPrefix+"Hello", nil).Body.Close()
	inFlight := make(chan *http.Response, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, f.URL()+replicationPrefix+"Snapshot", nil)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		inFlight <- resp
	}()
	require.Eventually(t, func() bool { return len(up.requests()) == 2 }, 5*time.Second, 10*time.Millisecond)

	require.NoError(t, f.Close())
	require.NoError(t, f.Close(), "Close again")
	select {
	case resp := <-inFlight:
		require.NotNil(t, resp)
		assert.True(t, givenUp(resp), "the call in flight is given up")
	case <-time.After(5 * time.Second):
		t.Fatal("a call in flight outlived Close")
	}
	assert.Error(t, session.End(), "the session was cut")
	_, err = net.DialTimeout("tcp", strings.TrimPrefix(f.URL(), "http://"), time.Second)
	assert.Error(t, err, "nothing listens after Close")
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	close(hold) // the server's handler of the cut call
	// +1: Eventually runs the condition in a goroutine of its own.
	require.Eventually(t, func() bool { return runtime.NumGoroutine() <= goroutines+1 }, 5*time.Second, 10*time.Millisecond,
		"goroutines: %d, before: %d", runtime.NumGoroutine(), goroutines)
}

func TestStartChecks(t *testing.T) {
	for _, opts := range []Options{
		{Target: "ftp://127.0.0.1:1", Namespace: "acme"},
		{Target: "http://", Namespace: "acme"},
		{Target: "http://127.0.0.1:1", Namespace: "a.b"},
		{Target: "http://127.0.0.1:1", Namespace: "a/b"},
	} {
		_, err := Start(opts)
		assert.Error(t, err, "%+v", opts)
	}
}

// TestRefusesPathTricks: a path that only starts like a replication call,
// and climbs out of it with dot segments (plain or escaped) or hides a
// slash, is refused; it does not reach the server.
func TestRefusesPathTricks(t *testing.T) {
	up := newRecorder(t, nil)
	f, _ := start(t, up.URL, 5*time.Second)
	for _, path := range []string{
		replicationPrefix + "../v2/pipeline",
		replicationPrefix + "%2e%2e/v2/pipeline",
		replicationPrefix + "..%2fv2%2fpipeline",
		replicationPrefix + "Hello/../../v2/pipeline",
		replicationPrefix + "./Hello",
		replicationPrefix + "Hello%2f..%2f..%2fv2",
		replicationPrefix,
	} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(f.URL(), "http://"))
		require.NoError(t, err)
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", path)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err, path)
		resp.Body.Close()
		conn.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}
	assert.Empty(t, up.requests(), "nothing refused reaches the server")
}

// TestSlowReplyWithProgressNotCut: a reply that streams for longer than
// RequestTimeout, a large snapshot over a slow link, passes whole as long
// as bytes keep coming; one that stops coming is cut RequestTimeout after
// its last bytes.
func TestSlowReplyWithProgressNotCut(t *testing.T) {
	const limit = 450 * time.Millisecond
	hold := make(chan struct{})
	defer close(hold)
	up := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 8; i++ {
			_, _ = io.WriteString(w, "frame;")
			w.(http.Flusher).Flush()
			time.Sleep(limit / 3)
		}
		if strings.HasSuffix(r.URL.Path, "Stall") {
			<-hold
		}
	})
	f, session := start(t, up.URL, limit)
	began := time.Now()
	body, err := io.ReadAll(post(t, f, replicationPrefix+"Snapshot", nil).Body)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("frame;", 8), string(body))
	assert.Greater(t, time.Since(began), 2*limit, "the reply took longer than RequestTimeout")

	began = time.Now()
	body, err = io.ReadAll(post(t, f, replicationPrefix+"Stall", nil).Body)
	assert.Error(t, err, "a reply that stalls is cut")
	assert.Equal(t, strings.Repeat("frame;", 8), string(body))
	assert.Less(t, time.Since(began), 8*limit/3+5*limit)
	assert.ErrorIs(t, session.End(), hrana.ErrUnreachable)
}

// TestStaleConnectionsNotReused: a session reuses the connections of the
// one before, unless they have been silent for longer than staleAfter
// (one may have died idle): then it dials afresh.
func TestStaleConnectionsNotReused(t *testing.T) {
	var mu sync.Mutex
	var opened, closed int
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	up.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch st {
		case http.StateNew:
			opened++
		case http.StateClosed:
			closed++
		}
	}
	up.Start()
	defer up.Close()
	f, err := Start(Options{Target: up.URL, ConnectTimeout: time.Second})
	require.NoError(t, err)
	defer f.Close()
	f.staleAfter = 200 * time.Millisecond
	counts := func() [2]int {
		mu.Lock()
		defer mu.Unlock()
		return [2]int{opened, closed}
	}
	oneSync := func() {
		t.Helper()
		s := f.Begin()
		resp := post(t, f, replicationPrefix+"Hello", nil)
		_, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.NoError(t, s.End())
	}

	oneSync()
	oneSync()
	assert.Equal(t, [2]int{1, 0}, counts(), "the second session reuses the connection")
	time.Sleep(300 * time.Millisecond)
	oneSync()
	require.Eventually(t, func() bool { return counts() == [2]int{2, 1} }, 2*time.Second, 10*time.Millisecond,
		"a stale connection is dropped and a new one dialed: %v", counts())
}

// The forwarder reaches a server trusted only through TLSConfig, which
// asks for a client certificate, and only with it.
func TestTLSConfig(t *testing.T) {
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "reply to "+r.URL.Path)
	}))
	defer up.Close()
	trusted := hranatest.StartTLS(t, up, true)
	noCert := trusted.Clone()
	noCert.Certificates = nil
	for name, c := range map[string]struct {
		tls    *tls.Config
		status int
	}{
		"trusted, with the client certificate": {trusted, http.StatusOK},
		"without the client certificate":       {noCert, http.StatusBadGateway},
		"without TLSConfig":                    {nil, http.StatusBadGateway},
	} {
		t.Run(name, func(t *testing.T) {
			f, err := Start(Options{Target: up.URL, ConnectTimeout: time.Second, TLSConfig: c.tls})
			require.NoError(t, err)
			defer f.Close()
			f.Begin()
			resp := post(t, f, replicationPrefix+"Hello", nil)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, c.status, resp.StatusCode, string(body))
			if c.status == http.StatusOK {
				assert.Equal(t, "reply to "+replicationPrefix+"Hello", string(body))
			}
		})
	}
	assert.Empty(t, trusted.NextProtos, "the caller's config is not changed")
}

// TestBeginAfterClose: a session begun after Close is cut from its start
// and forwards nothing, so a sync that raced Close need not run.
func TestBeginAfterClose(t *testing.T) {
	f, err := Start(Options{Target: "http://127.0.0.1:1", ConnectTimeout: time.Second, RequestTimeout: time.Second})
	require.NoError(t, err)
	require.NoError(t, f.Close())
	s := f.Begin()
	require.ErrorIs(t, s.Err(), errClosed)
	assert.ErrorIs(t, s.End(), errClosed)
}
