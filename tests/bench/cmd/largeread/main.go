// Command largeread reads every row of table big_rows (id, data) of a
// remote database through GORM's Rows, and prints, as one JSON line, the
// rows and bytes read, the time it took, and the process's resident
// memory before the read and at its peak (VmRSS and VmHWM, Linux only).
// BenchmarkRemoteLargeRead runs it as a subprocess, so that the peak is
// the read's alone.
//
//	largeread -url http://127.0.0.1:8080 -token TOKEN [-max-response BYTES]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gorm-libsql/libsql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Result is what largeread prints.
type Result struct {
	Rows, Bytes      int64
	Seconds          float64
	RSSBefore, RSSHW int64 // kB
}

func main() {
	url := flag.String("url", "", "the database URL")
	token := flag.String("token", "", "the auth token")
	maxResponse := flag.Int64("max-response", 0, "Config.MaxResponseBytes; 0 for the default")
	flag.Parse()
	if err := run(*url, *token, *maxResponse); err != nil {
		fmt.Fprintln(os.Stderr, "largeread:", err)
		os.Exit(1)
	}
}

func run(url, token string, maxResponse int64) error {
	db, err := gorm.Open(libsql.New(libsql.Config{URL: url, AuthToken: token, MaxResponseBytes: maxResponse}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return err
	}
	var out Result
	if out.RSSBefore, err = status("VmRSS"); err != nil {
		return err
	}
	start := time.Now()
	rows, err := db.Table("big_rows").Select("id, data").Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var data string
		if err := rows.Scan(&id, &data); err != nil {
			return err
		}
		out.Rows++
		out.Bytes += int64(len(data))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	out.Seconds = time.Since(start).Seconds()
	if out.RSSHW, err = status("VmHWM"); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

// status reads a field of /proc/self/status, in kB.
func status(field string) (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/self/status", field)
}
