// Package workload defines the benchmark workloads once, for GORM and for
// plain database/sql, so that every backend binary runs the same code. It
// imports no database driver: the backends' binaries bring their own, which
// is what lets go-libsql and mattn/go-sqlite3 be measured side by side.
package workload

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Item is the row every workload reads and writes: the column mix of a
// typical application table (text, integer, real, boolean, timestamps).
type Item struct {
	ID        int64 `gorm:"primaryKey"`
	Name      string
	Email     string
	Age       int
	Score     float64
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Schema creates the items table. It is plain SQL, not AutoMigrate, so that
// every backend measures the same table; it matches what AutoMigrate writes
// on both dialects (AUTOINCREMENT key, DATETIME timestamps).
var Schema = []string{
	"DROP TABLE IF EXISTS items",
	"CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT NOT NULL, " +
		"age INTEGER NOT NULL, score REAL NOT NULL, active NUMERIC NOT NULL, created_at DATETIME, updated_at DATETIME)",
	"CREATE INDEX idx_items_name ON items(name)",
}

const columns = "name, email, age, score, active, created_at, updated_at"

// selectColumns is what the SQL floor reads; GORM reads the same with *.
const selectColumns = "id, " + columns

// nameGroups is how many distinct names the rows share, so that a WHERE on
// the indexed name matches SeedRows/nameGroups rows.
const nameGroups = 10

// NewItem is the i-th generated row.
func NewItem(i int) Item {
	now := time.Now()
	return Item{
		Name:      "name-" + strconv.Itoa(i%nameGroups),
		Email:     "user" + strconv.Itoa(i) + "@example.com",
		Age:       18 + i%60,
		Score:     float64(i) * 0.5,
		Active:    i%2 == 0,
		CreatedAt: now,
		UpdatedAt: now,
	}
}

func (it *Item) args() []any {
	return []any{it.Name, it.Email, it.Age, it.Score, it.Active, it.CreatedAt, it.UpdatedAt}
}

func scanItem(sc interface{ Scan(...any) error }, it *Item) error {
	return sc.Scan(&it.ID, &it.Name, &it.Email, &it.Age, &it.Score, &it.Active, &it.CreatedAt, &it.UpdatedAt)
}

// Op runs the i-th operation of a workload.
type Op func(ctx context.Context, i int) error

// Workload is one measured operation, written for both APIs. Prepare
// functions run untimed and return the timed operation; total is how many
// operations will run (warm-up included), so that they can generate their
// inputs up front and seed enough rows.
type Workload struct {
	// Name is the short key used on the command line and in results.
	Name string
	// Title describes the operation in the table.
	Title string
	// Ops is how many operations a measurement times at scale 1.
	Ops int
	// Workers is how many goroutines share the operations.
	Workers int
	// Seed is how many rows the table holds before timing; SeedPerOp adds
	// one row per operation (for DELETE).
	Seed      int
	SeedPerOp bool
	// RowsPerOp is how many rows one operation writes or reads, for context.
	RowsPerOp int
	// GORM prepares the operation on a *gorm.DB.
	GORM func(db *gorm.DB, total int) Op
	// SQL prepares the engine's floor: the same operation in plain
	// database/sql, the least work any ORM on that driver could do.
	SQL func(db *sql.DB, total int) (Op, error)
}

// SeedRows is how many rows to seed for a measurement of total operations.
func (w *Workload) SeedRows(total int) int {
	if w.SeedPerOp {
		return w.Seed + total
	}
	return w.Seed
}

const bulkRows, bulkBatch = 10000, 500

// All lists the workloads in table order.
var All = []*Workload{
	{
		Name: "insert", Title: "INSERT one row", Ops: 5000, Workers: 1, RowsPerOp: 1,
		GORM: gormInsert, SQL: sqlInsert,
	},
	{
		Name: "select100", Title: "SELECT all of 100 rows", Ops: 1500, Workers: 1, Seed: 100, RowsPerOp: 100,
		GORM: func(db *gorm.DB, _ int) Op {
			return func(ctx context.Context, _ int) error {
				var items []Item
				if err := db.WithContext(ctx).Find(&items).Error; err != nil {
					return err
				}
				return wantRows(len(items), 100)
			}
		},
		SQL: func(db *sql.DB, _ int) (Op, error) {
			return func(ctx context.Context, _ int) error {
				items, err := queryItems(ctx, db, "SELECT "+selectColumns+" FROM items")
				if err != nil {
					return err
				}
				return wantRows(len(items), 100)
			}, nil
		},
	},
	{
		Name: "where", Title: "SELECT WHERE indexed column (10 of 100 rows)", Ops: 10000, Workers: 1, Seed: 100,
		RowsPerOp: 100 / nameGroups,
		GORM: func(db *gorm.DB, _ int) Op {
			return func(ctx context.Context, i int) error {
				var items []Item
				if err := db.WithContext(ctx).Where("name = ?", groupName(i)).Find(&items).Error; err != nil {
					return err
				}
				return wantRows(len(items), 100/nameGroups)
			}
		},
		SQL: func(db *sql.DB, _ int) (Op, error) {
			q := "SELECT " + selectColumns + " FROM items WHERE name = ?"
			return func(ctx context.Context, i int) error {
				items, err := queryItems(ctx, db, q, groupName(i))
				if err != nil {
					return err
				}
				return wantRows(len(items), 100/nameGroups)
			}, nil
		},
	},
	{
		Name: "find", Title: "Find by id", Ops: 20000, Workers: 1, Seed: 100, RowsPerOp: 1,
		GORM: gormFind, SQL: sqlFind,
	},
	{
		Name: "update", Title: "UPDATE one row", Ops: 5000, Workers: 1, Seed: 100, RowsPerOp: 1,
		GORM: func(db *gorm.DB, _ int) Op {
			return func(ctx context.Context, i int) error {
				res := db.WithContext(ctx).Model(&Item{ID: int64(i%100 + 1)}).Update("score", float64(i))
				if res.Error != nil {
					return res.Error
				}
				return wantRows(int(res.RowsAffected), 1)
			}
		},
		SQL: func(db *sql.DB, _ int) (Op, error) {
			return func(ctx context.Context, i int) error {
				res, err := db.ExecContext(ctx, "UPDATE items SET score = ?, updated_at = ? WHERE id = ?", float64(i), time.Now(), i%100+1)
				return wantAffected(res, err, 1)
			}, nil
		},
	},
	{
		Name: "delete", Title: "DELETE one row", Ops: 5000, Workers: 1, SeedPerOp: true, RowsPerOp: 1,
		GORM: func(db *gorm.DB, _ int) Op {
			return func(ctx context.Context, i int) error {
				res := db.WithContext(ctx).Delete(&Item{}, i+1)
				if res.Error != nil {
					return res.Error
				}
				return wantRows(int(res.RowsAffected), 1)
			}
		},
		SQL: func(db *sql.DB, _ int) (Op, error) {
			return func(ctx context.Context, i int) error {
				res, err := db.ExecContext(ctx, "DELETE FROM items WHERE id = ?", i+1)
				return wantAffected(res, err, 1)
			}, nil
		},
	},
	{
		Name: "tx10", Title: "Transaction of 10 inserts", Ops: 300, Workers: 1, RowsPerOp: 10,
		GORM: func(db *gorm.DB, total int) Op {
			items := newItems(total * 10)
			return func(ctx context.Context, i int) error {
				return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
					for j := range 10 {
						if err := tx.Create(&items[i*10+j]).Error; err != nil {
							return err
						}
					}
					return nil
				})
			}
		},
		SQL: func(db *sql.DB, total int) (Op, error) {
			items := newItems(total * 10)
			return func(ctx context.Context, i int) error {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					return err
				}
				for j := range 10 {
					if _, err := tx.ExecContext(ctx, insertSQL, items[i*10+j].args()...); err != nil {
						tx.Rollback()
						return err
					}
				}
				return tx.Commit()
			}, nil
		},
	},
	{
		Name: "bulk", Title: "Bulk insert 10,000 rows (batches of 500)", Ops: 5, Workers: 1, RowsPerOp: bulkRows,
		GORM: func(db *gorm.DB, total int) Op {
			batches := bulkInputs(total)
			return func(ctx context.Context, i int) error {
				res := db.WithContext(ctx).CreateInBatches(batches[i], bulkBatch)
				if res.Error != nil {
					return res.Error
				}
				return wantRows(int(res.RowsAffected), bulkRows)
			}
		},
		SQL: func(db *sql.DB, total int) (Op, error) {
			batches := bulkInputs(total)
			q := multiInsertSQL(bulkBatch)
			args := make([]any, 0, bulkBatch*7)
			return func(ctx context.Context, i int) error {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					return err
				}
				rows := batches[i]
				for start := 0; start < len(rows); start += bulkBatch {
					args = args[:0]
					for k := start; k < start+bulkBatch; k++ {
						args = append(args, rows[k].args()...)
					}
					if _, err := tx.ExecContext(ctx, q, args...); err != nil {
						tx.Rollback()
						return err
					}
				}
				return tx.Commit()
			}, nil
		},
	},
	{
		Name: "batch10", Title: "Batch of 10 inserts (one request remotely)", Ops: 300, Workers: 1, RowsPerOp: 10,
		GORM: func(db *gorm.DB, total int) Op {
			items := newItems(total * 10)
			return func(ctx context.Context, i int) error {
				return batchOrTransaction(ctx, db, func(b *gorm.DB) error {
					for j := range 10 {
						b.Create(&items[i*10+j])
					}
					return nil
				})
			}
		},
	},
	{
		Name: "bulkbatch", Title: "Bulk insert 10,000 rows as one batch (chunks of 500)", Ops: 5, Workers: 1, RowsPerOp: bulkRows,
		GORM: func(db *gorm.DB, total int) Op {
			batches := bulkInputs(total)
			return func(ctx context.Context, i int) error {
				if err := batchOrTransaction(ctx, db, func(b *gorm.DB) error {
					return b.CreateInBatches(batches[i], bulkBatch).Error
				}); err != nil {
					return err
				}
				if batches[i][bulkRows-1].ID == 0 {
					return fmt.Errorf("bulk batch %d: ids not filled in", i)
				}
				return nil
			}
		},
	},
	{
		Name: "readers8", Title: "8 concurrent readers (find by id)", Ops: 40000, Workers: 8, Seed: 100, RowsPerOp: 1,
		GORM: gormFind, SQL: sqlFind,
	},
	{
		Name: "writers4", Title: "4 concurrent writers (INSERT one row)", Ops: 1000, Workers: 4, RowsPerOp: 1,
		GORM: gormInsert, SQL: sqlInsert,
	},
}

// The floor of a batch is the same writes in a transaction: the batch
// workloads share the SQL of the transaction workloads.
func init() {
	for batch, tx := range map[string]string{"batch10": "tx10", "bulkbatch": "bulk"} {
		b, _ := ByName(batch)
		t, _ := ByName(tx)
		b.SQL = t.SQL
	}
}

// Batcher sends the writes build makes as one batch, when the binary's
// dialect has a batch API (bench-libsql sets it to libsql.Batch). Without
// one, the batch workloads run the same writes in a transaction, which is
// what a batch replaces.
var Batcher func(ctx context.Context, db *gorm.DB, build func(b *gorm.DB) error) error

func batchOrTransaction(ctx context.Context, db *gorm.DB, build func(b *gorm.DB) error) error {
	if Batcher != nil {
		return Batcher(ctx, db, build)
	}
	return db.WithContext(ctx).Transaction(build)
}

// ByName finds a workload.
func ByName(name string) (*Workload, bool) {
	for _, w := range All {
		if w.Name == name {
			return w, true
		}
	}
	return nil, false
}

var insertSQL = "INSERT INTO items (" + columns + ") VALUES (?, ?, ?, ?, ?, ?, ?)"

func multiInsertSQL(rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO items (" + columns + ") VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
	}
	return b.String()
}

func gormInsert(db *gorm.DB, total int) Op {
	items := newItems(total)
	return func(ctx context.Context, i int) error {
		if err := db.WithContext(ctx).Create(&items[i]).Error; err != nil {
			return err
		}
		if items[i].ID == 0 {
			return fmt.Errorf("insert %d: GORM did not set the primary key", i)
		}
		return nil
	}
}

func sqlInsert(db *sql.DB, total int) (Op, error) {
	items := newItems(total)
	return func(ctx context.Context, i int) error {
		res, err := db.ExecContext(ctx, insertSQL, items[i].args()...)
		return wantAffected(res, err, 1)
	}, nil
}

func gormFind(db *gorm.DB, _ int) Op {
	return func(ctx context.Context, i int) error {
		var it Item
		if err := db.WithContext(ctx).First(&it, i%100+1).Error; err != nil {
			return err
		}
		return wantRows(int(it.ID), i%100+1)
	}
}

func sqlFind(db *sql.DB, _ int) (Op, error) {
	q := "SELECT " + selectColumns + " FROM items WHERE id = ?"
	return func(ctx context.Context, i int) error {
		var it Item
		if err := scanItem(db.QueryRowContext(ctx, q, i%100+1), &it); err != nil {
			return err
		}
		return wantRows(int(it.ID), i%100+1)
	}, nil
}

func groupName(i int) string { return "name-" + strconv.Itoa(i%nameGroups) }

// bulkInputs generates the rows of total bulk operations.
func bulkInputs(total int) [][]Item {
	batches := make([][]Item, total)
	for i := range batches {
		batches[i] = newItems(bulkRows)
	}
	return batches
}

func newItems(n int) []Item {
	items := make([]Item, n)
	for i := range items {
		items[i] = NewItem(i)
	}
	return items
}

func queryItems(ctx context.Context, db *sql.DB, q string, args ...any) ([]Item, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var items []Item
	for rows.Next() {
		var it Item
		if err := scanItem(rows, &it); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

// wantRows turns a wrong row count into an error, so that a backend that
// silently does less work cannot look fast.
func wantRows(got, want int) error {
	if got != want {
		return fmt.Errorf("got %d, want %d", got, want)
	}
	return nil
}

func wantAffected(res sql.Result, err error, want int) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	return wantRows(int(n), want)
}

// Seed creates the table and fills it with n generated rows in one
// transaction, untimed, through plain SQL so that every backend starts from
// the same data. Row i+1 is NewItem(i).
func Seed(ctx context.Context, db *sql.DB, n int) error {
	for _, s := range Schema {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
	}
	if n == 0 {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	const chunk = 200
	args := make([]any, 0, chunk*7)
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		args = args[:0]
		for i := start; i < end; i++ {
			it := NewItem(i)
			args = append(args, it.args()...)
		}
		if _, err := tx.ExecContext(ctx, multiInsertSQL(end-start), args...); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	return tx.Commit()
}
