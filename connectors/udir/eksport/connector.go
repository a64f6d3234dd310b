package eksport

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
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/connectors/cell"
	"github.com/skolestat/skolestat/connectors/udir"
	"github.com/skolestat/skolestat/internal/httpclient"
)

// DefaultBaseURL is the real Eksport API. (api.udir-statistikkbanken.no,
// which udir's own page names, is dead.)
const DefaultBaseURL = "https://api.statistikkbanken.udir.no/api/rest/v2/Eksport"

// Stream is the one stream: raw.udir_survey.
const Stream = "udir_survey"

// DefaultTables are the grunnskole indicator, bullying and participation
// tables.
var DefaultTables = []int{148, 150, 151}

// Levels of Config.Level.
const (
	LevelMunicipality = "municipality" // the nation, counties and municipalities
	LevelSchool       = "school"       // and the schools
)

// MaxURL is the longest request URL the connector sends; the units of a
// year are split over several requests to stay under it.
const MaxURL = 2000

// Config is the `with:` block of a udir_survey extract step.
type Config struct {
	BaseURL string `yaml:"base_url"` // default DefaultBaseURL; the emulator's address + /eksport/api/rest/v2/Eksport
	Tables  []int  `yaml:"tables"`   // EksportIDs; default DefaultTables
	// Years are autumn years (2024 = 2024-25, TidID 202412); default every
	// year a table offers. A year a table does not offer fails the read.
	Years []int  `yaml:"years"`
	Level string `yaml:"level"` // "municipality" (default) or "school"
	// Items: also every question of the indicator tables, not only the
	// indices (SpoersmaalID kode EUIndeks_…). Bullying tables always give
	// their questions.
	Items bool `yaml:"items"`
	// Owners (all, public, private) and Genders (all, G, J) to ask for;
	// default all only, so that no row counts twice in a sum.
	Owners  []string `yaml:"owners"`
	Genders []string `yaml:"genders"`
}

var ownerIDs = map[string]int64{"all": -10, "public": 8, "private": 2}

var genderIDs = map[string]int64{"all": -10, "G": 2, "J": 1}

func init() {
	connectors.Default.Register(Stream, connectors.Factory{
		Doc: "udir's Eksport API: Elevundersøkelsen indices, bullying and participation (tables 148-155) by municipality or school",
		New: func() any {
			return &Config{BaseURL: DefaultBaseURL, Tables: slices.Clone(DefaultTables), Level: LevelMunicipality}
		},
		Build: connectors.Build("udir_survey", func(cfg Config, env connectors.Env) (*Source, error) {
			src, err := New(cfg, env.HTTP)
			if err == nil {
				src.log = env.Log()
			}
			return src, err
		}),
	})
}

// Schema is the schema of the records Read yields. The key is school_year,
// table_id, unit_level, unit_code, programme, grade, owner, gender,
// measure_code, statistic.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "school_year", Type: arrow.PrimitiveTypes.Int32},
	{Name: "table_id", Type: arrow.PrimitiveTypes.Int32},
	{Name: "table_kind", Type: arrow.BinaryTypes.String},
	{Name: "unit_level", Type: arrow.BinaryTypes.String},
	{Name: "unit_code", Type: arrow.BinaryTypes.String},
	{Name: "unit_name", Type: arrow.BinaryTypes.String},
	{Name: "enhet_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "programme", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "grade", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "owner", Type: arrow.BinaryTypes.String},
	{Name: "gender", Type: arrow.BinaryTypes.String},
	{Name: "measure_code", Type: arrow.BinaryTypes.String},
	{Name: "measure_group", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "statistic", Type: arrow.BinaryTypes.String},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "status", Type: arrow.BinaryTypes.String},
}, nil)

// Source reads the Eksport tables. It implements connectors.Source and
// connectors.Checker.
type Source struct {
	cfg  Config
	http *httpclient.Client
	log  *slog.Logger
}

// New checks cfg, fills its defaults and returns a Source fetching through
// client.
func New(cfg Config, client *httpclient.Client) (*Source, error) {
	if client == nil {
		return nil, errors.New("udir_survey: no HTTP client")
	}
	base, err := connectors.BaseURL("udir_survey", cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	cfg.BaseURL = base
	if len(cfg.Tables) == 0 {
		cfg.Tables = slices.Clone(DefaultTables)
	}
	for _, id := range cfg.Tables {
		if id <= 0 {
			return nil, fmt.Errorf("udir_survey: table %d: want an EksportID such as 148", id)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(cfg.Tables)))) != len(cfg.Tables) {
		return nil, fmt.Errorf("udir_survey: tables %v: a table is named twice", cfg.Tables)
	}
	for _, y := range cfg.Years {
		if y < 2000 || y > 2100 {
			return nil, fmt.Errorf("udir_survey: year %d: want an autumn year such as 2024", y)
		}
	}
	switch cfg.Level {
	case "":
		cfg.Level = LevelMunicipality
	case LevelMunicipality, LevelSchool:
	default:
		return nil, fmt.Errorf("udir_survey: level %q: want %q or %q", cfg.Level, LevelMunicipality, LevelSchool)
	}
	if cfg.Owners, err = choose("owners", cfg.Owners, ownerIDs); err != nil {
		return nil, err
	}
	if cfg.Genders, err = choose("genders", cfg.Genders, genderIDs); err != nil {
		return nil, err
	}
	return &Source{cfg: cfg, http: client, log: slog.New(slog.DiscardHandler)}, nil
}

// choose checks a breakdown list against its names; empty is ["all"].
func choose(key string, vals []string, ids map[string]int64) ([]string, error) {
	if len(vals) == 0 {
		return []string{"all"}, nil
	}
	for _, v := range vals {
		if _, ok := ids[v]; !ok {
			names := slices.Sorted(func(yield func(string) bool) {
				for k := range ids {
					if !yield(k) {
						return
					}
				}
			})
			return nil, fmt.Errorf("udir_survey: %s: %q is not one of %s", key, v, strings.Join(names, ", "))
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(vals))), nil
}

var _ connectors.Checker = (*Source)(nil)

// Check reads the table list and checks that it is a list of EksportID and
// Beskrivelse that names the configured tables.
func (s *Source) Check(ctx context.Context) (string, error) {
	endpoint := s.cfg.BaseURL
	resp, err := s.http.Get(ctx, endpoint, nil)
	if err != nil {
		return endpoint, err
	}
	var list []struct {
		EksportID   *int    `json:"EksportID"`
		Beskrivelse *string `json:"Beskrivelse"`
	}
	if err := json.Unmarshal(resp.Body, &list); err != nil {
		return endpoint, payloadErr(endpoint, "", fmt.Errorf("decoding the table list: %w", err), resp.Body)
	}
	listed := map[int]bool{}
	for i, t := range list {
		if t.EksportID == nil || t.Beskrivelse == nil {
			return endpoint, payloadErr(endpoint, fmt.Sprintf("[%d].EksportID", i), errors.New("no EksportID or Beskrivelse"), resp.Body)
		}
		listed[*t.EksportID] = true
	}
	for _, id := range s.cfg.Tables {
		if !listed[id] {
			return endpoint, payloadErr(endpoint, "EksportID", fmt.Errorf("table %d is not in the list of %d tables", id, len(list)), resp.Body)
		}
	}
	return endpoint, nil
}

// Streams lists the one stream.
func (s *Source) Streams(context.Context) ([]connectors.Stream, error) {
	return []connectors.Stream{{Name: Stream, Schema: Schema,
		Description: "Elevundersøkelsen (udir Eksport API): one row per unit, school year, table, grade, owner, gender, measure and statistic"}}, nil
}

// checkpoint is what a read leaves for the next one.
type checkpoint struct {
	Version int    `json:"version"`
	Data    string `json:"data_sha256"`
}

const checkpointVersion = 1

// Read fetches every table. From the checkpoint of an earlier read whose
// sideData and data answers hash the same, the stream is unchanged: no
// record, Unchanged true.
func (s *Source) Read(ctx context.Context, stream string, from connectors.Checkpoint) (connectors.Batches, error) {
	if stream != Stream {
		return nil, fmt.Errorf("udir_survey: no stream %q", stream)
	}
	r := &reading{src: s, hash: sha256.New(), b: array.NewRecordBuilder(memory.DefaultAllocator, Schema), keys: map[string]bool{}}
	defer r.b.Release()
	defer func() {
		for _, rec := range r.recs {
			rec.Release()
		}
	}()
	for _, id := range s.cfg.Tables {
		if err := r.table(ctx, id); err != nil {
			return nil, err
		}
	}
	cur := checkpoint{Version: checkpointVersion, Data: hex.EncodeToString(r.hash.Sum(nil))}
	var prev checkpoint
	if len(from) > 0 && json.Unmarshal(from, &prev) == nil && prev == cur {
		s.log.Info("udir_survey: unchanged", "requests", r.requests)
		return connectors.NothingChanged(Schema, from), nil
	}
	cp, err := json.Marshal(cur)
	if err != nil {
		return nil, fmt.Errorf("udir_survey: saving the checkpoint: %w", err)
	}
	s.log.Info("udir_survey: read", "requests", r.requests, "rows", r.rows, "values", r.values)
	return connectors.Records(Schema, r.recs, cp)
}

func payloadErr(endpoint, field string, err error, payload []byte) error {
	return &connectors.PayloadError{Source: "udir_survey", Endpoint: endpoint, Field: field, Err: err, Payload: payload}
}

// reading is the state of one Read.
type reading struct {
	src      *Source
	hash     hash.Hash
	b        *array.RecordBuilder
	recs     []arrow.RecordBatch
	requests int
	rows     int // data rows
	values   int // stream rows
	keys     map[string]bool
	facts    []Fact // scratch
}

// get fetches a path under the base URL.
func (r *reading) get(ctx context.Context, path, what string) (string, []byte, error) {
	endpoint := r.src.cfg.BaseURL + "/" + path
	r.requests++
	resp, err := r.src.http.Get(ctx, endpoint, nil)
	if err != nil {
		return endpoint, nil, fmt.Errorf("udir_survey: reading %s: %w", what, err)
	}
	return endpoint, resp.Body, nil
}

// tableQuery is what one table is asked for.
type tableQuery struct {
	id      int
	years   []int
	filters string // everything but TidID and EnhetID: TrinnID(…)_EierformID(…)…
	units   []udir.Unit
	byCode  map[string]udir.Unit // level + "/" + kode
	grades  map[int]bool
	owners  map[string]bool
	genders map[string]bool
	codes   Codes
	kind    Kind // from the first row
}

// table reads one table: its filter values, then per year and group of
// units the pages.
func (r *reading) table(ctx context.Context, id int) error {
	endpoint, fv, err := r.get(ctx, strconv.Itoa(id)+"/filterVerdier", fmt.Sprintf("the filter values of table %d", id))
	if err != nil {
		return err
	}
	q, field, err := r.src.plan(id, fv)
	if err != nil {
		return payloadErr(endpoint, field, fmt.Errorf("table %d: %w", id, err), fv)
	}
	for _, y := range q.years {
		for _, units := range q.chunks(r.src.cfg.BaseURL, y) {
			if err := r.selection(ctx, q, y, units); err != nil {
				return err
			}
		}
	}
	return nil
}

// filterExpr is the filter of one request: TidID, EnhetID, then the rest,
// each Name(v1_v2) joined with "_" (a comma is HTTP 400).
func (q *tableQuery) filterExpr(year int, units []udir.Unit) string {
	ids := make([]string, len(units))
	for i, u := range units {
		ids[i] = strconv.FormatInt(u.ID, 10)
	}
	f := fmt.Sprintf("TidID(%d)_EnhetID(%s)", year*100+12, strings.Join(ids, "_"))
	if q.filters != "" {
		f += "_" + q.filters
	}
	return f
}

// dataPath is the path of a data page.
func (q *tableQuery) dataPath(filter string, page int) string {
	return fmt.Sprintf("%d/data?%s", q.id, url.Values{"filter": {filter}, "format": {"0"}, "sideNummer": {strconv.Itoa(page)}}.Encode())
}

// chunks splits the units so that every data URL stays under MaxURL.
func (q *tableQuery) chunks(base string, year int) [][]udir.Unit {
	var out [][]udir.Unit
	start := 0
	for start < len(q.units) {
		end := start + 1
		for end < len(q.units) && len(base)+1+len(q.dataPath(q.filterExpr(year, q.units[start:end+1]), 9999)) <= MaxURL {
			end++
		}
		out = append(out, q.units[start:end])
		start = end
	}
	return out
}

// plan reads the filter values of table id: the years to ask for, the
// units of the level, the other filters. The error names its field.
func (s *Source) plan(id int, fv []byte) (*tableQuery, string, error) {
	q := &tableQuery{id: id, byCode: map[string]udir.Unit{}, grades: map[int]bool{}, owners: map[string]bool{}, genders: map[string]bool{}}
	years, err := udir.FilterValues(fv, "TidID")
	if err != nil {
		return nil, "TidID", err
	}
	offered := map[int]bool{}
	for i, v := range years {
		if v.ID%100 != 12 || v.ID/100 < 2000 || v.ID/100 > 2100 {
			return nil, fmt.Sprintf("TidID[%d]", i), fmt.Errorf("id %d is not an autumn survey (YYYY12)", v.ID)
		}
		offered[int(v.ID/100)] = true
	}
	q.years = s.cfg.Years
	if len(q.years) == 0 {
		for y := range offered {
			q.years = append(q.years, y)
		}
	}
	slices.Sort(q.years)
	q.years = slices.Compact(q.years)
	for _, y := range q.years {
		if !offered[y] {
			return nil, "TidID", fmt.Errorf("the table does not offer %d-%02d (TidID %d)", y, (y+1)%100, y*100+12)
		}
	}
	tree, err := udir.Units(fv)
	if err != nil {
		return nil, "EnhetID", err
	}
	for _, u := range tree.Units {
		keep := (u.Level == udir.LevelNation && u.Kode == "I") || u.Level == udir.LevelCounty || u.Level == udir.LevelMunicipality ||
			(u.Level == udir.LevelSchool && s.cfg.Level == LevelSchool)
		if keep && !u.Abroad && !u.Hidden {
			q.units = append(q.units, u)
			q.byCode[u.Level.String()+"/"+u.Kode] = u
		}
	}
	if len(q.units) == 0 {
		return nil, "EnhetID", errors.New("no nation, county or municipality")
	}
	var lists map[string]json.RawMessage
	if err := json.Unmarshal(fv, &lists); err != nil {
		return nil, "", err // Units read it: cannot happen
	}
	has := func(filter string) bool { return lists[filter] != nil && string(lists[filter]) != "null" }
	var parts []string
	// TrinnID: every grade the table has. A table without the filter has
	// any grade.
	q.grades = nil
	if has("TrinnID") {
		grades, err := udir.FilterValues(fv, "TrinnID")
		if err != nil {
			return nil, "TrinnID", err
		}
		q.grades = map[int]bool{}
		var ids []string
		for i, g := range grades {
			n, err := strconv.Atoi(g.Kode)
			if err != nil || n < 1 || n > 13 {
				return nil, fmt.Sprintf("TrinnID[%d]", i), fmt.Errorf("kode %q is not a grade", g.Kode)
			}
			q.grades[n] = true
			ids = append(ids, strconv.FormatInt(g.ID, 10))
		}
		parts = append(parts, "TrinnID("+strings.Join(ids, "_")+")")
	}
	// EierformID and KjoennID: the configured values ("alle", -10, by
	// default, so that no row counts twice). A table without the filter
	// has no such breakdown: its rows are "all".
	for _, b := range []struct {
		filter string
		want   []string
		ids    map[string]int64
		got    map[string]bool
	}{{"EierformID", s.cfg.Owners, ownerIDs, q.owners}, {"KjoennID", s.cfg.Genders, genderIDs, q.genders}} {
		if !has(b.filter) {
			b.got["all"] = true
			continue
		}
		vals, err := udir.FilterValues(fv, b.filter)
		if err != nil {
			return nil, b.filter, err
		}
		var ids []string
		for _, w := range b.want {
			i := slices.IndexFunc(vals, func(v udir.FilterValue) bool { return v.ID == b.ids[w] })
			if i < 0 {
				return nil, b.filter, fmt.Errorf("no value with id %d (%s)", b.ids[w], w)
			}
			b.got[w] = true
			ids = append(ids, strconv.FormatInt(b.ids[w], 10))
			if b.filter == "EierformID" {
				if q.codes.Owners == nil {
					q.codes.Owners = map[string]string{}
				}
				q.codes.Owners[vals[i].Kode] = w
			}
		}
		parts = append(parts, b.filter+"("+strings.Join(ids, "_")+")")
	}
	// SpoersmaalID: a table whose questions include indices other than
	// the bullying index is an indicator table; without items only its
	// indices are asked for. Otherwise every question (no filter).
	if has("SpoersmaalID") && !s.cfg.Items {
		qs, err := udir.FilterValues(fv, "SpoersmaalID")
		if err != nil {
			return nil, "SpoersmaalID", err
		}
		var ids []string
		indicator := false
		for _, v := range qs {
			if strings.HasPrefix(v.Kode, IndexPrefix) {
				ids = append(ids, strconv.FormatInt(v.ID, 10))
				indicator = indicator || v.Kode != BullyingIndex
			}
		}
		if indicator {
			parts = append(parts, "SpoersmaalID("+strings.Join(ids, "_")+")")
		}
	}
	q.filters = strings.Join(parts, "_")
	return q, "", nil
}

// pageInfo is sideData's first element.
type pageInfo struct {
	JSONSider   *int `json:"JSONSider"`
	RaderTotalt *int `json:"RaderTotalt"`
}

// selection reads the pages of one year and group of units.
func (r *reading) selection(ctx context.Context, q *tableQuery, year int, units []udir.Unit) error {
	filter := q.filterExpr(year, units)
	what := fmt.Sprintf("table %d %d-%02d", q.id, year, (year+1)%100)
	endpoint, body, err := r.get(ctx, fmt.Sprintf("%d/sideData?%s", q.id, url.Values{"filter": {filter}}.Encode()), "the page count of "+what)
	if err != nil {
		return err
	}
	r.hashAnswer(endpoint, body)
	var info []pageInfo
	if err := json.Unmarshal(body, &info); err != nil {
		return payloadErr(endpoint, "", fmt.Errorf("%s: decoding sideData: %w", what, err), body)
	}
	if len(info) == 0 || info[0].JSONSider == nil || *info[0].JSONSider < 0 {
		return payloadErr(endpoint, "[0].JSONSider", fmt.Errorf("%s: missing or negative", what), body)
	}
	pages := *info[0].JSONSider
	asked := map[string]bool{}
	for _, u := range units {
		asked[u.Level.String()+"/"+u.Kode] = true
	}
	total, totalSaid := 0, -1
	if info[0].RaderTotalt != nil {
		totalSaid = *info[0].RaderTotalt
	}
	// Pages 1..JSONSider, each once: a page past the end would repeat the
	// last one, so the count comes from sideData, never from an empty page.
	for p := 1; p <= pages; p++ {
		endpoint, body, err := r.get(ctx, q.dataPath(filter, p), fmt.Sprintf("page %d of %d of %s", p, pages, what))
		if err != nil {
			return err
		}
		r.hashAnswer(endpoint, body)
		n, said, field, err := r.page(q, year, p, asked, body)
		if err != nil {
			return payloadErr(endpoint, field, fmt.Errorf("%s page %d: %w", what, p, err), body)
		}
		if n == 0 {
			return payloadErr(endpoint, "", fmt.Errorf("%s page %d of %d: no rows", what, p, pages), body)
		}
		if totalSaid >= 0 && said >= 0 && said != totalSaid {
			return payloadErr(endpoint, "RaderTotalt", fmt.Errorf("%s page %d: %d rows in all, sideData said %d", what, p, said, totalSaid), body)
		}
		if said >= 0 {
			totalSaid = said
		}
		total += n
	}
	if totalSaid >= 0 && total != totalSaid {
		return payloadErr(endpoint, "RaderTotalt", fmt.Errorf("%s: %d rows on %d pages, RaderTotalt says %d", what, total, pages, totalSaid), nil)
	}
	return nil
}

func (r *reading) hashAnswer(endpoint string, body []byte) {
	r.hash.Write([]byte(endpoint + "\n"))
	r.hash.Write(body)
	r.hash.Write([]byte("\n"))
}

// page reads one data page into the builder: its row count, its
// RaderTotalt (-1 when absent) and, on error, the offending field.
func (r *reading) page(q *tableQuery, year, p int, asked map[string]bool, body []byte) (int, int, string, error) {
	rows, err := ParsePage(body)
	if err != nil {
		return 0, -1, "", err
	}
	said := -1
	for i := range rows {
		row := &rows[i]
		at := func(f string) string { return fmt.Sprintf("[%d].%s", i, f) }
		for _, c := range []struct {
			name string
			f    Field
			want int
		}{{"Sidenummer", row.Sidenummer, p}, {"RaderSide", row.RaderSide, len(rows)}, {"RaderTotalt", row.RaderTotalt, -1}} {
			if !c.f.Present {
				continue
			}
			n, err := strconv.Atoi(strings.TrimSpace(c.f.Text))
			switch {
			case err != nil || n < 0:
				return 0, -1, at(c.name), fmt.Errorf("%q is not a count", c.f.Text)
			case c.want >= 0 && n != c.want:
				return 0, -1, at(c.name), fmt.Errorf("%d, want %d", n, c.want)
			case c.want < 0 && said >= 0 && n != said:
				return 0, -1, at(c.name), fmt.Errorf("%d, an earlier row says %d", n, said)
			case c.want < 0:
				said = n
			}
		}
		k, err := KindOf(row)
		if err != nil {
			return 0, -1, at(err.(*FieldError).Field), err
		}
		if q.kind == "" {
			q.kind = k
			if k == Theme {
				return 0, -1, at("Temakode"), fmt.Errorf("table %d holds answer distributions (Temakode, SvaralternativKode), which the connector does not read; leave it out of tables", q.id)
			}
		}
		if k != q.kind {
			return 0, -1, at("Score"), fmt.Errorf("a row of a %s table among rows of a %s table", k, q.kind)
		}
		r.facts, err = Facts(r.facts[:0], row, k, year, q.codes)
		if err != nil {
			var fe *FieldError
			errors.As(err, &fe)
			return 0, -1, at(fe.Field), err
		}
		if len(r.facts) == 0 {
			continue
		}
		f0 := r.facts[0]
		switch {
		case !asked[f0.Level+"/"+f0.UnitCode]:
			return 0, -1, at("Organisasjonsnummer"), fmt.Errorf("unit %s %s was not asked for", f0.Level, f0.UnitCode)
		case q.grades != nil && !q.grades[f0.Grade]:
			return 0, -1, at("TrinnKode"), fmt.Errorf("grade %d was not asked for", f0.Grade)
		case !q.owners[f0.Owner]:
			return 0, -1, at("Eierformkode"), fmt.Errorf("owner %s was not asked for", f0.Owner)
		case !q.genders[f0.Gender]:
			return 0, -1, at("KjoennKode"), fmt.Errorf("gender %s was not asked for", f0.Gender)
		}
		enhet, hasID := q.byCode[f0.Level+"/"+f0.UnitCode]
		for _, f := range r.facts {
			key := fmt.Sprintf("%d|%d|%s|%s|%s|%d|%s|%s|%s|%s", year, q.id, f.Level, f.UnitCode, f.Programme, f.Grade, f.Owner, f.Gender, f.Measure, f.Statistic)
			if r.keys[key] {
				return 0, -1, at("Spoersmaalkode"), fmt.Errorf("%s of %s %s, grade %d, owner %s, gender %s, %s given twice", f.Statistic, f.Level, f.UnitCode, f.Grade, f.Owner, f.Gender, f.Measure)
			}
			r.keys[key] = true
			r.append(year, q, f, enhet.ID, hasID)
		}
		r.rows++
	}
	if len(rows) > 0 {
		r.recs = append(r.recs, r.b.NewRecordBatch())
	}
	return len(rows), said, "", nil
}

// append adds one stream row.
func (r *reading) append(year int, q *tableQuery, f Fact, enhet int64, hasID bool) {
	b := r.b
	b.Field(0).(*array.Int32Builder).Append(int32(year))
	b.Field(1).(*array.Int32Builder).Append(int32(q.id))
	b.Field(2).(*array.StringBuilder).Append(string(q.kind))
	b.Field(3).(*array.StringBuilder).Append(f.Level)
	b.Field(4).(*array.StringBuilder).Append(f.UnitCode)
	b.Field(5).(*array.StringBuilder).Append(f.UnitName)
	if hasID {
		b.Field(6).(*array.Int64Builder).Append(enhet)
	} else {
		b.Field(6).(*array.Int64Builder).AppendNull()
	}
	appendOptString(b.Field(7).(*array.StringBuilder), f.Programme)
	if f.Grade > 0 {
		b.Field(8).(*array.Int32Builder).Append(int32(f.Grade))
	} else {
		b.Field(8).(*array.Int32Builder).AppendNull()
	}
	b.Field(9).(*array.StringBuilder).Append(f.Owner)
	b.Field(10).(*array.StringBuilder).Append(f.Gender)
	b.Field(11).(*array.StringBuilder).Append(f.Measure)
	appendOptString(b.Field(12).(*array.StringBuilder), f.Group)
	b.Field(13).(*array.StringBuilder).Append(f.Statistic)
	if f.Value.Status == cell.OK {
		b.Field(14).(*array.Float64Builder).Append(f.Value.Number)
	} else {
		b.Field(14).(*array.Float64Builder).AppendNull()
	}
	b.Field(15).(*array.StringBuilder).Append(string(f.Value.Status))
	r.values++
}

func appendOptString(b *array.StringBuilder, s string) {
	if s == "" {
		b.AppendNull()
	} else {
		b.Append(s)
	}
}
