package microdata

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The values of the files in testdata/good, written out by hand.
var goodRows = map[string][][]any{
	"schools": { // ',' separated; quoted separator, doubled quote, quoted line break; bools in three spellings
		{"974123456", "Bakken skole", "0301", true, int32(1), int32(7), int32(2024), "schools.csv", int64(1)},
		{"974123457", "Berg skole, avd. Nord", "0301", false, int32(8), int32(10), int32(2024), "schools.csv", int64(2)},
		{"974123458", `Elvebakken "ungdomsskole"`, "4601", true, int32(1), int32(10), int32(2024), "schools.csv", int64(3)},
		{"974123459", "Fjell\nskole", "5001", false, int32(5), int32(5), int32(2024), "schools.csv", int64(4)},
	},
	"pupils": { // BOM, ';' separated, CRLF, a padded header name, a quoted ';', an empty (null) income
		{"P0001", int32(2008), "G", "none", "higher_long", int64(850000), "pupils.csv", int64(1)},
		{"P0002", int32(2008), "J", "immigrant", "primary", nil, "pupils.csv", int64(2)},
		{"P;0003", int32(2009), "J", "norwegian_born_to_immigrants", "unknown", int64(0), "pupils.csv", int64(3)},
		{"P0004", int32(2009), "G", "none", "upper_secondary", int64(1_000_000_000), "pupils.csv", int64(4)},
	},
	"grades": { // columns in reverse order in the file
		{"P0001", int32(2023), "974123456", "NOR0214", "standpunkt", "5", "grades.csv", int64(1)},
		{"P0001", int32(2023), "974123456", "MAT0010", "written_exam", "IV", "grades.csv", int64(2)},
		{"P0002", int32(2023), "974123457", "ENG0012", "oral_exam", "D", "grades.csv", int64(3)},
	},
	"national_tests": { // floats in several notations, null scores
		{"P0001", int32(2018), int32(5), "english", "974123456", "participated", 51.5, "national_tests.csv", int64(1)},
		{"P0001", int32(2021), int32(8), "reading", "974123456", "participated", 42.5, "national_tests.csv", int64(2)},
		{"P0002", int32(2022), int32(9), "numeracy", "974123457", "exempt", nil, "national_tests.csv", int64(3)},
		{"P0002", int32(2022), int32(9), "reading", "974123457", "absent", nil, "national_tests.csv", int64(4)},
		{"P0003", int32(2018), int32(5), "numeracy", "974123458", "participated", 60.0, "national_tests.csv", int64(5)},
	},
}

func TestCSVRoundTrip(t *testing.T) {
	for table, want := range goodRows {
		for _, lenient := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/lenient=%v", table, lenient), func(t *testing.T) {
				res := readTable(t, Config{Dir: "testdata/good", Lenient: lenient}, table)
				if res.err != nil {
					t.Fatal(res.err)
				}
				equalRows(t, res.rows, want)
				if len(res.rejects) != 0 {
					t.Errorf("rejects %+v, want none", res.rejects)
				}
			})
		}
	}
}

// TestFixtureBytes guards the properties the round trip relies on, in case
// an editor or a line-ending conversion rewrites the fixtures.
func TestFixtureBytes(t *testing.T) {
	pupils, err := os.ReadFile("testdata/good/pupils.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pupils, []byte("\xef\xbb\xbf")) || bytes.Count(pupils, []byte("\r\n")) != 5 || !bytes.Contains(pupils, []byte(`"P;0003"`)) {
		t.Errorf("testdata/good/pupils.csv lost its BOM, CRLF line ends or quoted separator")
	}
	schools, err := os.ReadFile("testdata/good/schools.csv")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(schools, []byte("\r")) || !bytes.Contains(schools, []byte("\"Fjell\nskole\"")) {
		t.Errorf("testdata/good/schools.csv lost its LF line ends or quoted line break")
	}
}

func TestCSVGzip(t *testing.T) {
	plain, err := os.ReadFile("testdata/good/grades.csv")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(plain)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "grades.csv.gz"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	res := readTable(t, Config{Dir: dir}, "grades")
	if res.err != nil {
		t.Fatal(res.err)
	}
	var want [][]any
	for _, r := range goodRows["grades"] {
		w := append([]any(nil), r...)
		w[len(w)-2] = "grades.csv.gz"
		want = append(want, w)
	}
	equalRows(t, res.rows, want)

	// A truncated gzip stream is bad input, not a short table.
	if err := os.WriteFile(filepath.Join(dir, "grades.csv.gz"), buf.Bytes()[:buf.Len()-6], 0o644); err != nil {
		t.Fatal(err)
	}
	res = readTable(t, Config{Dir: dir}, "grades")
	bad := badInput(t, res.err)
	if bad.File != "grades.csv.gz" || !strings.Contains(bad.Error(), "not readable") {
		t.Errorf("truncated gzip: %v, want grades.csv.gz not readable", bad)
	}
}

func TestDetectSeparator(t *testing.T) {
	tests := []struct {
		header string
		want   rune
	}{
		{"a,b,c\n1;2;3\n", ','},
		{"a;b;c\r\n1,2,3\r\n", ';'},
		{`"a,b";c;d` + "\n", ';'},                       // the quoted comma does not count
		{`"a;b;c",d` + "\n", ','},                       // nor do quoted semicolons
		{"a;b,c", ','},                                  // a tie, and no line end
		{"single\n", ','},                               // no separator at all
		{"", ','},                                       // empty input
		{"x;" + strings.Repeat("y", 10000) + "\n", ';'}, // longer than the first peek
	}
	for _, tt := range tests {
		got, err := detectSeparator(bufio.NewReaderSize(strings.NewReader(tt.header), maxHeaderLine))
		if err != nil || got != tt.want {
			t.Errorf("detectSeparator(%.20q) = %q, %v; want %q", tt.header, got, err, tt.want)
		}
	}
	_, err := detectSeparator(bufio.NewReaderSize(strings.NewReader(strings.Repeat("a", maxHeaderLine+1)), maxHeaderLine))
	if err == nil || !strings.Contains(err.Error(), "header line longer than") {
		t.Errorf("a 64 KiB header line: %v, want an error", err)
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"5", 5, true},
		{"-12", -12, true},
		{"007", 7, true},
		{"2147483648", 2147483648, true},
		{"99999999999999999999", math.MaxInt64, true}, // saturates; the range check rejects it
		{"-99999999999999999999", math.MinInt64, true},
		{"5.0", 0, false},
		{" 5", 0, false},
		{"5 ", 0, false},
		{"5e0", 0, false},
		{"0x5", 0, false},
		{"+5", 0, false},
		{"1_000", 0, false},
		{"-", 0, false},
		{"٥", 0, false}, // Arabic-Indic five
	}
	for _, tt := range tests {
		got, ok := parseInt(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("parseInt(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseFloat(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"51.5", 51.5, true},
		{"-0.25", -0.25, true},
		{"60", 60, true},
		{"4.25e1", 42.5, true},
		{"425E-1", 42.5, true},
		{".5", 0.5, true},
		{"5.", 5, true},
		{"1e999", math.Inf(1), true}, // parses; the column check rejects infinity
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"0x1p-2", 0, false},
		{"1_0.5", 0, false},
		{"5,5", 0, false},
		{" 5", 0, false},
		{".", 0, false},
		{"e5", 0, false},
		{"5e", 0, false},
		{"+5", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseFloat(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("parseFloat(%q) = %g, %v; want %g, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCSVEmptyAndHeaderOnly(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "grades.csv", "")
	res := readTable(t, Config{Dir: dir}, "grades")
	bad := badInput(t, res.err)
	if bad.File != "grades.csv" || !strings.Contains(bad.Error(), "no header row") {
		t.Errorf("empty file: %v", bad)
	}

	write(t, dir, "grades.csv", "pupil_id,school_year,school_orgnr,subject_code,grade_type,grade\r\n")
	res = readTable(t, Config{Dir: dir}, "grades")
	if res.err != nil || len(res.rows) != 0 || len(res.records) != 0 {
		t.Errorf("header only: %d rows in %d records, err %v; want none", len(res.rows), len(res.records), res.err)
	}
}

func TestCSVInvalidUTF8(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "grades.csv", "pupil_id,school_year,school_orgnr,subject_code,grade_type,grade\n"+
		"P1,2023,974123456,NOR0214,standpunkt,4\n"+
		"P\xff2,2023,974123456,NOR0214,standpunkt,4\n")
	res := readTable(t, Config{Dir: dir}, "grades")
	bad := badInput(t, res.err)
	want := []Problem{{Column: "pupil_id", Reason: "not valid UTF-8", Count: 1, Samples: []RowRef{{Row: 2, Line: 3}}}}
	if bad.Rows != 1 || fmt.Sprint(bad.Problems) != fmt.Sprint(want) {
		t.Errorf("problems %+v, want %+v", bad.Problems, want)
	}
}

// TestRecordSize reads 250,000 rows from two part files: records hold
// 122,880 rows whatever the file boundaries, and every row keeps its file
// and row number. A few bad rows deep in the second file are all counted.
func TestRecordSize(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "enrolments"), 0o755); err != nil {
		t.Fatal(err)
	}
	const n1, n2 = 100_000, 150_000
	badRows := map[int]bool{140_000: true, 149_999: true, 150_000: true} // rows of part b
	var a, b strings.Builder
	a.WriteString("pupil_id,school_year,grade,school_orgnr\n")
	for i := 1; i <= n1; i++ {
		fmt.Fprintf(&a, "A%d,2020,%d,974123456\n", i, i%10+1)
	}
	b.WriteString("school_orgnr;grade;school_year;pupil_id\n")
	for i := 1; i <= n2; i++ {
		grade := i%10 + 1
		if badRows[i] {
			grade = 11
		}
		fmt.Fprintf(&b, "974123457;%d;2021;B%d\n", grade, i)
	}
	write(t, dir, "enrolments/a.csv", a.String())
	write(t, dir, "enrolments/b.csv", b.String())

	res := readTable(t, Config{Dir: dir, Lenient: true}, "enrolments")
	if res.err != nil {
		t.Fatal(res.err)
	}
	good := n1 + n2 - len(badRows)
	if want := []int64{batchRows, batchRows, int64(good - 2*batchRows)}; fmt.Sprint(res.records) != fmt.Sprint(want) {
		t.Errorf("record sizes %v, want %v", res.records, want)
	}
	for i, r := range res.rows {
		prefix, file, row := "A", "enrolments/a.csv", int64(i+1)
		if i >= n1 {
			prefix, file, row = "B", "enrolments/b.csv", int64(i-n1+1)
			if row >= 140_000 {
				row++ // row 140,000 of b was rejected
			}
		}
		id := fmt.Sprintf("%s%d", prefix, row)
		if r[0] != id || r[4] != file || r[5] != row {
			t.Fatalf("output row %d: %v, want %s from %s row %d", i+1, r, id, file, row)
		}
	}
	if len(res.rejects) != len(badRows) {
		t.Errorf("%d rejects, want %d", len(res.rejects), len(badRows))
	}

	res = readTable(t, Config{Dir: dir}, "enrolments")
	bad := badInput(t, res.err)
	want := `enrolments/b.csv (CSV, separator ";"): 3 bad rows. column "grade": value outside 1..10 in 3 rows: ` +
		`140000 (line 140001), 149999 (line 150000), 150000 (line 150001)`
	if bad.Error() != want {
		t.Errorf("error\n %s\nwant\n %s", bad.Error(), want)
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStrictStopsEmitting: once a file has a bad row, strict reading yields
// no more records, though it reads on to count every bad row.
func TestStrictStopsEmitting(t *testing.T) {
	var b strings.Builder
	b.WriteString("pupil_id,school_year,grade,school_orgnr\n")
	const rows = 2*batchRows + 10
	for i := 1; i <= rows; i++ {
		grade := 5
		if i == 3 || i == rows {
			grade = 0
		}
		fmt.Fprintf(&b, "P%d,2020,%d,974123456\n", i, grade)
	}
	dir := t.TempDir()
	write(t, dir, "enrolments.csv", b.String())
	res := readTable(t, Config{Dir: dir}, "enrolments")
	if len(res.rows) != 0 {
		t.Errorf("%d rows yielded after the bad row 3, want none", len(res.rows))
	}
	bad := badInput(t, res.err)
	want := []Problem{{Column: "grade", Reason: "value outside 1..10", Count: 2, Samples: []RowRef{rr(3, 4), rr(rows, rows+1)}}}
	if bad.Rows != 2 || !reflect.DeepEqual(bad.Problems, want) {
		t.Errorf("problems %+v, want %+v", bad.Problems, want)
	}
}
