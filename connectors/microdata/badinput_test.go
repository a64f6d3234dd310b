package microdata

import (
	"encoding/csv"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// rejected is what a test expects of one connectors.Reject.
type rejected struct {
	row    int64
	column string
	reason string
}

// rr is a RowRef.
func rr(row, line int64) RowRef { return RowRef{Row: row, Line: line} }

const (
	gradeCodes = "value not one of 1,2,3,4,5,6,IV,F,D"
	comma      = `CSV, separator ","`
)

// badCases are the fixtures of testdata/bad with bad rows. The expectations
// are worked out by reading the fixture: row n of a file without quoted line
// breaks is on line n+1.
var badCases = []struct {
	name   string
	dir    string
	table  string
	input  int // data rows in the file
	strict BadInputError
	good   []any // first column of the rows lenient reading keeps
	reject []rejected
}{
	{
		name: "wrong type in CSV", dir: "testdata/bad/csv_types", table: "enrolments", input: 8,
		strict: BadInputError{File: "enrolments.csv", Format: comma, Rows: 6, Problems: []Problem{
			{Column: "grade", Reason: "not an integer", Count: 5, Samples: []RowRef{rr(2, 3), rr(3, 4), rr(4, 5), rr(5, 6), rr(6, 7)}},
			{Column: "school_year", Reason: "not an integer", Count: 1, Samples: []RowRef{rr(8, 9)}},
		}},
		good: []any{"P1", "P7"},
		reject: []rejected{
			{2, "grade", "not an integer"}, {3, "grade", "not an integer"}, {4, "grade", "not an integer"},
			{5, "grade", "not an integer"}, {6, "grade", "not an integer"}, {8, "school_year", "not an integer"},
		},
	},
	{
		name: "unknown code", dir: "testdata/bad/unknown_code", table: "grades", input: 6,
		strict: BadInputError{File: "grades.csv", Format: comma, Rows: 4, Problems: []Problem{
			{Column: "grade", Reason: gradeCodes, Count: 3, Samples: []RowRef{rr(2, 3), rr(4, 5), rr(6, 7)}},
			{Column: "grade_type", Reason: "value not one of standpunkt,written_exam,oral_exam", Count: 1, Samples: []RowRef{rr(3, 4)}},
			{Column: "school_orgnr", Reason: "not 9 digits", Count: 1, Samples: []RowRef{rr(6, 7)}},
		}},
		good: []any{"P1", "P4"},
		reject: []rejected{
			{2, "grade", gradeCodes},
			{3, "grade_type", "value not one of standpunkt,written_exam,oral_exam"},
			{4, "grade", gradeCodes},
			{6, "", "school_orgnr: not 9 digits; grade: " + gradeCodes},
		},
	},
	{
		name: "grade out of range", dir: "testdata/bad/out_of_range", table: "enrolments", input: 7,
		strict: BadInputError{File: "enrolments.csv", Format: comma, Rows: 5, Problems: []Problem{
			{Column: "grade", Reason: "value outside 1..10", Count: 3, Samples: []RowRef{rr(1, 2), rr(3, 4), rr(6, 7)}},
			{Column: "school_year", Reason: "value outside 1990..2100", Count: 2, Samples: []RowRef{rr(4, 5), rr(5, 6)}},
		}},
		good: []any{"P2", "P7"},
		reject: []rejected{
			{1, "grade", "value outside 1..10"}, {3, "grade", "value outside 1..10"},
			{4, "school_year", "value outside 1990..2100"}, {5, "school_year", "value outside 1990..2100"},
			{6, "grade", "value outside 1..10"},
		},
	},
	{
		name: "wrong digit count", dir: "testdata/bad/digits", table: "enrolments", input: 6,
		strict: BadInputError{File: "enrolments.csv", Format: comma, Rows: 5, Problems: []Problem{
			{Column: "school_orgnr", Reason: "not 9 digits", Count: 5, Samples: []RowRef{rr(1, 2), rr(2, 3), rr(3, 4), rr(5, 6), rr(6, 7)}},
		}},
		good: []any{"P4"},
		reject: []rejected{
			{1, "school_orgnr", "not 9 digits"}, {2, "school_orgnr", "not 9 digits"}, {3, "school_orgnr", "not 9 digits"},
			{5, "school_orgnr", "not 9 digits"}, {6, "school_orgnr", "not 9 digits"},
		},
	},
	{
		name: "null in a non-null column", dir: "testdata/bad/null", table: "pupils", input: 5,
		strict: BadInputError{File: "pupils.csv", Format: comma, Rows: 4, Problems: []Problem{
			{Column: "birth_year", Reason: reasonNull, Count: 1, Samples: []RowRef{rr(2, 3)}},
			{Column: "pupil_id", Reason: reasonNull, Count: 1, Samples: []RowRef{rr(3, 4)}},
			{Column: "gender", Reason: reasonNull, Count: 1, Samples: []RowRef{rr(4, 5)}},
			{Column: "parent_education", Reason: reasonNull, Count: 1, Samples: []RowRef{rr(5, 6)}},
		}},
		good: []any{"P1"}, // its household_income is null, which that column allows
		reject: []rejected{
			{2, "birth_year", reasonNull}, {3, "pupil_id", reasonNull}, {4, "gender", reasonNull}, {5, "parent_education", reasonNull},
		},
	},
	{
		name: "national test rules", dir: "testdata/bad/cross", table: "national_tests", input: 7,
		strict: BadInputError{File: "national_tests.csv", Format: comma, Rows: 5, Problems: []Problem{
			{Column: "grade, subject", Reason: "english is not tested in grade 9", Count: 2, Samples: []RowRef{rr(1, 2), rr(6, 7)}},
			{Column: "status, scale_score", Reason: "scale_score missing although status is participated", Count: 1, Samples: []RowRef{rr(3, 4)}},
			{Column: "status, scale_score", Reason: "scale_score set although status is not participated", Count: 1, Samples: []RowRef{rr(4, 5)}},
			// grade 7 fails its own check, so the rule on grade and subject does not run on it
			{Column: "grade", Reason: "value not one of 5,8,9", Count: 1, Samples: []RowRef{rr(7, 8)}},
		}},
		good: []any{"P1", "P4"},
		reject: []rejected{
			{1, "grade, subject", "english is not tested in grade 9"},
			{3, "status, scale_score", "scale_score missing although status is participated"},
			{4, "status, scale_score", "scale_score set although status is not participated"},
			{6, "grade, subject", "english is not tested in grade 9"},
			{7, "grade", "value not one of 5,8,9"},
		},
	},
	{
		name: "school rules", dir: "testdata/bad/cross", table: "schools", input: 4,
		strict: BadInputError{File: "schools.csv", Format: comma, Rows: 3, Problems: []Problem{
			{Column: "grade_from, grade_to", Reason: "grade_from greater than grade_to", Count: 1, Samples: []RowRef{rr(2, 3)}},
			{Column: "public", Reason: "not true or false", Count: 1, Samples: []RowRef{rr(3, 4)}},
			{Column: "municipality_code", Reason: "not 4 digits", Count: 1, Samples: []RowRef{rr(4, 5)}},
		}},
		good: []any{"974123456"},
		reject: []rejected{
			{2, "grade_from, grade_to", "grade_from greater than grade_to"},
			{3, "public", "not true or false"},
			{4, "municipality_code", "not 4 digits"},
		},
	},
	{
		name: "wrong number of fields", dir: "testdata/bad/fields", table: "enrolments", input: 3,
		strict: BadInputError{File: "enrolments.csv", Format: comma, Rows: 2, Problems: []Problem{
			{Reason: "wrong number of fields (the header has 4)", Count: 2, Samples: []RowRef{rr(2, 3), rr(3, 4)}},
		}},
		good: []any{"P1"},
		reject: []rejected{
			{2, "", "wrong number of fields (the header has 4)"}, {3, "", "wrong number of fields (the header has 4)"},
		},
	},
}

func TestBadRowsStrict(t *testing.T) {
	for _, tt := range badCases {
		t.Run(tt.name, func(t *testing.T) {
			res := readTable(t, Config{Dir: tt.dir, Tables: []string{tt.table}}, tt.table)
			bad := badInput(t, res.err)
			if !reflect.DeepEqual(*bad, tt.strict) {
				t.Errorf("error\n got  %+v\n want %+v", *bad, tt.strict)
			}
			// The text names the file, the count, each column and the first rows with their lines.
			msg := bad.Error()
			wants := []string{tt.strict.File + " (", fmt.Sprintf(": %d bad rows. ", tt.strict.Rows)}
			for _, p := range tt.strict.Problems {
				if p.Column != "" {
					wants = append(wants, fmt.Sprintf("column %q: ", p.Column))
				}
				s := p.Samples[0]
				wants = append(wants, fmt.Sprintf("%s in %d row", p.Reason, p.Count), fmt.Sprintf("%d (line %d)", s.Row, s.Line))
			}
			for _, w := range wants {
				if !strings.Contains(msg, w) {
					t.Errorf("error text %q lacks %q", msg, w)
				}
			}
		})
	}
}

func TestBadRowsLenient(t *testing.T) {
	for _, tt := range badCases {
		t.Run(tt.name, func(t *testing.T) {
			res := readTable(t, Config{Dir: tt.dir, Lenient: true, Tables: []string{tt.table}}, tt.table)
			if res.err != nil {
				t.Fatalf("lenient read failed: %v", res.err)
			}
			if got := column(res.rows, 0); !reflect.DeepEqual(got, tt.good) {
				t.Errorf("rows kept %v, want %v", got, tt.good)
			}
			var got []rejected
			for _, r := range res.rejects {
				got = append(got, rejected{r.Row, r.Column, r.Reason})
				if r.Stream != tt.table || r.File != tt.strict.File {
					t.Errorf("reject of row %d: stream %q file %q, want %q %q", r.Row, r.Stream, r.File, tt.table, tt.strict.File)
				}
				if len(r.Values) == 0 {
					t.Errorf("reject of row %d has no raw values", r.Row)
				}
			}
			if !reflect.DeepEqual(got, tt.reject) {
				t.Errorf("rejects\n got  %v\n want %v", got, tt.reject)
			}
			if n := len(res.rows) + len(res.rejects); n != tt.input {
				t.Errorf("%d rows kept + %d rejected = %d, want the %d input rows", len(res.rows), len(res.rejects), n, tt.input)
			}
		})
	}
}

// TestRejectValues checks the raw values of rejected rows: text as in the
// file, nulls left out, fields beyond the header kept.
func TestRejectValues(t *testing.T) {
	res := readTable(t, Config{Dir: "testdata/bad/null", Lenient: true}, "pupils")
	want := map[string]string{"pupil_id": "P2", "gender": "J", "immigrant_background": "none", "parent_education": "primary", "household_income": "100"}
	if len(res.rejects) == 0 || !reflect.DeepEqual(res.rejects[0].Values, want) {
		t.Errorf("values of row 2 of pupils.csv: %+v, want %v", res.rejects, want)
	}
	res = readTable(t, Config{Dir: "testdata/bad/fields", Lenient: true}, "enrolments")
	want = map[string]string{"pupil_id": "P3", "school_year": "2018", "grade": "5", "school_orgnr": "974123456", "(field 5)": "extra"}
	if len(res.rejects) != 2 || !reflect.DeepEqual(res.rejects[1].Values, want) {
		t.Errorf("values of row 3 of enrolments.csv: %+v, want %v", res.rejects, want)
	}
	res = readTable(t, Config{Dir: "testdata/bad/csv_types", Lenient: true}, "enrolments")
	if len(res.rejects) < 2 || res.rejects[1].Values["grade"] != " 5" {
		t.Errorf("the raw grade of row 3 of enrolments.csv is not kept as written: %+v", res.rejects)
	}
}

func TestStructuralProblems(t *testing.T) {
	tests := []struct {
		name    string
		dir     string
		table   string
		files   map[string]string // written into a temporary dir when dir is ""
		problem []Problem
	}{
		{
			name: "missing column", dir: "testdata/bad/missing_column", table: "grades",
			problem: []Problem{{Column: "grade", Reason: "missing column"}},
		},
		{
			name: "unexpected column", dir: "testdata/bad/unexpected_column", table: "enrolments",
			problem: []Problem{{Column: "comment", Reason: "unexpected column: not in the contract of table enrolments (columns: pupil_id, school_year, grade, school_orgnr)"}},
		},
		{
			name: "column twice", table: "enrolments",
			files:   map[string]string{"enrolments.csv": "pupil_id,school_year,grade,grade,school_orgnr\nP1,2018,5,5,974123456\n"},
			problem: []Problem{{Column: "grade", Reason: "appears more than once"}},
		},
		{
			name: "nameless column and wrong case", table: "enrolments",
			files: map[string]string{"enrolments.csv": "pupil_id,School_year,grade,school_orgnr,\nP1,2018,5,974123456,\n"},
			problem: []Problem{
				{Column: "School_year", Reason: "unexpected column: not in the contract of table enrolments (columns: pupil_id, school_year, grade, school_orgnr)"},
				{Reason: "column 5 has no name"},
				{Column: "school_year", Reason: "missing column"},
			},
		},
		{
			name: "tab separated", table: "enrolments",
			files: map[string]string{"enrolments.csv": "pupil_id\tschool_year\tgrade\tschool_orgnr\nP1\t2018\t5\t974123456\n"},
			problem: []Problem{
				{Column: "pupil_id\tschool_year\tgrade\tschool_orgnr", Reason: "unexpected column: not in the contract of table enrolments (columns: pupil_id, school_year, grade, school_orgnr)"},
				{Column: "pupil_id", Reason: "missing column"}, {Column: "school_year", Reason: "missing column"},
				{Column: "grade", Reason: "missing column"}, {Column: "school_orgnr", Reason: "missing column"},
			},
		},
	}
	for _, tt := range tests {
		for _, lenient := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/lenient=%v", tt.name, lenient), func(t *testing.T) {
				dir := tt.dir
				if dir == "" {
					dir = t.TempDir()
					for name, content := range tt.files {
						write(t, dir, name, content)
					}
				}
				res := readTable(t, Config{Dir: dir, Lenient: lenient}, tt.table)
				bad := badInput(t, res.err)
				want := BadInputError{File: tt.table + ".csv", Format: comma, Problems: tt.problem}
				if !reflect.DeepEqual(*bad, want) {
					t.Errorf("error\n got  %+v\n want %+v", *bad, want)
				}
				if len(res.rows) != 0 || len(res.rejects) != 0 {
					t.Errorf("%d rows and %d rejects from a file that fails as a whole", len(res.rows), len(res.rejects))
				}
			})
		}
	}
}

func TestStructuralErrorText(t *testing.T) {
	res := readTable(t, Config{Dir: "testdata/bad/missing_column"}, "grades")
	if want := `grades.csv (CSV, separator ","): column "grade": missing column`; res.err == nil || res.err.Error() != want {
		t.Errorf("error %v\nwant  %s", res.err, want)
	}
}

func TestMalformedCSV(t *testing.T) {
	for _, lenient := range []bool{false, true} {
		res := readTable(t, Config{Dir: "testdata/bad/malformed", Lenient: lenient}, "enrolments")
		bad := badInput(t, res.err)
		var perr *csv.ParseError
		if !errors.As(bad, &perr) || perr.Line != 3 {
			t.Fatalf("lenient=%v: %v, want a CSV parse error on line 3", lenient, bad)
		}
		if want := `enrolments.csv (CSV, separator ","): not readable: parse error on line 3`; !strings.HasPrefix(bad.Error(), want) {
			t.Errorf("error %q, want it to start with %q", bad.Error(), want)
		}
		if len(res.rejects) != 0 {
			t.Errorf("rejects from an unreadable file: %v", res.rejects)
		}
	}
}

// TestErrorTextMany checks the full text of a file with more bad rows than
// are listed: the first 10 of a kind, then "...".
func TestErrorTextMany(t *testing.T) {
	var b strings.Builder
	b.WriteString("pupil_id,school_year,school_orgnr,subject_code,grade_type,grade\n")
	for row := 1; row <= 100; row++ {
		grade, orgnr := "4", "974123456"
		if row%2 == 1 && row <= 69 {
			grade = "A" // rows 1, 3, ..., 69: 35 rows
		}
		if row == 14 || row == 88 {
			orgnr = "97412345"
		}
		fmt.Fprintf(&b, "P%d,2023,%s,NOR0214,standpunkt,%s\n", row, orgnr, grade)
	}
	dir := t.TempDir()
	write(t, dir, "grades.csv", b.String())
	res := readTable(t, Config{Dir: dir}, "grades")
	want := `grades.csv (CSV, separator ","): 37 bad rows. column "grade": value not one of 1,2,3,4,5,6,IV,F,D in 35 rows, ` +
		`first rows 1 (line 2), 3 (line 4), 5 (line 6), 7 (line 8), 9 (line 10), 11 (line 12), 13 (line 14), 15 (line 16), 17 (line 18), 19 (line 20), ...; ` +
		`column "school_orgnr": not 9 digits in 2 rows: 14 (line 15), 88 (line 89)`
	if res.err == nil || res.err.Error() != want {
		t.Errorf("error\n %v\nwant\n %s", res.err, want)
	}
}

// TestErrorTextShapes covers the shapes the reader does not produce itself:
// rows without line numbers (Parquet, or checks after landing) and a
// structural problem with an underlying error.
func TestErrorTextShapes(t *testing.T) {
	tests := []struct {
		err  BadInputError
		want string
	}{
		{
			BadInputError{File: "enrolments.parquet", Rows: 2, Problems: []Problem{
				{Column: "pupil_id, school_year", Reason: "duplicate key", Count: 2, Samples: []RowRef{{Row: 3}, {Row: 9}}},
			}},
			`enrolments.parquet: 2 bad rows. column "pupil_id, school_year": duplicate key in 2 rows: 3, 9`,
		},
		{
			BadInputError{File: "p/a.parquet", Format: "Parquet", Rows: 1, Problems: []Problem{
				{Column: "grade", Reason: "value outside 1..10", Count: 1, Samples: []RowRef{{Row: 1}}},
			}},
			`p/a.parquet (Parquet): 1 bad row. column "grade": value outside 1..10 in 1 row: 1`,
		},
		{
			BadInputError{File: "grades.parquet", Format: "Parquet", Problems: []Problem{{Reason: "not readable"}}, Err: errors.New("invalid magic")},
			`grades.parquet (Parquet): not readable: invalid magic`,
		},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error()\n got  %s\n want %s", got, tt.want)
		}
	}
}
