//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

import (
	"database/sql/driver"
	"fmt"
	"time"
	"unsafe"

	"github.com/gorm-libsql/libsql/internal/sqlite"
)

// encodeArgs lays the arguments out for gl_bind: a C-shaped array plus one
// byte buffer holding every text and blob.
func encodeArgs(args []driver.NamedValue, positions []int, cargs []cArg, buf []byte) ([]cArg, []byte, error) {
	cargs = cargs[:0]
	buf = buf[:0]
	for i, a := range args {
		var c cArg
		c.pos = cInt(positions[i])
		switch v := a.Value.(type) {
		case nil:
			c.kind = argNull
		case int64:
			c.kind, c.i = argInt, cInt64(v)
		case float64:
			// A Valuer's result reaches here without CheckNamedValue.
			if err := sqlite.CheckFloat(a.Ordinal, v); err != nil {
				return nil, nil, err
			}
			c.kind, c.f = argFloat, cDouble(v)
		case bool:
			c.kind = argInt
			if v {
				c.i = 1
			}
		case string:
			c.kind, c.off, c.len = argText, cInt64(int64(len(buf))), cInt64(int64(len(v)))
			buf = append(buf, v...)
		case []byte:
			if v == nil {
				c.kind = argNull
			} else if len(v) == 0 {
				c.kind = argZeroBlob
			} else {
				c.kind, c.off, c.len = argBlob, cInt64(int64(len(buf))), cInt64(int64(len(v)))
				buf = append(buf, v...)
			}
		case time.Time:
			start := len(buf)
			var err error
			if buf, err = sqlite.AppendTime(buf, v); err != nil {
				return nil, nil, err
			}
			c.kind, c.off, c.len = argText, cInt64(int64(start)), cInt64(int64(len(buf)-start))
		default:
			return nil, nil, fmt.Errorf("libsql: argument %d: unsupported type %T", a.Ordinal, a.Value)
		}
		cargs = append(cargs, c)
	}
	return cargs, buf, nil
}

// decodeCell turns a cell into a driver value. Text is never reinterpreted
// unless its column is declared as a date or time.
func decodeCell(c *cCell, isTime bool) driver.Value {
	switch c._type {
	case typeInteger:
		if isTime {
			return sqlite.UnixTime(int64(c.i))
		}
		return int64(c.i)
	case typeFloat:
		return float64(c.f)
	case typeText:
		if isTime {
			// Parsed in place: the text is only copied when it is kept.
			if t, ok := sqlite.ParseTime(cStringView(c)); ok {
				return t
			}
		}
		return cString(c)
	case typeBlob:
		if c.len == 0 {
			return []byte{}
		}
		return cBytes(unsafe.Pointer(c.p), c.len)
	}
	return nil
}
