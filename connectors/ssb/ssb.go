// Package ssb is the connector for Statistics Norway's PxWebApi v2
// (https://data.ssb.no/api/pxwebapi/v2; shared/docs/sources.md §4): the
// tables of Config.Tables, in long form, one row per cell, into
// raw.ssb_values. By default (tables.go, the one place their codes are
// written down): population 6-15 (07459), pupils by grade (11980), KOSTRA
// grunnskole key figures (12255), special education (12222), the
// population's education level (09429) and KOSTRA net operating
// expenditure on grunnskole, function 202 (12367).
//
// For each table it reads /tables/{id}/metadata (JSON-stat 2.0), resolves
// the configured selection against it (plan.go: codes, `*`, `?`, top,
// bottom, from, to, range, as the API does; a variable left out must be
// eliminable and is then summed away by SSB; a code the metadata lacks is
// a *connectors.PayloadError naming table and variable), splits the selection into requests that each
// stay under MaxCells cells and a URL of maxURL characters (by Tid first,
// then the region variable, then the largest other; split.go), and reads
// each /tables/{id}/data as json-stat2 (data.go). Every document is parsed and validated by
// the jsonstat package; one that does not validate, answers another
// selection, or holds a null without a status symbol (or with one SSB does
// not use) fails the read with a *connectors.PayloadError naming the
// endpoint and the JSON pointer. Values go through cell.FromSSB, so a
// suppressed cell is null with status "suppressed", never 0.
//
// Every request goes through the run's shared HTTP client, which retries
// and keeps SSB's limit of 30 requests a minute (the factory declares it
// for data.ssb.no). Incremental: the checkpoint holds each table's
// "updated" and selection; when no table changed, the stream is reported
// unchanged after the metadata requests alone.
package ssb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/internal/httpclient"
)

// DefaultBaseURL is the real PxWebApi v2.
const DefaultBaseURL = "https://data.ssb.no/api/pxwebapi/v2"

// DefaultMaxCells is the most cells SSB answers in one extract (more is 403).
const DefaultMaxCells = 800_000

// maxURL bounds the length of a data URL: SSB answers 404 beyond about 2,100.
const maxURL = 2000

// Config is the `with:` block of an ssb extract step.
type Config struct {
	BaseURL  string       `yaml:"base_url"`  // default DefaultBaseURL; the emulator's address + /ssb in tests and the demo
	Tables   []TableQuery `yaml:"tables"`    // default DefaultTables()
	MaxCells int          `yaml:"max_cells"` // cells per request (default DefaultMaxCells)
}

func init() {
	connectors.Default.Register("ssb", connectors.Factory{
		Doc: "Statistics Norway's PxWebApi v2: population, pupils, special education, education level and KOSTRA grunnskole tables, in long form",
		New: func() any {
			return &Config{BaseURL: DefaultBaseURL, Tables: DefaultTables(), MaxCells: DefaultMaxCells}
		},
		Build: connectors.Build("ssb", func(cfg Config, env connectors.Env) (*Source, error) {
			src, err := New(cfg, env.HTTP)
			if err == nil {
				src.log = env.Log()
			}
			return src, err
		}),
		// SSB allows 30 requests a minute per IP (429 beyond); KLASS is on
		// the same host.
		Rates: map[string]httpclient.Rate{"data.ssb.no": {Requests: 30, Per: time.Minute}},
	})
}

// Stream is the one stream: raw.ssb_values.
const Stream = "ssb_values"

// Schema is the schema of the records Read yields.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "table_id", Type: arrow.BinaryTypes.String},
	{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "period", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "contents_code", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "dimensions", Type: arrow.BinaryTypes.String},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "status", Type: arrow.BinaryTypes.String},
	{Name: "symbol", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// regionVariables are the variables promoted to the region column.
var regionVariables = []string{"Region", "KOKkommuneregion0000", "KOKfylkesregion0000"}

// Source reads SSB. It implements connectors.Source and connectors.Checker.
type Source struct {
	cfg  Config
	http *httpclient.Client
	log  *slog.Logger
}

var (
	_ connectors.Source  = (*Source)(nil)
	_ connectors.Checker = (*Source)(nil)
)

// New checks cfg and returns a Source fetching through client.
func New(cfg Config, client *httpclient.Client) (*Source, error) {
	if client == nil {
		return nil, errors.New("ssb: no HTTP client")
	}
	base, err := connectors.BaseURL("ssb", cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	cfg.BaseURL = base
	if cfg.MaxCells == 0 {
		cfg.MaxCells = DefaultMaxCells
	}
	if cfg.MaxCells < 1 || cfg.MaxCells > DefaultMaxCells {
		return nil, fmt.Errorf("ssb: max_cells %d: want 1..%d", cfg.MaxCells, DefaultMaxCells)
	}
	if len(cfg.Tables) == 0 {
		cfg.Tables = DefaultTables()
	}
	seen := map[string]bool{}
	for _, t := range cfg.Tables {
		if t.ID == "" || strings.ContainsAny(t.ID, "/?#") {
			return nil, fmt.Errorf("ssb: tables: id %q is not a table id", t.ID)
		}
		if seen[t.ID] {
			return nil, fmt.Errorf("ssb: tables: %s listed twice", t.ID)
		}
		seen[t.ID] = true
		for v, codes := range t.ValueCodes {
			if len(codes) == 0 {
				return nil, fmt.Errorf("ssb: table %s: value_codes of %s is empty", t.ID, v)
			}
		}
	}
	return &Source{cfg: cfg, http: client, log: slog.New(slog.DiscardHandler)}, nil
}

// Streams lists the one stream.
func (s *Source) Streams(context.Context) ([]connectors.Stream, error) {
	return []connectors.Stream{{Name: Stream, Description: "Cells of SSB statistics tables, in long form", Schema: Schema}}, nil
}

// Check reads the metadata of the first table and checks that it is
// valid JSON-stat holding the variables the selection names.
func (s *Source) Check(ctx context.Context) (string, error) {
	t := s.cfg.Tables[0]
	m, err := s.metadata(ctx, t.ID)
	if err != nil {
		return s.metadataURL(t.ID), err
	}
	_, err = m.plan(t)
	return m.endpoint, err
}

// checkpoint is what a read leaves for the next one: per table, the
// metadata's "updated" and the selection it was read with.
type checkpoint struct {
	Version int                   `json:"version"`
	Tables  map[string]savedTable `json:"tables"`
}

type savedTable struct {
	Updated    string              `json:"updated"`
	ValueCodes map[string][]string `json:"value_codes"`
	MaxCells   int                 `json:"max_cells"`
}

const checkpointVersion = 1

// Read fetches every table: first the metadata of each, against which
// every selection is resolved (a code a table lacks is a
// *connectors.PayloadError naming table and variable), then the data.
// From a checkpoint of an earlier read: when every table's metadata says
// the same "updated" and the selection is the same, the stream is
// unchanged (no record, Unchanged true) and no data is fetched. A
// checkpoint it cannot use means a full read.
func (s *Source) Read(ctx context.Context, stream string, from connectors.Checkpoint) (connectors.Batches, error) {
	if stream != Stream {
		return nil, fmt.Errorf("ssb: no stream %q", stream)
	}
	var prev checkpoint
	if len(from) > 0 {
		if err := json.Unmarshal(from, &prev); err != nil || prev.Version != checkpointVersion {
			s.log.Warn("ssb: ignoring a checkpoint of another version; reading everything", "err", err)
			prev = checkpoint{}
		}
	}
	next := checkpoint{Version: checkpointVersion, Tables: map[string]savedTable{}}
	metas := make([]*metadata, len(s.cfg.Tables))
	plans := make([][]request, len(s.cfg.Tables))
	unchanged := len(prev.Tables) == len(s.cfg.Tables)
	for i, t := range s.cfg.Tables {
		m, err := s.metadata(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		metas[i] = m
		// Every selection is checked against its metadata before any data
		// is fetched, and even when nothing changed: a code a table lacks
		// (a guess of tables.go proved wrong) fails every run.
		if plans[i], err = m.plan(t); err != nil {
			return nil, err
		}
		saved := savedTable{Updated: m.ds.Updated, ValueCodes: t.ValueCodes, MaxCells: s.cfg.MaxCells}
		next.Tables[t.ID] = saved
		old, ok := prev.Tables[t.ID]
		if !ok || old.Updated != saved.Updated || saved.Updated == "" || old.MaxCells != saved.MaxCells || !equalCodes(old.ValueCodes, saved.ValueCodes) {
			unchanged = false
		}
	}
	cp, err := json.Marshal(next)
	if err != nil {
		return nil, fmt.Errorf("ssb: saving the checkpoint: %w", err)
	}
	if unchanged {
		s.log.Info("ssb: no table updated since the last read")
		return connectors.NothingChanged(Schema, from), nil
	}
	w := newWriter()
	defer w.release()
	for i, t := range s.cfg.Tables {
		reqs, err := metas[i].split(plans[i], s.cfg.MaxCells)
		if err != nil {
			return nil, err
		}
		before := w.rows
		for _, r := range reqs {
			if err := s.data(ctx, metas[i], r, w); err != nil {
				return nil, err
			}
		}
		s.log.Info("ssb: table read", "table", t.ID, "requests", len(reqs), "cells", w.rows-before, "updated", metas[i].ds.Updated)
	}
	recs := w.finish()
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	return connectors.Records(Schema, recs, cp)
}

func equalCodes(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}
