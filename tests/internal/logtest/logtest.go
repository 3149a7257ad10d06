// Package logtest captures what GORM's own logger writes, from any
// goroutine, and reads back the file:line it names for each entry.
package logtest

import (
	"bytes"
	"log"
	"strings"
	"sync"

	"gorm.io/gorm/logger"
)

// Buffer is an io.Writer several goroutines may write to (a replica's
// background sync, a tenant manager's workers).
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Reset forgets what was written.
func (b *Buffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

// New returns GORM's own logger at level, without colours or timestamps,
// writing to a new Buffer.
func New(level logger.LogLevel) (logger.Interface, *Buffer) {
	out := &Buffer{}
	return logger.New(log.New(out, "", 0), logger.Config{LogLevel: level}), out
}

// Entry is one entry of GORM's logger: Text is its line ("[0.1ms] [rows:1]
// SELECT ...", "[info] ...", "[error] ..."), Caller the file:line written
// on the line before it (empty when GORM found no caller).
type Entry struct {
	Caller, Text string
}

// Entries reads back what GORM's logger wrote to b.
func (b *Buffer) Entries() []Entry {
	lines := strings.Split(b.String(), "\n")
	var entries []Entry
	for i := 1; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "[") {
			entries = append(entries, Entry{Caller: lines[i-1], Text: lines[i]})
		}
	}
	return entries
}
