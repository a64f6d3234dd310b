package survey_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/codebook"
	"github.com/skolestat/skolestat/transforms"
	"github.com/skolestat/skolestat/transforms/survey"
)

// fakeInputs serves the inputs as the warehouse would (years ascending, the
// responses of the year asked for), records the years asked for, and checks
// that only one input is open at a time.
type fakeInputs struct {
	t     *testing.T
	rows  []inRow
	open  *int
	asked *[]int32
}

type counted struct {
	array.RecordReader
	open *int
}

func (c counted) Release() { *c.open--; c.RecordReader.Release() }

func (f fakeInputs) Open(ctx context.Context, name string, args ...any) (array.RecordReader, error) {
	if *f.open != 0 {
		f.t.Errorf("input %s opened while another is open", name)
	}
	*f.open++
	switch name {
	case survey.InputSchools:
		return counted{schools(f.t, s1, s2, s3), f.open}, nil
	case survey.InputYears:
		var years []int32
		for _, r := range f.rows {
			if !slices.Contains(years, r.year) {
				years = append(years, r.year)
			}
		}
		slices.Sort(years)
		b := array.NewInt32Builder(memory.DefaultAllocator)
		defer b.Release()
		b.AppendValues(years, nil)
		col := b.NewArray()
		defer col.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: "school_year", Type: arrow.PrimitiveTypes.Int32}}, nil)
		rec := array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
		defer rec.Release()
		rdr, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
		if err != nil {
			return nil, err
		}
		return counted{rdr, f.open}, nil
	case survey.InputResponses:
		if len(args) != 1 {
			return nil, fmt.Errorf("responses opened with %d arguments, want 1 (the school year)", len(args))
		}
		y := args[0].(int32)
		*f.asked = append(*f.asked, y)
		var rows []inRow
		for _, r := range f.rows {
			if r.year == y {
				rows = append(rows, r)
			}
		}
		return counted{responses(f.t, rows, 0), f.open}, nil
	}
	return nil, fmt.Errorf("no input %q", name)
}

// rowSink counts the rows written to each output.
type rowSink map[string]int64

func (s rowSink) Write(_ context.Context, output string, rec arrow.RecordBatch) error {
	s[output] += rec.NumRows()
	return nil
}

func (s rowSink) Quarantine(_ context.Context, table string, rows []transforms.Reject) error {
	s["quarantine:"+table] += int64(len(rows))
	return nil
}

func TestTransformRun(t *testing.T) {
	cb := &codebook.Codebook{Source: "test", Groups: []codebook.Group{testGroup}}
	tr := survey.NewTransform(func(_ context.Context, ref string) (*codebook.Codebook, error) {
		if ref != "mine" {
			return nil, fmt.Errorf("no codebook %q", ref)
		}
		return cb, nil
	})
	cfg := tr.New().(*survey.TransformConfig)
	if err := cfg.Validate(); err == nil {
		t.Errorf("a config without codebook validates")
	}
	cfg.Codebook, cfg.MinRespondents = "mine", 1
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	open := 0
	var asked []int32
	// The later year first: the transform asks for the years in order.
	rows := rowsOf(
		resp{id: "r", school: s1, grade: 7, items: []string{"a1", "a2", "x"}, ans: []int32{2, 4}},
		resp{id: "q", year: 2022, school: s2, grade: 10, items: []string{"a1", "a2"}, ans: []int32{5, 5}})
	if err := tr.Run(context.Background(), cfg, fakeInputs{t, rows, &open, &asked}, rowSink{}); err == nil {
		t.Errorf("strict: item x, in no index, runs")
	}
	if open != 0 {
		t.Errorf("%d inputs left open by a failed run", open)
	}
	asked = nil
	cfg.Lenient = true
	out := rowSink{}
	if err := tr.Run(context.Background(), cfg, fakeInputs{t, rows, &open, &asked}, out); err != nil {
		t.Fatal(err)
	}
	if open != 0 {
		t.Errorf("%d inputs left open", open)
	}
	if fmt.Sprint(asked) != "[2022 2023]" {
		t.Errorf("responses asked for years %v, want [2022 2023]", asked)
	}
	// Respondents r (2023) and q (2022): one row per index (A, B, M) each;
	// each is in its school, municipality, county and nation, in grade all
	// and its own: 8 unit rows of A each; issue: item x, whose row is
	// quarantined under the stream that landed the answers.
	for name, want := range map[string]int64{survey.OutputRespondent: 6, survey.OutputUnits: 16, survey.OutputIssues: 1, "quarantine:survey_responses": 1} {
		if got := out[name]; got != want {
			t.Errorf("output %s: %d rows, want %d", name, got, want)
		}
	}
	var bound []string
	for _, b := range tr.Outputs {
		if _, ok := out[b.Name]; !ok {
			t.Errorf("output %s bound to %s is not produced", b.Name, b.SQL)
		}
		bound = append(bound, b.Name)
	}
	if len(bound) != len(out)-1 { // -1: the quarantine
		t.Errorf("outputs %v bound, %d produced", bound, len(out))
	}
	// Lenient: the answer off the scale is quarantined under the stream
	// that landed the answers, and the run goes on.
	bad := rowsOf(resp{id: "r", school: s1, grade: 7, items: []string{"a1", "a2"}, ans: []int32{2, 9}})
	cfg.Lenient = false
	if err := tr.Run(context.Background(), cfg, fakeInputs{t, bad, &open, &asked}, rowSink{}); err == nil {
		t.Errorf("strict: an answer of 9 on a 1-5 scale runs")
	}
	cfg.Lenient = true
	lenient := rowSink{}
	if err := tr.Run(context.Background(), cfg, fakeInputs{t, bad, &open, &asked}, lenient); err != nil {
		t.Fatal(err)
	}
	if got := lenient["quarantine:survey_responses"]; got != 1 {
		t.Errorf("lenient: %d answers quarantined under survey_responses, want 1 (%v)", got, lenient)
	}
	cfg.Group = "other"
	if err := tr.Run(context.Background(), cfg, fakeInputs{t, rows, &open, &asked}, rowSink{}); err == nil {
		t.Errorf("an unknown group runs")
	}
}
