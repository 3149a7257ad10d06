package hrana

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/internal/hranatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openFake opens a pool on a fake server.
func openFake(t *testing.T, srv *hranatest.Server, limits Limits) *sql.DB {
	t.Helper()
	c, err := NewConnector(Options{URL: srv.URL, AuthToken: "secret-token", Limits: limits})
	require.NoError(t, err)
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

// useAll runs what a GORM program runs: an Exec, a Query read to the end
// (streamed on a cursor), one that writes (sent whole), a transaction's
// statement, a multi-statement Exec. It reports the first error of each;
// none may panic.
func useAll(db *sql.DB) map[string]error {
	ctx := context.Background()
	out := map[string]error{}
	_, out["execute"] = db.ExecContext(ctx, "INSERT INTO t VALUES (1)")
	readAll := func(query string) error {
		rows, err := db.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v any
			if err := rows.Scan(&v); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	out["query"] = readAll("SELECT v FROM t")
	out["returning"] = readAll("INSERT INTO t VALUES (1) RETURNING v")
	out["batch"] = func() error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		_, err = tx.ExecContext(ctx, "INSERT INTO t VALUES (2)")
		return err
	}()
	_, out["sequence"] = db.ExecContext(ctx, "INSERT INTO t VALUES (3); INSERT INTO t VALUES (4)")
	return out
}

func TestMalformedRepliesAreErrors(t *testing.T) {
	for _, c := range hranatest.Malformed {
		t.Run(c.Name, func(t *testing.T) {
			srv := hranatest.New(t, func(hranatest.Pipeline) hranatest.Reply { return c.Reply })
			db := openFake(t, srv, Limits{RequestTimeout: 5 * time.Second})
			for what, err := range useAll(db) {
				if c.For != "" && c.For != what {
					continue
				}
				if c.InValues && what != "query" && what != "returning" {
					continue
				}
				require.Error(t, err, what)
				assert.NotContains(t, err.Error(), "secret-token")
				assert.NotContains(t, err.Error(), "<html", "an HTML page is not quoted whole")
			}
		})
	}
}

// TestWellFormedRepliesWork pins that the fake's OK replies are accepted,
// so that the malformed cases fail for their own reason.
func TestWellFormedRepliesWork(t *testing.T) {
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply { return hranatest.OK(p, hranatest.Baton("b"), "") })
	db := openFake(t, srv, Limits{})
	for what, err := range useAll(db) {
		assert.NoError(t, err, what)
	}
}

// fixedReply answers every HTTP request with the same body, in memory.
type fixedReply []byte

func (f fixedReply) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader(string(f))), Request: r}, nil
}

// FuzzReply feeds arbitrary replies to every kind of request the driver
// sends; it must never panic.
func FuzzReply(f *testing.F) {
	for _, c := range hranatest.Malformed {
		f.Add([]byte(c.Reply.Body))
	}
	ok := `{"type":"ok","response":{"type":"execute","result":{"cols":[{"name":"v","decltype":"datetime"}],"rows":[[{"type":"text","value":"2024-01-01 00:00:00"}]],"affected_row_count":1,"last_insert_rowid":"7"}}}`
	f.Add([]byte(hranatest.Body(hranatest.Baton("b"), "", ok)))
	f.Add([]byte(hranatest.Body(hranatest.Baton("b"), "http://127.0.0.1:1/x", ok, `{"type":"ok","response":{"type":"get_autocommit","is_autocommit":false}}`)))
	f.Add([]byte(hranatest.CursorBody(hranatest.Baton("b"), "", hranatest.StepBegin(0, `{"name":"v","decltype":"datetime"}`),
		hranatest.Row(`{"type":"text","value":"2024-01-01 00:00:00"}`), hranatest.Row(`{"type":"integer","value":"7"}`), hranatest.StepEnd,
		`{"type":"replication_index","replication_index":3}`)))
	f.Fuzz(func(t *testing.T, reply []byte) {
		cl := &client{http: &http.Client{Transport: fixedReply(reply)}, base: "http://127.0.0.1:1", limits: Limits{}.WithDefaults()}
		ctx := context.Background()
		conn := &Conn{cl: cl, txLock: "IMMEDIATE"}
		conn.ExecContext(ctx, "INSERT INTO t VALUES (1)", nil)
		conn.ExecContext(ctx, "BEGIN", nil)
		conn.ExecContext(ctx, "SELECT 1; SELECT 2", nil)
		if rows, err := conn.QueryContext(ctx, "SELECT v FROM t", nil); err == nil {
			dest := make([]driver.Value, len(rows.Columns()))
			rows.Next(dest)
			// Another statement while rows stream reads the rest ahead.
			conn.ExecContext(ctx, "INSERT INTO t VALUES (2)", nil)
			for rows.Next(dest) == nil {
			}
			rows.Close()
		}
		conn = &Conn{cl: cl, txLock: "IMMEDIATE"}
		if tx, err := conn.BeginTx(ctx, driver.TxOptions{}); err == nil {
			conn.ExecContext(ctx, "INSERT INTO t VALUES (1)", nil)
			tx.Commit()
		}
		conn.Close()
	})
}

func TestSilentServerTimesOut(t *testing.T) {
	srv := hranatest.New(t, func(hranatest.Pipeline) hranatest.Reply { return hranatest.Reply{Hang: true} })
	db := openFake(t, srv, Limits{RequestTimeout: 200 * time.Millisecond})
	start := time.Now()
	err := db.Ping()
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), "RequestTimeout (200ms)")
	assert.Less(t, time.Since(start), 3*time.Second)

	// A context deadline of the caller's replaces RequestTimeout.
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = db.ExecContext(ctx, "INSERT INTO t VALUES (1)")
	require.Error(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 400*time.Millisecond)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestReplySizeIsCapped(t *testing.T) {
	big := strings.Repeat("x", 4096)
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply {
		return hranatest.Reply{Body: hranatest.Body(nil, "", `{"type":"ok","response":{"type":"execute","result":{"cols":[{"name":"v"}],"rows":[[{"type":"text","value":"`+big+`"}]],"affected_row_count":0}}}`)}
	})
	_, err := openFake(t, srv, Limits{MaxResponseBytes: 1024}).Exec("SELECT v FROM t")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrResponseTooLarge)
	assert.Contains(t, err.Error(), "MaxResponseBytes (1024 bytes)")
	_, err = openFake(t, srv, Limits{MaxResponseBytes: 8192}).Exec("SELECT v FROM t")
	assert.NoError(t, err)
}

func TestBaseURLFollowedOnlyToTheSameServer(t *testing.T) {
	elsewhere := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply { return hranatest.OK(p, hranatest.Baton("b"), "") })
	var base string
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply { return hranatest.OK(p, hranatest.Baton("b"), base) })
	for _, c := range []struct {
		base   string
		wantAt string // the path of the second request, on srv; "" if it left
	}{
		{elsewhere.URL, "/v3/pipeline"},
		{strings.Replace(srv.URL, "http://", "https://", 1) + "/stream", "/v3/pipeline"},
		{"ftp://" + strings.TrimPrefix(srv.URL, "http://"), "/v3/pipeline"},
		{srv.URL + "/stream/1", "/stream/1/v3/pipeline"},
	} {
		base = c.base
		db := openFake(t, srv, Limits{})
		db.SetMaxOpenConns(1)
		before := len(srv.Pipelines())
		_, err := db.Exec("INSERT INTO t VALUES (1)")
		require.NoError(t, err)
		_, err = db.Exec("INSERT INTO t VALUES (2)")
		require.NoError(t, err, c.base)
		got := srv.Pipelines()[before:]
		require.Len(t, got, 2, c.base)
		assert.Equal(t, c.wantAt, got[1].Path, c.base)
		db.Close()
	}
	assert.Empty(t, elsewhere.Pipelines(), "the token never went to another host")
}

// TestNullBatonInTransactionLosesIt: a server that closes the stream in the
// middle of a transaction rolled it back; later statements and COMMIT
// fail, and nothing more is sent for the transaction.
func TestNullBatonInTransactionLosesIt(t *testing.T) {
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply { return hranatest.OK(p, nil, "") })
	db := openFake(t, srv, Limits{})
	tx, err := db.Begin()
	require.NoError(t, err)
	_, err = tx.Exec("INSERT INTO t VALUES (1)")
	require.NoError(t, err, "the statement ran; its reply closed the stream")
	sent := len(srv.Pipelines())
	_, err = tx.Exec("INSERT INTO t VALUES (2)")
	require.ErrorIs(t, err, ErrTxLost)
	err = tx.Commit()
	require.ErrorIs(t, err, ErrTxLost)
	assert.Equal(t, sent, len(srv.Pipelines()), "nothing ran outside the transaction")

	tx, err = db.Begin()
	require.NoError(t, err)
	_, err = tx.Exec("INSERT INTO t VALUES (3)")
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(), "the server rolled it back already")
	assert.Equal(t, sent+1, len(srv.Pipelines()))
}

// TestHeldBackBeginSurvivesExpiredStream: nothing of a transaction has
// reached the server until its first statement, so a stream that expired
// meanwhile is replaced and the transaction goes on.
func TestHeldBackBeginSurvivesExpiredStream(t *testing.T) {
	var expired atomic.Bool
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply {
		if expired.Load() && p.Baton != nil && *p.Baton == "old" {
			return hranatest.StreamExpired
		}
		if expired.Load() {
			return hranatest.OK(p, hranatest.Baton("new"), "")
		}
		return hranatest.OK(p, hranatest.Baton("old"), "")
	})
	db := openFake(t, srv, Limits{})
	db.SetMaxOpenConns(1)
	_, err := db.Exec("INSERT INTO t VALUES (1)")
	require.NoError(t, err)
	expired.Store(true)
	tx, err := db.Begin()
	require.NoError(t, err)
	_, err = tx.Exec("INSERT INTO t VALUES (2)")
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	got := srv.Pipelines()
	require.Len(t, got, 4)
	assert.Nil(t, got[2].Baton, "resent on a new stream")
	assert.Equal(t, []string{"BEGIN IMMEDIATE", "INSERT INTO t VALUES (2)"}, got[2].SQL())
	assert.Equal(t, "new", *got[3].Baton)
}

func TestCommitOutcomes(t *testing.T) {
	var commit atomic.Value
	commit.Store(hranatest.Reply{Hang: true})
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply {
		if sql := p.SQL(); len(sql) > 0 && sql[0] == "COMMIT" {
			return commit.Load().(hranatest.Reply)
		}
		return hranatest.OK(p, hranatest.Baton("b"), "")
	})
	db := openFake(t, srv, Limits{RequestTimeout: 200 * time.Millisecond})
	run := func() error {
		tx, err := db.Begin()
		require.NoError(t, err)
		_, err = tx.Exec("INSERT INTO t VALUES (1)")
		require.NoError(t, err)
		return tx.Commit()
	}
	for name, reply := range map[string]hranatest.Reply{"silent": {Hang: true}, "cut": {Cut: true}, "gateway": {Status: http.StatusBadGateway, Body: "<html>Bad Gateway</html>"}} {
		commit.Store(reply)
		err := run()
		require.Error(t, err, name)
		assert.ErrorIs(t, err, ErrCommitUnknown, name)
		assert.ErrorIs(t, err, ErrUnreachable, name)
		assert.Contains(t, err.Error(), "may or may not", name)
	}

	commit.Store(hranatest.Reply{Status: http.StatusBadRequest, Body: `{"message":"Received an invalid baton"}`})
	err := run()
	require.ErrorIs(t, err, ErrTxLost)
	assert.NotErrorIs(t, err, ErrCommitUnknown)
	assert.Contains(t, err.Error(), "nothing of it was committed")

	down := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply { return hranatest.OK(p, hranatest.Baton("b"), "") })
	// A fresh connection for every request: once the server is down, the
	// COMMIT cannot even connect (a kept-alive one would break mid-request,
	// which leaves the outcome unknown).
	down.Config.SetKeepAlivesEnabled(false)
	db = openFake(t, down, Limits{RequestTimeout: 200 * time.Millisecond})
	tx, err := db.Begin()
	require.NoError(t, err)
	_, err = tx.Exec("INSERT INTO t VALUES (1)")
	require.NoError(t, err)
	down.Close()
	err = tx.Commit()
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnreachable)
	assert.NotErrorIs(t, err, ErrCommitUnknown, "a COMMIT that could not be sent did not commit")
}

func TestMultiStatementExecReportsRowsAffected(t *testing.T) {
	calls := 0
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply {
		results := make([]string, len(p.Requests))
		for i, r := range p.Requests {
			switch r.Type {
			case "execute":
				calls++
				n := map[bool]string{true: "3", false: "7"}[calls%2 == 1]
				results[i] = `{"type":"ok","response":{"type":"execute","result":{"cols":[{"name":"total_changes()"}],"rows":[[{"type":"integer","value":"` + n + `"}]],"affected_row_count":0}}}`
			case "sequence":
				results[i] = `{"type":"ok","response":{"type":"sequence"}}`
			case "get_autocommit":
				results[i] = `{"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}}`
			}
		}
		return hranatest.Reply{Body: hranatest.Body(hranatest.Baton("b"), "", results...)}
	})
	res, err := openFake(t, srv, Limits{}).Exec("UPDATE t SET v = 1; DELETE FROM u")
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	assert.Equal(t, int64(4), n)
}

func TestTransportHonoursProxyEnvironment(t *testing.T) {
	// Loopback is never proxied, and the environment is read once per
	// process, so the setting itself is what can be checked here.
	tr := newHTTPClient(Limits{}.WithDefaults()).Transport.(*http.Transport)
	require.NotNil(t, tr.Proxy)
	assert.Equal(t, reflect.ValueOf(http.ProxyFromEnvironment).Pointer(), reflect.ValueOf(tr.Proxy).Pointer())
}

// TestWriteOutcomes: a write outside a transaction commits on its own, so
// when its request was sent and no reply came, the error says the outcome
// is unknown (ErrCommitUnknown), and the request was sent once, never
// resent. A read whose reply is lost, and a write that never left, are
// only ErrUnreachable: safe to run again.
func TestWriteOutcomes(t *testing.T) {
	var lost atomic.Value
	lost.Store(hranatest.Reply{Cut: true})
	srv := hranatest.New(t, func(hranatest.Pipeline) hranatest.Reply { return lost.Load().(hranatest.Reply) })
	db := openFake(t, srv, Limits{RequestTimeout: 200 * time.Millisecond})
	sent := func(sql string) (n int) {
		for _, p := range srv.Pipelines() {
			for _, s := range p.SQL() {
				if s == sql {
					n++
				}
			}
		}
		return n
	}
	writes := map[string]func() error{
		"INSERT": func() error { _, err := db.Exec("INSERT INTO t VALUES (1)"); return err },
		"UPDATE": func() error { _, err := db.Exec("UPDATE t SET v = 2"); return err },
		"DELETE": func() error { _, err := db.Exec("DELETE FROM t WHERE v = 3"); return err },
		"RETURNING": func() error {
			rows, err := db.Query("INSERT INTO t VALUES (4) RETURNING v")
			if err == nil {
				rows.Close()
			}
			return err
		},
		"several statements": func() error { _, err := db.Exec("INSERT INTO t VALUES (5); INSERT INTO t VALUES (6)"); return err },
		"its own transaction": func() error {
			_, err := db.Exec("BEGIN; INSERT INTO t VALUES (5); COMMIT")
			return err
		},
	}
	for name, reply := range map[string]hranatest.Reply{"silent": {Hang: true}, "cut": {Cut: true}, "gateway": {Status: http.StatusBadGateway, Body: "<html>Bad Gateway</html>"}} {
		lost.Store(reply)
		for what, write := range writes {
			err := write()
			require.Error(t, err, "%s %s", name, what)
			assert.ErrorIs(t, err, ErrCommitUnknown, "%s %s", name, what)
			assert.ErrorIs(t, err, ErrUnreachable, "%s %s", name, what)
			assert.Contains(t, err.Error(), "the outcome of the write is unknown", "%s %s", name, what)
		}
		rows, err := db.Query("SELECT v FROM t")
		if err == nil {
			rows.Close()
		}
		require.Error(t, err, name)
		assert.NotErrorIs(t, err, ErrCommitUnknown, "%s: a read whose reply is lost may run again", name)
	}
	assert.Equal(t, 3, sent("INSERT INTO t VALUES (1)"), "one request per attempt: nothing resent")

	// In a transaction, a statement whose reply is lost loses the
	// transaction: nothing of it is committed.
	lost.Store(hranatest.Reply{Cut: true})
	tx, err := db.Begin()
	require.NoError(t, err)
	_, err = tx.Exec("INSERT INTO t VALUES (7)")
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrCommitUnknown)
	assert.ErrorIs(t, tx.Commit(), ErrTxLost)

	// A write that could not even connect did not run.
	down := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply { return hranatest.OK(p, hranatest.Baton("b"), "") })
	down.Config.SetKeepAlivesEnabled(false)
	db = openFake(t, down, Limits{RequestTimeout: 200 * time.Millisecond})
	down.Close()
	_, err = db.Exec("INSERT INTO t VALUES (8)")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnreachable)
	assert.NotErrorIs(t, err, ErrCommitUnknown, "a write that was never sent was not applied")
}

// TestStreamLostInTransaction: a stream the server no longer knows in the
// middle of a transaction loses it at once: the statement that finds out
// and COMMIT fail with ErrTxLost, and nothing is resent on a new stream.
func TestStreamLostInTransaction(t *testing.T) {
	var expired atomic.Bool
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply {
		if expired.Load() {
			return hranatest.StreamExpired
		}
		return hranatest.OK(p, hranatest.Baton("b"), "")
	})
	db := openFake(t, srv, Limits{})
	tx, err := db.Begin()
	require.NoError(t, err)
	_, err = tx.Exec("INSERT INTO t VALUES (1)")
	require.NoError(t, err)
	expired.Store(true)
	sent := len(srv.Pipelines())
	_, err = tx.Exec("INSERT INTO t VALUES (2)")
	require.ErrorIs(t, err, ErrTxLost)
	assert.Contains(t, err.Error(), "STREAM_EXPIRED")
	assert.ErrorIs(t, tx.Commit(), ErrTxLost)
	assert.Equal(t, sent+1, len(srv.Pipelines()), "sent once, on the old stream only")
}

// TestWebSocketURLsSpeakHTTP: ws:// names the same server, spoken to over
// HTTP.
func TestWebSocketURLsSpeakHTTP(t *testing.T) {
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply { return hranatest.OK(p, hranatest.Baton("b"), "") })
	c, err := NewConnector(Options{URL: strings.Replace(srv.URL, "http://", "ws://", 1), AuthToken: "secret-token"})
	require.NoError(t, err)
	db := sql.OpenDB(c)
	defer db.Close()
	_, err = db.Exec("INSERT INTO t VALUES (1)")
	require.NoError(t, err)
	require.Len(t, srv.Pipelines(), 1)
	assert.Equal(t, "/v3/pipeline", srv.Pipelines()[0].Path)
}

// TestConnectTimeout: a server that accepts TCP but never completes the
// TLS handshake is given up at ConnectTimeout, not RequestTimeout; the
// request never left, so even a write is only ErrUnreachable.
func TestConnectTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	c, err := NewConnector(Options{URL: "https://" + ln.Addr().String(), Limits: Limits{ConnectTimeout: 300 * time.Millisecond, RequestTimeout: 30 * time.Second}})
	require.NoError(t, err)
	db := sql.OpenDB(c)
	defer db.Close()
	start := time.Now()
	_, err = db.Exec("INSERT INTO t VALUES (1)")
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.ErrorIs(t, err, ErrUnreachable)
	assert.NotErrorIs(t, err, ErrCommitUnknown)
}

// TestMalformedReplyToWriteIsOutcomeUnknown: a server that answered a
// write with a reply that cannot be read may have run it.
func TestMalformedReplyToWriteIsOutcomeUnknown(t *testing.T) {
	for _, c := range hranatest.Malformed {
		if c.Reply.Status != 0 || c.For == "batch" || c.InValues {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			srv := hranatest.New(t, func(hranatest.Pipeline) hranatest.Reply { return c.Reply })
			db := openFake(t, srv, Limits{RequestTimeout: 5 * time.Second})
			_, err := db.Exec("INSERT INTO t VALUES (1)")
			assert.ErrorIs(t, err, ErrCommitUnknown, "a write")
			_, err = db.Exec("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)")
			assert.ErrorIs(t, err, ErrCommitUnknown, "several statements")
			rows, err := db.Query("SELECT v FROM t")
			if err == nil {
				rows.Close()
			}
			require.Error(t, err)
			assert.NotErrorIs(t, err, ErrCommitUnknown, "a read")
		})
	}
}

// deadKeepAliveConn is a kept-alive connection whose peer is gone, as the
// client finds out only when it writes: once broken, a write fails before
// a byte leaves.
type deadKeepAliveConn struct {
	net.Conn
	broken *atomic.Bool
}

func (c deadKeepAliveConn) Write(p []byte) (int, error) {
	if c.broken.Load() {
		return 0, syscall.EPIPE
	}
	return c.Conn.Write(p)
}

// TestWriteOnDeadKeepAliveNotSent: a kept-alive connection that fails
// before anything is written on it is replaced by Go's transport, which
// dials again; when that dial fails too, nothing of the write left, so it
// is only ErrUnreachable, safe to run again, not ErrCommitUnknown.
func TestWriteOnDeadKeepAliveNotSent(t *testing.T) {
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply { return hranatest.OK(p, hranatest.Baton("b"), "") })
	c, err := NewConnector(Options{URL: srv.URL, Limits: Limits{RequestTimeout: 2 * time.Second}})
	require.NoError(t, err)
	var broken atomic.Bool
	dialer := &net.Dialer{}
	c.cl.http.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if broken.Load() {
			return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
		}
		conn, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return deadKeepAliveConn{Conn: conn, broken: &broken}, nil
	}
	db := sql.OpenDB(c)
	defer db.Close()
	db.SetMaxOpenConns(1)
	_, err = db.Exec("INSERT INTO t VALUES (1)")
	require.NoError(t, err)

	broken.Store(true)
	_, err = db.Exec("INSERT INTO t VALUES (2)")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnreachable)
	assert.NotErrorIs(t, err, ErrCommitUnknown, "nothing of the write was sent: %v", err)
	for _, p := range srv.Pipelines() {
		assert.NotContains(t, p.SQL(), "INSERT INTO t VALUES (2)")
	}
}
