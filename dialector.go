// Package libsql is the GORM dialect for libSQL and Turso. The Config
// fields set choose the mode:
//
//   - local (Database): a file or :memory:, through libSQL's engine;
//     optionally encrypted (EncryptionKey);
//   - remote (URL and AuthToken): every statement goes to the server over
//     Hrana (HTTP), in pure Go;
//   - embedded replica (Database, URL and AuthToken): reads run on a local
//     file that syncs from the primary; writes go to the primary.
//
// Remote mode builds everywhere, also with CGO_ENABLED=0. Local and replica
// modes need the engine, which needs cgo on linux/amd64, linux/arm64 or
// darwin/arm64; elsewhere Open returns ErrNeedsCgo for them.
package libsql

import (
	"database/sql"
	sqldriver "database/sql/driver"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gorm-libsql/libsql/internal/ddl"
	"github.com/gorm-libsql/libsql/internal/driver"
	"github.com/gorm-libsql/libsql/internal/sqlite"
	"github.com/gorm-libsql/libsql/internal/sqltext"
	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/migrator"
	"gorm.io/gorm/schema"
)

// DialectName is what Name reports: GORM and the tools around it
// (gorm.io/datatypes, gorm gen, atlas) switch on "sqlite" to pick SQLite's
// SQL, which libSQL speaks. Use IsLibSQL to tell libSQL apart.
const DialectName = "sqlite"

// Dialector is the GORM dialector for libSQL.
type Dialector struct {
	Config
	// dsnErr is why ParseDSN refused the DSN (its syntax or, through
	// Config.Validate, its settings), reported by Initialize as GORM expects.
	dsnErr error
}

// Open returns a dialector for a data source name (see ParseDSN), as
// gorm.io/driver/sqlite's Open does; a DSN that does not parse, or names
// settings that cannot work together, fails gorm.Open:
//
//	gorm.Open(libsql.Open("file:app.db?busy_timeout=5s"), &gorm.Config{})
//	gorm.Open(libsql.Open("libsql://db.example.com?authToken="+token), &gorm.Config{})
func Open(dsn string) gorm.Dialector {
	parsed, err := ParseDSN(dsn)
	return &Dialector{Config: parsed, dsnErr: err}
}

// New returns a dialector for cfg, as gorm.io/driver/sqlite's and
// postgres's New do; cfg is checked (see Config.Validate) when gorm.Open
// initializes it:
//
//	gorm.Open(libsql.New(libsql.Config{Database: "app.db"}), &gorm.Config{})
func New(cfg Config) gorm.Dialector { return &Dialector{Config: cfg} }

// IsLibSQL reports whether db runs on this dialect. Name reports "sqlite" for
// compatibility, so this is the way to tell libSQL from SQLite.
func IsLibSQL(db *gorm.DB) bool {
	_, ok := db.Dialector.(*Dialector)
	return ok
}

// Name implements gorm.Dialector; see DialectName.
func (d Dialector) Name() string { return DialectName }

// initialize opens the pool and registers GORM's callbacks; see Initialize.
func (d *Dialector) initialize(db *gorm.DB) error {
	if d.dsnErr != nil {
		return d.dsnErr
	}
	if d.Conn != nil {
		db.ConnPool = d.Conn
	} else {
		connector, err := d.Config.connector(db.Logger)
		if err != nil {
			return err
		}
		db.ConnPool = sql.OpenDB(connector)
	}
	callbacks.RegisterDefaultCallbacks(db, &callbacks.Config{
		CreateClauses:        []string{"INSERT", "VALUES", "ON CONFLICT", "RETURNING"},
		UpdateClauses:        []string{"UPDATE", "SET", "FROM", "WHERE", "RETURNING"},
		DeleteClauses:        []string{"DELETE", "FROM", "WHERE", "RETURNING"},
		LastInsertIDReversed: true,
	})
	if err := registerSyncCallback(db); err != nil {
		return err
	}
	if err := registerBatchCallbacks(db); err != nil {
		return err
	}
	// Before the default-transaction rule records the callbacks as the
	// dialect's own.
	if err := registerAssociationShortcuts(db); err != nil {
		return err
	}
	if !d.KeepDefaultTransactions {
		if err := registerSingleStatementWrites(db); err != nil {
			return err
		}
	}
	for name, build := range clauseBuilders {
		if _, taken := db.ClauseBuilders[name]; !taken {
			db.ClauseBuilders[name] = build
		}
	}
	return nil
}

var journalModes = map[string]bool{"DELETE": true, "TRUNCATE": true, "PERSIST": true, "MEMORY": true, "WAL": true, "OFF": true}
var synchronousLevels = map[string]bool{"OFF": true, "NORMAL": true, "FULL": true, "EXTRA": true, "0": true, "1": true, "2": true, "3": true}

// localOptions applies the defaults and checks the local settings, which end
// up in PRAGMA statements and so must be known words.
func (c Config) localOptions() (driver.Options, error) {
	opts := driver.DefaultOptions(c.Database)
	if c.BusyTimeout < 0 {
		return opts, fmt.Errorf("libsql: BusyTimeout %s is negative", c.BusyTimeout)
	}
	if c.BusyTimeout > 0 {
		opts.BusyTimeout = c.BusyTimeout
	}
	if c.JournalMode != "" {
		opts.JournalMode = strings.ToUpper(c.JournalMode)
		if !journalModes[opts.JournalMode] {
			return opts, fmt.Errorf("libsql: unknown JournalMode %q (want WAL, DELETE, TRUNCATE, PERSIST, MEMORY or OFF)", c.JournalMode)
		}
	}
	if c.Synchronous != "" {
		opts.Synchronous = strings.ToUpper(c.Synchronous)
		if !synchronousLevels[opts.Synchronous] {
			return opts, fmt.Errorf("libsql: unknown Synchronous %q (want OFF, NORMAL, FULL or EXTRA)", c.Synchronous)
		}
	}
	opts.ForeignKeys = !c.DisableForeignKeys
	if c.TxLock != "" {
		opts.TxLock = c.TxLock
	}
	opts.EncryptionKey = c.EncryptionKey
	opts.Pragmas = c.Pragmas
	opts.ReadOnly = c.ReadOnly
	switch {
	case c.StatementCacheSize < 0:
		opts.StatementCacheSize = 0
	case c.StatementCacheSize > 0:
		opts.StatementCacheSize = c.StatementCacheSize
	}
	return opts, nil
}

var clauseBuilders = map[string]clause.ClauseBuilder{
	// SQLite has no alias form "INSERT INTO t u"; GORM would write one for
	// db.Table("t u").
	"INSERT": func(c clause.Clause, builder clause.Builder) {
		insert, ok := c.Expression.(clause.Insert)
		stmt, isStmt := builder.(*gorm.Statement)
		if !ok || !isStmt {
			c.Build(builder)
			return
		}
		stmt.WriteString("INSERT ")
		if insert.Modifier != "" {
			stmt.WriteString(insert.Modifier)
			stmt.WriteByte(' ')
		}
		stmt.WriteString("INTO ")
		if insert.Table.Name != "" {
			stmt.WriteQuoted(insert.Table.Name)
		} else {
			stmt.WriteQuoted(stmt.Table)
		}
	},
	// SQLite needs a LIMIT before OFFSET; -1 means no limit.
	"LIMIT": func(c clause.Clause, builder clause.Builder) {
		limit, ok := c.Expression.(clause.Limit)
		if !ok {
			c.Build(builder)
			return
		}
		n := -1
		if limit.Limit != nil && *limit.Limit >= 0 {
			n = *limit.Limit
		}
		if n < 0 && limit.Offset <= 0 {
			return
		}
		builder.WriteString("LIMIT ")
		builder.WriteString(strconv.Itoa(n))
		if limit.Offset > 0 {
			builder.WriteString(" OFFSET ")
			builder.WriteString(strconv.Itoa(limit.Offset))
		}
	},
	// SQLite locks the whole database, not rows: FOR UPDATE / FOR SHARE are
	// dropped, and write transactions already hold the write lock.
	"FOR": func(c clause.Clause, builder clause.Builder) {
		if _, ok := c.Expression.(clause.Locking); ok {
			return
		}
		c.Build(builder)
	},
}

// Migrator implements gorm.Dialector.
func (d *Dialector) Migrator(db *gorm.DB) gorm.Migrator {
	return Migrator{migrator.Migrator{Config: migrator.Config{
		DB:                          db,
		Dialector:                   d,
		CreateIndexAfterCreateTable: true,
	}}}
}

// DataTypeOf maps a field to its column type: bool to numeric, integers to
// integer (an auto-increment primary key to integer PRIMARY KEY
// AUTOINCREMENT), floats to real, strings to text, time.Time to datetime
// (or its type tag), []byte to blob, Vector32 to F32_BLOB(size); any other
// data type is written as GORM names it.
func (d Dialector) DataTypeOf(field *schema.Field) string {
	switch field.DataType {
	case schema.Bool:
		return "numeric"
	case schema.Int, schema.Uint:
		if field.AutoIncrement {
			return "integer PRIMARY KEY AUTOINCREMENT"
		}
		return "integer"
	case schema.Float:
		return "real"
	case schema.String:
		return "text"
	case schema.Time:
		if t, ok := field.TagSettings["TYPE"]; ok {
			return t
		}
		return "datetime"
	case schema.Bytes:
		return "blob"
	case vectorDataType:
		if field.Size > 0 {
			return fmt.Sprintf("F32_BLOB(%d)", field.Size)
		}
	}
	return string(field.DataType)
}

// DefaultValueOf is what a batch insert writes for a row that leaves a
// defaulted field unset. SQLite has no DEFAULT keyword in VALUES, so the
// column's default expression is written out.
func (d Dialector) DefaultValueOf(field *schema.Field) clause.Expression {
	if field.AutoIncrement || field.DefaultValue == "" {
		return clause.Expr{SQL: "NULL"}
	}
	return clause.Expr{SQL: field.DefaultValue}
}

// BindVarTo implements gorm.Dialector.
func (d Dialector) BindVarTo(writer clause.Writer, _ *gorm.Statement, _ any) {
	writer.WriteByte('?')
}

// QuoteTo writes a name as GORM passes it: each dot-separated part becomes
// one identifier in backticks, whatever its bytes, so that no input can end
// the identifier early. A part that is already a whole quoted identifier
// (`x`, "x" or [x]) is unquoted first, so "`a.b`" names the one identifier
// a.b and "a.b" the b in a (see sqltext.NameParts).
func (d Dialector) QuoteTo(writer clause.Writer, name string) {
	if !strings.ContainsAny(name, ".`\"[") {
		// One plain part, the common case on GORM's write path: no
		// splitting, no allocation.
		writer.WriteByte('`')
		writer.WriteString(name)
		writer.WriteByte('`')
		return
	}
	for i, part := range sqltext.NameParts(name) {
		if i > 0 {
			writer.WriteByte('.')
		}
		writer.WriteString(quoteIdent(part))
	}
}

// Explain renders SQL with its arguments inlined, for logs and ToSQL. Times
// are written the way the driver stores them (UTC, full nanoseconds), so
// that a logged statement run by hand compares against the same text.
func (d Dialector) Explain(sql string, vars ...any) string {
	inlined := make([]any, len(vars))
	for i, v := range vars {
		inlined[i] = v
		if t, ok := boundTime(v); ok {
			if text, err := sqlite.AppendTime(nil, t); err == nil {
				inlined[i] = string(text)
			}
		}
	}
	return logger.ExplainSQL(sql, nil, `'`, inlined...)
}

// boundTime reports the time an argument is bound as, if it is one.
func boundTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case *time.Time:
		if x != nil {
			return *x, true
		}
	case sqldriver.Valuer:
		if rv := reflect.ValueOf(x); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return time.Time{}, false
		}
		if val, err := x.Value(); err == nil {
			t, ok := val.(time.Time)
			return t, ok
		}
	}
	return time.Time{}, false
}

// quoteIdent quotes one identifier exactly as given, dots and quotes
// included: the migrator's names come from the schema as values.
func quoteIdent(name string) string { return ddl.Quote(name) }
