//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package tests

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tests/internal/proxy"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// TestFaultReplicaPrimaryBlackHoled: with the primary silent, local reads
// go on, writes and syncs fail within their deadline; once healed, both
// work again.
func TestFaultReplicaPrimaryBlackHoled(t *testing.T) {
	t.Parallel()
	db, proxy := replicaBehindProxy(t)

	proxy.BlackHole(true)
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error, "reads keep working")
	assert.Equal(t, int64(1), n)
	start := time.Now()
	err := db.Create(&note{Text: "while silent"}).Error
	took := time.Since(start)
	require.Error(t, err)
	assert.ErrorIs(t, err, libsql.ErrServerUnreachable)
	assert.Less(t, took, 3500*time.Millisecond, "the write fails within its deadline")
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	start = time.Now()
	_, err = libsql.Sync(ctx, db)
	cancel()
	require.Error(t, err)
	assert.Less(t, time.Since(start), 3*time.Second)
	t.Logf("black-holed: write failed after %s: %v", took, err)

	proxy.BlackHole(false)
	healed := time.Now()
	var werr error
	require.Eventually(t, func() bool {
		werr = db.Create(&note{Text: "after"}).Error
		return werr == nil
	}, 30*time.Second, 100*time.Millisecond, "a write after healing: %v", werr)
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = libsql.Sync(ctx, db)
	require.NoError(t, err)
	t.Logf("recovered %s after healing", time.Since(healed))
	var texts []string
	require.NoError(t, db.Model(&note{}).Order("id").Pluck("text", &texts).Error)
	assert.Contains(t, texts, "after")
	assert.Contains(t, texts, "before")
}

// TestFaultReplicaOpenWithPrimaryDown: a replica whose file holds data
// opens and serves reads while the primary is down; a new one fails
// clearly, in bounded time, naming the cause.
func TestFaultReplicaOpenWithPrimaryDown(t *testing.T) {
	t.Parallel()
	srv := sqldtest.Own(t)
	proxy := sqldtest.NewProxy(t, srv.URL)
	cfg := libsql.Config{Database: filepath.Join(t.TempDir(), "r.db"), URL: proxy.URL(), AuthToken: srv.Token(), RequestTimeout: 2 * time.Second}
	db, err := gorm.Open(libsql.New(cfg), &gorm.Config{})
	require.NoError(t, err)
	require.NoError(t, db.AutoMigrate(&note{}))
	require.NoError(t, db.Create(&note{Text: "synced"}).Error)
	sqlDB, _ := db.DB()
	require.NoError(t, sqlDB.Close())

	proxy.BlackHole(true)
	start := time.Now()
	db = open(t, cfg, nil)
	t.Logf("reopened with the primary black-holed in %s", time.Since(start))
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error)
	assert.Equal(t, int64(1), n, "reads are served from the file")

	fresh := cfg
	fresh.Database = filepath.Join(t.TempDir(), "new.db")
	start = time.Now()
	_, err = gorm.Open(libsql.New(fresh), &gorm.Config{})
	require.Error(t, err)
	assert.ErrorIs(t, err, libsql.ErrServerUnreachable)
	assert.Contains(t, err.Error(), "primary must be reachable")
	assert.Less(t, time.Since(start), 10*time.Second)
	proxy.BlackHole(false)
}

// TestFaultReplicaAutoMigrateOffline: an application that migrates at boot
// starts while the primary is down, when its replica's schema already
// matches the models; a migration that must change the schema still goes
// to the primary, and fails clearly while it is down.
func TestFaultReplicaAutoMigrateOffline(t *testing.T) {
	t.Parallel()
	db, p := replicaBehindProxy(t)
	type tagged struct {
		ID   uint
		Name string `gorm:"index"`
	}
	require.NoError(t, db.AutoMigrate(&note{}, &tagged{}))
	sqlDB, _ := db.DB()
	require.NoError(t, sqlDB.Close())

	p.BlackHole(true)
	defer p.BlackHole(false)
	db = open(t, db.Dialector.(*libsql.Dialector).Config, nil)
	before := p.Requests()
	require.NoError(t, db.AutoMigrate(&note{}, &tagged{}), "nothing to change: the local schema answers")
	assert.Equal(t, before, p.Requests(), "no request reached the primary: %v", p.Paths())

	type grown struct {
		ID    uint
		Text  string
		Extra string
	}
	err := db.Table("notes").AutoMigrate(&grown{})
	require.Error(t, err, "a new column needs the primary")
	assert.ErrorIs(t, err, libsql.ErrServerUnreachable)
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error)
	assert.Equal(t, int64(1), n)

	p.BlackHole(false)
	require.NoError(t, db.Table("notes").AutoMigrate(&grown{}), "with the primary back, the change is made")
	assert.True(t, db.Migrator().HasColumn("notes", "extra"))
}

// TestFaultReplicaWriteResponseLost: a write through a replica whose reply
// is lost reports an unknown outcome, and the row is on the primary.
func TestFaultReplicaWriteResponseLost(t *testing.T) {
	t.Parallel()
	srv := sqldtest.Own(t)
	proxy := sqldtest.NewProxy(t, srv.URL)
	db := open(t, libsql.Config{Database: filepath.Join(t.TempDir(), "r.db"), URL: proxy.URL(), AuthToken: srv.Token(), RequestTimeout: 5 * time.Second}, nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	dropped := proxy.DropResponse("/v", "INSERT INTO")
	err := db.Create(&note{Text: "maybe"}).Error
	<-dropped
	require.Error(t, err)
	assert.ErrorIs(t, err, libsql.ErrCommitUnknown)
	assert.NotErrorIs(t, err, libsql.ErrWriteNotSynced)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = libsql.Sync(ctx, db)
	require.NoError(t, err)
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error)
	assert.Equal(t, int64(1), n, "the primary did commit it")
}

// TestFaultReplicaStuckSync: with the primary black-holed, a sync is
// abandoned at its deadline and cut, so that libSQL's call returns: the
// next sync runs rather than wait for it; writes still end within their
// own deadlines, and once the primary is back, the very next write and
// sync succeed.
func TestFaultReplicaStuckSync(t *testing.T) {
	t.Parallel()
	db, proxy := replicaBehindProxy(t)

	proxy.BlackHole(true)
	for i := 0; i < 3; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		start := time.Now()
		_, err := libsql.Sync(ctx, db)
		cancel()
		require.Error(t, err, "sync %d", i)
		assert.Less(t, time.Since(start), 2*time.Second, "sync %d ends at its own deadline", i)
		assert.NotContains(t, err.Error(), "earlier sync was still running", "sync %d: the one before was cut", i)
	}
	start := time.Now()
	err := db.Create(&note{Text: "while silent"}).Error
	require.Error(t, err)
	assert.ErrorIs(t, err, libsql.ErrServerUnreachable)
	assert.Less(t, time.Since(start), 3500*time.Millisecond, "the write ends within RequestTimeout")
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error, "reads keep working")

	proxy.BlackHole(false)
	healed := time.Now()
	require.NoError(t, db.Create(&note{Text: "after"}).Error, "the first write after healing, with its sync")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = libsql.Sync(ctx, db)
	require.NoError(t, err)
	t.Logf("write and sync done %s after healing", time.Since(healed))
	var texts []string
	require.NoError(t, db.Model(&note{}).Where("text = ?", "after").Pluck("text", &texts).Error)
	assert.Equal(t, []string{"after"}, texts, "local reads see the write")
}

// TestFaultReplicaFrozenFlows: the proxy kills every connection, and the
// flows it killed stay dead after the heal (as when a NAT forgets them).
// While frozen, writes and syncs fail within their deadlines, and libSQL's
// sync call, cut, returns at once (not after its handshake retries, 2 s
// and more); after each heal the very next write (with its
// read-your-writes sync) and sync succeed within theirs, and no
// acknowledged write is lost, 20 times.
func TestFaultReplicaFrozenFlows(t *testing.T) {
	t.Parallel()
	const (
		rounds         = 20
		requestTimeout = time.Second
		frozenSync     = 300 * time.Millisecond
		// healedDeadline is each call's own deadline after the heal.
		healedDeadline = 2 * time.Second
		// cutReturn bounds how long libSQL's call takes to return once
		// its sync is cut.
		cutReturn = time.Second
		// slack is how much later than its deadline a failing call may end.
		slack = 500 * time.Millisecond
	)
	srv := sqldtest.Own(t)
	p := sqldtest.NewProxy(t, srv.URL)
	db := open(t, libsql.Config{Database: filepath.Join(t.TempDir(), "r.db"), URL: p.URL(), AuthToken: srv.Token(), RequestTimeout: requestTimeout}, nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	require.NoError(t, db.Create(&note{Text: "before"}).Error)

	var committed []string // acknowledged, or ErrWriteNotSynced: on the primary
	failed := 0
	var worst, worstReturn time.Duration
	for round := range rounds {
		p.Freeze(true)
		text := fmt.Sprintf("frozen %d", round)
		start := time.Now()
		err := db.Create(&note{Text: text}).Error
		took := time.Since(start)
		assert.Less(t, took, requestTimeout+slack, "round %d: a write while frozen ends within RequestTimeout", round)
		switch {
		case err == nil, errors.Is(err, libsql.ErrWriteNotSynced):
			committed = append(committed, text)
		default:
			failed++
		}
		ctx, cancel := context.WithTimeout(context.Background(), frozenSync)
		start = time.Now()
		_, err = libsql.Sync(ctx, db)
		cancel()
		abandoned := time.Now()
		assert.Error(t, err, "round %d: a sync while frozen", round)
		assert.Less(t, abandoned.Sub(start), frozenSync+slack, "round %d: a sync while frozen ends at its deadline", round)
		// The cut sync's outcome is recorded once libSQL's call returns.
		var returned time.Duration
		require.Eventually(t, func() bool {
			st, err := libsql.LastSync(db)
			returned = st.LastAttempt.Sub(abandoned)
			return err == nil && st.LastAttempt.After(start) && st.LastError != nil
		}, cutReturn, 5*time.Millisecond, "round %d: libSQL's cut sync returns", round)
		worstReturn = max(worstReturn, returned)

		p.Freeze(false)
		healed := time.Now()
		text = fmt.Sprintf("healed %d", round)
		ctx, cancel = context.WithTimeout(context.Background(), healedDeadline)
		err = db.WithContext(ctx).Create(&note{Text: text}).Error
		cancel()
		require.NoError(t, err, "round %d: the first write after the heal, with its sync", round)
		committed = append(committed, text)
		var n int64
		require.NoError(t, db.Model(&note{}).Where("text = ?", text).Count(&n).Error)
		assert.Equal(t, int64(1), n, "round %d: read-your-writes", round)
		ctx, cancel = context.WithTimeout(context.Background(), healedDeadline)
		_, err = libsql.Sync(ctx, db)
		cancel()
		require.NoError(t, err, "round %d: the first sync after the heal", round)
		worst = max(worst, time.Since(healed))
	}

	primary := open(t, libsql.Config{URL: srv.URL, AuthToken: srv.Token()}, nil)
	var onPrimary, local []string
	require.NoError(t, primary.Model(&note{}).Pluck("text", &onPrimary).Error)
	require.NoError(t, db.Model(&note{}).Pluck("text", &local).Error)
	lost := 0
	for _, text := range committed {
		if !assert.Contains(t, onPrimary, text) || !assert.Contains(t, local, text) {
			lost++
		}
	}
	assert.Zero(t, lost)
	t.Logf("%d rounds: writes acknowledged %d, failed %d, lost %d; libSQL's cut sync returned at most %s after it was abandoned; recovery (first write and sync after the heal) at most %s",
		rounds, len(committed), failed, lost, worstReturn.Round(time.Millisecond), worst.Round(time.Millisecond))
}

// TestFaultReplicaCloseCutsHungSync: closing a replica whose sync hangs on
// a dead flow cuts the sync, so Close returns at once, and the file can be
// opened again at once (no native handle is left to a sync still running).
func TestFaultReplicaCloseCutsHungSync(t *testing.T) {
	t.Parallel()
	srv := sqldtest.Own(t)
	p := sqldtest.NewProxy(t, srv.URL)
	cfg := libsql.Config{Database: filepath.Join(t.TempDir(), "r.db"), URL: p.URL(), AuthToken: srv.Token(), RequestTimeout: 10 * time.Second}
	db, err := gorm.Open(libsql.New(cfg), &gorm.Config{})
	require.NoError(t, err)
	require.NoError(t, db.AutoMigrate(&note{}))
	require.NoError(t, db.Create(&note{Text: "before"}).Error)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	require.NoError(t, sqlDB.Close())
	// Opened again, it holds no stream on the primary: closing one would
	// cost a request of its own (a courtesy close, bounded apart).
	db, err = gorm.Open(libsql.New(cfg), &gorm.Config{})
	require.NoError(t, err)

	p.Freeze(true)
	synced := make(chan error, 1)
	go func() {
		_, err := libsql.Sync(context.Background(), db)
		synced <- err
	}()
	time.Sleep(200 * time.Millisecond) // the sync is under way, on a dead flow
	sqlDB, err = db.DB()
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, sqlDB.Close())
	closed := time.Since(start)
	assert.Less(t, closed, time.Second, "Close cuts the hung sync")
	select {
	case err := <-synced:
		assert.Error(t, err)
	case <-time.After(time.Second):
		t.Fatal("the sync outlived Close")
	}

	p.Freeze(false)
	start = time.Now()
	db = open(t, cfg, nil)
	reopened := time.Since(start)
	assert.Less(t, reopened, time.Second, "the file is free at once")
	st, err := libsql.LastSync(db)
	require.NoError(t, err)
	assert.NoError(t, st.LastError, "the first sync of the new handle")
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error)
	assert.Equal(t, int64(1), n)
	t.Logf("Close with a hung sync took %s; reopening %s", closed, reopened)
}

// replicaBehindProxy opens a replica of a sqld of the test's own through
// a fault proxy, with a 2 s RequestTimeout, and writes one note ("before")
// through it.
func replicaBehindProxy(t *testing.T) (*gorm.DB, *proxy.Proxy) {
	t.Helper()
	srv := sqldtest.Own(t)
	p := sqldtest.NewProxy(t, srv.URL)
	cfg := libsql.Config{Database: filepath.Join(t.TempDir(), "r.db"), URL: p.URL(), AuthToken: srv.Token(), RequestTimeout: 2 * time.Second}
	db := open(t, cfg, nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	require.NoError(t, db.Create(&note{Text: "before"}).Error)
	return db, p
}
