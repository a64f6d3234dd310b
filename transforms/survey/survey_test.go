package survey_test

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/codebook"
	"github.com/skolestat/skolestat/transforms/survey"
)

var allItems = []string{"a1", "a2", "a3", "a4", "b1", "b2", "b3", "m1", "m2", "m3"}

// TestRespondentScores: reverse keying, min_items, the bullying score.
func TestRespondentScores(t *testing.T) {
	rows := rowsOf(
		// A: a1 5, a2 4, a3 null, a4 2 reverse-keyed = 1+5-2 = 4: (5+4+4)/3.
		// B: two of three answered, min_items 3: left out.
		// M: m3 = 3 >= 3: 100, two answered.
		resp{id: "r1", school: s1, grade: 7, class: "7A", gender: "J", items: allItems, ans: []int32{5, 4, 0, 2, 1, 2, 0, 1, 0, 3}},
		// A: only a4 (1 -> 5), one of min 2: left out. B: (3+3+4)/3.
		// M: nothing answered: null, not in any denominator.
		resp{id: "r2", school: s1, grade: 7, gender: "G", items: allItems, ans: []int32{0, 0, 0, 1, 3, 3, 4}},
		// A: a4 5 -> 1, a1 1: (1+1)/2. M: all 2: 0.
		resp{id: "r3", school: s1, grade: 10, items: allItems, ans: []int32{1, 0, 0, 5, 0, 0, 0, 2, 2, 2}},
	)
	res := compute(t, testGroup, rows, survey.Config{})
	got := respondentRows(t, res)
	type want struct {
		items int32
		score *float64
	}
	wants := map[string]want{
		"r1/2023/A": {3, ptr(13.0 / 3)},
		"r1/2023/B": {2, nil},
		"r1/2023/M": {2, ptr(100.0)},
		"r2/2023/A": {1, nil},
		"r2/2023/B": {3, ptr(10.0 / 3)},
		"r2/2023/M": {0, nil},
		"r3/2023/A": {2, ptr(1.0)},
		"r3/2023/B": {0, nil},
		"r3/2023/M": {3, ptr(0.0)},
	}
	if len(got) != len(wants) {
		t.Errorf("%d respondent rows, want %d", len(got), len(wants))
	}
	for k, w := range wants {
		g, ok := got[k]
		if !ok {
			t.Errorf("no respondent row %s", k)
			continue
		}
		okScore := (w.score == nil && g.score == nil) || (w.score != nil && g.score != nil && near(*g.score, *w.score))
		if g.itemsAnswered != w.items || !okScore {
			t.Errorf("%s: items_answered %d, score %s; want %d, %s", k, g.itemsAnswered, fmtP(g.score), w.items, fmtP(w.score))
		}
	}
	r1, r2, r3 := got["r1/2023/A"], got["r2/2023/A"], got["r3/2023/A"]
	if r1.orgnr != s1.orgnr || r1.grade != 7 || fmtP(r1.class) != "7A" || fmtP(r1.gender) != "J" ||
		r2.class != nil || fmtP(r2.gender) != "G" || r3.gender != nil || r3.grade != 10 {
		t.Errorf("respondent attributes: r1 %+v, r2 %+v, r3 %+v", r1, r2, r3)
	}
}

// TestMinItemsPerIndex: a respondent left out of A (one item) but kept in B
// counts in B's n and not in A's.
func TestMinItemsPerIndex(t *testing.T) {
	rows := rowsOf(
		resp{id: "x", school: s1, grade: 7, items: allItems, ans: []int32{2, 0, 0, 0, 1, 1, 1}},
		resp{id: "y", school: s1, grade: 7, items: allItems, ans: []int32{4, 4, 0, 0, 3, 3, 3}},
	)
	u := unitRows(t, compute(t, testGroup, rows, survey.Config{MinRespondents: 1}))
	// A: y only, score 4. B: x 1, y 3: mean 2, sd sqrt(((1-2)²+(3-2)²)/1).
	checkUnit(t, u, "2023 school 900000001 all all A", 1, 4, -1)
	checkUnit(t, u, "2023 school 900000001 all all B", 2, 2, math.Sqrt2)
	if _, ok := u["2023 school 900000001 all all M"]; ok {
		t.Errorf("a bullying row for a school where nobody answered a bullying item")
	}
}

// TestBullyingShare: combinations of answered bullying items.
func TestBullyingShare(t *testing.T) {
	rows := rowsOf(
		resp{id: "p1", school: s1, grade: 7, items: []string{"m1", "m2", "m3"}, ans: []int32{1, 1, 1}}, // 0
		resp{id: "p2", school: s1, grade: 7, items: []string{"m1", "m2", "m3"}, ans: []int32{0, 3, 0}}, // 100: exactly 3
		resp{id: "p3", school: s1, grade: 7, items: []string{"m1", "m2", "m3"}},                        // none: out
		resp{id: "p4", school: s1, grade: 7, items: []string{"m1", "m2", "m3"}, ans: []int32{2, 0, 5}}, // 100
		resp{id: "p5", school: s1, grade: 7, items: []string{"m1", "m2", "m3"}, ans: []int32{2, 2}},    // 0
		resp{id: "p6", school: s1, grade: 7, items: []string{"m2"}, ans: []int32{4}},                   // 100: one item only
	)
	u := unitRows(t, compute(t, testGroup, rows, survey.Config{MinRespondents: 1}))
	// 3 of 5 answering: 60. SD of 0,100,100,0,100: mean 60, squares
	// 3600+1600+1600+3600+1600 = 12000, /4 = 3000.
	checkUnit(t, u, "2023 school 900000001 all all M", 5, 60, math.Sqrt(3000))
	// A different threshold: 2 counts p4 and p5 too (and p6): 4 of 5.
	g := testGroup
	b := *g.Bullying
	b.Threshold = 2
	g.Bullying = &b
	u = unitRows(t, compute(t, g, rows, survey.Config{MinRespondents: 1}))
	checkUnit(t, u, "2023 school 900000001 all all M", 5, 80, math.Sqrt((4*400+6400)/4.0))
}

// TestSuppression: 9 respondents suppressed, 10 published (default
// min_respondents 10).
func TestSuppression(t *testing.T) {
	var rs []resp
	scores := []int32{1, 2, 3, 4, 5, 1, 2, 3, 4, 5}
	for i, s := range scores {
		rs = append(rs, resp{id: string(rune('a' + i)), school: s1, grade: 7, items: []string{"a1", "a2"}, ans: []int32{s, s}})
	}
	// Ten: mean 3, squares (4+1+0+1+4)*2 = 20, sd sqrt(20/9).
	u := unitRows(t, compute(t, testGroup, rowsOf(rs...), survey.Config{}))
	checkUnit(t, u, "2023 school 900000001 all all A", 10, 3, math.Sqrt(20.0/9))
	// Nine (without the last 5): suppressed, n, mean and sd null.
	u = unitRows(t, compute(t, testGroup, rowsOf(rs[:9]...), survey.Config{}))
	for _, k := range []string{"2023 school 900000001 all all A", "2023 nation 0 7 all A"} {
		got, ok := u[k]
		if !ok || got.status != "suppressed" || got.n != nil || got.mean != nil || got.sd != nil {
			t.Errorf("%s with 9 respondents: %+v (present %t); want suppressed with null n, mean, sd", k, got, ok)
		}
	}
	// The group's own threshold applies when the config does not override it.
	g := testGroup
	g.MinRespondents = 9
	u = unitRows(t, compute(t, g, rowsOf(rs[:9]...), survey.Config{}))
	// 1..5, 1..4: sum 25, mean 25/9; sum of squares 55 + 30 = 85, so
	// (85 - 25²/9) / 8 = (765 - 625) / 72 = 35/18.
	checkUnit(t, u, "2023 school 900000001 all all A", 9, 25.0/9, math.Sqrt(35.0/18))
}

// TestBreakdowns: every unit, grade and gender cell of index A, against a
// table worked out by hand; null class means no class, null gender means
// "all" only.
func TestBreakdowns(t *testing.T) {
	a := func(id string, s school, grade int32, class, gender string, score int32) resp {
		return resp{id: id, school: s, grade: grade, class: class, gender: gender, items: []string{"a1", "a2"}, ans: []int32{score, score}}
	}
	rows := rowsOf(
		a("u1", s1, 7, "7A", "G", 2),
		a("u2", s1, 7, "7A", "J", 4),
		a("u3", s1, 10, "", "J", 5),
		a("u4", s1, 10, "10A", "", 3),
		a("u5", s3, 7, "7A", "G", 1),
	)
	u := unitRows(t, compute(t, testGroup, rows, survey.Config{MinRespondents: 1}))
	const null = -1
	type w struct {
		key      string
		n        int64
		mean, sd float64
	}
	s1cells := func(unit string) []w {
		return []w{
			// u1 2, u2 4, u3 5, u4 3: mean 3.5, squares 2.25+.25+2.25+.25 = 5.
			{unit + " all all", 4, 3.5, math.Sqrt(5.0 / 3)},
			{unit + " all G", 1, 2, null},
			{unit + " all J", 2, 4.5, math.Sqrt(0.5)},
			{unit + " 7 all", 2, 3, math.Sqrt2},
			{unit + " 7 G", 1, 2, null},
			{unit + " 7 J", 1, 4, null},
			{unit + " 10 all", 2, 4, math.Sqrt2},
			{unit + " 10 J", 1, 5, null},
		}
	}
	s3cells := func(unit string) []w {
		return []w{{unit + " all all", 1, 1, null}, {unit + " all G", 1, 1, null}, {unit + " 7 all", 1, 1, null}, {unit + " 7 G", 1, 1, null}}
	}
	var wants []w
	wants = append(wants,
		w{"class 900000001/7A all all", 2, 3, math.Sqrt2}, w{"class 900000001/7A all G", 1, 2, null}, w{"class 900000001/7A all J", 1, 4, null},
		w{"class 900000001/7A 7 all", 2, 3, math.Sqrt2}, w{"class 900000001/7A 7 G", 1, 2, null}, w{"class 900000001/7A 7 J", 1, 4, null},
		w{"class 900000001/10A all all", 1, 3, null}, w{"class 900000001/10A 10 all", 1, 3, null},
	)
	wants = append(wants, s3cells("class 900000003/7A")...)
	wants = append(wants, s1cells("school 900000001")...)
	wants = append(wants, s1cells("municipality 0301")...)
	wants = append(wants, s1cells("county 03")...)
	wants = append(wants, s3cells("school 900000003")...)
	wants = append(wants, s3cells("municipality 1103")...)
	wants = append(wants, s3cells("county 11")...)
	wants = append(wants,
		// 2, 4, 5, 3, 1: mean 3, squares 1+1+4+0+4 = 10.
		w{"nation 0 all all", 5, 3, math.Sqrt(10.0 / 4)},
		w{"nation 0 all G", 2, 1.5, math.Sqrt(0.5)},
		w{"nation 0 all J", 2, 4.5, math.Sqrt(0.5)},
		// 2, 4, 1: mean 7/3, squares 1/9+25/9+16/9 = 42/9, /2.
		w{"nation 0 7 all", 3, 7.0 / 3, math.Sqrt(21.0 / 9)},
		w{"nation 0 7 G", 2, 1.5, math.Sqrt(0.5)},
		w{"nation 0 7 J", 1, 4, null},
		w{"nation 0 10 all", 2, 4, math.Sqrt2},
		w{"nation 0 10 J", 1, 5, null},
	)
	for _, x := range wants {
		checkUnit(t, u, "2023 "+x.key+" A", x.n, x.mean, x.sd)
	}
	if len(u) != len(wants) {
		var extra []string
		want := map[string]bool{}
		for _, x := range wants {
			want["2023 "+x.key+" A"] = true
		}
		for k := range u {
			if !want[k] {
				extra = append(extra, k)
			}
		}
		t.Errorf("%d unit rows, want %d; not expected: %v", len(u), len(wants), extra)
	}
}

// TestBatchSplitAndOrder: the same rows in one batch or in batches of 3
// rows (respondents split across batches) give the same outputs, and years
// in any order (each together) give units sorted by year.
func TestBatchSplitAndOrder(t *testing.T) {
	mk := func(year int32) []inRow {
		var rs []resp
		for i := range 12 {
			rs = append(rs, resp{id: string(rune('a' + i)), year: year, school: []school{s1, s2, s3}[i%3], grade: 7 + 3*int32(i%2),
				class: []string{"", "X"}[i%2], gender: []string{"G", "J", ""}[i%3], items: allItems,
				ans: []int32{int32(1 + i%5), int32(1 + (i*3)%5), 0, int32(1 + (i*7)%5), 2, 3, int32(1 + i%4), int32(1 + i%5), 1, 0}})
		}
		return rowsOf(rs...)
	}
	rows := append(mk(2024), mk(2022)...)
	one := compute(t, testGroup, rows, survey.Config{MinRespondents: 2})
	split, err := computeErr(t, testGroup, rows, 3, survey.Config{MinRespondents: 2, BatchRows: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer split.Release()
	if a, b := unitRows(t, one), unitRows(t, split); !reflect.DeepEqual(a, b) {
		t.Errorf("unit rows differ between one batch and batches of 3 rows")
	}
	if a, b := respondentRows(t, one), respondentRows(t, split); !reflect.DeepEqual(a, b) || len(a) != 24*3 {
		t.Errorf("respondent rows differ between one batch and batches of 3 rows (%d and %d rows, want 72)", len(a), len(b))
	}
	var years []int32
	for _, rec := range split.Units {
		if rec.NumRows() > 5 {
			t.Errorf("a unit batch of %d rows, BatchRows 5", rec.NumRows())
		}
		y := rec.Column(0).(*array.Int32)
		for i := range y.Len() {
			if len(years) == 0 || years[len(years)-1] != y.Value(i) {
				years = append(years, y.Value(i))
			}
		}
	}
	if !reflect.DeepEqual(years, []int32{2022, 2024}) {
		t.Errorf("unit rows come in years %v, want [2022 2024]", years)
	}
}

// TestBadInput: each error names the row and the column.
func TestBadInput(t *testing.T) {
	good := resp{id: "r", school: s1, grade: 7, items: []string{"a1", "a2"}, ans: []int32{3, 3}}
	tests := []struct {
		name string
		rows []inRow
		want []string
	}{
		{"answer off the scale", rowsOf(resp{id: "r", school: s1, grade: 7, items: []string{"a1", "a2"}, ans: []int32{3, 6}}),
			[]string{"batch 1, row 2, column answer", "answer 6 is off the scale 1..5 of item a2"}},
		{"two schools", append(good.rows(), inRow{id: "r", year: 2023, orgnr: s2.orgnr, grade: 7, item: "a3"}),
			[]string{"batch 1, row 3, column school_orgnr", "first row (batch 1, row 1)"}},
		{"two grades", append(good.rows(), inRow{id: "r", year: 2023, orgnr: s1.orgnr, grade: 8, item: "a3"}),
			[]string{"batch 1, row 3, column grade"}},
		{"two genders", append(good.rows(), inRow{id: "r", year: 2023, orgnr: s1.orgnr, grade: 7, gender: ptr("G"), item: "a3"}),
			[]string{"batch 1, row 3, column gender"}},
		{"class given on one row only", append(good.rows(), inRow{id: "r", year: 2023, orgnr: s1.orgnr, grade: 7, class: ptr("7A"), item: "a3"}),
			[]string{"batch 1, row 3, column class_id"}},
		{"bad gender", rowsOf(resp{id: "r", school: s1, grade: 7, gender: "X", items: []string{"a1"}}),
			[]string{"batch 1, row 1, column gender", `"X" is not G or J`}},
		{"repeated item", append(good.rows(), inRow{id: "r", year: 2023, orgnr: s1.orgnr, grade: 7, item: "a1"}),
			[]string{"batch 1, row 3, column item_code", "item a1 is repeated"}},
		{"rows not together", rowsOf(good, resp{id: "q", school: s1, grade: 7, items: []string{"a1"}}, resp{id: "r", school: s1, grade: 7, items: []string{"a3"}}),
			[]string{"batch 1, row 4, column respondent_id", "not together"}},
		{"year again", rowsOf(good, resp{id: "q", year: 2024, school: s1, grade: 7, items: []string{"a1"}}, resp{id: "z", school: s1, grade: 7, items: []string{"a1"}}),
			[]string{"batch 1, row 4, column school_year", "school year 2023 appears again"}},
		{"unknown school", rowsOf(resp{id: "r", school: school{"999999999", "0301"}, grade: 7, items: []string{"a1"}}),
			[]string{"batch 1, row 1, column school_orgnr", "school 999999999 is not in the schools input"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := computeErr(t, testGroup, tc.rows, 0, survey.Config{})
			if err == nil {
				res.Release()
				t.Fatalf("no error, want one saying %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), `"r"`) || strings.Contains(err.Error(), " r ") {
				t.Errorf("error %q names the respondent id", err)
			}
		})
	}
}

// TestLenientAndUnknownItems: strict mode stops at an off-scale answer and
// at an unknown item code; lenient mode sets them aside (an answer counted
// as not answered), rejects every row of an unknown item, and lists both
// in the issues table (unknown items by count). An item of other_items is
// neither.
func TestLenientAndUnknownItems(t *testing.T) {
	rows := rowsOf(
		// a2 = 9 set aside: A = a1 alone, 1 answered < min 2: left out.
		resp{id: "r1", school: s1, grade: 7, items: []string{"a1", "a2", "zz", "qq"}, ans: []int32{4, 9, 1}},
		// a1 0 (null) is not off-scale; qq unknown with a null answer still counts as a row.
		resp{id: "r2", school: s1, grade: 7, items: []string{"a1", "a2", "a3", "qq"}, ans: []int32{0, 2, 4}},
	)
	if _, err := computeErr(t, testGroup, rows, 0, survey.Config{}); err == nil || !strings.Contains(err.Error(), "batch 1, row 2, column answer") {
		t.Fatalf("strict: error %v, want one naming batch 1, row 2, column answer", err)
	}
	fixed := slices.Clone(rows)
	two := int32(2)
	fixed[1].answer = &two
	if _, err := computeErr(t, testGroup, fixed, 0, survey.Config{}); err == nil || !strings.Contains(err.Error(), "batch 1, row 3, column item_code: item zz is not in codebook group pupils") {
		t.Fatalf("strict: error %v, want one naming batch 1, row 3, column item_code and item zz", err)
	}
	known := testGroup
	known.OtherItems = []string{"zz", "qq"}
	if _, err := computeErr(t, known, fixed, 0, survey.Config{}); err != nil {
		t.Fatalf("strict, zz and qq in other_items: %v", err)
	}
	res := compute(t, testGroup, rows, survey.Config{Lenient: true, MinRespondents: 1})
	unknown := func(row int64, code string, v int64) survey.Reject {
		return survey.Reject{Batch: 1, Row: row, Column: "item_code", ItemCode: code, Value: v,
			Reason: "item " + code + " is not in codebook group pupils (none of its indices, bullying items or other_items)"}
	}
	// Rows: r1 a1 a2 zz qq (1-4), r2 a1 a2 a3 qq (5-8); zz answered 1, qq unanswered.
	wantRej := []survey.Reject{{Batch: 1, Row: 2, Column: "answer", ItemCode: "a2", Value: 9, Reason: "answer 9 is off the scale 1..5 of item a2"},
		unknown(3, "zz", 1), unknown(4, "qq", 0), unknown(8, "qq", 0)}
	if !reflect.DeepEqual(res.Rejects, wantRej) {
		t.Errorf("rejects %+v, want %+v", res.Rejects, wantRej)
	}
	wantUnk := []survey.UnknownItem{{Code: "qq", Rows: 2}, {Code: "zz", Rows: 1}}
	if !reflect.DeepEqual(res.UnknownItems, wantUnk) {
		t.Errorf("unknown items %+v, want %+v", res.UnknownItems, wantUnk)
	}
	got := respondentRows(t, res)
	if r := got["r1/2023/A"]; r.itemsAnswered != 1 || r.score != nil {
		t.Errorf("r1 A: %d answered, score %s; want 1 answered (a2 set aside), null", r.itemsAnswered, fmtP(r.score))
	}
	checkUnit(t, unitRows(t, res), "2023 school 900000001 all all A", 1, 3, -1) // r2: (2+4)/2
	var issues []string
	for _, rec := range res.Issues {
		for i := range int(rec.NumRows()) {
			col := func(c int) string {
				if rec.Column(c).IsNull(i) {
					return "null"
				}
				return rec.Column(c).ValueStr(i)
			}
			issues = append(issues, strings.Join([]string{col(0), col(1), col(2), col(3), col(4)}, "|"))
		}
	}
	wantIssues := []string{"unknown_item|qq|2|null|null", "unknown_item|zz|1|null|null",
		"rejected_answer|a2|1|batch 1, row 2|answer 9 is off the scale 1..5 of item a2"}
	if !reflect.DeepEqual(issues, wantIssues) {
		t.Errorf("issues %q, want %q", issues, wantIssues)
	}
	if res.Rows != 8 || res.RespondentsRead != 2 {
		t.Errorf("rows %d, respondents %d; want 8, 2", res.Rows, res.RespondentsRead)
	}
}

// TestBadCodebook: the group is checked as codebook.Load would.
func TestBadCodebook(t *testing.T) {
	tests := []struct {
		name string
		g    codebook.Group
		want string
	}{
		{"reverse not an item", codebook.Group{Indices: []codebook.Index{{Code: "A", Items: []string{"a"}, Reverse: []string{"b"}}}}, "reverse-keyed item b"},
		{"min_items too large", codebook.Group{Indices: []codebook.Index{{Code: "A", Items: []string{"a"}, MinItems: 2}}}, "min_items 2"},
		{"empty scale", codebook.Group{Scale: codebook.Scale{Min: 3, Max: 3}, Indices: []codebook.Index{{Code: "A", Items: []string{"a"}}}}, "scale 3..3"},
		{"two scales for one item", codebook.Group{Indices: []codebook.Index{{Code: "A", Items: []string{"a"}}, {Code: "B", Items: []string{"a"}, Scale: codebook.Scale{Min: 1, Max: 7}}}}, "item a is on scale"},
		{"no index", codebook.Group{}, "no index"},
	}
	for _, tc := range tests {
		_, err := computeErr(t, tc.g, nil, 0, survey.Config{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
}

// TestEmptyInput: no rows give outputs with their schemas and no rows.
func TestEmptyInput(t *testing.T) {
	res := compute(t, testGroup, nil, survey.Config{})
	for name, bs := range map[string]int{"respondents": len(res.Respondents), "units": len(res.Units), "issues": len(res.Issues)} {
		if bs == 0 {
			t.Errorf("%s: no batch; want one empty batch carrying the schema", name)
		}
	}
	if len(unitRows(t, res)) != 0 || len(respondentRows(t, res)) != 0 {
		t.Errorf("rows from an empty input")
	}
}
