package logcaller

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// goroutineID is the number runtime.Stack gives the calling goroutine.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	return strings.Fields(string(buf))[1]
}

// recorder records each call and the goroutine that made it.
type recorder struct {
	logger.Interface
	mu    sync.Mutex
	calls []string
	on    []string
}

func (r *recorder) Info(_ context.Context, msg string, _ ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, msg)
	r.on = append(r.on, goroutineID())
}

func TestRunMakesLogCallsOnTheCaller(t *testing.T) {
	rec := &recorder{Interface: logger.Discard}
	caller := goroutineID()
	var worker string
	got := Run(rec, func(log logger.Interface) int {
		worker = goroutineID()
		assert.True(t, IsRelay(log))
		for _, msg := range []string{"one", "two", "three"} {
			log.Info(context.Background(), msg)
			rec.mu.Lock()
			assert.Equal(t, msg, rec.calls[len(rec.calls)-1], "each call is made before the work goes on")
			rec.mu.Unlock()
		}
		return 7
	})
	assert.Equal(t, 7, got)
	assert.NotEqual(t, caller, worker, "the work ran on a goroutine of its own")
	assert.Equal(t, []string{"one", "two", "three"}, rec.calls)
	assert.Equal(t, []string{caller, caller, caller}, rec.on)
}

func TestRunRaisesTheWorksPanic(t *testing.T) {
	assert.PanicsWithValue(t, "boom", func() {
		Run(logger.Discard, func(logger.Interface) int { panic("boom") })
	})
}

func TestRunEndsOnTheWorksGoexit(t *testing.T) {
	returned, exited := false, make(chan struct{})
	go func() {
		defer close(exited)
		Run(logger.Discard, func(logger.Interface) int { runtime.Goexit(); return 0 })
		returned = true
	}()
	<-exited
	assert.False(t, returned)
}

// failing panics, or exits, in Info.
type failing struct {
	logger.Interface
	goexit bool
}

func (f failing) Info(context.Context, string, ...any) {
	if f.goexit {
		runtime.Goexit()
	}
	panic("logger")
}

// A logger that fails on the caller's goroutine makes the work panic with
// ErrLogCallFailed, and the caller's failure goes on only once the work
// has unwound.
func TestRunLoggerFailureUnwindsTheWork(t *testing.T) {
	for _, goexit := range []bool{false, true} {
		var unwound, after bool
		var workPanic any
		exited := make(chan struct{})
		go func() {
			defer close(exited)
			defer func() {
				if p := recover(); p != nil {
					assert.Equal(t, "logger", p)
				}
			}()
			Run(failing{logger.Discard, goexit}, func(log logger.Interface) int {
				defer func() {
					workPanic = recover()
					unwound = true
					// A call once the caller has left is made where it is.
					log.Warn(context.Background(), "after")
					after = true
				}()
				log.Info(context.Background(), "fails")
				t.Error("the work went on after its log call failed")
				return 0
			})
			t.Error("Run returned")
		}()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Fatal("Run hung")
		}
		assert.True(t, unwound, "goexit=%v", goexit)
		assert.True(t, after)
		assert.Equal(t, ErrLogCallFailed, workPanic)
	}
}

// filtering is a logger with GORM's ParameterizedQueries filter.
type filtering struct{ logger.Interface }

func (filtering) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

func TestRelayKeepsParamsFilter(t *testing.T) {
	loop := NewLoop()
	defer loop.End()
	relay, ok := loop.Logger(filtering{logger.Discard}).(gorm.ParamsFilter)
	require.True(t, ok)
	sql, params := relay.ParamsFilter(context.Background(), "SELECT ?", 1)
	assert.Equal(t, "SELECT ?", sql)
	assert.Nil(t, params)
	plain := loop.Logger(logger.Discard).(gorm.ParamsFilter)
	_, params = plain.ParamsFilter(context.Background(), "SELECT ?", 1)
	assert.Equal(t, []any{1}, params, "no filter: the parameters as they are")
	assert.True(t, IsRelay(loop.Logger(logger.Discard).LogMode(logger.Info)), "LogMode keeps the relay")
}
