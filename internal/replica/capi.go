package replica

/*
#include <stdlib.h>
#include <stdint.h>

// libSQL's embedded-replica C API, from the static library go-libsql links
// (lib/include/libsql.h there). Declared here, like internal/driver does,
// with only what this package calls.
typedef struct libsql_database libsql_database;
typedef struct libsql_connection libsql_connection;
typedef struct libsql_stmt libsql_stmt;
typedef struct libsql_rows libsql_rows;
typedef struct libsql_row libsql_row;
typedef const libsql_database *libsql_database_t;
typedef const libsql_connection *libsql_connection_t;
typedef const libsql_stmt *libsql_stmt_t;
typedef const libsql_rows *libsql_rows_t;
typedef const libsql_row *libsql_row_t;

typedef struct {
	int frame_no;
	int frames_synced;
} replicated;

typedef struct {
	const char *db_path;
	const char *primary_url;
	const char *auth_token;
	char read_your_writes;
	const char *encryption_key;
	int sync_interval;
	char with_webpki;
	char offline;
	const char *remote_encryption_key;
} libsql_config;

typedef struct {
	const char *ptr;
	int len;
} blob;

int libsql_open_sync_with_config(libsql_config config, libsql_database_t *out_db, const char **out_err_msg);
int libsql_sync2(libsql_database_t db, replicated *out_replicated, const char **out_err_msg);
void libsql_close(libsql_database_t db);
int libsql_connect(libsql_database_t db, libsql_connection_t *out_conn, const char **out_err_msg);
void libsql_disconnect(libsql_connection_t conn);
int libsql_prepare(libsql_connection_t conn, const char *sql, libsql_stmt_t *out_stmt, const char **out_err_msg);
int libsql_bind_int(libsql_stmt_t stmt, int idx, long long value, const char **out_err_msg);
int libsql_bind_float(libsql_stmt_t stmt, int idx, double value, const char **out_err_msg);
int libsql_bind_null(libsql_stmt_t stmt, int idx, const char **out_err_msg);
int libsql_bind_string(libsql_stmt_t stmt, int idx, const char *value, const char **out_err_msg);
int libsql_bind_blob(libsql_stmt_t stmt, int idx, const unsigned char *value, int value_len, const char **out_err_msg);
int libsql_query_stmt(libsql_stmt_t stmt, libsql_rows_t *out_rows, const char **out_err_msg);
int libsql_execute_stmt(libsql_stmt_t stmt, const char **out_err_msg);
void libsql_free_stmt(libsql_stmt_t stmt);
int libsql_execute(libsql_connection_t conn, const char *sql, const char **out_err_msg);
void libsql_free_rows(libsql_rows_t res);
int libsql_column_count(libsql_rows_t res);
int libsql_column_name(libsql_rows_t res, int col, const char **out_name, const char **out_err_msg);
int libsql_column_type(libsql_rows_t res, libsql_row_t row, int col, int *out_type, const char **out_err_msg);
uint64_t libsql_changes(libsql_connection_t conn);
int64_t libsql_last_insert_rowid(libsql_connection_t conn);
int libsql_next_row(libsql_rows_t res, libsql_row_t *out_row, const char **out_err_msg);
void libsql_free_row(libsql_row_t res);
int libsql_get_string(libsql_row_t res, int col, const char **out_value, const char **out_err_msg);
void libsql_free_string(const char *ptr);
int libsql_get_int(libsql_row_t res, int col, long long *out_value, const char **out_err_msg);
int libsql_get_float(libsql_row_t res, int col, double *out_value, const char **out_err_msg);
int libsql_get_blob(libsql_row_t res, int col, blob *out_blob, const char **out_err_msg);
void libsql_free_blob(blob b);
*/
import "C"

import (
	"errors"
	"unsafe"

	// go-libsql brings the static libSQL library and its link flags.
	_ "github.com/tursodatabase/go-libsql"
)

// Value types of libsql_column_type.
const (
	typeInt   = 1
	typeFloat = 2
	typeText  = 3
	typeBlob  = 4
	typeNull  = 5
)

// takeError reads and frees an error message from the C API.
func takeError(msg *C.char, fallback string) error {
	if msg == nil {
		return errors.New(fallback)
	}
	defer C.libsql_free_string(msg)
	return errors.New(C.GoString(msg))
}

// cstr is a C copy of s, freed by the caller; nil for "" when allowEmpty is
// false.
func cstr(s string, nilIfEmpty bool) *C.char {
	if s == "" && nilIfEmpty {
		return nil
	}
	return C.CString(s)
}

func cfree(p *C.char) {
	if p != nil {
		C.free(unsafe.Pointer(p))
	}
}

type nativeDB = C.libsql_database_t

// openNative opens (creating if need be) the replica at path of the
// database at primary. The library's own sync interval stays off: the
// package runs its own loop, which reports errors.
func openNative(path, primary, token, key string, readYourWrites bool) (nativeDB, error) {
	cpath, cprimary, ctoken, ckey := cstr(path, false), cstr(primary, false), cstr(token, false), cstr(key, true)
	defer cfree(cpath)
	defer cfree(cprimary)
	defer cfree(ctoken)
	defer cfree(ckey)
	cfg := C.libsql_config{db_path: cpath, primary_url: cprimary, auth_token: ctoken, encryption_key: ckey}
	if readYourWrites {
		cfg.read_your_writes = 1
	}
	var db C.libsql_database_t
	var msg *C.char
	if rc := C.libsql_open_sync_with_config(cfg, &db, &msg); rc != 0 {
		return nil, takeError(msg, "cannot open the replica")
	}
	return db, nil
}

func closeNative(db nativeDB) { C.libsql_close(db) }

// syncNative pulls new frames from the primary.
func syncNative(db nativeDB) (frameNo, framesSynced int, err error) {
	var rep C.replicated
	var msg *C.char
	if rc := C.libsql_sync2(db, &rep, &msg); rc != 0 {
		return 0, 0, takeError(msg, "sync failed")
	}
	return int(rep.frame_no), int(rep.frames_synced), nil
}

type nativeConn = C.libsql_connection_t

func connectNative(db nativeDB) (nativeConn, error) {
	var c C.libsql_connection_t
	var msg *C.char
	if rc := C.libsql_connect(db, &c, &msg); rc != 0 {
		return nil, takeError(msg, "cannot connect to the replica")
	}
	return c, nil
}

func disconnectNative(c nativeConn) { C.libsql_disconnect(c) }

func changesNative(c nativeConn) int64      { return int64(C.libsql_changes(c)) }
func lastInsertIDNative(c nativeConn) int64 { return int64(C.libsql_last_insert_rowid(c)) }

type nativeStmt = C.libsql_stmt_t

func prepareNative(c nativeConn, query string) (nativeStmt, error) {
	cq := C.CString(query)
	defer C.free(unsafe.Pointer(cq))
	var s C.libsql_stmt_t
	var msg *C.char
	if rc := C.libsql_prepare(c, cq, &s, &msg); rc != 0 {
		return nil, takeError(msg, "prepare failed")
	}
	return s, nil
}

func freeStmt(s nativeStmt) { C.libsql_free_stmt(s) }

func bindInt(s nativeStmt, i int, v int64) error {
	var msg *C.char
	if rc := C.libsql_bind_int(s, C.int(i), C.longlong(v), &msg); rc != 0 {
		return takeError(msg, "bind failed")
	}
	return nil
}

func bindFloat(s nativeStmt, i int, v float64) error {
	var msg *C.char
	if rc := C.libsql_bind_float(s, C.int(i), C.double(v), &msg); rc != 0 {
		return takeError(msg, "bind failed")
	}
	return nil
}

func bindNull(s nativeStmt, i int) error {
	var msg *C.char
	if rc := C.libsql_bind_null(s, C.int(i), &msg); rc != 0 {
		return takeError(msg, "bind failed")
	}
	return nil
}

func bindText(s nativeStmt, i int, v string) error {
	cv := C.CString(v)
	defer C.free(unsafe.Pointer(cv))
	var msg *C.char
	if rc := C.libsql_bind_string(s, C.int(i), cv, &msg); rc != 0 {
		return takeError(msg, "bind failed")
	}
	return nil
}

func bindBlob(s nativeStmt, i int, v []byte) error {
	var p *C.uchar
	if len(v) > 0 {
		p = (*C.uchar)(C.CBytes(v))
		defer C.free(unsafe.Pointer(p))
	}
	var msg *C.char
	if rc := C.libsql_bind_blob(s, C.int(i), p, C.int(len(v)), &msg); rc != 0 {
		return takeError(msg, "bind failed")
	}
	return nil
}

func executeStmt(s nativeStmt) error {
	var msg *C.char
	if rc := C.libsql_execute_stmt(s, &msg); rc != 0 {
		return takeError(msg, "execute failed")
	}
	return nil
}

func executeNative(c nativeConn, query string) error {
	cq := C.CString(query)
	defer C.free(unsafe.Pointer(cq))
	var msg *C.char
	if rc := C.libsql_execute(c, cq, &msg); rc != 0 {
		return takeError(msg, "execute failed")
	}
	return nil
}

type nativeRows = C.libsql_rows_t

func queryStmt(s nativeStmt) (nativeRows, error) {
	var r C.libsql_rows_t
	var msg *C.char
	if rc := C.libsql_query_stmt(s, &r, &msg); rc != 0 {
		return nil, takeError(msg, "query failed")
	}
	return r, nil
}

func freeRows(r nativeRows) { C.libsql_free_rows(r) }

func columnNames(r nativeRows) ([]string, error) {
	n := int(C.libsql_column_count(r))
	names := make([]string, n)
	for i := range names {
		var name, msg *C.char
		if rc := C.libsql_column_name(r, C.int(i), &name, &msg); rc != 0 {
			return nil, takeError(msg, "column name failed")
		}
		names[i] = C.GoString(name)
		C.libsql_free_string(name)
	}
	return names, nil
}

// nextRow reads the next row's values into dest with their stored types;
// done is true after the last row.
func nextRow(r nativeRows, dest []any) (done bool, err error) {
	var row C.libsql_row_t
	var msg *C.char
	if rc := C.libsql_next_row(r, &row, &msg); rc != 0 {
		return false, takeError(msg, "reading a row failed")
	}
	if row == nil {
		return true, nil
	}
	defer C.libsql_free_row(row)
	for i := range dest {
		var typ C.int
		if rc := C.libsql_column_type(r, row, C.int(i), &typ, &msg); rc != 0 {
			return false, takeError(msg, "column type failed")
		}
		switch typ {
		case typeNull:
			dest[i] = nil
		case typeInt:
			var v C.longlong
			if rc := C.libsql_get_int(row, C.int(i), &v, &msg); rc != 0 {
				return false, takeError(msg, "read failed")
			}
			dest[i] = int64(v)
		case typeFloat:
			var v C.double
			if rc := C.libsql_get_float(row, C.int(i), &v, &msg); rc != 0 {
				return false, takeError(msg, "read failed")
			}
			dest[i] = float64(v)
		case typeText:
			var v *C.char
			if rc := C.libsql_get_string(row, C.int(i), &v, &msg); rc != 0 {
				return false, takeError(msg, "read failed")
			}
			if v == nil {
				// libSQL's C API has no length for text: it gives no
				// string at all for one that holds NUL.
				return false, errors.New("the primary sent text holding a NUL byte, which libSQL's C API cannot pass on; read it outside a read-write transaction (reads then run on the local file) or as CAST(... AS BLOB)")
			}
			dest[i] = C.GoString(v)
			C.libsql_free_string(v)
		case typeBlob:
			var v C.blob
			if rc := C.libsql_get_blob(row, C.int(i), &v, &msg); rc != 0 {
				return false, takeError(msg, "read failed")
			}
			if v.len == 0 {
				dest[i] = []byte{}
			} else {
				dest[i] = C.GoBytes(unsafe.Pointer(v.ptr), v.len)
			}
			C.libsql_free_blob(v)
		default:
			return false, errors.New("unknown column type from libSQL")
		}
	}
	return false, nil
}
