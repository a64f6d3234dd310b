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
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/connectors/cell"
	"github.com/skolestat/skolestat/internal/httpclient"
)

// The connector "udir": the national tests (nasjonale prøver) from the
// report API, one row per unit, year, grade, subject and measure.
//
// For each report it reads the Rapportside (for the data and filterVerdier
// endpoints: never hard-coded, udir changes their versions), then the
// filterVerdier (years, grades, tests, and the unit tree for the nation's
// EnhetID), then one data request per year × grade × test with
// inkluderKoder=true, drilling from the nation to the municipalities (or
// the schools). The grade, test and year a pivot holds are read from its
// header and must be the ones asked for: the API answers some filters it
// does not take with another selection rather than an error. A response of
// another shape fails the read with a *connectors.PayloadError naming the
// endpoint and the field and carrying the payload. Every request goes
// through the run's shared HTTP client.
//
// Incremental: the checkpoint is the SHA-256 of the data requests and
// their answers; a read whose answers hash the same reports the stream
// unchanged.

// DefaultBaseURL is the real report API.
const DefaultBaseURL = "https://statistikkportalen.udir.no/api/rapportering"

// Stream is the one stream: raw.udir_national_tests.
const Stream = "udir_national_tests"

// DefaultReports are the national test reports: 8th and 9th grade, and
// 5th grade.
var DefaultReports = []string{"GSK_NP_Geografisk", "GSK_NP_Geo_Trinn5"}

// FirstYear is the first school year (autumn year) of the national tests
// in the report API: the scale changed in 2022-23 and udir removed the
// older results.
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
	// Years are autumn years (2023 = 2023-24); default every year the
	// reports offer from FirstYear. A year a report does not offer fails
	// the read.
	Years []int `yaml:"years"`
	// Level is how deep to drill: "municipality" (default) or "school".
	Level string `yaml:"level"`
}

func init() {
	connectors.Default.Register("udir", connectors.Factory{
		Doc: "udir's report API: national test results (nasjonale prøver) by county, municipality or school",
		New: func() any {
			return &Config{BaseURL: DefaultBaseURL, Reports: slices.Clone(DefaultReports), Level: LevelMunicipalities}
		},
		Build: func(config any, env connectors.Env) (connectors.Source, error) {
			cfg, ok := config.(*Config)
			if !ok {
				return nil, fmt.Errorf("udir: config is %T, want *udir.Config", config)
			}
			src, err := New(*cfg, env.HTTP)
			if err == nil && env.Logger != nil {
				src.log = env.Logger
			}
			return src, err
		},
	})
}

// Schema is the schema of the records Read yields.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "school_year", Type: arrow.PrimitiveTypes.Int32},
	{Name: "unit_level", Type: arrow.BinaryTypes.String},
	{Name: "unit_code", Type: arrow.BinaryTypes.String},
	{Name: "unit_name", Type: arrow.BinaryTypes.String},
	{Name: "enhet_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "grade", Type: arrow.PrimitiveTypes.Int32},
	{Name: "subject", Type: arrow.BinaryTypes.String},
	{Name: "measure", Type: arrow.BinaryTypes.String},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "status", Type: arrow.BinaryTypes.String},
}, nil)

// measures maps the pivot's measure headers to the measure column.
var measures = map[string]string{
	"Skalapoeng":            "scale_score",
	"Usikkerhet":            "uncertainty",
	"Antall elever deltatt": "participants",
}

// subjects maps ProevetypeID kode to the subject column, as in the
// microdata contract.
var subjects = map[string]string{"NPENG": "english", "NPLES": "reading", "NPREG": "numeracy"}

// Source reads the national tests. It implements connectors.Source; a
// unit that comes twice for the same year, grade and test is a
// PayloadError (the rows are in memory, so no SQL check is needed).
type Source struct {
	cfg  Config
	http *httpclient.Client
	log  *slog.Logger
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
	for _, y := range cfg.Years {
		if y < FirstYear {
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
	return &Source{cfg: cfg, http: client, log: slog.New(slog.DiscardHandler)}, nil
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

// Streams lists the one stream.
func (s *Source) Streams(context.Context) ([]connectors.Stream, error) {
	return []connectors.Stream{{Name: Stream, Description: "National test results (udir report API), one row per unit, year, grade, subject and measure", Schema: Schema}}, nil
}

// checkpoint is what a read leaves for the next one.
type checkpoint struct {
	Version int    `json:"version"`
	Data    string `json:"data_sha256"`
}

const checkpointVersion = 1

// Read fetches every report. From a checkpoint of an earlier read whose
// data requests and answers hash the same, the stream is unchanged: no
// record, Unchanged true.
func (s *Source) Read(ctx context.Context, stream string, from connectors.Checkpoint) (connectors.Batches, error) {
	if stream != Stream {
		return nil, fmt.Errorf("udir: no stream %q", stream)
	}
	r := &reading{src: s, hash: sha256.New(), b: array.NewRecordBuilder(memory.DefaultAllocator, Schema)}
	defer r.b.Release()
	defer func() {
		for _, rec := range r.recs {
			rec.Release()
		}
	}()
	for _, kode := range s.cfg.Reports {
		if err := r.report(ctx, kode); err != nil {
			return nil, err
		}
	}
	cur := checkpoint{Version: checkpointVersion, Data: hex.EncodeToString(r.hash.Sum(nil))}
	var prev checkpoint
	if len(from) > 0 && json.Unmarshal(from, &prev) == nil && prev == cur {
		s.log.Info("udir: national tests unchanged", "requests", r.requests)
		return connectors.NothingChanged(Schema, from), nil
	}
	cp, err := json.Marshal(cur)
	if err != nil {
		return nil, fmt.Errorf("udir: saving the checkpoint: %w", err)
	}
	s.log.Info("udir: national tests read", "requests", r.requests, "rows", r.rows, "empty_combinations", r.empty)
	return connectors.Records(Schema, r.recs, cp)
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
	units    map[string]bool // year, level, code, grade, subject of the rows so far
}

// get fetches a path relative to the base URL.
func (r *reading) get(ctx context.Context, path string, what string) (string, []byte, error) {
	endpoint := r.src.cfg.BaseURL + "/" + strings.TrimLeft(path, "/")
	r.requests++
	resp, err := r.src.http.Get(ctx, endpoint, nil)
	if err != nil {
		return endpoint, nil, fmt.Errorf("udir: reading %s: %w", what, err)
	}
	return endpoint, resp.Body, nil
}

func payloadErr(endpoint, field string, err error, payload []byte) error {
	return &connectors.PayloadError{Source: "udir", Endpoint: endpoint, Field: field, Err: err, Payload: payload}
}

// grade is a grade to ask for: TrinnID id, or none when the report takes
// no TrinnID (5th grade); the number comes from the header then.
type grade struct {
	id     int64
	number int // 0 when the report takes no TrinnID
	hasID  bool
}

// test is a ProevetypeID to ask for.
type test struct {
	id      int64
	navn    string
	subject string
}

// year is a SkoleAarID to ask for.
type year struct {
	id     int64
	navn   string
	autumn int
}

// report reads one report page and all its data.
func (r *reading) report(ctx context.Context, kode string) error {
	endpoint, body, err := r.get(ctx, "rest/v1/Rapportside/"+url.PathEscape(kode), "report page "+kode)
	if err != nil {
		return err
	}
	page, err := ParseReportPage(body)
	if err != nil {
		return payloadErr(endpoint, "rappside", err, body)
	}
	if page.Kode != kode {
		return payloadErr(endpoint, "rappside.kode", fmt.Errorf("%q answered for %q", page.Kode, kode), body)
	}
	dataPath, _ := page.DataEndpoint() // ParseReportPage made sure there is one
	endpoint, fv, err := r.get(ctx, page.FilterValuesEndpoint, "the filter values of "+kode)
	if err != nil {
		return err
	}
	years, err := r.years(fv, kode)
	if err != nil {
		return payloadErr(endpoint, "SkoleAarID", err, fv)
	}
	tests, err := r.tests(fv, kode)
	if err != nil {
		return payloadErr(endpoint, "ProevetypeID", err, fv)
	}
	grades := []grade{{}}
	if slices.Contains(page.Filters, "TrinnID") {
		if grades, err = gradesOf(fv); err != nil {
			return payloadErr(endpoint, "TrinnID", err, fv)
		}
	}
	tree, err := Units(fv)
	if err != nil {
		return payloadErr(endpoint, "EnhetID", err, fv)
	}
	nation := -1
	for i, u := range tree.Units {
		if u.Level == LevelNation && u.Kode == "I" {
			nation = i
		}
	}
	if nation < 0 {
		return payloadErr(endpoint, "EnhetID", errors.New("no unit with kode \"I\" (Hele landet)"), fv)
	}
	byKode := make(map[string]Unit, len(tree.Units))
	for _, u := range tree.Units {
		byKode[u.Kode] = u
	}
	radSti := "*.*"
	if r.src.cfg.Level == LevelSchools {
		radSti = "*.*.*"
	}
	for _, y := range years {
		for _, g := range grades {
			for _, t := range tests {
				filters := map[string][]int64{}
				for k, v := range page.DefaultFilters {
					filters[k] = v
				}
				filters["SkoleAarID"] = []int64{y.id}
				filters["ProevetypeID"] = []int64{t.id}
				filters["EnhetID"] = []int64{tree.Units[nation].ID}
				filters["VisAntallRaderDeltatt"] = []int64{1}
				if g.hasID {
					filters["TrinnID"] = []int64{g.id}
				}
				q := url.Values{"filter": {filterExpr(filters)}, "radSti": {radSti}, "inkluderKoder": {"true"}}
				what := fmt.Sprintf("%s %s %s", kode, y.navn, t.navn)
				if g.hasID {
					what = fmt.Sprintf("%s %s grade %d %s", kode, y.navn, g.number, t.navn)
				}
				endpoint, body, err := r.get(ctx, dataPath+"?"+q.Encode(), what)
				if err != nil {
					return err
				}
				r.hash.Write([]byte(endpoint + "\n"))
				r.hash.Write(body)
				r.hash.Write([]byte("\n"))
				if err := r.data(endpoint, body, y, g, t, byKode); err != nil {
					return err
				}
			}
		}
	}
	return nil
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

// years are the report's SkoleAarID values to ask for: from FirstYear, the
// configured ones if any (each must be offered).
func (r *reading) years(fv []byte, kode string) ([]year, error) {
	vals, err := FilterValues(fv, "SkoleAarID")
	if err != nil {
		return nil, err
	}
	offered := map[int]year{}
	for i, v := range vals {
		autumn := int(v.ID / 10000)
		if v.ID%10000 != int64(autumn+1) {
			return nil, fmt.Errorf("SkoleAarID[%d]: id %d is not a school year (like 20242025)", i, v.ID)
		}
		if autumn >= FirstYear {
			offered[autumn] = year{id: v.ID, navn: v.Navn, autumn: autumn}
		}
	}
	want := r.src.cfg.Years
	if len(want) == 0 {
		for a := range offered {
			want = append(want, a)
		}
	}
	slices.Sort(want)
	var out []year
	for _, a := range slices.Compact(want) {
		y, ok := offered[a]
		if !ok {
			return nil, fmt.Errorf("report %s does not offer the school year %d-%02d", kode, a, (a+1)%100)
		}
		out = append(out, y)
	}
	return out, nil
}

// tests are the report's tests whose kode is known.
func (r *reading) tests(fv []byte, kode string) ([]test, error) {
	vals, err := FilterValues(fv, "ProevetypeID")
	if err != nil {
		return nil, err
	}
	var out []test
	for _, v := range vals {
		s, ok := subjects[v.Kode]
		if !ok {
			r.src.log.Warn("udir: skipping a test of unknown kode", "report", kode, "kode", v.Kode, "navn", v.Navn)
			continue
		}
		out = append(out, test{id: v.ID, navn: v.Navn, subject: s})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("none of the %d tests is NPENG, NPLES or NPREG", len(vals))
	}
	return out, nil
}

// gradesOf reads the TrinnID list: kode is the grade ("8"), id the value
// to filter on (7).
func gradesOf(fv []byte) ([]grade, error) {
	vals, err := FilterValues(fv, "TrinnID")
	if err != nil {
		return nil, err
	}
	out := make([]grade, len(vals))
	for i, v := range vals {
		n, err := strconv.Atoi(v.Kode)
		if err != nil || n < 1 || n > 10 {
			return nil, fmt.Errorf("TrinnID[%d]: kode %q is not a grade", i, v.Kode)
		}
		out[i] = grade{id: v.ID, number: n, hasID: true}
	}
	return out, nil
}

var gradeHeader = regexp.MustCompile(`^(\d+)\. årstrinn$`)

// data turns one data response into rows.
func (r *reading) data(endpoint string, body []byte, y year, g grade, t test, byKode map[string]Unit) error {
	p, err := ParsePivot(body)
	if err != nil {
		var pe *PivotError
		if errors.As(err, &pe) {
			return payloadErr(endpoint, pe.Field, err, body)
		}
		return payloadErr(endpoint, "", err, body)
	}
	if len(p.Leaves) == 0 {
		r.empty++ // a combination that does not exist (9th grade English)
		return nil
	}
	// What the header says the pivot holds must be what was asked for.
	number := g.number
	measureOf := make([]string, len(p.Leaves))
	seen := map[string]bool{}
	for j, l := range p.Leaves {
		var hasYear, hasTest bool
		for _, h := range l.Path[:len(l.Path)-1] {
			hasYear = hasYear || h.Name == y.navn || h.Name == "Foreløpige tall "+y.navn
			hasTest = hasTest || h.Name == t.navn
			if m := gradeHeader.FindStringSubmatch(h.Name); m != nil {
				n, _ := strconv.Atoi(m[1])
				if number != 0 && n != number {
					return payloadErr(endpoint, fmt.Sprintf("metadata.columns (leaf %d)", j), fmt.Errorf("header says %q, asked for grade %d", h.Name, number), body)
				}
				number = n
			}
		}
		if !hasYear || !hasTest {
			return payloadErr(endpoint, fmt.Sprintf("metadata.columns (leaf %d)", j),
				fmt.Errorf("header %v is not of %s and %s, which were asked for", l.Path, y.navn, t.navn), body)
		}
		m, ok := measures[l.Measure()]
		if !ok {
			return payloadErr(endpoint, fmt.Sprintf("metadata.columns (leaf %d)", j), fmt.Errorf("unknown measure %q", l.Measure()), body)
		}
		if seen[m] {
			return payloadErr(endpoint, fmt.Sprintf("metadata.columns (leaf %d)", j), fmt.Errorf("measure %q given twice", l.Measure()), body)
		}
		seen[m], measureOf[j] = true, m
	}
	if number == 0 {
		return payloadErr(endpoint, "metadata.columns", errors.New("no header names the grade (\"5. årstrinn\")"), body)
	}
	b := r.b
	for i, row := range p.Rows {
		if row.Kode == "" {
			return payloadErr(endpoint, fmt.Sprintf("rows[%d].kode", i), errors.New("missing (asked with inkluderKoder=true)"), body)
		}
		level, ok := levelOf(1, row.Kode)
		if !ok {
			return payloadErr(endpoint, fmt.Sprintf("rows[%d].kode", i), fmt.Errorf("%q is no county, municipality or school code", row.Kode), body)
		}
		key := fmt.Sprintf("%d|%s|%s|%d|%s", y.autumn, level, row.Kode, number, t.subject)
		if r.units == nil {
			r.units = map[string]bool{}
		}
		if r.units[key] {
			return payloadErr(endpoint, fmt.Sprintf("rows[%d].kode", i), fmt.Errorf("unit %s given twice for the same year, grade and test", row.Kode), body)
		}
		r.units[key] = true
		u, known := byKode[row.Kode]
		for j, v := range row.Values {
			b.Field(0).(*array.Int32Builder).Append(int32(y.autumn))
			b.Field(1).(*array.StringBuilder).Append(level.String())
			b.Field(2).(*array.StringBuilder).Append(row.Kode)
			b.Field(3).(*array.StringBuilder).Append(row.Navn)
			if known {
				b.Field(4).(*array.Int64Builder).Append(u.ID)
			} else {
				b.Field(4).(*array.Int64Builder).AppendNull()
			}
			b.Field(5).(*array.Int32Builder).Append(int32(number))
			b.Field(6).(*array.StringBuilder).Append(t.subject)
			b.Field(7).(*array.StringBuilder).Append(measureOf[j])
			if v.Status == cell.OK {
				b.Field(8).(*array.Float64Builder).Append(v.Number)
			} else {
				b.Field(8).(*array.Float64Builder).AppendNull()
			}
			b.Field(9).(*array.StringBuilder).Append(string(v.Status))
		}
		r.rows += len(row.Values)
	}
	if len(p.Rows) > 0 {
		r.recs = append(r.recs, b.NewRecordBatch())
	}
	return nil
}
