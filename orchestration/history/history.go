// Package history is the run journal of a warehouse: an append-only file of
// JSON lines beside the warehouse (W.history.jsonl) recording every run and
// step as it happens.
//
// Why a journal and not only meta.runs: a run that fails publishes nothing,
// so it cannot write its own record into the warehouse, and a run killed
// with SIGKILL writes nothing at all at the end. The journal is written as
// the run goes (each line fsynced), so it knows about every run; the next
// published run copies the journal's runs into meta.runs and meta.steps so
// that SQL users see the same history.
//
// Writers: the orchestration runner, while holding the writer lock (so lines
// of two runs never interleave). Readers: skolestat runs, and the runner at
// publish.
package history

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"
)

// Path is the journal of the warehouse at warehouse.
func Path(warehouse string) string { return warehouse + ".history.jsonl" }

// Event is one journal line.
type Event struct {
	Time  time.Time `json:"time"`
	RunID string    `json:"run_id"`
	// Type is "start", "step" or "end".
	Type string `json:"type"`
	// start
	Pipeline     string            `json:"pipeline,omitempty"`
	PipelineFile string            `json:"pipeline_file,omitempty"`
	Params       map[string]string `json:"params,omitempty"`
	PID          int               `json:"pid,omitempty"`
	Version      string            `json:"version,omitempty"`
	// step
	Step *Step `json:"step,omitempty"`
	// end: "published" or "failed"
	Status string `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Step is one attempt of one step.
type Step struct {
	ID      string    `json:"id"`
	Attempt int       `json:"attempt"`
	Kind    string    `json:"kind"`
	Uses    string    `json:"uses,omitempty"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
	// Status is "succeeded", "failed" or "skipped".
	Status  string `json:"status"`
	RowsIn  int64  `json:"rows_in"`
	RowsOut int64  `json:"rows_out"`
	Error   string `json:"error,omitempty"`
}

// Run is a run folded from its events.
type Run struct {
	ID           string
	Pipeline     string
	PipelineFile string
	Params       map[string]string
	PID          int
	Version      string
	Started      time.Time
	Ended        time.Time // zero while running or when interrupted
	// Status is "published", "failed", "running" (no end yet and its
	// process holds the lock) or "interrupted" (no end, and it never will).
	Status string
	Error  string
	Steps  []Step
}

// Journal appends to one warehouse's journal.
type Journal struct {
	path string
}

// Open returns the journal at path (created on first Append).
func Open(path string) *Journal { return &Journal{path: path} }

// Append writes ev as one line and fsyncs it, so that it survives the
// process being killed right after.
func (j *Journal) Append(ev Event) error {
	if ev.Time.IsZero() {
		ev.Time = time.Now().UTC()
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encoding run journal event: %w", err)
	}
	f, err := os.OpenFile(j.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("opening run journal %s: %w", j.path, err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("writing run journal %s: %w", j.path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("flushing run journal %s: %w", j.path, err)
	}
	return f.Close()
}

// Read folds the journal at path into runs, oldest first. A missing journal
// is an empty history. A torn last line (the process died mid-write) is
// ignored. running tells whether a run without an end is still going (the
// caller asks the lock); runs without an end that are not running are
// "interrupted".
func Read(path string, running func(r Run) bool) ([]Run, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading run journal %s: %w", path, err)
	}
	defer f.Close()
	byID := map[string]*Run{}
	var order []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.RunID == "" {
			continue
		}
		r := byID[ev.RunID]
		if r == nil {
			r = &Run{ID: ev.RunID}
			byID[ev.RunID] = r
			order = append(order, ev.RunID)
		}
		switch ev.Type {
		case "start":
			r.Pipeline, r.PipelineFile, r.Params = ev.Pipeline, ev.PipelineFile, ev.Params
			r.PID, r.Version, r.Started = ev.PID, ev.Version, ev.Time
		case "step":
			if ev.Step != nil {
				r.Steps = append(r.Steps, *ev.Step)
			}
		case "end":
			r.Ended, r.Status, r.Error = ev.Time, ev.Status, ev.Error
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading run journal %s: %w", path, err)
	}
	runs := make([]Run, 0, len(order))
	for _, id := range order {
		r := *byID[id]
		if r.Status == "" {
			if running != nil && running(r) {
				r.Status = "running"
			} else {
				r.Status = "interrupted"
				r.Error = "the process ended before the run did (killed, or the machine stopped); nothing was published"
			}
		}
		runs = append(runs, r)
	}
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].Started.Before(runs[j].Started) })
	return runs, nil
}

// RowsOut sums the rows written by the run's succeeded steps.
func (r Run) RowsOut() int64 {
	var n int64
	for _, s := range r.Steps {
		if s.Status == "succeeded" {
			n += s.RowsOut
		}
	}
	return n
}
