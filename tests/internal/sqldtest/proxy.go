package sqldtest

import (
	"testing"

	"github.com/gorm-libsql/libsql/tests/internal/proxy"
)

// NewProxy starts a counting loopback proxy to target, closed when the test
// ends; connect to its URL() instead of the server's.
func NewProxy(t testing.TB, target string) *proxy.Proxy {
	t.Helper()
	p, err := proxy.New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}
