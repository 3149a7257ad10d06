package libsql

import (
	"database/sql"
	"reflect"
	"sync/atomic"

	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/schema"
)

// GORM wraps every Create, Update and Delete in a transaction of its own.
// When the operation runs exactly one statement, that transaction adds
// nothing: a single SQLite statement is atomic by itself. It does cost a
// BEGIN and a COMMIT, which are round trips to a remote server and extra
// lock traffic on a local file. So the dialect skips it for operations that
// are known to run one statement: no hooks that could run more, no
// associations to save, and no callbacks but GORM's and the dialect's own.
// A callback registered after Open (by the program or a plugin) could
// write more, or fail after the statement ran; GORM promises that a failed
// Create, Update or Delete leaves nothing written, so any such callback
// brings GORM's transaction back. Config.KeepDefaultTransactions always
// keeps it.

// callbackProcessor is the part of GORM's callback processor used here.
type callbackProcessor interface {
	Replace(string, func(*gorm.DB)) error
}

func registerSingleStatementWrites(db *gorm.DB) error {
	if db.SkipDefaultTransaction {
		return nil
	}
	return quietly(db, func() error { return replaceTransactionCallbacks(db) })
}

func replaceTransactionCallbacks(db *gorm.DB) error {
	var chains []*callbackChain
	for _, p := range []struct {
		processor callbackProcessor
		kind      string
	}{
		{db.Callback().Create(), "create"},
		{db.Callback().Update(), "update"},
		{db.Callback().Delete(), "delete"},
	} {
		kind := p.kind
		chain := &callbackChain{processor: p.processor, field: -1}
		if err := p.processor.Replace("gorm:begin_transaction", func(tx *gorm.DB) {
			if !chain.ownOnly() || !runsOneStatement(tx, kind) {
				callbacks.BeginTransaction(tx)
			}
		}); err != nil {
			return err
		}
		// GORM looks up whether it began a transaction in the statement's
		// settings, which costs a formatted key and a map per operation.
		// When the statement still runs on the pool itself, no transaction
		// was begun (beginning one replaces the pool with the transaction)
		// and there is nothing to end.
		if err := p.processor.Replace("gorm:commit_or_rollback_transaction", func(tx *gorm.DB) {
			if !chain.ownOnly() || !onPool(tx.Statement.ConnPool) {
				callbacks.CommitOrRollbackTransaction(tx)
			}
		}); err != nil {
			return err
		}
		chains = append(chains, chain)
	}
	for _, c := range chains {
		c.recordKnown()
	}
	return nil
}

// onPool reports whether p is a pool rather than a transaction.
func onPool(p gorm.ConnPool) bool {
	switch p.(type) {
	case *sql.DB, *gorm.PreparedStmtDB:
		return true
	}
	return false
}

// runsOneStatement reports whether the operation on tx is known to execute
// a single statement.
func runsOneStatement(tx *gorm.DB, kind string) bool {
	s := tx.Statement.Schema
	if s == nil {
		return true
	}
	if !tx.Statement.SkipHooks && len(modelHooks(s, kind)) > 0 {
		return false
	}
	return !savesAssociations(s)
}

// callbackChain tells whether one GORM callback processor (create, update
// or delete) still runs only the callbacks it ran when the dialect was
// initialized. GORM offers no way to list callbacks, so the processor's
// compiled list (its fns field) is read by reflection; if GORM ever
// changes that field, ownOnly reports false and the default transaction
// stays, which is always correct.
type callbackChain struct {
	processor callbackProcessor
	// field is the index of the processor's fns field, or -1.
	field int
	// known holds the code addresses of the callbacks at initialization.
	known map[uintptr]bool
	// checked is the compiled list last found to hold only known
	// callbacks. GORM compiles a new list on every Register, Replace or
	// Remove; holding the pointer keeps that list alive, so its address
	// cannot be reused by a later one.
	checked atomic.Pointer[byte]
}

// compiled returns the processor's compiled callback list.
func (c *callbackChain) compiled() (reflect.Value, bool) {
	if c.field < 0 {
		return reflect.Value{}, false
	}
	return reflect.ValueOf(c.processor).Elem().Field(c.field), true
}

func (c *callbackChain) recordKnown() {
	t := reflect.TypeOf(c.processor)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return
	}
	f, ok := t.Elem().FieldByName("fns")
	if !ok || len(f.Index) != 1 || f.Type.Kind() != reflect.Slice || f.Type.Elem() != reflect.TypeOf(func(*gorm.DB) {}) {
		return
	}
	c.field = f.Index[0]
	fns, _ := c.compiled()
	c.known = make(map[uintptr]bool, fns.Len())
	for i := 0; i < fns.Len(); i++ {
		c.known[fns.Index(i).Pointer()] = true
	}
	c.checked.Store((*byte)(fns.UnsafePointer()))
}

// ownOnly reports whether every callback in the chain was there when the
// dialect was initialized. It is a pointer comparison unless the chain was
// changed since the last call.
func (c *callbackChain) ownOnly() bool {
	fns, ok := c.compiled()
	if !ok || c.known == nil {
		return false
	}
	list := (*byte)(fns.UnsafePointer())
	if c.checked.Load() == list {
		return true
	}
	for i := 0; i < fns.Len(); i++ {
		if !c.known[fns.Index(i).Pointer()] {
			return false
		}
	}
	c.checked.Store(list)
	return true
}

// modelHooks lists the hooks the model defines that GORM runs for kind
// ("create", "update" or "delete"): the one table of which hooks belong to
// which operation, for the default-transaction rule and for batches.
func modelHooks(s *schema.Schema, kind string) []string {
	var names []string
	add := func(has bool, name string) {
		if has {
			names = append(names, name)
		}
	}
	switch kind {
	case "create":
		add(s.BeforeSave, "BeforeSave")
		add(s.BeforeCreate, "BeforeCreate")
		add(s.AfterCreate, "AfterCreate")
		add(s.AfterSave, "AfterSave")
	case "update":
		add(s.BeforeSave, "BeforeSave")
		add(s.BeforeUpdate, "BeforeUpdate")
		add(s.AfterUpdate, "AfterUpdate")
		add(s.AfterSave, "AfterSave")
	case "delete":
		add(s.BeforeDelete, "BeforeDelete")
		add(s.AfterDelete, "AfterDelete")
	}
	return names
}
