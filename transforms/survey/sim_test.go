package survey_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/skolestat/skolestat/codebook"
	"github.com/skolestat/skolestat/internal/sim"
	"github.com/skolestat/skolestat/transforms/survey"
)

// openParquet returns a reader over a Parquet file's records.
func openParquet(t *testing.T, path string) array.RecordReader {
	t.Helper()
	f, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	r, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	rr, err := r.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

func strValue(a arrow.Array, i int) string {
	if d, ok := a.(*array.Dictionary); ok {
		return d.Dictionary().(*array.String).Value(d.GetValueIndex(i))
	}
	return a.(*array.String).Value(i)
}

// spearman is the Pearson correlation of the ranks (ties get their mean
// rank).
func spearman(xs, ys []float64) float64 {
	return pearson(ranks(xs), ranks(ys))
}

func ranks(xs []float64) []float64 {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
	r := make([]float64, len(xs))
	for lo := 0; lo < len(idx); {
		hi := lo
		for hi < len(idx) && xs[idx[hi]] == xs[idx[lo]] {
			hi++
		}
		for k := lo; k < hi; k++ {
			r[idx[k]] = float64(lo+hi-1)/2 + 1
		}
		lo = hi
	}
	return r
}

func pearson(xs, ys []float64) float64 {
	n := float64(len(xs))
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx, syy float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
		syy += (ys[i] - my) * (ys[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

// TestSimulatedNation: on a small simulated nation, the schools' published
// index means follow the true school effects of the simulator.
func TestSimulatedNation(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a simulated nation")
	}
	dir := t.TempDir()
	if _, err := sim.Generate(context.Background(), sim.Options{Out: dir, Seed: 4, Scale: 0.1, FirstYear: 2022, LastYear: 2024, SurveyYears: 3}); err != nil {
		t.Fatal(err)
	}
	cb, err := codebook.Builtin("elevundersokelsen")
	if err != nil {
		t.Fatal(err)
	}
	g, err := survey.Group(cb, "pupils_5_10")
	if err != nil {
		t.Fatal(err)
	}
	sr := openParquet(t, filepath.Join(dir, "schools.parquet"))
	defer sr.Release()
	rr := openParquet(t, filepath.Join(dir, "survey_responses.parquet"))
	defer rr.Release()
	res, err := survey.Compute(context.Background(), g, sr, rr, survey.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()

	// The simulator's seven standalone items are the codebook's
	// other_items: known, not scored.
	if len(res.UnknownItems) != 0 || len(res.Rejects) != 0 {
		t.Errorf("unknown items %v, rejects %d; want none (the standalone items are other_items)", res.UnknownItems, len(res.Rejects))
	}

	// School means (grade all, gender all) of the published cells, pooled
	// over the three years weighted by n (the true effects do not change
	// over the years), for schools with at least minN respondents in all.
	const minN = 60
	type pool struct{ sum, n float64 }
	pools := map[[2]string]*pool{}
	for _, rec := range res.Units {
		for i := range int(rec.NumRows()) {
			s := func(c int) string { return rec.Column(c).(*array.String).Value(i) }
			if s(1) == "school" && s(3) == "all" && s(4) == "all" && s(9) == "ok" {
				k := [2]string{s(2), s(5)}
				if pools[k] == nil {
					pools[k] = &pool{}
				}
				n := float64(rec.Column(6).(*array.Int64).Value(i))
				pools[k].sum += n * rec.Column(7).(*array.Float64).Value(i)
				pools[k].n += n
			}
		}
	}
	means := map[[2]string]float64{}
	for k, p := range pools {
		if p.n >= minN {
			means[k] = p.sum / p.n
		}
	}
	// The true effects.
	tr := openParquet(t, filepath.Join(dir, "truth", "survey_school_effects.parquet"))
	defer tr.Release()
	xs, ys := map[string][]float64{}, map[string][]float64{}
	for tr.Next() {
		rec := tr.RecordBatch()
		eff := rec.Column(2).(*array.Float64)
		for i := range int(rec.NumRows()) {
			code := strValue(rec.Column(1), i)
			if m, ok := means[[2]string{strValue(rec.Column(0), i), code}]; ok {
				xs[code] = append(xs[code], eff.Value(i))
				ys[code] = append(ys[code], m)
			}
		}
	}
	if err := tr.Err(); err != nil {
		t.Fatal(err)
	}
	codes := make([]string, 0, len(xs))
	for c := range xs {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	if len(codes) != len(g.Indices)+1 {
		t.Errorf("effects matched for %d indices, want %d", len(codes), len(g.Indices)+1)
	}
	// Measured (seed 4, scale 0.1, 2022-2024, 225 schools): Spearman
	// 0.83-0.89 for the ten indices, 0.58 for bullying (a share of a rare
	// event over 60-200 respondents is noisier). The bounds leave room for
	// another seed or model tuning, and still fail a transform that mixes
	// up schools, reverse keying or indices (which gives about 0 or below).
	const minIndex, minBullying = 0.7, 0.4
	for _, c := range codes {
		rho, r := spearman(xs[c], ys[c]), pearson(xs[c], ys[c])
		t.Logf("%s: %d schools, Spearman %.3f, Pearson %.3f", c, len(xs[c]), rho, r)
		bound := minIndex
		if c == g.Bullying.Code {
			bound = minBullying
		}
		if len(xs[c]) < 30 || rho < bound {
			t.Errorf("%s: Spearman correlation of true school effects and published school means %.3f over %d schools; want above %.1f over at least 30",
				c, rho, len(xs[c]), bound)
		}
	}

	// The nation's means, recomputed from the raw rows by a plain map-based
	// reading of indicators.md §3 (another code path than Compute's).
	checkNation(t, filepath.Join(dir, "survey_responses.parquet"), g, res)
}

// checkNation recomputes the nation's (all grades, all genders) mean and n
// of every index for every year from the raw rows and compares them with
// res.
func checkNation(t *testing.T, path string, g codebook.Group, res *survey.Result) {
	type key struct {
		year int32
		id   string
		ix   string
	}
	type acc struct{ sum, n, hit float64 }
	item := map[string][]struct {
		ix  string
		rev bool
	}{}
	for _, ix := range g.Indices {
		for _, it := range ix.Items {
			item[it] = append(item[it], struct {
				ix  string
				rev bool
			}{ix.Code, ix.Reversed(it)})
		}
	}
	for _, it := range g.Bullying.Items {
		item[it] = append(item[it], struct {
			ix  string
			rev bool
		}{g.Bullying.Code, false})
	}
	per := map[key]*acc{}
	rr := openParquet(t, path)
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch()
		year, ans := rec.Column(1).(*array.Int32), rec.Column(7).(*array.Int32)
		for i := range int(rec.NumRows()) {
			if ans.IsNull(i) {
				continue
			}
			a := float64(ans.Value(i))
			for _, m := range item[strValue(rec.Column(6), i)] {
				k := key{year.Value(i), strValue(rec.Column(0), i), m.ix}
				if per[k] == nil {
					per[k] = &acc{}
				}
				switch {
				case m.ix == g.Bullying.Code:
					if a >= 3 {
						per[k].hit = 1
					}
				case m.rev:
					a = 6 - a
				}
				per[k].sum += a
				per[k].n++
			}
		}
	}
	want := map[string]*acc{} // "year index" -> sum of scores, respondents
	for k, a := range per {
		var score float64
		switch {
		case k.ix == g.Bullying.Code:
			score = 100 * a.hit
		case a.n >= 3: // min_items: 3 of 5
			score = a.sum / a.n
		default:
			continue
		}
		wk := fmt.Sprint(k.year, " ", k.ix)
		if want[wk] == nil {
			want[wk] = &acc{}
		}
		want[wk].sum += score
		want[wk].n++
	}
	if len(want) != 3*(len(g.Indices)+1) {
		t.Errorf("recomputed %d year-index means, want %d", len(want), 3*(len(g.Indices)+1))
	}
	got := unitRows(t, res)
	for wk, a := range want {
		year, ix, _ := strings.Cut(wk, " ")
		checkUnit(t, got, fmt.Sprintf("%s nation 0 all all %s", year, ix), int64(a.n), a.sum/a.n, math.NaN()) // sd not compared
	}
}
