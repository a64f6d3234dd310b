// Package progress reports progress on long work: a bar on stderr when it
// is a terminal, and plain log lines (at most one every few seconds per
// task, plus one at the end) when it is not, so that schedulers and CI logs
// stay readable.
//
// Callers create one Reporter per command (the CLI does) and pass it down;
// packages that do long work take a Task from it, call Add as they go, and
// Done when finished. A nil *Reporter is valid and reports nothing.
package progress

import (
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Reporter makes Tasks.
type Reporter struct {
	w        io.Writer
	terminal bool
	log      *slog.Logger
	every    time.Duration
}

// New returns a Reporter that draws bars on w when terminal is true and
// logs through log otherwise.
func New(w io.Writer, terminal bool, log *slog.Logger) *Reporter {
	return &Reporter{w: w, terminal: terminal, log: log, every: 5 * time.Second}
}

// Task is one piece of long work.
type Task struct {
	r       *Reporter
	label   string
	unit    string
	total   int64
	done    int64
	start   time.Time
	lastLog time.Time
	bar     *progressbar.ProgressBar
	mu      sync.Mutex
}

// Start begins a task. total is the amount of work in unit ("rows",
// "files"), or -1 when unknown. On a terminal, tasks are meant to run one
// after another: two bars at once would draw over each other.
func (r *Reporter) Start(label, unit string, total int64) *Task {
	t := &Task{r: r, label: label, unit: unit, total: total, start: time.Now()}
	if r == nil {
		return t
	}
	t.lastLog = t.start
	if r.terminal {
		t.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(r.w),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionSetItsString(unit),
			progressbar.OptionShowIts(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetPredictTime(total > 0),
		)
	}
	return t
}

// Add records n more units done.
func (t *Task) Add(n int64) {
	if t == nil || t.r == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done += n
	if t.bar != nil {
		_ = t.bar.Add64(n)
		return
	}
	if now := time.Now(); now.Sub(t.lastLog) >= t.r.every {
		t.lastLog = now
		t.logLine("progress")
	}
}

// Done ends the task; it is safe to call twice.
func (t *Task) Done() {
	if t == nil || t.r == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bar != nil {
		_ = t.bar.Finish()
		_ = t.bar.Exit()
		t.bar = nil
	}
	if !t.start.IsZero() {
		t.logLine("done")
		t.start = time.Time{}
	}
}

func (t *Task) logLine(msg string) {
	if t.r.log == nil {
		return
	}
	attrs := []any{"task", t.label, t.unit, t.done}
	if t.total > 0 {
		attrs = append(attrs, "of", t.total, "percent", 100*t.done/t.total)
	}
	if !t.start.IsZero() {
		attrs = append(attrs, "elapsed", time.Since(t.start).Round(time.Millisecond).String())
	}
	t.r.log.Info(msg, attrs...)
}
