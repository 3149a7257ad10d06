package tests

import (
	"path/filepath"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/internal/sqldtest"
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
	db := open(t, replicaConfig(t, proxy.URL), nil)
	require.NoError(t, db.AutoMigrate(&note{}))
	require.NoError(t, db.Create(&note{Text: "written"}).Error)

	before := proxy.Requests()
	var got []note
	for i := 0; i < 20; i++ {
		require.NoError(t, db.Find(&got).Error)
	}
	var n int64
	require.NoError(t, db.Model(&note{}).Count(&n).Error)
	assert.Equal(t, before, proxy.Requests(), "reads sent requests: %s", proxy.Paths())
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

	s, err := libsql.Sync(a)
	require.NoError(t, err)
	assert.Positive(t, s.FramesSynced)
	res := b.Exec(" SyNc ;")
	require.NoError(t, res.Error)
	assert.Positive(t, res.RowsAffected, "frames synced")

	require.NoError(t, a.Create(&note{Text: "from a"}).Error)
	_, err = libsql.Sync(b)
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
	_, err := libsql.Sync(local)
	assert.ErrorIs(t, err, libsql.ErrNotReplica)
	assert.ErrorIs(t, local.Exec("sync").Error, libsql.ErrNotReplica)
	remote := open(t, remoteConfig(t), nil)
	_, err = libsql.Sync(remote)
	assert.ErrorIs(t, err, libsql.ErrNotReplica)
}

func TestReplicaRefusesPlainFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plain.db")
	plain := open(t, libsql.Config{Database: path}, nil)
	require.NoError(t, plain.AutoMigrate(&note{}))
	cfg := replicaConfig(t, sqldtest.Require(t, server).URL)
	cfg.Database = path
	_, err := gorm.Open(libsql.Open(cfg), &gorm.Config{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not an embedded replica")
	assert.True(t, plain.Migrator().HasTable(&note{}), "the file is untouched")
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
	var n int64
	require.NoError(t, db.Table("raw_texts").Count(&n).Error)
	assert.Equal(t, int64(2), n)
}
