package sbi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/transforms"
	"github.com/skolestat/skolestat/transforms/sbi"
)

// fakeInputs serves batches by input name and fails when an input is opened
// while another is still open.
type fakeInputs struct {
	t      *testing.T
	data   map[string][]arrow.RecordBatch
	open   *countingReader
	opened []string
}

type countingReader struct {
	array.RecordReader
	released bool
}

func (r *countingReader) Release() {
	r.released = true
	r.RecordReader.Release()
}

func (f *fakeInputs) Open(_ context.Context, name string, _ ...any) (array.RecordReader, error) {
	if f.open != nil && !f.open.released {
		f.t.Errorf("input %s opened while %s is open", name, f.opened[len(f.opened)-1])
	}
	bs, ok := f.data[name]
	if !ok {
		return nil, fmt.Errorf("no input %s", name)
	}
	sc := schemaOf(f.t, name)
	if len(bs) > 0 {
		sc = bs[0].Schema()
	}
	r, err := array.NewRecordReader(sc, bs)
	if err != nil {
		return nil, err
	}
	f.open = &countingReader{RecordReader: r}
	f.opened = append(f.opened, name)
	return f.open, nil
}

type fakeSink struct{ rows map[string]int64 }

func (s *fakeSink) Write(_ context.Context, output string, rec arrow.RecordBatch) error {
	s.rows[output] += rec.NumRows()
	return nil
}

func (s *fakeSink) Quarantine(context.Context, string, []transforms.Reject) error { return nil }

func schoolsBatch(t *testing.T) arrow.RecordBatch {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "school_orgnr", Type: arrow.BinaryTypes.String},
		{Name: "municipality_code", Type: arrow.BinaryTypes.String},
		{Name: "public", Type: arrow.FixedWidthTypes.Boolean},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for _, s := range handSchools {
		b.Field(0).(*array.StringBuilder).Append(s.orgnr)
		b.Field(1).(*array.StringBuilder).Append(s.muni)
		b.Field(2).(*array.BooleanBuilder).Append(s.public)
	}
	return b.NewRecordBatch()
}

func TestTransform(t *testing.T) {
	d, _ := handData(t)
	in := &fakeInputs{t: t, data: map[string][]arrow.RecordBatch{
		sbi.InputPupils: d.Pupils, sbi.InputEnrolments: d.Enrolments, sbi.InputNationalTests: d.NationalTests,
		sbi.InputGrades: nil, sbi.InputSchools: {schoolsBatch(t)},
	}}
	tr := sbi.NewTransform()
	cfg := tr.New().(*sbi.TransformConfig)
	cfg.Windows = "2018+2019"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	sink := &fakeSink{rows: map[string]int64{}}
	if err := tr.Run(context.Background(), cfg, in, sink); err != nil {
		t.Fatal(err)
	}
	if len(in.opened) != 5 {
		t.Errorf("opened %v, want each of the 5 inputs once", in.opened)
	}
	// Same as Compute on the same data: 8 schools, 5 aggregates, 1 run.
	want := map[string]int64{sbi.OutputSchools: int64(len(handSchools)), sbi.OutputAggregates: 5, sbi.OutputRuns: 1}
	for k, v := range want {
		if sink.rows[k] != v {
			t.Errorf("output %s: %d rows, want %d", k, sink.rows[k], v)
		}
	}
	for _, bad := range []sbi.TransformConfig{{Model: "ols"}, {MinPupils: -1}, {Windows: "2018+2019, 2018+2020"}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("config %+v validated", bad)
		}
	}
}
