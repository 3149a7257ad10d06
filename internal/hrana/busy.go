package hrana

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/sqlerr"
)

// A transaction's opening request (its BEGIN, with the first statement or
// a batch's statements, see Conn.begin) is sent again when the server
// refused the BEGIN with SQLITE_BUSY, so that concurrent transactions on
// sqld queue as they do locally instead of failing.
//
// sqld (0.24) hands the write lock to one connection at a time and parks
// the others in a queue. A BEGIN IMMEDIATE that waited there while another
// transaction committed finds its read snapshot stale when its turn comes
// (SQLITE_BUSY_SNAPSHOT), as one that finds a checkpoint running gets
// SQLITE_BUSY. SQLite's busy handler retries it, but a connection that has
// not retaken the lock 15 ms after its turn came loses it to the next in
// the queue, and the handler stops after 9 refusals (the 100 ms busy
// timeout sqld sets counts only its own sleeps, not the waits in the
// queue): the BEGIN fails with SQLITE_BUSY, 0.7 to 0.9 s into its wait
// with 16 transactions taking turns on a loaded 2-core machine.
//
// Such a refusal ran nothing: every step after BEGIN runs only if the one
// before it succeeded, and the reply is checked to say that none did
// (checkBatch, cursor.check), so sending the request again cannot apply
// anything twice. A refusal of any other step, a COMMIT's, a statement's
// outside a transaction, or a reply lost or malformed is never resent.
// Nor is sqld's TRANSACTION_TIMEOUT: a transaction whose turn began 5 s
// ago (TXN_TIMEOUT) is rolled back by the next connection that waits for
// the lock, and the steps its stream runs next (the rest of the request
// under way, or all of the next one, a BEGIN too) fail with that code.

// beginBusyTimeout bounds how long a transaction's opening request is
// sent again: local mode's default busy timeout, as remote mode has no
// busy timeout setting (the server owns it).
const beginBusyTimeout = 10 * time.Second

// The waits before each resend double from busyFirstWait to busyMaxWait,
// with jitter, so that transactions refused together do not come back
// together.
const (
	busyFirstWait = time.Millisecond
	busyMaxWait   = 100 * time.Millisecond
)

// isBusy reports whether a step's error is SQLITE_BUSY, or one of its
// extended codes (sqld sends only the primary code's name).
func isBusy(e *responseError) bool {
	code, ok := sqlerr.CodeByName(e.Code)
	return ok && code.Primary() == sqlerr.CodeBusy
}

// retryBusyBegin calls attempt, which sends a transaction's opening
// request once, and again, after a wait, while it returns busy: the
// BEGIN's SQLITE_BUSY, in a reply that shows nothing else of the request
// ran. It gives up with that error once the next wait would end after
// ctx's deadline or c's busy timeout from the first attempt; a context
// ended while waiting gives its error.
func (c *Conn) retryBusyBegin(ctx context.Context, attempt func() (busy *responseError, err error)) error {
	start := time.Now()
	limit := start.Add(c.cl.beginBusyTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(limit) {
		limit = d
	}
	for wait := busyFirstWait; ; wait = min(2*wait, busyMaxWait) {
		busy, err := attempt()
		if busy == nil || err != nil {
			return err
		}
		pause := wait/2 + rand.N(wait/2+1)
		if time.Now().Add(pause).After(limit) {
			return errmsg.Wrap(serverError(busy.Code, busy.Message), "libsql: begin transaction (the server was still busy after %s of retries)", time.Since(start).Round(time.Millisecond))
		}
		timer := time.NewTimer(pause)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		}
	}
}

// runBegin runs steps, whose first begins open a transaction, resending
// them while the server refuses the first as busy (see retryBusyBegin);
// checkBatch has made sure that nothing after a failed BEGIN ran. A
// BEGIN's error is the request's.
func (c *Conn) runBegin(ctx context.Context, steps []batchStep, begins int) (*batchResult, error) {
	var br *batchResult
	err := c.retryBusyBegin(ctx, func() (*responseError, error) {
		var err error
		if br, err = c.runBatch(ctx, steps); err != nil {
			return nil, err
		}
		if e := br.StepErrors[0]; e != nil && isBusy(e) {
			return e, nil
		}
		for _, e := range br.StepErrors[:begins] {
			if e != nil {
				return nil, errmsg.Wrap(serverError(e.Code, e.Message), "libsql: begin transaction")
			}
		}
		return nil, nil
	})
	return br, err
}
