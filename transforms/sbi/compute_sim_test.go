package sbi_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/skolestat/skolestat/connectors/microdata"
	"github.com/skolestat/skolestat/transforms/sbi"
)

// simData turns a simulated nation into Compute's input, with the schools
// table the simulator wrote.
func simData(t testing.TB, n *nation) *sbi.Data {
	d := &sbi.Data{Pupils: n.pupils, Enrolments: n.enrol, NationalTests: n.tests, Grades: n.grades}
	err := microdata.Each(context.Background(), n.dir, "schools", func(b arrow.RecordBatch) error {
		sc := b.Schema()
		org := b.Column(sc.FieldIndices("school_orgnr")[0]).(*array.String)
		muni := b.Column(sc.FieldIndices("municipality_code")[0]).(*array.String)
		pub := b.Column(sc.FieldIndices("public")[0]).(*array.Boolean)
		for i := range org.Len() {
			d.Schools = append(d.Schools, sbi.School{Orgnr: org.Value(i), Municipality: muni.Value(i), Public: pub.Value(i)})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// truthEffects reads truth/school_effects_window.parquet: the true effect_z
// (in z units of the SBI outcome, not centred) and n_pupils per school of a
// level and window.
func truthEffects(t *testing.T, dir string, level sbi.Level, window string) (map[string]float64, map[string]int) {
	t.Helper()
	rdr, err := file.OpenParquetFile(filepath.Join(dir, "truth", "school_effects_window.parquet"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Release()
	tr := array.NewTableReader(tab, 0)
	defer tr.Release()
	str := func(a arrow.Array, i int) string {
		switch c := a.(type) {
		case *array.String:
			return c.Value(i)
		case *array.Dictionary:
			return c.Dictionary().(*array.String).Value(c.GetValueIndex(i))
		}
		t.Fatalf("column of type %s", a.DataType())
		return ""
	}
	eff, ns := map[string]float64{}, map[string]int{}
	for tr.Next() {
		b := tr.RecordBatch()
		sc := b.Schema()
		col := func(name string) arrow.Array { return b.Column(sc.FieldIndices(name)[0]) }
		org, lev, win := col("school_orgnr"), col("level"), col("window")
		ez, n := col("effect_z").(*array.Float64), col("n_pupils").(*array.Int64)
		for i := range int(b.NumRows()) {
			if str(lev, i) == string(level) && str(win, i) == window {
				eff[str(org, i)], ns[str(org, i)] = ez.Value(i), int(n.Value(i))
			}
		}
	}
	return eff, ns
}

// TestSimulatedTruth computes every level of window 2018+2019 on a nation
// of scale 0.1 (about 2,000 pupils a cohort) and compares the fixed
// effects with the simulator's true effects, centred the same way
// (pupil-weighted mean 0 over the schools of the sample). The truth is in
// the estimator's unit: the simulator's effect_z is the school effect's
// contribution to the standardised outcome (see internal/sim, "Truth").
func TestSimulatedTruth(t *testing.T) {
	n := simulate(t, 0.1) // under a second: not skipped with -short
	d := simData(t, n)
	res, err := sbi.Compute(context.Background(), d, sbi.Options{MinPupils: 1, Windows: []sbi.Window{{First: 2018}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, level := range sbi.Levels {
		t.Run(string(level), func(t *testing.T) {
			truth, ns := truthEffects(t, n.dir, level, "2018+2019")
			var rows []sbi.SchoolRow
			for _, r := range res.Schools {
				if r.Level == level {
					rows = append(rows, r)
				}
			}
			if len(rows) != len(truth) || len(rows) == 0 {
				t.Fatalf("%d schools estimated, the truth has %d", len(rows), len(truth))
			}
			var centre float64
			var total int
			for _, r := range rows {
				if ns[r.Orgnr] != r.N {
					t.Fatalf("school %s: %d pupils, the truth %d", r.Orgnr, r.N, ns[r.Orgnr])
				}
				centre += float64(r.N) * truth[r.Orgnr]
				total += r.N
			}
			centre /= float64(total)
			var covered int
			var mseRaw, mseShrunk, meanSE2 float64
			est, tru := make([]float64, len(rows)), make([]float64, len(rows))
			for i, r := range rows {
				u := truth[r.Orgnr] - centre
				if r.Lower <= u && u <= r.Upper {
					covered++
				}
				mseRaw += (r.EffectZ - u) * (r.EffectZ - u)
				mseShrunk += (r.ShrunkZ - u) * (r.ShrunkZ - u)
				est[i], tru[i] = r.EffectZ, u
				meanSE2 += r.SE * r.SE
			}
			s := float64(len(rows))
			coverage, r := float64(covered)/s, corr(est, tru)
			mseRaw, mseShrunk, meanSE2 = mseRaw/s, mseShrunk/s, meanSE2/s
			// With estimation errors independent of the truth, the
			// correlation is sqrt(var(u) / (var(u) + mean(se²))): the
			// square root of the reliability. The simulator's school
			// effects are small against the pupil noise, so it is well
			// below 1 at schools of about 30 pupils per window.
			_, sdTrue := meanSD(tru)
			rWant := math.Sqrt(sdTrue * sdTrue / (sdTrue*sdTrue + meanSE2))
			t.Logf("level %s, 2018+2019: %d schools, %d pupils; corr(estimated, true) %.3f (reliability predicts %.3f); 95%% interval coverage %.1f%%; MSE raw %.5f, shrunk %.5f (%.0f%% lower)",
				level, len(rows), total, r, rWant, 100*coverage, mseRaw, mseShrunk, 100*(1-mseShrunk/mseRaw))
			if coverage < 0.93 || coverage > 0.97 {
				t.Errorf("level %s: coverage of the true effects by the 95 %% intervals %.1f %%, want 93-97 %%", level, 100*coverage)
			}
			if math.Abs(r-rWant) > 0.08 || r < 0.25 {
				t.Errorf("level %s: correlation of estimated and true effects %.3f, want %.3f ± 0.08 (and > 0.25)", level, r, rWant)
			}
			if !(mseShrunk < mseRaw) {
				t.Errorf("level %s: shrinkage did not lower the MSE: raw %.5f, shrunk %.5f", level, mseRaw, mseShrunk)
			}
		})
	}
}

func corr(a, b []float64) float64 {
	ma, _ := meanSD(a)
	mb, _ := meanSD(b)
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}

// BenchmarkComputeNational computes every level of window 2018+2019 (three
// matrices, three fixed fits, aggregates and suppression) on a nation of
// Norway's size (scale 1.0, generated once, about a minute). Skipped with
// -short. Run with
//
//	go test -run '^$' -bench ComputeNational -benchmem ./transforms/sbi/
func BenchmarkComputeNational(b *testing.B) {
	if testing.Short() {
		b.Skip("generates a nation of scale 1.0")
	}
	n := simulate(b, 1.0)
	d := simData(b, n)
	opt := sbi.Options{Windows: []sbi.Window{{First: 2018}}}
	var res *sbi.Result
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var err error
		if res, err = sbi.Compute(context.Background(), d, opt); err != nil {
			b.Fatal(err)
		}
	}
	var pupils int
	for _, r := range res.Runs {
		pupils += r.N
	}
	b.ReportMetric(float64(pupils), "pupils")
	b.ReportMetric(float64(len(res.Schools)), "school_rows")
}
