// Package replica is the database/sql driver behind the dialect's
// embedded-replica mode. libSQL's C API owns the local file and keeps it in
// sync with the primary; nothing else writes it. Reads outside read-write
// transactions run on the local file through the local driver
// (internal/driver), which decodes values by declared type and costs no
// request. Writes, and everything in a read-write transaction, run on the
// primary through the remote driver's Hrana client (internal/hrana), one
// stream per connection; with ReadYourWrites the replica syncs after each
// write outside a transaction and after each COMMIT that wrote.
package replica

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	local "github.com/gorm-libsql/libsql/internal/driver"
	"github.com/gorm-libsql/libsql/internal/hrana"
)

// Options configures an embedded replica. The dialect fills it from its
// Config.
type Options struct {
	// Local configures the local file and the connections that read it.
	Local local.Options
	// URL is the primary; AuthToken authenticates to it.
	URL, AuthToken string
	// ReadYourWrites makes a write visible to local reads once it returns,
	// by syncing after it.
	ReadYourWrites bool
	// SyncInterval runs a background sync this often; 0 syncs on demand.
	SyncInterval time.Duration
	// OnSyncError is told of every failed background sync.
	OnSyncError func(error)
}

// Synced is what one sync pulled.
type Synced struct {
	// FrameNo is the replica's frame number after the sync.
	FrameNo int
	// FramesSynced is how many frames the sync applied.
	FramesSynced int
}

// Status is the outcome of the last sync.
type Status struct {
	// LastSync is when the last successful sync ended; zero before any.
	LastSync time.Time
	// FrameNo is the frame number it reached.
	FrameNo int
	// LastError is the error of the last sync if it failed, else nil.
	LastError error
	// LastAttempt is when the last sync, successful or not, ended.
	LastAttempt time.Time
}

// Replica is one open embedded replica, shared by the pool's connections.
type Replica struct {
	opts   Options
	db     nativeDB
	reader *local.Connector
	writer *hrana.Connector

	syncMu sync.Mutex // one sync at a time
	mu     sync.Mutex
	status Status
	closed bool
	// begun counts the syncs begun; pulled is the count when the last
	// successful one began. A write that ended when begun was n is in
	// the local file once pulled > n.
	begun, pulled uint64
	stop          chan struct{}
	done          chan struct{}
}

// Open opens the replica, pulls from the primary once, and starts the
// background sync when SyncInterval is set. A refused token fails Open; a
// primary that cannot be reached does not when the replica already holds
// data, so that a restarted application keeps serving reads.
func Open(opts Options) (*Replica, error) {
	writer, err := hrana.NewConnector(hrana.Options{URL: opts.URL, AuthToken: opts.AuthToken, TxLock: opts.Local.TxLock, CastValues: true})
	if err != nil {
		return nil, err
	}
	foreign, err := notReplica(opts.Local.Path)
	if err != nil {
		return nil, err
	}
	if foreign {
		return nil, fmt.Errorf("libsql: %s holds a database that is not an embedded replica (a plain SQLite file); use another path for the replica, or open this file on its own (Database without URL)", opts.Local.Path)
	}
	// libSQL reports a refused token as a handshake timeout; asking first
	// gives a clear error at once.
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	err = hrana.Check(ctx, opts.URL, opts.AuthToken)
	cancel()
	if errors.Is(err, hrana.ErrAuth) {
		return nil, err
	}
	existed := hasData(opts.Local.Path)
	db, err := openNative(opts.Local.Path, opts.URL, opts.AuthToken, opts.Local.EncryptionKey)
	if err != nil {
		return nil, fmt.Errorf("libsql: open replica %s: %w", opts.Local.Path, redact(err, opts.AuthToken))
	}
	r := &Replica{opts: opts, db: db, writer: writer}
	if _, err := r.Sync(context.Background()); err != nil && (errors.Is(err, hrana.ErrAuth) || !existed) {
		closeNative(db)
		return nil, err
	}
	readerOpts := opts.Local
	readerOpts.ReadOnly = true
	readerOpts.JournalMode = ""
	if r.reader, err = local.NewConnector(readerOpts); err != nil {
		closeNative(db)
		return nil, err
	}
	if opts.SyncInterval > 0 {
		r.stop, r.done = make(chan struct{}), make(chan struct{})
		go r.loop()
	}
	return r, nil
}

// hasData reports whether a file holds data from an earlier sync.
func hasData(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Size() > 0
}

func (r *Replica) loop() {
	defer close(r.done)
	t := time.NewTicker(r.opts.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			if _, err := r.Sync(context.Background()); err != nil && r.opts.OnSyncError != nil {
				r.opts.OnSyncError(err)
			}
		}
	}
}

// ErrClosed is returned by Sync on a closed replica.
var ErrClosed = errors.New("libsql: the replica is closed")

// Sync pulls new frames from the primary. The C call cannot be
// interrupted: when ctx ends first, Sync returns and the pull finishes in
// the background.
func (r *Replica) Sync(ctx context.Context) (Synced, error) { return r.pull(ctx, false) }

// syncAfterWrite makes the local file hold the writes that have ended
// (see Sync). Concurrent writers share a sync: one that began after they
// ended serves them all.
func (r *Replica) syncAfterWrite(ctx context.Context) error {
	_, err := r.pull(ctx, true)
	return err
}

// pull runs a sync; with afterWrite, none when one that began since the
// call has succeeded meanwhile.
func (r *Replica) pull(ctx context.Context, afterWrite bool) (Synced, error) {
	type outcome struct {
		s   Synced
		err error
	}
	r.mu.Lock()
	ended := r.begun
	r.mu.Unlock()
	ch := make(chan outcome, 1)
	go func() {
		r.syncMu.Lock()
		defer r.syncMu.Unlock()
		r.mu.Lock()
		closed, served := r.closed, afterWrite && r.pulled > ended
		if !closed && !served {
			r.begun++
		}
		seq := r.begun
		r.mu.Unlock()
		if closed {
			ch <- outcome{err: ErrClosed}
			return
		}
		if served {
			ch <- outcome{}
			return
		}
		frame, n, err := syncNative(r.db)
		if err != nil {
			err = r.explain(redact(err, r.opts.AuthToken))
		}
		r.record(seq, frame, err)
		ch <- outcome{Synced{FrameNo: frame, FramesSynced: n}, err}
	}()
	select {
	case o := <-ch:
		return o.s, o.err
	case <-ctx.Done():
		return Synced{}, fmt.Errorf("libsql: sync abandoned: %w", ctx.Err())
	}
}

// explain makes a failed sync's error say why when libSQL's text does
// not: a refused token or an unreachable primary.
func (r *Replica) explain(err error) error {
	if c := classify(err); c != err {
		return c
	}
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	if cause := hrana.Check(ctx, r.opts.URL, r.opts.AuthToken); cause != nil {
		return fmt.Errorf("libsql: sync with the primary failed: %w (%s)", cause, err)
	}
	return fmt.Errorf("libsql: sync with the primary failed: %w", err)
}

// checkTimeout bounds the request that diagnoses a failed sync.
const checkTimeout = 5 * time.Second

func (r *Replica) record(seq uint64, frame int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	r.status.LastAttempt = now
	r.status.LastError = err
	if err == nil {
		r.status.LastSync = now
		r.status.FrameNo = frame
		r.pulled = seq
	}
}

// Status reports the outcome of the last sync.
func (r *Replica) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

// Close stops the background sync and closes the replica.
func (r *Replica) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	if r.stop != nil {
		close(r.stop)
		<-r.done
	}
	r.syncMu.Lock()
	defer r.syncMu.Unlock()
	err := errors.Join(r.reader.Close(), r.writer.Close())
	closeNative(r.db)
	return err
}

// redact removes the token from an error that libSQL built.
func redact(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), token, "[redacted]"))
}
