package suite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type crudUser struct {
	ID        uint
	Name      string
	Email     string `gorm:"uniqueIndex"`
	Age       int
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

func init() {
	register("CRUD", testCRUD)
	register("CRUD/PrepareStmt", func(t *testing.T, env Env) {
		db := env.OpenWith(t, &gorm.Config{PrepareStmt: true, TranslateError: true})
		require.NoError(t, db.AutoMigrate(&crudUser{}))
		crudRoundTrip(t, db)
		// Prepared statements also serve transactions and savepoints.
		err := db.Transaction(func(tx *gorm.DB) error {
			require.NoError(t, tx.Create(&crudUser{Name: "tx", Email: "tx@x"}).Error)
			inner := tx.Transaction(func(tx2 *gorm.DB) error {
				require.NoError(t, tx2.Create(&crudUser{Name: "inner", Email: "inner@x"}).Error)
				return errors.New("undo inner")
			})
			require.EqualError(t, inner, "undo inner")
			return nil
		})
		require.NoError(t, err)
		var names []string
		require.NoError(t, db.Model(&crudUser{}).Where("email IN ?", []string{"tx@x", "inner@x"}).Pluck("name", &names).Error)
		assert.Equal(t, []string{"tx"}, names)
		err = db.Create(&crudUser{Name: "dup", Email: "tx@x"}).Error
		assert.ErrorIs(t, err, gorm.ErrDuplicatedKey)
	})
	register("Hooks", testHooks)
	register("SoftDelete", testSoftDelete)
	register("Upsert/DoNothing", testUpsertDoNothing)
	register("Upsert/DoUpdates", testUpsertDoUpdates)
	register("Upsert/UpdateAll", testUpsertUpdateAll)
	register("Returning/Create", testReturningCreate)
	register("Returning/Update", testReturningUpdate)
	register("Returning/Delete", testReturningDelete)
	register("Batches/CreateInBatches", testCreateInBatches)
	register("Batches/FindInBatches", testFindInBatches)
	register("Batches/RowsScanRows", testRowsScanRows)
	register("Query/LimitOffset", testLimitOffset)
	register("Query/Locking", testLocking)
	register("Query/DryRunToSQL", testDryRunToSQL)
	register("Query/Explain", testExplain)
}

func testCRUD(t *testing.T, env Env) {
	crudRoundTrip(t, migrate(t, env, &crudUser{}))
}

// crudRoundTrip runs create, read, update and delete on an empty crud_users.
func crudRoundTrip(t *testing.T, db *gorm.DB) {
	t.Helper()
	u := crudUser{Name: "ann", Email: "ann@x", Age: 30, Active: true}
	res := db.Create(&u)
	require.NoError(t, res.Error)
	assert.Equal(t, int64(1), res.RowsAffected)
	require.NotZero(t, u.ID)
	assert.False(t, u.CreatedAt.IsZero())

	var got crudUser
	require.NoError(t, db.First(&got, u.ID).Error)
	assert.Equal(t, "ann", got.Name)
	assert.Equal(t, 30, got.Age)
	assert.True(t, got.Active)
	assert.True(t, got.CreatedAt.Equal(u.CreatedAt), "%v != %v", got.CreatedAt, u.CreatedAt)

	require.NoError(t, db.Create(&[]crudUser{{Name: "bob", Email: "bob@x", Age: 20}, {Name: "cy", Email: "cy@x", Age: 40}}).Error)
	var adults []crudUser
	require.NoError(t, db.Where("age >= ?", 30).Order("age").Find(&adults).Error)
	require.Len(t, adults, 2)
	assert.Equal(t, []string{"ann", "cy"}, []string{adults[0].Name, adults[1].Name})

	res = db.Model(&crudUser{}).Where("age < ?", 35).Update("active", true)
	require.NoError(t, res.Error)
	assert.Equal(t, int64(2), res.RowsAffected)
	require.NoError(t, db.Model(&got).Updates(map[string]any{"name": "anne", "age": 31}).Error)
	require.NoError(t, db.Model(&got).Updates(crudUser{Email: "anne@x"}).Error)
	got.Age = 32
	require.NoError(t, db.Save(&got).Error)
	var reread crudUser
	require.NoError(t, db.Where("email = ?", "anne@x").Take(&reread).Error)
	assert.Equal(t, "anne", reread.Name)
	assert.Equal(t, 32, reread.Age)

	var n int64
	require.NoError(t, db.Model(&crudUser{}).Where("active = ?", true).Count(&n).Error)
	assert.Equal(t, int64(2), n)

	res = db.Delete(&crudUser{}, got.ID)
	require.NoError(t, res.Error)
	assert.Equal(t, int64(1), res.RowsAffected)
	err := db.First(&crudUser{}, got.ID).Error
	assert.ErrorIs(t, err, gorm.ErrRecordNotFound)
	res = db.Where("1 = 1").Delete(&crudUser{})
	require.NoError(t, res.Error)
	assert.Equal(t, int64(2), res.RowsAffected)
}

type hookItem struct {
	ID    uint
	Name  string
	Trace string
	log   []string
}

func (h *hookItem) BeforeSave(tx *gorm.DB) error {
	h.log = append(h.log, "BeforeSave")
	return nil
}

func (h *hookItem) BeforeCreate(tx *gorm.DB) error {
	h.log = append(h.log, "BeforeCreate")
	if h.Name == "reject" {
		return errors.New("rejected by hook")
	}
	h.Trace = "created"
	return nil
}

func (h *hookItem) AfterCreate(tx *gorm.DB) error {
	h.log = append(h.log, "AfterCreate")
	if h.Name == "fail-after" {
		return errors.New("failed after insert")
	}
	return nil
}

func (h *hookItem) AfterSave(tx *gorm.DB) error {
	h.log = append(h.log, "AfterSave")
	return nil
}

func (h *hookItem) BeforeUpdate(tx *gorm.DB) error {
	h.log = append(h.log, "BeforeUpdate")
	h.Trace = "updated"
	return nil
}

func (h *hookItem) AfterUpdate(tx *gorm.DB) error {
	h.log = append(h.log, "AfterUpdate")
	return nil
}

func (h *hookItem) AfterFind(tx *gorm.DB) error {
	h.log = append(h.log, "AfterFind")
	return nil
}

func (h *hookItem) BeforeDelete(tx *gorm.DB) error {
	h.log = append(h.log, "BeforeDelete")
	if h.Name == "keep" {
		return errors.New("kept by hook")
	}
	return nil
}

func (h *hookItem) AfterDelete(tx *gorm.DB) error {
	h.log = append(h.log, "AfterDelete")
	return nil
}

func testHooks(t *testing.T, env Env) {
	db := migrate(t, env, &hookItem{})

	h := hookItem{Name: "a"}
	require.NoError(t, db.Create(&h).Error)
	assert.Equal(t, []string{"BeforeSave", "BeforeCreate", "AfterCreate", "AfterSave"}, h.log)

	var found hookItem
	require.NoError(t, db.First(&found, h.ID).Error)
	assert.Equal(t, "created", found.Trace, "the value set in BeforeCreate is stored")
	assert.Equal(t, []string{"AfterFind"}, found.log)

	found.log = nil
	found.Name = "b"
	require.NoError(t, db.Save(&found).Error)
	assert.Equal(t, []string{"BeforeSave", "BeforeUpdate", "AfterUpdate", "AfterSave"}, found.log)
	var reread hookItem
	require.NoError(t, db.First(&reread, h.ID).Error)
	assert.Equal(t, "updated", reread.Trace)

	// A failing hook aborts the statement, and an error after the INSERT
	// rolls it back with the default transaction.
	require.EqualError(t, db.Create(&hookItem{Name: "reject"}).Error, "rejected by hook")
	require.EqualError(t, db.Create(&hookItem{Name: "fail-after"}).Error, "failed after insert")
	assert.Equal(t, int64(1), count(t, db, &hookItem{}))

	keep := hookItem{Name: "keep"}
	require.NoError(t, db.Create(&keep).Error)
	require.EqualError(t, db.Delete(&keep).Error, "kept by hook")
	assert.Equal(t, int64(2), count(t, db, &hookItem{}))
	reread.log = nil
	require.NoError(t, db.Delete(&reread).Error)
	assert.Equal(t, []string{"BeforeDelete", "AfterDelete"}, reread.log)
	assert.Equal(t, int64(1), count(t, db, &hookItem{}))
}

type softNote struct {
	ID        uint
	Body      string
	DeletedAt gorm.DeletedAt `gorm:"index"`
}

func testSoftDelete(t *testing.T, env Env) {
	db := migrate(t, env, &softNote{})
	notes := []softNote{{Body: "a"}, {Body: "b"}, {Body: "c"}}
	require.NoError(t, db.Create(&notes).Error)

	before := time.Now().Add(-time.Second)
	res := db.Delete(&notes[0])
	require.NoError(t, res.Error)
	assert.Equal(t, int64(1), res.RowsAffected)

	var visible []softNote
	require.NoError(t, db.Order("id").Find(&visible).Error)
	require.Len(t, visible, 2)
	assert.Equal(t, "b", visible[0].Body)
	assert.ErrorIs(t, db.First(&softNote{}, notes[0].ID).Error, gorm.ErrRecordNotFound)

	var deleted softNote
	require.NoError(t, db.Unscoped().First(&deleted, notes[0].ID).Error)
	require.True(t, deleted.DeletedAt.Valid)
	assert.True(t, deleted.DeletedAt.Time.After(before), "deleted_at %v", deleted.DeletedAt.Time)

	var n int64
	require.NoError(t, db.Unscoped().Model(&softNote{}).Where("deleted_at IS NOT NULL").Count(&n).Error)
	assert.Equal(t, int64(1), n)

	// Restoring clears the mark; Unscoped deletes for good.
	require.NoError(t, db.Unscoped().Model(&deleted).Update("deleted_at", nil).Error)
	require.NoError(t, db.First(&softNote{}, notes[0].ID).Error)
	require.NoError(t, db.Unscoped().Delete(&notes[1]).Error)
	assert.Equal(t, int64(2), count(t, db, &softNote{}))
}

type upsertItem struct {
	ID    uint
	Code  string `gorm:"uniqueIndex"`
	Name  string
	Stock int
}

func seedUpsert(t *testing.T, env Env) (*gorm.DB, upsertItem) {
	db := migrate(t, env, &upsertItem{})
	first := upsertItem{Code: "A", Name: "apple", Stock: 1}
	require.NoError(t, db.Create(&first).Error)
	require.NotZero(t, first.ID)
	return db, first
}

func testUpsertDoNothing(t *testing.T, env Env) {
	db, first := seedUpsert(t, env)
	dup := upsertItem{Code: "A", Name: "avocado", Stock: 9}
	res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&dup)
	require.NoError(t, res.Error)
	assert.Equal(t, int64(0), res.RowsAffected)
	assert.Zero(t, dup.ID, "no row was written, so no id is returned")

	fresh := upsertItem{Code: "B", Name: "banana"}
	res = db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "code"}}, DoNothing: true}).Create(&fresh)
	require.NoError(t, res.Error)
	assert.Equal(t, int64(1), res.RowsAffected)
	assert.NotZero(t, fresh.ID)

	var got upsertItem
	require.NoError(t, db.First(&got, first.ID).Error)
	assert.Equal(t, "apple", got.Name)
	assert.Equal(t, int64(2), count(t, db, &upsertItem{}))
}

func testUpsertDoUpdates(t *testing.T, env Env) {
	db, first := seedUpsert(t, env)
	items := []upsertItem{{Code: "A", Name: "apricot", Stock: 5}, {Code: "C", Name: "cherry", Stock: 7}}
	err := db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "code"}},
		DoUpdates: clause.AssignmentColumns([]string{"name"}),
	}).Create(&items).Error
	require.NoError(t, err)
	assert.Equal(t, first.ID, items[0].ID, "the conflicting row reports the existing id")
	assert.NotZero(t, items[1].ID)

	var got upsertItem
	require.NoError(t, db.First(&got, first.ID).Error)
	assert.Equal(t, "apricot", got.Name)
	assert.Equal(t, 1, got.Stock, "only the listed columns are updated")

	// An expression assignment sees the existing row and the excluded one.
	err = db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "code"}},
		DoUpdates: clause.Assignments(map[string]any{"stock": gorm.Expr("stock + excluded.stock")}),
	}).Create(&upsertItem{Code: "A", Name: "ignored", Stock: 10}).Error
	require.NoError(t, err)
	require.NoError(t, db.First(&got, first.ID).Error)
	assert.Equal(t, 11, got.Stock)
	assert.Equal(t, "apricot", got.Name)
}

func testUpsertUpdateAll(t *testing.T, env Env) {
	db, first := seedUpsert(t, env)
	again := upsertItem{ID: first.ID, Code: "A", Name: "almond", Stock: 3}
	require.NoError(t, db.Clauses(clause.OnConflict{UpdateAll: true}).Create(&again).Error)
	var got upsertItem
	require.NoError(t, db.First(&got, first.ID).Error)
	assert.Equal(t, upsertItem{ID: first.ID, Code: "A", Name: "almond", Stock: 3}, got)
	assert.Equal(t, int64(1), count(t, db, &upsertItem{}))

	// Save on a struct with a primary key is GORM's own upsert.
	got.Stock = 4
	require.NoError(t, db.Save(&got).Error)
	require.NoError(t, db.Save(&upsertItem{ID: 77, Code: "Z", Name: "zest"}).Error)
	var ids []uint
	require.NoError(t, db.Model(&upsertItem{}).Order("id").Pluck("id", &ids).Error)
	assert.Equal(t, []uint{first.ID, 77}, ids)
}

type retItem struct {
	ID      uint
	Name    string
	Price   int
	Code    string `gorm:"default:(lower(hex(randomblob(4))))"`
	Version int    `gorm:"default:1"`
}

func seedReturning(t *testing.T, env Env) *gorm.DB {
	db := migrate(t, env, &retItem{})
	require.NoError(t, db.Create(&[]retItem{{Name: "a", Price: 1}, {Name: "b", Price: 2}, {Name: "c", Price: 3}}).Error)
	return db
}

func testReturningCreate(t *testing.T, env Env) {
	db := migrate(t, env, &retItem{})
	item := retItem{Name: "x", Price: 5}
	require.NoError(t, db.Create(&item).Error)
	assert.NotZero(t, item.ID)
	assert.Len(t, item.Code, 8, "a database default comes back through RETURNING")
	assert.Equal(t, 1, item.Version)

	var stored retItem
	require.NoError(t, db.First(&stored, item.ID).Error)
	assert.Equal(t, item, stored)

	all := retItem{Name: "y", Price: 6}
	require.NoError(t, db.Clauses(clause.Returning{}).Create(&all).Error)
	assert.NotZero(t, all.ID)
	assert.Len(t, all.Code, 8)
}

func testReturningUpdate(t *testing.T, env Env) {
	db := seedReturning(t, env)
	var changed []retItem
	res := db.Model(&changed).Clauses(clause.Returning{}).Where("price >= ?", 2).
		Update("price", gorm.Expr("price * 10"))
	require.NoError(t, res.Error)
	assert.Equal(t, int64(2), res.RowsAffected)
	require.Len(t, changed, 2)
	prices := map[string]int{}
	for _, c := range changed {
		prices[c.Name] = c.Price
		assert.Len(t, c.Code, 8)
	}
	assert.Equal(t, map[string]int{"b": 20, "c": 30}, prices)

	var one retItem
	res = db.Model(&one).Clauses(clause.Returning{Columns: []clause.Column{{Name: "id"}, {Name: "name"}}}).
		Where("name = ?", "a").Update("name", "a2")
	require.NoError(t, res.Error)
	assert.Equal(t, "a2", one.Name)
	assert.NotZero(t, one.ID)
	assert.Zero(t, one.Price, "only the listed columns are returned")
}

func testReturningDelete(t *testing.T, env Env) {
	db := seedReturning(t, env)
	var gone []retItem
	res := db.Clauses(clause.Returning{}).Where("price < ?", 3).Delete(&gone)
	require.NoError(t, res.Error)
	assert.Equal(t, int64(2), res.RowsAffected)
	require.Len(t, gone, 2)
	names := []string{gone[0].Name, gone[1].Name}
	assert.ElementsMatch(t, []string{"a", "b"}, names)
	assert.Len(t, gone[0].Code, 8)
	assert.Equal(t, int64(1), count(t, db, &retItem{}))
}

type batchRow struct {
	ID  uint
	N   int
	Tag string `gorm:"default:(upper('dflt'))"`
}

func testCreateInBatches(t *testing.T, env Env) {
	db := migrate(t, env, &batchRow{})
	var statements int
	require.NoError(t, db.Callback().Create().After("gorm:create").Register("suite:count", func(tx *gorm.DB) {
		statements++
	}))
	rows := make([]batchRow, 10)
	for i := range rows {
		rows[i].N = i
		if i%2 == 0 {
			rows[i].Tag = fmt.Sprintf("t%d", i)
		}
	}
	res := db.CreateInBatches(&rows, 3)
	require.NoError(t, res.Error)
	assert.Equal(t, int64(10), res.RowsAffected)
	assert.Equal(t, 4, statements)
	seen := map[uint]bool{}
	for i, r := range rows {
		require.NotZero(t, r.ID)
		assert.False(t, seen[r.ID], "ids are distinct")
		seen[r.ID] = true
		if i%2 == 0 {
			assert.Equal(t, fmt.Sprintf("t%d", i), r.Tag)
		}
	}
	var stored []batchRow
	require.NoError(t, db.Order("n").Find(&stored).Error)
	require.Len(t, stored, 10)
	for i, r := range stored {
		assert.Equal(t, rows[i].ID, r.ID)
		if i%2 == 0 {
			assert.Equal(t, fmt.Sprintf("t%d", i), r.Tag)
		} else {
			assert.Equal(t, "DFLT", r.Tag, "a row that left the field unset gets the column default")
		}
	}
}

func testFindInBatches(t *testing.T, env Env) {
	db := migrate(t, env, &batchRow{})
	rows := make([]batchRow, 25)
	for i := range rows {
		rows[i].N = i
	}
	require.NoError(t, db.Create(&rows).Error)

	var sizes []int
	var sum int
	var batch []batchRow
	res := db.Where("n >= ?", 3).FindInBatches(&batch, 10, func(tx *gorm.DB, n int) error {
		sizes = append(sizes, len(batch))
		for _, r := range batch {
			sum += r.N
		}
		return tx.Model(&batchRow{}).Where("id IN ?", ids(batch)).Update("tag", fmt.Sprintf("batch%d", n)).Error
	})
	require.NoError(t, res.Error)
	assert.Equal(t, int64(22), res.RowsAffected)
	assert.Equal(t, []int{10, 10, 2}, sizes)
	assert.Equal(t, 300-3, sum)
	var tags []string
	require.NoError(t, db.Model(&batchRow{}).Distinct("tag").Order("tag").Pluck("tag", &tags).Error)
	assert.Equal(t, []string{"DFLT", "batch1", "batch2", "batch3"}, tags)

	stop := errors.New("stop")
	res = db.FindInBatches(&batch, 5, func(*gorm.DB, int) error { return stop })
	assert.ErrorIs(t, res.Error, stop)
}

func ids(rows []batchRow) []uint {
	out := make([]uint, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

func testRowsScanRows(t *testing.T, env Env) {
	db := migrate(t, env, &batchRow{})
	rows := make([]batchRow, 50)
	for i := range rows {
		rows[i].N = i * 2
	}
	require.NoError(t, db.CreateInBatches(&rows, 20).Error)

	cur, err := db.Model(&batchRow{}).Where("n % 4 = 0").Order("n").Rows()
	require.NoError(t, err)
	defer cur.Close()
	var got []int
	for cur.Next() {
		var r batchRow
		require.NoError(t, db.ScanRows(cur, &r))
		got = append(got, r.N)
		assert.NotZero(t, r.ID)
	}
	require.NoError(t, cur.Err())
	require.Len(t, got, 25)
	for i, n := range got {
		assert.Equal(t, i*4, n)
	}

	raw, err := db.Raw("SELECT n, tag FROM batch_rows WHERE n < ? ORDER BY n DESC", 6).Rows()
	require.NoError(t, err)
	defer raw.Close()
	var ns []int
	for raw.Next() {
		var n int
		var tag string
		require.NoError(t, raw.Scan(&n, &tag))
		assert.Equal(t, "DFLT", tag)
		ns = append(ns, n)
	}
	require.NoError(t, raw.Err())
	assert.Equal(t, []int{4, 2, 0}, ns)
}

func testLimitOffset(t *testing.T, env Env) {
	db := migrate(t, env, &batchRow{})
	rows := make([]batchRow, 10)
	for i := range rows {
		rows[i].N = i
	}
	require.NoError(t, db.Create(&rows).Error)
	ns := func(tx *gorm.DB) []int {
		t.Helper()
		var out []int
		require.NoError(t, tx.Model(&batchRow{}).Order("n").Pluck("n", &out).Error)
		return out
	}
	assert.Equal(t, []int{0, 1, 2}, ns(db.Limit(3)))
	assert.Equal(t, []int{4, 5}, ns(db.Limit(2).Offset(4)))
	assert.Equal(t, []int{7, 8, 9}, ns(db.Offset(7)), "offset without limit")
	assert.Empty(t, ns(db.Limit(0)))
	assert.Len(t, ns(db.Limit(3).Limit(-1)), 10, "limit -1 cancels a limit")
	assert.Empty(t, ns(db.Offset(20)))

	var page []batchRow
	require.NoError(t, db.Order("n").Offset(8).Find(&page).Error)
	require.Len(t, page, 2)
	assert.Equal(t, 8, page[0].N)

	sql := dryRun(db, func(tx *gorm.DB) *gorm.DB { return tx.Offset(5).Find(&[]batchRow{}) })
	assert.Contains(t, sql, "LIMIT -1 OFFSET 5")
}

func testLocking(t *testing.T, env Env) {
	db := migrate(t, env, &batchRow{})
	require.NoError(t, db.Create(&batchRow{N: 1}).Error)
	err := db.Transaction(func(tx *gorm.DB) error {
		var r batchRow
		if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).First(&r).Error; err != nil {
			return err
		}
		if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthShare, Options: clause.LockingOptionsNoWait}).Find(&[]batchRow{}).Error; err != nil {
			return err
		}
		return tx.Model(&r).Update("n", 2).Error
	})
	require.NoError(t, err)
	var r batchRow
	require.NoError(t, db.First(&r).Error)
	assert.Equal(t, 2, r.N)

	sql := dryRun(db, func(tx *gorm.DB) *gorm.DB {
		return tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Find(&[]batchRow{})
	})
	assert.Equal(t, "SELECT * FROM `batch_rows`", strings.TrimSpace(sql))
}

func testDryRunToSQL(t *testing.T, env Env) {
	db := migrate(t, env, &crudUser{})
	stmt := db.Session(&gorm.Session{DryRun: true}).Where("age > ?", 18).First(&crudUser{}).Statement
	assert.Equal(t, "SELECT * FROM `crud_users` WHERE age > ? ORDER BY `crud_users`.`id` LIMIT 1", stmt.SQL.String())
	assert.Equal(t, []any{18}, stmt.Vars)

	stmt = db.Session(&gorm.Session{DryRun: true}).Create(&crudUser{Name: "n", Email: "e"}).Statement
	assert.Regexp(t, "^INSERT INTO `crud_users` \\(`name`,`email`,`age`,`active`,`created_at`,`updated_at`\\) VALUES \\(\\?,\\?,\\?,\\?,\\?,\\?\\) RETURNING `id`$", stmt.SQL.String())
	assert.Equal(t, int64(0), count(t, db, &crudUser{}), "a dry run writes nothing")

	sql := db.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return tx.Model(&crudUser{}).Where("name = ? AND age IN ?", "o'neil", []int{1, 2}).Limit(10).Offset(5).Find(&[]crudUser{})
	})
	assert.Equal(t, "SELECT * FROM `crud_users` WHERE name = 'o''neil' AND age IN (1,2) LIMIT 10 OFFSET 5", sql)

	sql = db.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return tx.Model(&crudUser{}).Where("id = ?", 3).Update("active", false)
	})
	assert.Regexp(t, "^UPDATE `crud_users` SET `active`=false,`updated_at`='[^']+' WHERE id = 3$", sql)
}

func testExplain(t *testing.T, env Env) {
	db := env.Open(t)
	at := time.Date(2024, 1, 2, 3, 4, 5, 6, time.FixedZone("X", -3600))
	got := db.Dialector.Explain("SELECT ?, ?, ?, ?, ?, ?, ?, ?", "it's", 42, 1.5, true, nil, at, &at, sql.NullTime{Time: at, Valid: true})
	stored := "'2024-01-02 04:04:05.000000006+00:00'"
	assert.Equal(t, "SELECT 'it''s', 42, 1.5, true, NULL, "+stored+", "+stored+", "+stored, got)

	// A logged statement with a time finds the row when run by hand.
	require.NoError(t, db.Exec("CREATE TABLE explain_at (at datetime)").Error)
	require.NoError(t, db.Exec("INSERT INTO explain_at VALUES (?)", at).Error)
	var n int
	require.NoError(t, db.Raw(db.Dialector.Explain("SELECT count(*) FROM explain_at WHERE at = ?", at)).Scan(&n).Error)
	assert.Equal(t, 1, n)

	// What Explain prints for a string is a literal the engine reads back.
	var s string
	require.NoError(t, db.Raw(db.Dialector.Explain("SELECT ?", "a'b''c")).Scan(&s).Error)
	assert.Equal(t, "a'b''c", s)

	// The engine's own EXPLAIN QUERY PLAN works through Raw.
	require.NoError(t, db.Exec("CREATE TABLE explain_t (id INTEGER PRIMARY KEY, v TEXT)").Error)
	var plan []map[string]any
	require.NoError(t, db.Raw("EXPLAIN QUERY PLAN SELECT * FROM explain_t WHERE id = ?", 1).Scan(&plan).Error)
	require.NotEmpty(t, plan)
	assert.Contains(t, fmt.Sprint(plan[0]["detail"]), "explain_t")
}
