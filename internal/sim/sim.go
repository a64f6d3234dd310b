package sim

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/skolestat/skolestat/connectors/microdata"
)

// Options say what to generate. The zero value of a field means its default.
type Options struct {
	// Out is the folder to write into; created if missing. Files of ours
	// already there are replaced (a table written in the other format is
	// removed, so a folder never holds two candidates for a table).
	Out  string
	Seed uint64
	// Scale is the size: 1.0 is Norway, about 60,000 pupils a cohort;
	// 0.001..5 (default 1). The 357 municipalities are kept at every
	// scale; schools shrink with it.
	Scale float64
	// Format is "parquet" (default) or "csv".
	Format string
	// FirstYear and LastYear are the school years (autumn years) written;
	// default 2014 and 2024.
	FirstYear, LastYear int
	// SurveyYears limits survey answers to the last SurveyYears school
	// years; 0 (the default) means every year, -1 none (no
	// survey_responses file). The survey is 60 rows per respondent, about
	// three quarters of all rows (71 of 95 million at scale 1.0).
	SurveyYears int
	// Progress, if set, is called as work advances, always from the
	// goroutine that called Generate and never concurrently; it must be
	// cheap. Stages come in order ("nation", "pupils", "school years",
	// "truth"); done counts up to total within a stage.
	Progress func(stage string, done, total int64)
}

// Summary says what Generate wrote.
type Summary struct {
	Files          []FileSummary // in the order written; Path is under Options.Out (joined to it)
	Duration       time.Duration
	Municipalities int
	Schools        int
	Pupils         int // pupils with at least one enrolment in the years written
	Respondents    int64
}

// FileSummary is one file written. Rows is 0 for the JSON files.
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
	if years := o.LastYear - o.FirstYear + 1; o.SurveyYears == 0 || o.SurveyYears > years {
		o.SurveyYears = years
	}
	if o.SurveyYears < -1 {
		return fmt.Errorf("sim: SurveyYears %d: want -1, 0 or a number of years", o.SurveyYears)
	}
	if o.Progress == nil {
		o.Progress = func(string, int64, int64) {}
	}
	return nil
}

// tables are the microdata tables in the order Generate writes them.
var tables = []string{"schools", "pupils", "enrolments", "national_tests", "grades", "survey_responses"}

func schemaOf(name string) *arrow.Schema {
	t, _ := microdata.Lookup(name)
	return t.Schema()
}

// Generate writes the microdata files of a simulated nation into opt.Out
// (the tables of shared/spec/microdata.md), truth/ with the true school
// effects, and nation.json. The same options give byte-identical files.
// Files are renamed into place only once all are written: a failed or
// cancelled run (it checks ctx as it goes) leaves the folder as it was.
func Generate(ctx context.Context, opt Options) (Summary, error) {
	start := time.Now()
	if err := opt.defaults(); err != nil {
		return Summary{}, err
	}
	var sum Summary
	model := DefaultModel()
	st := &staging{}
	defer st.discard()
	opt.Progress("nation", 0, 1)
	n := buildNation(opt.Seed, opt.Scale)
	opt.Progress("nation", 1, 1)
	sum.Municipalities, sum.Schools = len(n.Municipalities), len(n.Schools)

	opt.Progress("pupils", 0, 2)
	pop := buildPopulation(opt.Seed, opt.Scale, n, opt.FirstYear, opt.LastYear)
	opt.Progress("pupils", 1, 2)
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	orgnrs := vocab("school_orgnr", n.orgnrs())
	fs, err := writeSchools(opt, st, n)
	if err != nil {
		return sum, err
	}
	sum.Files = append(sum.Files, fs)
	fs, sum.Pupils, err = writePupils(opt, st, pop)
	if err != nil {
		return sum, err
	}
	sum.Files = append(sum.Files, fs)
	opt.Progress("pupils", 2, 2)

	// The outcomes go year by year in this goroutine; the survey, which
	// needs only the careers, in another. Each table has its own writer.
	eff := drawEffects(opt.Seed, n.Schools, &model, opt.FirstYear, opt.LastYear+1)
	yg := &yearGen{
		seed: opt.Seed, model: &model, nation: n, pop: pop, effects: eff,
		truth: newTruthAcc(len(n.Schools), opt.FirstYear, opt.LastYear+1),
		first: opt.FirstYear, g: newRNG(opt.Seed),
	}
	sg := newSurveyGen(opt.Seed, n, pop, &model.Survey)
	sinks := make([]*sink, 0, 4)
	abort := func() {
		for _, s := range sinks {
			s.abort()
		}
	}
	for _, t := range []struct {
		name string
		dst  **sink
		opts []colOpt
	}{
		{"enrolments", &yg.enrol, []colOpt{plain("pupil_id"), orgnrs}},
		{"national_tests", &yg.tests, []colOpt{orgnrs, vocab("subject", microdata.TestSubjects), vocab("status", microdata.TestStatuses)}},
		{"grades", &yg.grades, []colOpt{orgnrs, vocab("subject_code", subjectCodes), vocab("grade_type", microdata.GradeTypes), vocab("grade", microdata.GradeValues)}},
		{"survey_responses", &sg.out, []colOpt{orgnrs, vocab("class_id", classNames), vocab("gender", microdata.Genders), vocab("item_code", itemCodes())}},
	} {
		if t.name == "survey_responses" && opt.SurveyYears < 0 {
			continue
		}
		s, err := newSink(opt.Out, t.name, opt.Format, schemaOf(t.name), t.opts...)
		if err != nil {
			abort()
			return sum, err
		}
		*t.dst = s
		sinks = append(sinks, s)
	}

	// The survey goroutine ticks once per year done and closes surveyTick
	// when it stops; Progress is called from this goroutine only.
	surveyYears := max(opt.SurveyYears, 0)
	surveyTick := make(chan struct{}, surveyYears)
	surveyDone := make(chan error, 1)
	sctx, stopSurvey := context.WithCancel(ctx)
	defer stopSurvey()
	go func() {
		defer close(surveyTick)
		for y := opt.LastYear - surveyYears + 1; y <= opt.LastYear; y++ {
			if err := sg.year(sctx, y); err != nil {
				surveyDone <- fmt.Errorf("sim: survey of school year %d: %w", y, err)
				return
			}
			surveyTick <- struct{}{}
		}
		surveyDone <- nil
	}()
	total := int64(opt.LastYear-opt.FirstYear+1) + int64(surveyYears)
	done := int64(0)
	tick := func() {
		done++
		opt.Progress("school years", done, total)
	}
	opt.Progress("school years", 0, total)
	for y := opt.FirstYear; y <= opt.LastYear; y++ {
		if err := yg.year(ctx, y); err != nil {
			stopSurvey()
			<-surveyDone
			abort()
			return sum, fmt.Errorf("sim: generating school year %d: %w", y, err)
		}
		tick()
	drain:
		for {
			select {
			case _, ok := <-surveyTick:
				if !ok {
					break drain
				}
				tick()
			default:
				break drain
			}
		}
	}
	for range surveyTick {
		tick()
	}
	if err := <-surveyDone; err != nil {
		abort()
		return sum, err
	}
	sum.Respondents = sg.respondents
	for i, s := range sinks {
		fs, err := st.finish(s)
		if err != nil {
			for _, rest := range sinks[i+1:] {
				rest.abort()
			}
			return sum, err
		}
		sum.Files = append(sum.Files, fs)
	}

	opt.Progress("truth", 0, 1)
	truthFiles, err := writeTruth(opt, st, n, &model, eff, yg.truth, sg)
	sum.Files = append(sum.Files, truthFiles...)
	if err != nil {
		return sum, err
	}
	if err := writeNation(opt, st, n, &model, sum); err != nil {
		return sum, err
	}
	sum.Files = append(sum.Files, FileSummary{Path: filepath.Join(opt.Out, "nation.json")})
	if err := st.commit(); err != nil {
		return sum, err
	}
	if err := removeStale(opt); err != nil {
		return sum, err
	}
	opt.Progress("truth", 1, 1)
	sum.Duration = time.Since(start)
	return sum, nil
}

func writeSchools(opt Options, st *staging, n *nation) (FileSummary, error) {
	s, err := newSink(opt.Out, "schools", opt.Format, schemaOf("schools"), plain("school_orgnr"), plain("name"))
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
		if err := s.endRow(); err != nil {
			s.abort()
			return FileSummary{}, err
		}
	}
	return st.finish(s)
}

// writePupils writes the pupils with at least one enrolment in the years
// written, and returns how many.
func writePupils(opt Options, st *staging, pop *population) (FileSummary, int, error) {
	s, err := newSink(opt.Out, "pupils", opt.Format, schemaOf("pupils"), plain("pupil_id"),
		vocab("gender", microdata.Genders), vocab("immigrant_background", microdata.ImmigrantBackgrounds),
		vocab("parent_education", microdata.ParentEducations))
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
		s.id(0, 'E', pupilKey(opt.Seed, i))
		s.i32(1, int(p.entry)-6)
		if p.girl {
			s.code(2, 1)
		} else {
			s.code(2, 0)
		}
		s.code(3, int(p.imm))
		s.code(4, int(p.edu))
		s.i64(5, p.income, p.income >= 0)
		if err := s.endRow(); err != nil {
			s.abort()
			return FileSummary{}, 0, err
		}
	}
	fs, err := st.finish(s)
	return fs, k, err
}

// removeStale removes the files of our tables in the format not written
// (and survey_responses when no survey was written), so that the folder
// holds exactly one file per table written.
func removeStale(opt Options) error {
	other := "csv"
	if opt.Format == "csv" {
		other = "parquet"
	}
	var stale []string
	for _, t := range tables {
		stale = append(stale, t+"."+other)
	}
	if opt.SurveyYears < 0 {
		stale = append(stale, "survey_responses."+opt.Format)
	}
	for _, name := range stale {
		if err := os.Remove(filepath.Join(opt.Out, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s of an earlier run: %w", name, err)
		}
	}
	return nil
}

// nationFile is the content of nation.json.
type nationFile struct {
	Seed           uint64         `json:"seed"`
	Scale          float64        `json:"scale"`
	FirstYear      int            `json:"first_school_year"`
	LastYear       int            `json:"last_school_year"`
	SurveyYears    int            `json:"survey_years"`
	Schools        int            `json:"schools"`
	Pupils         int            `json:"pupils"`
	Respondents    int64          `json:"survey_respondents"`
	Counties       []County       `json:"counties"`
	Municipalities []Municipality `json:"municipalities"`
	Model          *Model         `json:"model"`
}

func writeNation(opt Options, st *staging, n *nation, m *Model, sum Summary) error {
	f := nationFile{Seed: opt.Seed, Scale: opt.Scale, FirstYear: opt.FirstYear, LastYear: opt.LastYear,
		SurveyYears: max(opt.SurveyYears, 0), Schools: len(n.Schools), Pupils: sum.Pupils, Respondents: sum.Respondents,
		Counties: Counties, Municipalities: n.Municipalities, Model: m}
	return st.writeJSON(filepath.Join(opt.Out, "nation.json"), f)
}
