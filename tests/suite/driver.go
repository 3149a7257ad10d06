package suite

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() {
	// GORM turns its own named arguments into positional ones, so these go
	// through database/sql to reach the driver as names.
	register("Driver/ReadOnlyTransaction", func(t *testing.T, env Env) {
		db := env.Open(t)
		require.NoError(t, db.Exec("CREATE TABLE drv_ro (id integer PRIMARY KEY)").Error)
		require.NoError(t, db.Exec("INSERT INTO drv_ro (id) VALUES (1)").Error)
		sqlDB, err := db.DB()
		require.NoError(t, err)
		ctx := context.Background()
		tx, err := sqlDB.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		require.NoError(t, err)
		var n int
		require.NoError(t, tx.QueryRowContext(ctx, "SELECT count(*) FROM drv_ro").Scan(&n))
		assert.Equal(t, 1, n)
		_, err = tx.ExecContext(ctx, "INSERT INTO drv_ro (id) VALUES (2)")
		require.Error(t, err, "a read-only transaction refuses writes")
		require.NoError(t, tx.Rollback())

		// The connection writes again afterwards.
		require.NoError(t, db.Exec("INSERT INTO drv_ro (id) VALUES (3)").Error)
		require.NoError(t, db.Raw("SELECT count(*) FROM drv_ro").Row().Scan(&n))
		assert.Equal(t, 2, n)
	})

	register("Driver/NamedArguments", func(t *testing.T, env Env) {
		db := env.Open(t)
		require.NoError(t, db.Exec("CREATE TABLE drv_named (id integer PRIMARY KEY, a text, b integer, c text)").Error)
		sqlDB, err := db.DB()
		require.NoError(t, err)
		ctx := context.Background()
		nul := "x\x00y"

		res, err := sqlDB.ExecContext(ctx, "INSERT INTO drv_named (id, a, b, c) VALUES (@id, :a, $b, :a || :c)",
			sql.Named("id", 1), sql.Named("a", nul), sql.Named("b", 7), sql.Named("c", "!"))
		require.NoError(t, err)
		n, err := res.RowsAffected()
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		_, err = sqlDB.ExecContext(ctx, "INSERT INTO drv_named (id, a, b) VALUES (:id, :a, 8)",
			sql.Named("a", "plain"), sql.Named("id", 2), sql.Named("unused", "ignored"))
		require.NoError(t, err)

		var a, c string
		var b int
		require.NoError(t, sqlDB.QueryRowContext(ctx, "SELECT a, b, c FROM drv_named WHERE id = @id", sql.Named("id", 1)).Scan(&a, &b, &c))
		assert.Equal(t, nul, a)
		assert.Equal(t, 7, b)
		assert.Equal(t, nul+"!", c)

		// Inside a read-write transaction (on a replica, on the primary).
		tx, err := sqlDB.BeginTx(ctx, nil)
		require.NoError(t, err)
		defer tx.Rollback()
		_, err = tx.ExecContext(ctx, "UPDATE drv_named SET b = b + :d WHERE a = :a", sql.Named("d", 10), sql.Named("a", nul))
		require.NoError(t, err)
		var ids []int
		rows, err := tx.QueryContext(ctx, "SELECT id FROM drv_named WHERE b > :min AND a IN (:x, :y) ORDER BY id",
			sql.Named("min", 5), sql.Named("x", nul), sql.Named("y", "plain"))
		require.NoError(t, err)
		for rows.Next() {
			var id int
			require.NoError(t, rows.Scan(&id))
			ids = append(ids, id)
		}
		require.NoError(t, rows.Err())
		assert.Equal(t, []int{1, 2}, ids)
		require.NoError(t, tx.Commit())
		require.NoError(t, sqlDB.QueryRowContext(ctx, "SELECT b FROM drv_named WHERE a = :a", sql.Named("a", nul)).Scan(&b))
		assert.Equal(t, 17, b)
	})
}
