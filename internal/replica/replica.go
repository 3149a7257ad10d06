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
	"github.com/gorm-libsql/libsql/internal/errmsg"
	"github.com/gorm-libsql/libsql/internal/hrana"
	"github.com/gorm-libsql/libsql/internal/syncforward"
)

// Options configures an embedded replica. The dialect fills it from its
// Config.
type Options struct {
	// Local configures the local file and the connections that read it.
	Local local.Options
	// URL is the primary; AuthToken authenticates to it.
	URL, AuthToken string
	// RemoteEncryptionKey is the key of a primary encrypted at rest on
	// the server (see hrana.Options.EncryptionKey), sent with every write
	// and given to libSQL's sync.
	RemoteEncryptionKey string
	// ReadYourWrites makes a write visible to local reads once it returns,
	// by syncing after it.
	ReadYourWrites bool
	// SyncInterval runs a background sync this often; 0 syncs on demand.
	SyncInterval time.Duration
	// OnSyncError is told of every failed background sync.
	OnSyncError func(error)
	// Limits bounds the requests to the primary, and each sync: a sync
	// without a deadline of its own is abandoned after RequestTimeout.
	Limits hrana.Limits
	// Namespace, when set, is the sqld namespace of the primary at URL.
	// Requests carry its Host header "<Namespace>.<URL's host>" (see
	// hrana.Options.Host), and the Forwarder names it to the replication
	// service (libSQL can only take a namespace from the URL's host name).
	Namespace string

	// pullNative, when set, stands in for libSQL's sync: the package's
	// tests run the router against a fake primary, which libSQL cannot
	// sync from.
	pullNative func() (frameNo, framesSynced int, err error)
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
	reader *local.Connector
	writer *hrana.Connector
	// primary is how Check reaches the primary.
	primary hrana.Options
	// forwarder carries libSQL's sync to the primary: libSQL is given its
	// URL, so that a sync abandoned or silent can be cut (see
	// syncforward). It closes with the replica.
	forwarder *syncforward.Forwarder

	// slot is held by the one sync running, until libSQL's call returns:
	// at once when the sync is cut, but later callers wait for it only
	// until their own deadline all the same.
	slot chan struct{}
	mu   sync.Mutex
	// db is nil until libSQL has opened the replica: a replica that holds
	// data opens without it while the primary cannot be reached, and the
	// next sync opens it.
	db     nativeDB
	status Status
	closed bool
	// orphaned is set when Close could not wait for a running sync: the
	// sync closes the native replica when it ends.
	orphaned bool
	// begun counts the syncs begun; pulled is the number of the last
	// successful one, recorded that of the last whose outcome status
	// holds. A write that ended when begun was n is in the local file once
	// pulled > n.
	begun, pulled, recorded uint64
	stop                    chan struct{}
	done                    chan struct{}
}

// Open opens the replica, pulls from the primary once, and starts the
// background sync when SyncInterval is set. A refused token fails Open. A
// primary that cannot be reached, or does not answer within the limits,
// fails Open when the replica holds no data yet; when it does, Open
// succeeds and serves reads from the local file, so that a restarted
// application keeps serving reads, and a later sync catches up.
func Open(opts Options) (*Replica, error) {
	primary, err := primaryOptions(opts)
	if err != nil {
		return nil, err
	}
	writeOpts := primary
	writeOpts.TxLock, writeOpts.CastValues = opts.Local.TxLock, true
	foreign, err := notReplica(opts.Local.Path)
	if err != nil {
		return nil, err
	}
	if foreign {
		return nil, fmt.Errorf("libsql: %s holds a database that is not an embedded replica (a plain SQLite file); use another path for the replica, or open this file on its own (Database without URL)", opts.Local.Path)
	}
	// The writer sends nothing until used, so a failure below leaves it
	// nothing to close.
	writer, err := hrana.NewConnector(writeOpts)
	if err != nil {
		return nil, err
	}
	limits := opts.Limits.WithDefaults()
	forwarder, err := syncforward.Start(syncforward.Options{
		Target:         primary.URL,
		Namespace:      opts.Namespace,
		ConnectTimeout: limits.ConnectTimeout,
		RequestTimeout: limits.RequestTimeout,
		TLSConfig:      limits.TLSConfig,
	})
	if err != nil {
		return nil, err
	}
	r := &Replica{opts: opts, writer: writer, primary: primary, forwarder: forwarder, slot: make(chan struct{}, 1)}
	existed := hasData(opts.Local.Path)
	// libSQL reports a refused token as a handshake timeout, and waits
	// minutes for a primary that does not answer; asking first gives a
	// clear error at once.
	ctx, cancel := opts.Limits.Bound(context.Background())
	err = hrana.Check(ctx, primary)
	cancel()
	switch {
	case errors.Is(err, hrana.ErrAuth), opts.Namespace != "" && hrana.IsMissingNamespace(err):
		// A replica kept of a namespace that was deleted is no replica
		// of anything: its reads are not served.
		r.Close()
		return nil, err
	case err != nil && !existed:
		r.Close()
		return nil, errmsg.Wrap(err, "libsql: cannot create the replica %s: the primary must be reachable for its first sync", opts.Local.Path)
	case err == nil:
		ctx, cancel := opts.Limits.Bound(context.Background())
		_, err = r.Sync(ctx)
		cancel()
		if err != nil && (errors.Is(err, hrana.ErrAuth) || !existed) {
			r.Close()
			return nil, errmsg.Wrap(err, "libsql: open replica %s", opts.Local.Path)
		}
	}
	readerOpts := opts.Local
	readerOpts.ReadOnly = true
	readerOpts.JournalMode = ""
	if r.reader, err = local.NewConnector(readerOpts); err != nil {
		r.Close()
		return nil, err
	}
	if opts.SyncInterval > 0 {
		r.stop, r.done = make(chan struct{}), make(chan struct{})
		go r.loop()
	}
	return r, nil
}

// primaryOptions is how the replica's requests reach the primary: its URL,
// and for a namespace the Host header that names it.
func primaryOptions(opts Options) (hrana.Options, error) {
	base, err := hrana.BaseURL(opts.URL)
	if err != nil {
		return hrana.Options{}, err
	}
	primary := hrana.Options{URL: base, AuthToken: opts.AuthToken, EncryptionKey: opts.RemoteEncryptionKey, Limits: opts.Limits}
	if opts.Namespace != "" {
		if primary.Host, err = hrana.NamespaceHostOf(opts.Namespace, base); err != nil {
			return hrana.Options{}, err
		}
	}
	return primary, nil
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
			ctx, cancel := r.opts.Limits.Bound(context.Background())
			if _, err := r.Sync(ctx); err != nil && r.opts.OnSyncError != nil && !r.stopping() {
				r.opts.OnSyncError(err)
			}
			cancel()
		}
	}
}

// stopping reports whether Close has begun, which cuts a running sync: its
// failure is no news.
func (r *Replica) stopping() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}

// ErrClosed is returned by Sync on a closed replica.
var ErrClosed = errors.New("libsql: the replica is closed")

// Sync pulls new frames from the primary. When ctx ends first, Sync cuts
// the sync's calls (see syncforward) and returns; libSQL's call, which Go
// cannot interrupt, then fails within milliseconds in the background.
func (r *Replica) Sync(ctx context.Context) (Synced, error) { return r.pull(ctx, false) }

// syncAfterWrite makes the local file hold the writes that have ended
// (see Sync). Concurrent writers share a sync: one that began after they
// ended serves them all.
func (r *Replica) syncAfterWrite(ctx context.Context) error {
	_, err := r.pull(ctx, true)
	return err
}

// pull runs a sync; with afterWrite, none when one that began since the
// call has succeeded meanwhile. It waits for a running sync, and for its
// own, only until ctx ends; then it cuts its own, which releases the slot
// when libSQL's call returns.
func (r *Replica) pull(ctx context.Context, afterWrite bool) (Synced, error) {
	type outcome struct {
		s   Synced
		err error
	}
	r.mu.Lock()
	ended := r.begun
	r.mu.Unlock()
	select {
	case r.slot <- struct{}{}:
	case <-ctx.Done():
		return Synced{}, errmsg.Wrap(context.Cause(ctx), "libsql: sync abandoned while an earlier sync was still running (the primary is slow or unreachable)")
	}
	r.mu.Lock()
	closed, served := r.closed, afterWrite && r.pulled > ended
	if !closed && !served {
		r.begun++
	}
	seq := r.begun
	r.mu.Unlock()
	if closed || served {
		<-r.slot
		if closed {
			return Synced{}, ErrClosed
		}
		return Synced{}, nil
	}
	session := r.forwarder.Begin()
	ch := make(chan outcome, 1)
	go func() {
		// Close may have run since the check above: a sync begun after it
		// would only be refused, and libSQL retries a refused connection.
		var frame, n int
		err := session.Err()
		if err == nil {
			frame, n, err = r.syncOnce()
		}
		cut := session.End()
		if err == nil {
			r.record(seq, frame, nil)
		}
		// Explaining a failure may cost a request to the primary; the
		// next sync need not wait for it.
		r.release()
		if err != nil {
			err = r.explain(redact(redact(err, r.opts.AuthToken), r.opts.RemoteEncryptionKey), cut)
			r.record(seq, frame, err)
		}
		ch <- outcome{Synced{FrameNo: frame, FramesSynced: n}, err}
	}()
	select {
	case o := <-ch:
		return o.s, o.err
	case <-ctx.Done():
		cause := context.Cause(ctx)
		session.Cut(fmt.Errorf("the sync was abandoned: %w", cause))
		return Synced{}, errmsg.Wrap(cause, "libsql: sync abandoned")
	}
}

// syncOnce opens the native replica if Open could not, then syncs it. The
// caller holds the slot.
func (r *Replica) syncOnce() (frameNo, framesSynced int, err error) {
	if r.opts.pullNative != nil {
		return r.opts.pullNative()
	}
	r.mu.Lock()
	db := r.db
	r.mu.Unlock()
	if db == nil {
		wait := r.opts.Limits.WithDefaults().RequestTimeout
		if wait < 0 {
			wait = hrana.DefaultRequestTimeout
		}
		if err := awaitOrphan(r.opts.Local.Path, wait); err != nil {
			return 0, 0, err
		}
		db, err = openNative(r.opts.Local.Path, r.forwarder.URL(), r.opts.AuthToken, r.opts.Local.EncryptionKey, r.opts.RemoteEncryptionKey)
		if err != nil {
			return 0, 0, explainOpen(r.opts.Local.Path, err)
		}
		r.mu.Lock()
		r.db = db
		r.mu.Unlock()
	}
	for attempt := 0; ; attempt++ {
		frameNo, framesSynced, err = syncNative(db)
		if err == nil || r.opts.Namespace == "" || attempt == len(hrana.NamespaceRetryDelays) || !namespaceRefused(err) {
			return frameNo, framesSynced, err
		}
		time.Sleep(hrana.NamespaceRetryDelays[attempt])
	}
}

// namespaceRefused reports whether sqld refused a sync for its namespace.
// While sqld 0.24 swaps namespaces in and out beyond its
// --max-active-namespaces, it now and then answers a replication call to a
// namespace that exists with "Requested namespace doesn't exist" (as it
// does Hrana requests, see hrana.NamespaceRetryDelays), or with "logger
// closed" when it unloads the namespace during the call (1 sync in about
// 1,000 opens of 1,000 tenants). A sync only pulls, so resending it is
// always safe.
func namespaceRefused(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "namespace doesn't exist") || strings.Contains(msg, "logger closed")
}

// release gives up the slot, closing the native replica first if Close
// ran meanwhile and left it to this sync.
func (r *Replica) release() {
	r.mu.Lock()
	db := r.db
	orphaned := r.orphaned
	if orphaned {
		r.db = nil
	}
	r.mu.Unlock()
	if orphaned {
		if db != nil {
			closeNative(db)
		}
		unorphan(r.opts.Local.Path)
	}
	<-r.slot
}

// explain makes a failed sync's error say why when libSQL's text does
// not: the cut that ended it (libSQL's text then only says it gave up), a
// refused token or an unreachable primary.
func (r *Replica) explain(err, cut error) error {
	if cut != nil {
		return errmsg.Wrap(cut, "libsql: sync with the primary failed")
	}
	if fe := (*fileError)(nil); errors.As(err, &fe) {
		return err
	}
	if c := classify(err, r.opts.Local.Path); c != err {
		return c
	}
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	if cause := hrana.Check(ctx, r.primary); cause != nil {
		return errmsg.Wrap(cause, "libsql: sync with the primary failed (%s)", err)
	}
	return errmsg.Wrap(err, "libsql: sync with the primary failed")
}

// checkTimeout bounds the request that diagnoses a failed sync.
const checkTimeout = 5 * time.Second

// record keeps the outcome of sync seq, unless a later one's is kept
// already (a failure is recorded after the slot is released).
func (r *Replica) record(seq uint64, frame int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if seq < r.recorded {
		return
	}
	r.recorded = seq
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

// Close stops the background sync, closes the Forwarder, which cuts a
// running sync, and closes the replica. The cut ends a sync's waits on the
// network at once, but libSQL's call may still be writing frames to the
// file, and closing the native replica under it would free memory in use:
// Close waits for it at most closeWait, and a sync still running then
// closes the native replica when libSQL returns; until then a new Replica
// of the file waits before opening its own native handle (see orphans).
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
	}
	// Before waiting for the loop: the loop may be waiting for a sync.
	err := r.forwarder.Close()
	if r.done != nil {
		<-r.done
	}
	if r.reader != nil {
		err = errors.Join(err, r.reader.Close())
	}
	err = errors.Join(err, r.writer.Close())
	select {
	case r.slot <- struct{}{}:
		r.mu.Lock()
		db := r.db
		r.db = nil
		r.mu.Unlock()
		if db != nil {
			closeNative(db)
		}
		<-r.slot
	case <-time.After(closeWait):
		r.mu.Lock()
		r.orphaned = true
		orphan(r.opts.Local.Path)
		r.mu.Unlock()
		// The sync may have ended before it could see orphaned.
		select {
		case r.slot <- struct{}{}:
			r.release()
		default:
		}
	}
	return err
}

// closeWait bounds how long Close waits for a running sync.
const closeWait = 5 * time.Second

// redact removes the token from an error that libSQL built.
func redact(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), token, "[redacted]"))
}
