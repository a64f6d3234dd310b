package udir

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors"
)

// The tables whose report pages are found, not named (discovery.go), and
// landed generically, since their header labels are not known either:
//
//   - the published school contribution (skolebidragsindikatorer,
//     computed by SSB, published by udir; shared/docs/sources.md §1B and
//     §5), table SkolebidragG, in StreamSchoolContribution;
//   - the transitions from grunnskole to upper secondary, table
//     OvergangerG (sources.md §1B lists it among the GSK tables, without a
//     page code or labels), in StreamTransitions.
//
// Both land in the same schema. For each page found, one data request per
// year the page's year filter (TidID or SkoleAarID, whichever gyldigeFiltre
// has) offers, every other filter at the page's default but EnhetID (the
// nation) and radSti (the configured level). One row per unit and leaf
// column: the leaf's header names below the year as a JSON array
// (columns), the last one as sent (measure), the value and status; a cell
// that is text, not a number (a significance flag, say), lands with
// status "label" and its text in raw. No page found is not a failure: the
// stream is absent (connectors.ErrStreamAbsent).
//
// A year value is mapped to a school year by the rules of schoolyear.go
// (TidID YYYY06 or YYYY10, SkoleAarID YYYY(YYYY+1)) when its name is that
// school year's; otherwise school_year is null and year_id and year_name
// say what it is (a pooled pair of cohorts may be named otherwise).

// discoveredSchema is the schema of every discovered stream.
var discoveredSchema = arrow.NewSchema([]arrow.Field{
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

// SchoolContributionSchema is the schema of StreamSchoolContribution, and
// of StreamTransitions: every discovered stream lands in this one shape.
var SchoolContributionSchema = discoveredSchema

// readDiscovered reads every year of every page discovery found for the
// discovered stream; none found is connectors.ErrStreamAbsent.
func (s *Source) readDiscovered(ctx context.Context, t discoveredTable, from connectors.Checkpoint) (connectors.Batches, error) {
	d, err := s.discovered(ctx)
	if err != nil {
		return nil, err
	}
	found := d.pages[t.path]
	if len(found) == 0 {
		s.log.Info("udir: no report page of the "+t.what, "list", d.listEndpoint, "pages_searched", d.searched,
			"searched_for", "a GSK_ page with data under "+t.path)
		return nil, fmt.Errorf("udir: none of the %d grunnskole report pages listed by %s has its data under %s: %w",
			d.searched, d.listEndpoint, t.path, connectors.ErrStreamAbsent)
	}
	r := &reading{src: s, hash: sha256.New(), b: array.NewRecordBuilder(memory.DefaultAllocator, discoveredSchema)}
	defer r.b.Release()
	defer func() {
		for _, rec := range r.recs {
			rec.Release()
		}
	}()
	for _, f := range found {
		s.log.Info("udir: found a page of the "+t.what, "kode", f.page.Kode, "navn", f.page.Navn, "data", f.dataPath)
		if err := r.discoveredPage(ctx, t, f); err != nil {
			return nil, err
		}
	}
	return r.result(t.stream, from)
}

// pageYear is a value of a discovered page's year filter.
type pageYear struct {
	id     int64
	navn   string // trimmed, without "Foreløpige tall "
	autumn int    // the school year; 0 when the rules of schoolyear.go do not map it
}

// pageYears are the values of the year filter, by id. A value is
// mapped to its school year when the filter's rule gives one whose name
// is the value's name.
func pageYears(fv []byte, filter string) ([]pageYear, error) {
	vals, err := FilterValues(fv, filter)
	if err != nil {
		return nil, err
	}
	out := make([]pageYear, 0, len(vals))
	seen := map[int64]bool{}
	for i, v := range vals {
		if seen[v.ID] {
			return nil, fmt.Errorf("%s[%d]: id %d offered twice", filter, i, v.ID)
		}
		seen[v.ID] = true
		y := pageYear{id: v.ID, navn: strings.TrimPrefix(v.Navn, "Foreløpige tall ")}
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

// discoveredPage reads every year of one page of the discovered table t.
func (r *reading) discoveredPage(ctx context.Context, t discoveredTable, f foundPage) error {
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
	years, err := pageYears(o.fv, filter)
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
		if err := r.pageData(endpoint, body, o.kode, y, o.byKode); err != nil {
			return err
		}
	}
	if len(unmapped) > 0 {
		r.src.log.Info("udir: "+t.what+" years that are no school year by the rules; school_year null", "report", o.kode, "filter", filter, "years", unmapped)
	}
	return nil
}

// pageData turns one data response of a discovered page into rows: every
// leaf must be of the year asked for; its columns are the header names
// below the year (trimmed, as Header.Name).
func (r *reading) pageData(endpoint string, body []byte, kode string, y pageYear, byKode map[string]Unit) error {
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
			appendValue(b, 10, v)
			b.Field(12).(*array.StringBuilder).Append(row.Raw[j])
		}
		r.rows += len(row.Values)
	}
	if len(p.Rows) > 0 {
		r.recs = append(r.recs, b.NewRecordBatch())
	}
	return nil
}
