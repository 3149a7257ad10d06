package libsql

import (
	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/schema"
)

// GORM wraps every Create, Update and Delete in a transaction of its own.
// When the operation runs exactly one statement, that transaction adds
// nothing: a single SQLite statement is atomic by itself. It does cost a
// BEGIN and a COMMIT, which are round trips to a remote server and extra
// lock traffic on a local file. So the dialect skips it for operations that
// are known to run one statement: no hooks that could run more, and no
// associations to save. Config.KeepDefaultTransactions turns this off, for
// programs whose own callbacks write more inside these operations.

// hooksOf reports whether the model defines hooks GORM runs around op.
type hooksOf func(*schema.Schema) bool

func registerSingleStatementWrites(db *gorm.DB) error {
	if db.SkipDefaultTransaction {
		return nil
	}
	for _, p := range []struct {
		processor interface {
			Replace(string, func(*gorm.DB)) error
		}
		hooks hooksOf
	}{
		{db.Callback().Create(), func(s *schema.Schema) bool {
			return s.BeforeSave || s.BeforeCreate || s.AfterCreate || s.AfterSave
		}},
		{db.Callback().Update(), func(s *schema.Schema) bool {
			return s.BeforeSave || s.BeforeUpdate || s.AfterUpdate || s.AfterSave
		}},
		{db.Callback().Delete(), func(s *schema.Schema) bool {
			return s.BeforeDelete || s.AfterDelete
		}},
	} {
		hooks := p.hooks
		if err := p.processor.Replace("gorm:begin_transaction", func(tx *gorm.DB) {
			if !runsOneStatement(tx, hooks) {
				callbacks.BeginTransaction(tx)
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

// runsOneStatement reports whether the operation on tx is known to execute
// a single statement.
func runsOneStatement(tx *gorm.DB, hooks hooksOf) bool {
	s := tx.Statement.Schema
	if s == nil {
		return true
	}
	if !tx.Statement.SkipHooks && hooks(s) {
		return false
	}
	return len(s.Relationships.Relations) == 0
}
