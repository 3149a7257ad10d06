// Package logcaller makes GORM's log lines name the application's line for
// work the library runs deep in its own code or on goroutines of its own.
//
// GORM's logger names the first frame of the goroutine that calls it outside
// GORM's source and outside files named *.gen.go, and looks only 13 frames
// up (gorm.io/gorm/utils.CallerFrame). A migration is deeper than that, and
// a tenant's migration runs on a worker goroutine, where no frame of the
// application is left. So the work runs with a Relay as its logger: each
// log call is handed to the goroutine that the application called, which
// waits in a Loop in a *.gen.go file a frame or two below the application's
// line, makes the call there, and only then lets the work go on, so lines
// come out when, and in the order, the work makes them.
//
// This file's name ends in .gen.go, though nothing generates it, for that
// reason: the frames of the calls it makes on the caller's behalf must be
// skipped. Keep here only what runs on the caller's goroutine.
package logcaller

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Loop makes the log calls of the Relays it gives out, on the goroutine
// that receives them from Calls and makes each with Make (or calls Run).
type Loop struct {
	calls chan func()
	ended chan struct{}
	end   sync.Once
}

// NewLoop returns a Loop; call End when it no longer takes calls.
func NewLoop() *Loop {
	return &Loop{calls: make(chan func()), ended: make(chan struct{})}
}

// Calls delivers the log calls to make with Make, on the goroutine whose
// line the log should name.
func (l *Loop) Calls() <-chan func() { return l.calls }

// Make makes a call from Calls. If the logger panics or calls
// runtime.Goexit (t.Fatal in a test's logger), the work that logged is
// made to panic in turn, so that it unwinds (a migration rolls back)
// rather than go on without its caller: Make ends the loop, waits for the
// work with unwound, and then lets the panic or Goexit go on.
func (l *Loop) Make(call func(), unwound func()) {
	returned := false
	defer func() {
		if !returned {
			l.End()
			unwound()
		}
	}()
	call()
	returned = true
}

// Serve makes the calls from Calls until finished is closed; see Make for
// unwound.
func (l *Loop) Serve(finished <-chan struct{}, unwound func()) {
	for {
		select {
		case call := <-l.calls:
			l.Make(call, unwound)
		case <-finished:
			return
		}
	}
}

// End stops taking calls: a Relay's later calls (from a goroutine the work
// left behind) are made where they are. It may be called more than once.
func (l *Loop) End() { l.end.Do(func() { close(l.ended) }) }

// Logger returns a Relay to inner through l.
func (l *Loop) Logger(inner logger.Interface) logger.Interface {
	return Relay{inner: inner, loop: l}
}

// Relay is a GORM logger whose calls a Loop makes.
type Relay struct {
	inner logger.Interface
	loop  *Loop
}

// ErrLogCallFailed is the value a Relay's caller panics with when the log
// call it relayed panicked or exited on the loop's goroutine.
var ErrLogCallFailed = errors.New("logcaller: the logger panicked or exited while the application's goroutine made the call")

func (r Relay) relay(call func()) {
	made := make(chan bool, 1)
	select {
	case r.loop.calls <- func() {
		returned := false
		defer func() { made <- returned }()
		call()
		returned = true
	}:
		if !<-made {
			panic(ErrLogCallFailed)
		}
	case <-r.loop.ended:
		call()
	}
}

// LogMode is the Relay to the logger at level.
func (r Relay) LogMode(level logger.LogLevel) logger.Interface {
	r.inner = r.inner.LogMode(level)
	return r
}

// Info relays to the logger's Info.
func (r Relay) Info(ctx context.Context, msg string, args ...any) {
	r.relay(func() { r.inner.Info(ctx, msg, args...) })
}

// Warn relays to the logger's Warn.
func (r Relay) Warn(ctx context.Context, msg string, args ...any) {
	r.relay(func() { r.inner.Warn(ctx, msg, args...) })
}

// Error relays to the logger's Error.
func (r Relay) Error(ctx context.Context, msg string, args ...any) {
	r.relay(func() { r.inner.Error(ctx, msg, args...) })
}

// Trace relays to the logger's Trace.
func (r Relay) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	r.relay(func() { r.inner.Trace(ctx, begin, fc, err) })
}

// ParamsFilter keeps the logger's own filter (GORM's ParameterizedQueries),
// which GORM looks for on the logger it calls.
func (r Relay) ParamsFilter(ctx context.Context, sql string, params ...any) (string, []any) {
	return Filter(ctx, r.inner, sql, params)
}

// Filter applies log's ParamsFilter, if it has one, for a logger that wraps
// log and must keep it.
func Filter(ctx context.Context, log logger.Interface, sql string, params []any) (string, []any) {
	if filter, ok := log.(gorm.ParamsFilter); ok {
		return filter.ParamsFilter(ctx, sql, params...)
	}
	return sql, params
}

// IsRelay reports whether log is a Relay: work that already runs with one
// needs no other.
func IsRelay(log logger.Interface) bool {
	_, ok := log.(Relay)
	return ok
}

// Run runs work on a goroutine of its own with a Relay to log as its
// logger, and makes work's log calls until it returns. A panic in work is
// raised again here, with its value, and runtime.Goexit (t.FailNow in a
// callback) ends this goroutine too. A logger that panics or exits makes
// work unwind first (see Loop.Make).
func Run[T any](log logger.Interface, work func(logger.Interface) T) T {
	loop := NewLoop()
	defer loop.End()
	var (
		value    T
		returned bool
		panicked any
		finished = make(chan struct{})
	)
	go func() {
		defer func() {
			if !returned {
				panicked = recover()
			}
			close(finished)
		}()
		value = work(loop.Logger(log))
		returned = true
	}()
	loop.Serve(finished, func() { <-finished })
	switch {
	case returned:
		return value
	case panicked != nil:
		panic(panicked)
	default:
		runtime.Goexit()
		return value
	}
}
