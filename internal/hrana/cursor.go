package hrana

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/gorm-libsql/libsql/internal/errmsg"
)

// Rows read as they stream in. A statement that only reads runs as a batch
// on Hrana 3's cursor endpoint, whose reply is a first line naming the
// stream's next baton, then one line per entry: step_begin (a step's
// columns), row, step_end, step_error, error. Only one entry is held at a
// time, so a result of any size is read in flat memory, and
// MaxResponseBytes bounds one line. sqld hands the stream back with that
// first line, but runs nothing else on it until the cursor ends: another
// request on it first reads the rest of the rows into memory (see drain).
// Rows closed before their end inside a transaction are read to it, so
// that the stream lives on; outside one their reply is cut and the stream
// given up (see rows.Close and abandon).

type cursorRequest struct {
	Baton *string `json:"baton"`
	Batch batch   `json:"batch"`
}

type cursorHead struct {
	Baton   *string `json:"baton"`
	BaseURL *string `json:"base_url"`
}

type cursorEntry struct {
	Type            string         `json:"type"`
	Step            *int           `json:"step"`
	Cols            []column       `json:"cols"`
	Row             []value        `json:"row"`
	AffectedRows    *int64         `json:"affected_row_count"`
	LastInsertRowid *string        `json:"last_insert_rowid"`
	Error           *responseError `json:"error"`
}

// cursorBuffer is the read buffer of a cursor reply: lines up to its size
// are read without a copy.
const cursorBuffer = 64 << 10

// cursor reads the entries of one cursor reply, and checks each against
// the batch sent and the entries before it.
type cursor struct {
	cl   *client
	body io.ReadCloser
	r    *bufio.Reader
	// long puts together a line longer than r's buffer.
	long []byte
	// ctx bounds the reading, armed by wait before each read and
	// disarmed by rest after it (see Limits.watch).
	ctx        context.Context
	wait, rest func()
	cancel     context.CancelFunc
	// read counts the bytes read so far.
	read int64

	// steps is the number of steps of the batch; seen the last step an
	// entry named (-1 before any), inStep set from its step_begin to its
	// end, width its columns. failed is set by an error entry, which ends
	// the reply.
	steps  int
	seen   int
	inStep bool
	width  int
	failed bool
}

// cursor posts req to the cursor endpoint under base and reads the
// reply's first line. ctx bounds the reading, with wait and rest (see
// Limits.watch).
func (c *client) cursor(ctx context.Context, wait, rest func(), base string, req *cursorRequest) (*cursor, *cursorHead, error) {
	resp, err := c.post(ctx, base, cursorPath, req)
	if err != nil {
		return nil, nil, err
	}
	k := &cursor{cl: c, body: resp.Body, r: bufio.NewReaderSize(resp.Body, cursorBuffer), ctx: ctx, wait: wait, rest: rest,
		steps: len(req.Batch.Steps), seen: -1}
	line, err := k.line()
	if err == io.EOF {
		err = malformed("an empty cursor reply")
	}
	var head cursorHead
	if err == nil {
		if jerr := json.Unmarshal(line, &head); jerr != nil {
			err = malformed("cursor reply: %s", shortJSONError(jerr))
		}
	}
	if err != nil {
		resp.Body.Close()
		return nil, nil, err
	}
	return k, &head, nil
}

// line reads the next line, without its newline; io.EOF at the end of the
// reply.
func (k *cursor) line() ([]byte, error) {
	limit := k.cl.limits.MaxResponseBytes
	k.long = k.long[:0]
	// The time the caller takes between rows is its own: only the waits
	// for the server are bounded.
	defer k.rest()
	for {
		k.wait()
		chunk, err := k.r.ReadSlice('\n')
		k.read += int64(len(chunk))
		if int64(len(k.long)+len(chunk)) > limit+1 {
			return nil, &tooLargeError{limit: limit, entry: true}
		}
		switch {
		case err == nil && len(k.long) == 0:
			return chunk[:len(chunk)-1], nil
		case err == nil:
			k.long = append(k.long, chunk...)
			return k.long[:len(k.long)-1], nil
		case err == bufio.ErrBufferFull:
			k.long = append(k.long, chunk...)
		case err == io.EOF && len(k.long)+len(chunk) == 0:
			return nil, io.EOF
		case err == io.EOF:
			return nil, malformed("the cursor reply ends in the middle of an entry")
		case errors.Is(err, io.ErrUnexpectedEOF) && k.ctx.Err() == nil:
			// sqld breaks off a cursor's reply when a row holds text
			// it cannot encode.
			return nil, &unreachableError{msg: "the connection broke before the end of the rows (the server restarted or a proxy cut it; or sqld found a row it cannot send: " + invalidUTF8 + ")", err: err}
		default:
			return nil, k.cl.transportError(k.ctx, err)
		}
	}
}

// entry reads and checks the next entry; io.EOF at the end of a reply
// that ends where it may.
func (k *cursor) entry() (*cursorEntry, error) {
	line, err := k.line()
	if err == io.EOF && k.inStep {
		return nil, malformed("the cursor reply ends inside step %d, without its step_end", k.seen)
	}
	if err != nil {
		return nil, err
	}
	if k.failed {
		return nil, malformed("a cursor entry after the error that ends the reply")
	}
	e := new(cursorEntry)
	if err := json.Unmarshal(line, e); err != nil {
		return nil, malformed("cursor entry: %s", shortJSONError(err))
	}
	return e, k.check(e)
}

// check checks e against the batch and the entries before it, and notes
// where it leaves the reply.
func (k *cursor) check(e *cursorEntry) error {
	switch e.Type {
	case "step_begin":
		switch {
		case k.inStep:
			return malformed("step_begin inside step %d", k.seen)
		case e.Step == nil || *e.Step <= k.seen || *e.Step >= k.steps:
			return malformed("step_begin of no step expected after step %d of %d", k.seen, k.steps)
		case e.Cols == nil:
			return malformed("step_begin without columns")
		}
		k.seen, k.inStep, k.width = *e.Step, true, len(e.Cols)
	case "row":
		switch {
		case !k.inStep:
			return malformed("a row outside a step")
		case e.Row == nil || len(e.Row) != k.width:
			return malformed("a row of %d values for %d columns", len(e.Row), k.width)
		}
	case "step_end":
		switch {
		case !k.inStep:
			return malformed("step_end outside a step")
		case e.AffectedRows == nil:
			return malformed("step_end without affected_row_count")
		case e.LastInsertRowid != nil:
			if _, err := strconv.ParseInt(*e.LastInsertRowid, 10, 64); err != nil {
				return malformed("last_insert_rowid %q is not an integer", *e.LastInsertRowid)
			}
		}
		k.inStep = false
	case "step_error":
		switch {
		case e.Error == nil || e.Step == nil:
			return malformed("step_error without a step or an error")
		case k.inStep && *e.Step != k.seen:
			return malformed("step_error for step %d inside step %d", *e.Step, k.seen)
		case !k.inStep && (*e.Step <= k.seen || *e.Step >= k.steps):
			return malformed("step_error for step %d after %d of %d", *e.Step, k.seen, k.steps)
		}
		k.seen, k.inStep = *e.Step, false
	case "error":
		if e.Error == nil {
			return malformed("an error entry without an error")
		}
		k.inStep, k.failed = false, true
	case "replication_index":
		// sqld tells where the batch left the database's log, after its
		// last step; nothing here uses it.
		if k.inStep {
			return malformed("replication_index inside step %d", k.seen)
		}
	default:
		return malformed("a cursor entry of type %q", e.Type)
	}
	return nil
}

// trailer reads the entries after the statement's end: only the
// replication index may come, then the end of the reply, which lets the
// HTTP connection be used again.
func (k *cursor) trailer() error {
	for {
		e, err := k.entry()
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		case e.Type != "replication_index":
			return malformed("a %q entry after the statement's end", e.Type)
		}
	}
}

// buffered reports whether a whole line has arrived and waits to be read.
func (k *cursor) buffered() bool {
	b, _ := k.r.Peek(k.r.Buffered())
	return bytes.IndexByte(b, '\n') >= 0
}

func (k *cursor) close() {
	k.body.Close()
	k.cancel()
}

// openCursor runs st, after the pending BEGIN, on a cursor, and returns
// its rows once its columns came: its error when it failed before them. A
// BEGIN the server refused as busy is sent again (see retryBusyBegin).
func (c *Conn) openCursor(ctx context.Context, st statement) (*rows, error) {
	if err := c.check(st.SQL); err != nil {
		return nil, err
	}
	b := batch{Steps: c.withBegin(&st)}
	var r *rows
	err := c.retryBusyBegin(ctx, func() (busy *responseError, err error) {
		r, busy, err = c.sendCursor(ctx, b)
		return busy, err
	})
	return r, err
}

// sendCursor sends b, the pending BEGIN and a statement, on a cursor once
// (see openCursor); busy is the BEGIN's error when the server refused it,
// the first step, as busy and ran nothing after it.
func (c *Conn) sendCursor(ctx context.Context, b batch) (_ *rows, busy *responseError, _ error) {
	target := len(b.Steps) - 1
	var k *cursor
	// A cursor carries a read and maybe BEGIN: it commits nothing.
	err := c.exchange(ctx, nil, func(baton *string, base string) (*string, *string, error) {
		// Each attempt is watched from when it is sent: rows read ahead
		// before it (see exchange) take the time they take.
		wctx, wait, rest, cancel := c.cl.limits.watch(ctx)
		sent, head, err := c.cl.cursor(wctx, wait, rest, base, &cursorRequest{Baton: baton, Batch: b})
		if err != nil {
			cancel()
			return nil, nil, err
		}
		sent.cancel, k = cancel, sent
		return head.Baton, head.BaseURL, nil
	})
	if err != nil {
		return nil, nil, err
	}
	for {
		e, err := k.entry()
		if err == io.EOF {
			err = malformed("the statement was skipped although BEGIN succeeded")
		}
		if err != nil {
			c.failCursor(k, err)
			return nil, nil, err
		}
		switch {
		case e.Type == "step_end" && k.seen == target-1:
			// The transaction is open on the server.
			c.begin = nil
		case e.Type == "step_begin" && k.seen == target:
			r := newRows(e.Cols)
			r.cur, r.conn, c.open = k, c, r
			return r, nil, nil
		case e.Type == "step_error" || e.Type == "error":
			err := serverError(e.Error.Code, e.Error.Message)
			switch {
			case e.Type == "error" && len(c.begin) > 0 && k.seen >= 0:
				// Whether BEGIN ran is unknown: the transaction is lost.
				c.failCursor(k, err)
				return nil, nil, err
			case e.Type == "step_error" && k.seen < target:
				err = errmsg.Wrap(err, "libsql: begin transaction")
			}
			// The trailer admits no entry of a later step: none ran.
			if terr := k.trailer(); terr != nil {
				c.failCursor(k, terr)
				return nil, nil, terr
			}
			k.close()
			if e.Type == "step_error" && k.seen == 0 && target > 0 && isBusy(e.Error) {
				return nil, e.Error, nil
			}
			return nil, nil, err
		}
	}
}

// failCursor ends a cursor that failed after its first line, its
// caller's context having ended or not: its reply is cut, and the stream
// given up with it (see abandon).
func (c *Conn) failCursor(k *cursor, err error) {
	k.close()
	c.lose()
	if errors.Is(err, ErrMalformedReply) {
		c.bad = true
	}
}

// read returns the next row from the cursor; at the rows' end, or when
// they fail, false, with r.err set to the failure and the cursor ended.
func (r *rows) read() ([]value, bool) {
	k := r.cur
	e, err := k.entry()
	if err == nil && e.Type == "row" {
		return e.Row, true
	}
	if err == nil {
		// check lets nothing else but the step's end come inside it.
		if e.Type != "step_end" {
			r.err = serverError(e.Error.Code, e.Error.Message)
		}
		err = k.trailer()
	}
	if err != nil {
		r.stop()
		r.err = err
		r.conn.failCursor(k, err)
		return nil, false
	}
	r.stop()
	k.close()
	return nil, false
}

// stop detaches the cursor from the rows and its connection.
func (r *rows) stop() {
	r.cur = nil
	r.conn.open = nil
}

// drain reads the rest of the rows into memory, for another request on
// their stream, which the server would run only once the cursor ended:
// up to MaxResponseBytes of them, as a result sent whole is. Past that,
// the rest is left unread, the rows end with an error, and so does the
// request when a transaction was open on the stream, which is lost with
// it (see abandon).
func (r *rows) drain() error {
	k := r.cur
	start := k.read
	r.data, r.next = nil, 0
	for r.cur != nil {
		row, ok := r.read()
		if !ok {
			return nil
		}
		if limit := k.cl.limits.MaxResponseBytes; k.read-start > limit {
			inTx := r.conn.txOnServer()
			r.abandon()
			r.err = &leftOpenError{limit: limit}
			if inTx {
				return &txLostError{cause: r.err}
			}
			return nil
		}
		r.data = append(r.data, row)
	}
	return nil
}

// abandon closes the reply before its end, and gives up the stream: sqld
// drops a stream whose cursor's connection closed before the cursor ended
// (with the transaction open on it), which a proxy or a slow network makes
// likely. Outside a transaction the next statement opens a new stream in
// the same request; inside one it reports ErrTxLost.
func (r *rows) abandon() {
	k := r.cur
	r.stop()
	k.close()
	r.conn.lose()
}

// Close ends the rows. Inside a transaction, whose stream must outlive
// them, the rest of the rows is read to the end and thrown away (bounded
// as any read is, by RequestTimeout between rows); outside one, a reply
// whose end has not arrived yet is cut (see abandon). How a result that
// was read to its end ended is returned (database/sql's Row.Scan reports
// it).
func (r *rows) Close() error {
	var err error
	for r.cur != nil && (r.cur.buffered() || r.conn.txOnServer()) {
		if _, ok := r.read(); !ok {
			err = r.err
		}
	}
	if r.cur != nil {
		r.abandon()
	}
	r.data = nil
	return err
}

// leftOpenError is the end of rows left streaming while another statement
// ran on their connection, when the rest of them was larger than limit.
type leftOpenError struct{ limit int64 }

func (e *leftOpenError) Error() string {
	return fmt.Sprintf("libsql: another statement ran on the connection while these rows were still coming, which reads the rest of them into memory first, and the rest is larger than MaxResponseBytes (%d bytes); read the rows to their end or close them before running another statement in the transaction, or raise Config.MaxResponseBytes", e.limit)
}

func (e *leftOpenError) Is(target error) bool { return target == ErrResponseTooLarge }
