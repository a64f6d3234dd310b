package profile

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/transforms"
)

// effectsSchema and factsSchema are the columns of queries profile_effects
// and profile_facts, with DuckDB's Arrow types.
var (
	effectsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "level", Type: utf8, Nullable: true},
		{Name: "window_label", Type: utf8, Nullable: true},
		{Name: "school_orgnr", Type: utf8, Nullable: true},
		{Name: "n_pupils", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "effect_z", Type: float64T, Nullable: true},
		{Name: "se", Type: float64T, Nullable: true},
		{Name: "outcome_z", Type: float64T, Nullable: true},
	}, nil)
	factsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "unit", Type: utf8, Nullable: true},
		{Name: "school_orgnr", Type: utf8, Nullable: true},
		{Name: "level", Type: utf8, Nullable: true},
		{Name: "school_year", Type: int32T, Nullable: true},
		{Name: "measure", Type: utf8, Nullable: true},
		{Name: "value", Type: float64T, Nullable: true},
	}, nil)
)

func effectsBatch(effects []Effect) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, effectsSchema)
	defer b.Release()
	for _, e := range effects {
		b.Field(0).(*array.StringBuilder).Append(e.Level)
		b.Field(1).(*array.StringBuilder).Append(WindowLabel(e.First))
		b.Field(2).(*array.StringBuilder).Append(e.School)
		b.Field(3).(*array.Int64Builder).Append(int64(e.N))
		b.Field(4).(*array.Float64Builder).Append(e.Effect)
		b.Field(5).(*array.Float64Builder).Append(e.SE)
		b.Field(6).(*array.Float64Builder).Append(0.5) // not read
	}
	return b.NewRecordBatch()
}

// fact is one row of the facts input; a nil value is null.
type fact struct {
	unit, school, level string
	year                int32
	measure             string
	value               *float64
}

func v(x float64) *float64 { return &x }

// longFacts writes the panel's facts (school year 2018) in the long form of
// query profile_facts: the bullying share as EUIndeks_1398, the share with
// higher education as 0-1.
func longFacts(facts []Facts, national []National) []fact {
	var out []fact
	add := func(unit, school, level string, result float64, survey map[string]float64, bullying, higher float64) {
		out = append(out,
			fact{unit, school, level, 2018, MeasureResult, v(result)},
			fact{unit, school, level, 2018, IndexBullying, v(bullying)},
			fact{unit, school, level, 2018, MeasureHigherEducation, v(higher / 100)})
		for _, c := range indexCodes {
			if x, ok := survey[c]; ok {
				out = append(out, fact{unit, school, level, 2018, c, v(x)})
			}
		}
	}
	for _, f := range facts {
		add("school", f.School, f.Level, f.Result, f.Survey, f.Bullying, f.HigherEducation)
	}
	for _, n := range national {
		add("nation", "", n.Level, n.Result, n.Survey, n.Bullying, n.HigherEducation)
	}
	return out
}

func factsBatch(rows []fact) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, factsSchema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r.unit)
		if r.school == "" {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(r.school)
		}
		b.Field(2).(*array.StringBuilder).Append(r.level)
		b.Field(3).(*array.Int32Builder).Append(r.year)
		b.Field(4).(*array.StringBuilder).Append(r.measure)
		if r.value == nil {
			b.Field(5).AppendNull()
		} else {
			b.Field(5).(*array.Float64Builder).Append(*r.value)
		}
	}
	return b.NewRecordBatch()
}

// fakeInputs serves batches by input name, fails the test when an input is
// opened while another is open, and records the names opened.
type fakeInputs struct {
	t      *testing.T
	data   map[string][]arrow.RecordBatch
	open   int
	opened []string
}

type countedReader struct {
	array.RecordReader
	open *int
}

func (r countedReader) Release() { *r.open--; r.RecordReader.Release() }

func (f *fakeInputs) Open(_ context.Context, name string, _ ...any) (array.RecordReader, error) {
	if f.open != 0 {
		f.t.Errorf("input %s opened while another is open", name)
	}
	bs, ok := f.data[name]
	if !ok {
		return nil, fmt.Errorf("no input %s", name)
	}
	sc := map[string]*arrow.Schema{InputEffects: effectsSchema, InputFacts: factsSchema}[name]
	r, err := array.NewRecordReader(sc, bs)
	if err != nil {
		return nil, err
	}
	f.open++
	f.opened = append(f.opened, name)
	return countedReader{r, &f.open}, nil
}

// recordSink keeps the batches written, by output.
type recordSink map[string][]arrow.RecordBatch

func (s recordSink) Write(_ context.Context, output string, rec arrow.RecordBatch) error {
	rec.Retain()
	s[output] = append(s[output], rec)
	return nil
}

func (s recordSink) Quarantine(context.Context, string, []transforms.Reject) error { return nil }

func (s recordSink) release() {
	for _, bs := range s {
		for _, b := range bs {
			b.Release()
		}
	}
}

// one returns the only batch written to output.
func (s recordSink) one(t *testing.T, output string) arrow.RecordBatch {
	t.Helper()
	if len(s[output]) != 1 {
		t.Fatalf("output %s: %d batches, want 1", output, len(s[output]))
	}
	return s[output][0]
}

func runProfilesWith(t *testing.T, cfg *TransformConfig, effects []Effect, facts []fact) (recordSink, *fakeInputs, error) {
	t.Helper()
	eb, fb := effectsBatch(effects), factsBatch(facts)
	t.Cleanup(func() { eb.Release(); fb.Release() })
	in := &fakeInputs{t: t, data: map[string][]arrow.RecordBatch{InputEffects: {eb}, InputFacts: {fb}}}
	sink := recordSink{}
	t.Cleanup(sink.release)
	err := NewProfilesTransform().Run(context.Background(), cfg, in, sink)
	if in.open != 0 {
		t.Errorf("%d inputs left open", in.open)
	}
	return sink, in, err
}

func TestProfilesTransform(t *testing.T) {
	tr := NewProfilesTransform()
	cfg := tr.New().(*TransformConfig)
	if err := cfg.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	p := handPanel()
	facts := longFacts(p.facts, nationals())
	// Distractors: the year before (2017), school A below national on
	// everything, which would cost it P1 if read; and a null result of L in
	// 2018, a missing value (L has no facts at all).
	facts = append(facts,
		fact{"school", "A", "5-7", 2017, MeasureResult, v(10)},
		fact{"school", "A", "5-7", 2017, IndexMotivation, v(1)},
		fact{"school", "L", "5-7", 2018, MeasureResult, nil})
	sink, in, err := runProfilesWith(t, cfg, p.effects, facts)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(in.opened, ","); got != "effects,facts" {
		t.Errorf("inputs opened %s, want effects,facts", got)
	}
	profiles, counts, reps := sink.one(t, OutputProfiles), sink.one(t, OutputCounts), sink.one(t, OutputRepresentatives)
	// 13 schools at 5-7 (A..M) and X at 8-10; 9 categories per level; 4
	// profiles per level.
	for _, c := range []struct {
		rec  arrow.RecordBatch
		rows int64
	}{{profiles, 14}, {counts, 18}, {reps, 8}} {
		if c.rec.NumRows() != c.rows {
			t.Errorf("%d rows, want %d", c.rec.NumRows(), c.rows)
		}
		md := c.rec.Schema().Metadata()
		if got, _ := md.GetValue("profile.indices"); got != strings.Join(indexCodes, ",") {
			t.Errorf("metadata profile.indices %q", got)
		}
	}
	// Profile rows of A (the distractors of 2017 unread), H (higher
	// education 49.5 % read from 0.495 against 50 %: P2) and L (no facts).
	for i, want := range map[int]string{
		0:  "school_orgnr=A level=5-7 profile=P1 p1=true p2=false p3=false p4=false mean_effect=0.3000 slope=-0.0070 windows=5 n_pupils=150 missing_facts=false",
		7:  "school_orgnr=H level=5-7 profile=P1+P2 p1=true p2=true p3=false p4=false mean_effect=0.1800 slope=-0.0050 windows=5 n_pupils=150 missing_facts=false",
		11: "school_orgnr=L level=5-7 profile=none p1=false p2=false p3=false p4=false mean_effect=0.1800 slope=-0.0050 windows=5 n_pupils=150 missing_facts=true",
	} {
		if got := row(t, profiles, i); got != want {
			t.Errorf("profile row %d:\n%s\nwant\n%s", i, got, want)
		}
	}
	// X at 8-10, against the 8-10 national values: P4, mean -0.14 (its slope
	// is 0 up to rounding, left out).
	for col, want := range map[string]string{"school_orgnr": "X", "level": "8-10", "profile": "P4", "mean_effect": "-0.1400", "n_pupils": "200", "missing_facts": "false"} {
		if got := cell(t, profiles, col, 13); got != want {
			t.Errorf("profile row 13 %s: %s, want %s", col, got, want)
		}
	}
	// Counts by hand (profile_test): 5-7 schools 13, complete 12,
	// incomplete 1 (K), missing facts 1 (L), P1 6, P2 1, P3 1, P4 2, none 4.
	wantCounts := []int{13, 12, 1, 1, 6, 1, 1, 2, 4}
	for i, w := range wantCounts {
		if got := cell(t, counts, "n_schools", i); got != fmt.Sprint(w) {
			t.Errorf("count %s: %s, want %d", row(t, counts, i), got, w)
		}
	}
	for i, want := range map[int]string{
		0: "level=5-7 profile=P1 school_orgnr=A mean_effect=0.3000 slope=-0.0070 n_pupils=150 candidates=6 eligible=5",
		3: "level=5-7 profile=P4 school_orgnr=I mean_effect=-0.2800 slope=-0.0250 n_pupils=120 candidates=2 eligible=1",
	} {
		if got := row(t, reps, i); got != want {
			t.Errorf("representative row %d:\n%s\nwant\n%s", i, got, want)
		}
	}
}

// TestProfilesTransformConfig: the with: block reaches the rules.
func TestProfilesTransformConfig(t *testing.T) {
	p := handPanel()
	facts := longFacts(p.facts, nationals())
	profileCol := func(sink recordSink) map[string]string {
		rec := sink.one(t, OutputProfiles)
		out := map[string]string{}
		for i := range int(rec.NumRows()) {
			out[cell(t, rec, "school_orgnr", i)] = cell(t, rec, "profile", i)
		}
		return out
	}
	cases := []struct {
		name string
		edit func(*TransformConfig)
		want map[string]string
		md   [2]string
	}{
		// The bullying share as a lower-is-better index too: G (8 %, not
		// below 6 %) loses P1, H (5 %) keeps it.
		{"bullying index", func(c *TransformConfig) { c.Indices += "," + IndexBullying + ":lower" },
			map[string]string{"G": "none", "H": "P1+P2", "A": "P1"},
			[2]string{"profile.indices", strings.Join(indexCodes, ",") + ",EUIndeks_1398 (lower is better)"}},
		{"interval and slope", func(c *TransformConfig) { c.SBIRule, c.ProgressionRule = SBIInterval, ProgressionSlope },
			map[string]string{"B": "none", "D": "P3", "E": "P3"}, [2]string{"profile.sbi_rule", "interval"}},
		{"4 of 5, tolerance 3", func(c *TransformConfig) { c.SurveyRule, c.SurveyK, c.BullyingTolerance = SurveyKOfN, 4, 3 },
			map[string]string{"M": "P1", "F": "P1"}, [2]string{"profile.bullying_tolerance", "3"}},
		// Windows 2015+2016 .. 2018+2019, the facts still those of 2018: K
		// (2015, 2016, 2017 in range) stays incomplete; E, without its first
		// window, is 0.05, 0.00, 0.10, 0.20: not above 0 everywhere, not
		// increasing; D still is.
		{"four windows", func(c *TransformConfig) { c.FirstWindow, c.Windows = "2015+2016", 4 },
			map[string]string{"A": "P1", "K": NotProfiled, "E": "none", "D": "P1+P3"}, [2]string{"profile.windows", "2015+2016 .. 2018+2019"}},
		{"level 8-10 only", func(c *TransformConfig) { c.Levels = "8-10" },
			map[string]string{"X": "P4"}, [2]string{"profile.levels", "8-10"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := NewTransformConfig()
			tc.edit(cfg)
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			sink, _, err := runProfilesWith(t, cfg, p.effects, facts)
			if err != nil {
				t.Fatal(err)
			}
			got := profileCol(sink)
			for school, w := range tc.want {
				if got[school] != w {
					t.Errorf("school %s: %q, want %q", school, got[school], w)
				}
			}
			md := sink.one(t, OutputProfiles).Schema().Metadata()
			if v, _ := md.GetValue(tc.md[0]); v != tc.md[1] {
				t.Errorf("metadata %s = %q, want %q", tc.md[0], v, tc.md[1])
			}
		})
	}
}

// TestProfilesTransformNoFacts: a warehouse without facts profiles every
// complete school as none with missing facts.
func TestProfilesTransformNoFacts(t *testing.T) {
	p := handPanel()
	sink, _, err := runProfilesWith(t, NewTransformConfig(), p.effects, nil)
	if err != nil {
		t.Fatal(err)
	}
	counts := sink.one(t, OutputCounts)
	// schools complete incomplete missing_facts P1 P2 P3 P4 none, per level.
	want := []int{13, 12, 1, 12, 0, 0, 0, 0, 12, 1, 1, 0, 1, 0, 0, 0, 0, 1}
	for i, w := range want {
		if got := cell(t, counts, "n_schools", i); got != fmt.Sprint(w) {
			t.Errorf("count %s: %s, want %d", row(t, counts, i), got, w)
		}
	}
	reps := sink.one(t, OutputRepresentatives)
	for i := range int(reps.NumRows()) {
		if got := cell(t, reps, "school_orgnr", i); got != "null" {
			t.Errorf("representative %s, want none", row(t, reps, i))
		}
	}
	// Nothing at all: empty outputs, still one batch each.
	sink, _, err = runProfilesWith(t, NewTransformConfig(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := sink.one(t, OutputProfiles).NumRows(); n != 0 {
		t.Errorf("%d profile rows from no effects", n)
	}
}

func TestProfilesTransformErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*TransformConfig)
		want string
	}{
		{"year", func(c *TransformConfig) { c.FirstWindow = "2014" }, `window "2014" is not two consecutive spring years`},
		{"gap", func(c *TransformConfig) { c.FirstWindow = "2014+2016" }, `window "2014+2016"`},
		{"one window", func(c *TransformConfig) { c.Windows = 1 }, "Windows 1 is below 2"},
		{"no indices", func(c *TransformConfig) { c.Indices = " , " }, "indices is empty"},
		{"no levels", func(c *TransformConfig) { c.Levels = "" }, "no Levels"},
		{"k", func(c *TransformConfig) { c.SurveyRule, c.SurveyK = SurveyKOfN, 6 }, "SurveyK 6 is outside 1..5"},
		{"rules", func(c *TransformConfig) { c.SBIRule, c.SizeRule = "ci", "all" }, `SBIRule "ci" is not point or interval; SizeRule "all" is not latest or every`},
		{"size", func(c *TransformConfig) { c.MinPupilsPerLevel = -1 }, "MinPupils -1 is negative"},
		{"index twice", func(c *TransformConfig) { c.Indices += "," + IndexMastery + ":lower" }, `index "EUIndeks_1384" listed twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := NewTransformConfig()
			tc.edit(cfg)
			if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate: %v, want an error containing %q", err, tc.want)
			}
			in := &fakeInputs{t: t}
			if err := NewProfilesTransform().Run(context.Background(), cfg, in, recordSink{}); err == nil {
				t.Error("Run accepted the config")
			}
			if len(in.opened) != 0 {
				t.Errorf("inputs %v opened with a bad config", in.opened)
			}
		})
	}

	p := handPanel()
	good := longFacts(p.facts, nationals())
	badEffects := []Effect{{School: "A", Level: "5-7", First: 2014, Effect: 0.1, SE: 0.1, N: 50}, {School: "A", Level: "5-7", First: 2014, Effect: 0.2, SE: 0.1, N: 50}}
	for _, tc := range []struct {
		name    string
		effects []Effect
		facts   []fact
		want    string
	}{
		{"duplicate effect", badEffects, nil, "school A level 5-7 window 2014+2015 given twice"},
		{"duplicate fact", p.effects, append(slices.Clone(good), fact{"school", "A", "5-7", 2018, MeasureResult, v(1)}), "reading facts: school A level 5-7 school year 2018: measure result given twice"},
		{"unknown unit", p.effects, append(slices.Clone(good), fact{"county", "03", "5-7", 2018, MeasureResult, v(1)}), `reading facts: unit "county" is not school or nation`},
		{"school without code", p.effects, append(slices.Clone(good), fact{"school", "", "5-7", 2018, MeasureResult, v(1)}), "a school's result at level 5-7: column school_orgnr is null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runProfilesWith(t, NewTransformConfig(), tc.effects, tc.facts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestReadInputNulls: a null where a value is required names the column.
func TestReadInputNulls(t *testing.T) {
	b2 := array.NewRecordBuilder(memory.DefaultAllocator, effectsSchema)
	defer b2.Release()
	b2.Field(0).(*array.StringBuilder).Append("5-7")
	b2.Field(1).(*array.StringBuilder).Append("2018+2019")
	b2.Field(2).(*array.StringBuilder).Append("A")
	b2.Field(3).(*array.Int64Builder).Append(40)
	b2.Field(4).(*array.Float64Builder).Append(0.1)
	b2.Field(5).AppendNull()
	b2.Field(6).AppendNull() // outcome_z is not read: its null is no error
	rec := b2.NewRecordBatch()
	defer rec.Release()
	in := &fakeInputs{t: t, data: map[string][]arrow.RecordBatch{InputEffects: {rec}}}
	_, err := readEffects(context.Background(), in)
	if err == nil || !strings.Contains(err.Error(), "reading effects: column se has 1 nulls") {
		t.Errorf("error %v, want the null se named", err)
	}
}

func TestStabilityTransform(t *testing.T) {
	tr := NewStabilityTransform()
	run := func(t *testing.T, cfg *StabilityTransformConfig) arrow.RecordBatch {
		t.Helper()
		eb := effectsBatch(stabilityPanel())
		t.Cleanup(eb.Release)
		in := &fakeInputs{t: t, data: map[string][]arrow.RecordBatch{InputEffects: {eb}}}
		sink := recordSink{}
		t.Cleanup(sink.release)
		if err := tr.Run(context.Background(), cfg, in, sink); err != nil {
			t.Fatal(err)
		}
		if in.open != 0 || strings.Join(in.opened, ",") != "effects" {
			t.Errorf("opened %v, %d left open; want effects once, closed", in.opened, in.open)
		}
		return sink.one(t, OutputStability)
	}

	cfg := tr.New().(*StabilityTransformConfig)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rec := run(t, cfg)
	// 2 year-to-year, 2 same-cohort, 5 reliability rows (stability_test).
	if rec.NumRows() != 9 {
		t.Errorf("%d rows, want 9", rec.NumRows())
	}
	for i, want := range map[int]string{
		0: "measure=year_to_year level=5-7 window_label=2014+2015 to_level=5-7 to_window_label=2015+2016 n_schools=4 r=0.6000 mean_se2=null var_effect=null noise_share=null reliability=null",
		2: "measure=same_cohort level=1-4 window_label=2011+2012 to_level=5-7 to_window_label=2014+2015 n_schools=3 r=-0.5000 mean_se2=null var_effect=null noise_share=null reliability=null",
		5: "measure=reliability level=5-7 window_label=2014+2015 to_level=null to_window_label=null n_schools=4 r=null mean_se2=0.6250 var_effect=1.6667 noise_share=0.3750 reliability=0.6250",
	} {
		if got := row(t, rec, i); got != want {
			t.Errorf("row %d:\n%s\nwant\n%s", i, got, want)
		}
	}
	if v, _ := rec.Schema().Metadata().GetValue("stability.lag"); v != "1" {
		t.Errorf("metadata stability.lag %q, want 1", v)
	}

	// min_pupils 10 drops S4 (5 pupils in 2015): r = 6/sqrt(84) = 0.6547.
	cfg.MinPupils = 10
	rec = run(t, cfg)
	if got := cell(t, rec, "r", 0) + " n=" + cell(t, rec, "n_schools", 0); got != fmt.Sprintf("%.4f n=3", 6/math.Sqrt(84)) {
		t.Errorf("min_pupils 10: row 0 %s", row(t, rec, 0))
	}
	if v, _ := rec.Schema().Metadata().GetValue("stability.min_pupils"); v != "10" {
		t.Errorf("metadata stability.min_pupils %q, want 10", v)
	}

	for _, bad := range []StabilityTransformConfig{{Lag: 0, MinSchools: 3}, {Lag: 1, MinSchools: 1}, {Lag: 1, MinSchools: 3, MinPupils: -1}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("config %+v validated", bad)
		}
		in := &fakeInputs{t: t}
		if err := tr.Run(context.Background(), &bad, in, recordSink{}); err == nil || len(in.opened) != 0 {
			t.Errorf("config %+v: Run error %v after opening %v", bad, err, in.opened)
		}
	}
}

// TestTableDefinitions: sql/tables define each output's columns in the
// schema's order, with its types and nullability.
func TestTableDefinitions(t *testing.T) {
	duck := map[arrow.Type]string{arrow.STRING: "VARCHAR", arrow.INT32: "INTEGER", arrow.INT64: "BIGINT", arrow.FLOAT64: "DOUBLE", arrow.BOOL: "BOOLEAN"}
	for table, schema := range map[string]*arrow.Schema{
		"core.sbi_profile": ProfileSchema, "core.sbi_profile_count": CountSchema,
		"core.sbi_profile_representative": RepresentativeSchema, "core.sbi_stability": StabilitySchema,
	} {
		b, err := os.ReadFile(filepath.Join("..", "..", "sql", "tables", table+".sql"))
		if err != nil {
			t.Fatal(err)
		}
		sql := string(b)
		start := strings.Index(sql, "CREATE OR REPLACE TABLE "+table+" (\n")
		end := strings.Index(sql, "\n);")
		if start < 0 || end < start {
			t.Errorf("%s: no CREATE OR REPLACE TABLE %s ( ... );", table, table)
			continue
		}
		var got, want []string
		for _, line := range strings.Split(sql[strings.Index(sql[start:], "\n")+start+1:end], "\n") {
			got = append(got, strings.Join(strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), ",")), " "))
		}
		for _, f := range schema.Fields() {
			w := f.Name + " " + duck[f.Type.ID()]
			if !f.Nullable {
				w += " NOT NULL"
			}
			want = append(want, w)
			if !strings.Contains(sql, "COMMENT ON COLUMN "+table+"."+f.Name+" IS '") {
				t.Errorf("%s: no comment on column %s", table, f.Name)
			}
		}
		if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
			t.Errorf("%s columns:\n%s\nwant\n%s", table, g, w)
		}
		if !strings.Contains(sql, "COMMENT ON TABLE "+table+" IS '") || !strings.Contains(sql, "not a measure of a school''s quality") {
			t.Errorf("%s: no table comment with the SBI caveat", table)
		}
	}
}
