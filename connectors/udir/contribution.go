package udir

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/connectors/cell"
	"github.com/skolestat/skolestat/internal/httpclient"
)

// The published school contribution (skolebidragsindikatorer, computed by
// SSB, published by udir; shared/docs/sources.md §1B and §5). The
// grunnskole table is SkolebidragG, but the code of its report page is not
// known and neither are its header labels. So its pages are found, not
// named, and landed generically:
//
//  1. Discovery. GET rest/v1/Rapportside lists every report page (its
//     shape is not documented: an array of objects with at least "kode", or
//     an object wrapping one such array; see ParseReportList). Every listed
//     page whose kode starts with "GSK_" is read (one request each), and
//     those with a report element whose data endpoint is under
//     Statistikk/GSK/SkolebidragG/ are the school contribution. A listed
//     page that answers 4xx or is not a report page of the usual shape is
//     skipped with a warning: it is some other report. No page found is not
//     a failure: the stream is absent (connectors.ErrStreamAbsent). Nothing
//     is kept between runs.
//  2. Landing. For each page found, one data request per year the page's
//     year filter (TidID or SkoleAarID, whichever gyldigeFiltre has)
//     offers, every other filter at the page's default but EnhetID (the
//     nation) and radSti (the configured level). One row per unit and leaf
//     column: the leaf's header names below the year as a JSON array
//     (columns), the last one as sent (measure), the value and status; a
//     cell that is text, not a number (a significance flag, say), lands
//     with status "label" and its text in raw.
//
// A year value is mapped to a school year by the rules of schoolyear.go
// (TidID YYYY06 or YYYY10, SkoleAarID YYYY(YYYY+1)) when its name is that
// school year's; otherwise school_year is null and year_id and year_name
// say what it is (a pooled pair of cohorts may be named otherwise).

// schoolContributionTable is where the data endpoint of a school
// contribution page points.
const schoolContributionTable = "Statistikk/GSK/SkolebidragG/"

// SchoolContributionSchema is the schema of StreamSchoolContribution.
var SchoolContributionSchema = arrow.NewSchema([]arrow.Field{
	{Name: "school_year", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "year_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "year_name", Type: arrow.BinaryTypes.String},
	{Name: "unit_level", Type: arrow.BinaryTypes.String},
	{Name: "unit_code", Type: arrow.BinaryTypes.String},
	{Name: "unit_name", Type: arrow.BinaryTypes.String},
	{Name: "enhet_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "report", Type: arrow.BinaryTypes.String},
	{Name: "columns", Type: arrow.BinaryTypes.String},
	{Name: "measure", Type: arrow.BinaryTypes.String},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "status", Type: arrow.BinaryTypes.String},
	{Name: "raw", Type: arrow.BinaryTypes.String},
}, nil)

var schoolContributionStream = connectors.Stream{Name: StreamSchoolContribution, Schema: SchoolContributionSchema, Optional: true,
	Description: "Published school contribution (skolebidrag, table SkolebidragG of udir's report API, pages found by discovery), one row per unit, year and header column"}

// ReportListEntry is one report page of the list GET rest/v1/Rapportside.
type ReportListEntry struct {
	ID   int64  // id; 0 when not sent as a number
	Kode string // kode, never empty
	Navn string // navn, trimmed; "" when not sent as a string
}

// ParseReportList reads the answer of GET rest/v1/Rapportside, whose shape
// is not documented: a JSON array of objects that each have a non-empty
// string "kode" (and maybe "id" and "navn"), or an object with exactly one
// member that is such an array. Anything else is an error; field names the
// place at fault ("[3].kode", "rapportsider[3].kode").
func ParseReportList(data []byte) (_ []ReportListEntry, field string, _ error) {
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, "", fmt.Errorf("decoding the report page list: %w", err)
	}
	raw = bytes.TrimSpace(raw)
	prefix := ""
	if raw[0] == '{' {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, "", fmt.Errorf("decoding the report page list: %w", err)
		}
		var arrays []string
		for k, v := range obj {
			if len(v) > 0 && v[0] == '[' {
				arrays = append(arrays, k)
			}
		}
		sort.Strings(arrays)
		if len(arrays) != 1 {
			return nil, "", fmt.Errorf("an object with %d array members %v, want one: the list of report pages", len(arrays), arrays)
		}
		prefix, raw = arrays[0], obj[arrays[0]]
	}
	if raw[0] != '[' {
		return nil, "", fmt.Errorf("%s %s, want an array of report pages or an object wrapping one", jsonKind(raw), excerpt(raw))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, prefix, err
	}
	out := make([]ReportListEntry, len(items))
	for i, it := range items {
		field := fmt.Sprintf("%s[%d]", prefix, i)
		var e struct {
			ID   json.RawMessage `json:"id"`
			Kode json.RawMessage `json:"kode"`
			Navn json.RawMessage `json:"navn"`
		}
		if len(it) == 0 || it[0] != '{' {
			return nil, field, fmt.Errorf("%s %s, want an object", jsonKind(it), excerpt(it))
		}
		if err := json.Unmarshal(it, &e); err != nil {
			return nil, field, err
		}
		kode, ok, err := jsonString(e.Kode)
		if err == nil && (!ok || strings.TrimSpace(kode) == "") {
			err = errors.New("missing or empty")
		}
		if err != nil {
			return nil, field + ".kode", err
		}
		out[i].Kode = strings.TrimSpace(kode)
		if navn, ok, err := jsonString(e.Navn); ok && err == nil {
			out[i].Navn = strings.TrimSpace(navn)
		}
		if len(e.ID) > 0 && jsonKind(e.ID) == "a number" {
			_ = json.Unmarshal(e.ID, &out[i].ID) // a fraction leaves 0
		}
	}
	return out, "", nil
}

// contributionPage is a report page found to hold the school contribution.
type contributionPage struct {
	page     *ReportPage
	endpoint string // where the page was read
	body     []byte // the page as read, for a PayloadError on it
	dataPath string // its element's data endpoint, under schoolContributionTable
	fvPath   string // the filter values of that element
}

// contributionElement is the data endpoint of the first element of p
// whose data are the school contribution, and the filter values that go
// with it (the page's, when they are of the same table and version).
func contributionElement(p *ReportPage) (dataPath, fvPath string, ok bool) {
	for _, e := range p.Elements {
		if !strings.Contains(e.DataEndpoint, schoolContributionTable) {
			continue
		}
		base := strings.TrimSuffix(e.DataEndpoint, "/data")
		fvPath = base + "/filterVerdier"
		if strings.TrimSuffix(p.FilterValuesEndpoint, "/filterVerdier") == base {
			fvPath = p.FilterValuesEndpoint
		}
		return e.DataEndpoint, fvPath, true
	}
	return "", "", false
}

// discover lists the report pages and reads every grunnskole page (kode
// GSK_…) to find those of the school contribution, in list order, one per
// data endpoint. searched is the number of pages read.
func (r *reading) discover(ctx context.Context) (found []contributionPage, listEndpoint string, searched int, err error) {
	listEndpoint, body, err := r.get(ctx, "rest/v1/Rapportside", "the list of report pages")
	if err != nil {
		return nil, listEndpoint, 0, err
	}
	list, field, err := ParseReportList(body)
	if err != nil {
		return nil, listEndpoint, 0, payloadErr(listEndpoint, field, err, body)
	}
	seen := map[string]string{} // data endpoint → kode
	for _, e := range list {
		if !strings.HasPrefix(e.Kode, "GSK_") {
			continue
		}
		searched++
		endpoint, body, err := r.get(ctx, "rest/v1/Rapportside/"+url.PathEscape(e.Kode), "report page "+e.Kode)
		var se *httpclient.StatusError
		if errors.As(err, &se) && se.Status >= 400 && se.Status < 500 && se.Status != 429 {
			r.src.log.Warn("udir: skipping a listed report page that cannot be read", "kode", e.Kode, "status", se.Status)
			continue
		}
		if err != nil {
			return nil, listEndpoint, searched, err
		}
		page, err := ParseReportPage(body)
		if err != nil || page.Kode != e.Kode {
			r.src.log.Warn("udir: skipping a listed report page of another shape", "kode", e.Kode, "endpoint", endpoint, "error", err)
			continue
		}
		dataPath, fvPath, ok := contributionElement(page)
		if !ok {
			continue
		}
		if first, dup := seen[dataPath]; dup {
			r.src.log.Info("udir: a school contribution page with the data of another; read once", "kode", e.Kode, "as", first, "data", dataPath)
			continue
		}
		seen[dataPath] = e.Kode
		found = append(found, contributionPage{page: page, endpoint: endpoint, body: body, dataPath: dataPath, fvPath: fvPath})
	}
	return found, listEndpoint, searched, nil
}

// readSchoolContribution discovers the school contribution's pages and
// reads every year of each; none found is connectors.ErrStreamAbsent.
func (s *Source) readSchoolContribution(ctx context.Context, from connectors.Checkpoint) (connectors.Batches, error) {
	r := &reading{src: s, hash: sha256.New(), b: array.NewRecordBuilder(memory.DefaultAllocator, SchoolContributionSchema)}
	defer r.b.Release()
	defer func() {
		for _, rec := range r.recs {
			rec.Release()
		}
	}()
	found, listEndpoint, searched, err := r.discover(ctx)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		s.log.Info("udir: no report page of the school contribution", "list", listEndpoint, "pages_searched", searched,
			"searched_for", "a GSK_ page with data under "+schoolContributionTable)
		return nil, fmt.Errorf("udir: none of the %d grunnskole report pages listed by %s has its data under %s: %w",
			searched, listEndpoint, schoolContributionTable, connectors.ErrStreamAbsent)
	}
	for _, f := range found {
		s.log.Info("udir: found a school contribution page", "kode", f.page.Kode, "navn", f.page.Navn, "data", f.dataPath)
		if err := r.contribution(ctx, f); err != nil {
			return nil, err
		}
	}
	return r.result(StreamSchoolContribution, from)
}

// contributionYear is a value of a school contribution page's year filter.
type contributionYear struct {
	id     int64
	navn   string // trimmed, without "Foreløpige tall "
	autumn int    // the school year; 0 when the rules of schoolyear.go do not map it
}

// contributionYears are the values of the year filter, by id. A value is
// mapped to its school year when the filter's rule gives one whose name
// is the value's name.
func contributionYears(fv []byte, filter string) ([]contributionYear, error) {
	vals, err := FilterValues(fv, filter)
	if err != nil {
		return nil, err
	}
	out := make([]contributionYear, 0, len(vals))
	seen := map[int64]bool{}
	for i, v := range vals {
		if seen[v.ID] {
			return nil, fmt.Errorf("%s[%d]: id %d offered twice", filter, i, v.ID)
		}
		seen[v.ID] = true
		y := contributionYear{id: v.ID, navn: strings.TrimPrefix(v.Navn, "Foreløpige tall ")}
		autumn := 0
		switch filter {
		case "TidID":
			autumn, _ = tidAutumn(v.ID)
		case "SkoleAarID":
			if a := int(v.ID / 10000); v.ID%10000 == int64(a+1) {
				autumn = a
			}
		}
		if autumn > 0 && y.navn == schoolYearName(autumn) {
			y.autumn = autumn
		}
		out = append(out, y)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}

// contribution reads every year of one school contribution page.
func (r *reading) contribution(ctx context.Context, f contributionPage) error {
	o, err := r.openPage(ctx, f.page, f.dataPath, f.fvPath)
	if err != nil {
		return err
	}
	filter := ""
	for _, name := range []string{"TidID", "SkoleAarID"} {
		if slices.Contains(f.page.Filters, name) {
			filter = name
			break
		}
	}
	if filter == "" {
		return payloadErr(f.endpoint, "rappside.gyldigeFiltre", fmt.Errorf("neither TidID nor SkoleAarID among %v", f.page.Filters), f.body)
	}
	years, err := contributionYears(o.fv, filter)
	if err != nil {
		return payloadErr(o.fvEndpoint, filter, err, o.fv)
	}
	if len(years) == 0 {
		return payloadErr(o.fvEndpoint, filter, errors.New("no years offered"), o.fv)
	}
	var unmapped []string
	for _, y := range years {
		if y.autumn == 0 {
			unmapped = append(unmapped, fmt.Sprintf("%d %q", y.id, y.navn))
		}
		what := fmt.Sprintf("%s %s", o.kode, y.navn)
		endpoint, body, err := r.getData(ctx, o.dataPath, o.filters(map[string][]int64{filter: {y.id}}), r.radSti(), what)
		if err != nil {
			return err
		}
		if err := r.contributionData(endpoint, body, o.kode, y, o.byKode); err != nil {
			return err
		}
	}
	if len(unmapped) > 0 {
		r.src.log.Info("udir: school contribution years that are no school year by the rules; school_year null", "report", o.kode, "filter", filter, "years", unmapped)
	}
	return nil
}

// contributionData turns one data response of a school contribution page
// into rows: every leaf must be of the year asked for; its columns are the
// header names below the year (trimmed, as Header.Name).
func (r *reading) contributionData(endpoint string, body []byte, kode string, y contributionYear, byKode map[string]Unit) error {
	p, err := parsePivot(body, true)
	if err != nil {
		return pivotPayloadErr(endpoint, err, body)
	}
	if len(p.Leaves) == 0 {
		r.empty++
		return nil
	}
	columns := make([]string, len(p.Leaves))
	seen := map[string]bool{}
	for j, l := range p.Leaves {
		at := slices.IndexFunc(l.Path, func(h Header) bool { return hasYearName(h.Name, y.navn) })
		if at < 0 {
			return payloadErr(endpoint, fmt.Sprintf("metadata.columns (leaf %d)", j),
				fmt.Errorf("header %v is not of %s, which was asked for", l.Path, y.navn), body)
		}
		names := make([]string, 0, len(l.Path)-at-1)
		for _, h := range l.Path[at+1:] {
			names = append(names, h.Name)
		}
		js, err := json.Marshal(names)
		if err != nil {
			return fmt.Errorf("udir: encoding the columns of leaf %d: %w", j, err)
		}
		if seen[string(js)] {
			return payloadErr(endpoint, fmt.Sprintf("metadata.columns (leaf %d)", j), fmt.Errorf("columns %s given twice", js), body)
		}
		seen[string(js)], columns[j] = true, string(js)
	}
	if r.units == nil {
		r.units = map[string]bool{}
	}
	b := r.b
	for i, row := range p.Rows {
		field := fmt.Sprintf("rows[%d]", i)
		if row.Kode == "" {
			return payloadErr(endpoint, field+".kode", errors.New("missing (asked with inkluderKoder=true)"), body)
		}
		level, ok := levelOf(1, row.Kode)
		if !ok || level < LevelCounty {
			return payloadErr(endpoint, field+".kode", fmt.Errorf("%q is no county, municipality or school code", row.Kode), body)
		}
		key := fmt.Sprintf("%s|%d|%s|%s", kode, y.id, level, row.Kode)
		if r.units[key] {
			return payloadErr(endpoint, field+".kode", fmt.Errorf("unit %s given twice for %s", row.Kode, y.navn), body)
		}
		r.units[key] = true
		u, known := byKode[row.Kode]
		for j, v := range row.Values {
			if y.autumn > 0 {
				b.Field(0).(*array.Int32Builder).Append(int32(y.autumn))
			} else {
				b.Field(0).(*array.Int32Builder).AppendNull()
			}
			b.Field(1).(*array.Int64Builder).Append(y.id)
			b.Field(2).(*array.StringBuilder).Append(y.navn)
			b.Field(3).(*array.StringBuilder).Append(level.String())
			b.Field(4).(*array.StringBuilder).Append(row.Kode)
			b.Field(5).(*array.StringBuilder).Append(row.Navn)
			if known {
				b.Field(6).(*array.Int64Builder).Append(u.ID)
			} else {
				b.Field(6).(*array.Int64Builder).AppendNull()
			}
			b.Field(7).(*array.StringBuilder).Append(kode)
			b.Field(8).(*array.StringBuilder).Append(columns[j])
			b.Field(9).(*array.StringBuilder).Append(p.Leaves[j].Measure())
			if v.Status == cell.OK {
				b.Field(10).(*array.Float64Builder).Append(v.Number)
			} else {
				b.Field(10).(*array.Float64Builder).AppendNull()
			}
			b.Field(11).(*array.StringBuilder).Append(string(v.Status))
			b.Field(12).(*array.StringBuilder).Append(row.Raw[j])
		}
		r.rows += len(row.Values)
	}
	if len(p.Rows) > 0 {
		r.recs = append(r.recs, b.NewRecordBatch())
	}
	return nil
}
