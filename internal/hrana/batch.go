package hrana

import (
	"context"
	"strconv"

	"github.com/gorm-libsql/libsql/internal/sqlite"
)

// ExecBatch runs stmts as one transaction in a single HTTP request: a
// Hrana batch of BEGIN, the statements, COMMIT and ROLLBACK. Each statement
// and the COMMIT run only if the step before them succeeded, so the first
// failure skips the rest; the ROLLBACK runs unless the COMMIT succeeded,
// so the stream always goes back without a transaction. A BEGIN the
// server refused as busy is sent again (see retryBusyBegin).
func (c *Conn) ExecBatch(ctx context.Context, stmts []sqlite.BatchStatement) (_ []sqlite.BatchResult, err error) {
	if c.InTransaction() {
		return nil, sqlite.ErrBatchInTransaction
	}
	defer func() { err = malformedOutcome("COMMIT", err) }()
	steps := make([]batchStep, 0, len(stmts)+3)
	steps = append(steps, batchStep{Stmt: statement{SQL: "BEGIN " + c.txLock}})
	for i, s := range stmts {
		st, err := c.makeStatement(s.SQL, s.Args, s.WantRows)
		if err != nil {
			return nil, &sqlite.BatchError{Index: i, Count: len(stmts), SQL: s.SQL, Err: err}
		}
		steps = append(steps, batchStep{Stmt: st, Condition: afterOK(len(steps))})
	}
	commit := len(steps)
	steps = append(steps, batchStep{Stmt: statement{SQL: "COMMIT"}, Condition: afterOK(commit)})
	steps = append(steps, batchStep{Stmt: statement{SQL: "ROLLBACK"},
		Condition: &condition{Type: "not", Cond: &condition{Type: "ok", Step: &commit}}})

	// The ROLLBACK runs after a BEGIN refused as busy, and changes nothing.
	br, err := c.runBegin(ctx, steps, 1)
	if err != nil {
		return nil, err
	}
	out := make([]sqlite.BatchResult, len(stmts))
	for i, s := range stmts {
		step := i + 1
		if e := br.StepErrors[step]; e != nil {
			return nil, &sqlite.BatchError{Index: i, Count: len(stmts), SQL: s.SQL, Err: c.refine(ctx, serverError(e.Code, e.Message))}
		}
		// checkBatch saw a result for every step that ran, with a
		// readable rowid.
		res := br.StepResults[step]
		out[i].Changes = res.AffectedRows
		if res.LastInsertRowid != nil {
			out[i].LastID, _ = strconv.ParseInt(*res.LastInsertRowid, 10, 64)
		}
		if s.WantRows {
			out[i].Rows = wholeRows(res)
		}
	}
	if e := br.StepErrors[commit]; e != nil {
		return nil, sqlite.CommitFailed(serverError(e.Code, e.Message))
	}
	return out, nil
}
