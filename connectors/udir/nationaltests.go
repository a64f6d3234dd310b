package udir

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// The national tests (KindNationalTests): SkoleAarID years, TrinnID grades
// and ProevetypeID tests, one data request per year, grade and test.

// measures maps the national tests' measure headers to the measure column.
var measures = map[string]string{
	"Skalapoeng":            "scale_score",
	"Usikkerhet":            "uncertainty",
	"Antall elever deltatt": "participants",
}

// subjects maps ProevetypeID kode to the subject column, as in the
// microdata contract.
var subjects = map[string]string{"NPENG": "english", "NPLES": "reading", "NPREG": "numeracy"}

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

// report reads one national test report page and all its data.
func (r *reading) report(ctx context.Context, kode string) error {
	o, err := r.open(ctx, kode)
	if err != nil {
		return err
	}
	years, err := r.years(o.fv, kode)
	if err != nil {
		return payloadErr(o.fvEndpoint, "SkoleAarID", err, o.fv)
	}
	tests, err := r.tests(o.fv, kode)
	if err != nil {
		return payloadErr(o.fvEndpoint, "ProevetypeID", err, o.fv)
	}
	grades := []grade{{}}
	if slices.Contains(o.page.Filters, "TrinnID") {
		if grades, err = gradesOf(o.fv); err != nil {
			return payloadErr(o.fvEndpoint, "TrinnID", err, o.fv)
		}
	}
	for _, y := range years {
		for _, g := range grades {
			for _, t := range tests {
				set := map[string][]int64{"SkoleAarID": {y.id}, "ProevetypeID": {t.id}, "VisAntallRaderDeltatt": {1}}
				if g.hasID {
					set["TrinnID"] = []int64{g.id}
				}
				what := fmt.Sprintf("%s %s %s", kode, y.navn, t.navn)
				if g.hasID {
					what = fmt.Sprintf("%s %s grade %d %s", kode, y.navn, g.number, t.navn)
				}
				endpoint, body, err := r.getData(ctx, o.dataPath, o.filters(set), r.radSti(), what)
				if err != nil {
					return err
				}
				if err := r.data(endpoint, body, y, g, t, o.byKode); err != nil {
					return err
				}
			}
		}
	}
	return nil
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
	return pickYears(offered, r.src.cfg.Years, kode)
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
		return pivotPayloadErr(endpoint, err, body)
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
			appendUnit(b, y.autumn, level, row, u, known)
			b.Field(5).(*array.Int32Builder).Append(int32(number))
			b.Field(6).(*array.StringBuilder).Append(t.subject)
			b.Field(7).(*array.StringBuilder).Append(measureOf[j])
			appendValue(b, 8, v)
		}
		r.rows += len(row.Values)
	}
	if len(p.Rows) > 0 {
		r.recs = append(r.recs, b.NewRecordBatch())
	}
	return nil
}
