package driver

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"
)

// writeGate queues the writers of one database file in this process, first
// come first served. SQLite lets one connection write at a time and makes
// the others poll with growing sleeps, so under load a writer that has
// waited long keeps losing to newcomers until its busy timeout ends in
// "database is locked". A connection takes the gate before it asks SQLite
// for the write lock and gives it back once it holds no write transaction,
// so SQLite's busy handler only ever waits for other processes.
//
// Deadlock freedom rests on one rule, kept by conn.enterGate: a connection
// blocks on the gate only while it holds no lock on the database. One that
// already reads (an open read transaction or cursor) only tries the gate,
// as SQLite itself does not wait for the write lock in that state.
type writeGate struct {
	key  string
	refs int // Connectors using it; guarded by gates.mu

	mu      sync.Mutex
	held    bool
	waiters list.List // of chan struct{}, closed when the gate is handed over
}

// gates holds one gate per database in use, by canonical file name, so that
// every Connector of the process on the same file shares it.
var gates = struct {
	mu sync.Mutex
	m  map[string]*writeGate
}{m: map[string]*writeGate{}}

// openGate returns the gate of the database named key, for one more
// Connector; closeGate gives it back.
func openGate(key string) *writeGate {
	gates.mu.Lock()
	defer gates.mu.Unlock()
	g := gates.m[key]
	if g == nil {
		g = &writeGate{key: key}
		gates.m[key] = g
	}
	g.refs++
	return g
}

func closeGate(g *writeGate) {
	gates.mu.Lock()
	defer gates.mu.Unlock()
	if g.refs--; g.refs == 0 {
		delete(gates.m, g.key)
	}
}

// tryEnter takes the gate if it is free and nobody queues for it.
func (g *writeGate) tryEnter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.takeFree()
}

// takeFree takes the gate if it is free and nobody queues; g.mu is held.
func (g *writeGate) takeFree() bool {
	if g.held || g.waiters.Len() > 0 {
		return false
	}
	g.held = true
	return true
}

// enter takes the gate, after every connection that asked before. It gives
// up when ctx ends (with ctx's error) or after timeout (with SQLite's busy
// error, as the busy handler would have).
func (g *writeGate) enter(ctx context.Context, timeout time.Duration) error {
	g.mu.Lock()
	if g.takeFree() {
		g.mu.Unlock()
		return nil
	}
	if err := ctx.Err(); err != nil {
		g.mu.Unlock()
		return err
	}
	if timeout <= 0 {
		g.mu.Unlock()
		return gateBusy(timeout)
	}
	turn := make(chan struct{})
	el := g.waiters.PushBack(turn)
	g.mu.Unlock()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var err error
	select {
	case <-turn:
		return nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-timer.C:
		err = gateBusy(timeout)
	}
	g.mu.Lock()
	select {
	case <-turn:
		// Handed over while giving up: pass it on.
		g.mu.Unlock()
		g.leave()
	default:
		g.waiters.Remove(el)
		g.mu.Unlock()
	}
	return err
}

// leave hands the gate to the longest waiter, or frees it.
func (g *writeGate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.handOver()
}

// handOver is leave with g.mu held.
func (g *writeGate) handOver() {
	if front := g.waiters.Front(); front != nil {
		g.waiters.Remove(front)
		close(front.Value.(chan struct{}))
		return
	}
	g.held = false
}

// gateBusy is the error of a writer that waited its whole busy timeout
// behind other writers of this process: the one SQLite gives, with why.
func gateBusy(timeout time.Duration) error {
	return &Error{Code: CodeBusy, Message: fmt.Sprintf("database is locked (waited %s, the busy timeout, behind other writers of this process)", timeout)}
}
