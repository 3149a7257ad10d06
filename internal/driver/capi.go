//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

/*
#cgo CFLAGS: -O2
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

// The SQLite C API as compiled into libSQL's static library, which go-libsql
// links (see sqlite3 in the README). We declare only what the driver calls.
typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
typedef long long sqlite3_int64;

#define SQLITE_OK 0
#define SQLITE_ROW 100
#define SQLITE_DONE 101
#define SQLITE_INTEGER 1
#define SQLITE_FLOAT 2
#define SQLITE_TEXT 3
#define SQLITE_BLOB 4
#define SQLITE_NULL 5
#define SQLITE_UTF8 1
#define SQLITE_TRANSIENT ((void(*)(void*))-1)
#define SQLITE_STMTSTATUS_REPREPARE 5
#define SQLITE_PREPARE_PERSISTENT 0x01

int sqlite3_open_v2(const char*, sqlite3**, int, const char*);
int sqlite3_close_v2(sqlite3*);
int sqlite3_busy_timeout(sqlite3*, int);
int sqlite3_extended_result_codes(sqlite3*, int);
int sqlite3_extended_errcode(sqlite3*);
const char* sqlite3_errmsg(sqlite3*);
const char* sqlite3_errstr(int);
int sqlite3_prepare_v3(sqlite3*, const char*, int, unsigned int, sqlite3_stmt**, const char**);
int sqlite3_finalize(sqlite3_stmt*);
int sqlite3_reset(sqlite3_stmt*);
int sqlite3_clear_bindings(sqlite3_stmt*);
int sqlite3_step(sqlite3_stmt*);
int sqlite3_bind_parameter_count(sqlite3_stmt*);
int sqlite3_bind_int64(sqlite3_stmt*, int, sqlite3_int64);
int sqlite3_bind_double(sqlite3_stmt*, int, double);
int sqlite3_bind_null(sqlite3_stmt*, int);
int sqlite3_bind_text64(sqlite3_stmt*, int, const char*, uint64_t, void(*)(void*), unsigned char);
int sqlite3_bind_blob64(sqlite3_stmt*, int, const void*, uint64_t, void(*)(void*));
int sqlite3_bind_zeroblob(sqlite3_stmt*, int, int);
int sqlite3_column_count(sqlite3_stmt*);
const char* sqlite3_column_name(sqlite3_stmt*, int);
const char* sqlite3_column_decltype(sqlite3_stmt*, int);
int sqlite3_column_type(sqlite3_stmt*, int);
sqlite3_int64 sqlite3_column_int64(sqlite3_stmt*, int);
double sqlite3_column_double(sqlite3_stmt*, int);
const unsigned char* sqlite3_column_text(sqlite3_stmt*, int);
const void* sqlite3_column_blob(sqlite3_stmt*, int);
int sqlite3_column_bytes(sqlite3_stmt*, int);
int sqlite3_stmt_status(sqlite3_stmt*, int, int);
int sqlite3_stmt_readonly(sqlite3_stmt*);
sqlite3_int64 sqlite3_changes64(sqlite3*);
sqlite3_int64 sqlite3_total_changes64(sqlite3*);
sqlite3_int64 sqlite3_last_insert_rowid(sqlite3*);
int sqlite3_get_autocommit(sqlite3*);
int sqlite3_txn_state(sqlite3*, const char*);
const char* sqlite3_db_filename(sqlite3*, const char*);
int sqlite3_key_v2(sqlite3*, const char*, const void*, int);
int sqlite3mc_cipher_index(const char*);
int sqlite3mc_config(sqlite3*, const char*, int);

// gl_key selects the cipher libSQL uses for its encrypted files (SQLite3
// Multiple Ciphers' AES-256-CBC, which libSQL sets before keying) on this
// connection, then applies the key. Without the first step the library's
// default cipher would be used, and files would not open in libSQL.
static int gl_key(sqlite3* db, const void* key, int n) {
	int cipher = sqlite3mc_cipher_index("aes256cbc");
	if (cipher <= 0 || sqlite3mc_config(db, "cipher", cipher) != cipher) return 1;
	return sqlite3_key_v2(db, 0, key, n);
}
int sqlite3_bind_parameter_index(sqlite3_stmt*, const char*);
int sqlite3_busy_handler(sqlite3*, int(*)(void*, int), void*);
void sqlite3_progress_handler(sqlite3*, int, int(*)(void*), void*);
int sqlite3_sleep(int);
const char* sqlite3_libversion(void);

// libSQL configures SQLite's threading mode the first time it opens a
// database and aborts the process if SQLite was initialized before. Opening
// and closing a libSQL in-memory database first lets the embedded-replica
// driver work in a process that also opens local files.
typedef const struct libsql_database* libsql_database_t;
int libsql_open_ext(const char*, libsql_database_t*, const char**);
void libsql_close(libsql_database_t);
void libsql_free_string(const char*);

static int gl_init_libsql(void) {
	libsql_database_t db = 0;
	const char* err = 0;
	int rc = libsql_open_ext(":memory:", &db, &err);
	if (err) libsql_free_string(err);
	if (rc == 0 && db) libsql_close(db);
	return rc;
}

// A bound argument. Text and blob bytes live in one Go buffer passed beside
// the array, addressed by offset, so that no Go pointer is stored in memory
// handed to C and all arguments bind in one cgo call.
typedef struct {
	int kind;
	int pos;
	int64_t i;
	double f;
	int64_t off;
	int64_t len;
} gl_arg;

enum { GL_NULL, GL_INT, GL_FLOAT, GL_TEXT, GL_BLOB, GL_ZEROBLOB };

static int gl_bind(sqlite3_stmt* s, const gl_arg* args, int n, const char* buf) {
	int rc = SQLITE_OK;
	for (int i = 0; i < n && rc == SQLITE_OK; i++) {
		const gl_arg* a = &args[i];
		switch (a->kind) {
		case GL_NULL: rc = sqlite3_bind_null(s, a->pos); break;
		case GL_INT: rc = sqlite3_bind_int64(s, a->pos, a->i); break;
		case GL_FLOAT: rc = sqlite3_bind_double(s, a->pos, a->f); break;
		// An empty text may come with no buffer at all, and a NULL pointer
		// would bind SQL NULL instead of ''.
		case GL_TEXT: rc = sqlite3_bind_text64(s, a->pos, a->len ? buf + a->off : "", (uint64_t)a->len, SQLITE_TRANSIENT, SQLITE_UTF8); break;
		case GL_BLOB: rc = sqlite3_bind_blob64(s, a->pos, buf + a->off, (uint64_t)a->len, SQLITE_TRANSIENT); break;
		case GL_ZEROBLOB: rc = sqlite3_bind_zeroblob(s, a->pos, 0); break;
		}
	}
	return rc;
}

// A decoded cell; text and blob pointers stay valid until the next step.
typedef struct {
	int type;
	int len;
	int64_t i;
	double f;
	const void* p;
} gl_cell;

static void gl_row(sqlite3_stmt* s, gl_cell* cells, int n) {
	for (int c = 0; c < n; c++) {
		gl_cell* x = &cells[c];
		x->type = sqlite3_column_type(s, c);
		switch (x->type) {
		case SQLITE_INTEGER: x->i = sqlite3_column_int64(s, c); break;
		case SQLITE_FLOAT: x->f = sqlite3_column_double(s, c); break;
		case SQLITE_TEXT:
			x->p = sqlite3_column_text(s, c);
			x->len = sqlite3_column_bytes(s, c);
			break;
		case SQLITE_BLOB:
			x->p = sqlite3_column_blob(s, c);
			x->len = sqlite3_column_bytes(s, c);
			break;
		}
	}
}

// A statement's decoding state, kept in C memory so that no call hands Go
// memory to C on the per-row path (which costs a pointer check per call and
// forces out-parameters onto the heap).
typedef struct {
	int ncol;        // live column count after the last step
	int reprepared;  // SQLITE_STMTSTATUS_REPREPARE after the last step
	int cap;         // cells allocated
	gl_cell* cells;
	int64_t changes; // rows the last gl_exec changed
	int64_t last_id;
	int state;       // gl_reset's value once gl_exec reset the statement, else -1
} gl_cursor;

static void gl_cursor_free(gl_cursor* c) {
	if (c) free(c->cells);
	free(c);
}

// gl_step advances the statement and, on a row, decodes every column into
// the cursor's cells in the same call: one cgo crossing per row instead of
// several per cell. The column count is read live, as it changes when SQLite
// re-prepares the statement after a schema change.
static int gl_step(sqlite3_stmt* s, gl_cursor* c) {
	int rc = sqlite3_step(s);
	c->reprepared = sqlite3_stmt_status(s, SQLITE_STMTSTATUS_REPREPARE, 0);
	c->ncol = sqlite3_column_count(s);
	if (rc != SQLITE_ROW) return rc;
	if (c->ncol > c->cap) {
		gl_cell* grown = (gl_cell*)realloc(c->cells, sizeof(gl_cell) * c->ncol);
		if (!grown) return 7; // SQLITE_NOMEM
		c->cells = grown;
		c->cap = c->ncol;
	}
	gl_row(s, c->cells, c->ncol);
	return rc;
}

// gl_reset resets a statement and reports the connection's transaction
// state after it, in one crossing: the write gate is left by what it says,
// and the connection remembers it (see conn.snapshot). The state is
// sqlite3_txn_state, with GL_AUTOCOMMIT set in autocommit mode.
#define GL_AUTOCOMMIT 4
static int gl_reset(sqlite3* db, sqlite3_stmt* s) {
	sqlite3_reset(s);
	return sqlite3_txn_state(db, 0) | (sqlite3_get_autocommit(db) ? GL_AUTOCOMMIT : 0);
}

// gl_exec binds and runs a statement to its end (rows it returns are
// skipped) in one crossing. changes counts only rows this statement changed:
// sqlite3_changes64 alone still reports an earlier statement after DDL.
// A statement that ran to its end is reset here too, saving the crossing
// of a separate gl_reset; a failed one is left for the caller to read its
// error first.
static int gl_exec(sqlite3* db, sqlite3_stmt* s, const gl_arg* args, int n, const char* buf, gl_cursor* c) {
	c->state = -1;
	int rc = gl_bind(s, args, n, buf);
	if (rc != SQLITE_OK) return rc;
	sqlite3_int64 before = sqlite3_total_changes64(db);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {}
	c->changes = sqlite3_total_changes64(db) != before ? sqlite3_changes64(db) : 0;
	c->last_id = sqlite3_last_insert_rowid(db);
	if (rc == SQLITE_DONE) c->state = gl_reset(db, s);
	return rc;
}

// gl_query binds and takes the first step in one crossing.
static int gl_query(sqlite3_stmt* s, const gl_arg* args, int n, const char* buf, gl_cursor* c) {
	int rc = gl_bind(s, args, n, buf);
	if (rc != SQLITE_OK) return rc;
	return gl_step(s, c);
}

// Per-connection cancellation and busy-wait state. Each operation that can
// be cancelled (a statement or open rows with a context that can end) owns
// one bit: running is the bit of the operation stepping now (0 for one that
// cannot be cancelled), set by Go on the connection's goroutine before each
// call into SQLite; cancelled gathers the bits of the operations whose
// context ended, set from any thread. A progress handler stops the running
// statement when its bit is set. sqlite3_interrupt is not used: it stays in
// force until no statement of the connection is active, so it would also
// fail the connection's open rows and its next statement.
typedef struct {
	int timeout_ms;
	uint64_t running;
	uint64_t cancelled;
} gl_busy;

static int gl_stopped(gl_busy* b) {
	return (__atomic_load_n(&b->cancelled, __ATOMIC_RELAXED) & b->running) != 0;
}

// SQLite's own busy handler sleeps through a cancelled context; this one
// gives up as soon as the context of the waiting operation is done.
static int gl_busy_wait(void* arg, int count) {
	static const int delays[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
	static const int ndelays = sizeof(delays) / sizeof(delays[0]);
	gl_busy* b = (gl_busy*)arg;
	if (gl_stopped(b)) return 0;
	int waited = 0;
	for (int i = 0; i < count; i++) waited += i < ndelays ? delays[i] : delays[ndelays - 1];
	if (waited >= b->timeout_ms) return 0;
	int d = count < ndelays ? delays[count] : delays[ndelays - 1];
	if (waited + d > b->timeout_ms) d = b->timeout_ms - waited;
	sqlite3_sleep(d);
	return !gl_stopped(b);
}

static int gl_progress(void* arg) { return gl_stopped((gl_busy*)arg); }

// GL_PROGRESS_OPS is how many virtual machine instructions run between two
// checks for cancellation: a few microseconds of work, so a cancelled
// statement stops at once while the check costs nothing measurable.
#define GL_PROGRESS_OPS 1000

static gl_busy* gl_install_busy(sqlite3* db, int timeout_ms) {
	gl_busy* b = (gl_busy*)calloc(1, sizeof(gl_busy));
	if (!b) return 0;
	b->timeout_ms = timeout_ms;
	sqlite3_busy_handler(db, gl_busy_wait, b);
	sqlite3_progress_handler(db, GL_PROGRESS_OPS, gl_progress, b);
	return b;
}

// gl_free_busy detaches the handlers from the connection before it frees
// their state: statements still open keep a closed connection alive
// (sqlite3_close_v2 leaves it a zombie until they are finalized), and
// finalizing them may commit, which can call the busy handler.
static void gl_free_busy(sqlite3* db, gl_busy* b) {
	sqlite3_busy_handler(db, 0, 0);
	sqlite3_progress_handler(db, 0, 0, 0);
	free(b);
}

static void gl_cancel(gl_busy* b, uint64_t op) { __atomic_fetch_or(&b->cancelled, op, __ATOMIC_RELAXED); }

static void gl_uncancel(gl_busy* b, uint64_t op) { __atomic_fetch_and(&b->cancelled, ~op, __ATOMIC_RELAXED); }

static void gl_columns(sqlite3_stmt* s, int n, const char** names, const char** decltypes) {
	for (int c = 0; c < n; c++) {
		names[c] = sqlite3_column_name(s, c);
		decltypes[c] = sqlite3_column_decltype(s, c);
	}
}
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/gorm-libsql/libsql/sqlerr"
	// go-libsql brings the static libSQL library and its link flags; the
	// driver calls the SQLite C API inside it directly.
	_ "github.com/tursodatabase/go-libsql"
)

const (
	sqliteOK   = 0
	sqliteRow  = 100
	sqliteDone = 101
)

// Value kinds of a cell, as SQLite reports them.
const (
	typeInteger = C.SQLITE_INTEGER
	typeFloat   = C.SQLITE_FLOAT
	typeText    = C.SQLITE_TEXT
	typeBlob    = C.SQLITE_BLOB
	typeNull    = C.SQLITE_NULL
)

// Argument kinds understood by gl_bind.
const (
	argNull     = C.GL_NULL
	argInt      = C.GL_INT
	argFloat    = C.GL_FLOAT
	argText     = C.GL_TEXT
	argBlob     = C.GL_BLOB
	argZeroBlob = C.GL_ZEROBLOB
)

type (
	cArg  = C.gl_arg
	cCell = C.gl_cell
)

func cBytes(p unsafe.Pointer, n C.int) []byte {
	return C.GoBytes(p, n)
}

// LibVersion reports the SQLite version string of the linked libSQL engine.
func LibVersion() string {
	return C.GoString(C.sqlite3_libversion())
}

type (
	cInt    = C.int
	cInt64  = C.int64_t
	cDouble = C.double
)

func cString(c *cCell) string {
	return C.GoStringN((*C.char)(c.p), C.int(c.len))
}

// cStringView is the cell's text without a copy; it must not outlive the
// next step of the statement.
func cStringView(c *cCell) string {
	return unsafe.String((*byte)(c.p), int(c.len))
}

// handle is one open SQLite connection and its busy-wait state.
type handle struct {
	db   *C.sqlite3
	busy *C.gl_busy
}

// Open flags (https://sqlite.org/c3ref/c_open_autoproxy.html).
const (
	openReadOnly  = 0x00000001
	openReadWrite = 0x00000002
	openCreate    = 0x00000004
	openURI       = 0x00000040
	openNoMutex   = 0x00008000
)

var libsqlInit sync.Once

func openHandle(path string, flags int, busyTimeout int) (*handle, error) {
	libsqlInit.Do(func() { C.gl_init_libsql() })
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var db *C.sqlite3
	rc := C.sqlite3_open_v2(cpath, &db, C.int(flags), nil)
	if db == nil {
		return nil, &sqlerr.Error{Code: sqlerr.Code(rc), Message: "cannot allocate a connection"}
	}
	h := &handle{db: db}
	if rc != sqliteOK {
		err := h.lastError(int(rc))
		C.sqlite3_close_v2(db)
		return nil, err
	}
	C.sqlite3_extended_result_codes(db, 1)
	h.busy = C.gl_install_busy(db, C.int(busyTimeout))
	if h.busy == nil {
		h.close()
		return nil, &sqlerr.Error{Code: 7, Message: "out of memory"}
	}
	return h, nil
}

// close closes the connection and frees its busy-wait state; no
// cancellation may be armed on it any more (see conn.Close).
func (h *handle) close() {
	if h.busy != nil {
		C.gl_free_busy(h.db, h.busy)
		h.busy = nil
	}
	C.sqlite3_close_v2(h.db)
}

// lastError reads the connection's error state after rc was returned.
func (h *handle) lastError(rc int) *sqlerr.Error {
	code := int(C.sqlite3_extended_errcode(h.db))
	if code == sqliteOK {
		code = rc
	}
	msg := C.GoString(C.sqlite3_errmsg(h.db))
	if msg == "" || msg == "not an error" {
		msg = C.GoString(C.sqlite3_errstr(C.int(rc)))
	}
	return &sqlerr.Error{Code: sqlerr.Code(code), Message: msg}
}

// key applies an encryption key; it must run before anything reads the file.
func (h *handle) key(k string) error {
	if rc := C.gl_key(h.db, unsafe.Pointer(unsafe.StringData(k)), C.int(len(k))); rc != sqliteOK {
		return h.lastError(int(rc))
	}
	return nil
}

// prepare compiles the first statement of sql and reports where the rest of
// the text starts; stmt is nil when sql holds only blanks or comments.
func (h *handle) prepare(sql string, persistent bool) (*C.sqlite3_stmt, int, error) {
	if len(sql) == 0 {
		return nil, 0, nil
	}
	base := (*C.char)(unsafe.Pointer(unsafe.StringData(sql)))
	var stmt *C.sqlite3_stmt
	var tail *C.char
	var flags C.uint
	if persistent {
		flags = C.SQLITE_PREPARE_PERSISTENT
	}
	rc := C.sqlite3_prepare_v3(h.db, base, C.int(len(sql)), flags, &stmt, &tail)
	if rc != sqliteOK {
		return nil, 0, h.lastError(int(rc))
	}
	rest := len(sql)
	if tail != nil {
		rest = int(uintptr(unsafe.Pointer(tail)) - uintptr(unsafe.Pointer(base)))
	}
	return stmt, rest, nil
}

func (h *handle) changes() int64      { return int64(C.sqlite3_changes64(h.db)) }
func (h *handle) lastInsertID() int64 { return int64(C.sqlite3_last_insert_rowid(h.db)) }
func (h *handle) autocommit() bool    { return C.sqlite3_get_autocommit(h.db) != 0 }

// Transaction states of a connection (https://sqlite.org/c3ref/c_txn_none.html).
const (
	txnNone  = 0
	txnRead  = 1
	txnWrite = 2
)

// txnState is the strongest lock the connection holds on any of its
// databases: none, a read transaction, or the write lock.
func (h *handle) txnState() int { return int(C.sqlite3_txn_state(h.db, nil)) }

// filename is the main database's file as SQLite resolved it (absolute,
// from a path or a URI), empty for a temporary database.
func (h *handle) filename() string {
	main := C.CString("main")
	defer C.free(unsafe.Pointer(main))
	return C.GoString(C.sqlite3_db_filename(h.db, main))
}

// An opBit identifies one cancellable operation of a connection (see
// gl_busy); 0 is an operation that cannot be cancelled.
type opBit = uint64

// run declares op as the operation of the calls into SQLite that follow,
// until the next run; only op's cancellation stops them.
func (h *handle) run(op opBit) { h.busy.running = C.uint64_t(op) }

// cancel stops op where it runs or waits for a lock, now or later; safe to
// call from any goroutine.
func (h *handle) cancel(op opBit) { C.gl_cancel(h.busy, C.uint64_t(op)) }

// uncancel clears op's cancellation, so that its bit can serve another
// operation.
func (h *handle) uncancel(op opBit) { C.gl_uncancel(h.busy, C.uint64_t(op)) }

type stmtPtr = *C.sqlite3_stmt

func stmtParamCount(s stmtPtr) int { return int(C.sqlite3_bind_parameter_count(s)) }

func stmtParamIndex(s stmtPtr, name string) int {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	return int(C.sqlite3_bind_parameter_index(s, cname))
}

func argPointers(args []cArg, buf []byte) (*cArg, *C.char) {
	var pargs *cArg
	var pbuf *C.char
	if len(args) > 0 {
		pargs = &args[0]
	}
	if len(buf) > 0 {
		pbuf = (*C.char)(unsafe.Pointer(&buf[0]))
	}
	return pargs, pbuf
}

// cursor is a statement's decoding state in C memory (gl_cursor).
type cursor = C.gl_cursor

func newCursor() *cursor { return (*cursor)(C.calloc(1, C.size_t(unsafe.Sizeof(cursor{})))) }

func freeCursor(c *cursor) { C.gl_cursor_free(c) }

// cursorRow is the current row's decoded columns, valid until the next step.
func cursorRow(c *cursor) []cCell { return unsafe.Slice(c.cells, c.ncol) }

// stmtExec binds args and runs s to completion. When it completes
// (sqliteDone), s is reset already and after is the connection's state.
func (h *handle) stmtExec(s stmtPtr, cur *cursor, args []cArg, buf []byte) (rc int, changes, lastID int64, after connState) {
	pargs, pbuf := argPointers(args, buf)
	r := C.gl_exec(h.db, s, pargs, C.int(len(args)), pbuf, cur)
	if cur.state >= 0 {
		after = stateOf(cur.state)
	}
	return int(r), int64(cur.changes), int64(cur.last_id), after
}

// stmtQuery binds args and takes the first step, decoding a row into cur.
func stmtQuery(s stmtPtr, cur *cursor, args []cArg, buf []byte) int {
	pargs, pbuf := argPointers(args, buf)
	return int(C.gl_query(s, pargs, C.int(len(args)), pbuf, cur))
}

// stmtStep steps once, decoding a row into cur.
func stmtStep(s stmtPtr, cur *cursor) int { return int(C.gl_step(s, cur)) }

// reset resets s and reports the connection's state after it.
func (h *handle) reset(s stmtPtr) connState { return stateOf(C.gl_reset(h.db, s)) }

// stateOf decodes gl_reset's value.
func stateOf(r C.int) connState {
	return connState{known: true, txn: int(r &^ C.GL_AUTOCOMMIT), autocommit: r&C.GL_AUTOCOMMIT != 0}
}

func stmtFinalize(s stmtPtr)        { C.sqlite3_finalize(s) }
func stmtReadOnly(s stmtPtr) bool   { return C.sqlite3_stmt_readonly(s) != 0 }
func stmtColumnCount(s stmtPtr) int { return int(C.sqlite3_column_count(s)) }

// stmtColumns reads every column's name and declared type in one crossing.
func stmtColumns(s stmtPtr) (names, declTypes []string) {
	n := stmtColumnCount(s)
	if n == 0 {
		return nil, nil
	}
	ptrs := (**C.char)(C.malloc(C.size_t(2*n) * C.size_t(unsafe.Sizeof(uintptr(0)))))
	defer C.free(unsafe.Pointer(ptrs))
	all := unsafe.Slice(ptrs, 2*n)
	C.gl_columns(s, C.int(n), &all[0], &all[n])
	names = make([]string, n)
	declTypes = make([]string, n)
	for i := 0; i < n; i++ {
		names[i] = C.GoString(all[i])
		if all[n+i] != nil {
			declTypes[i] = C.GoString(all[n+i])
		}
	}
	return names, declTypes
}
