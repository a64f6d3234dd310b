package survey_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/codebook"
	"github.com/skolestat/skolestat/transforms/survey"
)

// fakeInputs serves the two inputs and checks that only one is open at a
// time.
type fakeInputs struct {
	t    *testing.T
	rows []inRow
	open *int
}

type counted struct {
	array.RecordReader
	open *int
}

func (c counted) Release() { *c.open--; c.RecordReader.Release() }

func (f fakeInputs) Open(ctx context.Context, name string) (array.RecordReader, error) {
	if *f.open != 0 {
		f.t.Errorf("input %s opened while another is open", name)
	}
	*f.open++
	switch name {
	case survey.InputSchools:
		return counted{schools(f.t, s1, s2, s3), f.open}, nil
	case survey.InputResponses:
		return counted{responses(f.t, f.rows, 0), f.open}, nil
	}
	return nil, fmt.Errorf("no input %q", name)
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
	rows := rowsOf(resp{id: "r", school: s1, grade: 7, items: []string{"a1", "a2", "x"}, ans: []int32{2, 4}})
	out, err := tr.Run(context.Background(), cfg, fakeInputs{t, rows, &open})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if open != 0 {
		t.Errorf("%d inputs left open", open)
	}
	// Respondent r: A 3 (one row per index: A, B, M); school, municipality,
	// county, nation in grade all and 7: 8 unit rows of A; issue: item x.
	for name, want := range map[string]int64{survey.OutputRespondent: 3, survey.OutputUnits: 8, survey.OutputIssues: 1} {
		if got := out[name].Rows(); got != want {
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
	if len(bound) != len(out) {
		t.Errorf("outputs %v bound, %d produced", bound, len(out))
	}
	cfg.Group = "other"
	if _, err := tr.Run(context.Background(), cfg, fakeInputs{t, rows, &open}); err == nil {
		t.Errorf("an unknown group runs")
	}
}
