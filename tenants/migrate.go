package tenants

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/internal/sqltext"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// MigrationResult is the outcome of Migrate on one tenant.
type MigrationResult struct {
	// Tenant is the tenant's name.
	Tenant string
	// Err is why the migration failed, nil when it succeeded. A failed
	// tenant's schema and data are as they were before (each tenant's
	// migration is one transaction).
	Err error
	// DDL lists the statements the migration ran that change the
	// database (CREATE, ALTER, DROP, and the copies of a table rebuild),
	// in order. It is empty for a tenant that was already up to date. For
	// a failed tenant they were rolled back.
	DDL []string
	// Duration is how long the tenant's migration took.
	Duration time.Duration
}

// MigrationReport is what Migrate did, one entry per tenant in name order.
type MigrationReport struct {
	// Tenants holds one outcome per tenant, in name order.
	Tenants []MigrationResult
}

// Failed returns the tenants whose migration failed.
func (r MigrationReport) Failed() []MigrationResult {
	var out []MigrationResult
	for _, m := range r.Tenants {
		if m.Err != nil {
			out = append(out, m)
		}
	}
	return out
}

// Changed returns the tenants whose migration succeeded and ran DDL.
func (r MigrationReport) Changed() []MigrationResult {
	var out []MigrationResult
	for _, m := range r.Tenants {
		if m.Err == nil && len(m.DDL) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// MigrationError is Migrate's error when some tenants failed; the others
// were migrated. Report holds every tenant's outcome.
type MigrationError struct {
	// Report is every tenant's outcome, the failed and the migrated.
	Report MigrationReport
}

// Error names how many tenants failed, and the first of them.
func (e *MigrationError) Error() string {
	failed := e.Report.Failed()
	first := failed[0]
	return fmt.Sprintf("tenants: migration failed on %d of %d tenants; the others were migrated (first: %s: %v)",
		len(failed), len(e.Report.Tenants), first.Tenant, first.Err)
}

// Unwrap gives the failed tenants' errors, for errors.Is and errors.As.
func (e *MigrationError) Unwrap() []error {
	var out []error
	for _, m := range e.Report.Failed() {
		out = append(out, m.Err)
	}
	return out
}

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
	var (
		mu   sync.Mutex // serializes progress reports
		done int
		wg   sync.WaitGroup
		jobs = make(chan int)
	)
	for w := 0; w < min(t.concurrency, len(tenants)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				res := t.migrateTenant(ctx, tenants[i], models)
				report.Tenants[i] = res
				mu.Lock()
				done++
				t.progress(ctx, res, done, len(tenants))
				mu.Unlock()
			}
		}()
	}
	started := 0
feed:
	for ; started < len(tenants) && ctx.Err() == nil; started++ {
		select {
		case jobs <- started:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	for i := started; i < len(tenants); i++ {
		report.Tenants[i] = MigrationResult{Tenant: tenants[i], Err: errmsg.Wrap(ctx.Err(), "tenants: not migrated")}
	}
	if started < len(tenants) {
		return report, ctx.Err()
	}
	if len(report.Failed()) > 0 {
		return report, &MigrationError{Report: report}
	}
	return report, nil
}

func (t *Manager) progress(ctx context.Context, res MigrationResult, done, total int) {
	if t.onMigrate != nil {
		t.onMigrate(res, done, total)
		return
	}
	log := t.gcfg.Logger
	if log == nil {
		log = logger.Default
	}
	if res.Err != nil {
		log.Error(ctx, "tenants: migrated %d/%d tenants: %s failed: %s", done, total, res.Tenant, errmsg.Trim(res.Err.Error()))
		return
	}
	log.Info(ctx, "tenants: migrated %d/%d tenants: %s ok, %d DDL statements", done, total, res.Tenant, len(res.DDL))
}

// migrateTenant runs AutoMigrate on one tenant and records its DDL.
func (t *Manager) migrateTenant(ctx context.Context, tenant string, models []any) MigrationResult {
	start := time.Now()
	res := MigrationResult{Tenant: tenant}
	defer func() { res.Duration = time.Since(start) }()
	if err := ValidateName(tenant); err != nil {
		res.Err = errmsg.Wrap(err, "tenants: the store listed a tenant it cannot serve")
		return res
	}
	db, p, err := t.acquire(ctx, tenant, true, false)
	if err != nil {
		res.Err = err
		return res
	}
	defer func() {
		// A pool of Migrate's own is closed before the tenant counts
		// as done.
		if closed := t.unpin(p); closed != nil {
			<-closed
		}
	}()
	rec := &ddlRecorder{Interface: db.Logger, log: &ddlLog{}}
	res.Err = db.Session(&gorm.Session{Context: ctx, Logger: rec}).AutoMigrate(models...)
	res.DDL = rec.statements()
	if res.Err != nil {
		res.Err = errmsg.Wrap(res.Err, "tenants: migrate tenant %s", tenant)
	}
	return res
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

func changesSchema(sql string) bool {
	if sqltext.ReadOnly(sql) || sqltext.TransactionControl(sql) != "" {
		return false
	}
	_, pragma := sqltext.PragmaName(sql)
	return !pragma
}

func (r *ddlRecorder) statements() []string {
	r.log.mu.Lock()
	defer r.log.mu.Unlock()
	return append([]string(nil), r.log.ddl...)
}
