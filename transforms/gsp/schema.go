package gsp

import "github.com/apache/arrow-go/v18/arrow"

var (
	utf8     = arrow.BinaryTypes.String
	int32T   = arrow.PrimitiveTypes.Int32
	int64T   = arrow.PrimitiveTypes.Int64
	float64T = arrow.PrimitiveTypes.Float64
	boolT    = arrow.FixedWidthTypes.Boolean
)

// InputSchema is what [Compute] reads: one row per final grade of a pupil in
// grade 10 (the grades table of the microdata contract), joined with the
// pupil's gender and the grade's school's owner, municipality and county.
//
// Columns are found by name, so their order is free and extra columns are
// ignored; each named column must have exactly this type. A null in any of
// them is an error. Values: school_year the autumn year; grade_type
// standpunkt, written_exam or oral_exam; grade 1-6, IV, F or D; gender G or J;
// public true for a public (municipal) school. One school has one owner,
// municipality and county in a school year, and one municipality one county.
var InputSchema = arrow.NewSchema([]arrow.Field{
	{Name: "pupil_id", Type: utf8},
	{Name: "school_year", Type: int32T},
	{Name: "school_orgnr", Type: utf8},
	{Name: "subject_code", Type: utf8},
	{Name: "grade_type", Type: utf8},
	{Name: "grade", Type: utf8},
	{Name: "gender", Type: utf8},
	{Name: "public", Type: boolT},
	{Name: "municipality_code", Type: utf8},
	{Name: "county_code", Type: utf8},
}, nil)

// PupilSchema is the pupil-level output: one row per pupil and school year,
// ordered by school_year then pupil_id. It is personal data: it belongs in
// the warehouse's restricted schema only.
//
// school_orgnr is the pupil's school that year (see [Compute]); gender,
// public, municipality_code and county_code go with it. n_subjects counts the
// distinct subjects on the diploma, n_subjects_numeric those with at least one
// numeric grade, n_grades_numeric and sum_grades the numeric grades (1-6) over
// all subjects and grade types. gsp is null when the pupil gets no points, and
// excluded_reason is null when the pupil does.
var PupilSchema = arrow.NewSchema([]arrow.Field{
	{Name: "pupil_id", Type: utf8},
	{Name: "school_year", Type: int32T},
	{Name: "school_orgnr", Type: utf8},
	{Name: "gender", Type: utf8},
	{Name: "public", Type: boolT},
	{Name: "municipality_code", Type: utf8},
	{Name: "county_code", Type: utf8},
	{Name: "n_subjects", Type: int32T},
	{Name: "n_subjects_numeric", Type: int32T},
	{Name: "n_grades_numeric", Type: int32T},
	{Name: "sum_grades", Type: int32T},
	{Name: "gsp", Type: float64T, Nullable: true},
	{Name: "excluded_reason", Type: utf8, Nullable: true},
}, nil)

// AggregateSchema is the published output: one row per unit and subgroup
// with at least one pupil with points, ordered by school_year, unit_type
// (school, municipality, county, nation), unit_code and subgroup (all, G, J,
// public, private).
//
// unit_code is the orgnr, municipality code, county code, or "0" for the
// nation. subgroup_type is all, gender or owner; owner rows exist for
// municipality, county and nation only. n counts the pupils with points; mean
// is their unrounded mean gsp; sd the sample standard deviation (n - 1), null
// when n < 2. status is ok or suppressed; a suppressed row has n, mean and sd
// null and suppression saying why ("primary: n < 10" or "secondary: protects
// <cell>", a cell named as "school 974123456 gender J", "municipality 0301",
// "nation 0 owner private").
var AggregateSchema = arrow.NewSchema([]arrow.Field{
	{Name: "school_year", Type: int32T},
	{Name: "unit_type", Type: utf8},
	{Name: "unit_code", Type: utf8},
	{Name: "subgroup_type", Type: utf8},
	{Name: "subgroup", Type: utf8},
	{Name: "n", Type: int64T, Nullable: true},
	{Name: "mean", Type: float64T, Nullable: true},
	{Name: "sd", Type: float64T, Nullable: true},
	{Name: "status", Type: utf8},
	{Name: "suppression", Type: utf8, Nullable: true},
}, nil)
