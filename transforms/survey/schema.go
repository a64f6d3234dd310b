package survey

import "github.com/apache/arrow-go/v18/arrow"

var (
	utf8     = arrow.BinaryTypes.String
	int32T   = arrow.PrimitiveTypes.Int32
	int64T   = arrow.PrimitiveTypes.Int64
	float64T = arrow.PrimitiveTypes.Float64
)

// ResponsesSchema is what [Compute] reads as responses: the survey_responses
// table of the microdata contract (connectors/microdata), one row per
// respondent and item.
//
// Columns are found by name; their order is free and other columns (such as
// source_file) are ignored. String columns may be string, large_string,
// string_view or dictionary of one of these; integer columns any signed
// integer type. Only class_id, gender and answer may be null. gender is G or
// J; answer null means not answered.
var ResponsesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "respondent_id", Type: utf8},
	{Name: "school_year", Type: int32T},
	{Name: "school_orgnr", Type: utf8},
	{Name: "grade", Type: int32T},
	{Name: "class_id", Type: utf8, Nullable: true},
	{Name: "gender", Type: utf8, Nullable: true},
	{Name: "item_code", Type: utf8},
	{Name: "answer", Type: int32T, Nullable: true},
}, nil)

// SchoolsSchema is what [Compute] reads as schools: one row per school
// (core.schools), with the same type freedom as [ResponsesSchema] and no
// nulls. municipality_code is 4 digits; the county is its first two (as in
// core.schools). A school listed twice must have the same municipality.
var SchoolsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "school_orgnr", Type: utf8},
	{Name: "municipality_code", Type: utf8},
}, nil)

// RespondentSchema is the respondent-level output: one row per respondent,
// school year and index of the group (the indices in codebook order, then
// the bullying index), in input order. It is personal data: it belongs in
// the warehouse's restricted schema only.
//
//   - respondent_id, school_year, school_orgnr, grade, class_id, gender: the
//     respondent's, as in the input (class_id and gender null when not given).
//   - index_code: the index (codebook.Index.Code or codebook.Bullying.Code).
//   - items_answered: the index's items the respondent answered (non-null
//     answer on the scale). For the bullying index, its items answered.
//   - score: the mean of the answered items, reverse-keyed ones counted as
//     lo+hi-a, when items_answered >= the index's min_items; otherwise null
//     (the respondent is left out of that index). For the bullying index:
//     100 when an answer on at least one bullying item is >= the threshold,
//     else 0; null when no bullying item is answered.
var RespondentSchema = arrow.NewSchema([]arrow.Field{
	{Name: "respondent_id", Type: utf8},
	{Name: "school_year", Type: int32T},
	{Name: "school_orgnr", Type: utf8},
	{Name: "grade", Type: int32T},
	{Name: "class_id", Type: utf8, Nullable: true},
	{Name: "gender", Type: utf8, Nullable: true},
	{Name: "index_code", Type: utf8},
	{Name: "items_answered", Type: int32T},
	{Name: "score", Type: float64T, Nullable: true},
}, nil)

// UnitSchema is the aggregate output: one row per school year, unit, grade,
// gender and index with at least one respondent with a score, ordered by
// school_year, unit_type (class, school, municipality, county, nation),
// unit_code, grade ("all" first, then by number), gender (all, G, J) and
// index (codebook order, bullying last).
//
//   - unit_type: class, school, municipality, county or nation.
//   - unit_code: "ORGNR/CLASS_ID" for a class (the school's organisation
//     number, a slash, the input's class_id), the organisation number for a
//     school, the 4-digit municipality code, the 2-digit county code, "0" for
//     the nation. Respondents with a null class_id are in no class.
//   - grade: "all", or the grade as a decimal number ("7").
//   - gender: "all", "G" or "J". Respondents with a null gender count in
//     "all" only.
//   - index_code: as in [RespondentSchema].
//   - n: the respondents with a score; for the bullying index, those who
//     answered at least one bullying item (the share's denominator).
//   - mean: the mean of the respondents' scores; for the bullying index the
//     share 0-100 of those respondents with an answer >= the threshold.
//   - sd: the sample standard deviation (divisor n-1) of the scores (for
//     bullying, of the 0/100 indicator); null when n = 1.
//   - status: "ok", or "suppressed" when n < min_respondents (primary) or
//     when the cell would give a suppressed one by subtraction (secondary,
//     see "Suppression" in the package documentation); then n, mean and sd
//     are null (never 0).
//   - suppression: why a suppressed row is suppressed; null when published.
//     "primary: n < 10"; "secondary: protects <cell>", a cell of the same
//     year and index named as "school 974123456 grade 7 gender J" (or "the
//     respondents of <cell> without a class" / "without a gender"); or
//     "secondary: the suppressed parts of <cell> together have n < 10".
var UnitSchema = arrow.NewSchema([]arrow.Field{
	{Name: "school_year", Type: int32T},
	{Name: "unit_type", Type: utf8},
	{Name: "unit_code", Type: utf8},
	{Name: "grade", Type: utf8},
	{Name: "gender", Type: utf8},
	{Name: "index_code", Type: utf8},
	{Name: "n", Type: int64T, Nullable: true},
	{Name: "mean", Type: float64T, Nullable: true},
	{Name: "sd", Type: float64T, Nullable: true},
	{Name: "status", Type: utf8},
	{Name: "suppression", Type: utf8, Nullable: true},
}, nil)

// IssueSchema lists what the input held that was not used, so nothing is
// dropped silently (lenient mode; strict mode stops instead): one row per
// unknown item code and one per rejected answer, unknown items first (by code), then rejects in
// input order.
//
//   - kind: "unknown_item" (an item_code that is none of the group's items:
//     lenient mode only, all its rows are set aside) or "rejected_answer"
//     (an answer off the item's scale, counted as not answered).
//   - item_code: the item.
//   - rows: unknown_item: the number of rows with that code; rejected_answer: 1.
//   - location: rejected_answer: "FILE row R" (the source_file and
//     source_row of the input, when it has them; else "batch B, row R",
//     1-based, of the responses
//     input; null for unknown_item.
//   - detail: rejected_answer: the reason, with the value and the scale; null
//     for unknown_item.
var IssueSchema = arrow.NewSchema([]arrow.Field{
	{Name: "kind", Type: utf8},
	{Name: "item_code", Type: utf8},
	{Name: "rows", Type: int64T},
	{Name: "location", Type: utf8, Nullable: true},
	{Name: "detail", Type: utf8, Nullable: true},
}, nil)
