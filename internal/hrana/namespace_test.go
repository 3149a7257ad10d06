package hrana

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refusingServer answers the first refusals requests with a 404 carrying
// message, then empty pipelines; it records the Host and body of each.
type refusingServer struct {
	mu       sync.Mutex
	refusals int
	message  string
	hosts    []string
	bodies   []string
}

func (s *refusingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.hosts = append(s.hosts, r.Host)
	s.bodies = append(s.bodies, string(body))
	refuse := len(s.hosts) <= s.refusals
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if refuse {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":"`+s.message+`"}`)
		return
	}
	_, _ = io.WriteString(w, `{"baton":null,"base_url":null,"results":[]}`)
}

func sendEmpty(t *testing.T, url string) error {
	c, err := NewConnector(Options{URL: url, Host: "acme.db.test:8080"})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.cl.send(context.Background(), "", &pipelineRequest{Requests: []request{}})
	return err
}

func TestNamespaceHostAndRetry(t *testing.T) {
	// sqld refusing an existing namespace now and then: resent, same body.
	srv := &refusingServer{refusals: 2, message: "Namespace `acme` doesn't exist"}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	require.NoError(t, sendEmpty(t, hs.URL))
	assert.Equal(t, []string{"acme.db.test:8080", "acme.db.test:8080", "acme.db.test:8080"}, srv.hosts)
	require.Len(t, srv.bodies, 3)
	assert.Equal(t, srv.bodies[0], srv.bodies[2])
	assert.NotEmpty(t, srv.bodies[2])
}

func TestNamespaceMissingReported(t *testing.T) {
	srv := &refusingServer{refusals: 100, message: "Namespace `acme` doesn't exist"}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	err := sendEmpty(t, hs.URL)
	var he *Error
	require.True(t, errors.As(err, &he), "%v", err)
	assert.Equal(t, http.StatusNotFound, he.Status)
	assert.Contains(t, he.Message, "doesn't exist")
	assert.Len(t, srv.hosts, 1+len(NamespaceRetryDelays), "resent as often as there are delays, then reported")
}

func TestNamespaceOther404NotResent(t *testing.T) {
	srv := &refusingServer{refusals: 100, message: "no such route"}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	err := sendEmpty(t, hs.URL)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no such route")
	assert.Len(t, srv.hosts, 1)
}

func TestNamespaceRetryStopsWithContext(t *testing.T) {
	srv := &refusingServer{refusals: 100, message: "Namespace `acme` doesn't exist"}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	c, err := NewConnector(Options{URL: hs.URL, Host: "acme.db.test"})
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.cl.send(ctx, "", &pipelineRequest{Requests: []request{}})
	assert.ErrorIs(t, err, context.Canceled)
	assert.LessOrEqual(t, len(srv.hosts), 1)
}
