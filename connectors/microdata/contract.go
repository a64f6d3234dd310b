// Package microdata is the file connector for pupil-level data: the tables of
// shared/spec/microdata.md, read from CSV or Parquet into typed Arrow records.
//
// This file holds the contract itself (tables, columns, codes, keys). The
// simulator writes files that satisfy it, the reader checks files against it,
// and the warehouse creates its restricted tables from it. Column names and
// codes are a public interface: change them only with a migration note.
package microdata

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// Kind is the logical type of a column. Files may use any physical type that
// holds the logical type without loss (int8..int64 for Int, string or
// large_string or dictionary<string> for String); anything else is bad input.
type Kind int

const (
	String Kind = iota
	Int
	Float
	Bool
)

func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Int:
		return "int"
	case Float:
		return "float"
	case Bool:
		return "bool"
	}
	return "unknown"
}

// Column describes one column of a table.
type Column struct {
	Name     string
	Kind     Kind
	Nullable bool
	// Allowed, when not empty, lists every value a String column may hold.
	Allowed []string
	// Min and Max bound an Int column (inclusive) when Max > Min.
	Min, Max int64
	// AllowedInts, when not empty, lists every value an Int column may hold.
	AllowedInts []int64
	// Digits, when > 0, requires a String column to be exactly this many ASCII digits.
	Digits int
	// Description is written into the warehouse as the column comment.
	Description string
}

// Reference says that the values of Columns must exist in table To's key.
type Reference struct {
	Columns []string
	To      string
}

// Table describes one microdata file.
type Table struct {
	Name        string
	Description string
	Columns     []Column
	// Key lists the columns that identify a row; a repeated key is bad input.
	Key []string
	// References lists foreign keys checked after all tables are read.
	References []Reference
	// Optional tables may be absent from an input folder.
	Optional bool
}

// Codes used in several tables.
var (
	Genders               = []string{"G", "J"}
	ImmigrantBackgrounds  = []string{"none", "immigrant", "norwegian_born_to_immigrants"}
	ParentEducations      = []string{"primary", "upper_secondary", "higher_short", "higher_long", "unknown"}
	TestSubjects          = []string{"english", "reading", "numeracy"}
	TestStatuses          = []string{"participated", "exempt", "absent"}
	GradeTypes            = []string{"standpunkt", "written_exam", "oral_exam"}
	GradeValues           = []string{"1", "2", "3", "4", "5", "6", "IV", "F", "D"}
	NationalTestGrades    = []int64{5, 8, 9}
	schoolYearMin         = int64(1990)
	schoolYearMax         = int64(2100)
	householdIncomeMaxNOK = int64(1_000_000_000)
)

// Tables is the contract, in the order files are read and loaded.
var Tables = []Table{
	{
		Name:        "schools",
		Description: "Schools (normally from the NSR connector; a file may stand in).",
		Columns: []Column{
			{Name: "school_orgnr", Kind: String, Digits: 9, Description: "Organisation number of the school (9 digits)."},
			{Name: "name", Kind: String, Description: "School name."},
			{Name: "municipality_code", Kind: String, Digits: 4, Description: "Municipality code in the classification of valid_year."},
			{Name: "public", Kind: Bool, Description: "True for a public (municipal) school, false for a private one."},
			{Name: "grade_from", Kind: Int, Min: 1, Max: 10, Description: "Lowest grade taught."},
			{Name: "grade_to", Kind: Int, Min: 1, Max: 10, Description: "Highest grade taught."},
			{Name: "valid_year", Kind: Int, Min: schoolYearMin, Max: schoolYearMax, Description: "Year whose municipality codes are used."},
		},
		Key: []string{"school_orgnr"},
	},
	{
		Name:        "pupils",
		Description: "Pupils with their background (pseudonymous ids, stable over years).",
		Columns: []Column{
			{Name: "pupil_id", Kind: String, Description: "Pseudonymous pupil id, stable over years."},
			{Name: "birth_year", Kind: Int, Min: 1970, Max: schoolYearMax, Description: "Year of birth."},
			{Name: "gender", Kind: String, Allowed: Genders, Description: "G boy, J girl."},
			{Name: "immigrant_background", Kind: String, Allowed: ImmigrantBackgrounds, Description: "none, immigrant or norwegian_born_to_immigrants."},
			{Name: "parent_education", Kind: String, Allowed: ParentEducations, Description: "Highest education of the parents."},
			{Name: "household_income", Kind: Int, Nullable: true, Min: 0, Max: householdIncomeMaxNOK, Description: "Household income, NOK per year; null when unknown."},
		},
		Key: []string{"pupil_id"},
	},
	{
		Name:        "enrolments",
		Description: "The school each pupil attended on the count date (1 October) of each school year.",
		Columns: []Column{
			{Name: "pupil_id", Kind: String, Description: "Pupil id."},
			{Name: "school_year", Kind: Int, Min: schoolYearMin, Max: schoolYearMax, Description: "Autumn year of the school year (2018 = 2018-19)."},
			{Name: "grade", Kind: Int, Min: 1, Max: 10, Description: "Grade (trinn) 1-10."},
			{Name: "school_orgnr", Kind: String, Digits: 9, Description: "School attended on 1 October."},
		},
		Key:        []string{"pupil_id", "school_year"},
		References: []Reference{{Columns: []string{"pupil_id"}, To: "pupils"}, {Columns: []string{"school_orgnr"}, To: "schools"}},
	},
	{
		Name:        "national_tests",
		Description: "National test results (grades 5, 8 and 9).",
		Columns: []Column{
			{Name: "pupil_id", Kind: String, Description: "Pupil id."},
			{Name: "school_year", Kind: Int, Min: schoolYearMin, Max: schoolYearMax, Description: "Autumn year of the school year of the test."},
			{Name: "grade", Kind: Int, AllowedInts: NationalTestGrades, Description: "Grade of the test: 5, 8 or 9."},
			{Name: "subject", Kind: String, Allowed: TestSubjects, Description: "english, reading or numeracy."},
			{Name: "school_orgnr", Kind: String, Digits: 9, Description: "School where the test was taken."},
			{Name: "status", Kind: String, Allowed: TestStatuses, Description: "participated, exempt or absent."},
			{Name: "scale_score", Kind: Float, Nullable: true, Description: "Scale score (national mean 50, SD 10); set when participated."},
		},
		Key:        []string{"pupil_id", "school_year", "grade", "subject"},
		References: []Reference{{Columns: []string{"pupil_id"}, To: "pupils"}, {Columns: []string{"school_orgnr"}, To: "schools"}},
	},
	{
		Name:        "grades",
		Description: "Final grades of grade 10 (standpunkt and exams).",
		Columns: []Column{
			{Name: "pupil_id", Kind: String, Description: "Pupil id."},
			{Name: "school_year", Kind: Int, Min: schoolYearMin, Max: schoolYearMax, Description: "Autumn year of the pupil's grade-10 school year."},
			{Name: "school_orgnr", Kind: String, Digits: 9, Description: "School that awarded the grade."},
			{Name: "subject_code", Kind: String, Description: "Subject code, e.g. NOR0214, MAT0010, ENG0012."},
			{Name: "grade_type", Kind: String, Allowed: GradeTypes, Description: "standpunkt, written_exam or oral_exam."},
			{Name: "grade", Kind: String, Allowed: GradeValues, Description: "1-6, or IV (not assessed), F (exempt), D (participated)."},
		},
		Key:        []string{"pupil_id", "school_year", "subject_code", "grade_type"},
		References: []Reference{{Columns: []string{"pupil_id"}, To: "pupils"}, {Columns: []string{"school_orgnr"}, To: "schools"}},
	},
	{
		Name:        "survey_responses",
		Description: "Pupil survey answers, one row per respondent and item.",
		Optional:    true,
		Columns: []Column{
			{Name: "respondent_id", Kind: String, Description: "Respondent id (not linkable to pupil_id)."},
			{Name: "school_year", Kind: Int, Min: schoolYearMin, Max: schoolYearMax, Description: "Autumn year of the survey's school year."},
			{Name: "school_orgnr", Kind: String, Digits: 9, Description: "School of the respondent."},
			{Name: "grade", Kind: Int, Min: 1, Max: 13, Description: "Grade of the respondent."},
			{Name: "class_id", Kind: String, Nullable: true, Description: "Class or group within the school."},
			{Name: "gender", Kind: String, Nullable: true, Allowed: Genders, Description: "G or J; null when not given."},
			{Name: "item_code", Kind: String, Description: "Item code as in the codebook."},
			{Name: "answer", Kind: Int, Nullable: true, Min: 1, Max: 99, Description: "Answer on the item's scale; null = not answered."},
		},
		Key:        []string{"respondent_id", "school_year", "item_code"},
		References: []Reference{{Columns: []string{"school_orgnr"}, To: "schools"}},
	},
}

// Lookup returns the table named name.
func Lookup(name string) (Table, bool) {
	for _, t := range Tables {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

// Column returns the column named name.
func (t Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// ArrowType is the canonical Arrow type of a column: what the reader produces
// and what the simulator writes.
func (c Column) ArrowType() arrow.DataType {
	switch c.Kind {
	case Int:
		if c.Name == "household_income" {
			return arrow.PrimitiveTypes.Int64
		}
		return arrow.PrimitiveTypes.Int32
	case Float:
		return arrow.PrimitiveTypes.Float64
	case Bool:
		return arrow.FixedWidthTypes.Boolean
	default:
		return arrow.BinaryTypes.String
	}
}

// Schema is the canonical Arrow schema of the table's columns.
func (t Table) Schema() *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		fields[i] = arrow.Field{Name: c.Name, Type: c.ArrowType(), Nullable: c.Nullable}
	}
	return arrow.NewSchema(fields, nil)
}
