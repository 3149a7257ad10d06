package libsql

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql/internal/hranatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

func TestNetworkLimitsFromDSN(t *testing.T) {
	cfg, err := ParseDSN("libsql://db.example.com?authToken=T&connect_timeout=5s&request_timeout=1500&max_response_bytes=1024")
	require.NoError(t, err)
	assert.Equal(t, 5*time.Second, cfg.ConnectTimeout)
	assert.Equal(t, 1500*time.Millisecond, cfg.RequestTimeout)
	assert.Equal(t, int64(1024), cfg.MaxResponseBytes)
	for _, bad := range []string{"connect_timeout=soon", "request_timeout=x", "max_response_bytes=big"} {
		_, err := ParseDSN("libsql://db.example.com?" + bad)
		assert.Error(t, err, bad)
	}
	_, err = Config{URL: "http://127.0.0.1:1", MaxResponseBytes: -1}.limits()
	assert.Error(t, err)
}

type recordingLogger struct {
	logger.Interface
	warnings []string
}

func (l *recordingLogger) Warn(_ context.Context, msg string, args ...any) {
	l.warnings = append(l.warnings, fmt.Sprintf(msg, args...))
}

func TestCleartextTokenWarning(t *testing.T) {
	warnedOnOpen.Clear()
	for url, want := range map[string]int{
		"http://10.1.2.3:8080":   1,
		"ws://db.example.com":    1,
		"http://127.0.0.1:8080":  0,
		"http://localhost:8080":  0,
		"https://db.example.com": 0,
	} {
		log := &recordingLogger{Interface: logger.Discard}
		// No ping: nothing is sent, the warning is given at Open, once
		// for each server (a tenant manager opens a pool per tenant, all
		// on one server).
		for range 3 {
			db, err := gorm.Open(New(Config{URL: url, AuthToken: "s3cr3t-t0k3n"}), &gorm.Config{Logger: log, DisableAutomaticPing: true})
			require.NoError(t, err, url)
			sqlDB, _ := db.DB()
			sqlDB.Close()
		}
		require.Len(t, log.warnings, want, url)
		if want > 0 {
			assert.Contains(t, log.warnings[0], "unencrypted")
			assert.NotContains(t, log.warnings[0], "s3cr3t-t0k3n")
		}
	}
}

// TestMalformedRepliesThroughGORM: what a GORM program runs against a
// server that sends a malformed reply gets an error, never a panic.
func TestMalformedRepliesThroughGORM(t *testing.T) {
	for _, c := range hranatest.Malformed {
		t.Run(c.Name, func(t *testing.T) {
			srv := hranatest.New(t, func(hranatest.Pipeline) hranatest.Reply { return c.Reply })
			db, err := gorm.Open(New(Config{URL: srv.URL, AuthToken: "T", RequestTimeout: 2 * time.Second}), &gorm.Config{Logger: logger.Discard, DisableAutomaticPing: true})
			require.NoError(t, err)
			sqlDB, _ := db.DB()
			defer sqlDB.Close()
			if c.For != "batch" && !c.InValues {
				assert.Error(t, db.Exec("INSERT INTO t VALUES (1)").Error, "Exec")
			}
			var v []int64
			if c.For != "batch" {
				assert.Error(t, db.Raw("SELECT v FROM t").Scan(&v).Error, "Raw().Scan")
			}
			if c.For != "execute" {
				assert.Error(t, db.Transaction(func(tx *gorm.DB) error { return tx.Exec("INSERT INTO t VALUES (2)").Error }), "a transaction")
			}
		})
	}
}

// TestRemoteEncryptionKey: the key of a database encrypted on the server
// goes with every request, from a Config or a DSN, and never into an
// error, even one whose server message quotes it.
func TestRemoteEncryptionKey(t *testing.T) {
	const key = "c2VjcmV0LWtleS1vZi10aGUtZGF0YWJhc2UtMzI="
	echo := false
	srv := hranatest.New(t, func(p hranatest.Pipeline) hranatest.Reply {
		if echo {
			return hranatest.Reply{Status: 400, Body: `{"message":"bad encryption key ` + p.EncryptionKey + `"}`}
		}
		return hranatest.OK(p, hranatest.Baton("b"), "")
	})
	for name, dialector := range map[string]gorm.Dialector{
		"config": New(Config{URL: srv.URL, AuthToken: "T", RemoteEncryptionKey: key}),
		"dsn":    Open(srv.URL + "?authToken=T&remoteEncryptionKey=" + key),
	} {
		t.Run(name, func(t *testing.T) {
			echo = false
			db, err := gorm.Open(dialector, &gorm.Config{Logger: logger.Discard})
			require.NoError(t, err)
			sqlDB, _ := db.DB()
			defer sqlDB.Close()
			sent := len(srv.Pipelines())
			require.NoError(t, db.Exec("INSERT INTO t VALUES (1)").Error)
			require.NoError(t, db.Transaction(func(tx *gorm.DB) error { return tx.Exec("INSERT INTO t VALUES (2)").Error }))
			pipelines := srv.Pipelines()
			require.NotEmpty(t, pipelines[sent:])
			for _, p := range pipelines {
				assert.Equal(t, key, p.EncryptionKey, "every request carries the key")
			}
			echo = true
			err = db.Exec("INSERT INTO t VALUES (3)").Error
			require.Error(t, err)
			assert.Contains(t, err.Error(), "bad encryption key [redacted]")
			assert.NotContains(t, err.Error(), key)
		})
	}
}

func TestRemoteEncryptionKeyRefused(t *testing.T) {
	for name, cfg := range map[string]Config{
		"local file":   {Database: "app.db", RemoteEncryptionKey: "a2V5"},
		"with newline": {URL: "http://127.0.0.1:1", RemoteEncryptionKey: "a2V5\r\nX-Evil: 1"},
		"with space":   {URL: "http://127.0.0.1:1", RemoteEncryptionKey: "a2V5 a2V5"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := gorm.Open(New(cfg), &gorm.Config{Logger: logger.Discard})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "RemoteEncryptionKey")
			assert.NotContains(t, err.Error(), "a2V5")
		})
	}
}

// warnedFrom returns the file:line GORM's logger wrote before each warning
// of a token sent unencrypted in out.
func warnedFrom(out string) []string {
	lines := strings.Split(out, "\n")
	var files []string
	for i := 1; i < len(lines); i++ {
		if strings.Contains(lines[i], "unencrypted") {
			files = append(files, lines[i-1])
		}
	}
	return files
}

// The warning of a token sent unencrypted names the line that opened the
// database, through gorm.Open or Config.Connector. Nothing is sent: there
// is no ping, and opening a remote connector sends nothing.
func TestOpenWarningNamesTheCaller(t *testing.T) {
	warnedOnOpen.Clear()
	var out bytes.Buffer
	warnings := logger.New(log.New(&out, "", 0), logger.Config{LogLevel: logger.Warn})
	cfg := Config{URL: "http://10.1.2.3:8080", AuthToken: "s3cr3t-t0k3n"}
	db, err := gorm.Open(New(cfg), &gorm.Config{Logger: warnings, DisableAutomaticPing: true})
	_, self, line, _ := runtime.Caller(0)
	require.NoError(t, err)
	sqlDB, _ := db.DB()
	require.NoError(t, sqlDB.Close())
	opened := warnedFrom(out.String())
	require.Len(t, opened, 1, out.String())
	assert.Equal(t, self+":"+strconv.Itoa(line-1), opened[0])

	warnedOnOpen.Clear()
	out.Reset()
	saved := logger.Default
	logger.Default = logger.New(log.New(&out, "", 0), logger.Config{LogLevel: logger.Warn})
	defer func() { logger.Default = saved }()
	connector, err := cfg.Connector()
	_, _, line, _ = runtime.Caller(0)
	require.NoError(t, err)
	require.NoError(t, sql.OpenDB(connector).Close())
	opened = warnedFrom(out.String())
	require.Len(t, opened, 1, out.String())
	assert.Equal(t, self+":"+strconv.Itoa(line-1), opened[0])
}

// A warning that went to logger.Discard (the tenant manager's catalog pool
// opens with it) still reaches the next logger.
func TestCleartextTokenWarningNotLostToDiscard(t *testing.T) {
	warnedOnOpen.Clear()
	cfg := Config{URL: "http://10.1.2.3:8080", AuthToken: "T"}
	for _, log := range []logger.Interface{logger.Discard, &recordingLogger{Interface: logger.Discard}} {
		db, err := gorm.Open(New(cfg), &gorm.Config{Logger: log, DisableAutomaticPing: true})
		require.NoError(t, err)
		sqlDB, _ := db.DB()
		require.NoError(t, sqlDB.Close())
		if rec, ok := log.(*recordingLogger); ok {
			assert.Len(t, rec.warnings, 1)
		}
	}
}

// The warning is given before anything is opened: an Open that then
// fails (a replica's Open sends the token already) still warns. Here the
// config is refused, so nothing is sent.
func TestCleartextTokenWarningBeforeOpenFails(t *testing.T) {
	warnedOnOpen.Clear()
	log := &recordingLogger{Interface: logger.Discard}
	_, err := gorm.Open(New(Config{URL: "http://10.1.2.3:8080", AuthToken: "T", ConnectTimeout: -time.Second}), &gorm.Config{Logger: log, DisableAutomaticPing: true})
	require.Error(t, err)
	assert.Len(t, log.warnings, 1)
}
