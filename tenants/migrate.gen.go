package tenants

// The file name ends in .gen.go, though nothing generates it: see
// internal/logcaller. Migrate makes its workers' log calls (their
// migrations' statements and the progress lines) from its own frame, so
// GORM's logger names the line that called Migrate; ddlRecorder passes
// them on from there.

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/internal/logcaller"
	"gorm.io/gorm/logger"
)

// Migrate runs AutoMigrate of models on every tenant the store lists, at
// most MigrateConcurrency at a time. Each tenant's migration is its own
// transaction: one that fails is rolled back and reported, and never stops
// or changes the others. Tenants already up to date run no DDL, so a run
// that stopped part way (or failed on some tenants) can simply be run
// again.
//
// The report has every tenant's outcome. The error is a *MigrationError
// when some tenants failed, the list error when the store could not list
// tenants, or ctx's error when ctx ended (tenants not started then are
// reported with that error).
//
// Migrate uses a tenant's pool when DB or Do has it open, and otherwise
// opens one that it leaves out of the cache and closes when the tenant is
// done (unless DB took it up meanwhile), so that a run over thousands of
// tenants does not evict the pools DB serves, and a tenant never has two
// pools open at once.
func (t *Manager) Migrate(ctx context.Context, models ...any) (MigrationReport, error) {
	tenants, err := t.List(ctx)
	if err != nil {
		return MigrationReport{}, err
	}
	report := MigrationReport{Tenants: make([]MigrationResult, len(tenants))}
	log := t.gcfg.Logger
	if log == nil {
		log = logger.Default
	}
	// The workers' log calls, their migrations' and the progress lines,
	// are made here, on the caller's goroutine.
	loop := logcaller.NewLoop()
	defer loop.End()
	progress := loop.Logger(log)
	var (
		mu       sync.Mutex // serializes progress reports
		done     int
		wg       sync.WaitGroup
		jobs     = make(chan int)
		stop     sync.Once
		finished = make(chan struct{})
		// panicked is the first panic of a worker, raised again here.
		panicked atomic.Pointer[any]
	)
	stopFeeding := func() { stop.Do(func() { close(jobs) }) }
	for w := 0; w < min(t.concurrency, len(tenants)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					panicked.CompareAndSwap(nil, &p)
				}
			}()
			for i := range jobs {
				res := t.migrateTenant(ctx, loop, tenants[i], models)
				report.Tenants[i] = res
				func() {
					mu.Lock()
					defer mu.Unlock() // a panicking OnMigrate or logger
					done++
					t.progress(ctx, progress, res, done, len(tenants))
				}()
			}
		}()
	}
	go func() {
		wg.Wait()
		close(finished)
	}()
	// A logger that panics on this goroutine stops the run once the
	// workers have unwound.
	unwound := func() {
		stopFeeding()
		<-finished
	}
	started := 0
feed:
	for started < len(tenants) && ctx.Err() == nil && panicked.Load() == nil {
		select {
		case jobs <- started:
			started++
		case call := <-loop.Calls():
			loop.Make(call, unwound)
		case <-ctx.Done():
			break feed
		case <-finished:
			// Every worker ended early (runtime.Goexit).
			break feed
		}
	}
	stopFeeding()
	loop.Serve(finished, unwound)
	if p := panicked.Load(); p != nil {
		panic(*p)
	}
	for i := range report.Tenants {
		if report.Tenants[i].Tenant == "" {
			why := ctx.Err()
			if why == nil {
				why = errors.New("tenants: the migration's goroutines ended early (runtime.Goexit)")
			}
			report.Tenants[i] = MigrationResult{Tenant: tenants[i], Err: errmsg.Wrap(why, "tenants: not migrated")}
		}
	}
	if started < len(tenants) && ctx.Err() != nil {
		return report, ctx.Err()
	}
	if len(report.Failed()) > 0 {
		return report, &MigrationError{Report: report}
	}
	return report, nil
}

// ddlRecorder is a GORM logger that keeps the statements that change the
// database and passes everything on to the logger it wraps.
type ddlRecorder struct {
	logger.Interface
	log *ddlLog
}

type ddlLog struct {
	mu  sync.Mutex
	ddl []string
}

// LogMode keeps recording, into the same log, around the wrapped logger at
// its new level.
func (r *ddlRecorder) LogMode(level logger.LogLevel) logger.Interface {
	return &ddlRecorder{Interface: r.Interface.LogMode(level), log: r.log}
}

// Trace records sql when it changes the database: not a read, a PRAGMA
// or transaction control.
func (r *ddlRecorder) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	sql, rows := fc()
	if err == nil && changesSchema(sql) {
		r.log.mu.Lock()
		r.log.ddl = append(r.log.ddl, strings.TrimSpace(sql))
		r.log.mu.Unlock()
	}
	r.Interface.Trace(ctx, begin, func() (string, int64) { return sql, rows }, err)
}

// ParamsFilter keeps the wrapped logger's filter (GORM's
// ParameterizedQueries).
func (r *ddlRecorder) ParamsFilter(ctx context.Context, sql string, params ...any) (string, []any) {
	return logcaller.Filter(ctx, r.Interface, sql, params)
}

func (r *ddlRecorder) statements() []string {
	r.log.mu.Lock()
	defer r.log.mu.Unlock()
	return append([]string(nil), r.log.ddl...)
}
