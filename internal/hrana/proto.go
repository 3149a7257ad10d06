package hrana

import (
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/internal/sqlite"
)

// The Hrana 3 messages this client sends and reads
// (https://github.com/tursodatabase/libsql/blob/main/docs/HRANA_3_SPEC.md),
// reduced to what the driver uses.

type pipelineRequest struct {
	Baton    *string   `json:"baton"`
	Requests []request `json:"requests"`
}

type request struct {
	Type  string     `json:"type"`
	Stmt  *statement `json:"stmt,omitempty"`
	Batch *batch     `json:"batch,omitempty"`
	SQL   *string    `json:"sql,omitempty"`
}

type statement struct {
	SQL      string  `json:"sql"`
	Args     []value `json:"args,omitempty"`
	WantRows bool    `json:"want_rows"`
}

type batch struct {
	Steps []batchStep `json:"steps"`
}

type batchStep struct {
	Stmt      statement  `json:"stmt"`
	Condition *condition `json:"condition,omitempty"`
}

// condition decides whether a batch step runs: "ok" (step succeeded) or
// "not" (of Cond).
type condition struct {
	Type string     `json:"type"`
	Step *int       `json:"step,omitempty"`
	Cond *condition `json:"cond,omitempty"`
}

type pipelineResponse struct {
	Baton   *string          `json:"baton"`
	BaseURL *string          `json:"base_url"`
	Results []pipelineResult `json:"results"`
}

type pipelineResult struct {
	Type     string         `json:"type"`
	Response *response      `json:"response"`
	Error    *responseError `json:"error"`
}

type response struct {
	Type         string       `json:"type"`
	Result       *stmtResult  `json:"result"`
	IsAutocommit *bool        `json:"is_autocommit"`
	BatchResult  *batchResult `json:"-"`
}

// UnmarshalJSON reads "result" as a statement result or a batch result,
// which share the key.
func (r *response) UnmarshalJSON(b []byte) error {
	var raw struct {
		Type         string          `json:"type"`
		Result       json.RawMessage `json:"result"`
		IsAutocommit *bool           `json:"is_autocommit"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	r.Type, r.IsAutocommit = raw.Type, raw.IsAutocommit
	if len(raw.Result) == 0 || string(raw.Result) == "null" {
		return nil
	}
	if raw.Type == "batch" {
		r.BatchResult = new(batchResult)
		return json.Unmarshal(raw.Result, r.BatchResult)
	}
	r.Result = new(stmtResult)
	return json.Unmarshal(raw.Result, r.Result)
}

type batchResult struct {
	StepResults []*stmtResult    `json:"step_results"`
	StepErrors  []*responseError `json:"step_errors"`
}

type stmtResult struct {
	Cols            []column  `json:"cols"`
	Rows            [][]value `json:"rows"`
	AffectedRows    int64     `json:"affected_row_count"`
	LastInsertRowid *string   `json:"last_insert_rowid"`
}

type column struct {
	Name     *string `json:"name"`
	DeclType *string `json:"decltype"`
}

type responseError struct {
	Message string `json:"message"`
	Code    string `json:"code"`
}

// value is a Hrana value. Integers travel as decimal strings so that no
// 64-bit value loses precision in JSON.
type value struct {
	Type   string          `json:"type"`
	Value  json.RawMessage `json:"value,omitempty"`
	Base64 *string         `json:"base64,omitempty"`
}

var nullValue = value{Type: "null"}

// mustJSON encodes a string, which cannot fail.
func mustJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// encodeValue turns a checked argument into a Hrana value, with the same
// rules as local connections: bool is an integer, time.Time is UTC text in
// TimeFormat, a nil []byte is NULL.
func encodeValue(v driver.Value) (value, error) {
	switch x := v.(type) {
	case nil:
		return nullValue, nil
	case int64:
		return value{Type: "integer", Value: json.RawMessage(`"` + strconv.FormatInt(x, 10) + `"`)}, nil
	case bool:
		if x {
			return value{Type: "integer", Value: json.RawMessage(`"1"`)}, nil
		}
		return value{Type: "integer", Value: json.RawMessage(`"0"`)}, nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return value{}, fmt.Errorf("libsql: float %v cannot be sent to a remote database (Hrana's JSON has no infinities or NaN)", x)
		}
		b, _ := json.Marshal(x)
		return value{Type: "float", Value: b}, nil
	case string:
		if !utf8.ValidString(x) {
			// JSON text is UTF-8 only and would replace the bad bytes; a blob
			// keeps every byte, and reads back into a string field as sent.
			s := base64.RawStdEncoding.EncodeToString([]byte(x))
			return value{Type: "blob", Base64: &s}, nil
		}
		return value{Type: "text", Value: mustJSON(x)}, nil
	case []byte:
		if x == nil {
			return nullValue, nil
		}
		s := base64.RawStdEncoding.EncodeToString(x)
		return value{Type: "blob", Base64: &s}, nil
	case time.Time:
		b, err := sqlite.AppendTime(nil, x)
		if err != nil {
			return value{}, err
		}
		return value{Type: "text", Value: mustJSON(string(b))}, nil
	}
	return value{}, fmt.Errorf("libsql: unsupported argument type %T", v)
}

// decode turns a Hrana value into a driver value. Text is kept byte-exact
// unless the column is declared as a date or time, as in local mode.
func (v *value) decode(timeCol bool) (driver.Value, error) {
	switch v.Type {
	case "null":
		return nil, nil
	case "integer":
		var s string
		if err := json.Unmarshal(v.Value, &s); err != nil {
			return nil, errmsg.Wrap(err, "libsql: bad integer from server")
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, errmsg.Wrap(err, "libsql: bad integer from server")
		}
		if timeCol {
			return sqlite.UnixTime(n), nil
		}
		return n, nil
	case "float":
		if len(v.Value) == 0 || string(v.Value) == "null" {
			// JSON has no infinities: the server sends them as null.
			return nil, errors.New("libsql: the server cannot send this float (±Inf) over Hrana's JSON; select it as CAST(... AS TEXT), or, on an embedded replica, outside a read-write transaction, where reads run on the local file")
		}
		var f float64
		if err := json.Unmarshal(v.Value, &f); err != nil {
			return nil, errmsg.Wrap(err, "libsql: bad float from server")
		}
		return f, nil
	case "text":
		var s string
		if err := json.Unmarshal(v.Value, &s); err != nil {
			return nil, errmsg.Wrap(err, "libsql: bad text from server")
		}
		if timeCol {
			if t, ok := sqlite.ParseTime(s); ok {
				return t, nil
			}
		}
		return s, nil
	case "blob":
		if v.Base64 == nil {
			return []byte{}, nil
		}
		b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(*v.Base64, "="))
		if err != nil {
			return nil, errmsg.Wrap(err, "libsql: bad blob from server")
		}
		return b, nil
	}
	return nil, fmt.Errorf("libsql: unknown value type %q from server", v.Type)
}
