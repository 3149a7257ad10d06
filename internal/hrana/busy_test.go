package hrana

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/internal/hranatest"
	"github.com/gorm-libsql/libsql/sqlerr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// busyBegins answers as OK does, but refuses the BEGIN of the first
// refusals requests that carry one with SQLITE_BUSY, as sqld does: the
// steps after it are skipped. ran holds the statements of the requests it
// ran.
type busyBegins struct {
	refusals int
	mu       sync.Mutex
	refused  int
	ran      [][]string
}

func (b *busyBegins) respond(p hranatest.Pipeline) hranatest.Reply {
	b.mu.Lock()
	defer b.mu.Unlock()
	if sql := p.SQL(); len(sql) > 0 && strings.HasPrefix(sql[0], "BEGIN") && b.refused < b.refusals {
		b.refused++
		return hranatest.StepFails(p, hranatest.Baton("b"), 0, "SQLITE_BUSY", "database is locked")
	}
	b.ran = append(b.ran, p.SQL())
	return hranatest.OK(p, hranatest.Baton("b"), "")
}

func (b *busyBegins) statementsRun() [][]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ran
}

// newBusyConnector connects to srv with a busy timeout of its own, if
// given.
func newBusyConnector(t *testing.T, srv *hranatest.Server, timeout time.Duration) *Connector {
	t.Helper()
	c, err := NewConnector(Options{URL: srv.URL})
	require.NoError(t, err)
	if timeout > 0 {
		c.cl.beginBusyTimeout = timeout
	}
	return c
}

func openBusy(t *testing.T, srv *hranatest.Server, timeout time.Duration) *sql.DB {
	t.Helper()
	db := sql.OpenDB(newBusyConnector(t, srv, timeout))
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// inTx are the statements a transaction opens with, on each path that
// carries its BEGIN: a statement in a batch, a read on a cursor, and
// statements run as one sequence (BEGIN sent on its own first).
var inTx = map[string]func(context.Context, *sql.Tx) error{
	"statement": func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO t VALUES (1)")
		return err
	},
	"cursor": func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT v FROM t")
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		return errors.Join(rows.Err(), rows.Close())
	},
	"sequence": func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)")
		return err
	},
}

// TestBusyBeginResent: a BEGIN the server refused as busy ran nothing, so
// the request is sent again, and the transaction goes on once it is let
// in: each statement runs once.
func TestBusyBeginResent(t *testing.T) {
	for name, run := range inTx {
		b := &busyBegins{refusals: 3}
		srv := hranatest.New(t, b.respond)
		db := openBusy(t, srv, 0)
		tx, err := db.Begin()
		require.NoError(t, err)
		require.NoError(t, run(context.Background(), tx), name)
		require.NoError(t, tx.Commit(), name)

		p := srv.Pipelines()
		require.Len(t, p, 3+len(b.statementsRun()), name)
		for _, refused := range p[:3] {
			assert.Equal(t, p[3].SQL(), refused.SQL(), "%s: the same request, sent again", name)
			assert.Equal(t, p[3].Path, refused.Path, name)
		}
		ran := b.statementsRun()
		assert.Equal(t, "COMMIT", ran[len(ran)-1][0], name)
		var opened int
		for _, sql := range ran {
			if strings.HasPrefix(sql[0], "BEGIN") {
				opened++
			}
		}
		assert.Equal(t, 1, opened, "%s: run once: %q", name, ran)
	}

	b := &busyBegins{refusals: 2}
	srv := hranatest.New(t, b.respond)
	results, err := newBusyConnector(t, srv, 0).Open().ExecBatch(context.Background(), twoInserts)
	require.NoError(t, err, "a batch")
	assert.Len(t, results, 2)
	assert.Len(t, srv.Pipelines(), 3)
	assert.Len(t, b.statementsRun(), 1)
}

// TestBusyAfterBeginNotResent: a refusal of anything but the BEGIN that
// opens a transaction may come after a write ran, and is never resent:
// a statement after its BEGIN succeeded, a COMMIT, a statement outside a
// transaction.
func TestBusyAfterBeginNotResent(t *testing.T) {
	busyAt := func(first string, step int) hranatest.Responder {
		return func(p hranatest.Pipeline) hranatest.Reply {
			if sql := p.SQL(); len(sql) > 0 && strings.HasPrefix(sql[0], first) {
				return hranatest.StepFails(p, hranatest.Baton("b"), step, "SQLITE_BUSY", "database is locked")
			}
			return hranatest.OK(p, hranatest.Baton("b"), "")
		}
	}
	for _, name := range []string{"statement", "cursor"} {
		srv := hranatest.New(t, busyAt("BEGIN", 1))
		db := openBusy(t, srv, 0)
		tx, err := db.Begin()
		require.NoError(t, err)
		err = inTx[name](context.Background(), tx)
		require.ErrorIs(t, err, sqlerr.CodeBusy, name)
		assert.NotContains(t, err.Error(), "begin transaction", name)
		assert.Len(t, srv.Pipelines(), 1, "%s: sent once", name)
		require.NoError(t, tx.Rollback(), name)
	}

	srv := hranatest.New(t, busyAt("BEGIN", 1))
	_, err := newBusyConnector(t, srv, 0).Open().ExecBatch(context.Background(), twoInserts)
	require.ErrorIs(t, err, sqlerr.CodeBusy, "a batch's statement")
	assert.Len(t, srv.Pipelines(), 1, "a batch's statement")

	srv = hranatest.New(t, busyAt("COMMIT", 0))
	db := openBusy(t, srv, 0)
	tx, err := db.Begin()
	require.NoError(t, err)
	_, err = tx.Exec("INSERT INTO t VALUES (1)")
	require.NoError(t, err)
	require.ErrorIs(t, tx.Commit(), sqlerr.CodeBusy)
	assert.Len(t, srv.Pipelines(), 2, "COMMIT sent once")

	srv = hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply {
		return hranatest.Reply{Body: hranatest.Body(hranatest.Baton("b"), "", hranatest.Error("SQLITE_BUSY", "database is locked"))}
	})
	_, err = openBusy(t, srv, 0).Exec("INSERT INTO t VALUES (1)")
	require.ErrorIs(t, err, sqlerr.CodeBusy)
	assert.Len(t, srv.Pipelines(), 1, "a statement outside a transaction sent once")
}

// TestBusyBeginUnprovenNotResent: a reply that does not show that nothing
// but the refused BEGIN ran, or no reply, is not resent.
func TestBusyBeginUnprovenNotResent(t *testing.T) {
	busy := `{"message":"database is locked","code":"SQLITE_BUSY"}`
	for name, c := range map[string]struct {
		run   string
		reply hranatest.Reply
		want  error
	}{
		"a later step ran": {"statement", hranatest.Reply{Body: hranatest.Body(hranatest.Baton("b"), "",
			`{"type":"ok","response":{"type":"batch","result":{"step_results":[null,{"cols":[],"rows":[],"affected_row_count":1}],"step_errors":[`+busy+`,null]}}}`)}, ErrMalformedReply},
		"a later step ran on the cursor": {"cursor", hranatest.Reply{Body: hranatest.CursorBody(hranatest.Baton("b"), "",
			`{"type":"step_error","step":0,"error":`+busy+`}`, hranatest.StepBegin(1, `{"name":"v"}`), hranatest.StepEnd)}, ErrMalformedReply},
		"reply lost":           {"statement", hranatest.Reply{Cut: true}, ErrUnreachable},
		"reply lost on cursor": {"cursor", hranatest.Reply{Cut: true}, ErrUnreachable},
	} {
		srv := hranatest.New(t, func(hranatest.Pipeline) hranatest.Reply { return c.reply })
		db := openBusy(t, srv, 0)
		tx, err := db.Begin()
		require.NoError(t, err)
		err = inTx[c.run](context.Background(), tx)
		require.ErrorIs(t, err, c.want, name)
		assert.Len(t, srv.Pipelines(), 1, "%s: sent once", name)
		_ = tx.Rollback()
	}
}

// TestBusyBeginGivesUp: a BEGIN refused for longer than the busy timeout
// fails with the server's SQLITE_BUSY, after resends that back off.
func TestBusyBeginGivesUp(t *testing.T) {
	const timeout = 200 * time.Millisecond
	for _, name := range []string{"statement", "cursor"} {
		srv := hranatest.New(t, (&busyBegins{refusals: math.MaxInt}).respond)
		db := openBusy(t, srv, timeout)
		tx, err := db.Begin()
		require.NoError(t, err)
		start := time.Now()
		err = inTx[name](context.Background(), tx)
		took := time.Since(start)
		require.ErrorIs(t, err, sqlerr.CodeBusy, name)
		assert.Contains(t, err.Error(), "libsql: begin transaction (the server was still busy after", name)
		assert.Contains(t, err.Error(), "database is locked", name)
		assert.Less(t, took, timeout+time.Second, name)
		assert.Greater(t, took, timeout-busyMaxWait, "%s: gave up when the next wait would end after the bound", name)
		// 0.5, 1, 2, ... 50, 50 ms at the least.
		sent := len(srv.Pipelines())
		assert.GreaterOrEqual(t, sent, 4, name)
		assert.LessOrEqual(t, sent, 12, name)
		require.NoError(t, tx.Rollback(), name)
		assert.Len(t, srv.Pipelines(), sent, "%s: nothing of the transaction reached the server", name)
	}
}

// TestBusyBeginContext: the resends stop at the context's deadline, and
// when it is cancelled, long before the busy timeout.
func TestBusyBeginContext(t *testing.T) {
	for _, name := range []string{"statement", "cursor"} {
		srv := hranatest.New(t, (&busyBegins{refusals: math.MaxInt}).respond)
		db := openBusy(t, srv, 0)
		tx, err := db.Begin()
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		start := time.Now()
		err = inTx[name](ctx, tx)
		took := time.Since(start)
		cancel()
		require.Error(t, err, name)
		assert.True(t, errors.Is(err, sqlerr.CodeBusy) || errors.Is(err, context.DeadlineExceeded), "%s: %v", name, err)
		assert.Less(t, took, time.Second, name)
		assert.GreaterOrEqual(t, len(srv.Pipelines()), 2, name)
		_ = tx.Rollback()

		srv = hranatest.New(t, (&busyBegins{refusals: math.MaxInt}).respond)
		db = openBusy(t, srv, 0)
		tx, err = db.Begin()
		require.NoError(t, err)
		ctx, cancel = context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start = time.Now()
		err = inTx[name](ctx, tx)
		require.ErrorIs(t, err, context.Canceled, name)
		assert.Less(t, time.Since(start), time.Second, name)
		_ = tx.Rollback()
	}
}
