package sim

import (
	"bytes"
	"context"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/skolestat/skolestat/connectors/microdata"
)

func generate(t testing.TB, dir string, seed uint64, scale float64, format string) Summary {
	t.Helper()
	s, err := Generate(context.Background(), Options{Out: dir, Seed: seed, Scale: scale, Format: format})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// files maps every file under dir (relative path) to its bytes.
func files(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSameSeedGivesByteIdenticalFiles(t *testing.T) {
	for _, format := range []string{"parquet", "csv"} {
		t.Run(format, func(t *testing.T) {
			a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
			generate(t, a, 3, 0.005, format)
			generate(t, b, 3, 0.005, format)
			generate(t, c, 4, 0.005, format)
			fa, fb, fc := files(t, a), files(t, b), files(t, c)
			if len(fa) != 11 {
				t.Errorf("wrote %d files, want 11: %v", len(fa), slices.Sorted(func(yield func(string) bool) {
					for k := range fa {
						if !yield(k) {
							return
						}
					}
				}))
			}
			for name, x := range fa {
				if !bytes.Equal(x, fb[name]) {
					t.Errorf("%s differs between two runs with the same seed", name)
				}
			}
			if bytes.Equal(fa["pupils."+format], fc["pupils."+format]) {
				t.Error("pupils are the same with another seed")
			}
		})
	}
}

func TestNationShape(t *testing.T) {
	n := buildNation(1, 1.0)
	if len(n.Municipalities) != 357 {
		t.Errorf("%d municipalities, want 357", len(n.Municipalities))
	}
	counties := map[string]bool{}
	byCode := map[string]Municipality{}
	for _, m := range n.Municipalities {
		counties[m.County] = true
		if _, dup := byCode[m.Code]; dup {
			t.Errorf("municipality code %s twice", m.Code)
		}
		byCode[m.Code] = m
		if len(m.Code) != 4 || m.Code[:2] != m.County {
			t.Errorf("municipality %s is not in the code range of county %s", m.Code, m.County)
		}
	}
	if len(counties) < 11 {
		t.Errorf("%d counties, want at least 11", len(counties))
	}
	asss := map[string]string{"0301": "Oslo", "4601": "Bergen", "5001": "Trondheim", "1103": "Stavanger",
		"1108": "Sandnes", "4204": "Kristiansand", "5501": "Tromsø", "3201": "Bærum", "3203": "Asker",
		"3205": "Lillestrøm", "3301": "Drammen", "3107": "Fredrikstad"}
	for code, name := range asss {
		m, ok := byCode[code]
		if !ok || m.Name != name || !m.ASSS {
			t.Errorf("ASSS member %s %s: got %+v", code, name, m)
		}
	}
	// Skewed sizes: Oslo about a tenth of the pupils, and many tiny municipalities.
	if s := byCode["0301"].Share; s < 0.08 || s > 0.12 {
		t.Errorf("Oslo has %.3f of the pupils, want about 0.10", s)
	}
	small := 0
	for _, m := range n.Municipalities {
		if m.Share*pupilsPerCohort < 40 {
			small++
		}
	}
	if small < 100 {
		t.Errorf("only %d municipalities with under 40 pupils a cohort; Norway has well over 100", small)
	}

	t.Logf("%d schools at scale 1.0, %d municipalities under 40 pupils a cohort", len(n.Schools), small)
	if k := len(n.Schools); k < 2600 || k > 3000 {
		t.Errorf("%d schools at scale 1.0, want 2,600-3,000", k)
	}
	orgnrs := map[string]bool{}
	names := map[string]bool{}
	private := 0
	cover := make([][2]bool, len(n.Municipalities))
	for _, s := range n.Schools {
		if !ValidOrgnr(s.Orgnr) || orgnrs[s.Orgnr] {
			t.Errorf("school %s: org number invalid or repeated", s.Orgnr)
		}
		orgnrs[s.Orgnr] = true
		key := n.Municipalities[s.Municipality].Code + "/" + s.Name
		if names[key] {
			t.Errorf("school name %s twice in its municipality", key)
		}
		names[key] = true
		if !s.Public {
			private++
		}
		if s.GradeFrom <= 1 && s.GradeTo >= 7 {
			cover[s.Municipality][0] = true
		}
		if s.GradeFrom <= 8 && s.GradeTo >= 10 {
			cover[s.Municipality][1] = true
		}
	}
	for i, c := range cover {
		if !c[0] || !c[1] {
			t.Errorf("municipality %s lacks a school for grades 1-7 or 8-10", n.Municipalities[i].Code)
		}
	}
	if share := float64(private) / float64(len(n.Schools)); share < 0.05 || share > 0.13 {
		t.Errorf("%.3f of the schools are private, want about 0.09", share)
	}
}

func TestOrgnrCheckDigit(t *testing.T) {
	// 974760673: 9*3+7*2+4*7+7*6+6*5+0*4+6*3+7*2 = 173; 173 mod 11 = 8; 11-8 = 3.
	for s, want := range map[string]bool{"974760673": true, "974760674": false, "97476067": false, "97476067x": false} {
		if got := ValidOrgnr(s); got != want {
			t.Errorf("ValidOrgnr(%s) = %v, want %v", s, got, want)
		}
	}
}

// readTable reads a table with the microdata connector, strictly: any row
// that breaks the contract (type, code, range, digits, nulls) fails.
func readTable(t *testing.T, dir, table string, fn func(rec arrow.RecordBatch)) {
	t.Helper()
	src, err := microdata.New(microdata.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	b, err := src.Read(context.Background(), table, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for b.Next() {
		fn(b.RecordBatch())
	}
	if err := b.Err(); err != nil {
		t.Fatalf("%s breaks the contract: %v", table, err)
	}
}

func strCol(rec arrow.RecordBatch, name string) *array.String {
	return rec.Column(rec.Schema().FieldIndices(name)[0]).(*array.String)
}

func TestFilesMatchTheContract(t *testing.T) {
	dir := t.TempDir()
	generate(t, dir, 5, 0.005, "parquet")
	// The physical schema of every file is the canonical one.
	for _, tb := range microdata.Tables {
		f, err := file.OpenParquetFile(filepath.Join(dir, tb.Name+".parquet"), false)
		if err != nil {
			t.Fatal(err)
		}
		r, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Schema()
		if err != nil {
			t.Fatal(err)
		}
		want := tb.Schema()
		if len(got.Fields()) != len(want.Fields()) {
			t.Errorf("%s: columns %v, want %v", tb.Name, got, want)
		}
		for i, w := range want.Fields() {
			if i < len(got.Fields()) {
				g := got.Field(i)
				if g.Name != w.Name || !arrow.TypeEqual(g.Type, w.Type) || g.Nullable != w.Nullable {
					t.Errorf("%s column %d: %s %s nullable=%v, want %s %s nullable=%v", tb.Name, i, g.Name, g.Type, g.Nullable, w.Name, w.Type, w.Nullable)
				}
			}
		}
		f.Close()
	}

	// Every value passes the reader's checks; keys are unique; references resolve.
	schools, pupils := map[string]bool{}, map[string]bool{}
	readTable(t, dir, "schools", func(rec arrow.RecordBatch) {
		c := strCol(rec, "school_orgnr")
		for i := range c.Len() {
			schools[c.Value(i)] = true
		}
	})
	readTable(t, dir, "pupils", func(rec arrow.RecordBatch) {
		c := strCol(rec, "pupil_id")
		for i := range c.Len() {
			if pupils[c.Value(i)] {
				t.Fatalf("pupil %d repeated", i)
			}
			pupils[c.Value(i)] = true
		}
	})
	keyed := map[string][]string{
		"enrolments":       {"pupil_id", "school_year"},
		"national_tests":   {"pupil_id", "school_year", "grade", "subject"},
		"grades":           {"pupil_id", "school_year", "subject_code", "grade_type"},
		"survey_responses": {"respondent_id", "school_year", "item_code"},
	}
	for table, key := range keyed {
		seen := map[string]bool{}
		rows := 0
		readTable(t, dir, table, func(rec arrow.RecordBatch) {
			for i := range int(rec.NumRows()) {
				rows++
				var parts []string
				for _, k := range key {
					parts = append(parts, rec.Column(rec.Schema().FieldIndices(k)[0]).ValueStr(i))
				}
				k := strings.Join(parts, "|")
				if seen[k] {
					t.Fatalf("%s: key %v repeated", table, key)
				}
				seen[k] = true
				if !schools[strCol(rec, "school_orgnr").Value(i)] {
					t.Fatalf("%s: a school not in schools", table)
				}
				if table != "survey_responses" && !pupils[strCol(rec, "pupil_id").Value(i)] {
					t.Fatalf("%s: a pupil not in pupils", table)
				}
			}
		})
		if rows == 0 {
			t.Errorf("%s is empty", table)
		}
	}
}

// moderate is one nation at scale 0.05 shared by the model tests.
var moderate struct {
	once sync.Once
	dir  string
}

func moderateNation(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("generates a nation at scale 0.05")
	}
	moderate.once.Do(func() {
		dir, err := os.MkdirTemp("", "sim-test-")
		if err != nil {
			t.Fatal(err)
		}
		generate(t, dir, 9, 0.05, "parquet")
		moderate.dir = dir
	})
	return moderate.dir
}

type meanSD struct{ n, sum, sumSq float64 }

func (m *meanSD) add(x float64) { m.n++; m.sum += x; m.sumSq += x * x }
func (m meanSD) mean() float64  { return m.sum / m.n }
func (m meanSD) sd() float64 {
	return math.Sqrt((m.sumSq - m.sum*m.sum/m.n) / (m.n - 1))
}

func TestModelSanity(t *testing.T) {
	dir := moderateNation(t)
	type group struct {
		year, grade int32
		subject     string
	}
	tests := map[group]*meanSD{}
	readTable(t, dir, "national_tests", func(rec arrow.RecordBatch) {
		year := rec.Column(1).(*array.Int32)
		grade := rec.Column(2).(*array.Int32)
		subj := rec.Column(3).(*array.String)
		score := rec.Column(6).(*array.Float64)
		for i := range int(rec.NumRows()) {
			if score.IsNull(i) {
				continue
			}
			g := group{year.Value(i), grade.Value(i), subj.Value(i)}
			if tests[g] == nil {
				tests[g] = &meanSD{}
			}
			tests[g].add(score.Value(i))
		}
	})
	if len(tests) != 11*8 {
		t.Errorf("%d (year, grade, subject) groups of test scores, want 88", len(tests))
	}
	for g, m := range tests {
		if math.Abs(m.mean()-50) > 1.5 || math.Abs(m.sd()-10) > 1.5 {
			t.Errorf("tests %v: mean %.2f SD %.2f, want 50±1.5 and 10±1.5", g, m.mean(), m.sd())
		}
	}

	// Exams every year but the pandemic years; grade points per pupil.
	exams := map[int32]int{}
	type pupilYear struct {
		id   string
		year int32
	}
	numeric, subjects := map[pupilYear]int{}, map[pupilYear]map[string]bool{}
	girls := map[string]bool{}
	readTable(t, dir, "pupils", func(rec arrow.RecordBatch) {
		id, g := strCol(rec, "pupil_id"), strCol(rec, "gender")
		for i := range id.Len() {
			girls[id.Value(i)] = g.Value(i) == "J"
		}
	})
	var gspGirls, gspBoys meanSD
	sums := map[pupilYear]int{}
	readTable(t, dir, "grades", func(rec arrow.RecordBatch) {
		id, year := strCol(rec, "pupil_id"), rec.Column(1).(*array.Int32)
		code, typ, grade := strCol(rec, "subject_code"), strCol(rec, "grade_type"), strCol(rec, "grade")
		for i := range id.Len() {
			if typ.Value(i) == "written_exam" {
				exams[year.Value(i)]++
			}
			k := pupilYear{id.Value(i), year.Value(i)}
			if subjects[k] == nil {
				subjects[k] = map[string]bool{}
			}
			subjects[k][code.Value(i)] = true
			if g := grade.Value(i); g >= "1" && g <= "6" {
				numeric[k]++
				sums[k] += int(g[0] - '0')
			}
		}
	})
	for y := int32(2014); y <= 2024; y++ {
		cancelled := y >= 2019 && y <= 2021
		if (exams[y] > 0) == cancelled {
			t.Errorf("school year %d: %d written exams; want none exactly in 2019-2021", y, exams[y])
		}
	}
	without := 0
	for k, subj := range subjects {
		if 2*numeric[k] <= len(subj) {
			without++
			continue
		}
		gsp := float64(sums[k]) / float64(numeric[k]) * 10
		if girls[k.id] {
			gspGirls.add(gsp)
		} else {
			gspBoys.add(gsp)
		}
	}
	share := float64(without) / float64(len(subjects))
	if without == 0 || share > 0.02 {
		t.Errorf("%d of %d pupils (%.4f) have too few numeric grades for grade points; want a few, under 2 %%", without, len(subjects), share)
	}
	all := (gspGirls.sum + gspBoys.sum) / (gspGirls.n + gspBoys.n)
	t.Logf("grade points: mean %.2f, girls %.2f, boys %.2f; %d of %d pupils without", all, gspGirls.mean(), gspBoys.mean(), without, len(subjects))
	if all < 40.5 || all > 43.5 || gspGirls.mean()-gspBoys.mean() < 3 || gspGirls.mean()-gspBoys.mean() > 5.5 {
		t.Errorf("grade points (unrounded): mean %.2f, girls %.2f, boys %.2f; want 41-43 and girls about 4 above", all, gspGirls.mean(), gspBoys.mean())
	}
}

func TestTruth(t *testing.T) {
	dir := moderateNation(t)
	read := func(name string, fn func(rec arrow.RecordBatch)) {
		f, err := file.OpenParquetFile(filepath.Join(dir, "truth", name), false)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		rr, err := r.GetRecordReader(context.Background(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer rr.Release()
		for rr.Next() {
			fn(rr.RecordBatch())
		}
	}
	m := DefaultModel()
	byLevel := map[string]*meanSD{}
	windows := map[string]bool{}
	read("school_effects_window.parquet", func(rec arrow.RecordBatch) {
		level, window := strCol(rec, "level"), strCol(rec, "window")
		eff, n := rec.Column(3).(*array.Float64), rec.Column(4).(*array.Int64)
		for i := range level.Len() {
			windows[level.Value(i)+" "+window.Value(i)] = true
			if n.Value(i) < 20 {
				continue
			}
			if byLevel[level.Value(i)] == nil {
				byLevel[level.Value(i)] = &meanSD{}
			}
			byLevel[level.Value(i)].add(eff.Value(i))
		}
	})
	// The effect on the latent has SD tau; in z units about the same for the
	// tests (the latent has SD about 1), less for the exam (grades are coarse).
	for l, tau := range m.Tau {
		s := byLevel[Levels[l]]
		if s == nil {
			t.Fatalf("no windows for level %s", Levels[l])
		}
		t.Logf("level %s: %v windows with 20+ pupils, effect_z SD %.3f (tau %.2f)", Levels[l], s.n, s.sd(), tau)
		if s.sd() < 0.5*tau || s.sd() > 1.5*tau {
			t.Errorf("level %s: window effects have SD %.3f, want about tau %.2f", Levels[l], s.sd(), tau)
		}
	}
	// Windows: pairs of consecutive supported spring years. 1-4 and 5-7:
	// 2015..2024; 8-10: 2015..2025 without spring 2020-2022 (no exams).
	for _, w := range []string{"1-4 2015+2016", "5-7 2023+2024", "8-10 2018+2019", "8-10 2023+2024", "8-10 2024+2025"} {
		if !windows[w] {
			t.Errorf("window %s missing", w)
		}
	}
	for _, w := range []string{"1-4 2014+2015", "1-4 2024+2025", "8-10 2019+2020", "8-10 2022+2023"} {
		if windows[w] {
			t.Errorf("window %s should not exist", w)
		}
	}
}
