package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/skolestat/skolestat/connectors/microdata"
)

// Options say what to generate. The zero value of a field means its default.
type Options struct {
	// Out is the folder to write into; created if missing. Files of ours
	// already there are replaced.
	Out  string
	Seed uint64
	// Scale is the size: 1.0 is Norway, about 60,000 pupils a cohort. The
	// 357 municipalities are kept at every scale; schools shrink with it.
	Scale float64
	// Format is "parquet" (default) or "csv".
	Format string
	// FirstYear and LastYear are the school years (autumn years) written;
	// default 2014 and 2024.
	FirstYear, LastYear int
	// SurveyYears is how many of the last school years get survey answers
	// (default 2; -1 for none). Answers are 60 rows per respondent, so all
	// eleven years would outweigh every other table together.
	SurveyYears int
	// Progress, if set, is called as work advances, from the generating
	// goroutine; it must be cheap.
	Progress func(stage string, done, total int64)
}

// Summary says what Generate wrote.
type Summary struct {
	Files          []FileSummary // in the order written; Path includes Options.Out
	Duration       time.Duration
	Municipalities int
	Schools        int
	Pupils         int // pupils with at least one enrolment in the years written
}

// FileSummary is one file written.
type FileSummary struct {
	Path string
	Rows int64
}

func (o *Options) defaults() error {
	if o.Out == "" {
		return errors.New("sim: Out is required")
	}
	if o.Scale == 0 {
		o.Scale = 1
	}
	if o.Scale < 0.001 || o.Scale > 5 {
		return fmt.Errorf("sim: scale %g outside 0.001..5", o.Scale)
	}
	if o.Format == "" {
		o.Format = "parquet"
	}
	if o.Format != "parquet" && o.Format != "csv" {
		return fmt.Errorf("sim: format %q: want parquet or csv", o.Format)
	}
	if o.FirstYear == 0 {
		o.FirstYear = 2014
	}
	if o.LastYear == 0 {
		o.LastYear = 2024
	}
	if o.LastYear < o.FirstYear || o.FirstYear < 2000 || o.LastYear > 2060 {
		return fmt.Errorf("sim: years %d..%d: want 2000 <= first <= last <= 2060", o.FirstYear, o.LastYear)
	}
	if o.SurveyYears == 0 {
		o.SurveyYears = 2
	}
	if o.Progress == nil {
		o.Progress = func(string, int64, int64) {}
	}
	return nil
}

// Generate writes the microdata files of a simulated nation into opt.Out
// (the tables of shared/spec/microdata.md), truth/ with the true school
// effects, and nation.json. The same options give byte-identical files.
// It stops early, leaving no partial file under a final name, when ctx is
// cancelled.
func Generate(ctx context.Context, opt Options) (Summary, error) {
	start := time.Now()
	if err := opt.defaults(); err != nil {
		return Summary{}, err
	}
	var sum Summary
	model := DefaultModel()
	opt.Progress("nation", 0, 1)
	n := buildNation(opt.Seed, opt.Scale)
	opt.Progress("nation", 1, 1)
	sum.Municipalities, sum.Schools = len(n.Municipalities), len(n.Schools)

	opt.Progress("pupils", 0, 1)
	pop := buildPopulation(opt.Seed, opt.Scale, n, opt.FirstYear, opt.LastYear)
	opt.Progress("pupils", 1, 1)
	if err := ctx.Err(); err != nil {
		return sum, err
	}

	out := func(fs FileSummary, err error) error {
		if err == nil {
			sum.Files = append(sum.Files, fs)
		}
		return err
	}
	table := func(name string) *arrow.Schema {
		t, _ := microdata.Lookup(name)
		return t.Schema()
	}
	if err := out(writeSchools(opt, n, table("schools"))); err != nil {
		return sum, err
	}
	fs, pupils, err := writePupils(opt, pop, table("pupils"))
	if err := out(fs, err); err != nil {
		return sum, err
	}
	sum.Pupils = pupils

	// The years before FirstYear are simulated, not written, so that the
	// pupils of the first years written have priors (grade 10 in FirstYear
	// took grade 5 five years earlier).
	simFirst := opt.FirstYear - 5
	eff := drawEffects(opt.Seed, n.Schools, &model, simFirst, opt.LastYear+1)
	yg := &yearGen{
		seed: opt.Seed, model: &model, nation: n, pop: pop, effects: eff,
		truth: newTruthAcc(len(n.Schools), opt.FirstYear, opt.LastYear+1),
		first: opt.FirstYear, g: newRNG(opt.Seed),
		surveyOn: func(y int) bool { return opt.SurveyYears > 0 && y > opt.LastYear-opt.SurveyYears },
	}
	yg.sv = newSurveyGen(yg, &model)
	sinks := []**sink{&yg.enrol, &yg.tests, &yg.grades, &yg.survey}
	names := []string{"enrolments", "national_tests", "grades", "survey_responses"}
	for i, name := range names {
		s, err := newSink(opt.Out, name, opt.Format, table(name))
		if err != nil {
			for _, done := range sinks[:i] {
				(*done).abort()
			}
			return sum, err
		}
		*sinks[i] = s
	}
	years := int64(opt.LastYear - simFirst + 1)
	for y := simFirst; y <= opt.LastYear; y++ {
		opt.Progress("school years", int64(y-simFirst), years)
		yg.writing = y >= opt.FirstYear
		if err := yg.year(ctx, y); err != nil {
			for _, s := range sinks {
				(*s).abort()
			}
			return sum, fmt.Errorf("sim: generating school year %d: %w", y, err)
		}
	}
	opt.Progress("school years", years, years)
	for i, s := range sinks {
		if names[i] == "survey_responses" && opt.SurveyYears < 0 {
			(*s).abort()
			os.Remove((*s).path)
			continue
		}
		if err := out((*s).close()); err != nil {
			for _, rest := range sinks[i+1:] {
				(*rest).abort()
			}
			return sum, err
		}
	}

	truthFiles, err := writeTruth(opt, n, &model, eff, yg.truth, yg.sv)
	sum.Files = append(sum.Files, truthFiles...)
	if err != nil {
		return sum, err
	}
	if err := writeNation(opt, n, &model, sum); err != nil {
		return sum, err
	}
	sum.Files = append(sum.Files, FileSummary{Path: filepath.Join(opt.Out, "nation.json")})
	sum.Duration = time.Since(start)
	return sum, nil
}

func writeSchools(opt Options, n *nation, schema *arrow.Schema) (FileSummary, error) {
	s, err := newSink(opt.Out, "schools", opt.Format, schema)
	if err != nil {
		return FileSummary{}, err
	}
	for _, sc := range n.Schools {
		s.str(0, sc.Orgnr)
		s.str(1, sc.Name)
		s.str(2, n.Municipalities[sc.Municipality].Code)
		s.boolean(3, sc.Public)
		s.i32(4, sc.GradeFrom)
		s.i32(5, sc.GradeTo)
		s.i32(6, 2024)
		if err := s.flushIfFull(); err != nil {
			s.abort()
			return FileSummary{}, err
		}
	}
	return s.close()
}

// writePupils writes the pupils with at least one enrolment in the years
// written, and returns how many.
func writePupils(opt Options, pop *population, schema *arrow.Schema) (FileSummary, int, error) {
	s, err := newSink(opt.Out, "pupils", opt.Format, schema)
	if err != nil {
		return FileSummary{}, 0, err
	}
	k := 0
	for i := range pop.pupils {
		p := &pop.pupils[i]
		enrolled := false
		for y := opt.FirstYear; y <= opt.LastYear && !enrolled; y++ {
			enrolled = p.schoolIn(y) >= 0
		}
		if !enrolled {
			continue
		}
		k++
		s.str(0, pupilID(opt.Seed, i))
		s.i32(1, int(p.entry)-6)
		if p.girl {
			s.str(2, "J")
		} else {
			s.str(2, "G")
		}
		s.str(3, microdata.ImmigrantBackgrounds[p.imm])
		s.str(4, microdata.ParentEducations[p.edu])
		s.i64(5, p.income, p.income >= 0)
		if err := s.flushIfFull(); err != nil {
			s.abort()
			return FileSummary{}, 0, err
		}
	}
	fs, err := s.close()
	return fs, k, err
}

// nationFile is the content of nation.json.
type nationFile struct {
	Seed           uint64         `json:"seed"`
	Scale          float64        `json:"scale"`
	FirstYear      int            `json:"first_school_year"`
	LastYear       int            `json:"last_school_year"`
	Schools        int            `json:"schools"`
	Pupils         int            `json:"pupils"`
	Counties       []County       `json:"counties"`
	Municipalities []Municipality `json:"municipalities"`
	Model          *Model         `json:"model"`
}

func writeNation(opt Options, n *nation, m *Model, sum Summary) error {
	f := nationFile{Seed: opt.Seed, Scale: opt.Scale, FirstYear: opt.FirstYear, LastYear: opt.LastYear,
		Schools: len(n.Schools), Pupils: sum.Pupils, Counties: Counties, Municipalities: n.Municipalities, Model: m}
	return writeJSON(filepath.Join(opt.Out, "nation.json"), f)
}

// writeJSON writes v indented, through a temporary file.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("renaming %s into place: %w", path, err)
	}
	return nil
}
