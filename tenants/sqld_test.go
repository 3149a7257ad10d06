package tenants

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/internal/hranatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// adminServer answers every request with status and body.
func adminServer(t *testing.T, status int, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func sqldStore(t *testing.T, admin string, tpl libsql.Config) *SQLDNamespaces {
	s, err := NewSQLDNamespaces(SQLDConfig{URL: admin, AdminURL: admin, Template: tpl})
	require.NoError(t, err)
	return s
}

// Issue 19: the store took any HTTP 200 for success.
func TestSQLDAdminReplies(t *testing.T) {
	ctx := context.Background()
	t.Run("Exists", func(t *testing.T) {
		for name, c := range map[string]struct {
			status int
			body   string
			exists bool
			err    string
		}{
			"config":        {200, `{"block_reads":false,"block_writes":false,"block_reason":null,"jwt_key":null}`, true, ""},
			"missing":       {404, `{"error":"Namespace ` + "`acme`" + ` doesn't exist"}`, false, ""},
			"html page":     {200, `<html>welcome</html>`, false, "not a namespace's configuration"},
			"other json":    {200, `{"ok":true}`, false, "not a namespace's configuration"},
			"empty":         {200, ``, false, "not a namespace's configuration"},
			"other 404":     {404, `404 page not found`, false, "HTTP 404"},
			"server failed": {500, `{"error":"boom"}`, false, "HTTP 500: boom"},
		} {
			t.Run(name, func(t *testing.T) {
				s := sqldStore(t, adminServer(t, c.status, c.body).URL, libsql.Config{})
				ok, err := s.Exists(ctx, "acme")
				if c.err != "" {
					assert.ErrorContains(t, err, c.err)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, c.exists, ok)
			})
		}
	})
	t.Run("CreateNamespace", func(t *testing.T) {
		for name, c := range map[string]struct {
			status  int
			body    string
			existed bool
			err     string
		}{
			"created":   {200, ``, false, ""},
			"existed":   {400, `{"error":"Namespace ` + "`acme`" + ` already exists"}`, true, ""},
			"html page": {200, `<html>welcome</html>`, false, "answered HTTP 200 with"},
			"json":      {200, `{"created":false}`, false, "answered HTTP 200 with"},
			"refused":   {400, `{"error":"invalid jwt key"}`, false, "refused to create namespace acme: HTTP 400: invalid jwt key"},
		} {
			t.Run(name, func(t *testing.T) {
				s := sqldStore(t, adminServer(t, c.status, c.body).URL, libsql.Config{})
				existed, err := s.createNamespace(ctx, "acme", "")
				if c.err != "" {
					assert.ErrorContains(t, err, c.err)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, c.existed, existed)
			})
		}
	})
}

func TestNewSQLDNamespaces(t *testing.T) {
	srv := adminServer(t, 404, "")
	t.Run("Refused", func(t *testing.T) {
		for want, cfg := range map[string]SQLDConfig{
			"AdminURL is empty":                       {URL: srv.URL},
			"unknown URL scheme":                      {URL: "ftp://x", AdminURL: srv.URL},
			"must not set Database":                   {URL: srv.URL, AdminURL: srv.URL, Template: libsql.Config{Database: "x.db"}},
			"must not set Database, URL, Namespace":   {URL: srv.URL, AdminURL: srv.URL, Template: libsql.Config{Namespace: "x"}},
			"invalid tenant name":                     {URL: srv.URL, AdminURL: srv.URL, Catalog: "Bad_Catalog"},
			"set ReplicaDir too":                      {URL: srv.URL, AdminURL: srv.URL, Template: libsql.Config{SyncInterval: time.Second}},
			"BusyTimeout applies":                     {URL: srv.URL, AdminURL: srv.URL, Template: libsql.Config{BusyTimeout: time.Second}},
			"ConnectTimeout":                          {URL: srv.URL, AdminURL: srv.URL, Template: libsql.Config{ConnectTimeout: -1}},
			"SQLDConfig.AdminURL: unknown URL scheme": {URL: srv.URL, AdminURL: "ftp://127.0.0.1:9090"},
		} {
			_, err := NewSQLDNamespaces(cfg)
			assert.ErrorContains(t, err, want)
		}
	})
	t.Run("Defaults", func(t *testing.T) {
		s := sqldStore(t, srv.URL, libsql.Config{})
		assert.Equal(t, DefaultCatalog, s.Catalog())
		assert.Equal(t, DefaultAdminTimeout, s.cfg.AdminTimeout)
	})
	t.Run("AdminTransportBounded", func(t *testing.T) {
		s := sqldStore(t, srv.URL, libsql.Config{ConnectTimeout: 3 * time.Second})
		tr, ok := s.admin.Transport.(*http.Transport)
		require.True(t, ok)
		assert.Equal(t, 3*time.Second, tr.TLSHandshakeTimeout, "the TLS handshake is bounded by ConnectTimeout")
		assert.NotNil(t, tr.DialContext)
	})
	t.Run("AdminRequestBoundedByRequestTimeout", func(t *testing.T) {
		silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
		t.Cleanup(silent.Close)
		s, err := NewSQLDNamespaces(SQLDConfig{URL: silent.URL, AdminURL: silent.URL, AdminTimeout: time.Minute, Template: libsql.Config{RequestTimeout: 100 * time.Millisecond}})
		require.NoError(t, err)
		start := time.Now()
		_, err = s.Exists(context.Background(), "acme")
		assert.ErrorContains(t, err, "RequestTimeout (100ms)")
		assert.Less(t, time.Since(start), 10*time.Second)
	})
	t.Run("OpenLeavesGORMConfig", func(t *testing.T) {
		s := sqldStore(t, adminServer(t, 404, `{"error":"Namespace `+"`acme`"+` doesn't exist"}`).URL, libsql.Config{})
		cfg := &gorm.Config{}
		_, err := s.Open(context.Background(), "acme", cfg)
		assert.ErrorIs(t, err, ErrNotFound)
		assert.Equal(t, gorm.Config{}, *cfg, "Open copies the caller's gorm.Config")
	})
}

// The admin API client uses the template's TLSConfig: a server trusted
// only through it, which asks for a client certificate.
func TestSQLDAdminTLSConfig(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"block_reads":false,"block_writes":false,"block_reason":null,"jwt_key":null}`))
	}))
	defer srv.Close()
	trusted := hranatest.StartTLS(t, srv, true)
	ok, err := sqldStore(t, srv.URL, libsql.Config{TLSConfig: trusted}).Exists(context.Background(), "acme")
	require.NoError(t, err)
	assert.True(t, ok)

	noCert := trusted.Clone()
	noCert.Certificates = nil
	for name, tpl := range map[string]libsql.Config{"no client certificate": {TLSConfig: noCert}, "no TLSConfig": {}} {
		_, err = sqldStore(t, srv.URL, tpl).Exists(context.Background(), "acme")
		assert.Error(t, err, name)
	}
}

func TestSQLDConfigErrorNamesThePackageOnce(t *testing.T) {
	_, err := NewSQLDNamespaces(SQLDConfig{URL: "http://127.0.0.1:1", AdminURL: "http://127.0.0.1:2", Template: libsql.Config{ConnectTimeout: -1}})
	require.Error(t, err)
	assert.Equal(t, "tenants: SQLDConfig: ConnectTimeout -1ns is negative", err.Error())
}

// The tenant catalog, a namespace reached like a tenant, goes with the
// template's TLSConfig too.
func TestSQLDCatalogTLSConfig(t *testing.T) {
	hrana := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply { return hranatest.OK(p, hranatest.Baton("b"), "") })
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/namespaces/") {
			return // created: sqld answers an empty 200
		}
		hrana.Config.Handler.ServeHTTP(w, r)
	}))
	defer srv.Close()
	trusted := hranatest.StartTLS(t, srv, false)
	s := sqldStore(t, srv.URL, libsql.Config{TLSConfig: trusted})
	defer s.Close()
	db, err := s.catalogDB(context.Background())
	require.NoError(t, err)
	require.NoError(t, db.PingContext(context.Background()))
	assert.NotEmpty(t, hrana.Pipelines(), "the catalog's statements reached the server over TLS")
}
