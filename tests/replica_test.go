//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package tests

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

func replicaConfig(t testing.TB, url string) libsql.Config {
	srv := sqldtest.Require(t, server)
	return libsql.Config{Database: filepath.Join(t.TempDir(), "replica.db"), URL: url, AuthToken: srv.Token()}
}

func TestReplicaReadsAreLocal(t *testing.T) {
	emptyServer(t)
	srv := sqldtest.Require(t, server)
	proxy := sqldtest.NewProxy(t, srv.URL)
	db := open(t, replicaConfig(t, proxy.URL()), nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	require.NoError(t, db.Create(&note{Text: "written"}).Error)

	before := proxy.Requests()
	var got []note
	for i := 0; i < 20; i++ {
		require.NoError(t, db.Find(&got).Error)
	}
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error)
	assert.Equal(t, before, proxy.Requests(), "reads sent requests: %v", proxy.Paths())
	require.Len(t, got, 1, "read-your-writes")
	assert.Equal(t, "written", got[0].Text)
}

func TestReplicaSyncSeesOtherWriters(t *testing.T) {
	emptyServer(t)
	srv := sqldtest.Require(t, server)
	a := open(t, replicaConfig(t, srv.URL), nil)
	b := open(t, replicaConfig(t, srv.URL), nil)
	remote := open(t, remoteConfig(t), nil)
	require.NoError(t, remote.AutoMigrate(&note{}))
	require.NoError(t, remote.Create(&note{Text: "from remote"}).Error)

	s, err := libsql.Sync(context.Background(), a)
	require.NoError(t, err)
	assert.Positive(t, s.FramesSynced)
	res := b.Exec(" SyNc ;")
	require.NoError(t, res.Error)
	assert.Positive(t, res.RowsAffected, "frames synced")

	require.NoError(t, a.Create(&note{Text: "from a"}).Error)
	_, err = libsql.Sync(context.Background(), b)
	require.NoError(t, err)
	var ta, tb []string
	require.NoError(t, a.Model(&note{}).Order("id").Pluck("text", &ta).Error)
	require.NoError(t, b.Model(&note{}).Order("id").Pluck("text", &tb).Error)
	assert.Equal(t, []string{"from remote", "from a"}, ta)
	assert.Equal(t, ta, tb, "two replicas of one primary converge")
	st, err := libsql.LastSync(b)
	require.NoError(t, err)
	assert.NoError(t, st.LastError)
	assert.False(t, st.LastSync.IsZero())
}

func TestSyncOnNonReplica(t *testing.T) {
	local := open(t, libsql.Config{Database: filepath.Join(t.TempDir(), "l.db")}, nil)
	_, err := libsql.Sync(context.Background(), local)
	assert.ErrorIs(t, err, libsql.ErrNotReplica)
	assert.ErrorIs(t, local.Exec("sync").Error, libsql.ErrNotReplica)
	remote := open(t, remoteConfig(t), nil)
	_, err = libsql.Sync(context.Background(), remote)
	assert.ErrorIs(t, err, libsql.ErrNotReplica)
}

func TestReplicaRefusesPlainFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plain.db")
	plain := open(t, libsql.Config{Database: path}, nil)
	require.NoError(t, plain.AutoMigrate(&note{}))
	cfg := replicaConfig(t, sqldtest.Require(t, server).URL)
	cfg.Database = path
	_, err := gorm.Open(libsql.New(cfg), &gorm.Config{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not an embedded replica")
	assert.True(t, plain.Migrator().HasTable(&note{}), "the file is untouched")
}

// A replica whose file cannot be opened says why, with the path, instead
// of libSQL's "Error opening db path".
func TestReplicaFileCannotOpen(t *testing.T) {
	cfg := replicaConfig(t, sqldtest.Require(t, server).URL)
	dir := filepath.Dir(cfg.Database)
	cfg.Database = filepath.Join(dir, "missing", "r.db")
	_, err := gorm.Open(libsql.New(cfg), &gorm.Config{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot open the embedded replica "+cfg.Database+": its directory "+filepath.Join(dir, "missing")+" does not exist")
	assert.NotContains(t, err.Error(), "sync with the primary failed")

	cfg.Database = dir
	_, err = gorm.Open(libsql.New(cfg), &gorm.Config{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is a directory")
}

func TestReplicaPrimaryDown(t *testing.T) {
	emptyServer(t)
	srv := sqldtest.Require(t, server)
	db := open(t, replicaConfig(t, srv.URL), nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	require.NoError(t, db.Create(&note{Text: "before"}).Error)
	srv.Stop()
	t.Cleanup(func() { require.NoError(t, srv.Resume()) })
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error, "reads keep working")
	assert.Equal(t, int64(1), n)
	err := db.Create(&note{Text: "while down"}).Error
	require.Error(t, err, "writes fail")
	assert.ErrorIs(t, err, libsql.ErrServerUnreachable)
	assert.NotErrorIs(t, err, libsql.ErrWriteNotSynced, "the write itself failed")
	t.Log(err)
	require.NoError(t, srv.Resume())
	require.NoError(t, db.Create(&note{Text: "after"}).Error)
	require.NoError(t, db.Model(&note{}).Count(&n).Error)
	assert.Equal(t, int64(2), n)
}

func TestEncryptedReplica(t *testing.T) {
	emptyServer(t)
	cfg := replicaConfig(t, sqldtest.Require(t, server).URL)
	cfg.EncryptionKey = testKey
	db := open(t, cfg, nil)
	marker := "replica-secret-marker-0123456789"
	require.NoError(t, db.AutoMigrate(&secret{}))
	require.NoError(t, db.Create(&secret{Text: marker}).Error)
	var got secret
	require.NoError(t, db.First(&got).Error)
	assert.Equal(t, marker, got.Text)
	requireNoPlaintext(t, cfg.Database, marker)
}

// TestReplicaRawText pins how text that Hrana's JSON cannot carry fares:
// text holding NUL or invalid UTF-8 is written as text, byte for byte, as a
// local connection writes it, and local reads see it so. Inside a
// read-write transaction reads run on the primary: text holding NUL comes
// back intact, from a SELECT or RETURNING; text that is not UTF-8 the
// server cannot send, which fails clearly instead of altering it.
func TestReplicaRawText(t *testing.T) {
	emptyServer(t)
	db := open(t, replicaConfig(t, sqldtest.Require(t, server).URL), nil)
	require.NoError(t, db.Exec("CREATE TABLE raw_texts (id integer PRIMARY KEY, s text)").Error)
	values := map[int]string{1: "a\x00b", 2: "\xff\xfe"}
	for id, s := range values {
		require.NoError(t, db.Exec("INSERT INTO raw_texts (id, s) VALUES (?, ?)", id, s).Error)
	}
	for id, s := range values {
		var got struct {
			S    string
			Kind string
		}
		require.NoError(t, db.Raw("SELECT s, typeof(s) AS kind FROM raw_texts WHERE id = ?", id).Scan(&got).Error)
		assert.Equal(t, s, got.S)
		assert.Equal(t, "text", got.Kind)
	}

	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		var s string
		require.NoError(t, tx.Raw("SELECT s FROM raw_texts WHERE id = 1").Row().Scan(&s))
		assert.Equal(t, values[1], s)
		return nil
	}))
	var returned string
	require.NoError(t, db.Raw("UPDATE raw_texts SET s = s || ? WHERE id = 1 RETURNING s", "\x00c").Row().Scan(&returned))
	assert.Equal(t, "a\x00b\x00c", returned)

	err := db.Transaction(func(tx *gorm.DB) error {
		var s string
		return tx.Raw("SELECT s FROM raw_texts WHERE id = 2").Row().Scan(&s)
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not valid UTF-8")

	// ±Inf likewise: stored as a local connection stores it, read locally,
	// refused (not read as 0) from the primary.
	require.NoError(t, db.Exec("CREATE TABLE raw_floats (id integer PRIMARY KEY, f real)").Error)
	require.NoError(t, db.Exec("INSERT INTO raw_floats (id, f) VALUES (1, ?)", math.Inf(-1)).Error)
	var f float64
	require.NoError(t, db.Raw("SELECT f FROM raw_floats").Row().Scan(&f))
	assert.True(t, math.IsInf(f, -1))
	err = db.Transaction(func(tx *gorm.DB) error { return tx.Raw("SELECT f FROM raw_floats").Row().Scan(&f) })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Inf")
	var n int64
	require.NoError(t, db.Table("raw_texts").Count(&n).Error)
	assert.Equal(t, int64(2), n)
}

// TestReplicaReadYourWritesRequests pins what each kind of operation costs
// and that writes are visible to local reads once they return: a write
// outside a transaction is one request to the primary plus one sync (two
// requests); a transaction sends BEGIN with its first statement, and syncs
// after COMMIT only if it wrote; a ROLLBACK syncs nothing.
func TestReplicaReadYourWritesRequests(t *testing.T) {
	emptyServer(t)
	srv := sqldtest.Require(t, server)
	proxy := sqldtest.NewProxy(t, srv.URL)
	db := open(t, replicaConfig(t, proxy.URL()), nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	count := func() int64 {
		var n int64
		require.NoError(t, db.Model(&note{}).Count(&n).Error)
		return n
	}
	cost := func(what string, want int64, f func()) {
		t.Helper()
		before := proxy.Requests()
		f()
		assert.Equal(t, want, proxy.Requests()-before, "%s: %v", what, proxy.Paths())
	}

	cost("Create", 3, func() { require.NoError(t, db.Create(&note{Text: "one"}).Error) })
	assert.Equal(t, int64(1), count())
	cost("transaction of two inserts", 5, func() {
		require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
			require.NoError(t, tx.Create(&note{Text: "two"}).Error)
			return tx.Create(&note{Text: "three"}).Error
		}))
	})
	assert.Equal(t, int64(3), count(), "a committed transaction is read locally at once")
	cost("rolled back transaction: BEGIN+INSERT, SELECT, ROLLBACK; no sync", 3, func() {
		require.Error(t, db.Transaction(func(tx *gorm.DB) error {
			require.NoError(t, tx.Create(&note{Text: "dropped"}).Error)
			var n int64
			require.NoError(t, tx.Model(&note{}).Count(&n).Error)
			assert.Equal(t, int64(4), n, "reads in the transaction see its writes")
			return errors.New("roll back")
		}))
	})
	cost("transaction that only reads", 2, func() {
		require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
			var n int64
			return tx.Model(&note{}).Count(&n).Error
		}))
	})
	cost("local reads", 0, func() { assert.Equal(t, int64(3), count()) })
	st, err := libsql.LastSync(db)
	require.NoError(t, err)
	assert.NoError(t, st.LastError)
	assert.Positive(t, st.FrameNo)
}

// TestReplicaRawTransaction follows transactions opened by statements on a
// pinned connection: the statements between BEGIN and COMMIT run on the
// primary, and COMMIT makes the writes visible locally; ROLLBACK drops them.
func TestReplicaRawTransaction(t *testing.T) {
	emptyServer(t)
	db := open(t, replicaConfig(t, sqldtest.Require(t, server).URL), nil)
	require.NoError(t, db.Exec("CREATE TABLE raw_tx (id integer PRIMARY KEY)").Error)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	ctx := context.Background()
	c, err := sqlDB.Conn(ctx)
	require.NoError(t, err)
	defer c.Close()
	count := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) int {
		var n int
		require.NoError(t, q.QueryRowContext(ctx, "SELECT count(*) FROM raw_tx").Scan(&n))
		return n
	}
	for _, end := range []string{"ROLLBACK", "COMMIT"} {
		_, err = c.ExecContext(ctx, "BEGIN")
		require.NoError(t, err)
		_, err = c.ExecContext(ctx, "INSERT INTO raw_tx DEFAULT VALUES")
		require.NoError(t, err)
		assert.Equal(t, 1, count(c), "the transaction sees its write")
		assert.Equal(t, 0, count(sqlDB), "others do not")
		_, err = c.ExecContext(ctx, end)
		require.NoError(t, err)
	}
	assert.Equal(t, 1, count(c))
	assert.Equal(t, 1, count(sqlDB))
}

// TestReplicaWithoutReadYourWrites: writes are not synced after; a sync
// brings them.
func TestReplicaWithoutReadYourWrites(t *testing.T) {
	emptyServer(t)
	srv := sqldtest.Require(t, server)
	proxy := sqldtest.NewProxy(t, srv.URL)
	cfg := replicaConfig(t, proxy.URL())
	off := false
	cfg.ReadYourWrites = &off
	db := open(t, cfg, nil)
	require.NoError(t, db.Exec("CREATE TABLE ryw_off (id integer PRIMARY KEY)").Error)
	_, err := libsql.Sync(context.Background(), db)
	require.NoError(t, err)
	before := proxy.Requests()
	require.NoError(t, db.Exec("INSERT INTO ryw_off DEFAULT VALUES").Error)
	assert.Equal(t, int64(1), proxy.Requests()-before, proxy.Paths())
	var n int
	require.NoError(t, db.Raw("SELECT count(*) FROM ryw_off").Row().Scan(&n))
	assert.Equal(t, 0, n, "not synced yet")
	_, err = libsql.Sync(context.Background(), db)
	require.NoError(t, err)
	require.NoError(t, db.Raw("SELECT count(*) FROM ryw_off").Row().Scan(&n))
	assert.Equal(t, 1, n)
}

func TestReplicaBackgroundSync(t *testing.T) {
	emptyServer(t)
	cfg := replicaConfig(t, sqldtest.Require(t, server).URL)
	cfg.SyncInterval = 20 * time.Millisecond
	db := open(t, cfg, nil)
	remote := open(t, remoteConfig(t), nil)
	require.NoError(t, remote.AutoMigrate(&note{}))
	require.NoError(t, remote.Create(&note{Text: "from elsewhere"}).Error)
	require.Eventually(t, func() bool {
		var n int64
		return db.Model(&note{}).Count(&n).Error == nil && n == 1
	}, 10*time.Second, 10*time.Millisecond)
	st, err := libsql.LastSync(db)
	require.NoError(t, err)
	assert.NoError(t, st.LastError)
	assert.False(t, st.LastSync.IsZero())
}

// TestReplicaWriteNotSynced: when the primary takes a write but the sync
// after it fails, the error says the write was committed, reads keep
// working, and a later sync brings the write.
func TestReplicaWriteNotSynced(t *testing.T) {
	emptyServer(t)
	srv := sqldtest.Require(t, server)
	proxy := sqldtest.NewProxy(t, srv.URL)
	db := open(t, replicaConfig(t, proxy.URL()), nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	proxy.Refuse("/wal_log")
	err := db.Create(&note{Text: "committed"}).Error
	require.Error(t, err)
	assert.ErrorIs(t, err, libsql.ErrWriteNotSynced)
	assert.Contains(t, err.Error(), "committed on the primary")
	assert.NotContains(t, err.Error(), srv.Token())
	t.Log(err)
	st, err := libsql.LastSync(db)
	require.NoError(t, err)
	assert.Error(t, st.LastError)
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error, "reads keep working")
	assert.Equal(t, int64(0), n)
	remote := open(t, remoteConfig(t), nil)
	require.NoError(t, remote.Model(&note{}).Count(&n).Error)
	assert.Equal(t, int64(1), n, "the primary has the write")

	proxy.Refuse("")
	_, err = libsql.Sync(context.Background(), db)
	require.NoError(t, err)
	require.NoError(t, db.Model(&note{}).Count(&n).Error)
	assert.Equal(t, int64(1), n)
}
