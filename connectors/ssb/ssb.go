// Package ssb is the connector for Statistics Norway's PxWebApi v2
// (https://data.ssb.no/api/pxwebapi/v2; shared/docs/sources.md §4): the
// tables of Config.Tables, in long form, one row per cell, into
// raw.ssb_values.
//
// For each table it reads /tables/{id}/metadata (JSON-stat 2.0), resolves
// the configured selection against it (codes, `*`, `?`, top, bottom, from,
// to, range, as the API does; a variable left out must be eliminable and is
// then summed away by SSB), splits the selection into requests that each
// stay under MaxCells cells and a URL of maxURL characters (by Tid first,
// then the region variable, then the largest other), and reads each
// /tables/{id}/data as json-stat2. Every document is parsed and validated by
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
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/connectors/cell"
	"github.com/skolestat/skolestat/connectors/ssb/jsonstat"
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

// TableQuery is one table and its selection: per variable, the value codes
// or expressions as PxWebApi's valueCodes[Var] takes them ("*",
// "top(3)", "range(2020,2022)", "0301"). Tid and ContentsCode, and every
// variable whose metadata says elimination false, must be given.
type TableQuery struct {
	ID         string              `yaml:"id"`
	ValueCodes map[string][]string `yaml:"value_codes"`
}

// DefaultTables are the grunnskole tables skolestat reads: 07459 (the
// population aged 6-15), 12255 (KOSTRA: group size and grade points) and
// 11980 (pupils by grade).
func DefaultTables() []TableQuery {
	var ages []string
	for a := 6; a <= 15; a++ {
		ages = append(ages, fmt.Sprintf("%03d", a))
	}
	return []TableQuery{
		{ID: "07459", ValueCodes: map[string][]string{"Region": {"*"}, "Kjonn": {"*"}, "Alder": ages, "ContentsCode": {"Personer1"}, "Tid": {"*"}}},
		{ID: "12255", ValueCodes: map[string][]string{"KOKkommuneregion0000": {"*"}, "ContentsCode": {"KOSgrstr20000", "KOSgrunnskolepoe0000"}, "Tid": {"*"}}},
		{ID: "11980", ValueCodes: map[string][]string{"Region": {"*"}, "Trinn": {"*"}, "ContentsCode": {"*"}, "Tid": {"*"}}},
	}
}

func init() {
	connectors.Default.Register("ssb", connectors.Factory{
		Doc: "Statistics Norway's PxWebApi v2: population, KOSTRA grunnskole and pupil tables, in long form",
		New: func() any {
			return &Config{BaseURL: DefaultBaseURL, Tables: DefaultTables(), MaxCells: DefaultMaxCells}
		},
		Build: func(config any, env connectors.Env) (connectors.Source, error) {
			cfg, ok := config.(*Config)
			if !ok {
				return nil, fmt.Errorf("ssb: config is %T, want *ssb.Config", config)
			}
			src, err := New(*cfg, env.HTTP)
			if err == nil && env.Logger != nil {
				src.log = env.Logger
			}
			return src, err
		},
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

// Read fetches every table. From a checkpoint of an earlier read: when
// every table's metadata says the same "updated" and the selection is the
// same, the stream is unchanged (no record, Unchanged true) and no data is
// fetched. A checkpoint it cannot use means a full read.
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
	unchanged := len(prev.Tables) == len(s.cfg.Tables)
	for i, t := range s.cfg.Tables {
		m, err := s.metadata(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		metas[i] = m
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
		reqs, err := metas[i].plan(t)
		if err != nil {
			return nil, err
		}
		reqs, err = metas[i].split(reqs, s.cfg.MaxCells)
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

func payloadErr(endpoint, field string, err error, payload []byte) error {
	return &connectors.PayloadError{Source: "ssb", Endpoint: endpoint, Field: field, Err: err, Payload: payload}
}

// document parses and validates a JSON-stat answer holding one dataset.
func document(endpoint string, body []byte) (*jsonstat.Dataset, error) {
	doc, err := jsonstat.Parse(body)
	if err != nil {
		return nil, payloadErr(endpoint, "", err, body)
	}
	if res := jsonstat.Validate(doc); !res.Valid {
		field := res.Errors[0].Path
		if field == "" && res.Errors[0].Code == jsonstat.ValueMissing {
			field = "/value" // reported at the root, where the member is missing
		}
		return nil, payloadErr(endpoint, field, res.Err(), body)
	}
	if doc.Class != jsonstat.ClassDataset || len(doc.Datasets) != 1 {
		return nil, payloadErr(endpoint, "/class", fmt.Errorf("a %s, want one dataset", doc.Class), body)
	}
	return doc.Datasets[0], nil
}

// metadata is a table's /metadata answer.
type metadata struct {
	id, endpoint string
	ds           *jsonstat.Dataset
	elimination  map[string]bool
}

func (s *Source) metadataURL(id string) string {
	return s.cfg.BaseURL + "/tables/" + url.PathEscape(id) + "/metadata?lang=no&outputFormat=json-stat2"
}

func (s *Source) metadata(ctx context.Context, id string) (*metadata, error) {
	endpoint := s.metadataURL(id)
	resp, err := s.http.Get(ctx, endpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("ssb: reading the metadata of table %s: %w", id, err)
	}
	ds, err := document(endpoint, resp.Body)
	if err != nil {
		return nil, err
	}
	m := &metadata{id: id, endpoint: endpoint, ds: ds, elimination: map[string]bool{}}
	for _, d := range ds.Dimensions {
		var ext struct {
			Elimination bool `json:"elimination"`
		}
		if len(d.Extension) > 0 {
			if err := json.Unmarshal(d.Extension, &ext); err != nil {
				return nil, payloadErr(endpoint, "/dimension/"+d.ID+"/extension", err, resp.Body)
			}
		}
		m.elimination[d.ID] = ext.Elimination
	}
	return m, nil
}

// request is one data request: the variables selected (metadata order)
// and, per variable, the positions of the codes in its metadata.
type request struct {
	dims []string
	pos  [][]int
}

func (r request) cells() int {
	n := 1
	for _, p := range r.pos {
		n *= len(p)
	}
	return n
}

// plan resolves a table's selection against its metadata: one request for
// all of it. A variable the metadata lacks, or a mandatory one left out,
// is an error naming it; a value code selected twice too (SSB would
// answer 500).
func (m *metadata) plan(t TableQuery) ([]request, error) {
	for name := range t.ValueCodes {
		if m.ds.Dim(name) == nil {
			return nil, payloadErr(m.endpoint, "/dimension/"+name, fmt.Errorf("table %s has no variable %s (it has %s); has the table changed?", m.id, name, strings.Join(m.ds.ID, ", ")), nil)
		}
	}
	var r request
	for _, id := range m.ds.ID {
		items, ok := t.ValueCodes[id]
		if !ok {
			if !m.elimination[id] {
				return nil, fmt.Errorf("ssb: table %s: variable %s cannot be left out (elimination false); give its value_codes", m.id, id)
			}
			continue
		}
		pos, err := m.resolve(id, items)
		if err != nil {
			return nil, fmt.Errorf("ssb: table %s: value_codes of %s: %w", m.id, id, err)
		}
		r.dims, r.pos = append(r.dims, id), append(r.pos, pos)
	}
	return []request{r}, nil
}

func (m *metadata) isTime(id string) bool {
	return slices.Contains(m.ds.Role.Time, id) || (len(m.ds.Role.Time) == 0 && id == "Tid")
}

// resolve turns the items of a variable's selection into the positions of
// the codes in its metadata, in metadata order. Items are codes, `*` and
// codes with `*` and `?` wildcards, top(n[,offset]) (the newest periods of
// the time variable, the first codes of others), bottom(n[,offset]),
// from(x), to(x) and range(x,y), optionally in [ ].
func (m *metadata) resolve(id string, items []string) ([]int, error) {
	codes := m.ds.Dim(id).Category.IDs
	at := func(code string) (int, error) {
		if p := slices.Index(codes, code); p >= 0 {
			return p, nil
		}
		return 0, fmt.Errorf("no value %q", code)
	}
	span := func(a, b int) []int {
		var out []int
		for p := max(a, 0); p <= min(b, len(codes)-1); p++ {
			out = append(out, p)
		}
		return out
	}
	var pos []int
	for _, raw := range items {
		it := strings.TrimSpace(raw)
		if strings.HasPrefix(it, "[") && strings.HasSuffix(it, "]") {
			it = it[1 : len(it)-1]
		}
		name, args, isFunc := strings.Cut(it, "(")
		if !isFunc {
			if strings.ContainsAny(it, "*?") {
				matched := false
				for p, c := range codes {
					if ok, _ := pathMatch(it, c); ok {
						pos, matched = append(pos, p), true
					}
				}
				if !matched {
					return nil, fmt.Errorf("%q matches no value", it)
				}
				continue
			}
			p, err := at(it)
			if err != nil {
				return nil, err
			}
			pos = append(pos, p)
			continue
		}
		args, ok := strings.CutSuffix(args, ")")
		if !ok {
			return nil, fmt.Errorf("%q: no closing parenthesis", raw)
		}
		var a []string
		for _, s := range strings.Split(args, ",") {
			a = append(a, strings.TrimSpace(s))
		}
		switch fn := strings.ToLower(name); fn {
		case "top", "bottom":
			n, err := strconv.Atoi(a[0])
			off := 0
			if err == nil && len(a) == 2 {
				off, err = strconv.Atoi(a[1])
			}
			if err != nil || n < 1 || off < 0 || len(a) > 2 {
				return nil, fmt.Errorf("%q: want %s(n) or %s(n,offset)", raw, fn, fn)
			}
			if (fn == "top") == m.isTime(id) {
				pos = append(pos, span(len(codes)-off-n, len(codes)-off-1)...)
			} else {
				pos = append(pos, span(off, off+n-1)...)
			}
		case "from", "to":
			if len(a) != 1 {
				return nil, fmt.Errorf("%q: want %s(code)", raw, fn)
			}
			p, err := at(a[0])
			if err != nil {
				return nil, err
			}
			if fn == "from" {
				pos = append(pos, span(p, len(codes)-1)...)
			} else {
				pos = append(pos, span(0, p)...)
			}
		case "range":
			if len(a) != 2 {
				return nil, fmt.Errorf("%q: want range(from,to)", raw)
			}
			p, err := at(a[0])
			if err != nil {
				return nil, err
			}
			q, err := at(a[1])
			if err != nil {
				return nil, err
			}
			pos = append(pos, span(p, q)...)
		default:
			return nil, fmt.Errorf("%q: unknown expression %s", raw, name)
		}
	}
	slices.Sort(pos)
	for i := 1; i < len(pos); i++ {
		if pos[i] == pos[i-1] {
			return nil, fmt.Errorf("value %q selected twice", codes[pos[i]])
		}
	}
	if len(pos) == 0 {
		return nil, errors.New("selects no value")
	}
	return pos, nil
}

// pathMatch is a glob over a whole code: * any run, ? one character.
func pathMatch(pattern, s string) (bool, error) {
	if pattern == "" {
		return s == "", nil
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if ok, _ := pathMatch(pattern[1:], s[i:]); ok {
				return true, nil
			}
		}
		return false, nil
	case '?':
		if s == "" {
			return false, nil
		}
		return pathMatch(pattern[1:], s[1:])
	}
	if s == "" || s[0] != pattern[0] {
		return false, nil
	}
	return pathMatch(pattern[1:], s[1:])
}

// split cuts requests until each has at most maxCells cells and a URL of at
// most maxURL characters. Too many cells: the time variable is cut first,
// then the region variable, then the one with the most codes, each into as
// many parts as the excess asks. Too long a URL: the variable with the
// longest selection is halved.
func (m *metadata) split(reqs []request, maxCells int) ([]request, error) {
	var out []request
	for len(reqs) > 0 {
		r := reqs[0]
		reqs = reqs[1:]
		cells, long := r.cells(), len(m.dataURL(r)) > maxURL
		if cells <= maxCells && !long {
			out = append(out, r)
			continue
		}
		d, parts := -1, 2
		if cells > maxCells {
			for _, cut := range []func(i int) bool{
				func(i int) bool { return m.isTime(r.dims[i]) },
				func(i int) bool { return slices.Contains(regionVariables, r.dims[i]) },
				func(i int) bool { return d < 0 || len(r.pos[i]) > len(r.pos[d]) },
			} {
				for i := range r.dims {
					if len(r.pos[i]) > 1 && cut(i) {
						d = i
					}
				}
				if d >= 0 {
					break
				}
			}
			if d >= 0 {
				parts = min(len(r.pos[d]), (cells+maxCells-1)/maxCells)
			}
		} else {
			longest := 0
			for i := range r.dims {
				if l := len(m.selection(r.dims[i], r.pos[i])); l > longest && len(r.pos[i]) > 1 {
					d, longest = i, l
				}
			}
		}
		if d < 0 {
			return nil, fmt.Errorf("ssb: table %s: cannot split a request of %d cells and a %d-character URL further", m.id, cells, len(m.dataURL(r)))
		}
		var pieces []request
		codes := r.pos[d]
		for k := range parts {
			lo, hi := k*len(codes)/parts, (k+1)*len(codes)/parts
			if lo == hi {
				continue
			}
			p := request{dims: r.dims, pos: slices.Clone(r.pos)}
			p.pos[d] = codes[lo:hi]
			pieces = append(pieces, p)
		}
		reqs = append(pieces, reqs...)
	}
	return out, nil
}

// queryEscape escapes a selection for the URL, keeping the characters of
// the expressions readable; "+" (in Alder 105+) must be %2B.
var queryEscape = strings.NewReplacer("%2C", ",", "%28", "(", "%29", ")", "%5B", "[", "%5D", "]", "%2A", "*")

// selection writes the positions of a variable as PxWebApi items: `*` for
// all, runs of three or more as [range(a,b)], other codes as they are.
func (m *metadata) selection(id string, pos []int) string {
	codes := m.ds.Dim(id).Category.IDs
	if len(pos) == len(codes) {
		return "*"
	}
	var items []string
	for i := 0; i < len(pos); {
		j := i
		for j+1 < len(pos) && pos[j+1] == pos[j]+1 {
			j++
		}
		if j-i >= 2 {
			items = append(items, "[range("+codes[pos[i]]+","+codes[pos[j]]+")]")
		} else {
			for k := i; k <= j; k++ {
				items = append(items, codes[pos[k]])
			}
		}
		i = j + 1
	}
	return strings.Join(items, ",")
}

func (m *metadata) dataURL(r request) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(m.endpoint, "/metadata?lang=no&outputFormat=json-stat2"))
	b.WriteString("/data?lang=no&outputFormat=json-stat2")
	for i, id := range r.dims {
		b.WriteString("&valueCodes[" + url.QueryEscape(id) + "]=")
		b.WriteString(queryEscape.Replace(url.QueryEscape(m.selection(id, r.pos[i]))))
	}
	return b.String()
}

// data fetches one request and writes its cells.
func (s *Source) data(ctx context.Context, m *metadata, r request, w *writer) error {
	endpoint := m.dataURL(r)
	resp, err := s.http.Get(ctx, endpoint, nil)
	if err != nil {
		return fmt.Errorf("ssb: reading table %s: %w", m.id, err)
	}
	body := resp.Body
	ds, err := document(endpoint, body)
	if err != nil {
		return err
	}
	if ds.MetadataOnly() {
		return payloadErr(endpoint, "/value", errors.New("no values"), body)
	}
	if !slices.Equal(ds.ID, r.dims) {
		return payloadErr(endpoint, "/id", fmt.Errorf("variables %v, asked for %v", ds.ID, r.dims), body)
	}
	for i, id := range r.dims {
		got := slices.Clone(ds.Dim(id).Category.IDs)
		var want []string
		for _, p := range r.pos[i] {
			want = append(want, m.ds.Dim(id).Category.IDs[p])
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return payloadErr(endpoint, "/dimension/"+id+"/category/index", fmt.Errorf("%d values, not the %d asked for", len(got), len(want)), body)
		}
	}
	// The promoted columns' variables, and each category's id as JSON.
	region, period, contents := -1, -1, -1
	quoted := make([][]string, len(ds.ID))
	for i, id := range ds.ID {
		switch {
		case region < 0 && (slices.Contains(regionVariables, id) || slices.Contains(ds.Role.Geo, id)):
			region = i
		case period < 0 && m.isTime(id):
			period = i
		case contents < 0 && (slices.Contains(ds.Role.Metric, id) || id == "ContentsCode"):
			contents = i
		}
		for _, c := range ds.Dim(id).Category.IDs {
			q, _ := json.Marshal(c)
			quoted[i] = append(quoted[i], string(q))
		}
	}
	keys := make([]string, len(ds.ID))
	for i, id := range ds.ID {
		k, _ := json.Marshal(id)
		keys[i] = string(k)
	}
	var dims strings.Builder
	return ds.Flatten(func(row *jsonstat.Row) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		field := fmt.Sprintf("/value/%d", row.Index)
		switch {
		case row.Kind == jsonstat.KindString:
			return payloadErr(endpoint, field, fmt.Errorf("a string, %q", row.Text), body)
		case row.Kind == jsonstat.KindNull && row.Status == "":
			return payloadErr(endpoint, field, errors.New("null without a status symbol"), body)
		case row.Kind == jsonstat.KindNull && row.Status != "." && row.Status != ".." && row.Status != ":":
			return payloadErr(endpoint, fmt.Sprintf("/status/%d", row.Index), fmt.Errorf("null with the status symbol %q, which SSB does not use", row.Status), body)
		}
		v, err := cell.FromSSB(row.Number(), row.Status)
		if err != nil {
			return payloadErr(endpoint, fmt.Sprintf("/status/%d", row.Index), err, body)
		}
		dims.Reset()
		dims.WriteByte('{')
		for i := range row.Pos {
			if i > 0 {
				dims.WriteByte(',')
			}
			dims.WriteString(keys[i])
			dims.WriteByte(':')
			dims.WriteString(quoted[i][row.Pos[i]])
		}
		dims.WriteByte('}')
		at := func(i int) string {
			if i < 0 {
				return ""
			}
			return row.ID[i]
		}
		w.add(m.id, at(region), at(period), at(contents), dims.String(), v, row.Status)
		return nil
	})
}

// writer builds the records, one per batchRows rows.
type writer struct {
	b    *array.RecordBuilder
	recs []arrow.RecordBatch
	rows int
	n    int // rows in b
}

const batchRows = 122_880

func newWriter() *writer {
	return &writer{b: array.NewRecordBuilder(memory.DefaultAllocator, Schema)}
}

func appendString(b *array.StringBuilder, s string, nullable bool) {
	if s == "" && nullable {
		b.AppendNull()
	} else {
		b.Append(s)
	}
}

func (w *writer) add(table, region, period, contents, dims string, v cell.Value, symbol string) {
	appendString(w.b.Field(0).(*array.StringBuilder), table, false)
	appendString(w.b.Field(1).(*array.StringBuilder), region, true)
	appendString(w.b.Field(2).(*array.StringBuilder), period, true)
	appendString(w.b.Field(3).(*array.StringBuilder), contents, true)
	appendString(w.b.Field(4).(*array.StringBuilder), dims, false)
	if v.Status == cell.OK {
		w.b.Field(5).(*array.Float64Builder).Append(v.Number)
	} else {
		w.b.Field(5).(*array.Float64Builder).AppendNull()
	}
	appendString(w.b.Field(6).(*array.StringBuilder), string(v.Status), false)
	appendString(w.b.Field(7).(*array.StringBuilder), symbol, true)
	w.rows++
	w.n++
	if w.n == batchRows {
		w.recs = append(w.recs, w.b.NewRecordBatch())
		w.n = 0
	}
}

// finish returns the records; the caller releases them.
func (w *writer) finish() []arrow.RecordBatch {
	if w.n > 0 {
		w.recs = append(w.recs, w.b.NewRecordBatch())
		w.n = 0
	}
	recs := w.recs
	w.recs = nil
	return recs
}

// release frees what finish did not hand over.
func (w *writer) release() {
	for _, r := range w.recs {
		r.Release()
	}
	w.b.Release()
}
