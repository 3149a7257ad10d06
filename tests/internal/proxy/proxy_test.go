package proxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProxyForwardsAndCounts(t *testing.T) {
	var gotHost string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotHost = r.Host
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Path", r.URL.Path)
		w.Write([]byte(r.Method + " " + r.URL.RequestURI() + " " + string(body)))
	}))
	defer srv.Close()

	p, err := New(srv.URL)
	require.NoError(t, err)
	defer p.Close()
	require.NotEqual(t, srv.URL, p.URL())
	require.True(t, strings.HasPrefix(p.URL(), "http://127.0.0.1:"))

	resp, err := http.Post(p.URL()+"/v2/pipeline?x=1", "application/json", strings.NewReader(`{"a":1}`))
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, `POST /v2/pipeline?x=1 {"a":1}`, string(body))
	assert.Equal(t, "/v2/pipeline", resp.Header.Get("X-Path"))
	assert.Equal(t, strings.TrimPrefix(p.URL(), "http://"), gotHost, "the Host header is the one the client sent")

	for range 2 {
		resp, err := http.Get(p.URL() + "/health")
		require.NoError(t, err)
		resp.Body.Close()
	}
	assert.EqualValues(t, 3, p.Requests())
	assert.Equal(t, []PathCount{{"GET /health", 2}, {"POST /v2/pipeline", 1}}, p.Paths())
}

func TestProxyLatency(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	p := proxyFor(t, srv)

	const d = 50 * time.Millisecond
	p.SetLatency(d)
	start := time.Now()
	resp, err := http.Get(p.URL())
	require.NoError(t, err)
	resp.Body.Close()
	assert.GreaterOrEqual(t, time.Since(start), d, "each request waits the set latency")
	assert.EqualValues(t, 1, p.Requests())
}

func TestProxyStreams(t *testing.T) {
	// A replication stream sends frames before the response ends; the proxy
	// must pass each on at once rather than buffer the whole body.
	next := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("frame1\n"))
		w.(http.Flusher).Flush()
		<-next
		w.Write([]byte("frame2\n"))
	}))
	p := proxyFor(t, srv)

	resp, err := http.Get(p.URL())
	require.NoError(t, err)
	defer resp.Body.Close()
	buf := make([]byte, 7)
	_, err = io.ReadFull(resp.Body, buf)
	require.NoError(t, err)
	assert.Equal(t, "frame1\n", string(buf))
	close(next)
	rest, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "frame2\n", string(rest))
}

func TestProxyRefusesNonLoopbackTargets(t *testing.T) {
	for _, target := range []string{"http://example.com", "http://10.0.0.1:8080", "https://127.0.0.1:8080", "ftp://127.0.0.1", "::"} {
		_, err := New(target)
		assert.Error(t, err, target)
	}
	p, err := New("libsql://127.0.0.1:1")
	require.NoError(t, err, "libsql:// on loopback means plain HTTP")
	assert.True(t, strings.HasPrefix(p.URL(), "http://"))
	require.NoError(t, p.Close())
}

func TestProxyForwardsHTTP2AsHTTP2(t *testing.T) {
	// gRPC (replication) needs HTTP/2 end to end.
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.Proto))
	}))
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	srv.Config.Protocols = &protocols
	srv.Start()
	p := proxyFor(t, srv)

	var h2 http.Protocols
	h2.SetUnencryptedHTTP2(true)
	client := &http.Client{Transport: &http.Transport{Protocols: &h2}}
	for _, c := range []struct {
		client *http.Client
		want   string
	}{{client, "HTTP/2.0"}, {http.DefaultClient, "HTTP/1.1"}} {
		resp, err := c.client.Get(p.URL())
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, c.want, string(body))
	}
}

func TestProxyBlackHoleAndHeal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	p := proxyFor(t, srv)

	p.BlackHole(true)
	held := make(chan error, 1)
	go func() {
		resp, err := http.Get(p.URL())
		if err == nil {
			resp.Body.Close()
		}
		held <- err
	}()
	client := &http.Client{Timeout: 200 * time.Millisecond}
	_, err := client.Get(p.URL())
	require.Error(t, err, "no answer while black-holed")
	select {
	case <-held:
		t.Fatal("a held request was answered")
	case <-time.After(100 * time.Millisecond):
	}
	p.BlackHole(false)
	select {
	case err := <-held:
		assert.Error(t, err, "healing breaks the requests that were held")
	case <-time.After(5 * time.Second):
		t.Fatal("a held request was never released")
	}
	resp, err := http.Get(p.URL())
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestProxyFrozenFlowsStayDead(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	p := proxyFor(t, srv)
	addr := strings.TrimPrefix(p.URL(), "http://")
	dial := func() net.Conn {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c
	}
	// get sends one request on c and reads the reply, waiting at most
	// 300ms.
	get := func(c net.Conn) error {
		require.NoError(t, c.SetDeadline(time.Now().Add(300*time.Millisecond)))
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return err
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err == nil && string(body) != "ok" {
			err = errors.New("unexpected body " + string(body))
		}
		return err
	}
	timedOut := func(err error) bool {
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}

	before := dial()
	require.NoError(t, get(before), "a flow works before the freeze")
	p.Freeze(true)
	during := dial()
	assert.True(t, timedOut(get(before)), "an open flow is dead")
	assert.True(t, timedOut(get(during)), "a flow opened while frozen is dead")
	requests := p.Requests()

	p.Freeze(false)
	assert.True(t, timedOut(get(before)), "a frozen flow stays dead after the heal")
	assert.True(t, timedOut(get(during)), "so does one opened while frozen")
	assert.Equal(t, requests, p.Requests(), "nothing sent on a frozen flow reaches the server")
	assert.NoError(t, get(dial()), "a new flow works")
}

func TestProxyDropsAChosenResponse(t *testing.T) {
	var ran []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ran = append(ran, string(body))
		w.Write([]byte("done"))
	}))
	p := proxyFor(t, srv)

	dropped := p.DropResponse("/v3/pipeline", "COMMIT")
	post := func(body string) error {
		resp, err := http.Post(p.URL()+"/v3/pipeline", "application/json", strings.NewReader(body))
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	require.NoError(t, post("INSERT"), "other requests pass")
	require.Error(t, post("COMMIT"), "the chosen one gets no response")
	<-dropped
	require.NoError(t, post("COMMIT"), "only once")
	assert.Equal(t, []string{"INSERT", "COMMIT", "COMMIT"}, ran, "the server ran the request whose response was dropped")
}

func TestProxyCutsConnections(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("part"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	p := proxyFor(t, srv)
	resp, err := http.Get(p.URL())
	require.NoError(t, err)
	defer resp.Body.Close()
	buf := make([]byte, 4)
	_, err = io.ReadFull(resp.Body, buf)
	require.NoError(t, err)
	p.CutConnections()
	_, err = io.ReadAll(resp.Body)
	assert.Error(t, err, "the open response breaks")
}

// proxyFor starts a proxy in front of srv; both close when the test ends.
func proxyFor(t *testing.T, srv *httptest.Server) *Proxy {
	t.Helper()
	t.Cleanup(srv.Close)
	p, err := New(srv.URL)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}
