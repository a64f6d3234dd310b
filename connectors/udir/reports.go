package udir

import (
	"fmt"
	"slices"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
)

// Kind is what a report holds: it decides the stream the report lands in,
// the filters the connector sets and how the pivot's columns are read.
// Several Rapportside codes may share a kind (the two national test
// reports do), and a code the connector does not know can be read as a
// known kind with Config.Kinds, when udir publishes a report under a new
// code.
type Kind string

const (
	KindNationalTests Kind = "national_tests" // Nasjonale prøver, SkoleAarID
	KindGradePoints   Kind = "grade_points"   // Grunnskolepoeng, TidID YYYY06
	KindGrades        Kind = "grades"         // Standpunkt and exam grades per subject, TidID YYYY06
	KindGSI           Kind = "gsi"            // GSI Elever og skoler, TidID YYYY10
	KindAbsence       Kind = "absence"        // Fravær grunnskole (10th grade), TidID YYYY06
)

// Streams, one per kind: each lands in raw.<stream>.
const (
	StreamNationalTests = "udir_national_tests"
	StreamGradePoints   = "udir_grade_points"
	StreamGrades        = "udir_grades"
	StreamGSI           = "udir_gsi"
	StreamAbsence       = "udir_absence"
	// StreamSchoolContribution is the published school contribution
	// (table SkolebidragG), read from the pages found by discovery
	// (discovery.go, discovered.go).
	StreamSchoolContribution = "udir_school_contribution"
	// StreamTransitions is the transitions from grunnskole to upper
	// secondary (table OvergangerG), read from the pages found by the same
	// discovery and landed in the same way.
	StreamTransitions = "udir_transitions"
)

// Stream is the national tests' stream, the one stream of the connector's
// first version.
const Stream = StreamNationalTests

// KnownReports are the Rapportside codes of shared/docs/sources.md §1B
// whose kind the connector knows. The grunnskole school contribution
// (table SkolebidragG) and transitions (table OvergangerG) are not among
// them and are no kind: their Rapportside codes have not been found, so
// the connector finds their pages by their data endpoints
// (Config.SchoolContribution and Config.Transitions, discovery.go) and
// lands them in StreamSchoolContribution and StreamTransitions.
var KnownReports = map[string]Kind{
	"GSK_NP_Geografisk": KindNationalTests,
	"GSK_NP_Geo_Trinn5": KindNationalTests,
	"GSK_GSPoeng":       KindGradePoints,
	"GSK_GSKarakterer":  KindGrades,
	"GSK_Elev_Skol":     KindGSI,
	"GSK_fravaer":       KindAbsence,
}

// DefaultReports are every known report: the national tests of 8th/9th
// and 5th grade, grunnskolepoeng, grades, GSI and absence.
var DefaultReports = []string{"GSK_NP_Geografisk", "GSK_NP_Geo_Trinn5", "GSK_GSPoeng", "GSK_GSKarakterer", "GSK_Elev_Skol", "GSK_fravaer"}

// unitFields are the columns every stream starts with.
var unitFields = []arrow.Field{
	{Name: "school_year", Type: arrow.PrimitiveTypes.Int32},
	{Name: "unit_level", Type: arrow.BinaryTypes.String},
	{Name: "unit_code", Type: arrow.BinaryTypes.String},
	{Name: "unit_name", Type: arrow.BinaryTypes.String},
	{Name: "enhet_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}

// valueFields are the columns every stream ends with.
var valueFields = []arrow.Field{
	{Name: "measure", Type: arrow.BinaryTypes.String},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "status", Type: arrow.BinaryTypes.String},
}

// schemaWith is unit columns, then string columns named dims, then the
// value columns.
func schemaWith(dims ...string) *arrow.Schema {
	fields := slices.Clone(unitFields)
	for _, d := range dims {
		fields = append(fields, arrow.Field{Name: d, Type: arrow.BinaryTypes.String})
	}
	return arrow.NewSchema(append(fields, valueFields...), nil)
}

// Schema is the schema of the national tests (StreamNationalTests).
var Schema = arrow.NewSchema(append(append(slices.Clone(unitFields),
	arrow.Field{Name: "grade", Type: arrow.PrimitiveTypes.Int32},
	arrow.Field{Name: "subject", Type: arrow.BinaryTypes.String}),
	valueFields...), nil)

// Schemas of the other streams: one row per unit, school year, measure
// (and, for grades, subject and grade type).
var (
	GradePointsSchema = schemaWith()
	GradesSchema      = schemaWith("subject_code", "subject_name", "grade_type")
	GSISchema         = schemaWith()
	AbsenceSchema     = schemaWith()
)

// kindSpec is what the connector knows of a kind.
type kindSpec struct {
	stream      string
	description string
	schema      *arrow.Schema
	// measures maps the pivot's measure headers to the measure column
	// (for every kind but the national tests, which have their own).
	measures map[string]string
	// set are filters the connector sets when the report takes them, over
	// the page's defaults (VisAntallPersoner(1) shows absence's count).
	set map[string][]int64
}

var kinds = map[Kind]kindSpec{
	KindNationalTests: {stream: StreamNationalTests, schema: Schema,
		description: "National test results (udir report API), one row per unit, year, grade, subject and measure"},
	KindGradePoints: {stream: StreamGradePoints, schema: GradePointsSchema,
		description: "Grunnskolepoeng (udir report API), one row per unit, year and measure",
		measures:    map[string]string{"Grunnskolepoeng": "grade_points", "Antall elever": "pupils"}},
	KindGrades: {stream: StreamGrades, schema: GradesSchema,
		description: "Mean standpunkt and written exam grades of 10th grade per subject (udir report API), one row per unit, year, subject, grade type and measure",
		measures:    map[string]string{"Snittkarakter": "mean_grade", "Antall elever": "pupils"}},
	KindGSI: {stream: StreamGSI, schema: GSISchema,
		description: "Pupils and schools (GSI, udir report API), one row per unit, year and measure",
		measures: map[string]string{
			"Antall elever": "pupils",
			"Antall elever med individuelt tilrettelagt opplæring/spesialundervisning": "pupils_special_education",
			"Antall elever med forsterket opplæring i norsk":                           "pupils_adapted_norwegian",
			"Antall skoler": "schools",
		}},
	KindAbsence: {stream: StreamAbsence, schema: AbsenceSchema,
		description: "Absence of 10th grade pupils as on the diploma (udir report API), one row per unit, year and measure",
		measures: map[string]string{"Median dager": "median_days", "Median timer": "median_hours",
			"Snitt dager": "mean_days", "Snitt timer": "mean_hours", "Antall elever": "pupils"},
		set: map[string][]int64{"VisAntallPersoner": {1}}},
}

// gradeTypes maps KaraktertypeID ids to the grade_type column, as in the
// microdata contract; other grade types are skipped.
var gradeTypes = map[int64]string{1: "standpunkt", 3: "written_exam"}

// resolveKinds gives each configured report its kind: from extra (the
// config's kinds) first, then KnownReports.
func resolveKinds(reports []string, extra map[string]string) (map[string]Kind, error) {
	out := make(map[string]Kind, len(reports))
	for code, k := range extra {
		if _, ok := kinds[Kind(k)]; !ok {
			return nil, fmt.Errorf("udir: kinds: report %s has kind %q; known kinds are %v", code, k, kindNames())
		}
		if !slices.Contains(reports, code) {
			return nil, fmt.Errorf("udir: kinds: report %s is not among the reports", code)
		}
	}
	for _, code := range reports {
		if k, ok := extra[code]; ok {
			out[code] = Kind(k)
			continue
		}
		k, ok := KnownReports[code]
		if !ok {
			return nil, fmt.Errorf("udir: report %q is not known; give its kind under kinds (one of %v)", code, kindNames())
		}
		out[code] = k
	}
	return out, nil
}

func kindNames() []string {
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, string(k))
	}
	sort.Strings(names)
	return names
}
