//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package driver

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gorm-libsql/libsql/sqlerr"
)

// writeGate queues the writers of one database file in this process.
// SQLite lets one connection write at a time and makes the others poll with
// growing sleeps, so under load a writer that has waited long keeps losing
// to newcomers until its busy timeout ends in "database is locked". A
// connection takes the gate before it asks SQLite for the write lock and
// gives it back once it holds no write transaction, so SQLite's busy
// handler only ever waits for other processes.
//
// Waiters are served first come, first served. Like sync.Mutex, the gate
// lets a newcomer take it while it is free as long as the longest waiter
// has waited less than starveAfter: handing the lock to a parked goroutine
// costs a wake-up per write, which at low concurrency halves throughput.
// Once a waiter has waited starveAfter, the gate is handed to it directly
// and newcomers queue behind, so no waiter waits longer than starveAfter
// plus the turns of those ahead of it.
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
	waiters list.List // of *gateWaiter, longest waiting first
}

// gateWaiter is a connection queued at a gate.
type gateWaiter struct {
	since time.Time
	// wake is signalled when the gate is handed over (granted) or freed
	// for the waiter to try again.
	wake    chan struct{}
	granted bool
}

// starveAfter is how long a waiter may be overtaken by newcomers.
const starveAfter = time.Millisecond

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

// tryEnter takes the gate if it is free and nobody has waited too long.
func (g *writeGate) tryEnter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.takeFree()
}

// takeFree takes the gate if it is free and the longest waiter may still be
// overtaken; g.mu is held. The clock is read only when someone waits.
func (g *writeGate) takeFree() bool {
	if g.held {
		return false
	}
	if front := g.waiters.Front(); front != nil && time.Since(front.Value.(*gateWaiter).since) >= starveAfter {
		return false
	}
	g.held = true
	return true
}

// enter takes the gate (see writeGate for the order). It gives up when ctx
// ends (with ctx's error) or after timeout (with SQLite's busy error, as
// the busy handler would have).
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
	w := &gateWaiter{since: time.Now(), wake: make(chan struct{}, 1)}
	el := g.waiters.PushBack(w)
	g.mu.Unlock()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		var err error
		select {
		case <-w.wake:
		case <-ctx.Done():
			err = ctx.Err()
		case <-timer.C:
			err = gateBusy(timeout)
		}
		g.mu.Lock()
		switch {
		case w.granted && err != nil:
			// Handed over while giving up: pass it on.
			g.handOver()
			g.mu.Unlock()
			return err
		case w.granted:
			g.mu.Unlock()
			return nil
		case err != nil:
			g.waiters.Remove(el)
			g.mu.Unlock()
			return err
		case !g.held:
			g.waiters.Remove(el)
			g.held = true
			g.mu.Unlock()
			return nil
		}
		// A newcomer was faster; keep the place in the queue.
		g.mu.Unlock()
	}
}

// leave gives the gate back (see writeGate).
func (g *writeGate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.handOver()
}

// handOver hands the gate to the longest waiter if it has waited
// starveAfter, or else frees it and wakes that waiter to try; g.mu is held.
func (g *writeGate) handOver() {
	front := g.waiters.Front()
	if front == nil {
		g.held = false
		return
	}
	w := front.Value.(*gateWaiter)
	if time.Since(w.since) >= starveAfter {
		g.waiters.Remove(front)
		w.granted = true
	} else {
		g.held = false
	}
	select {
	case w.wake <- struct{}{}:
	default: // already woken
	}
}

// gateBusy is the error of a writer that waited its whole busy timeout
// behind other writers of this process: the one SQLite gives, with why.
func gateBusy(timeout time.Duration) error {
	return &sqlerr.Error{Code: sqlerr.CodeBusy, Message: fmt.Sprintf("database is locked (waited %s, the busy timeout, behind other writers of this process)", timeout)}
}
