package survey_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/transforms/survey"
)

// BenchmarkSuppressNationalYear: complementary suppression of one national
// school year (the bench_test.go nation: 120,000 respondents in 3,000
// schools of two grades of two classes, 1 in 97 without a gender; eleven
// indices), min_respondents 10. Reading the responses is not timed.
func BenchmarkSuppressNationalYear(b *testing.B) {
	const respondents = 120_000
	sr := benchSchools(b)
	defer sr.Release()
	rr := newGenReader(b, respondents)
	defer rr.Release()
	run, pairs, err := survey.YearSuppression(simGroup(b), sr, rr, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(pairs), "pairs")
}

// supRow is a unit row's status and suppression note ("" when null), with
// n (-1 when null).
type supRow struct {
	status, note string
	n            int64
}

// suppressionRows maps "type code grade gender index" (the year left out)
// to the row's status and suppression note.
func suppressionRows(t *testing.T, res *survey.Result) map[string]supRow {
	t.Helper()
	out := map[string]supRow{}
	for _, rec := range res.Units {
		if !rec.Schema().Equal(survey.UnitSchema) {
			t.Fatalf("unit schema %s", rec.Schema())
		}
		col := func(name string) arrow.Array { return rec.Column(rec.Schema().FieldIndices(name)[0]) }
		str := func(name string, i int) string { return col(name).(*array.String).Value(i) }
		for i := range int(rec.NumRows()) {
			k := strings.Join([]string{str("unit_type", i), str("unit_code", i), str("grade", i), str("gender", i), str("index_code", i)}, " ")
			r := supRow{status: str("status", i), n: -1}
			if !col("suppression").IsNull(i) {
				r.note = str("suppression", i)
			}
			if !col("n").IsNull(i) {
				r.n = col("n").(*array.Int64).Value(i)
			}
			if _, dup := out[k]; dup {
				t.Fatalf("unit row %s repeated", k)
			}
			out[k] = r
		}
	}
	return out
}

// computeIn runs Compute over ss with the default min_respondents 10.
func computeIn(t *testing.T, ss []school, rows []inRow) *survey.Result {
	t.Helper()
	sr, rr := schools(t, ss...), responses(t, rows, 0)
	defer sr.Release()
	defer rr.Release()
	res, err := survey.Compute(context.Background(), testGroup, sr, rr, survey.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(res.Release)
	return res
}

// scored makes count respondents of index A only (items a1, a2 answered 3)
// in school s, grade 7, with the class and gender given ("" = null).
func scored(prefix string, count int, s school, class, gender string) []resp {
	var rs []resp
	for i := range count {
		rs = append(rs, resp{id: fmt.Sprintf("%s%03d", prefix, i), school: s, grade: 7, class: class, gender: gender,
			items: []string{"a1", "a2"}, ans: []int32{3, 3}})
	}
	return rs
}

// checkSup compares rows with want: a note for a suppressed row (status
// suppressed, n null), "" for a published one (status ok, n not null, no
// note).
func checkSup(t *testing.T, got map[string]supRow, want map[string]string) {
	t.Helper()
	for k, note := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("%s: no row", k)
		case note == "" && (g.status != "ok" || g.note != "" || g.n < 0):
			t.Errorf("%s: %+v, want published", k, g)
		case note != "" && (g.status != "suppressed" || g.note != note || g.n >= 0):
			t.Errorf("%s: %+v, want suppressed: %q", k, g, note)
		}
	}
}

const primary = "primary: n < 10"

// TestSuppressClasses: a school of 16 in classes of 12 and 4. The 4 is
// primary; 16 - 12 would give it, so the 12 goes too (grade all and grade
// 7 alike). The class's grade-7 cell is the same number as its grade-all
// cell (one grade), so it goes with it. School, municipality, county and
// nation (16 each) stay.
func TestSuppressClasses(t *testing.T) {
	rows := rowsOf(append(scored("a", 12, s1, "7A", ""), scored("b", 4, s1, "7B", "")...)...)
	got := suppressionRows(t, computeIn(t, []school{s1}, rows))
	if len(got) != 12 {
		t.Errorf("%d unit rows, want 12 (6 units × grade all and 7, gender all, index A)", len(got))
	}
	checkSup(t, got, map[string]string{
		"class 900000001/7B all all A": primary,
		"class 900000001/7B 7 all A":   primary,
		"class 900000001/7A all all A": "secondary: protects class 900000001/7B grade all gender all",
		"class 900000001/7A 7 all A":   "secondary: protects class 900000001/7A grade all gender all",
		"school 900000001 all all A":   "",
		"school 900000001 7 all A":     "",
		"municipality 0301 all all A":  "",
		"county 03 7 all A":            "",
		"nation 0 all all A":           "",
	})
}

// TestSuppressMunicipality: a municipality of schools of 50, 40 and 5: the
// 5 is primary, the 40 secondary (95 - 50 - 40 would give the 5); 95 - 50
// = 45 is all that is learnt.
func TestSuppressMunicipality(t *testing.T) {
	a, b, c := school{"900000011", "0301"}, school{"900000012", "0301"}, school{"900000013", "0301"}
	rows := rowsOf(append(append(scored("a", 50, a, "", ""), scored("b", 40, b, "", "")...), scored("c", 5, c, "", "")...)...)
	got := suppressionRows(t, computeIn(t, []school{a, b, c}, rows))
	checkSup(t, got, map[string]string{
		"school 900000011 all all A":  "",
		"school 900000012 all all A":  "secondary: protects school 900000013 grade all gender all",
		"school 900000012 7 all A":    "secondary: protects school 900000012 grade all gender all",
		"school 900000013 all all A":  primary,
		"school 900000013 7 all A":    primary,
		"municipality 0301 all all A": "",
		"municipality 0301 7 all A":   "",
		"nation 0 all all A":          "",
	})
}

// TestSuppressGenderRemainder: the respondents without a gender are in
// "all" only; all - G - J gives them, so they count as a suppressed part
// (hidden, never published) of the gender split.
func TestSuppressGenderRemainder(t *testing.T) {
	const s = "school 900000001 all "
	for _, tt := range []struct {
		name    string
		g, j, u int
		want    map[string]string
	}{{
		// 31 = 5 G + 20 J + 6 without: G primary, and with the 6 it is
		// one of two unknowns resting on 11 >= 10: J stays.
		name: "5 G, 20 J, 6 without", g: 5, j: 20, u: 6,
		want: map[string]string{s + "all A": "", s + "G A": primary, s + "J A": ""},
	}, {
		// 25 = 5 G + 20 J, all with a gender: 25 - 20 would give G, so J
		// goes.
		name: "5 G, 20 J", g: 5, j: 20,
		want: map[string]string{s + "all A": "", s + "G A": primary, s + "J A": "secondary: protects school 900000001 grade all gender G"},
	}, {
		// 48 = 25 G + 20 J + 3 without: 48 - 25 - 20 would give the 3
		// without a gender, so the smaller published part, J, goes.
		name: "25 G, 20 J, 3 without", g: 25, j: 20, u: 3,
		want: map[string]string{s + "all A": "", s + "G A": "",
			s + "J A": "secondary: protects the respondents of school 900000001 grade all gender all without a gender"},
	}, {
		// 57 = 25 G + 20 J + 12 without: the 12 rest on enough
		// respondents to be published; nothing is suppressed.
		name: "25 G, 20 J, 12 without", g: 25, j: 20, u: 12,
		want: map[string]string{s + "all A": "", s + "G A": "", s + "J A": ""},
	}} {
		t.Run(tt.name, func(t *testing.T) {
			rows := rowsOf(append(append(scored("g", tt.g, s1, "", "G"), scored("j", tt.j, s1, "", "J")...), scored("u", tt.u, s1, "", "")...)...)
			checkSup(t, suppressionRows(t, computeIn(t, []school{s1}, rows)), tt.want)
		})
	}
}

// TestSuppressCascade: a secondary suppression in the municipality's
// school list opens single holes in the schools' gender splits, which
// open new ones in the municipality's girls, and so on. Schools a (25 G +
// 25 J), b (22 G + 18 J) and c (5 G) in one municipality, all grade 7, no
// classes. Partitions are processed in the order of their parent cell
// (schools a, b, c, then the municipality; within a unit grade all before
// 7, gender all, G, J), each fix re-queueing the partitions of the cell it
// suppresses, smallest first:
//
//  1. c's four cells (n 5) are primary.
//  2. municipality all = a + b + c: c alone; b (40 < 50) goes.
//  3. b all = b G + b J: b alone; b J (18 < 22) goes.
//  4. b all = b 7 (one grade): b 7 goes; then b J = b 7 J: b 7 J goes.
//  5. municipality G = a G + b G + c G: c G alone; b G (22 < 25) goes, and
//     with it b 7 G (b G = b 7 G).
//  6. municipality J = a J + b J: b J alone; a J goes.
//  7. a all = a G + a J: a J alone; a G goes; then a 7 G and a 7 J (a G =
//     a 7 G, a J = a 7 J).
//
// Every partition then holds 0 or at least 2 suppressed cells: a's total
// (50) and a 7 stay, the municipality's cells all stay.
func TestSuppressCascade(t *testing.T) {
	a, b, c := school{"900000011", "0301"}, school{"900000012", "0301"}, school{"900000013", "0301"}
	var rs []resp
	rs = append(rs, scored("ag", 25, a, "", "G")...)
	rs = append(rs, scored("aj", 25, a, "", "J")...)
	rs = append(rs, scored("bg", 22, b, "", "G")...)
	rs = append(rs, scored("bj", 18, b, "", "J")...)
	rs = append(rs, scored("cg", 5, c, "", "G")...)
	got := suppressionRows(t, computeIn(t, []school{a, b, c}, rowsOf(rs...)))
	const sa, sb, sc = "school 900000011 ", "school 900000012 ", "school 900000013 "
	prot := func(unit, grade, gender string) string {
		return "secondary: protects " + unit + "grade " + grade + " gender " + gender
	}
	want := map[string]string{
		sa + "all all A": "",
		sa + "7 all A":   "",
		sa + "all G A":   prot(sa, "all", "J"),
		sa + "all J A":   prot(sb, "all", "J"),
		sa + "7 G A":     prot(sa, "all", "G"),
		sa + "7 J A":     prot(sa, "all", "J"),
		sb + "all all A": prot(sc, "all", "all"),
		sb + "all G A":   prot(sc, "all", "G"),
		sb + "all J A":   prot(sb, "all", "all"),
		sb + "7 all A":   prot(sb, "all", "all"),
		sb + "7 G A":     prot(sb, "all", "G"),
		sb + "7 J A":     prot(sb, "all", "J"),
		sc + "all all A": primary,
		sc + "all G A":   primary,
		sc + "7 all A":   primary,
		sc + "7 G A":     primary,
	}
	for _, unit := range []string{"municipality 0301 ", "county 03 ", "nation 0 "} {
		for _, cell := range []string{"all all", "all G", "all J", "7 all", "7 G", "7 J"} {
			want[unit+cell+" A"] = ""
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d unit rows, want %d", len(got), len(want))
	}
	checkSup(t, got, want)
}

// TestSuppressOff: min_respondents 1 suppresses nothing, remainders
// included.
func TestSuppressOff(t *testing.T) {
	rows := rowsOf(append(append(scored("a", 12, s1, "7A", "G"), scored("b", 1, s1, "7B", "J")...), scored("c", 2, s1, "", "")...)...)
	res := compute(t, testGroup, rows, survey.Config{MinRespondents: 1})
	for k, r := range suppressionRows(t, res) {
		if r.status != "ok" || r.note != "" || r.n < 1 {
			t.Errorf("%s: %+v, want published", k, r)
		}
	}
}

// TestSuppressPropertyRandomYears: on random school years (classes, genders
// and answers sometimes missing, so that indices differ in respondents and
// partitions have remainders), recount every cell's n from the respondent
// output and check, over partitions built here from those counts:
// every cell with n < 10 is suppressed and every other row carries its n or
// is suppressed; every partition (parent, children and the remainder
// without class or gender, which is never published) holds 0 or at least 2
// suppressed cells, or exactly one that is a remainder of at least 10; and
// a published parent's suppressed parts together rest on 0 or at least 10
// respondents.
func TestSuppressPropertyRandomYears(t *testing.T) {
	ss := []school{
		{"910000001", "0301"}, {"910000002", "0301"}, {"910000003", "0301"},
		{"910000004", "0302"}, {"910000005", "0302"},
		{"910000006", "1103"}, {"910000007", "1103"}, {"910000008", "1104"},
	}
	muni := map[string]string{}
	for _, s := range ss {
		muni[s.orgnr] = s.muni
	}
	var secondary, remainderProtected, remainderFree int
	for seed := range uint64(12) {
		r := rand.New(rand.NewPCG(seed, 99))
		var rs []resp
		size := make([]int, len(ss))
		for i := range size {
			size[i] = []int{4, 15, 40, 90}[r.IntN(4)]
		}
		for si, s := range ss {
			for i := range size[si] {
				x := resp{id: fmt.Sprintf("r%d-%03d", si, i), school: s, grade: []int32{5, 7, 10}[r.IntN(3)]}
				if r.IntN(5) > 0 {
					x.class = []string{"A", "B", "C"}[r.IntN(3)]
				}
				if r.IntN(8) > 0 {
					x.gender = []string{"G", "J"}[r.IntN(2)]
				}
				x.items = allItems
				for range allItems {
					a := int32(1 + r.IntN(5))
					if r.IntN(4) == 0 {
						a = 0
					}
					x.ans = append(x.ans, a)
				}
				rs = append(rs, x)
			}
		}
		res := computeIn(t, ss, rowsOf(rs...))
		got := suppressionRows(t, res)

		// Recount from the respondent output.
		type cell struct{ typ, code, grade, gender, index string }
		count := map[cell]int64{}
		for _, rec := range res.Respondents {
			col := func(name string) arrow.Array { return rec.Column(rec.Schema().FieldIndices(name)[0]) }
			for i := range int(rec.NumRows()) {
				if col("score").IsNull(i) {
					continue
				}
				org := col("school_orgnr").(*array.String).Value(i)
				ix := col("index_code").(*array.String).Value(i)
				units := [][2]string{{"school", org}, {"municipality", muni[org]}, {"county", muni[org][:2]}, {"nation", "0"}}
				if !col("class_id").IsNull(i) {
					units = append(units, [2]string{"class", org + "/" + col("class_id").(*array.String).Value(i)})
				}
				genders := []string{"all"}
				if !col("gender").IsNull(i) {
					genders = append(genders, col("gender").(*array.String).Value(i))
				}
				for _, u := range units {
					for _, g := range []string{"all", fmt.Sprint(col("grade").(*array.Int32).Value(i))} {
						for _, sex := range genders {
							count[cell{u[0], u[1], g, sex, ix}]++
						}
					}
				}
			}
		}
		key := func(c cell) string { return strings.Join([]string{c.typ, c.code, c.grade, c.gender, c.index}, " ") }
		if len(got) != len(count) {
			t.Fatalf("seed %d: %d unit rows, %d cells recounted", seed, len(got), len(count))
		}
		for c, n := range count {
			g := got[key(c)]
			if n < 10 && (g.status != "suppressed" || g.note != primary) {
				t.Fatalf("seed %d: %s n %d: %+v, want primary", seed, key(c), n, g)
			}
			if g.status == "ok" && g.n != n {
				t.Fatalf("seed %d: %s: n %d, recounted %d", seed, key(c), g.n, n)
			}
			if strings.HasPrefix(g.note, "secondary") {
				secondary++
			}
		}

		// Units one level down.
		down := map[[2]string][][2]string{}
		for c := range count {
			var up [2]string
			switch c.typ {
			case "class":
				org, _, _ := strings.Cut(c.code, "/")
				up = [2]string{"school", org}
			case "school":
				up = [2]string{"municipality", muni[c.code]}
			case "municipality":
				up = [2]string{"county", c.code[:2]}
			case "county":
				up = [2]string{"nation", "0"}
			default:
				continue
			}
			u := [2]string{c.typ, c.code}
			if !slices.Contains(down[up], u) {
				down[up] = append(down[up], u)
			}
		}
		check := func(parent cell, children []cell, remainderOK bool) {
			var kids []cell
			var sum int64
			for _, c := range children {
				if count[c] > 0 {
					kids = append(kids, c)
					sum += count[c]
				}
			}
			if len(kids) == 0 {
				return
			}
			rem := count[parent] - sum
			if rem < 0 || (rem > 0 && !remainderOK) {
				t.Fatalf("seed %d: %s = %v + %d: bad recount", seed, key(parent), kids, rem)
			}
			supp, suppN := 0, rem
			if rem > 0 {
				supp++
			}
			for _, c := range kids {
				if got[key(c)].status == "suppressed" {
					supp++
					suppN += count[c]
				}
			}
			parentSupp := got[key(parent)].status == "suppressed"
			if parentSupp {
				supp++
			}
			switch {
			case supp == 1 && rem >= 10:
				remainderFree++
			case supp == 1:
				t.Fatalf("seed %d: %s = %v (+ remainder %d): exactly one suppressed cell", seed, key(parent), kids, rem)
			case rem > 0 && rem < 10 && supp >= 2:
				remainderProtected++
			}
			if !parentSupp && suppN > 0 && suppN < 10 {
				t.Fatalf("seed %d: %s published, its suppressed parts rest on %d", seed, key(parent), suppN)
			}
		}
		for p := range count {
			var geo []cell
			for _, u := range down[[2]string{p.typ, p.code}] {
				geo = append(geo, cell{u[0], u[1], p.grade, p.gender, p.index})
			}
			check(p, geo, p.typ == "school")
			if p.gender == "all" {
				check(p, []cell{{p.typ, p.code, p.grade, "G", p.index}, {p.typ, p.code, p.grade, "J", p.index}}, true)
			}
			if p.grade == "all" {
				var gs []cell
				for _, g := range []string{"5", "7", "10"} {
					gs = append(gs, cell{p.typ, p.code, g, p.gender, p.index})
				}
				check(p, gs, false)
			}
		}
	}
	t.Logf("secondary cells %d, small remainders protected %d, remainders >= 10 alone %d", secondary, remainderProtected, remainderFree)
	if secondary == 0 || remainderProtected == 0 || remainderFree == 0 {
		t.Fatalf("the random years never exercised secondary suppression (%d), a protected remainder (%d) or a remainder left alone (%d)",
			secondary, remainderProtected, remainderFree)
	}
}
