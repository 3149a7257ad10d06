package tests

import (
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// TestFaultCommitResponseLost: the server commits, the reply is lost; the
// error says the outcome is unknown, and the rows are there.
func TestFaultCommitResponseLost(t *testing.T) {
	t.Parallel()
	srv := sqldtest.Own(t)
	proxy := sqldtest.NewProxy(t, srv.URL)
	db := open(t, libsql.Config{URL: proxy.URL(), AuthToken: srv.Token(), RequestTimeout: 5 * time.Second}, nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	dropped := proxy.DropResponse("/v", `"COMMIT"`)
	err := db.Transaction(func(tx *gorm.DB) error { return tx.Create(&note{Text: "maybe"}).Error })
	<-dropped
	require.Error(t, err)
	assert.ErrorIs(t, err, libsql.ErrCommitUnknown)
	assert.ErrorIs(t, err, libsql.ErrServerUnreachable)
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error, "the pool works on")
	assert.Equal(t, int64(1), n, "the server did commit: retrying blindly would duplicate it")
}

// TestFaultWriteResponseLost: a write outside a transaction reaches the
// server, which commits it, and its reply is lost; the error says the
// outcome is unknown, not "not applied", and the row is there. A write
// the server never got is ErrServerUnreachable alone.
func TestFaultWriteResponseLost(t *testing.T) {
	t.Parallel()
	srv := sqldtest.Own(t)
	proxy := sqldtest.NewProxy(t, srv.URL)
	db := open(t, libsql.Config{URL: proxy.URL(), AuthToken: srv.Token(), RequestTimeout: 5 * time.Second}, nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	dropped := proxy.DropResponse("/v", "INSERT INTO")
	err := db.Create(&note{Text: "maybe"}).Error
	<-dropped
	require.Error(t, err)
	assert.ErrorIs(t, err, libsql.ErrCommitUnknown)
	assert.Contains(t, err.Error(), "the outcome of the write is unknown")
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error, "the pool works on")
	assert.Equal(t, int64(1), n, "the server did commit: retrying blindly would duplicate it")

	dropped = proxy.DropResponse("/v", "SELECT count(*)")
	err = db.Model(&note{}).Count(&n).Error
	<-dropped
	require.Error(t, err)
	assert.ErrorIs(t, err, libsql.ErrServerUnreachable)
	assert.NotErrorIs(t, err, libsql.ErrCommitUnknown, "a read whose reply is lost is safe to run again")

	require.NoError(t, proxy.Close())
	// A kept-alive connection the proxy just cut could take the next
	// request before its end is seen, and a request written to it has an
	// unknown outcome; a read uses that connection up first.
	require.Error(t, db.Model(&note{}).Count(&n).Error)
	err = db.Create(&note{Text: "never sent"}).Error
	require.Error(t, err)
	assert.ErrorIs(t, err, libsql.ErrServerUnreachable)
	assert.NotErrorIs(t, err, libsql.ErrCommitUnknown, "the proxy is gone: the write never reached the server")
}

// TestFaultServerKilledMidWrites: sqld is killed and restarted in the
// middle of a stream of writes; every acknowledged write survives, no
// transaction is half applied, and the same *gorm.DB works after.
func TestFaultServerKilledMidWrites(t *testing.T) {
	t.Parallel()
	srv := sqldtest.Own(t)
	db := open(t, libsql.Config{URL: srv.URL, AuthToken: srv.Token(), RequestTimeout: 2 * time.Second}, nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	var acked []string
	failed := 0
	write := func(i int) {
		a, b := "a"+time.Now().Format("150405.000000")+string(rune('0'+i%10)), ""
		b = a + "-pair"
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Create(&note{Text: a}).Error; err != nil {
				return err
			}
			return tx.Create(&note{Text: b}).Error
		})
		if err == nil {
			acked = append(acked, a, b)
		} else {
			failed++
		}
	}
	for i := 0; i < 20; i++ {
		write(i)
	}
	srv.Kill()
	for i := 0; i < 3; i++ {
		write(i)
	}
	require.NoError(t, srv.Resume())
	restarted := time.Now()
	for i := 0; len(acked) < 60 && time.Since(restarted) < 20*time.Second; i++ {
		write(i)
	}
	t.Logf("acknowledged writes %d, failed %d, recovered within %s of the restart", len(acked), failed, time.Since(restarted))
	var texts []string
	require.NoError(t, db.Model(&note{}).Pluck("text", &texts).Error)
	have := map[string]bool{}
	for _, s := range texts {
		have[s] = true
	}
	lost := 0
	for _, s := range acked {
		if !have[s] {
			lost++
		}
	}
	t.Logf("lost writes %d", lost)
	assert.Zero(t, lost)
	for s := range have {
		if len(s) > 5 && s[len(s)-5:] == "-pair" {
			assert.True(t, have[s[:len(s)-5]], "half a transaction: %s", s)
		} else {
			assert.True(t, have[s+"-pair"], "half a transaction: %s", s)
		}
	}
	assert.GreaterOrEqual(t, len(acked), 60, "the same *gorm.DB works after the restart")
}

// TestFaultTransactionAfterIdle: a transaction on a pooled connection
// whose stream expired while idle (about 10 s on sqld) goes on, because
// nothing of it had reached the server.
func TestFaultTransactionAfterIdle(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 16s for the server to expire the stream")
	}
	t.Parallel()
	srv := sqldtest.Own(t)
	db := open(t, libsql.Config{URL: srv.URL, AuthToken: srv.Token()}, nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	require.NoError(t, db.Create(&note{Text: "before"}).Error)
	time.Sleep(16 * time.Second)
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error { return tx.Create(&note{Text: "after idle"}).Error }))
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error)
	assert.Equal(t, int64(2), n)
}

// TestRemoteOpenAgainstSilentServerIsBounded: gorm.Open's ping against a
// server that accepts and never answers ends at RequestTimeout.
func TestRemoteOpenAgainstSilentServerIsBounded(t *testing.T) {
	t.Parallel()
	srv := sqldtest.Own(t)
	proxy := sqldtest.NewProxy(t, srv.URL)
	proxy.BlackHole(true)
	defer proxy.BlackHole(false)
	start := time.Now()
	_, err := gorm.Open(libsql.New(libsql.Config{URL: proxy.URL(), AuthToken: srv.Token(), RequestTimeout: 500 * time.Millisecond}), &gorm.Config{})
	require.Error(t, err)
	assert.ErrorIs(t, err, libsql.ErrServerUnreachable)
	assert.Contains(t, err.Error(), "RequestTimeout")
	assert.Less(t, time.Since(start), 5*time.Second)
}
