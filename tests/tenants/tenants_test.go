// Package tenants runs the tenant manager's tests on sqld namespaces,
// against a real sqld started with namespaces, its admin API and JWT auth.
package tenants

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/internal/sqldtest"
	"github.com/gorm-libsql/libsql/internal/tenantsuite"
	"github.com/stretchr/testify/require"
)

var server *sqldtest.Server

func TestMain(m *testing.M) {
	os.Exit(sqldtest.MainWith(m, &server, sqldtest.Options{Namespaces: true}))
}

var catalogs atomic.Int64

// store returns a store with a catalog of its own; the tenants it lists
// are dropped when the test ends, so tests can reuse names.
func store(t *testing.T) *libsql.SQLDNamespaces {
	srv := sqldtest.Require(t, server)
	s := &libsql.SQLDNamespaces{
		URL:       srv.URL,
		AdminURL:  srv.AdminURL,
		AuthToken: srv.Token(),
		Catalog:   fmt.Sprintf("catalog-%d", catalogs.Add(1)),
	}
	t.Cleanup(func() {
		ctx := context.Background()
		names, err := s.List(ctx)
		require.NoError(t, err)
		for _, n := range names {
			require.NoError(t, s.Drop(ctx, n))
		}
		require.NoError(t, s.Close())
	})
	return s
}

func TestTenantsSQLD(t *testing.T) {
	tenantsuite.Run(t, tenantsuite.Env{Store: func(t *testing.T) libsql.TenantStore { return store(t) }})
}
