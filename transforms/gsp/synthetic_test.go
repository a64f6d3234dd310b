package gsp_test

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/transforms/gsp"
)

func equalPupils(a, b []pupilRow) bool { return reflect.DeepEqual(a, b) }
func equalAggs(a, b []aggRow) bool     { return reflect.DeepEqual(a, b) }

// twoYears is a synthetic input over two school years, sorted by
// (pupil, year, subject, grade type).
func twoYears(n int) []inRow {
	rows := append(synthetic(11, 2023, n), synthetic(12, 2024, n/2)...)
	slices.SortFunc(rows, func(a, b inRow) int {
		return cmp.Or(cmp.Compare(a.pupil, b.pupil), cmp.Compare(a.year, b.year), cmp.Compare(a.subject, b.subject), cmp.Compare(a.gradeType, b.gradeType))
	})
	return rows
}

func TestBatchesAndOrderDoNotMatter(t *testing.T) {
	rows := twoYears(3000)
	one := mustCompute(t, gsp.Config{}, rows)
	wantP, wantA := readPupils(t, one.Pupils), readAggregates(t, one.Aggregates)

	var suppressed int
	for _, a := range wantA {
		if a.status == "suppressed" {
			suppressed++
		}
	}
	if suppressed == 0 || suppressed == len(wantA) {
		t.Fatalf("%d of %d cells suppressed: the data do not exercise suppression", suppressed, len(wantA))
	}

	r := rand.New(rand.NewPCG(8, 9))
	for trial := range 3 {
		shuffled := slices.Clone(rows)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		var sizes []int
		for left := len(shuffled); left > 0; {
			n := 1 + r.IntN(9000)
			sizes = append(sizes, n)
			left -= n
		}
		res, err := compute(t, gsp.Config{BatchRows: 500 + trial}, batches(memory.DefaultAllocator, shuffled, sizes...))
		if err != nil {
			t.Fatal(err)
		}
		gotP, gotA := readPupils(t, res.Pupils), readAggregates(t, res.Aggregates)
		res.Release()
		if len(res.Pupils) != 0 {
			t.Fatal("Release left batches behind")
		}
		if !equalPupils(gotP, wantP) {
			t.Fatalf("trial %d (%d batches): pupil output differs from one sorted batch", trial, len(sizes))
		}
		if !equalAggs(gotA, wantA) {
			t.Fatalf("trial %d (%d batches): aggregate output differs from one sorted batch", trial, len(sizes))
		}
	}
}

// cellOf names the cells a pupil row counts in, built from the pupil output
// alone (not from the package's own cell code).
func cellsOfPupil(p pupilRow) []string {
	owner := "private"
	if p.public {
		owner = "public"
	}
	var out []string
	for _, u := range [][2]string{{"school", p.orgnr}, {"municipality", p.muni}, {"county", p.county}, {"nation", "0"}} {
		k := fmt.Sprintf("%d %s %s ", p.year, u[0], u[1])
		out = append(out, k+"all", k+p.gender)
		if u[0] != "school" {
			out = append(out, k+owner)
		}
	}
	return out
}

func TestAggregatesMatchTwoPass(t *testing.T) {
	// With MinPupils 1 nothing is suppressed: every cell's n, mean and sd,
	// recomputed here from the pupil output with a plain two-pass mean and
	// variance in floating point, must match.
	res := mustCompute(t, gsp.Config{MinPupils: 1}, twoYears(4000))
	groups := map[string][]float64{}
	var excluded int
	for _, p := range readPupils(t, res.Pupils) {
		if p.gsp == nil {
			excluded++
			continue
		}
		for _, k := range cellsOfPupil(p) {
			groups[k] = append(groups[k], *p.gsp)
		}
	}
	if excluded == 0 {
		t.Fatal("no excluded pupils: the data do not exercise exclusion")
	}
	aggs := readAggregates(t, res.Aggregates)
	if len(aggs) != len(groups) {
		t.Fatalf("got %d cells, the pupils make %d", len(aggs), len(groups))
	}
	for _, a := range aggs {
		xs := groups[a.key()]
		if a.n == nil || *a.n != int64(len(xs)) {
			t.Fatalf("%s: n %v, pupils %d", a.key(), deref(a.n), len(xs))
		}
		var sum float64
		for _, x := range xs {
			sum += x
		}
		mean := sum / float64(len(xs))
		if math.Abs(*a.mean-mean) > 1e-9 {
			t.Fatalf("%s: mean %v, two-pass %v", a.key(), *a.mean, mean)
		}
		if len(xs) < 2 {
			if a.sd != nil {
				t.Fatalf("%s: n 1 with sd %v", a.key(), *a.sd)
			}
			continue
		}
		var ss float64
		for _, x := range xs {
			ss += (x - mean) * (x - mean)
		}
		sd := math.Sqrt(ss / float64(len(xs)-1))
		if a.sd == nil || math.Abs(*a.sd-sd) > 1e-9 {
			t.Fatalf("%s: sd %v, two-pass %v", a.key(), deref(a.sd), sd)
		}
	}
}

func TestSuppressionHoldsOnSyntheticData(t *testing.T) {
	// From the pupil output alone: rebuild every partition of the published
	// tables and check that none has exactly one suppressed cell, and that
	// exactly the cells with fewer than 10 pupils are primary.
	res := mustCompute(t, gsp.Config{}, twoYears(4000))
	counts := map[string]int64{}
	schoolOf := map[string][2]string{} // "year orgnr" -> (municipality, owner)
	countyOf := map[string]string{}    // "year municipality" -> county
	for _, p := range readPupils(t, res.Pupils) {
		if p.gsp == nil {
			continue
		}
		for _, k := range cellsOfPupil(p) {
			counts[k]++
		}
		owner := "private"
		if p.public {
			owner = "public"
		}
		schoolOf[fmt.Sprintf("%d %s", p.year, p.orgnr)] = [2]string{p.muni, owner}
		countyOf[fmt.Sprintf("%d %s", p.year, p.muni)] = p.county
	}
	suppressed := map[string]bool{}
	var secondary int
	for _, a := range readAggregates(t, res.Aggregates) {
		k := a.key()
		suppressed[k] = a.status == "suppressed"
		primary := a.suppression != nil && *a.suppression == "primary: n < 10"
		if primary != (counts[k] < 10) {
			t.Fatalf("%s: %d pupils, suppression %v", k, counts[k], deref(a.suppression))
		}
		if a.status == "suppressed" && !primary {
			secondary++
		}
	}
	if secondary == 0 {
		t.Fatal("no secondary suppression: the data do not exercise it")
	}
	parts := map[[2]string][]string{} // (parent, dimension) -> children
	add := func(parent, dim, child string) {
		parts[[2]string{parent, dim}] = append(parts[[2]string{parent, dim}], child)
	}
	for k := range counts {
		var year int32
		var unit, code, sub string
		fmt.Sscanf(k, "%d %s %s %s", &year, &unit, &code, &sub)
		prefix := fmt.Sprintf("%d %s %s ", year, unit, code)
		switch sub {
		case "G", "J":
			add(prefix+"all", "gender", k)
		case "public", "private":
			add(prefix+"all", "owner", k)
		}
		switch unit {
		case "school":
			s := schoolOf[fmt.Sprintf("%d %s", year, code)]
			add(fmt.Sprintf("%d municipality %s %s", year, s[0], sub), "units", k)
			if sub == "all" {
				add(fmt.Sprintf("%d municipality %s %s", year, s[0], s[1]), "units", k)
			}
		case "municipality":
			add(fmt.Sprintf("%d county %s %s", year, countyOf[fmt.Sprintf("%d %s", year, code)], sub), "units", k)
		case "county":
			add(fmt.Sprintf("%d nation 0 %s", year, sub), "units", k)
		}
	}
	for pk, children := range parts {
		parent := pk[0]
		var sum int64
		holes := 0
		if suppressed[parent] {
			holes++
		}
		for _, c := range children {
			sum += counts[c]
			if suppressed[c] {
				holes++
			}
		}
		if sum != counts[parent] {
			t.Fatalf("%s: children %d pupils, parent %d", pk, sum, counts[parent])
		}
		if holes == 1 {
			t.Fatalf("%s = %v: exactly one suppressed cell", pk, children)
		}
	}
}

func BenchmarkCompute(b *testing.B) {
	// A national year: 60,000 pupils x 17 grade rows, in batches of 122,880.
	rows := synthetic(42, 2023, 60_000)
	var sizes []int
	for n := len(rows); n > 0; n -= 122_880 {
		sizes = append(sizes, 122_880)
	}
	bs := batches(memory.DefaultAllocator, rows, sizes...)
	defer func() {
		for _, rec := range bs {
			rec.Release()
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rdr, err := array.NewRecordReader(gsp.InputSchema, bs)
		if err != nil {
			b.Fatal(err)
		}
		res, err := gsp.Compute(context.Background(), rdr, gsp.Config{})
		if err != nil {
			b.Fatal(err)
		}
		res.Release()
		rdr.Release()
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
