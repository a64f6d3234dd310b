package sbi

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/transforms"
)

var (
	utf8     = arrow.BinaryTypes.String
	int32T   = arrow.PrimitiveTypes.Int32
	int64T   = arrow.PrimitiveTypes.Int64
	float64T = arrow.PrimitiveTypes.Float64
)

// CaveatKey is the schema metadata key (and Parquet key-value metadata key)
// that carries [Caveat].
const CaveatKey = "skolestat.caveat"

func caveatMeta() *arrow.Metadata {
	m := arrow.NewMetadata([]string{CaveatKey}, []string{Caveat})
	return &m
}

// SchoolSchema is the school output (core.sbi_school): one row per school,
// level, window and model, ordered as [Result.Schools].
//
//   - level "1-4", "5-7" or "8-10"; window_label "2018+2019" (not "window":
//     a keyword in SQL); model fixed or mixed.
//   - n_pupils: the school's pupils in the estimation sample.
//   - effect_z: fixed, the centred school effect theta_s (pupil-weighted
//     mean 0 over all schools); mixed, the BLUP (not re-centred, equal to
//     lme4's ranef). effect = effect_z times the sample SD of the raw
//     outcome (scale points for 1-4 and 5-7, grade points for 8-10).
//   - se, lower, upper: the standard error and 95 % interval of effect_z
//     (effect ± 1.96 se); classification above, below or not_different.
//   - outcome_z: the mean outcome (z) of the school's pupils in the sample,
//     before any adjustment (the profiles' "results above the national
//     mean"; the national mean is about 0).
//   - shrunk_z: fixed, the empirical-Bayes shrunken effect; null for mixed
//     (the BLUP in effect_z is already shrunk toward 0).
//   - status ok or suppressed; suppression why ("primary: n < 10",
//     "secondary: protects municipality 4601"); a suppressed row has every
//     number null, n_pupils included.
var SchoolSchema = arrow.NewSchema([]arrow.Field{
	{Name: "level", Type: utf8},
	{Name: "window_label", Type: utf8},
	{Name: "model", Type: utf8},
	{Name: "school_orgnr", Type: utf8},
	{Name: "n_pupils", Type: int64T, Nullable: true},
	{Name: "effect_z", Type: float64T, Nullable: true},
	{Name: "effect", Type: float64T, Nullable: true},
	{Name: "se", Type: float64T, Nullable: true},
	{Name: "lower", Type: float64T, Nullable: true},
	{Name: "upper", Type: float64T, Nullable: true},
	{Name: "classification", Type: utf8, Nullable: true},
	{Name: "shrunk_z", Type: float64T, Nullable: true},
	{Name: "outcome_z", Type: float64T, Nullable: true},
	{Name: "status", Type: utf8},
	{Name: "suppression", Type: utf8, Nullable: true},
}, caveatMeta())

// AggregateSchema is the aggregate output (core.sbi_aggregate): one row per
// level, window, model and unit with public schools in the sample, ordered
// as [Result.Aggregates]. unit_type municipality, county or nation;
// unit_code the 4-digit municipality, 2-digit county or "0". n_pupils and
// n_schools count the unit's public schools and their pupils; effect_z is
// their pupil-weighted mean effect, se = sqrt(sum n_s² se_s²) / sum n_s
// (fixed: sigma_e / sqrt(sum n_s)); the rest as in [SchoolSchema].
var AggregateSchema = arrow.NewSchema([]arrow.Field{
	{Name: "level", Type: utf8},
	{Name: "window_label", Type: utf8},
	{Name: "model", Type: utf8},
	{Name: "unit_type", Type: utf8},
	{Name: "unit_code", Type: utf8},
	{Name: "n_pupils", Type: int64T, Nullable: true},
	{Name: "n_schools", Type: int64T, Nullable: true},
	{Name: "effect_z", Type: float64T, Nullable: true},
	{Name: "effect", Type: float64T, Nullable: true},
	{Name: "se", Type: float64T, Nullable: true},
	{Name: "lower", Type: float64T, Nullable: true},
	{Name: "upper", Type: float64T, Nullable: true},
	{Name: "classification", Type: utf8, Nullable: true},
	{Name: "status", Type: utf8},
	{Name: "suppression", Type: utf8, Nullable: true},
}, caveatMeta())

// RunSchema is the run output (core.sbi_run): one row per level, window and
// model, as [Run]. covariates and dropped are comma-separated column names
// (dropped: "" when none); spring_year_1/2 and the cohort counts describe
// the two cohorts (Matrix.Cohorts). n_pupils, n_schools and the cohort
// counts are null when disclosure control suppressed the sample total.
var RunSchema = arrow.NewSchema([]arrow.Field{
	{Name: "level", Type: utf8},
	{Name: "window_label", Type: utf8},
	{Name: "model", Type: utf8},
	{Name: "n_pupils", Type: int64T, Nullable: true},
	{Name: "n_schools", Type: int64T, Nullable: true},
	{Name: "covariates", Type: utf8},
	{Name: "dropped", Type: utf8},
	{Name: "sigma2", Type: float64T},
	{Name: "tau2", Type: float64T},
	{Name: "raw_sd", Type: float64T},
	{Name: "outcome_mean", Type: float64T, Nullable: true},
	{Name: "spring_year_1", Type: int32T},
	{Name: "pupils_1", Type: int64T, Nullable: true},
	{Name: "no_outcome_1", Type: int64T, Nullable: true},
	{Name: "no_enrolment_1", Type: int64T, Nullable: true},
	{Name: "missing_prior_1", Type: int64T, Nullable: true},
	{Name: "unknown_income_1", Type: int64T, Nullable: true},
	{Name: "spring_year_2", Type: int32T},
	{Name: "pupils_2", Type: int64T, Nullable: true},
	{Name: "no_outcome_2", Type: int64T, Nullable: true},
	{Name: "no_enrolment_2", Type: int64T, Nullable: true},
	{Name: "missing_prior_2", Type: int64T, Nullable: true},
	{Name: "unknown_income_2", Type: int64T, Nullable: true},
}, caveatMeta())

// Names of the transform's outputs.
const (
	OutputSchools    = "schools"
	OutputAggregates = "aggregates"
	OutputRuns       = "runs"
)

// Outputs converts r to one record per output (possibly empty), allocated
// from mem (nil: the default allocator). The caller releases them.
func (r *Result) Outputs(mem memory.Allocator) transforms.Outputs {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return transforms.Outputs{
		OutputSchools:    {Records: []arrow.RecordBatch{r.schoolRecord(mem)}},
		OutputAggregates: {Records: []arrow.RecordBatch{r.aggregateRecord(mem)}},
		OutputRuns:       {Records: []arrow.RecordBatch{r.runRecord(mem)}},
	}
}

type rowBuilder struct {
	b *array.RecordBuilder
	i int
}

func (w *rowBuilder) str(v string) {
	w.b.Field(w.i).(*array.StringBuilder).Append(v)
	w.i++
}

func (w *rowBuilder) optStr(v string, ok bool) {
	if ok {
		w.b.Field(w.i).(*array.StringBuilder).Append(v)
	} else {
		w.b.Field(w.i).AppendNull()
	}
	w.i++
}

func (w *rowBuilder) i64(v int, ok bool) {
	if ok {
		w.b.Field(w.i).(*array.Int64Builder).Append(int64(v))
	} else {
		w.b.Field(w.i).AppendNull()
	}
	w.i++
}

func (w *rowBuilder) i32(v int) {
	w.b.Field(w.i).(*array.Int32Builder).Append(int32(v))
	w.i++
}

func (w *rowBuilder) f64(v float64, ok bool) {
	if ok {
		w.b.Field(w.i).(*array.Float64Builder).Append(v)
	} else {
		w.b.Field(w.i).AppendNull()
	}
	w.i++
}

func (r *Result) schoolRecord(mem memory.Allocator) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, SchoolSchema)
	defer b.Release()
	for _, s := range r.Schools {
		w := &rowBuilder{b: b}
		ok := s.Status == "ok"
		w.str(string(s.Level))
		w.str(s.Window.String())
		w.str(s.Model)
		w.str(s.Orgnr)
		w.i64(s.N, ok)
		for _, v := range []float64{s.EffectZ, s.Effect, s.SE, s.Lower, s.Upper} {
			w.f64(v, ok)
		}
		w.optStr(string(s.Class), ok)
		w.f64(s.ShrunkZ, ok && s.HasShrunk)
		w.f64(s.OutcomeZ, ok)
		w.str(s.Status)
		w.optStr(s.Suppression, !ok)
	}
	return b.NewRecordBatch()
}

func (r *Result) aggregateRecord(mem memory.Allocator) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, AggregateSchema)
	defer b.Release()
	for _, a := range r.Aggregates {
		w := &rowBuilder{b: b}
		ok := a.Status == "ok"
		w.str(string(a.Level))
		w.str(a.Window.String())
		w.str(a.Model)
		w.str(a.UnitType)
		w.str(a.UnitCode)
		w.i64(a.N, ok)
		w.i64(a.Schools, ok)
		for _, v := range []float64{a.EffectZ, a.Effect, a.SE, a.Lower, a.Upper} {
			w.f64(v, ok)
		}
		w.optStr(string(a.Class), ok)
		w.str(a.Status)
		w.optStr(a.Suppression, !ok)
	}
	return b.NewRecordBatch()
}

func (r *Result) runRecord(mem memory.Allocator) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, RunSchema)
	defer b.Release()
	for _, run := range r.Runs {
		w := &rowBuilder{b: b}
		ok := run.Published
		w.str(string(run.Level))
		w.str(run.Window.String())
		w.str(run.Model)
		w.i64(run.N, ok)
		w.i64(run.Schools, ok)
		w.str(strings.Join(run.Covariates, ","))
		w.str(strings.Join(run.Dropped, ","))
		w.f64(run.Sigma2, true)
		w.f64(run.Tau2, true)
		w.f64(run.RawSD, true)
		w.f64(run.OutcomeMean, ok) // a national figure: suppressed with the sample total
		for _, c := range run.Cohorts {
			w.i32(c.SpringYear)
			for _, v := range []int{c.Pupils, c.NoOutcome, c.NoEnrolment, c.MissingPrior, c.UnknownIncome} {
				w.i64(v, ok)
			}
		}
	}
	return b.NewRecordBatch()
}
