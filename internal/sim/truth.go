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
func writeTruth(opt Options, n *nation, m *Model, eff *effects, acc *truthAcc, sv *surveyGen) ([]FileSummary, error) {
	dir := filepath.Join(opt.Out, "truth")
	var files []FileSummary
	cohorts, err := newSink(dir, "school_effects", "parquet", schoolEffectsSchema)
	if err != nil {
		return nil, err
	}
	windows, err := newSink(dir, "school_effects_window", "parquet", windowEffectsSchema)
	if err != nil {
		cohorts.abort()
		return nil, err
	}
	for si, s := range n.Schools {
		for l := range 3 {
			if !eff.taught[si][l] {
				continue
			}
			for y := acc.first; y <= eff.last; y++ {
				k := acc.n[si][l][y-acc.first]
				if !supported(opt, m, l, y) || k == 0 {
					continue
				}
				cohorts.str(0, s.Orgnr)
				cohorts.str(1, Levels[l])
				cohorts.i32(2, y)
				cohorts.f64(3, eff.at(int32(si), l, y))
				cohorts.f64(4, acc.sum[si][l][y-acc.first]/float64(k))
				cohorts.i64(5, k, true)
				if err := cohorts.flushIfFull(); err != nil {
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
				windows.str(0, s.Orgnr)
				windows.str(1, Levels[l])
				windows.str(2, fmt.Sprintf("%d+%d", y, y+1))
				windows.f64(3, (acc.sum[si][l][y-acc.first]+acc.sum[si][l][y+1-acc.first])/float64(k))
				windows.i64(4, k, true)
				if err := windows.flushIfFull(); err != nil {
					cohorts.abort()
					windows.abort()
					return nil, err
				}
			}
		}
	}
	for _, s := range []*sink{cohorts, windows} {
		fs, err := s.close()
		if err != nil {
			return files, err
		}
		files = append(files, fs)
	}

	survey, err := newSink(dir, "survey_school_effects", "parquet", surveyEffectsSchema)
	if err != nil {
		return files, err
	}
	for si, s := range n.Schools {
		for k, e := range sv.effects[si] {
			code := "bullying"
			if k < len(SurveyIndices) {
				code = SurveyIndices[k].Code
			}
			survey.str(0, s.Orgnr)
			survey.str(1, code)
			survey.f64(2, e)
			if err := survey.flushIfFull(); err != nil {
				survey.abort()
				return files, err
			}
		}
	}
	fs, err := survey.close()
	if err != nil {
		return files, err
	}
	files = append(files, fs)
	path := filepath.Join(dir, "model.json")
	if err := writeJSON(path, m); err != nil {
		return files, err
	}
	return append(files, FileSummary{Path: path}), nil
}
