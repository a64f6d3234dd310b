package warehouse

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"
)

// Serving keeps a Served copy of the published warehouse current for a
// long-running server (skolestat serve). Each client session or request
// Acquires the current copy and releases it when done; Refresh (or Watch,
// which calls it periodically) makes a new copy after a publish, hands it to
// new sessions, and closes the old one when its last session ends. So a
// session sees one state from start to end, and a publish reaches new
// sessions within the Watch interval without a restart.
type Serving struct {
	path, dir string
	opt       ServedOptions
	log       *slog.Logger

	refresh sync.Mutex // one Refresh at a time
	mu      sync.Mutex // guards cur and the refs of every copy
	cur     *servedRef
	closed  bool
}

type servedRef struct {
	s       *Served
	refs    int
	retired bool
}

// NewServing makes the first copy of the warehouse published at path, in
// dir. It fails when nothing is published there yet.
func NewServing(ctx context.Context, path, dir string, opt ServedOptions, log *slog.Logger) (*Serving, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log.Info("copying the mart schema to serve it", "warehouse", path)
	s, err := OpenServed(ctx, path, dir, opt)
	if err != nil {
		return nil, err
	}
	log.Info("serving the mart schema", "warehouse", path, "run", s.RunID(), "copied_in", s.Took().Round(time.Millisecond))
	return &Serving{path: path, dir: dir, opt: opt, log: log, cur: &servedRef{s: s}}, nil
}

// Acquire returns the current copy and the function that releases it; call
// release exactly once, after the last use of the copy and its connections.
func (sv *Serving) Acquire() (*Served, func()) {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	r := sv.cur
	r.refs++
	var once sync.Once
	return r.s, func() { once.Do(func() { sv.release(r) }) }
}

// Conn opens a connection to the current copy for one client session or
// request, and returns the copy with it (for its RunID); end closes the
// connection and releases the copy.
func (sv *Serving) Conn(ctx context.Context) (*Served, *sql.Conn, func(), error) {
	s, release := sv.Acquire()
	conn, err := s.Conn(ctx)
	if err != nil {
		release()
		return nil, nil, nil, err
	}
	return s, conn, func() {
		_ = conn.Close()
		release()
	}, nil
}

// Session is Conn without the copy (pgserver.Source).
func (sv *Serving) Session(ctx context.Context) (*sql.Conn, func(), error) {
	_, conn, end, err := sv.Conn(ctx)
	return conn, end, err
}

func (sv *Serving) release(r *servedRef) {
	sv.mu.Lock()
	r.refs--
	done := r.retired && r.refs == 0
	sv.mu.Unlock()
	if done {
		sv.closeCopy(r.s)
	}
}

// retire marks r retired, under sv.mu, and reports whether no session
// holds it, so that the caller closes it once it has let go of sv.mu.
func retire(r *servedRef) bool {
	r.retired = true
	return r.refs == 0
}

func (sv *Serving) closeCopy(s *Served) {
	if err := s.Close(); err != nil {
		sv.log.Warn("removing an old served copy", "err", err)
	}
}

// Refresh makes a new copy if a publish has replaced the warehouse since
// the current one was made, and reports whether it did. On error the
// current copy stays in service.
func (sv *Serving) Refresh(ctx context.Context) (bool, error) {
	sv.refresh.Lock()
	defer sv.refresh.Unlock()
	sv.mu.Lock()
	stale := !sv.closed && sv.cur.s.Stale()
	sv.mu.Unlock()
	if !stale {
		return false, nil
	}
	s, err := OpenServed(ctx, sv.path, sv.dir, sv.opt)
	if err != nil {
		return false, err
	}
	sv.mu.Lock()
	if sv.closed {
		sv.mu.Unlock()
		sv.closeCopy(s)
		return false, nil
	}
	old := sv.cur
	sv.cur = &servedRef{s: s}
	done := retire(old)
	sv.mu.Unlock()
	if done {
		sv.closeCopy(old.s)
	}
	sv.log.Info("serving a newly published state", "run", s.RunID(), "copied_in", s.Took().Round(time.Millisecond))
	return true, nil
}

// Watch calls Refresh every interval until ctx is done, logging failures
// (the current copy stays in service).
func (sv *Serving) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := sv.Refresh(ctx); err != nil && ctx.Err() == nil {
				sv.log.Warn("copying the newly published warehouse failed; still serving the earlier state", "err", err)
			}
		}
	}
}

// Close retires the current copy: it is closed and removed when its last
// session releases it (at once if none holds it). Acquire must not be
// called after Close.
func (sv *Serving) Close() {
	sv.refresh.Lock()
	defer sv.refresh.Unlock()
	sv.mu.Lock()
	if sv.closed {
		sv.mu.Unlock()
		return
	}
	sv.closed = true
	r := sv.cur
	done := retire(r)
	sv.mu.Unlock()
	if done {
		sv.closeCopy(r.s)
	}
}
