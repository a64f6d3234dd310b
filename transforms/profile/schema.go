package profile

import "github.com/apache/arrow-go/v18/arrow"

var (
	utf8     = arrow.BinaryTypes.String
	int32T   = arrow.PrimitiveTypes.Int32
	float64T = arrow.PrimitiveTypes.Float64
	boolT    = arrow.FixedWidthTypes.Boolean
)

// NotProfiled is the profile column of a school missing a window.
const NotProfiled = "not_profiled"

// ProfileSchema is one row per [SchoolProfile], in [Result.Schools] order.
//
// profile is [Profile.String] ("none", "P1", "P1+P2", "P1+P2+P3", "P3",
// "P4", ...) for a complete school and "not_profiled" for one missing a
// window; p1..p4 say the same as booleans (all false when not profiled).
// windows counts the configured windows with an effect. mean_effect and
// slope (effect units per year) are null when not profiled. n_pupils is the
// pupils in the latest window, null when that window is missing.
// missing_facts is null when not profiled.
var ProfileSchema = arrow.NewSchema([]arrow.Field{
	{Name: "school_orgnr", Type: utf8},
	{Name: "level", Type: utf8},
	{Name: "profile", Type: utf8},
	{Name: "p1", Type: boolT},
	{Name: "p2", Type: boolT},
	{Name: "p3", Type: boolT},
	{Name: "p4", Type: boolT},
	{Name: "mean_effect", Type: float64T, Nullable: true},
	{Name: "slope", Type: float64T, Nullable: true},
	{Name: "windows", Type: int32T},
	{Name: "n_pupils", Type: int32T, Nullable: true},
	{Name: "missing_facts", Type: boolT, Nullable: true},
}, nil)

// CountSchema is one row per [Count], in [Result.Counts] order: category is
// schools, complete, incomplete, missing_facts, P1, P2, P3, P4 or none.
var CountSchema = arrow.NewSchema([]arrow.Field{
	{Name: "level", Type: utf8},
	{Name: "category", Type: utf8},
	{Name: "n_schools", Type: int32T},
}, nil)

// RepresentativeSchema is one row per [Representative]: level, profile
// (P1..P4), the school picked (school_orgnr; null when none passes the size
// rule, and then mean_effect, slope and n_pupils are null too), the number
// of schools meeting the profile (candidates) and of those passing the size
// rule (eligible).
var RepresentativeSchema = arrow.NewSchema([]arrow.Field{
	{Name: "level", Type: utf8},
	{Name: "profile", Type: utf8},
	{Name: "school_orgnr", Type: utf8, Nullable: true},
	{Name: "mean_effect", Type: float64T, Nullable: true},
	{Name: "slope", Type: float64T, Nullable: true},
	{Name: "n_pupils", Type: int32T, Nullable: true},
	{Name: "candidates", Type: int32T},
	{Name: "eligible", Type: int32T},
}, nil)

// StabilitySchema is one row per [StabilityRow]. window_label and
// to_window_label are window labels ("2018+2019"; not "window", a reserved
// word in SQL); to_level and to_window_label are null for reliability. r is null unless the row is a correlation and defined;
// mean_se2, var_effect, noise_share and reliability are null unless the row
// is a defined reliability.
var StabilitySchema = arrow.NewSchema([]arrow.Field{
	{Name: "measure", Type: utf8},
	{Name: "level", Type: utf8},
	{Name: "window_label", Type: utf8},
	{Name: "to_level", Type: utf8, Nullable: true},
	{Name: "to_window_label", Type: utf8, Nullable: true},
	{Name: "n_schools", Type: int32T},
	{Name: "r", Type: float64T, Nullable: true},
	{Name: "mean_se2", Type: float64T, Nullable: true},
	{Name: "var_effect", Type: float64T, Nullable: true},
	{Name: "noise_share", Type: float64T, Nullable: true},
	{Name: "reliability", Type: float64T, Nullable: true},
}, nil)
