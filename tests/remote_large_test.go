package tests

import (
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tests/internal/sqldtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

type bigRow struct {
	ID   int
	Data string
}

// largeRows fills big_rows with n rows of 1000 bytes each, on the server.
func largeRows(t testing.TB, db *gorm.DB, n int) {
	t.Helper()
	require.NoError(t, db.AutoMigrate(&bigRow{}))
	require.NoError(t, db.Exec(`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)
		INSERT INTO big_rows (id, data) SELECT x, hex(zeroblob(500)) FROM c`, n).Error)
}

// TestRemoteLargeReads reads 20 MB of rows through a connection whose
// MaxResponseBytes is 1 MiB: reads stream, so the limit bounds a row, not
// the result. Find, Rows and FindInBatches, in and out of a transaction.
func TestRemoteLargeReads(t *testing.T) {
	emptyServer(t)
	srv := sqldtest.Require(t, server)
	db := open(t, libsql.Config{URL: srv.URL, AuthToken: srv.Token(), MaxResponseBytes: 1 << 20}, nil)
	const n = 20000
	largeRows(t, db, n)

	var all []bigRow
	require.NoError(t, db.Order("id").Find(&all).Error)
	require.Len(t, all, n)
	assert.Len(t, all[n-1].Data, 1000)
	all = nil

	count := func(tx *gorm.DB) int {
		rows, err := tx.Model(&bigRow{}).Order("id").Rows()
		require.NoError(t, err)
		defer rows.Close()
		seen := 0
		for rows.Next() {
			var r bigRow
			require.NoError(t, tx.ScanRows(rows, &r))
			seen++
			require.Equal(t, seen, r.ID)
		}
		require.NoError(t, rows.Err())
		return seen
	}
	assert.Equal(t, n, count(db))

	batches, seen := 0, 0
	var batch []bigRow
	require.NoError(t, db.FindInBatches(&batch, 5000, func(tx *gorm.DB, _ int) error {
		batches++
		seen += len(batch)
		return nil
	}).Error)
	assert.Equal(t, 4, batches)
	assert.Equal(t, n, seen)

	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		assert.Equal(t, n, count(tx))
		return tx.Create(&bigRow{ID: n + 1, Data: "after"}).Error
	}))
	var last bigRow
	require.NoError(t, db.Last(&last).Error)
	assert.Equal(t, "after", last.Data)
}

// TestRemoteRowsLeftOpen: in a transaction, rows closed before their end
// leave the transaction usable, and a statement run while rows are open
// (20 MB of them, more than the sockets' buffers hold) reads the rest of
// them first, as the Hrana spec asks: nothing else is sent on a stream
// while a cursor on it is open.
func TestRemoteRowsLeftOpen(t *testing.T) {
	emptyServer(t)
	db := open(t, remoteConfig(t), nil)
	largeRows(t, db, 20000)
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		rows, err := tx.Model(&bigRow{}).Order("id").Rows()
		require.NoError(t, err)
		require.True(t, rows.Next())
		require.NoError(t, rows.Close(), "closed after one row of 20000")
		require.NoError(t, tx.Create(&bigRow{ID: 20001, Data: "a"}).Error)

		rows, err = tx.Model(&bigRow{}).Where("id <= 20000").Order("id").Rows()
		require.NoError(t, err)
		defer rows.Close()
		require.True(t, rows.Next())
		require.NoError(t, tx.Create(&bigRow{ID: 20002, Data: "b"}).Error, "while rows are open")
		seen := 1
		for rows.Next() {
			seen++
		}
		require.NoError(t, rows.Err())
		assert.Equal(t, 20000, seen)
		return nil
	}))
	var n int64
	require.NoError(t, db.Model(&bigRow{}).Count(&n).Error)
	assert.Equal(t, int64(20002), n)
}
