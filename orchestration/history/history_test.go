package history

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestJournalFoldsRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb.history.jsonl")
	j := Open(path)
	t0 := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	events := []Event{
		{RunID: "a", Type: "start", Pipeline: "nightly", PID: 10, Time: t0},
		{RunID: "a", Type: "step", Step: &Step{ID: "x", Attempt: 1, Status: "succeeded", RowsOut: 5}, Time: t0.Add(time.Second)},
		{RunID: "a", Type: "step", Step: &Step{ID: "y", Attempt: 1, Status: "failed", RowsOut: 7, Error: "boom"}, Time: t0.Add(2 * time.Second)},
		{RunID: "a", Type: "end", Status: "failed", Error: "y failed", Time: t0.Add(3 * time.Second)},
		{RunID: "b", Type: "start", Pipeline: "nightly", PID: 11, Time: t0.Add(time.Hour)},
		{RunID: "c", Type: "start", Pipeline: "nightly", PID: 12, Time: t0.Add(2 * time.Hour)},
	}
	for _, ev := range events {
		if err := j.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	// A torn last line, as a process killed mid-write leaves.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"run_id":"c","type":"end","sta`)
	f.Close()

	runs, err := Read(path, func(r Run) bool { return r.PID == 12 })
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 {
		t.Fatalf("got %d runs, want 3", len(runs))
	}
	a, b, c := runs[0], runs[1], runs[2]
	if a.Status != "failed" || a.Error != "y failed" || len(a.Steps) != 2 || a.RowsOut() != 5 || !a.Ended.Equal(t0.Add(3*time.Second)) {
		t.Errorf("run a = %+v (rows out of succeeded steps should be 5)", a)
	}
	if b.Status != "interrupted" || b.Error == "" {
		t.Errorf("run b has no end and its process is gone: status %q", b.Status)
	}
	if c.Status != "running" {
		t.Errorf("run c has no end and its process holds the lock: status %q", c.Status)
	}
}

func TestMissingJournalIsEmpty(t *testing.T) {
	runs, err := Read(filepath.Join(t.TempDir(), "none"), nil)
	if err != nil || len(runs) != 0 {
		t.Fatalf("Read of a missing journal = %v, %v", runs, err)
	}
}
