package sim

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/skolestat/skolestat/connectors/microdata"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if moderate.dir != "" {
		os.RemoveAll(moderate.dir)
	}
	os.Exit(code)
}

func generate(t testing.TB, dir string, seed uint64, scale float64, format string) Summary {
	t.Helper()
	return generateOpt(t, Options{Out: dir, Seed: seed, Scale: scale, Format: format})
}

func generateOpt(t testing.TB, opt Options) Summary {
	t.Helper()
	s, err := Generate(context.Background(), opt)
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
			// Parquet at a scale where the survey spans several batches.
			scale := map[string]float64{"parquet": 0.02, "csv": 0.005}[format]
			a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
			generate(t, a, 3, scale, format)
			generate(t, b, 3, scale, format)
			generate(t, c, 4, scale, format)
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
			for name, x := range fa {
				if name != "truth/model.json" && bytes.Equal(x, fc[name]) {
					t.Errorf("%s is the same with another seed", name)
				}
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
	if s := byCode["4601"].Share; s < 0.035 || s > 0.055 {
		t.Errorf("Bergen has %.3f of the pupils, want about 0.045", s)
	}
	for code := range asss {
		if s := byCode[code].Share; code != "0301" && code != "4601" && (s < 0.012 || s > 0.04) {
			t.Errorf("ASSS member %s has %.3f of the pupils, want 0.013-0.035", code, s)
		}
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
	for _, format := range []string{"parquet", "csv"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			generate(t, dir, 5, 0.005, format)
			if format == "parquet" {
				// The physical schema of every file is the canonical one.
				for _, tb := range microdata.Tables {
					if err := sameFields(parquetSchema(t, filepath.Join(dir, tb.Name+".parquet")), tb.Schema()); err != nil {
						t.Errorf("%s: %v", tb.Name, err)
					}
				}
			} else {
				for _, tb := range microdata.Tables {
					b, err := os.ReadFile(filepath.Join(dir, tb.Name+".csv"))
					if err != nil {
						t.Fatal(err)
					}
					var names []string
					for _, c := range tb.Columns {
						names = append(names, c.Name)
					}
					if header, _, _ := strings.Cut(string(b), "\n"); header != strings.Join(names, ",") {
						t.Errorf("%s.csv header %q, want %q", tb.Name, header, strings.Join(names, ","))
					}
				}
			}
			checkContract(t, dir)
		})
	}
}

func parquetSchema(t *testing.T, path string) *arrow.Schema {
	t.Helper()
	f, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.Schema()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkContract reads every table with the microdata connector, strictly
// (any value breaking a type, code, range, digit or null rule fails), and
// checks keys, references and the consistency of grades, birth years and
// the grades a school teaches.
func checkContract(t *testing.T, dir string) {
	t.Helper()
	type school struct{ from, to int32 }
	schools := map[string]school{}
	readTable(t, dir, "schools", func(rec arrow.RecordBatch) {
		c := strCol(rec, "school_orgnr")
		from, to := rec.Column(4).(*array.Int32), rec.Column(5).(*array.Int32)
		for i := range c.Len() {
			if !ValidOrgnr(c.Value(i)) {
				t.Errorf("school %s: invalid org number", c.Value(i))
			}
			schools[c.Value(i)] = school{from.Value(i), to.Value(i)}
		}
	})
	births := map[string]int32{}
	readTable(t, dir, "pupils", func(rec arrow.RecordBatch) {
		c := strCol(rec, "pupil_id")
		birth := rec.Column(1).(*array.Int32)
		for i := range c.Len() {
			if _, dup := births[c.Value(i)]; dup {
				t.Fatalf("pupil %s repeated", c.Value(i))
			}
			births[c.Value(i)] = birth.Value(i)
		}
	})
	keyed := map[string][]string{
		"enrolments":       {"pupil_id", "school_year"},
		"national_tests":   {"pupil_id", "school_year", "grade", "subject"},
		"grades":           {"pupil_id", "school_year", "subject_code", "grade_type"},
		"survey_responses": {"respondent_id", "school_year", "item_code"},
	}
	for _, table := range []string{"enrolments", "national_tests", "grades", "survey_responses"} {
		key := keyed[table]
		seen := map[string]bool{}
		rows := 0
		readTable(t, dir, table, func(rec arrow.RecordBatch) {
			year := rec.Column(1).(*array.Int32)
			for i := range int(rec.NumRows()) {
				rows++
				var parts []string
				for _, k := range key {
					parts = append(parts, rec.Column(rec.Schema().FieldIndices(k)[0]).ValueStr(i))
				}
				k := strings.Join(parts, "|")
				if seen[k] {
					t.Fatalf("%s: key %v = %s repeated", table, key, k)
				}
				seen[k] = true
				sc, ok := schools[strCol(rec, "school_orgnr").Value(i)]
				if !ok {
					t.Fatalf("%s: school %s not in schools", table, strCol(rec, "school_orgnr").Value(i))
				}
				if table == "survey_responses" {
					if a := rec.Column(7).(*array.Int32); a.IsValid(i) && (a.Value(i) < 1 || a.Value(i) > 5) {
						t.Fatalf("survey answer %d outside 1-5", a.Value(i))
					}
					if _, linked := births["E"+strCol(rec, "respondent_id").Value(i)[1:]]; linked {
						t.Fatalf("respondent id %s is a pupil id with another prefix", strCol(rec, "respondent_id").Value(i))
					}
					continue
				}
				id := strCol(rec, "pupil_id").Value(i)
				birth, ok := births[id]
				if !ok {
					t.Fatalf("%s: pupil %s not in pupils", table, id)
				}
				// No retention: the grade follows from the birth year.
				grade := year.Value(i) - (birth + 6) + 1
				if table != "grades" {
					if g := rec.Column(2).(*array.Int32).Value(i); g != grade {
						t.Fatalf("%s: pupil %s born %d has grade %d in %d, want %d", table, id, birth, g, year.Value(i), grade)
					}
				} else if grade != 10 {
					t.Fatalf("grades: pupil %s born %d has grades in %d (grade %d)", id, birth, year.Value(i), grade)
				}
				if grade < sc.from || grade > sc.to {
					t.Fatalf("%s: pupil %s in grade %d at a school teaching %d-%d", table, id, grade, sc.from, sc.to)
				}
			}
		})
		if rows == 0 {
			t.Errorf("%s is empty", table)
		}
	}
}

// TestFormatSwitchLeavesOneFilePerTable generates Parquet, then CSV into the
// same folder: the Parquet tables must be gone, or the reader would find
// two candidates per table.
func TestFormatSwitchLeavesOneFilePerTable(t *testing.T) {
	dir := t.TempDir()
	generate(t, dir, 1, 0.002, "parquet")
	generate(t, dir, 1, 0.002, "csv")
	for _, tb := range microdata.Tables {
		if _, err := os.Stat(filepath.Join(dir, tb.Name+".parquet")); !os.IsNotExist(err) {
			t.Errorf("%s.parquet still there after generating CSV (%v)", tb.Name, err)
		}
		if _, err := os.Stat(filepath.Join(dir, tb.Name+".csv")); err != nil {
			t.Errorf("%s.csv: %v", tb.Name, err)
		}
	}
	if _, err := Generate(context.Background(), Options{Out: dir, Seed: 1, Scale: 0.002, Format: "csv", SurveyYears: -1}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "survey_responses.csv")); !os.IsNotExist(err) {
		t.Errorf("survey_responses.csv still there without a survey (%v)", err)
	}
}

// TestCancelledLeavesTheFolderAsItWas generates a nation, then cancels a
// run with another seed in the same folder while it writes: the run must
// fail with the context's error and leave every file as the first run
// wrote it, with no temporary file.
func TestCancelledLeavesTheFolderAsItWas(t *testing.T) {
	dir := t.TempDir()
	generate(t, dir, 1, 0.005, "parquet")
	before := files(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Generate(ctx, Options{Out: dir, Seed: 2, Scale: 0.005, Progress: func(stage string, done, total int64) {
		if stage == "school years" && done == 3 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Generate after cancel: %v, want context.Canceled", err)
	}
	after := files(t, dir)
	for name, b := range after {
		if !bytes.Equal(b, before[name]) {
			t.Errorf("%s changed or appeared in a cancelled run", name)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d files after the cancelled run, %d before", len(after), len(before))
	}
}

// TestProgress checks that Progress is called in stage order from the
// calling goroutine, and that each stage ends with done == total.
func TestProgress(t *testing.T) {
	type call struct {
		stage       string
		done, total int64
	}
	var calls []call // appended without a lock: the race detector checks the single goroutine
	generateOpt(t, Options{Out: t.TempDir(), Seed: 1, Scale: 0.002, Progress: func(stage string, done, total int64) {
		calls = append(calls, call{stage, done, total})
	}})
	var stages []string
	for i, c := range calls {
		if len(stages) == 0 || stages[len(stages)-1] != c.stage {
			stages = append(stages, c.stage)
		} else if c.done < calls[i-1].done {
			t.Errorf("%s: done went back from %d to %d", c.stage, calls[i-1].done, c.done)
		}
		if i+1 == len(calls) || calls[i+1].stage != c.stage {
			if c.done != c.total {
				t.Errorf("stage %s ends at %d of %d", c.stage, c.done, c.total)
			}
		}
	}
	if want := []string{"nation", "pupils", "school years", "truth"}; !slices.Equal(stages, want) {
		t.Errorf("stages %v, want %v", stages, want)
	}
	for _, c := range calls {
		if c.stage == "school years" && c.total != 22 {
			t.Fatalf("school years total %d, want 22 (11 outcome years and 11 survey years)", c.total)
		}
	}
}

// BenchmarkGenerate measures a nation at scale 0.05 (3,000 pupils a cohort),
// reporting rows written per second.
func BenchmarkGenerate(b *testing.B) { benchmarkGenerate(b, 0.05) }

// BenchmarkGenerateNorway measures Norway's size (scale 1.0); skipped with -short.
func BenchmarkGenerateNorway(b *testing.B) {
	if testing.Short() {
		b.Skip("scale 1.0")
	}
	benchmarkGenerate(b, 1.0)
}

func benchmarkGenerate(b *testing.B, scale float64) {
	var rows int64
	for b.Loop() {
		s := generate(b, b.TempDir(), 1, scale, "parquet")
		rows = 0
		for _, f := range s.Files {
			rows += f.Rows
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
