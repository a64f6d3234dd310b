package udir

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// The reports other than the national tests (grunnskolepoeng, grades,
// GSI, absence): their years are TidID values (schoolyear.go), their
// measures the last header level (kindSpec.measures), one data request
// per year; grades ask per grade type too, with every subject at once.

// selection is one data request's choice besides the year.
type selection struct {
	set     map[string][]int64 // filters set over the page's defaults
	headers []string           // names the header must hold besides the year
	what    string             // for messages
	// Grades only: the grade type, and the subjects asked for by FagID
	// (the first segment of a row id).
	gradeType string
	subjects  map[string]FilterValue
}

// table reads one report of a kind other than the national tests.
func (r *reading) table(ctx context.Context, kode string, kind Kind) error {
	spec := kinds[kind]
	o, err := r.open(ctx, kode)
	if err != nil {
		return err
	}
	years, err := tidYears(o.fv, kode, r.src.cfg.Years)
	if err != nil {
		return payloadErr(o.fvEndpoint, "TidID", err, o.fv)
	}
	sels := []selection{{}}
	radSti := r.radSti()
	if kind == KindGrades {
		var field string
		if sels, field, err = r.gradeSelections(o.fv, kode); err != nil {
			return payloadErr(o.fvEndpoint, field, err, o.fv)
		}
		radSti = "*." + radSti // the subject comes first in the row path
	}
	for _, y := range years {
		for _, sel := range sels {
			set := map[string][]int64{"TidID": {y.id}}
			for k, v := range spec.set {
				if slices.Contains(o.page.Filters, k) {
					set[k] = v
				}
			}
			for k, v := range sel.set {
				set[k] = v
			}
			endpoint, body, err := r.getData(ctx, o.dataPath, o.filters(set), radSti, strings.TrimSpace(kode+" "+y.navn+" "+sel.what))
			if err != nil {
				return err
			}
			if err := r.tableData(endpoint, body, spec, y, sel, o.byKode); err != nil {
				return err
			}
		}
	}
	return nil
}

// gradeSelections are one selection per known grade type (KaraktertypeID),
// each with every subject (FagID). On error, field names the list.
func (r *reading) gradeSelections(fv []byte, kode string) (_ []selection, field string, _ error) {
	subjects, err := FilterValues(fv, "FagID")
	if err != nil {
		return nil, "FagID", err
	}
	if len(subjects) == 0 {
		return nil, "FagID", errors.New("no subjects")
	}
	bySeg := make(map[string]FilterValue, len(subjects))
	ids := make([]int64, len(subjects))
	for i, s := range subjects {
		seg := strconv.FormatInt(s.ID, 10)
		if _, dup := bySeg[seg]; dup {
			return nil, "FagID", fmt.Errorf("FagID[%d]: id %d given twice", i, s.ID)
		}
		if s.Kode == "" {
			return nil, "FagID", fmt.Errorf("FagID[%d]: id %d has no kode", i, s.ID)
		}
		bySeg[seg], ids[i] = s, s.ID
	}
	types, err := FilterValues(fv, "KaraktertypeID")
	if err != nil {
		return nil, "KaraktertypeID", err
	}
	var out []selection
	for _, t := range types {
		gt, ok := gradeTypes[t.ID]
		if !ok {
			r.src.log.Warn("udir: skipping a grade type not known", "report", kode, "id", t.ID, "navn", t.Navn)
			continue
		}
		out = append(out, selection{
			set:     map[string][]int64{"KaraktertypeID": {t.ID}, "FagID": ids},
			headers: []string{t.Navn}, what: t.Navn, gradeType: gt, subjects: bySeg,
		})
	}
	if len(out) == 0 {
		return nil, "KaraktertypeID", fmt.Errorf("none of the %d grade types is standpunkt (1) or written exam (3)", len(types))
	}
	return out, "", nil
}

// tableData turns one data response into rows of the stream.
func (r *reading) tableData(endpoint string, body []byte, spec kindSpec, y year, sel selection, byKode map[string]Unit) error {
	p, err := ParsePivot(body)
	if err != nil {
		return pivotPayloadErr(endpoint, err, body)
	}
	if len(p.Leaves) == 0 {
		r.empty++
		return nil
	}
	measureOf, err := leafMeasures(p, spec, y, sel)
	if err != nil {
		var pe *PivotError
		errors.As(err, &pe)
		return payloadErr(endpoint, pe.Field, err, body)
	}
	if r.units == nil {
		r.units = map[string]bool{}
	}
	b := r.b
	nDims := len(b.Schema().Fields()) - len(unitFields) - len(valueFields)
	for i, row := range p.Rows {
		field := fmt.Sprintf("rows[%d]", i)
		if row.Kode == "" {
			return payloadErr(endpoint, field+".kode", errors.New("missing (asked with inkluderKoder=true)"), body)
		}
		level, ok := levelOf(1, row.Kode)
		if !ok || level < LevelCounty {
			return payloadErr(endpoint, field+".kode", fmt.Errorf("%q is no county, municipality or school code", row.Kode), body)
		}
		var dims []string
		if sel.subjects != nil {
			seg, _, _ := strings.Cut(row.ID, ".")
			s, ok := sel.subjects[seg]
			if !ok {
				return payloadErr(endpoint, field+".id", fmt.Errorf("row id %q does not start with a FagID that was asked for", row.ID), body)
			}
			dims = []string{s.Kode, s.Navn, sel.gradeType}
		}
		if len(dims) != nDims {
			return fmt.Errorf("udir: %d dimensions for a stream with %d", len(dims), nDims) // a bug, not a payload
		}
		key := fmt.Sprintf("%d|%s|%s|%s", y.autumn, level, row.Kode, strings.Join(dims, "|"))
		if r.units[key] {
			return payloadErr(endpoint, field+".kode", fmt.Errorf("unit %s given twice for %s %s", row.Kode, y.navn, strings.Join(dims, " ")), body)
		}
		r.units[key] = true
		u, known := byKode[row.Kode]
		for j, v := range row.Values {
			appendUnit(b, y.autumn, level, row, u, known)
			for d, s := range dims {
				b.Field(5 + d).(*array.StringBuilder).Append(s)
			}
			b.Field(5 + nDims).(*array.StringBuilder).Append(measureOf[j])
			appendValue(b, 6+nDims, v)
		}
		r.rows += len(row.Values)
	}
	if len(p.Rows) > 0 {
		r.recs = append(r.recs, b.NewRecordBatch())
	}
	return nil
}

// leafMeasures checks that every leaf's header is of the year and the
// selection asked for and ends in a known measure, each measure once; it
// returns the measure of each leaf. Errors are *PivotError on the header.
func leafMeasures(p *Pivot, spec kindSpec, y year, sel selection) ([]string, error) {
	out := make([]string, len(p.Leaves))
	seen := map[string]bool{}
	for j, l := range p.Leaves {
		field := fmt.Sprintf("metadata.columns (leaf %d)", j)
		outer := l.Path[:len(l.Path)-1]
		if !slices.ContainsFunc(outer, func(h Header) bool { return hasYearName(h.Name, y.navn) }) {
			return nil, pivotErr(field, "", "header %v is not of %s, which was asked for", l.Path, y.navn)
		}
		for _, want := range sel.headers {
			if !slices.ContainsFunc(outer, func(h Header) bool { return h.Name == want }) {
				return nil, pivotErr(field, "", "header %v is not of %s, which was asked for", l.Path, want)
			}
		}
		m, ok := spec.measures[l.Measure()]
		if !ok {
			return nil, pivotErr(field, "", "unknown measure %q", l.Measure())
		}
		if seen[m] {
			return nil, pivotErr(field, "", "measure %q given twice", l.Measure())
		}
		seen[m], out[j] = true, m
	}
	return out, nil
}
