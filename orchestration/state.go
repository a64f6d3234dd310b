package orchestration

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/internal/httpclient"
	"github.com/skolestat/skolestat/pipelines"
)

// This file holds what makes extract steps incremental: the source state
// (meta.source_state: each stream's checkpoint, when it was last read and
// last changed) and the landing of the responses a step fetched
// (raw.responses). Both are written into the next state with the data they
// describe, so they are published with it or not at all.

// checkpoint returns the checkpoint stored for the step's stream by the last
// published run that read it, or nil.
func (r *Runner) checkpoint(ctx context.Context, st *run, s *pipelines.Step, stream string) (connectors.Checkpoint, error) {
	var cp []byte
	err := st.b.QueryRow(ctx, "SELECT checkpoint FROM meta.source_state WHERE step_id = ? AND stream = ?", []any{s.ID, stream}, &cp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the source state of %s/%s: %w", s.ID, stream, err)
	}
	return cp, nil
}

// saveState records that the stream was read in this run: with its new
// checkpoint when it changed, or only the time of the check when not.
func (r *Runner) saveState(ctx context.Context, st *run, s *pipelines.Step, stream string, cp connectors.Checkpoint, rows int64, changed bool) error {
	var err error
	if changed {
		_, err = st.b.Exec(ctx, `INSERT OR REPLACE INTO meta.source_state
  (step_id, stream, connector, checkpoint, rows, last_run_id, last_checked_at, last_changed_run_id, last_changed_at)
VALUES (?, ?, ?, ?, ?, ?, now(), ?, now())`, s.ID, stream, s.Uses, []byte(cp), rows, st.id, st.id)
	} else {
		_, err = st.b.Exec(ctx, `UPDATE meta.source_state SET last_run_id = ?, last_checked_at = now()
WHERE step_id = ? AND stream = ?`, st.id, s.ID, stream)
	}
	if err != nil {
		return fmt.Errorf("recording the source state of %s/%s: %w", s.ID, stream, err)
	}
	return nil
}

// responseLog collects the responses of one step attempt, from whatever
// goroutine the connector fetches in.
type responseLog struct {
	mu   sync.Mutex
	list []*httpclient.Response
}

func (l *responseLog) record(resp *httpclient.Response) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, resp)
}

// landResponses replaces the step's rows of raw.responses with the
// responses of this attempt.
func (r *Runner) landResponses(ctx context.Context, st *run, s *pipelines.Step, l *responseLog) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := st.b.Exec(ctx, "DELETE FROM raw.responses WHERE step_id = ?", s.ID); err != nil {
		return fmt.Errorf("replacing the responses of %s: %w", s.ID, err)
	}
	for i, resp := range l.list {
		sum := sha256.Sum256(resp.Body)
		params, err := queryJSON(resp.URL)
		if err != nil {
			return err
		}
		_, err = st.b.Exec(ctx, `INSERT INTO raw.responses
  (run_id, step_id, seq, method, url, parameters, status, fetched_at, content_hash, etag, last_modified, bytes, body)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			st.id, s.ID, i+1, resp.Method, resp.URL, params, resp.Status, resp.FetchedAt, hex.EncodeToString(sum[:]),
			nullIfEmpty(resp.Header.Get("ETag")), nullIfEmpty(resp.Header.Get("Last-Modified")), len(resp.Body), resp.Body)
		if err != nil {
			return fmt.Errorf("landing a response of %s: %w", s.ID, err)
		}
	}
	return nil
}

// queryJSON returns the query parameters of a URL as a JSON object (each
// name to its values), or nil when there are none.
func queryJSON(raw string) (any, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("landing the response of %s: %w", raw, err)
	}
	q := u.Query()
	if len(q) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// replay yields a record already taken from its reader (by the peek that
// looks for an unchanged stream) before the rest.
type replay struct {
	array.RecordReader
	pending bool
}

func (p *replay) Next() bool {
	if p.pending {
		p.pending = false
		return true
	}
	return p.RecordReader.Next()
}
