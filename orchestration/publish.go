package orchestration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/skolestat/skolestat/internal/export"
	"github.com/skolestat/skolestat/internal/warehouse"
	"github.com/skolestat/skolestat/orchestration/history"
	"github.com/skolestat/skolestat/pipelines"
)

// intent is written before a publish and removed after it: it names the
// run and the exports to swap in, so that recovery can tell, after a crash,
// whether the warehouse rename happened (then finish the export swaps) or
// not (then throw the staged exports away).
type intent struct {
	RunID   string        `json:"run_id"`
	Exports []intentEntry `json:"exports"`
}

type intentEntry struct {
	Staging string `json:"staging"`
	Dir     string `json:"dir"`
}

func intentPath(warehousePath string) string { return warehousePath + ".publish.json" }

// publish records the run history in the next state, then makes it the
// published warehouse and swaps the staged exports into place.
func (r *Runner) publish(ctx context.Context, st *run, log *slog.Logger) error {
	if err := st.b.InTx(ctx, func() error { return r.recordRuns(ctx, st) }); err != nil {
		st.b.Abort()
		st.discardExports(log)
		return fmt.Errorf("recording run history: %w", err)
	}
	in := intent{RunID: st.id}
	for _, s := range st.staged {
		in.Exports = append(in.Exports, intentEntry{Staging: s.Staging, Dir: s.Dir})
	}
	if err := writeJSONAtomic(intentPath(r.Warehouse), in); err != nil {
		st.b.Abort()
		st.discardExports(log)
		return fmt.Errorf("writing publish intent: %w", err)
	}
	r.pause("publish:start")
	if err := st.b.Publish(ctx); err != nil {
		// Whether the rename happened is for recovery to find out, from
		// the published warehouse itself; do it now rather than next run.
		if rerr := r.finishIntent(ctx, log); rerr != nil {
			log.Warn("could not recover from the failed publish; the next run will", "err", rerr)
		}
		return fmt.Errorf("publishing warehouse: %w", err)
	}
	for _, s := range st.staged {
		if err := s.Commit(); err != nil {
			return fmt.Errorf("warehouse published, but putting export %s in place failed (the next run finishes it): %w", s.Dir, err)
		}
		r.pause("publish:export-committed")
	}
	if err := os.Remove(intentPath(r.Warehouse)); err != nil {
		log.Warn("could not remove the publish intent", "err", err)
	}
	return nil
}

// recordRuns writes every run the journal knows, and this one as
// published, into meta.runs and meta.steps of the next state.
func (r *Runner) recordRuns(ctx context.Context, st *run) error {
	runs, err := history.Read(history.Path(r.Warehouse), nil)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for _, run := range runs {
		if run.ID == st.id {
			run.Status, run.Ended, run.Error = "published", now, ""
		}
		params, _ := json.Marshal(run.Params)
		var ended any
		if !run.Ended.IsZero() {
			ended = run.Ended
		}
		_, err := st.b.Exec(ctx, `INSERT OR REPLACE INTO meta.runs
(run_id, pipeline, pipeline_file, parameters, started_at, ended_at, status, error, version)
VALUES (?, ?, ?, ?::JSON, ?, ?, ?, ?, ?)`,
			run.ID, run.Pipeline, run.PipelineFile, string(params), run.Started, ended, run.Status, nullIfEmpty(run.Error), run.Version)
		if err != nil {
			return fmt.Errorf("recording run %s: %w", run.ID, err)
		}
		for _, s := range run.Steps {
			_, err := st.b.Exec(ctx, `INSERT OR REPLACE INTO meta.steps
(run_id, step_id, attempt, kind, uses, started_at, ended_at, status, rows_in, rows_out, error)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				run.ID, s.ID, s.Attempt, s.Kind, nullIfEmpty(s.Uses), s.Started, s.Ended, s.Status, s.RowsIn, s.RowsOut, nullIfEmpty(s.Error))
			if err != nil {
				return fmt.Errorf("recording step %s of run %s: %w", s.ID, run.ID, err)
			}
		}
	}
	return nil
}

// recover runs under the lock before a run begins: it finishes or undoes a
// publish that a crash interrupted, then clears leftovers of the pipeline's
// export folders.
func (r *Runner) recover(ctx context.Context, p *pipelines.Pipeline) error {
	if err := r.finishIntent(ctx, r.Log); err != nil {
		return err
	}
	for _, s := range p.Steps {
		if cfg, ok := s.Config.(*ExportConfig); ok {
			dir, err := filepath.Abs(cfg.Dir)
			if err != nil {
				return err
			}
			if err := export.Recover(dir); err != nil {
				return err
			}
		}
	}
	return nil
}

// finishIntent completes an interrupted publish if there is one.
func (r *Runner) finishIntent(ctx context.Context, log *slog.Logger) error {
	path := intentPath(r.Warehouse)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var in intent
	if err := json.Unmarshal(b, &in); err != nil {
		// A torn intent was being written when the process died, before
		// the publish began: nothing to finish.
		return os.Remove(path)
	}
	published, err := isPublished(ctx, r.Warehouse, in.RunID)
	if err != nil {
		return err
	}
	for _, e := range in.Exports {
		if published {
			if err := export.Commit(e.Staging, e.Dir, in.RunID); err != nil {
				return err
			}
		} else if err := os.RemoveAll(e.Staging); err != nil {
			return err
		}
	}
	if published {
		j := history.Open(history.Path(r.Warehouse))
		if err := j.Append(history.Event{RunID: in.RunID, Type: "end", Status: "published"}); err != nil {
			return err
		}
		log.Info("finished the publish of an interrupted run", "run", in.RunID)
	} else {
		log.Info("discarded the unpublished state of an interrupted run", "run", in.RunID)
	}
	return os.Remove(path)
}

// isPublished reports whether the published warehouse is the state of run id.
func isPublished(ctx context.Context, path, id string) (bool, error) {
	rd, err := warehouse.OpenReader(ctx, path)
	if errors.Is(err, warehouse.ErrNoWarehouse) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer rd.Close()
	var n int
	err = rd.QueryRow(ctx, "SELECT count(*) FROM meta.runs WHERE run_id = ? AND status = 'published'", []any{id}, &n)
	if err != nil {
		return false, fmt.Errorf("reading meta.runs of %s: %w", path, err)
	}
	return n == 1, nil
}

// writeJSONAtomic writes v to path through a temp file, fsync and rename.
func writeJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
