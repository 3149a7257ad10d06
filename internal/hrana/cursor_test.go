package hrana

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/internal/hranatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// textRows are n rows of one text column, each of size bytes.
func textRows(n, size int) [][]string {
	out := make([][]string, n)
	for i := range out {
		out[i] = []string{fmt.Sprintf(`{"type":"text","value":"%0*d"}`, size, i)}
	}
	return out
}

// rowsReply answers a query with rows of column v (declared decl), on a
// cursor with baton, or, to a pipeline, whole (so that the tests can fail
// on a client that reads results whole), a row a line; the rest as OK.
func rowsReply(p hranatest.Pipeline, baton, decl string, rows [][]string) hranatest.Reply {
	col := fmt.Sprintf(`{"name":"v","decltype":%q}`, decl)
	sql := p.SQL()
	if len(sql) == 0 || !strings.HasPrefix(sql[len(sql)-1], "SELECT") {
		return hranatest.OK(p, hranatest.Baton(baton), "")
	}
	if !p.Cursor() {
		lines := make([]string, len(rows))
		for i, r := range rows {
			lines[i] = "[" + strings.Join(r, ",") + "]"
		}
		return hranatest.Reply{Body: hranatest.Body(hranatest.Baton(baton), "",
			`{"type":"ok","response":{"type":"execute","result":{"cols":[`+col+`],"rows":[`+"\n"+strings.Join(lines, ",\n")+`],"affected_row_count":0}}}`)}
	}
	var entries []string
	for i := range p.Batch.Steps[:len(p.Batch.Steps)-1] {
		entries = append(entries, hranatest.StepBegin(i), hranatest.StepEnd)
	}
	entries = append(entries, hranatest.StepBegin(len(p.Batch.Steps)-1, col))
	for _, r := range rows {
		entries = append(entries, hranatest.Row(r...))
	}
	entries = append(entries, hranatest.StepEnd, `{"type":"replication_index","replication_index":7}`)
	return hranatest.Reply{Body: hranatest.CursorBody(hranatest.Baton(baton), "", entries...)}
}

// readAll reads the rows of query as strings.
func readAll(t *testing.T, q interface {
	Query(string, ...any) (*sql.Rows, error)
}, query string) ([]string, error) {
	t.Helper()
	rows, err := q.Query(query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		require.NoError(t, rows.Scan(&v))
		out = append(out, v)
	}
	return out, rows.Err()
}

// TestCursorReads: a read is one request, on the cursor endpoint, whose
// rows decode as a whole result's do (declared dates as time.Time); the
// stream's baton and base URL from the reply's first line carry on.
func TestCursorReads(t *testing.T) {
	var srv *hranatest.Server
	srv = hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply {
		if !p.Cursor() {
			return hranatest.OK(p, hranatest.Baton("p"), srv.URL+"/stream/1")
		}
		return hranatest.Reply{Body: hranatest.CursorBody(hranatest.Baton("c"), srv.URL+"/stream/2",
			hranatest.StepBegin(0, `{"name":"at","decltype":"DATETIME"}`, `{"name":"n","decltype":"INTEGER"}`),
			hranatest.Row(`{"type":"text","value":"2024-05-06 07:08:09"}`, `{"type":"integer","value":"42"}`),
			hranatest.Row(`{"type":"null"}`, `{"type":"integer","value":"-1"}`),
			hranatest.StepEnd, `{"type":"replication_index","replication_index":12}`)}
	})
	db := openFake(t, srv, Limits{})
	db.SetMaxOpenConns(1)
	_, err := db.Exec("INSERT INTO t VALUES (1)")
	require.NoError(t, err)
	rows, err := db.Query("SELECT at, n FROM t")
	require.NoError(t, err)
	types, err := rows.ColumnTypes()
	require.NoError(t, err)
	assert.Equal(t, "DATETIME", types[0].DatabaseTypeName())
	var got []any
	for rows.Next() {
		var at sql.NullTime
		var n int64
		require.NoError(t, rows.Scan(&at, &n))
		got = append(got, at, n)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []any{sql.NullTime{Time: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), Valid: true}, int64(42), sql.NullTime{}, int64(-1)}, got)
	_, err = db.Exec("INSERT INTO t VALUES (2)")
	require.NoError(t, err)
	p := srv.Pipelines()
	require.Len(t, p, 3)
	assert.Equal(t, "/stream/1/v3/cursor", p[1].Path, "the base URL of the pipeline's reply")
	assert.Equal(t, "p", *p[1].Baton)
	assert.Equal(t, []string{"SELECT at, n FROM t"}, p[1].SQL())
	assert.Equal(t, "/stream/2/v3/pipeline", p[2].Path, "the base URL of the cursor's first line")
	assert.Equal(t, "c", *p[2].Baton)
}

// TestCursorBoundsEntries: MaxResponseBytes bounds one row of a read, not
// the result.
func TestCursorBoundsEntries(t *testing.T) {
	rows := textRows(200, 1000)
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply { return rowsReply(p, "b", "TEXT", rows) })
	got, err := readAll(t, openFake(t, srv, Limits{MaxResponseBytes: 16 << 10}), "SELECT v FROM t")
	require.NoError(t, err, "200 kB of rows, 16 kB at most each")
	assert.Len(t, got, 200)

	rows = textRows(2, 20000)
	_, err = readAll(t, openFake(t, srv, Limits{MaxResponseBytes: 16 << 10}), "SELECT v FROM t")
	require.ErrorIs(t, err, ErrResponseTooLarge)
	assert.Contains(t, err.Error(), "a row the server sent is larger than MaxResponseBytes (16384 bytes)")
}

// TestCursorSilenceBounded: RequestTimeout bounds each wait for the next
// row, not the read: rows that keep coming are read whatever the time
// they take, and a server that falls silent in the middle is given up.
func TestCursorSilenceBounded(t *testing.T) {
	rows := textRows(8, 10)
	var reply atomic.Value
	reply.Store(hranatest.Reply{Pause: 60 * time.Millisecond})
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply {
		r := rowsReply(p, "b", "TEXT", rows)
		tmpl := reply.Load().(hranatest.Reply)
		r.Pause, r.Hang = tmpl.Pause, tmpl.Hang
		if tmpl.Hang {
			r.Body = r.Body[:strings.Index(r.Body, `"value":"`+fmt.Sprintf("%010d", 3))]
			r.Body = r.Body[:strings.LastIndex(r.Body, "\n")+1]
		}
		return r
	})
	db := openFake(t, srv, Limits{RequestTimeout: 250 * time.Millisecond})
	start := time.Now()
	got, err := readAll(t, db, "SELECT v FROM t")
	require.NoError(t, err)
	assert.Len(t, got, 8)
	assert.Greater(t, time.Since(start), 400*time.Millisecond, "longer than RequestTimeout in all")

	reply.Store(hranatest.Reply{Hang: true})
	start = time.Now()
	got, err = readAll(t, db, "SELECT v FROM t")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), "RequestTimeout (250ms)")
	assert.Len(t, got, 3, "the rows that came")
	assert.Less(t, time.Since(start), 2*time.Second)
}

// TestCursorClosedEarly: sqld drops a stream whose cursor reply is cut
// before its end, with the transaction on it. So rows closed early inside
// a transaction are read to their end, and the stream goes on; rows
// closed early outside one cut the reply at once, even from a server
// still sending, and the next statement opens a new stream.
func TestCursorClosedEarly(t *testing.T) {
	rows := textRows(50, 10)
	var hang atomic.Bool
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply {
		r := rowsReply(p, "c", "TEXT", rows)
		if p.Cursor() && hang.Load() {
			r.Body = r.Body[:strings.LastIndex(r.Body, hranatest.StepEnd)]
			r.Hang = true
		}
		return r
	})
	db := openFake(t, srv, Limits{RequestTimeout: 300 * time.Millisecond})
	db.SetMaxOpenConns(1)

	t.Run("in a transaction the rest is read", func(t *testing.T) {
		sent := len(srv.Pipelines())
		tx, err := db.Begin()
		require.NoError(t, err)
		r, err := tx.Query("SELECT v FROM t")
		require.NoError(t, err)
		require.True(t, r.Next())
		require.NoError(t, r.Close())
		_, err = tx.Exec("INSERT INTO t VALUES (1)")
		require.NoError(t, err)
		require.NoError(t, tx.Commit())
		p := srv.Pipelines()[sent:]
		require.Len(t, p, 3)
		assert.Equal(t, []string{"BEGIN IMMEDIATE", "SELECT v FROM t"}, p[0].SQL(), "BEGIN goes with the first statement")
		require.NotNil(t, p[1].Baton)
		assert.Equal(t, "c", *p[1].Baton, "the cursor's stream goes on")
	})

	t.Run("in a transaction a reply that stops loses it", func(t *testing.T) {
		hang.Store(true)
		defer hang.Store(false)
		tx, err := db.Begin()
		require.NoError(t, err)
		r, err := tx.Query("SELECT v FROM t")
		require.NoError(t, err)
		require.True(t, r.Next())
		start := time.Now()
		r.Close()
		assert.Less(t, time.Since(start), 2*time.Second, "bounded by RequestTimeout")
		sent := len(srv.Pipelines())
		_, err = tx.Exec("INSERT INTO t VALUES (1)")
		require.ErrorIs(t, err, ErrTxLost)
		assert.Len(t, srv.Pipelines(), sent, "nothing more is sent for a lost transaction")
		require.ErrorIs(t, tx.Commit(), ErrTxLost)
	})

	t.Run("outside a transaction the reply is cut", func(t *testing.T) {
		hang.Store(true)
		r, err := db.Query("SELECT v FROM t")
		require.NoError(t, err)
		require.True(t, r.Next())
		start := time.Now()
		require.NoError(t, r.Close())
		assert.Less(t, time.Since(start), 200*time.Millisecond, "at once")
		hang.Store(false)
		sent := len(srv.Pipelines())
		_, err = db.Exec("INSERT INTO t VALUES (1)")
		require.NoError(t, err)
		p := srv.Pipelines()[sent:]
		require.Len(t, p, 1, "one request")
		assert.Nil(t, p[0].Baton, "on a new stream")
	})
}

// TestCursorReadAheadForAnotherStatement: a statement run on the
// connection while its rows stream (as a transaction may) reads the rest
// of them into memory first, up to MaxResponseBytes, and both work. Past
// that the rows end with an error, and the transaction, whose stream the
// cut reply loses, too.
func TestCursorReadAheadForAnotherStatement(t *testing.T) {
	rows := textRows(20, 1000)
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply { return rowsReply(p, "b", "TEXT", rows) })
	for _, c := range []struct {
		limit int64
		read  int
	}{{1 << 20, 20}, {4 << 10, 4}} {
		db := openFake(t, srv, Limits{MaxResponseBytes: c.limit})
		tx, err := db.Begin()
		require.NoError(t, err)
		r, err := tx.Query("SELECT v FROM t")
		require.NoError(t, err)
		require.True(t, r.Next())
		before := len(srv.Pipelines())
		_, err = tx.Exec("INSERT INTO t VALUES (1)")
		n := 1
		for r.Next() {
			n++
		}
		assert.Equal(t, c.read, n, "limit %d", c.limit)
		if c.read < 20 {
			require.ErrorIs(t, err, ErrTxLost)
			require.ErrorIs(t, err, ErrResponseTooLarge)
			assert.Len(t, srv.Pipelines(), before, "nothing is sent for the lost transaction")
			require.ErrorIs(t, r.Err(), ErrResponseTooLarge)
			assert.Contains(t, r.Err().Error(), "another statement ran on the connection while these rows were still coming")
			require.ErrorIs(t, tx.Commit(), ErrTxLost)
		} else {
			require.NoError(t, err)
			assert.Len(t, srv.Pipelines(), before+1)
			require.NoError(t, r.Err())
			require.NoError(t, tx.Commit())
		}
	}
}

// TestCursorStatementErrors: a statement or a BEGIN the server refuses
// fails the query with its error, and the transaction's BEGIN is sent
// again with its next statement.
func TestCursorStatementErrors(t *testing.T) {
	var failStep atomic.Int64
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply {
		if !p.Cursor() || failStep.Load() < 0 {
			return hranatest.OK(p, hranatest.Baton("b"), "")
		}
		step := int(failStep.Load())
		var entries []string
		for i := 0; i < step; i++ {
			entries = append(entries, hranatest.StepBegin(i), hranatest.StepEnd)
		}
		entries = append(entries, fmt.Sprintf(`{"type":"step_error","step":%d,"error":{"message":"no such table: t","code":"SQLITE_UNKNOWN"}}`, step))
		return hranatest.Reply{Body: hranatest.CursorBody(hranatest.Baton("b"), "", entries...)}
	})
	db := openFake(t, srv, Limits{})
	_, err := db.Query("SELECT v FROM t")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no such table: t")

	tx, err := db.Begin()
	require.NoError(t, err)
	_, err = tx.Query("SELECT v FROM t")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "begin transaction")
	failStep.Store(-1)
	_, err = tx.Exec("INSERT INTO t VALUES (1)")
	require.NoError(t, err)
	p := srv.Pipelines()
	assert.Equal(t, []string{"BEGIN IMMEDIATE", "INSERT INTO t VALUES (1)"}, p[len(p)-1].SQL())
	require.NoError(t, tx.Commit())
}

// TestCursorBrokenMidway: a read whose reply breaks in the middle leaves
// the stream's state unknown: outside a transaction the next statement
// opens another, inside one the transaction is lost.
func TestCursorBrokenMidway(t *testing.T) {
	rows := textRows(5, 10)
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply {
		r := rowsReply(p, "b", "TEXT", rows)
		if p.Cursor() {
			r.Body = r.Body[:strings.Index(r.Body, hranatest.StepEnd)]
			r.Cut = true
		}
		return r
	})
	db := openFake(t, srv, Limits{})
	db.SetMaxOpenConns(1)
	got, err := readAll(t, db, "SELECT v FROM t")
	require.ErrorIs(t, err, ErrUnreachable)
	assert.NotErrorIs(t, err, ErrCommitUnknown)
	assert.Len(t, got, 5)
	_, err = db.Exec("INSERT INTO t VALUES (1)")
	require.NoError(t, err)
	p := srv.Pipelines()
	assert.Nil(t, p[len(p)-1].Baton, "a new stream")

	tx, err := db.Begin()
	require.NoError(t, err)
	_, err = readAll(t, tx, "SELECT v FROM t")
	require.ErrorIs(t, err, ErrUnreachable)
	sent := len(srv.Pipelines())
	_, err = tx.Exec("INSERT INTO t VALUES (2)")
	require.ErrorIs(t, err, ErrTxLost)
	require.ErrorIs(t, tx.Commit(), ErrTxLost)
	assert.Len(t, srv.Pipelines(), sent, "nothing of the transaction ran outside it")
}

// TestCursorStreamExpired: a read on a stream the server dropped while
// idle goes on a new one, outside a transaction.
func TestCursorStreamExpired(t *testing.T) {
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply {
		if p.Baton != nil && *p.Baton == "old" {
			return hranatest.StreamExpired
		}
		if p.Cursor() {
			return hranatest.OK(p, hranatest.Baton("new"), "")
		}
		return hranatest.OK(p, hranatest.Baton("old"), "")
	})
	db := openFake(t, srv, Limits{})
	db.SetMaxOpenConns(1)
	_, err := db.Exec("INSERT INTO t VALUES (1)")
	require.NoError(t, err)
	got, err := readAll(t, db, "SELECT v FROM t")
	require.NoError(t, err)
	assert.Equal(t, []string{"1"}, got)
	p := srv.Pipelines()
	require.Len(t, p, 3)
	assert.Nil(t, p[2].Baton)
}

// TestQueriesSentWhole: a query that may write is sent whole, so that its
// outcome is known when it returns; so is one after which the server must
// be asked whether a transaction is open.
func TestQueriesSentWhole(t *testing.T) {
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply {
		r := hranatest.OK(p, hranatest.Baton("b"), "")
		if sql := p.SQL(); len(sql) > 0 && sql[0] == "BEGIN" {
			r.Body = strings.Replace(r.Body, `"is_autocommit":true`, `"is_autocommit":false`, 1)
		}
		return r
	})
	db := openFake(t, srv, Limits{})
	c, err := db.Conn(context.Background())
	require.NoError(t, err)
	defer c.Close()
	for _, q := range []string{"INSERT INTO t VALUES (1) RETURNING v", "BEGIN", "SELECT v FROM t", "ROLLBACK", "SELECT v FROM t"} {
		r, err := c.QueryContext(context.Background(), q)
		require.NoError(t, err, q)
		r.Close()
	}
	var paths []string
	for _, p := range srv.Pipelines() {
		paths = append(paths, p.Path)
	}
	assert.Equal(t, []string{"/v3/pipeline", "/v3/pipeline", "/v3/pipeline", "/v3/pipeline", "/v3/cursor"}, paths)
}

// TestCursorSlowReader: RequestTimeout bounds the waits for the server,
// not the time the caller takes between two rows.
func TestCursorSlowReader(t *testing.T) {
	rows := textRows(3000, 100)
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply { return rowsReply(p, "b", "TEXT", rows) })
	db := openFake(t, srv, Limits{RequestTimeout: 200 * time.Millisecond})
	r, err := db.Query("SELECT v FROM t")
	require.NoError(t, err)
	defer r.Close()
	n := 0
	for r.Next() {
		if n++; n == 1 {
			time.Sleep(500 * time.Millisecond)
		}
	}
	require.NoError(t, r.Err())
	assert.Equal(t, len(rows), n)
}
