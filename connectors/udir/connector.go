package udir

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/connectors/cell"
	"github.com/skolestat/skolestat/internal/httpclient"
)

// The connector "udir": the reports of udir's report API, each kind of
// report to its own stream (reports.go): national tests, grunnskolepoeng,
// grades, GSI and absence, one row per unit, year, measure and the
// report's other dimensions; and the published school contribution and
// the transitions to upper secondary, whose report pages are found rather
// than named (discovery.go) and landed generically (discovered.go).
//
// For each report it reads the Rapportside (for the data and filterVerdier
// endpoints: never hard-coded, udir changes their versions), then the
// filterVerdier (years and the report's other filters, and the unit tree
// for the nation's EnhetID), then one data request per year and selection
// with inkluderKoder=true, starting from the page's filterDefaultVerdier
// and overriding, drilling from the nation to the municipalities (or the
// schools). The year and the selection a pivot holds are read from its
// header and must be the ones asked for: the API answers some filters it
// does not take with another selection rather than an error. A response of
// another shape fails the read with a *connectors.PayloadError naming the
// endpoint and the field and carrying the payload. Every request goes
// through the run's shared HTTP client.
//
// Incremental: a stream's checkpoint is the SHA-256 of its data requests
// and their answers; a read whose answers hash the same reports the stream
// unchanged.

// DefaultBaseURL is the real report API.
const DefaultBaseURL = "https://statistikkportalen.udir.no/api/rapportering"

// FirstYear is the first school year (autumn year) of the national tests
// in the report API: the scale changed in 2022-23 and udir removed the
// older results. The other reports have no such bound.
const FirstYear = 2022

// Levels of Config.Level.
const (
	LevelMunicipalities = "municipality" // counties and municipalities
	LevelSchools        = "school"       // counties, municipalities and schools
)

// Config is the `with:` block of a udir extract step.
type Config struct {
	BaseURL string   `yaml:"base_url"` // default DefaultBaseURL; the emulator's address + /udir in tests and the demo
	Reports []string `yaml:"reports"`  // Rapportside codes; default DefaultReports
	// Kinds gives the kind (reports.go) of a report code the connector
	// does not know, or overrides the kind of one it knows: {code: kind}.
	Kinds map[string]string `yaml:"kinds"`
	// Years are autumn years (2023 = 2023-24); default every year each
	// report offers (the national tests from FirstYear). A year a report
	// does not offer fails the read of its stream.
	Years []int `yaml:"years"`
	// Level is how deep to drill: "municipality" (default) or "school".
	Level string `yaml:"level"`
	// SchoolContribution turns the stream StreamSchoolContribution on
	// (unset: on). Its report pages are not named by Reports but found:
	// a read lists the report pages and reads those of the grunnskole
	// (code GSK_…) to find the ones whose data is the table SkolebidragG
	// (discovery.go, discovered.go). Years does not apply to it: it reads
	// every year its pages offer.
	SchoolContribution *bool `yaml:"school_contribution"`
	// Transitions turns the stream StreamTransitions on (unset: on): the
	// transitions from grunnskole to upper secondary, table OvergangerG,
	// whose pages are found by the same discovery (one listing serves
	// both) and landed in the same way; Years does not apply either.
	Transitions *bool `yaml:"transitions"`
}

func init() {
	connectors.Default.Register("udir", connectors.Factory{
		Doc: "udir's report API: national tests, grunnskolepoeng, grades, GSI, absence, the published school contribution and the transitions to upper secondary by county, municipality or school",
		New: func() any {
			return &Config{BaseURL: DefaultBaseURL, Reports: slices.Clone(DefaultReports), Level: LevelMunicipalities}
		},
		Build: connectors.Build("udir", func(cfg Config, env connectors.Env) (*Source, error) {
			src, err := New(cfg, env.HTTP)
			if err == nil {
				src.log = env.Log()
			}
			return src, err
		}),
	})
}

// Source reads the configured reports. It implements connectors.Source;
// a unit that comes twice for the same year and selection is a
// PayloadError (the rows are in memory, so no SQL check is needed).
type Source struct {
	cfg   Config
	kinds map[string]Kind // report code → kind
	http  *httpclient.Client
	log   *slog.Logger
	// discovery is the report pages found for the discovered streams
	// (discovery.go), once per Source.
	discoveryMu sync.Mutex
	discovery   *discovery
}

// New checks cfg, fills its defaults and returns a Source fetching through
// client.
func New(cfg Config, client *httpclient.Client) (*Source, error) {
	if client == nil {
		return nil, errors.New("udir: no HTTP client")
	}
	base, err := connectors.BaseURL("udir", cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	cfg.BaseURL = base
	if len(cfg.Reports) == 0 {
		cfg.Reports = slices.Clone(DefaultReports)
	}
	kinds, err := resolveKinds(cfg.Reports, cfg.Kinds)
	if err != nil {
		return nil, err
	}
	hasTests := false
	for _, k := range kinds {
		hasTests = hasTests || k == KindNationalTests
	}
	for _, y := range cfg.Years {
		if hasTests && y < FirstYear {
			return nil, fmt.Errorf("udir: year %d: the national tests are in the report API from %d-%02d", y, FirstYear, (FirstYear+1)%100)
		}
	}
	switch cfg.Level {
	case "":
		cfg.Level = LevelMunicipalities
	case LevelMunicipalities, LevelSchools:
	default:
		return nil, fmt.Errorf("udir: level %q: want %q or %q", cfg.Level, LevelMunicipalities, LevelSchools)
	}
	return &Source{cfg: cfg, kinds: kinds, http: client, log: slog.New(slog.DiscardHandler)}, nil
}

var _ connectors.Checker = (*Source)(nil)

// Check reads the first report's page and finds its data endpoint.
func (s *Source) Check(ctx context.Context) (string, error) {
	endpoint := s.cfg.BaseURL + "/rest/v1/Rapportside/" + url.PathEscape(s.cfg.Reports[0])
	resp, err := s.http.Get(ctx, endpoint, nil)
	if err != nil {
		return endpoint, err
	}
	page, err := ParseReportPage(resp.Body)
	if err == nil {
		_, err = page.DataEndpoint()
	}
	if err != nil {
		return endpoint, payloadErr(endpoint, "", err, resp.Body)
	}
	return endpoint, nil
}

// Streams lists the streams of the configured reports, in the order of
// their first report, then the discovered streams that are on (the
// school contribution and the transitions: optional streams, udir may
// list no page of them) and the unit dimension (unitstream.go). It makes
// no request.
func (s *Source) Streams(context.Context) ([]connectors.Stream, error) {
	var out []connectors.Stream
	for _, code := range s.cfg.Reports {
		spec := kinds[s.kinds[code]]
		if !slices.ContainsFunc(out, func(st connectors.Stream) bool { return st.Name == spec.stream }) {
			out = append(out, connectors.Stream{Name: spec.stream, Description: spec.description, Schema: spec.schema})
		}
	}
	for _, t := range discoveredTables {
		if _, on := discoveredOn(s.cfg, t.stream); on {
			out = append(out, connectors.Stream{Name: t.stream, Schema: discoveredSchema, Optional: true, Description: t.description})
		}
	}
	return append(out, unitsStream), nil
}

// checkpoint is what a read leaves for the next one.
type checkpoint struct {
	Version int    `json:"version"`
	Data    string `json:"data_sha256"`
}

const checkpointVersion = 1

// Read fetches every configured report of the stream's kind. From a
// checkpoint of an earlier read whose data requests and answers hash the
// same, the stream is unchanged: no record, Unchanged true.
func (s *Source) Read(ctx context.Context, stream string, from connectors.Checkpoint) (connectors.Batches, error) {
	if stream == StreamUnits {
		return s.readUnits(ctx, from)
	}
	if t, on := discoveredOn(s.cfg, stream); on {
		return s.readDiscovered(ctx, t, from)
	}
	var reports []string
	var spec kindSpec
	for _, code := range s.cfg.Reports {
		if k := kinds[s.kinds[code]]; k.stream == stream {
			reports, spec = append(reports, code), k
		}
	}
	if len(reports) == 0 {
		return nil, fmt.Errorf("udir: no stream %q among the configured reports", stream)
	}
	r := &reading{src: s, hash: sha256.New(), b: array.NewRecordBuilder(memory.DefaultAllocator, spec.schema)}
	defer r.b.Release()
	defer func() {
		for _, rec := range r.recs {
			rec.Release()
		}
	}()
	for _, code := range reports {
		var err error
		if s.kinds[code] == KindNationalTests {
			err = r.report(ctx, code)
		} else {
			err = r.table(ctx, code, s.kinds[code])
		}
		if err != nil {
			return nil, err
		}
	}
	return r.result(stream, from)
}

// result is the end of a read: nothing changed when the data requests and
// answers hash as in the checkpoint from, else the records read and a new
// checkpoint. The caller releases r.recs after it.
func (r *reading) result(stream string, from connectors.Checkpoint) (connectors.Batches, error) {
	schema := r.b.Schema()
	cur := checkpoint{Version: checkpointVersion, Data: hex.EncodeToString(r.hash.Sum(nil))}
	var prev checkpoint
	if len(from) > 0 && json.Unmarshal(from, &prev) == nil && prev == cur {
		r.src.log.Info("udir: stream unchanged", "stream", stream, "requests", r.requests)
		return connectors.NothingChanged(schema, from), nil
	}
	cp, err := json.Marshal(cur)
	if err != nil {
		return nil, fmt.Errorf("udir: saving the checkpoint: %w", err)
	}
	r.src.log.Info("udir: stream read", "stream", stream, "requests", r.requests, "rows", r.rows, "empty_combinations", r.empty)
	return connectors.Records(schema, r.recs, cp)
}

// reading is the state of one Read.
type reading struct {
	src      *Source
	hash     hash.Hash
	b        *array.RecordBuilder
	recs     []arrow.RecordBatch
	requests int
	rows     int
	empty    int
	units    map[string]bool // the keys of the rows so far: year, level, code and selection
}

// get fetches a path relative to the base URL, counting the request.
func (r *reading) get(ctx context.Context, path string, what string) (string, []byte, error) {
	r.requests++
	return r.src.get(ctx, path, what)
}

// get fetches a path relative to the base URL.
func (s *Source) get(ctx context.Context, path string, what string) (string, []byte, error) {
	endpoint := s.cfg.BaseURL + "/" + strings.TrimLeft(path, "/")
	resp, err := s.http.Get(ctx, endpoint, nil)
	if err != nil {
		return endpoint, nil, fmt.Errorf("udir: reading %s: %w", what, err)
	}
	return endpoint, resp.Body, nil
}

// getData fetches a data request and adds it and its answer to the
// stream's hash.
func (r *reading) getData(ctx context.Context, path string, filters map[string][]int64, radSti, what string) (string, []byte, error) {
	q := url.Values{"filter": {filterExpr(filters)}, "radSti": {radSti}, "inkluderKoder": {"true"}}
	endpoint, body, err := r.get(ctx, path+"?"+q.Encode(), what)
	if err != nil {
		return endpoint, nil, err
	}
	r.hash.Write([]byte(endpoint + "\n"))
	r.hash.Write(body)
	r.hash.Write([]byte("\n"))
	return endpoint, body, nil
}

func payloadErr(endpoint, field string, err error, payload []byte) error {
	return &connectors.PayloadError{Source: "udir", Endpoint: endpoint, Field: field, Err: err, Payload: payload}
}

// pivotPayloadErr is a PayloadError for a data response the pivot parser
// refused, naming the field when the parser did.
func pivotPayloadErr(endpoint string, err error, body []byte) error {
	var pe *PivotError
	if errors.As(err, &pe) {
		return payloadErr(endpoint, pe.Field, err, body)
	}
	return payloadErr(endpoint, "", err, body)
}

// appendUnit appends a row's unit columns, those every report stream
// starts with (unitFields): school year, level, code, name, EnhetID (null
// when the filter values do not list the code).
func appendUnit(b *array.RecordBuilder, autumn int, level Level, row Row, u Unit, known bool) {
	b.Field(0).(*array.Int32Builder).Append(int32(autumn))
	b.Field(1).(*array.StringBuilder).Append(level.String())
	b.Field(2).(*array.StringBuilder).Append(row.Kode)
	b.Field(3).(*array.StringBuilder).Append(row.Navn)
	if known {
		b.Field(4).(*array.Int64Builder).Append(u.ID)
	} else {
		b.Field(4).(*array.Int64Builder).AppendNull()
	}
}

// appendValue appends a cell as the value and status columns at field at
// and at+1 (valueFields): the number only when its status is ok.
func appendValue(b *array.RecordBuilder, at int, v cell.Value) {
	if v.Status == cell.OK {
		b.Field(at).(*array.Float64Builder).Append(v.Number)
	} else {
		b.Field(at).(*array.Float64Builder).AppendNull()
	}
	b.Field(at + 1).(*array.StringBuilder).Append(string(v.Status))
}

// opened is a report whose page and filter values have been read.
type opened struct {
	kode       string
	page       *ReportPage
	dataPath   string
	fvEndpoint string
	fv         []byte
	tree       *UnitTree
	nation     Unit
	byKode     map[string]Unit
}

// open reads a report's page and filter values and finds the nation.
func (r *reading) open(ctx context.Context, kode string) (*opened, error) {
	endpoint, body, err := r.get(ctx, "rest/v1/Rapportside/"+url.PathEscape(kode), "report page "+kode)
	if err != nil {
		return nil, err
	}
	page, err := ParseReportPage(body)
	if err != nil {
		return nil, payloadErr(endpoint, "rappside", err, body)
	}
	if page.Kode != kode {
		return nil, payloadErr(endpoint, "rappside.kode", fmt.Errorf("%q answered for %q", page.Kode, kode), body)
	}
	dataPath, _ := page.DataEndpoint() // ParseReportPage made sure there is one
	return r.openPage(ctx, page, dataPath, page.FilterValuesEndpoint)
}

// openPage reads the filter values of a report page already read, whose
// data are at dataPath and filter values at fvPath, and finds the nation.
func (r *reading) openPage(ctx context.Context, page *ReportPage, dataPath, fvPath string) (*opened, error) {
	kode := page.Kode
	o := &opened{kode: kode, page: page, dataPath: dataPath}
	var err error
	o.fvEndpoint, o.fv, err = r.get(ctx, fvPath, "the filter values of "+kode)
	if err != nil {
		return nil, err
	}
	if o.tree, err = Units(o.fv); err != nil {
		return nil, payloadErr(o.fvEndpoint, "EnhetID", err, o.fv)
	}
	found := false
	o.byKode = make(map[string]Unit, len(o.tree.Units))
	for _, u := range o.tree.Units {
		o.byKode[u.Kode] = u
		if u.Level == LevelNation && u.Kode == "I" {
			o.nation, found = u, true
		}
	}
	if !found {
		return nil, payloadErr(o.fvEndpoint, "EnhetID", errors.New("no unit with kode \"I\" (Hele landet)"), o.fv)
	}
	return o, nil
}

// filters are the page's defaults with the given filters set over them.
func (o *opened) filters(set map[string][]int64) map[string][]int64 {
	out := make(map[string][]int64, len(o.page.DefaultFilters)+len(set))
	for k, v := range o.page.DefaultFilters {
		out[k] = v
	}
	for k, v := range set {
		out[k] = v
	}
	out["EnhetID"] = []int64{o.nation.ID}
	return out
}

// radSti is the row path below the nation for the configured level.
func (r *reading) radSti() string {
	if r.src.cfg.Level == LevelSchools {
		return "*.*.*"
	}
	return "*.*"
}

// filterExpr writes filters as the API reads them: Name(v1_v2)_Name2(v),
// names sorted. Values are joined with "_": a comma is HTTP 400.
func filterExpr(filters map[string][]int64) string {
	names := make([]string, 0, len(filters))
	for k := range filters {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, k := range names {
		vals := make([]string, len(filters[k]))
		for i, v := range filters[k] {
			vals[i] = strconv.FormatInt(v, 10)
		}
		parts = append(parts, k+"("+strings.Join(vals, "_")+")")
	}
	return strings.Join(parts, "_")
}
