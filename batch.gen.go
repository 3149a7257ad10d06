package libsql

// The file name ends in .gen.go, though nothing generates it, for GORM's
// logger: it names the first caller outside GORM's source and outside
// files so named (gorm.io/gorm/utils.CallerFrame, which has no other way
// to skip a frame). Batch logs the batch it ran through db.Logger, so that
// line names the caller of Batch, as GORM's own calls name their caller,
// instead of this file. Keep here only functions that call GORM, or its
// logger, on their caller's behalf; see logcaller_test.go.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/internal/sqlite"
	"github.com/gorm-libsql/libsql/internal/sqltext"
	"gorm.io/gorm"
)

// Batch runs the writes that build makes on b as one transaction: all are
// applied or none. A remote database receives them in a single HTTP
// request; an embedded replica sends them to the primary in one request and
// then syncs once (with ReadYourWrites); a local database runs them in one
// transaction.
//
//	results, err := libsql.Batch(ctx, db, func(b *gorm.DB) error {
//		b.Create(&order)
//		b.Model(&Stock{}).Where("id = ?", id).Update("qty", gorm.Expr("qty - ?", n))
//		return nil
//	})
//
// Build each statement with GORM's usual calls on b: Create (slices and
// CreateInBatches too, which become one statement per chunk), Save, Model
// (...).Updates, Update, Delete, Exec, with Clauses (OnConflict, Returning).
// Nothing runs while build does: calls on b report no error and no rows
// until Batch returns. Then ids, RETURNING columns and defaults are filled
// into the models as db.Create fills them, the *gorm.DB each call returned
// reports its RowsAffected, and results holds each statement's
// RowsAffected and LastInsertID, in order.
//
// Refused, with an error matching ErrBatchRefused and nothing sent: reads
// (Find, First, Count, Row...), whose results a batch cannot give to the
// code that builds it; models with hooks for the operation (use
// b.Session(&gorm.Session{SkipHooks: true}) to skip them) and associations
// to save (Omit(clause.Associations) to skip them), because they would need
// the results of statements not yet run; Exec of transaction control or
// several statements in one string. A refusal or any error build leaves on
// an operation fails the whole batch.
//
// A failing statement gives a *BatchError naming it. On an embedded
// replica whose sync after the batch fails, the results come back with an
// error matching ErrWriteNotSynced: the batch was applied. If build returns an
// error, it is returned and nothing is sent. ctx bounds the whole batch;
// once the request is sent, a cancelled batch may or may not have been
// applied, as for any write, but never in part. b must not be used after
// build returns, nor from other goroutines.
func Batch(ctx context.Context, db *gorm.DB, build func(b *gorm.DB) error) ([]BatchResult, error) {
	if !IsLibSQL(db) {
		return nil, errors.New("libsql: Batch needs a *gorm.DB opened with the libsql dialect")
	}
	if tx, ok := db.Statement.ConnPool.(gorm.TxCommitter); ok && tx != nil {
		return nil, ErrBatchInTransaction
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, errmsg.Wrap(err, "libsql: Batch needs the database's *sql.DB")
	}
	rec := &recorder{}
	b := db.Session(&gorm.Session{Context: ctx, SkipDefaultTransaction: true})
	b.Statement.ConnPool = rec
	buildErr := build(b)
	ops, err := rec.finish()
	if buildErr != nil {
		return nil, buildErr
	}
	if err != nil {
		return nil, err
	}
	if len(ops) == 0 {
		return []BatchResult{}, ctx.Err()
	}
	stmts := make([]sqlite.BatchStatement, len(ops))
	for i, o := range ops {
		stmts[i] = o.stmt
	}
	begun := time.Now()
	results, err := execBatch(ctx, sqlDB, stmts)
	// GORM logged each statement as it was recorded, with no rows; this
	// line reports when they ran.
	db.Logger.Trace(ctx, begun, func() (string, int64) {
		var changed int64
		for _, r := range results {
			changed += r.Changes
		}
		return fmt.Sprintf("BATCH of %d statements in one transaction", len(stmts)), changed
	}, err)
	if err != nil && results == nil {
		return nil, translateBatchError(db, err)
	}
	// Applied; err may say that a replica could not sync afterwards.
	out := make([]BatchResult, len(ops))
	var fillErr error
	for i, o := range ops {
		out[i] = BatchResult{SQL: o.stmt.SQL, RowsAffected: results[i].Changes}
		if results[i].Changes > 0 && sqltext.Inserts(o.stmt.SQL) {
			out[i].LastInsertID = results[i].LastID
		}
		if ferr := o.fill(results[i]); ferr != nil && fillErr == nil {
			fillErr = errmsg.Wrap(ferr, "libsql: the batch was applied, but filling the result of statement %d into its model failed", i)
		}
	}
	return out, errors.Join(err, fillErr)
}
