package hrana

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorm-libsql/libsql/internal/hranatest"
	"github.com/gorm-libsql/libsql/internal/sqlite"
	"github.com/gorm-libsql/libsql/sqlerr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeBatchServer answers every pipeline with one batch result built by
// reply from the steps it received, and records the requests.
func fakeBatchServer(t *testing.T, reply func(steps []batchStep) batchResult) (*Conn, *[]pipelineRequest) {
	t.Helper()
	var got []pipelineRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req pipelineRequest
		require.NoError(t, json.NewDecoder(r.Body).Decode(&req))
		got = append(got, req)
		br := reply(req.Requests[0].Batch.Steps)
		raw, _ := json.Marshal(br)
		json.NewEncoder(w).Encode(map[string]any{
			"baton": "b",
			"results": []any{map[string]any{"type": "ok", "response": map[string]any{
				"type": "batch", "result": json.RawMessage(raw)}}},
		})
	}))
	t.Cleanup(srv.Close)
	c, err := NewConnector(Options{URL: srv.URL})
	require.NoError(t, err)
	return c.Open(), &got
}

var twoInserts = []sqlite.BatchStatement{
	{SQL: "INSERT INTO t VALUES (1)"},
	{SQL: "INSERT INTO t VALUES (2) RETURNING id", WantRows: true},
}

func TestExecBatchSteps(t *testing.T) {
	one := "7"
	c, got := fakeBatchServer(t, func(steps []batchStep) batchResult {
		br := batchResult{StepResults: make([]*stmtResult, len(steps)), StepErrors: make([]*responseError, len(steps))}
		for i := range steps[:len(steps)-1] {
			br.StepResults[i] = &stmtResult{AffectedRows: 1, LastInsertRowid: &one}
		}
		return br
	})
	results, err := c.ExecBatch(context.Background(), twoInserts)
	require.NoError(t, err)
	require.Len(t, *got, 1, "one request")
	steps := (*got)[0].Requests[0].Batch.Steps
	require.Len(t, steps, 5)
	assert.Equal(t, "BEGIN IMMEDIATE", steps[0].Stmt.SQL)
	assert.Nil(t, steps[0].Condition)
	for i := 1; i <= 3; i++ {
		require.NotNil(t, steps[i].Condition, "step %d runs only after the one before succeeded", i)
		assert.Equal(t, "ok", steps[i].Condition.Type)
		assert.Equal(t, i-1, *steps[i].Condition.Step)
	}
	assert.Equal(t, "COMMIT", steps[3].Stmt.SQL)
	assert.True(t, steps[2].Stmt.WantRows)
	assert.Equal(t, "ROLLBACK", steps[4].Stmt.SQL)
	assert.Equal(t, "not", steps[4].Condition.Type, "ROLLBACK unless COMMIT succeeded")
	assert.Equal(t, 3, *steps[4].Condition.Cond.Step)
	require.Len(t, results, 2)
	assert.Equal(t, int64(7), results[1].LastID)
	assert.NotNil(t, results[1].Rows)
	assert.Nil(t, results[0].Rows)
}

// A reply that does not account for every step, or that skips a statement
// without saying why, is an error: never a result read from nothing.
func TestExecBatchMalformedReplies(t *testing.T) {
	bad := "x"
	for name, reply := range map[string]func(steps []batchStep) batchResult{
		"short": func(steps []batchStep) batchResult {
			return batchResult{StepResults: make([]*stmtResult, 2), StepErrors: make([]*responseError, 2)}
		},
		"skipped without error": func(steps []batchStep) batchResult {
			return batchResult{StepResults: make([]*stmtResult, len(steps)), StepErrors: make([]*responseError, len(steps))}
		},
		"bad rowid": func(steps []batchStep) batchResult {
			br := batchResult{StepResults: make([]*stmtResult, len(steps)), StepErrors: make([]*responseError, len(steps))}
			for i := range steps {
				br.StepResults[i] = &stmtResult{LastInsertRowid: &bad}
			}
			return br
		},
		"commit skipped": func(steps []batchStep) batchResult {
			br := batchResult{StepResults: make([]*stmtResult, len(steps)), StepErrors: make([]*responseError, len(steps))}
			for i := range steps[:len(steps)-2] {
				br.StepResults[i] = &stmtResult{}
			}
			return br
		},
		"rollback ran after a commit": func(steps []batchStep) batchResult {
			br := batchResult{StepResults: make([]*stmtResult, len(steps)), StepErrors: make([]*responseError, len(steps))}
			for i := range steps {
				br.StepResults[i] = &stmtResult{}
			}
			return br
		},
	} {
		c, _ := fakeBatchServer(t, reply)
		results, err := c.ExecBatch(context.Background(), twoInserts)
		require.ErrorIs(t, err, ErrMalformedReply, name)
		require.ErrorIs(t, err, ErrCommitUnknown, name)
		assert.Nil(t, results, name)
	}
}

// TestCommitClaimedSkipped: a transaction's COMMIT is an unconditional
// batch step, so a reply with neither a result nor an error for it has not
// shown that it ran: its outcome is unknown, never success.
func TestCommitClaimedSkipped(t *testing.T) {
	c, got := fakeBatchServer(t, func(steps []batchStep) batchResult {
		br := batchResult{StepResults: make([]*stmtResult, len(steps)), StepErrors: make([]*responseError, len(steps))}
		if steps[0].Stmt.SQL == "COMMIT" {
			return br
		}
		for i := range steps {
			br.StepResults[i] = &stmtResult{}
		}
		return br
	})
	ctx := context.Background()
	tx, err := c.BeginTx(ctx, driver.TxOptions{})
	require.NoError(t, err)
	_, err = c.ExecContext(ctx, "INSERT INTO t VALUES (1)", nil)
	require.NoError(t, err)
	err = tx.Commit()
	require.ErrorIs(t, err, ErrCommitUnknown)
	require.Len(t, *got, 2)
	assert.Equal(t, "COMMIT", (*got)[1].Requests[0].Batch.Steps[0].Stmt.SQL)
}

func TestExecBatchStatementError(t *testing.T) {
	c, _ := fakeBatchServer(t, func(steps []batchStep) batchResult {
		br := batchResult{StepResults: make([]*stmtResult, len(steps)), StepErrors: make([]*responseError, len(steps))}
		br.StepResults[0], br.StepResults[1], br.StepResults[4] = &stmtResult{}, &stmtResult{}, &stmtResult{}
		br.StepErrors[2] = &responseError{Code: "SQLITE_CONSTRAINT_CHECK", Message: "SQLite error: CHECK constraint failed: positive"}
		return br
	})
	_, err := c.ExecBatch(context.Background(), twoInserts)
	var be *sqlite.BatchError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, 1, be.Index)
	assert.Equal(t, twoInserts[1].SQL, be.SQL)
	var le *sqlerr.Error
	require.ErrorAs(t, err, &le)
	assert.Equal(t, sqlerr.CodeConstraintCheck, le.Code)
}

func TestExecBatchInTransaction(t *testing.T) {
	c, got := fakeBatchServer(t, nil)
	_, err := c.BeginTx(context.Background(), driver.TxOptions{})
	require.NoError(t, err)
	_, err = c.ExecBatch(context.Background(), twoInserts)
	assert.ErrorIs(t, err, sqlite.ErrBatchInTransaction)
	assert.Empty(t, *got)
}

// TestExecBatchReplyLost: a batch commits on its own, so a lost reply
// leaves its outcome unknown.
func TestExecBatchReplyLost(t *testing.T) {
	srv := hranatest.New(t, func(hranatest.Pipeline) hranatest.Reply { return hranatest.Reply{Cut: true} })
	c, err := NewConnector(Options{URL: srv.URL})
	require.NoError(t, err)
	results, err := c.Open().ExecBatch(context.Background(), twoInserts)
	require.ErrorIs(t, err, ErrCommitUnknown)
	assert.Nil(t, results)
	assert.Len(t, srv.Pipelines(), 1, "sent once")
}
