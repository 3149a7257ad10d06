package hrana

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// ErrMalformedReply is matched (errors.Is) by the error of a reply that
// does not have the shape its request asks for: the client refuses it
// rather than guess. The stream it came on is not used again.
var ErrMalformedReply = errors.New("libsql: malformed reply from the server")

type malformedError struct{ detail string }

func (e *malformedError) Error() string {
	return "libsql: the server sent a malformed reply (" + e.detail + "); is the URL a libSQL server?"
}

func (e *malformedError) Is(target error) bool { return target == ErrMalformedReply }

func malformed(format string, args ...any) error {
	return &malformedError{detail: fmt.Sprintf(format, args...)}
}

// decodePipeline reads a pipeline reply to n requests, and checks what
// every later use relies on: one result per request, each either an error
// or a response.
func decodePipeline(data []byte, n int) (*pipelineResponse, error) {
	var out pipelineResponse
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, malformed("%s", shortJSONError(err))
	}
	if len(out.Results) != n {
		return nil, malformed("%d results for %d requests", len(out.Results), n)
	}
	for i, r := range out.Results {
		switch r.Type {
		case "ok":
			if r.Response == nil {
				return nil, malformed("result %d is ok without a response", i)
			}
		case "error":
			if r.Error == nil {
				return nil, malformed("result %d is an error without details", i)
			}
		default:
			return nil, malformed("result %d has type %q", i, r.Type)
		}
	}
	return &out, nil
}

// shortJSONError names what was wrong without quoting the reply.
func shortJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("not JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s where %s was expected at %q", typ.Value, typ.Type, typ.Field)
	}
	return err.Error()
}

// expect reads the outcome of one request of type typ: the server's error,
// or a response of that type holding what the type promises.
func expect(r pipelineResult, typ string) (*response, error) {
	resp, err := resultOf(r)
	if err != nil {
		return nil, err
	}
	if resp.Type != typ {
		return nil, malformed("a %q response to a %q request", resp.Type, typ)
	}
	switch typ {
	case "execute":
		if err := checkResult(resp.Result); err != nil {
			return nil, err
		}
	case "batch":
		if resp.BatchResult == nil {
			return nil, malformed("a batch response without a result")
		}
	case "get_autocommit":
		if resp.IsAutocommit == nil {
			return nil, malformed("a get_autocommit response without is_autocommit")
		}
	}
	return resp, nil
}

// checkResult checks a statement result: rows as wide as the columns, and
// a readable rowid. Values are checked as they are read.
func checkResult(res *stmtResult) error {
	if res == nil {
		return malformed("a statement without a result")
	}
	for i, row := range res.Rows {
		if len(row) != len(res.Cols) {
			return malformed("row %d has %d values for %d columns", i, len(row), len(res.Cols))
		}
	}
	if res.LastInsertRowid != nil {
		if _, err := strconv.ParseInt(*res.LastInsertRowid, 10, 64); err != nil {
			return malformed("last_insert_rowid %q is not an integer", *res.LastInsertRowid)
		}
	}
	return nil
}

// checkBatch checks a batch result against the steps sent: one result or
// error slot per step; where a step's condition held (always, for a step
// without one), a result or an error; where it did not, neither. A server
// that claims it skipped a step that had to run, a COMMIT above all, has
// not shown that the step ran, and its reply is not believed.
func checkBatch(br *batchResult, steps []batchStep) error {
	if len(br.StepResults) != len(steps) || len(br.StepErrors) != len(steps) {
		return malformed("a batch result of %d results and %d errors for %d steps", len(br.StepResults), len(br.StepErrors), len(steps))
	}
	for i, res := range br.StepResults {
		ran := res != nil || br.StepErrors[i] != nil
		if res != nil && br.StepErrors[i] != nil {
			return malformed("batch step %d has both a result and an error", i)
		}
		switch held, known := conditionHeld(steps[i].Condition, br, i); {
		case known && held && !ran:
			return malformed("batch step %d had to run, and has neither a result nor an error", i)
		case known && !held && ran:
			return malformed("batch step %d ran although its condition did not hold", i)
		}
		if res != nil {
			if err := checkResult(res); err != nil {
				return err
			}
		}
	}
	return nil
}

// conditionHeld evaluates the condition of step from the outcomes of the
// steps before it, for the conditions the client sends ("ok" and "not");
// known is false for any other.
func conditionHeld(c *condition, br *batchResult, step int) (held, known bool) {
	if c == nil {
		return true, true
	}
	switch c.Type {
	case "ok":
		if c.Step == nil || *c.Step < 0 || *c.Step >= step {
			return false, false
		}
		return br.StepResults[*c.Step] != nil, true
	case "not":
		if c.Cond == nil {
			return false, false
		}
		held, known := conditionHeld(c.Cond, br, step)
		return !held, known
	}
	return false, false
}

// ErrTxLost is matched (errors.Is) by every statement and COMMIT of a
// transaction whose stream on the server is gone: the server rolled it
// back, and nothing of it was committed.
var ErrTxLost = errors.New("libsql: the transaction was lost")

type txLostError struct{ cause error }

func (e *txLostError) Error() string {
	msg := "libsql: the transaction was lost: its stream on the server expired, was closed, or the connection failed, so the server rolled it back and nothing of it was committed; roll back and run it again"
	if e.cause != nil {
		msg += " (" + e.cause.Error() + ")"
	}
	return msg
}

func (e *txLostError) Is(target error) bool { return target == ErrTxLost }
func (e *txLostError) Unwrap() error        { return e.cause }

// ErrCommitUnknown is matched (errors.Is) by the error of a request that
// would have committed writes, a COMMIT or a write outside a transaction
// (which commits on its own), when the request was sent and its reply
// never came or could not be read: the server may or may not have
// committed. It matches
// ErrUnreachable too.
var ErrCommitUnknown = errors.New("libsql: the outcome of COMMIT is unknown")

// commitUnknownError is ErrCommitUnknown for what: "COMMIT" or "the write".
type commitUnknownError struct {
	what string
	err  error
}

func (e *commitUnknownError) Error() string {
	return "libsql: the outcome of " + e.what + " is unknown: the request was sent but no reply came, or none that could be read, so it may or may not be committed; check with a read before running it again: " + e.err.Error()
}

func (e *commitUnknownError) Is(target error) bool {
	return target == ErrCommitUnknown || target == ErrUnreachable
}

func (e *commitUnknownError) Unwrap() error { return e.err }

// outcomeUnknown reports whether err leaves open whether the server ran
// the request: it may have been sent, and no reply of the server's came
// back.
func outcomeUnknown(err error) bool {
	var unsent *unsentError
	if errors.As(err, &unsent) {
		return false
	}
	var he *Error
	if errors.As(err, &he) && he.Status >= 500 {
		// A gateway's error page may stand for a server that ran it.
		return true
	}
	return errors.Is(err, ErrUnreachable) || errors.Is(err, ErrMalformedReply) || errors.Is(err, ErrResponseTooLarge) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
