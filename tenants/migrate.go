package tenants

import (
	"context"
	"fmt"
	"time"

	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/internal/logcaller"
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

// progress reports res to the OnMigrate callback, or else to log.
func (t *Manager) progress(ctx context.Context, log logger.Interface, res MigrationResult, done, total int) {
	if t.onMigrate != nil {
		t.onMigrate(res, done, total)
		return
	}
	if res.Err != nil {
		log.Error(ctx, "tenants: migrated %d/%d tenants: %s failed: %s", done, total, res.Tenant, errmsg.Trim(res.Err.Error()))
		return
	}
	log.Info(ctx, "tenants: migrated %d/%d tenants: %s ok, %d DDL statements", done, total, res.Tenant, len(res.DDL))
}

// migrateTenant runs AutoMigrate on one tenant and records its DDL; loop
// makes its log calls.
func (t *Manager) migrateTenant(ctx context.Context, loop *logcaller.Loop, tenant string, models []any) (res MigrationResult) {
	start := time.Now()
	res.Tenant = tenant
	// Named, so that the returned result gets it.
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
	// The relay outside: the migrator sees it and logs through it, and
	// the recorder runs on the caller's goroutine, with the log call.
	res.Err = db.Session(&gorm.Session{Context: ctx, Logger: loop.Logger(rec)}).AutoMigrate(models...)
	res.DDL = rec.statements()
	if res.Err != nil {
		res.Err = errmsg.Wrap(res.Err, "tenants: migrate tenant %s", tenant)
	}
	return res
}

func changesSchema(sql string) bool {
	if sqltext.ReadOnly(sql) || sqltext.TransactionControl(sql) != "" {
		return false
	}
	_, pragma := sqltext.PragmaName(sql)
	return !pragma
}
