//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"bytes"
	"context"
	"log"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// loggedFiles returns, for each line of GORM's logger output that holds
// marker, the file:line GORM wrote before it.
func loggedFiles(out, marker string) []string {
	lines := strings.Split(out, "\n")
	var files []string
	for i, l := range lines {
		if strings.Contains(l, marker) && i > 0 {
			files = append(files, lines[i-1])
		}
	}
	return files
}

// GORM's logger names the caller of Batch, not a file of the dialect.
func TestBatchLogNamesTheCaller(t *testing.T) {
	var out bytes.Buffer
	db := openLogged(t, &out, logger.Config{LogLevel: logger.Info})
	require.NoError(t, db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)").Error)
	out.Reset()

	_, err := libsql.Batch(context.Background(), db, func(b *gorm.DB) error {
		return b.Exec("INSERT INTO t (v) VALUES (?)", "a").Error
	})
	require.NoError(t, err)
	_, self, _, _ := runtime.Caller(0)

	batch := loggedFiles(out.String(), "BATCH of 1 statements")
	require.Len(t, batch, 1, out.String())
	assert.True(t, strings.HasPrefix(batch[0], self+":"), "the batch is logged as run by its caller: %s", batch[0])
	recorded := loggedFiles(out.String(), "INSERT INTO t")
	require.Len(t, recorded, 1, out.String())
	assert.True(t, strings.HasPrefix(recorded[0], self+":"), "the statement as built by its caller: %s", recorded[0])
}

type logCallerV1 struct {
	ID   uint
	Name string
}

func (logCallerV1) TableName() string { return "log_callers" }

type logCallerV2 struct {
	ID   uint
	Name string `gorm:"not null;default:'x';index"`
	Age  int
}

func (logCallerV2) TableName() string { return "log_callers" }

// openLogged opens a fresh database file whose GORM logger writes to out.
func openLogged(t *testing.T, out *bytes.Buffer, cfg logger.Config) *gorm.DB {
	return openLocal(t, &gorm.Config{Logger: logger.New(log.New(out, "", 0), cfg)})
}

// Every statement a migration runs, however deep in the migrator, is logged
// as run by the line that called the migrator.
func TestMigratorLogNamesTheCaller(t *testing.T) {
	var out bytes.Buffer
	db := openLogged(t, &out, logger.Config{LogLevel: logger.Info})
	_, self, _, _ := runtime.Caller(0)
	at := func(line int) string { return self + ":" + strconv.Itoa(line) }

	out.Reset()
	require.NoError(t, db.AutoMigrate(&logCallerV1{}))
	_, _, line, _ := runtime.Caller(0)
	created := loggedFiles(out.String(), "[rows:")
	require.NotEmpty(t, created, out.String())
	for _, f := range created {
		assert.Equal(t, at(line-1), f, "CREATE TABLE's migration")
	}
	require.NoError(t, db.Create(&logCallerV1{Name: "a"}).Error)

	// A rebuild (NOT NULL with a default), a new column and an index: the
	// deepest paths of the migrator.
	out.Reset()
	require.NoError(t, db.AutoMigrate(&logCallerV2{}))
	_, _, line, _ = runtime.Caller(0)
	altered := loggedFiles(out.String(), "[rows:")
	require.Greater(t, len(altered), len(created), out.String())
	assert.Contains(t, out.String(), "ALTER TABLE")
	for _, f := range altered {
		assert.Equal(t, at(line-1), f)
	}

	out.Reset()
	assert.True(t, db.Migrator().HasIndex(&logCallerV2{}, "Name"))
	_, _, line, _ = runtime.Caller(0)
	columns, err := db.Migrator().ColumnTypes(&logCallerV2{})
	require.NoError(t, err)
	assert.Len(t, columns, 3)
	files := loggedFiles(out.String(), "[rows:")
	require.GreaterOrEqual(t, len(files), 2, out.String())
	assert.Equal(t, at(line-1), files[0], "HasIndex")
	assert.Equal(t, at(line+1), files[len(files)-1], "ColumnTypes")
}

// GORM's ParameterizedQueries, which its logger applies through a filter
// GORM looks for on the logger, still holds for a migration's statements.
func TestMigratorLogKeepsParameterizedQueries(t *testing.T) {
	var out bytes.Buffer
	db := openLogged(t, &out, logger.Config{LogLevel: logger.Info, ParameterizedQueries: true})
	require.NoError(t, db.AutoMigrate(&logCallerV1{}))
	out.Reset()
	assert.True(t, db.Migrator().HasTable(&logCallerV1{}))
	assert.Contains(t, out.String(), "name = ?")
	assert.NotContains(t, out.String(), `"log_callers"`)
}

// A panic in a migration (here in a callback) reaches the migrator's
// caller with its value, and leaves the pool as it was.
func TestMigratorPanicReachesTheCaller(t *testing.T) {
	var out bytes.Buffer
	db := openLogged(t, &out, logger.Config{LogLevel: logger.Silent})
	var armed atomic.Bool
	require.NoError(t, db.Callback().Raw().Before("gorm:raw").Register("test:panic", func(*gorm.DB) {
		if armed.Swap(false) {
			panic("boom")
		}
	}))
	armed.Store(true)
	assert.PanicsWithValue(t, "boom", func() { _ = db.AutoMigrate(&logCallerV1{}) })
	require.NoError(t, db.AutoMigrate(&logCallerV1{}))
	assert.True(t, db.Migrator().HasTable(&logCallerV1{}))

	// runtime.Goexit in the work ends the caller's goroutine too, as it
	// would have without the migrator's own goroutine. HasTable queries
	// through Row.
	var goexit atomic.Bool
	require.NoError(t, db.Callback().Row().Before("gorm:row").Register("test:goexit", func(*gorm.DB) {
		if goexit.Swap(false) {
			runtime.Goexit()
		}
	}))
	goexit.Store(true)
	returned, exited := false, make(chan struct{})
	go func() {
		defer close(exited)
		db.Migrator().HasTable(&logCallerV1{})
		returned = true
	}()
	<-exited
	assert.False(t, returned, "the caller went on after the work called Goexit")
	assert.True(t, db.Migrator().HasTable(&logCallerV1{}))
}

// ddlPanicLogger panics when it is given a CREATE TABLE to log.
type ddlPanicLogger struct{ logger.Interface }

func (l ddlPanicLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if sql, _ := fc(); strings.HasPrefix(sql, "CREATE TABLE") {
		panic("logger")
	}
}

// A logger that panics while it logs a migration's statement (on the
// caller's goroutine, where the migrator's log calls are made) leaves the
// migration rolled back, as when the migration ran on that goroutine.
func TestMigratorLoggerPanicRollsBack(t *testing.T) {
	db := openLocal(t, &gorm.Config{Logger: ddlPanicLogger{logger.Discard}})
	assert.PanicsWithValue(t, "logger", func() { _ = db.AutoMigrate(&logCallerV1{}) })
	var n int64
	require.NoError(t, db.Raw("SELECT count(*) FROM sqlite_master WHERE name = 'log_callers'").Scan(&n).Error)
	assert.Zero(t, n, "the CREATE TABLE was rolled back")
	require.NoError(t, db.Session(&gorm.Session{Logger: logger.Discard}).AutoMigrate(&logCallerV1{}), "the pool works after")
}
