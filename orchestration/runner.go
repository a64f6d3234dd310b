// Package orchestration runs pipelines: it takes the warehouse's writer
// lock, builds the next state with the pipeline's steps in dependency order
// (retrying steps as configured), records every run and step in the run
// journal, and publishes only when every step succeeded.
//
// A run, from start to end:
//
//  1. Acquire the writer lock (or fail with *lock.HeldError, or wait).
//  2. Recover: finish or undo a publish that a crash interrupted (see
//     recover.go), and clear leftovers.
//  3. Journal "start"; warehouse.Begin copies the published state.
//  4. Steps in order; each attempt runs in one transaction (extract:
//     replaces what it writes), so a retried step starts clean. A failed
//     step skips the steps that need it.
//  5. All succeeded: copy the journal's runs into meta.runs/meta.steps, write
//     the publish intent, publish the warehouse (one rename), swap staged
//     exports into place, remove the intent, journal "end published".
//     Otherwise: abort (the published warehouse is untouched), discard
//     staged exports, journal "end failed".
package orchestration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/internal/export"
	"github.com/skolestat/skolestat/internal/httpclient"
	"github.com/skolestat/skolestat/internal/progress"
	"github.com/skolestat/skolestat/internal/warehouse"
	"github.com/skolestat/skolestat/orchestration/history"
	"github.com/skolestat/skolestat/orchestration/lock"
	"github.com/skolestat/skolestat/pipelines"
	"github.com/skolestat/skolestat/transforms"
)

// Runner runs pipelines against one warehouse. Fill the fields, then call
// Run; a Runner may run several pipelines one after another.
type Runner struct {
	Warehouse  string
	Connectors *connectors.Registry
	Transforms *transforms.Registry
	Log        *slog.Logger
	Progress   *progress.Reporter
	// LockWait is how long to wait for another run's lock; 0 fails at once.
	LockWait time.Duration
	// Version of skolestat, recorded with each run.
	Version string
	// Command describes this process in the lock file ("run nightly.yaml").
	Command string
	// Threads and MemoryLimit tune DuckDB (0 / "" for defaults).
	Threads     int
	MemoryLimit string
	// Pause, when set, is called at named points of a run (see points.go);
	// crash tests use it to stop the process there.
	Pause func(point string)
	// HTTP is the client sources fetch through; nil means one with the
	// default settings and the connectors' documented rate limits
	// (Registry.Rates), made on first use.
	HTTP *httpclient.Client

	httpOnce sync.Once
}

// httpClient returns the client the run's sources share.
func (r *Runner) httpClient() *httpclient.Client {
	r.httpOnce.Do(func() {
		if r.HTTP == nil {
			opt := httpclient.Options{Version: r.Version, Logger: r.Log}
			if r.Connectors != nil {
				opt.Rates = r.Connectors.Rates()
			}
			r.HTTP = httpclient.New(opt)
		}
	})
	return r.HTTP
}

// Result is what a run did.
type Result struct {
	RunID     string
	Pipeline  string
	Started   time.Time
	Ended     time.Time
	Published bool
	Steps     []history.Step
	// Exports are the exports published by the run.
	Exports []*export.Staged
}

// StepFailedError says which step failed the run. Its Err is the last
// attempt's error.
type StepFailedError struct {
	Step     *pipelines.Step
	Attempts int
	Err      error
}

func (e *StepFailedError) Error() string {
	tries := ""
	if e.Attempts > 1 {
		tries = fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	return fmt.Sprintf("%s failed%s: %v", e.Step, tries, e.Err)
}

func (e *StepFailedError) Unwrap() error { return e.Err }

// run is the state of one run in progress.
type run struct {
	id      string
	p       *pipelines.Pipeline
	b       *warehouse.Build
	journal *history.Journal
	staged  []*export.Staged
	res     *Result
}

// Run runs p. It returns a nil error only if the run published. Errors:
// *lock.HeldError when another run holds the lock; *StepFailedError when a
// step failed (nothing published); others for failures around the steps.
func (r *Runner) Run(ctx context.Context, p *pipelines.Pipeline) (*Result, error) {
	if r.Log == nil {
		r.Log = slog.New(slog.DiscardHandler)
	}
	id := newRunID()
	res := &Result{RunID: id, Pipeline: p.Name, Started: time.Now().UTC()}
	lk, err := lock.Acquire(ctx, warehouse.LockPath(r.Warehouse), r.LockWait, lock.Holder{Command: r.Command})
	if err != nil {
		return res, err
	}
	defer lk.Release()
	log := r.Log.With("run", id, "pipeline", p.Name)
	if err := r.recover(ctx, p); err != nil {
		return res, fmt.Errorf("recovering from an interrupted run: %w", err)
	}
	j := history.Open(history.Path(r.Warehouse))
	err = j.Append(history.Event{RunID: id, Type: "start", Pipeline: p.Name, PipelineFile: p.File,
		Params: p.Params, PID: os.Getpid(), Version: r.Version, Time: res.Started})
	if err != nil {
		return res, err
	}
	log.Info("run started", "warehouse", r.Warehouse, "steps", len(p.Order))
	b, err := warehouse.Begin(ctx, r.Warehouse, lk, warehouse.Options{
		Threads: r.Threads, MemoryLimit: r.MemoryLimit, Logger: log, Pause: r.Pause})
	if err != nil {
		r.end(j, res, err)
		return res, err
	}
	st := &run{id: id, p: p, b: b, journal: j, res: res}
	if err := r.steps(ctx, st, log); err != nil {
		b.Abort()
		st.discardExports(log)
		r.end(j, res, err)
		log.Error("run failed; nothing was published", "err", err)
		return res, err
	}
	if err := r.publish(ctx, st, log); err != nil {
		r.end(j, res, err)
		log.Error("publishing failed", "err", err)
		return res, err
	}
	res.Published = true
	res.Exports = st.staged
	r.end(j, res, nil)
	log.Info("run published", "duration", res.Ended.Sub(res.Started).Round(time.Millisecond).String())
	return res, nil
}

// end journals the end of a run; a journal write failure is logged, not
// returned, since the run's outcome is already decided.
func (r *Runner) end(j *history.Journal, res *Result, runErr error) {
	res.Ended = time.Now().UTC()
	ev := history.Event{RunID: res.RunID, Type: "end", Status: "published", Time: res.Ended}
	if runErr != nil {
		ev.Status, ev.Error = "failed", runErr.Error()
	}
	if err := j.Append(ev); err != nil {
		r.Log.Warn("could not record the end of the run in the journal", "err", err)
	}
}

// steps runs every step in order. A step whose needs failed is skipped.
func (r *Runner) steps(ctx context.Context, st *run, log *slog.Logger) error {
	failed := map[string]bool{}
	var firstErr error
	for _, s := range st.p.Order {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("run cancelled before %s: %w", s, err)
		}
		var blocked []string
		for _, need := range s.Needs {
			if failed[need] {
				blocked = append(blocked, need)
			}
		}
		if len(blocked) > 0 {
			failed[s.ID] = true
			now := time.Now().UTC()
			r.record(st, history.Step{ID: s.ID, Attempt: 1, Kind: string(s.Kind), Uses: s.Uses, Started: now, Ended: now,
				Status: "skipped", Error: "needs " + strings.Join(blocked, ", ") + ", which failed"})
			log.Warn("step skipped", "step", s.ID, "because", strings.Join(blocked, ", "))
			continue
		}
		if err := r.step(ctx, st, s, log); err != nil {
			failed[s.ID] = true
			if firstErr == nil {
				firstErr = err
			}
			if ctx.Err() != nil {
				return firstErr
			}
		}
	}
	return firstErr
}

// step runs one step with its retries.
func (r *Runner) step(ctx context.Context, st *run, s *pipelines.Step, log *slog.Logger) error {
	backoff := s.Retry.Backoff
	var err error
	attempt := 0
	for attempt = 1; attempt <= s.Retry.Attempts; attempt++ {
		rec := history.Step{ID: s.ID, Attempt: attempt, Kind: string(s.Kind), Uses: s.Uses, Started: time.Now().UTC()}
		slog := log.With("step", s.ID, "attempt", attempt)
		slog.Info("step started", "kind", s.Kind, "uses", s.Uses)
		r.pause("step:" + s.ID + ":start")
		var c counts
		c, err = r.attempt(ctx, st, s, slog)
		rec.Ended, rec.RowsIn, rec.RowsOut = time.Now().UTC(), c.in, c.out
		if err == nil {
			rec.Status = "succeeded"
			r.record(st, rec)
			slog.Info("step succeeded", "rows_in", c.in, "rows_out", c.out,
				"duration", rec.Ended.Sub(rec.Started).Round(time.Millisecond).String())
			r.pause("step:" + s.ID + ":end")
			return nil
		}
		rec.Status, rec.Error = "failed", err.Error()
		r.record(st, rec)
		r.keepPayload(st, s, attempt, err, slog)
		if ctx.Err() != nil || !retryable(err) || attempt == s.Retry.Attempts {
			slog.Error("step failed", "err", err)
			break
		}
		slog.Warn("step failed; retrying", "err", err, "wait", backoff.String())
		select {
		case <-ctx.Done():
			return &StepFailedError{Step: s, Attempts: attempt, Err: ctx.Err()}
		case <-time.After(backoff):
		}
		backoff *= 2
	}
	return &StepFailedError{Step: s, Attempts: min(attempt, s.Retry.Attempts), Err: err}
}

// PayloadDir is where a run keeps the payloads that failed a step (see
// keepPayload): beside the warehouse, never inside it.
func PayloadDir(warehouse string) string { return warehouse + ".failed" }

// keepPayload writes the payload of a *connectors.PayloadError to
// PayloadDir as <run>-<step>-<attempt>.payload, so that whoever reads the
// error can see what the API sent. Only public sources return payloads;
// failing to keep one is logged, not fatal.
func (r *Runner) keepPayload(st *run, s *pipelines.Step, attempt int, err error, log *slog.Logger) {
	var pe *connectors.PayloadError
	if !errors.As(err, &pe) || len(pe.Payload) == 0 {
		return
	}
	dir := PayloadDir(r.Warehouse)
	path := filepath.Join(dir, fmt.Sprintf("%s-%s-%d.payload", st.id, s.ID, attempt))
	if err := os.MkdirAll(dir, 0o755); err == nil {
		err = os.WriteFile(path, pe.Payload, 0o644)
	}
	if err != nil {
		log.Warn("could not keep the failing payload", "err", err)
		return
	}
	log.Error("payload kept for diagnosis", "path", path, "endpoint", pe.Endpoint, "bytes", len(pe.Payload))
}

// counts are a step attempt's rows in and out.
type counts struct{ in, out int64 }

// attempt runs one try of a step. Transform and load steps run in one
// transaction of the next state; an extract step is idempotent instead; an
// export step stages files.
func (r *Runner) attempt(ctx context.Context, st *run, s *pipelines.Step, log *slog.Logger) (counts, error) {
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, s.Timeout, fmt.Errorf("%s took longer than its timeout %s", s, s.Timeout))
		defer cancel()
	}
	var c counts
	var err error
	switch s.Kind {
	case pipelines.Export:
		c, err = r.exportStep(ctx, st, s, log)
	case pipelines.Extract:
		// Not in a transaction: DuckDB scans rows appended in an open
		// transaction on one thread, which made the key checks of a
		// national load twice as slow. An extract attempt is idempotent
		// instead (extractStep), and a build is only published when every
		// step succeeded, so a half-done attempt is never seen.
		c, err = r.extractStep(ctx, st, s, log)
	default:
		err = st.b.InTx(ctx, func() error {
			var e error
			switch s.Kind {
			case pipelines.Extract:
				c, e = r.extractStep(ctx, st, s, log)
			case pipelines.Transform:
				c, e = r.transformStep(ctx, st, s, log)
			case pipelines.LoadSQL:
				c, e = r.loadStep(ctx, st, s)
			default:
				e = fmt.Errorf("no executor for step kind %q", s.Kind)
			}
			return e
		})
	}
	if err != nil && context.Cause(ctx) != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", err, context.Cause(ctx))
	}
	return c, err
}

// retryable reports whether trying a step again could help: bad input and
// invalid configuration will fail the same way every time.
func retryable(err error) bool {
	var bad interface{ BadInput() bool }
	return !(errors.As(err, &bad) && bad.BadInput())
}

func (r *Runner) record(st *run, rec history.Step) {
	st.res.Steps = append(st.res.Steps, rec)
	if err := st.journal.Append(history.Event{RunID: st.id, Type: "step", Step: &rec}); err != nil {
		r.Log.Warn("could not record a step in the run journal", "err", err)
	}
}

func (r *Runner) pause(point string) {
	if r.Pause != nil {
		r.Pause(point)
	}
}

func (st *run) discardExports(log *slog.Logger) {
	for _, s := range st.staged {
		if err := s.Discard(); err != nil {
			log.Warn("could not remove a staged export", "path", s.Staging, "err", err)
		}
	}
}

// newRunID returns a sortable, unique run id: UTC time plus randomness.
func newRunID() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405.000Z") + "-" + hex.EncodeToString(b[:])
}
