//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package replica

/*
#include <stdlib.h>

// libSQL's embedded-replica C API, from the static library go-libsql links
// (lib/include/libsql.h there). Declared here, like internal/driver does,
// with only what this package calls: libSQL owns the replica's file and
// keeps it in sync; statements never run through it.
typedef struct libsql_database libsql_database;
typedef const libsql_database *libsql_database_t;

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

int libsql_open_sync_with_config(libsql_config config, libsql_database_t *out_db, const char **out_err_msg);
int libsql_sync2(libsql_database_t db, replicated *out_replicated, const char **out_err_msg);
void libsql_close(libsql_database_t db);
void libsql_free_string(const char *ptr);
*/
import "C"

import (
	"errors"
	"unsafe"

	// go-libsql brings the static libSQL library and its link flags.
	_ "github.com/tursodatabase/go-libsql"
)

// takeError reads and frees an error message from the C API.
func takeError(msg *C.char, fallback string) error {
	if msg == nil {
		return errors.New(fallback)
	}
	defer C.libsql_free_string(msg)
	return errors.New(C.GoString(msg))
}

// cstr is a C copy of s, freed by the caller; nil for "" when nilIfEmpty
// is set.
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
// package runs its own loop, which reports errors. Its read-your-writes
// stays off too: it concerns writes libSQL delegates, and the package
// sends writes itself and syncs after them.
func openNative(path, primary, token, key, remoteKey string) (nativeDB, error) {
	cpath, cprimary, ctoken, ckey, cremote := cstr(path, false), cstr(primary, false), cstr(token, false), cstr(key, true), cstr(remoteKey, true)
	defer cfree(cpath)
	defer cfree(cprimary)
	defer cfree(ctoken)
	defer cfree(ckey)
	defer cfree(cremote)
	cfg := C.libsql_config{db_path: cpath, primary_url: cprimary, auth_token: ctoken, encryption_key: ckey, remote_encryption_key: cremote}
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
