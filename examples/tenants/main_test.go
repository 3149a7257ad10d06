package main

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var server *sqldtest.Server

func TestMain(m *testing.M) {
	os.Exit(sqldtest.MainWith(m, &server, sqldtest.Options{Namespaces: true}))
}

// checkOutput checks what the example prints: each tenant migrated once,
// sees only its rows, and nothing is left.
func checkOutput(t *testing.T, out string) {
	t.Helper()
	assert.Contains(t, out, "acme     1: acme customer 1\n")
	assert.Contains(t, out, "globex   2: globex customer 1, globex customer 2\n")
	assert.Contains(t, out, "initech  3: initech customer 1, initech customer 2, initech customer 3\n")
	assert.Equal(t, 3, bytes.Count([]byte(out), []byte("ok, 2 DDL statements")))
	assert.Equal(t, 3, bytes.Count([]byte(out), []byte("ok, 0 DDL statements")))
	assert.Contains(t, out, "3 tenants, 0 changed\n")
	assert.Contains(t, out, "dropped; 0 tenants left\n")
}

func TestExampleLocalFiles(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), libsql.LocalTenants{Dir: t.TempDir()}, false, &out))
	checkOutput(t, out.String())
}

func TestExampleSQLDNamespaces(t *testing.T) {
	srv := sqldtest.Require(t, server)
	store := &libsql.SQLDNamespaces{URL: srv.URL, AdminURL: srv.AdminURL, AuthToken: srv.Token()}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), store, false, &out))
	checkOutput(t, out.String())
}

func TestExampleSQLDReplicas(t *testing.T) {
	srv := sqldtest.Require(t, server)
	dir := t.TempDir()
	store := &libsql.SQLDNamespaces{URL: srv.URL, AdminURL: srv.AdminURL, AuthToken: srv.Token(), ReplicaDir: dir}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), store, false, &out))
	checkOutput(t, out.String())
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, left, "Drop deleted every replica file")
}
