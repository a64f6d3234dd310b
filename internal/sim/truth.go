package sim

import (
	"fmt"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
)

// Schemas of the truth files.
var (
	schoolEffectsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "school_orgnr", Type: arrow.BinaryTypes.String},
		{Name: "level", Type: arrow.BinaryTypes.String},
		{Name: "spring_year", Type: arrow.PrimitiveTypes.Int32},
		{Name: "effect_latent", Type: arrow.PrimitiveTypes.Float64},
		{Name: "effect_z", Type: arrow.PrimitiveTypes.Float64},
		{Name: "n_pupils", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	windowEffectsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "school_orgnr", Type: arrow.BinaryTypes.String},
		{Name: "level", Type: arrow.BinaryTypes.String},
		{Name: "window", Type: arrow.BinaryTypes.String},
		{Name: "effect_z", Type: arrow.PrimitiveTypes.Float64},
		{Name: "n_pupils", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	surveyEffectsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "school_orgnr", Type: arrow.BinaryTypes.String},
		{Name: "index_code", Type: arrow.BinaryTypes.String},
		{Name: "effect_latent", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
)

// supported reports whether the data written support the cohort of spring
// year y at level l: its attribution year y-1 and its outcome are both in
// the years written, and (8-10) its exams were held.
func supported(opt Options, m *Model, l, y int) bool {
	if y-1 < opt.FirstYear {
		return false
	}
	if l < 2 {
		return y <= opt.LastYear
	}
	return y-1 <= opt.LastYear && !m.examCancelled(y-1)
}

// writeTruth writes truth/: the true effects per school, level and cohort,
// per window of two consecutive cohorts, the survey school effects, and the
// model.
func writeTruth(opt Options, st *staging, n *nation, m *Model, eff *effects, acc *truthAcc, sv *surveyGen) ([]FileSummary, error) {
	dir := filepath.Join(opt.Out, "truth")
	var files []FileSummary
	orgnrs := vocab("school_orgnr", n.orgnrs())
	levels := vocab("level", Levels[:])
	cohorts, err := newSink(dir, "school_effects", "parquet", schoolEffectsSchema, orgnrs, levels)
	if err != nil {
		return nil, err
	}
	windows, err := newSink(dir, "school_effects_window", "parquet", windowEffectsSchema, orgnrs, levels, plain("window"))
	if err != nil {
		cohorts.abort()
		return nil, err
	}
	for si := range n.Schools {
		for l := range 3 {
			if !eff.taught[si][l] {
				continue
			}
			for y := acc.first; y <= eff.last; y++ {
				k := acc.n[si][l][y-acc.first]
				if !supported(opt, m, l, y) || k == 0 {
					continue
				}
				cohorts.code(0, si)
				cohorts.code(1, l)
				cohorts.i32(2, y)
				cohorts.f64(3, eff.at(int32(si), l, y))
				cohorts.f64(4, acc.sum[si][l][y-acc.first]/float64(k))
				cohorts.i64(5, k, true)
				if err := cohorts.endRow(); err != nil {
					cohorts.abort()
					windows.abort()
					return nil, err
				}
			}
			for y := acc.first; y < eff.last; y++ {
				if !supported(opt, m, l, y) || !supported(opt, m, l, y+1) {
					continue
				}
				k := acc.n[si][l][y-acc.first] + acc.n[si][l][y+1-acc.first]
				if k == 0 {
					continue
				}
				windows.code(0, si)
				windows.code(1, l)
				windows.str(2, fmt.Sprintf("%d+%d", y, y+1))
				windows.f64(3, (acc.sum[si][l][y-acc.first]+acc.sum[si][l][y+1-acc.first])/float64(k))
				windows.i64(4, k, true)
				if err := windows.endRow(); err != nil {
					cohorts.abort()
					windows.abort()
					return nil, err
				}
			}
		}
	}
	fs, err := st.finish(cohorts)
	if err != nil {
		windows.abort()
		return files, err
	}
	files = append(files, fs)
	if fs, err = st.finish(windows); err != nil {
		return files, err
	}
	files = append(files, fs)

	codes := []string{}
	for _, ix := range SurveyIndices {
		codes = append(codes, ix.Code)
	}
	codes = append(codes, BullyingIndex)
	survey, err := newSink(dir, "survey_school_effects", "parquet", surveyEffectsSchema, orgnrs, vocab("index_code", codes))
	if err != nil {
		return files, err
	}
	for si := range n.Schools {
		for k, e := range sv.effects[si] {
			survey.code(0, si)
			survey.code(1, k)
			survey.f64(2, e)
			if err := survey.endRow(); err != nil {
				survey.abort()
				return files, err
			}
		}
	}
	if fs, err = st.finish(survey); err != nil {
		return files, err
	}
	files = append(files, fs)
	path := filepath.Join(dir, "model.json")
	if err := st.writeJSON(path, m); err != nil {
		return files, err
	}
	return append(files, FileSummary{Path: path}), nil
}
