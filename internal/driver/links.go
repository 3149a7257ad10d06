//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
)

// checkLinks refuses a database file with more than one name (hard links)
// that is or will be in WAL mode. SQLite names the -wal and -shm files
// after the name it opened, so each name would keep its own log and index
// of one database: two processes using two names corrupt it, and one
// process using both fails with a disk I/O error (code 522) as one name's
// index points into the other's log. A link count is one stat per
// connection; the file's mode is read only for a file with several names.
func (c *Connector) checkLinks(file string) error {
	st, err := os.Stat(file)
	if err != nil {
		return nil // not created yet, or SQLite reports it
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || sys.Nlink <= 1 || !(strings.EqualFold(c.opts.JournalMode, "WAL") || walHeader(file)) {
		return nil
	}
	return fmt.Errorf("libsql: open %s: the file has %d names (hard links), and SQLite names its -wal and -shm files after the name it is opened by: "+
		"two names in WAL mode would keep two logs of one database and corrupt it; open it by one name only "+
		"(copy a database with cp while it is closed, or VACUUM INTO, rather than ln)", c.opts.Path, sys.Nlink)
}

// walHeader reports whether file's SQLite header says WAL mode: its read
// and write format versions (bytes 18 and 19) are 2. An encrypted file's
// header does not say.
func walHeader(file string) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	hdr := make([]byte, 20)
	if _, err := io.ReadFull(f, hdr); err != nil {
		return false
	}
	return bytes.HasPrefix(hdr, []byte("SQLite format 3\x00")) && hdr[18] == 2 && hdr[19] == 2
}
