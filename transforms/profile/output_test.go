package profile

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// cell renders row i of the named column, "null" for a null.
func cell(t *testing.T, rec arrow.RecordBatch, name string, i int) string {
	t.Helper()
	idx := rec.Schema().FieldIndices(name)
	if len(idx) != 1 {
		t.Fatalf("no column %q", name)
	}
	col := rec.Column(idx[0])
	if col.IsNull(i) {
		return "null"
	}
	switch c := col.(type) {
	case *array.String:
		return c.Value(i)
	case *array.Int32:
		return fmt.Sprint(c.Value(i))
	case *array.Float64:
		return fmt.Sprintf("%.4f", c.Value(i))
	case *array.Boolean:
		return fmt.Sprint(c.Value(i))
	}
	t.Fatalf("column %q has type %s", name, col.DataType())
	return ""
}

func row(t *testing.T, rec arrow.RecordBatch, i int) string {
	s := ""
	for j, f := range rec.Schema().Fields() {
		if j > 0 {
			s += " "
		}
		s += f.Name + "=" + cell(t, rec, f.Name, i)
	}
	return s
}

func TestRecords(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	p := handPanel()
	cfg := DefaultConfig()
	cfg.MinPupils = 1000 // no representative at all: null school
	r, err := Profiles(p.effects, p.facts, nationals(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	profiles, counts, reps := r.Records(mem)
	defer profiles.Release()
	defer counts.Release()
	defer reps.Release()

	for _, c := range []struct {
		rec    arrow.RecordBatch
		schema *arrow.Schema
		rows   int64
	}{{profiles, ProfileSchema, 14}, {counts, CountSchema, 18}, {reps, RepresentativeSchema, 8}} {
		if !c.rec.Schema().Equal(c.schema) {
			t.Errorf("schema %s, want %s", c.rec.Schema(), c.schema)
		}
		if c.rec.NumRows() != c.rows {
			t.Errorf("%d rows, want %d", c.rec.NumRows(), c.rows)
		}
		md := c.rec.Schema().Metadata()
		if v, ok := md.GetValue("profile.windows"); !ok || v != "2014+2015 .. 2018+2019" {
			t.Errorf("metadata profile.windows = %q, want 2014+2015 .. 2018+2019", v)
		}
	}
	// Rows 7 (H) and 10 (K) of the profiles; see handPanel.
	for i, want := range map[int]string{
		7:  "school_orgnr=H level=5-7 profile=P1+P2 p1=true p2=true p3=false p4=false mean_effect=0.1800 slope=-0.0050 windows=5 n_pupils=150 missing_facts=false",
		10: "school_orgnr=K level=5-7 profile=not_profiled p1=false p2=false p3=false p4=false mean_effect=null slope=null windows=4 n_pupils=null missing_facts=null",
		11: "school_orgnr=L level=5-7 profile=none p1=false p2=false p3=false p4=false mean_effect=0.1800 slope=-0.0050 windows=5 n_pupils=150 missing_facts=true",
	} {
		if got := row(t, profiles, i); got != want {
			t.Errorf("profile row %d:\n%s\nwant\n%s", i, got, want)
		}
	}
	if got, want := row(t, counts, 4), "level=5-7 category=P1 n_schools=6"; got != want {
		t.Errorf("count row 4: %s, want %s", got, want)
	}
	if got, want := row(t, reps, 0), "level=5-7 profile=P1 school_orgnr=null mean_effect=null slope=null n_pupils=null candidates=6 eligible=0"; got != want {
		t.Errorf("representative row 0: %s, want %s", got, want)
	}

	cfg.MinPupils = 100
	if r, err = Profiles(p.effects, p.facts, nationals(), cfg); err != nil {
		t.Fatal(err)
	}
	reps2 := RepresentativeRecord(mem, r.Representatives, arrow.Metadata{})
	defer reps2.Release()
	if got, want := row(t, reps2, 0), "level=5-7 profile=P1 school_orgnr=A mean_effect=0.3000 slope=-0.0070 n_pupils=150 candidates=6 eligible=5"; got != want {
		t.Errorf("representative row 0: %s, want %s", got, want)
	}
}

func TestStabilityRecord(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rows, err := Stability(stabilityPanel(), DefaultStabilityConfig())
	if err != nil {
		t.Fatal(err)
	}
	rec := StabilityRecord(mem, rows, arrow.Metadata{})
	defer rec.Release()
	if !rec.Schema().Equal(StabilitySchema) || rec.NumRows() != int64(len(rows)) {
		t.Fatalf("schema %s with %d rows", rec.Schema(), rec.NumRows())
	}
	for i, want := range map[int]string{
		0: "measure=year_to_year level=5-7 window_label=2014+2015 to_level=5-7 to_window_label=2015+2016 n_schools=4 r=0.6000 mean_se2=null var_effect=null noise_share=null reliability=null",
		1: "measure=year_to_year level=5-7 window_label=2015+2016 to_level=5-7 to_window_label=2016+2017 n_schools=2 r=null mean_se2=null var_effect=null noise_share=null reliability=null",
		3: "measure=same_cohort level=5-7 window_label=2014+2015 to_level=8-10 to_window_label=2017+2018 n_schools=4 r=0.8000 mean_se2=null var_effect=null noise_share=null reliability=null",
		5: "measure=reliability level=5-7 window_label=2014+2015 to_level=null to_window_label=null n_schools=4 r=null mean_se2=0.6250 var_effect=1.6667 noise_share=0.3750 reliability=0.6250",
		7: "measure=reliability level=5-7 window_label=2016+2017 to_level=null to_window_label=null n_schools=2 r=null mean_se2=null var_effect=null noise_share=null reliability=null",
	} {
		if got := row(t, rec, i); got != want {
			t.Errorf("row %d:\n%s\nwant\n%s", i, got, want)
		}
	}
}
