// Package lock is the cross-process writer lock of a warehouse: one process at
// a time may build and publish a warehouse's next state.
//
// The lock is an advisory flock(2) on a sidecar file (the warehouse path plus
// ".lock"). The kernel releases it when the holder's process dies, however it
// dies, so a SIGKILLed run never leaves a lock that blocks the next one. The
// file itself stays behind and holds a JSON description of the last holder
// (PID, host, start time, what it runs), which is how a refused writer can
// name the process it is waiting for.
//
// Callers: the orchestration runner (skolestat run, demo, schedule) and
// skolestat export. Acquire before warehouse.Begin; Release after Publish or
// Abort.
package lock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gofrs/flock"
)

// Holder describes the process that holds (or last held) a lock.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Since   time.Time `json:"since"`
	Command string    `json:"command"` // what it runs, e.g. "run pipelines/nightly.yaml"
}

func (h Holder) String() string {
	if h.PID == 0 {
		return "an unknown process"
	}
	s := fmt.Sprintf("PID %d", h.PID)
	if h.Host != "" {
		s += " on " + h.Host
	}
	if h.Command != "" {
		s += fmt.Sprintf(" (%s", h.Command)
		if !h.Since.IsZero() {
			s += ", since " + h.Since.Format(time.RFC3339)
		}
		s += ")"
	}
	return s
}

// HeldError is returned by Acquire when another process holds the lock (and
// the wait, if any, ran out). The CLI maps it to exit code 3.
type HeldError struct {
	Path   string
	Holder Holder
	Waited time.Duration
}

func (e *HeldError) Error() string {
	msg := fmt.Sprintf("warehouse is locked by %s (lock file %s)", e.Holder, e.Path)
	if e.Waited > 0 {
		msg += fmt.Sprintf("; waited %s", e.Waited.Round(time.Millisecond))
	}
	return msg
}

// Lock is a held writer lock. Release it exactly once; Release is safe to call
// again and then does nothing.
type Lock struct {
	fl   *flock.Flock
	path string
}

// pollInterval bounds how often a waiting Acquire retries. flock offers no
// blocking-with-timeout, so waiting is a bounded poll, never a spin.
const pollInterval = 200 * time.Millisecond

// Acquire takes the lock at path. With wait == 0 it fails at once with a
// *HeldError if another process holds it; with wait > 0 it retries until the
// lock is free, wait has passed, or ctx ends. On success the lock file holds
// the description of this process (who, with PID set to os.Getpid()).
func Acquire(ctx context.Context, path string, wait time.Duration, who Holder) (*Lock, error) {
	fl := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o644))
	start := time.Now()
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if !ok && wait > 0 {
		wctx, cancel := context.WithTimeout(ctx, wait)
		ok, err = fl.TryLockContext(wctx, pollInterval)
		cancel()
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("waiting for lock %s: %w", path, err)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("waiting for lock %s: %w", path, ctx.Err())
		}
	}
	if !ok {
		return nil, &HeldError{Path: path, Holder: ReadHolder(path), Waited: waited(start, wait)}
	}
	if who.PID == 0 {
		who.PID = os.Getpid()
	}
	if who.Host == "" {
		who.Host, _ = os.Hostname()
	}
	if who.Since.IsZero() {
		who.Since = time.Now().UTC().Truncate(time.Second)
	}
	if err := writeHolder(path, who); err != nil {
		_ = fl.Unlock()
		return nil, err
	}
	return &Lock{fl: fl, path: path}, nil
}

func waited(start time.Time, wait time.Duration) time.Duration {
	if wait == 0 {
		return 0
	}
	return time.Since(start)
}

// Release gives the lock up. The lock file stays, naming the last holder.
func (l *Lock) Release() error {
	if l == nil || l.fl == nil {
		return nil
	}
	err := l.fl.Unlock()
	l.fl = nil
	if err != nil {
		return fmt.Errorf("unlocking %s: %w", l.path, err)
	}
	return nil
}

// Path is the lock file's path.
func (l *Lock) Path() string { return l.path }

// ReadHolder returns the holder recorded in the lock file, or a zero Holder
// when the file is missing or unreadable (it is only ever diagnostic).
func ReadHolder(path string) Holder {
	var h Holder
	b, err := os.ReadFile(path)
	if err != nil {
		return h
	}
	_ = json.Unmarshal(b, &h)
	return h
}

// writeHolder records who in the lock file. Only the lock holder writes it, so
// truncating in place is safe; a reader racing with the write sees an empty or
// partial file and reports "an unknown process".
func writeHolder(path string, who Holder) error {
	b, err := json.Marshal(who)
	if err != nil {
		return fmt.Errorf("encoding lock holder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("recording lock holder in %s: %w", path, err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("recording lock holder in %s: %w", path, err)
	}
	return f.Close()
}

// Probe reports whether a process holds the lock at path, and who it is,
// without disturbing it (it takes and releases a shared lock at most). A
// missing lock file is an unheld lock.
func Probe(path string) (bool, Holder, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return false, Holder{}, nil
	}
	fl := flock.New(path, flock.SetFlag(os.O_RDONLY))
	ok, err := fl.TryRLock()
	if err != nil {
		return false, Holder{}, fmt.Errorf("probing lock %s: %w", path, err)
	}
	if ok {
		_ = fl.Unlock()
		return false, ReadHolder(path), nil
	}
	return true, ReadHolder(path), nil
}
