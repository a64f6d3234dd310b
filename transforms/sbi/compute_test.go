package sbi_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/transforms/sbi"
	"github.com/skolestat/skolestat/transforms/sbi/model"
)

// handSchool is a school of the hand-made case: its pupils and its true
// effect in score units / 10.
type handSchool struct {
	orgnr, muni string
	public      bool
	pupils      int
	effect      float64
}

// The hand-made case, level 1-4, window 2018+2019:
//
//	municipality 0301: public P1 (30 pupils, well above), P2 (20);
//	                   private X1 (25), X2 (9: primary), X3 (10: published)
//	municipality 4601: public Q1 (30), Q2 (9: primary), Q3 (40, well below)
//
// With min_pupils 10, Q2 alone would be suppressed in municipality 4601
// (published with 79 pupils), so Q1, its smallest published sibling, is
// suppressed too (secondary). The sample partition then holds X2, Q2 and
// Q1: no further suppression.
var handSchools = []handSchool{
	{"900000001", "0301", true, 30, 1.5},
	{"900000002", "0301", true, 20, 0},
	{"900000003", "0301", false, 25, 0.3},
	{"900000004", "0301", false, 9, 0},
	{"900000005", "0301", false, 10, 0},
	{"900000006", "4601", true, 30, 0.2},
	{"900000007", "4601", true, 9, 0},
	{"900000008", "4601", true, 40, -1.0},
}

// handData writes the hand-made case and returns it with every pupil's raw
// score (for the raw SD, worked out here).
func handData(t testing.TB) (*sbi.Data, []float64) {
	rng := rand.New(rand.NewPCG(3, 17))
	var d tables
	var raw []float64
	for si, s := range handSchools {
		for i := range s.pupils {
			id := fmt.Sprintf("p%d-%02d", si, i)
			income := int64(200000 + 7919*((i*13+si*5)%97))
			if (i+si)%11 == 0 {
				income = -1
			}
			d.pupils = append(d.pupils, pupilRow{id: id, gender: []string{"G", "J"}[(i/2+si)%2],
				immig:  []string{"none", "none", "immigrant", "none", "norwegian_born_to_immigrants"}[(i+si)%5],
				educ:   []string{"primary", "upper_secondary", "higher_short", "higher_long", "unknown"}[(i*3+si)%5],
				income: income})
			cohort := int32(i % 2)
			d.enrol = append(d.enrol, enrolRow{id: id, year: 2017 + cohort, grade: 4, orgnr: s.orgnr})
			score := math.Round((50+10*(s.effect+0.5*rng.NormFloat64()))*10) / 10
			raw = append(raw, score)
			d.tests = append(d.tests, testRow{id: id, year: 2018 + cohort, grade: 5, subject: "reading",
				orgnr: s.orgnr, status: "participated", score: score})
		}
	}
	bs := d.batches(t, 50)
	data := &sbi.Data{Pupils: bs.pupils, Enrolments: bs.enrol, NationalTests: bs.tests}
	for _, s := range handSchools {
		data.Schools = append(data.Schools, sbi.School{Orgnr: s.orgnr, Municipality: s.muni, Public: s.public})
	}
	return data, raw
}

func bySchool(rows []sbi.SchoolRow) map[string]sbi.SchoolRow {
	out := map[string]sbi.SchoolRow{}
	for _, r := range rows {
		out[r.Orgnr] = r
	}
	return out
}

func byUnit(rows []sbi.AggregateRow) map[string]sbi.AggregateRow {
	out := map[string]sbi.AggregateRow{}
	for _, r := range rows {
		out[r.UnitType+" "+r.UnitCode] = r
	}
	return out
}

// weighted is the pupil-weighted mean of the effects of the given schools,
// and sqrt(sigma2 / sum n).
func weighted(all map[string]sbi.SchoolRow, sigma2 float64, orgnrs ...string) (mean, se float64, n int) {
	var s float64
	for _, o := range orgnrs {
		s += float64(all[o].N) * all[o].EffectZ
		n += all[o].N
	}
	return s / float64(n), math.Sqrt(sigma2 / float64(n)), n
}

func TestComputeHandMade(t *testing.T) {
	d, raw := handData(t)
	ctx := context.Background()

	// The windows the data cover: 1-4 only (no grade 7 or 10, no priors).
	cov, err := sbi.CoveredWindows(d)
	if err != nil {
		t.Fatal(err)
	}
	if w := cov[sbi.Level1to4]; len(w) != 1 || w[0].String() != "2018+2019" {
		t.Errorf("covered 1-4 windows %v, want [2018+2019]", w)
	}
	if len(cov[sbi.Level5to7])+len(cov[sbi.Level8to10]) != 0 {
		t.Errorf("covered windows %v: want none at 5-7 and 8-10", cov)
	}

	// min_pupils 1: every value, the reference for the aggregates.
	full, err := sbi.Compute(ctx, d, sbi.Options{MinPupils: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Runs) != 1 || len(full.Schools) != len(handSchools) {
		t.Fatalf("%d runs, %d school rows; want 1 and %d", len(full.Runs), len(full.Schools), len(handSchools))
	}
	run := full.Runs[0]
	all := bySchool(full.Schools)
	_, rawSD := meanSD(raw)
	var centre float64
	for _, s := range handSchools {
		r := all[s.orgnr]
		if r.Status != "ok" || r.N != s.pupils {
			t.Errorf("school %s: status %s, n %d; want ok, %d", s.orgnr, r.Status, r.N, s.pupils)
		}
		if !near(r.Effect, r.EffectZ*rawSD) {
			t.Errorf("school %s: effect %.12g, want effect_z × raw sd %.6f = %.12g", s.orgnr, r.Effect, rawSD, r.EffectZ*rawSD)
		}
		if se := math.Sqrt(run.Sigma2 / float64(s.pupils)); !near(r.SE, se) {
			t.Errorf("school %s: se %.12g, want sigma_e/sqrt(n) %.12g", s.orgnr, r.SE, se)
		}
		centre += float64(r.N) * r.EffectZ
	}
	if math.Abs(centre) > 1e-9 {
		t.Errorf("pupil-weighted sum of fixed effects %.3g, want 0 (centred)", centre)
	}
	// outcome_z: each pupil's reading score as z within its test year (the
	// cohort, i % 2, as handData writes them), averaged per school.
	var byYear [2][]float64
	k := 0
	for _, sc := range handSchools {
		for i := range sc.pupils {
			byYear[i%2] = append(byYear[i%2], raw[k])
			k++
		}
	}
	var mu, sd [2]float64
	for y := range 2 {
		mu[y], sd[y] = meanSD(byYear[y])
	}
	k = 0
	var total float64
	for _, sc := range handSchools {
		var sum float64
		for i := range sc.pupils {
			sum += (raw[k] - mu[i%2]) / sd[i%2]
			k++
		}
		total += sum
		if want := sum / float64(sc.pupils); !near(all[sc.orgnr].OutcomeZ, want) {
			t.Errorf("school %s: outcome_z %.12g, want the mean z of its pupils %.12g", sc.orgnr, all[sc.orgnr].OutcomeZ, want)
		}
	}
	if want := total / float64(k); !near(run.OutcomeMean, want) {
		t.Errorf("run outcome mean %.12g, want the mean z of all %d pupils %.12g", run.OutcomeMean, k, want)
	}
	// Classification of the clear cases.
	for org, want := range map[string]model.Class{"900000001": model.Above, "900000008": model.Below} {
		if got := all[org].Class; got != want {
			t.Errorf("school %s: classification %s (interval %.3f..%.3f), want %s", org, got, all[org].Lower, all[org].Upper, want)
		}
	}

	// Aggregates over public schools only: pupil-weighted means.
	units := byUnit(full.Aggregates)
	for _, c := range []struct {
		unit    string
		schools []string
	}{
		{"municipality 0301", []string{"900000001", "900000002"}},
		{"municipality 4601", []string{"900000006", "900000007", "900000008"}},
		{"county 03", []string{"900000001", "900000002"}},
		{"county 46", []string{"900000006", "900000007", "900000008"}},
		{"nation 0", []string{"900000001", "900000002", "900000006", "900000007", "900000008"}},
	} {
		mean, se, n := weighted(all, run.Sigma2, c.schools...)
		got, ok := units[c.unit]
		if !ok {
			t.Errorf("no row for %s", c.unit)
			continue
		}
		if got.Status != "ok" || got.N != n || got.Schools != len(c.schools) || !near(got.EffectZ, mean) || !near(got.SE, se) {
			t.Errorf("%s: %+v; want n %d, %d schools, effect_z %.12g, se %.12g", c.unit, got, n, len(c.schools), mean, se)
		}
		if !near(got.Effect, mean*rawSD) || !near(got.Lower, mean-model.Z95*se) || !near(got.Upper, mean+model.Z95*se) {
			t.Errorf("%s: effect %.12g, interval %.12g..%.12g", c.unit, got.Effect, got.Lower, got.Upper)
		}
	}
	// The private school X1 would move municipality 0301's mean: the test
	// can tell public-only from all schools.
	if withPrivate, _, _ := weighted(all, run.Sigma2, "900000001", "900000002", "900000003", "900000004", "900000005"); near(units["municipality 0301"].EffectZ, withPrivate) {
		t.Errorf("municipality 0301 equals the mean over all its schools, %.6f", withPrivate)
	}
	if len(full.Aggregates) != 5 {
		t.Errorf("%d aggregate rows, want 5 (2 municipalities, 2 counties, nation)", len(full.Aggregates))
	}

	// min_pupils 10 (the default): suppression at 9 against 10.
	res, err := sbi.Compute(ctx, d, sbi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := bySchool(res.Schools)
	for _, c := range []struct {
		org, status, why string
	}{
		{"900000004", "suppressed", "primary: n < 10"},
		{"900000005", "ok", ""},
		{"900000007", "suppressed", "primary: n < 10"},
		{"900000006", "suppressed", "secondary: protects school 900000007"},
		{"900000001", "ok", ""},
		{"900000002", "ok", ""},
		{"900000003", "ok", ""},
		{"900000008", "ok", ""},
	} {
		r := got[c.org]
		if r.Status != c.status || r.Suppression != c.why {
			t.Errorf("school %s: %s %q, want %s %q", c.org, r.Status, r.Suppression, c.status, c.why)
		}
		if c.status == "ok" && (r.N != all[c.org].N || !near(r.EffectZ, all[c.org].EffectZ)) {
			t.Errorf("school %s: n %d effect %.12g, want %d %.12g as with min_pupils 1", c.org, r.N, r.EffectZ, all[c.org].N, all[c.org].EffectZ)
		}
		if c.status == "suppressed" && (r.N != 0 || r.EffectZ != 0 || r.SE != 0) {
			t.Errorf("school %s: suppressed row carries numbers %+v", c.org, r)
		}
	}
	if u := byUnit(res.Aggregates)["municipality 4601"]; u.Status != "ok" || !near(u.EffectZ, units["municipality 4601"].EffectZ) {
		t.Errorf("municipality 4601: %+v, want published as with min_pupils 1", u)
	}

	// Arrow: suppressed rows are null, the caveat is in the metadata.
	outs := res.Outputs(nil)
	defer outs.Release()
	rec := outs[sbi.OutputSchools].Records[0]
	if v, ok := rec.Schema().Metadata().GetValue(sbi.CaveatKey); !ok || v != sbi.Caveat {
		t.Errorf("school schema metadata lacks the caveat")
	}
	orgs := rec.Column(rec.Schema().FieldIndices("school_orgnr")[0]).(*array.String)
	nCol := rec.Column(rec.Schema().FieldIndices("n_pupils")[0]).(*array.Int64)
	eCol := rec.Column(rec.Schema().FieldIndices("effect_z")[0]).(*array.Float64)
	sCol := rec.Column(rec.Schema().FieldIndices("shrunk_z")[0]).(*array.Float64)
	for i := range orgs.Len() {
		r := got[orgs.Value(i)]
		if suppressed := r.Status == "suppressed"; suppressed != nCol.IsNull(i) || suppressed != eCol.IsNull(i) || suppressed != sCol.IsNull(i) {
			t.Errorf("Arrow row %d (%s, %s): n null %v, effect_z null %v, shrunk_z null %v", i, r.Orgnr, r.Status, nCol.IsNull(i), eCol.IsNull(i), sCol.IsNull(i))
		}
		if !nCol.IsNull(i) && (nCol.Value(i) != int64(r.N) || eCol.Value(i) != r.EffectZ) {
			t.Errorf("Arrow row %d: n %d effect %v, want %d %v", i, nCol.Value(i), eCol.Value(i), r.N, r.EffectZ)
		}
	}
	if n := outs[sbi.OutputRuns].Rows(); n != 1 {
		t.Errorf("%d run rows, want 1", n)
	}
}

func TestComputeMixed(t *testing.T) {
	d, _ := handData(t)
	res, err := sbi.Compute(context.Background(), d, sbi.Options{Model: sbi.ModelMixed, MinPupils: 1})
	if err != nil {
		t.Fatal(err)
	}
	run := res.Runs[0]
	if run.Model != "mixed" || !(run.Tau2 > 0) {
		t.Errorf("run %+v: want model mixed with tau2 > 0", run)
	}
	// The BLUPs sum to 0 over schools (GLS equations); shrunk_z is absent.
	var sum float64
	for _, r := range res.Schools {
		sum += r.EffectZ
		if r.HasShrunk {
			t.Errorf("school %s: mixed row has a shrunk effect", r.Orgnr)
		}
		// Conditional sd of the BLUP: sqrt(sigma2·gamma/(1+gamma·n)).
		g := run.Tau2 / run.Sigma2
		if se := math.Sqrt(run.Sigma2 * g / (1 + g*float64(r.N))); !near(r.SE, se) {
			t.Errorf("school %s: se %.12g, want %.12g", r.Orgnr, r.SE, se)
		}
	}
	if math.Abs(sum) > 1e-8 {
		t.Errorf("BLUPs sum to %.3g, want 0", sum)
	}
	all := bySchool(res.Schools)
	var num, den, v float64
	for _, o := range []string{"900000001", "900000002"} {
		n := float64(all[o].N)
		num += n * all[o].EffectZ
		den += n
		v += n * n * all[o].SE * all[o].SE
	}
	if u := byUnit(res.Aggregates)["municipality 0301"]; !near(u.EffectZ, num/den) || !near(u.SE, math.Sqrt(v)/den) {
		t.Errorf("municipality 0301: effect %.12g se %.12g; want %.12g, %.12g", u.EffectZ, u.SE, num/den, math.Sqrt(v)/den)
	}
}

func TestComputeErrors(t *testing.T) {
	d, _ := handData(t)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		opt  sbi.Options
		data func(*sbi.Data)
		want []string
	}{
		{"window without pupils", sbi.Options{Windows: []sbi.Window{{First: 2010}}}, nil, []string{"window 2010+2011", "no level has pupils"}},
		{"unknown model", sbi.Options{Model: "ols"}, nil, []string{`model "ols"`}},
		{"school missing", sbi.Options{}, func(d *sbi.Data) { d.Schools = d.Schools[1:] }, []string{"school 900000001", "not in the schools input"}},
		{"bad municipality", sbi.Options{}, func(d *sbi.Data) { d.Schools[0].Municipality = "301" }, []string{`"301"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dd := *d
			dd.Schools = append([]sbi.School(nil), d.Schools...)
			if c.data != nil {
				c.data(&dd)
			}
			_, err := sbi.Compute(ctx, &dd, c.opt)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
