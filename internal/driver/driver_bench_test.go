//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/internal/sqlite"
	"github.com/stretchr/testify/require"
)

// The hot paths of the driver, for benchstat: run with make bench-micro
// before and after a change.

var benchTime = time.Date(2024, 5, 17, 13, 45, 30, 123456789, time.UTC)

// benchArgs is a typical GORM INSERT: text, integers, a float, a bool and
// two timestamps, as database/sql hands them over after CheckNamedValue.
func benchArgs() []driver.NamedValue {
	vals := []any{"name-7", "user7@example.com", int64(25), 3.5, true, benchTime, benchTime}
	args := make([]driver.NamedValue, len(vals))
	for i, v := range vals {
		args[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return args
}

func BenchmarkCheckNamedValue(b *testing.B) {
	vals := []any{"s", 7, int32(7), uint64(7), 1.5, float32(1.5), true, benchTime, []byte("b"), nil}
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range vals {
			nv := driver.NamedValue{Value: v}
			if err := sqlite.CheckNamedValue(&nv); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkEncodeArgs(b *testing.B) {
	args := benchArgs()
	pos := []int{1, 2, 3, 4, 5, 6, 7}
	var cargs []cArg
	var buf []byte
	var err error
	b.ReportAllocs()
	for b.Loop() {
		if cargs, buf, err = encodeArgs(args, pos, cargs, buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendTime(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = sqlite.AppendTime(buf[:0], benchTime); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseTime(b *testing.B) {
	for _, tc := range []struct{ name, text string }{
		{"canonical", benchTime.Format(sqlite.TimeFormat)},
		{"mattn", benchTime.Format("2006-01-02 15:04:05.999999999-07:00")},
		{"date", "2024-05-17"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := sqlite.ParseTime(tc.text); !ok {
					b.Fatal(tc.text)
				}
			}
		})
	}
}

// benchDB opens a file database holding 100 rows of the benchmarks' table.
func benchDB(b *testing.B) *sql.DB {
	b.Helper()
	c, err := NewConnector(DefaultOptions(filepath.Join(b.TempDir(), "bench.db")))
	require.NoError(b, err)
	db := sql.OpenDB(c)
	b.Cleanup(func() { db.Close() })
	_, err = db.Exec(`CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT NOT NULL,
		age INTEGER NOT NULL, score REAL NOT NULL, active NUMERIC NOT NULL, created_at DATETIME, updated_at DATETIME)`)
	require.NoError(b, err)
	tx, err := db.Begin()
	require.NoError(b, err)
	args := benchArgs()
	vals := make([]any, len(args))
	for i := range args {
		vals[i] = args[i].Value
	}
	for range 100 {
		_, err := tx.Exec("INSERT INTO items (name, email, age, score, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", vals...)
		require.NoError(b, err)
	}
	require.NoError(b, tx.Commit())
	return db
}

// BenchmarkRowsNext100 decodes a 100-row result at the driver level, without
// database/sql's conversions: the cgo step and decodeCell.
func BenchmarkRowsNext100(b *testing.B) {
	db := benchDB(b)
	sc, err := db.Conn(context.Background())
	require.NoError(b, err)
	defer sc.Close()
	ctx := context.Background()
	b.ReportAllocs()
	err = sc.Raw(func(dc any) error {
		c := dc.(*conn)
		dest := make([]driver.Value, 8)
		for b.Loop() {
			r, err := c.QueryContext(ctx, "SELECT id, name, email, age, score, active, created_at, updated_at FROM items", nil)
			if err != nil {
				return err
			}
			n := 0
			for {
				if err := r.Next(dest); err == io.EOF {
					break
				} else if err != nil {
					return err
				}
				n++
			}
			r.Close()
			if n != 100 {
				b.Fatalf("%d rows", n)
			}
		}
		return nil
	})
	require.NoError(b, err)
}

// BenchmarkSelect100 is the same query through database/sql into typed
// variables, as an application or GORM reads it.
func BenchmarkSelect100(b *testing.B) {
	db := benchDB(b)
	var (
		id, age          int64
		name, email      string
		score            float64
		active           bool
		created, updated time.Time
	)
	b.ReportAllocs()
	for b.Loop() {
		rows, err := db.Query("SELECT id, name, email, age, score, active, created_at, updated_at FROM items")
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(&id, &name, &email, &age, &score, &active, &created, &updated); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if err := rows.Close(); err != nil || n != 100 {
			b.Fatal(err, n)
		}
	}
}

// BenchmarkExecInsert binds seven arguments and runs a cached INSERT.
func BenchmarkExecInsert(b *testing.B) {
	db := benchDB(b)
	args := benchArgs()
	vals := make([]any, len(args))
	for i := range args {
		vals[i] = args[i].Value
	}
	q := "INSERT INTO items (name, email, age, score, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.Exec(q, vals...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQueryRowByID is a primary-key lookup, the most common read.
func BenchmarkQueryRowByID(b *testing.B) {
	db := benchDB(b)
	var name string
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		if err := db.QueryRow("SELECT name FROM items WHERE id = ?", i%100+1).Scan(&name); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQueryByIDCancellable is the primary-key lookup at the driver
// level under a context that can end, as a request's context: each query
// arms and disarms the cancellation of its operation (see conn.watch).
func BenchmarkQueryByIDCancellable(b *testing.B) {
	db := benchDB(b)
	sc, err := db.Conn(context.Background())
	require.NoError(b, err)
	defer sc.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	err = sc.Raw(func(dc any) error {
		c := dc.(*conn)
		dest := make([]driver.Value, 1)
		args := []driver.NamedValue{{Ordinal: 1}}
		i := 0
		for b.Loop() {
			i++
			args[0].Value = int64(i%100 + 1)
			r, err := c.QueryContext(ctx, "SELECT name FROM items WHERE id = ?", args)
			if err != nil {
				return err
			}
			if err := r.Next(dest); err != nil {
				return err
			}
			r.Close()
		}
		return nil
	})
	require.NoError(b, err)
}
