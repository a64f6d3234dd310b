package microdata

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// col is one column of a Parquet file a test writes: name, Arrow type and
// values (nil for null; int for integer types, float64 for float types).
type col struct {
	name string
	typ  arrow.DataType
	vals []any
}

var (
	dictString      = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}
	dictLargeString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.LargeString}
)

// writeParquet writes cols to dir/name with pqarrow, storing the Arrow
// schema so that small integers and dictionaries keep their types, in row
// groups of rowGroup rows.
func writeParquet(t testing.TB, dir, name string, rowGroup int64, cols ...col) {
	t.Helper()
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.typ, Nullable: true}
		arrs[i] = buildArray(t, c.typ, c.vals)
		defer arrs[i].Release()
	}
	schema := arrow.NewSchema(fields, nil)
	rec := array.NewRecordBatch(schema, arrs, int64(len(cols[0].vals)))
	defer rec.Release()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := pqarrow.NewFileWriter(schema, f,
		parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(rowGroup)),
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func buildArray(t testing.TB, typ arrow.DataType, vals []any) arrow.Array {
	t.Helper()
	if dt, ok := typ.(*arrow.DictionaryType); ok {
		// Indices into the distinct values, in order of first appearance.
		var distinct, indices []any
		pos := map[any]int{}
		for _, v := range vals {
			if v == nil {
				indices = append(indices, nil)
				continue
			}
			if _, ok := pos[v]; !ok {
				pos[v] = len(distinct)
				distinct = append(distinct, v)
			}
			indices = append(indices, pos[v])
		}
		dict := buildArray(t, dt.ValueType, distinct)
		defer dict.Release()
		idx := buildArray(t, dt.IndexType, indices)
		defer idx.Release()
		return array.NewDictionaryArray(dt, idx, dict)
	}
	b := array.NewBuilder(memory.DefaultAllocator, typ)
	defer b.Release()
	for _, v := range vals {
		if v == nil {
			b.AppendNull()
			continue
		}
		switch b := b.(type) {
		case *array.Int8Builder:
			b.Append(int8(v.(int)))
		case *array.Int16Builder:
			b.Append(int16(v.(int)))
		case *array.Int32Builder:
			b.Append(int32(v.(int)))
		case *array.Int64Builder:
			b.Append(int64(v.(int)))
		case *array.Uint8Builder:
			b.Append(uint8(v.(int)))
		case *array.Uint16Builder:
			b.Append(uint16(v.(int)))
		case *array.Uint32Builder:
			b.Append(uint32(v.(int)))
		case *array.Uint64Builder:
			b.Append(uint64(v.(int)))
		case *array.Float32Builder:
			b.Append(float32(v.(float64)))
		case *array.Float64Builder:
			b.Append(v.(float64))
		case *array.BooleanBuilder:
			b.Append(v.(bool))
		case *array.StringBuilder:
			b.Append(v.(string))
		case *array.LargeStringBuilder:
			b.Append(v.(string))
		case *array.BinaryBuilder:
			b.Append([]byte(v.(string)))
		case *array.Date32Builder:
			b.Append(arrow.Date32(v.(int)))
		default:
			t.Fatalf("no test builder for %s", typ)
		}
	}
	return b.NewArray()
}

// seq returns n values f(0), ..., f(n-1).
func seq(n int, f func(i int) any) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// TestParquetRoundTrip writes every table with a mix of physical types
// (dictionaries, small and unsigned ints, large strings, float32, nulls) in
// several row groups, and compares every cell read with the value written.
func TestParquetRoundTrip(t *testing.T) {
	const n = 1000
	dir := t.TempDir()
	pupil := func(i int) string { return fmt.Sprintf("P%04d", i%50) }
	orgnr := func(i int) string { return fmt.Sprint(974000000 + i%37) }
	subjects := []string{"english", "reading", "numeracy"}
	testGrade := func(i int) int { return []int{5, 8, 9}[i%3] }
	subject := func(i int) string {
		if testGrade(i) == 9 {
			return subjects[1+i%2]
		}
		return subjects[i%3]
	}
	status := func(i int) string { return []string{"participated", "participated", "exempt", "absent"}[i%4] }
	score := func(i int) any { // float32 values exactly representable
		if status(i) != "participated" {
			return nil
		}
		return 30.5 + float64(i%40)*0.75
	}
	income := func(i int) any {
		if i%7 == 0 {
			return nil
		}
		return i * 1_000_003
	}

	writeParquet(t, dir, "enrolments.parquet", 300,
		col{"pupil_id", dictString, seq(n, func(i int) any { return pupil(i) })},
		col{"school_year", arrow.PrimitiveTypes.Int64, seq(n, func(i int) any { return 2014 + i%11 })},
		col{"grade", arrow.PrimitiveTypes.Int8, seq(n, func(i int) any { return 1 + i%10 })},
		col{"school_orgnr", arrow.BinaryTypes.LargeString, seq(n, func(i int) any { return orgnr(i) })},
	)
	writeParquet(t, dir, "national_tests.parquet", 256,
		// columns in another order than the contract's
		col{"scale_score", arrow.PrimitiveTypes.Float32, seq(n, score)},
		col{"status", arrow.BinaryTypes.String, seq(n, func(i int) any { return status(i) })},
		col{"subject", dictLargeString, seq(n, func(i int) any { return subject(i) })},
		col{"grade", arrow.PrimitiveTypes.Uint8, seq(n, func(i int) any { return testGrade(i) })},
		col{"school_year", arrow.PrimitiveTypes.Uint16, seq(n, func(i int) any { return 2020 })},
		col{"school_orgnr", arrow.BinaryTypes.String, seq(n, func(i int) any { return orgnr(i) })},
		col{"pupil_id", arrow.BinaryTypes.String, seq(n, func(i int) any { return pupil(i) })},
	)
	writeParquet(t, dir, "pupils.parquet", 500,
		col{"pupil_id", arrow.BinaryTypes.String, seq(n, func(i int) any { return fmt.Sprintf("Q%d", i) })},
		col{"birth_year", arrow.PrimitiveTypes.Uint32, seq(n, func(i int) any { return 2000 + i%20 })},
		col{"gender", dictString, seq(n, func(i int) any { return Genders[i%2] })},
		col{"immigrant_background", arrow.BinaryTypes.String, seq(n, func(i int) any { return ImmigrantBackgrounds[i%3] })},
		col{"parent_education", arrow.BinaryTypes.String, seq(n, func(i int) any { return ParentEducations[i%5] })},
		col{"household_income", arrow.PrimitiveTypes.Int64, seq(n, income)},
	)
	writeParquet(t, dir, "schools.parquet", 100,
		col{"school_orgnr", arrow.BinaryTypes.String, seq(n, func(i int) any { return fmt.Sprint(970000000 + i) })},
		col{"name", arrow.BinaryTypes.String, seq(n, func(i int) any { return fmt.Sprintf("Skole %d, «æøå»", i) })},
		col{"municipality_code", arrow.BinaryTypes.String, seq(n, func(i int) any { return fmt.Sprintf("%04d", 301+i%50) })},
		col{"public", arrow.FixedWidthTypes.Boolean, seq(n, func(i int) any { return i%3 != 0 })},
		col{"grade_from", arrow.PrimitiveTypes.Int16, seq(n, func(i int) any { return 1 + i%5 })},
		col{"grade_to", arrow.PrimitiveTypes.Int32, seq(n, func(i int) any { return 6 + i%5 })},
		col{"valid_year", arrow.PrimitiveTypes.Int32, seq(n, func(i int) any { return 2024 })},
	)
	writeParquet(t, dir, "survey_responses.parquet", 1000,
		col{"respondent_id", arrow.BinaryTypes.String, seq(n, func(i int) any { return fmt.Sprintf("R%d", i/10) })},
		col{"school_year", arrow.PrimitiveTypes.Int32, seq(n, func(i int) any { return 2023 })},
		col{"school_orgnr", arrow.BinaryTypes.String, seq(n, func(i int) any { return orgnr(i) })},
		col{"grade", arrow.PrimitiveTypes.Int32, seq(n, func(i int) any { return 5 + i%9 })},
		col{"class_id", arrow.BinaryTypes.String, seq(n, func(i int) any {
			if i%4 == 0 {
				return nil
			}
			return fmt.Sprintf("%dA", 5+i%9)
		})},
		col{"gender", dictString, seq(n, func(i int) any {
			if i%5 == 0 {
				return nil
			}
			return Genders[i%2]
		})},
		col{"item_code", arrow.BinaryTypes.String, seq(n, func(i int) any { return fmt.Sprintf("ITEM%d", i%10) })},
		col{"answer", arrow.PrimitiveTypes.Int16, seq(n, func(i int) any {
			if i%6 == 0 {
				return nil
			}
			return 1 + i%5
		})},
	)

	// The expected rows, from the same formulas, as canonical Go values.
	want := map[string][][]any{}
	i32 := func(v any) any {
		if v == nil {
			return nil
		}
		return int32(v.(int))
	}
	for i := range n {
		row := int64(i + 1)
		want["enrolments"] = append(want["enrolments"], []any{pupil(i), int32(2014 + i%11), int32(1 + i%10), orgnr(i), "enrolments.parquet", row})
		want["national_tests"] = append(want["national_tests"], []any{pupil(i), int32(2020), int32(testGrade(i)), subject(i), orgnr(i), status(i), score(i), "national_tests.parquet", row})
		var inc any
		if v := income(i); v != nil {
			inc = int64(v.(int))
		}
		want["pupils"] = append(want["pupils"], []any{fmt.Sprintf("Q%d", i), int32(2000 + i%20), Genders[i%2], ImmigrantBackgrounds[i%3], ParentEducations[i%5], inc, "pupils.parquet", row})
		want["schools"] = append(want["schools"], []any{fmt.Sprint(970000000 + i), fmt.Sprintf("Skole %d, «æøå»", i), fmt.Sprintf("%04d", 301+i%50), i%3 != 0, int32(1 + i%5), int32(6 + i%5), int32(2024), "schools.parquet", row})
		var class, gender any
		if i%4 != 0 {
			class = fmt.Sprintf("%dA", 5+i%9)
		}
		if i%5 != 0 {
			gender = Genders[i%2]
		}
		answer := any(nil)
		if i%6 != 0 {
			answer = 1 + i%5
		}
		want["survey_responses"] = append(want["survey_responses"], []any{fmt.Sprintf("R%d", i/10), int32(2023), orgnr(i), int32(5 + i%9), class, gender, fmt.Sprintf("ITEM%d", i%10), i32(answer), "survey_responses.parquet", row})
	}
	for _, table := range []string{"enrolments", "national_tests", "pupils", "schools", "survey_responses"} {
		t.Run(table, func(t *testing.T) {
			res := readTable(t, Config{Dir: dir}, table)
			if res.err != nil {
				t.Fatal(res.err)
			}
			equalRows(t, res.rows, want[table])
		})
	}
}

// TestParquetTypesKept checks that the fixture writer really produced the
// physical types the round trip is meant to cover.
func TestParquetTypesKept(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, dir, "x.parquet", 10,
		col{"d", dictString, []any{"a", "b", "a"}},
		col{"i", arrow.PrimitiveTypes.Int8, []any{1, 2, 3}},
		col{"u", arrow.PrimitiveTypes.Uint32, []any{1, 2, 3}},
	)
	src, err := openParquet(t.Context(), inputFile{path: filepath.Join(dir, "x.parquet"), rel: "x.parquet"},
		Table{Name: "x", Columns: []Column{{Name: "d", Kind: String}, {Name: "i", Kind: Int}, {Name: "u", Kind: Int}}}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	defer src.close()
	if ok, err := src.next(); !ok || err != nil {
		t.Fatalf("next: %v %v", ok, err)
	}
	var got []string
	for _, a := range src.cols {
		got = append(got, a.DataType().String())
	}
	if want := []string{"dictionary<values=utf8, indices=int16, ordered=false>", "int8", "uint32"}; !reflect.DeepEqual(got, want) {
		t.Errorf("types read %v, want %v", got, want)
	}
}

// enrolmentCols returns good enrolment columns of n rows, with replace
// swapped in for the column of the same name.
func enrolmentCols(n int, replace ...col) []col {
	cols := []col{
		{"pupil_id", arrow.BinaryTypes.String, seq(n, func(i int) any { return fmt.Sprintf("P%d", i+1) })},
		{"school_year", arrow.PrimitiveTypes.Int32, seq(n, func(i int) any { return 2020 })},
		{"grade", arrow.PrimitiveTypes.Int32, seq(n, func(i int) any { return 5 })},
		{"school_orgnr", arrow.BinaryTypes.String, seq(n, func(i int) any { return "974123456" })},
	}
	for _, r := range replace {
		for i := range cols {
			if cols[i].name == r.name {
				cols[i] = r
			}
		}
	}
	return cols
}

func TestParquetWrongType(t *testing.T) {
	const (
		wantInt    = "int (int8, int16, int32, int64, uint8, uint16 or uint32)"
		wantString = "string (utf8, large_utf8 or a dictionary of those)"
	)
	three := func(v any) []any { return []any{v, v, v} }
	tests := []struct {
		name   string
		table  string
		cols   []col
		column string
		reason string
	}{
		{"string in an int column", "enrolments",
			enrolmentCols(3, col{"school_year", arrow.BinaryTypes.String, three("2020")}),
			"school_year", "wrong type: the file has utf8, expected " + wantInt},
		{"float in an int column", "enrolments",
			enrolmentCols(3, col{"grade", arrow.PrimitiveTypes.Float64, three(5.0)}),
			"grade", "wrong type: the file has float64, expected " + wantInt},
		{"uint64 in an int column", "enrolments",
			enrolmentCols(3, col{"grade", arrow.PrimitiveTypes.Uint64, three(5)}),
			"grade", "wrong type: the file has uint64, expected " + wantInt},
		{"date in an int column", "enrolments",
			enrolmentCols(3, col{"school_year", arrow.FixedWidthTypes.Date32, three(18000)}),
			"school_year", "wrong type: the file has date32, expected " + wantInt},
		{"int in a string column", "enrolments",
			enrolmentCols(3, col{"school_orgnr", arrow.PrimitiveTypes.Int64, three(974123456)}),
			"school_orgnr", "wrong type: the file has int64, expected " + wantString},
		{"binary in a string column", "enrolments",
			enrolmentCols(3, col{"pupil_id", arrow.BinaryTypes.Binary, three("P1")}),
			"pupil_id", "wrong type: the file has binary, expected " + wantString},
		// pqarrow keeps dictionaries of strings only: this one reads as int32
		{"int dictionary in a string column", "enrolments",
			enrolmentCols(3, col{"pupil_id", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.PrimitiveTypes.Int32}, three(1)}),
			"pupil_id", "wrong type: the file has int32, expected " + wantString},
		{"int in a float column", "national_tests",
			[]col{
				{"pupil_id", arrow.BinaryTypes.String, three("P1")},
				{"school_year", arrow.PrimitiveTypes.Int32, three(2020)},
				{"grade", arrow.PrimitiveTypes.Int32, three(5)},
				{"subject", arrow.BinaryTypes.String, three("reading")},
				{"school_orgnr", arrow.BinaryTypes.String, three("974123456")},
				{"status", arrow.BinaryTypes.String, three("participated")},
				{"scale_score", arrow.PrimitiveTypes.Int32, three(50)},
			},
			"scale_score", "wrong type: the file has int32, expected float (float32 or float64)"},
		{"string in a bool column", "schools",
			[]col{
				{"school_orgnr", arrow.BinaryTypes.String, three("974123456")},
				{"name", arrow.BinaryTypes.String, three("A")},
				{"municipality_code", arrow.BinaryTypes.String, three("0301")},
				{"public", arrow.BinaryTypes.String, three("true")},
				{"grade_from", arrow.PrimitiveTypes.Int32, three(1)},
				{"grade_to", arrow.PrimitiveTypes.Int32, three(7)},
				{"valid_year", arrow.PrimitiveTypes.Int32, three(2024)},
			},
			"public", "wrong type: the file has utf8, expected bool"},
	}
	for _, tt := range tests {
		for _, lenient := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/lenient=%v", tt.name, lenient), func(t *testing.T) {
				dir := t.TempDir()
				writeParquet(t, dir, tt.table+".parquet", 100, tt.cols...)
				res := readTable(t, Config{Dir: dir, Lenient: lenient}, tt.table)
				bad := badInput(t, res.err)
				want := BadInputError{File: tt.table + ".parquet", Format: "Parquet", Problems: []Problem{{Column: tt.column, Reason: tt.reason}}}
				if !reflect.DeepEqual(*bad, want) {
					t.Errorf("error\n got  %+v\n want %+v", *bad, want)
				}
				if len(res.rows)+len(res.rejects) != 0 {
					t.Errorf("%d rows, %d rejects from a file of the wrong type", len(res.rows), len(res.rejects))
				}
			})
		}
	}
}

func TestParquetMissingAndUnexpected(t *testing.T) {
	dir := t.TempDir()
	cols := enrolmentCols(2)
	cols = append(cols[:2], cols[3], col{"note", arrow.BinaryTypes.String, []any{"a", "b"}}) // no grade, an extra note
	writeParquet(t, dir, "enrolments.parquet", 10, cols...)
	res := readTable(t, Config{Dir: dir}, "enrolments")
	want := `enrolments.parquet (Parquet): column "note": unexpected column: not in the contract of table enrolments ` +
		`(columns: pupil_id, school_year, grade, school_orgnr); column "grade": missing column`
	if res.err == nil || res.err.Error() != want {
		t.Errorf("error\n %v\nwant\n %s", res.err, want)
	}
}

// TestParquetBadRows: values of the right type that break the contract.
func TestParquetBadRows(t *testing.T) {
	dir := t.TempDir()
	const n = 20
	grade := seq(n, func(i int) any { return 5 })
	grade[3], grade[11] = 11, 0 // out of range
	grade[15] = math.MaxUint32  // far out of range, and of int32
	ids := seq(n, func(i int) any { return fmt.Sprintf("P%d", i+1) })
	ids[7] = nil // null in a non-null column
	orgnr := seq(n, func(i int) any { return "974123456" })
	orgnr[7] = "97412345" // the same row: two problems
	orgnr[18] = "97412345X"
	writeParquet(t, dir, "enrolments.parquet", 6, enrolmentCols(n,
		col{"pupil_id", dictString, ids},
		col{"grade", arrow.PrimitiveTypes.Uint32, grade},
		col{"school_orgnr", arrow.BinaryTypes.String, orgnr},
	)...)

	res := readTable(t, Config{Dir: dir}, "enrolments")
	bad := badInput(t, res.err)
	want := BadInputError{File: "enrolments.parquet", Format: "Parquet", Rows: 5, Problems: []Problem{
		{Column: "grade", Reason: "value outside 1..10", Count: 3, Samples: []RowRef{{Row: 4}, {Row: 12}, {Row: 16}}},
		{Column: "pupil_id", Reason: reasonNull, Count: 1, Samples: []RowRef{{Row: 8}}},
		{Column: "school_orgnr", Reason: "not 9 digits", Count: 2, Samples: []RowRef{{Row: 8}, {Row: 19}}},
	}}
	if !reflect.DeepEqual(*bad, want) {
		t.Errorf("error\n got  %+v\n want %+v", *bad, want)
	}
	if !strings.Contains(bad.Error(), `column "grade": value outside 1..10 in 3 rows: 4, 12, 16`) {
		t.Errorf("error text %q lacks the rows of the grade problem", bad.Error())
	}

	res = readTable(t, Config{Dir: dir, Lenient: true}, "enrolments")
	if res.err != nil {
		t.Fatal(res.err)
	}
	var kept []any
	for i := range n {
		if i != 3 && i != 7 && i != 11 && i != 15 && i != 18 {
			kept = append(kept, fmt.Sprintf("P%d", i+1))
		}
	}
	if got := column(res.rows, 0); !reflect.DeepEqual(got, kept) {
		t.Errorf("kept %v, want %v", got, kept)
	}
	var got []rejected
	for _, r := range res.rejects {
		got = append(got, rejected{r.Row, r.Column, r.Reason})
	}
	wantRejects := []rejected{
		{4, "grade", "value outside 1..10"},
		{8, "", "pupil_id: " + reasonNull + "; school_orgnr: not 9 digits"},
		{12, "grade", "value outside 1..10"},
		{16, "grade", "value outside 1..10"},
		{19, "school_orgnr", "not 9 digits"},
	}
	if !reflect.DeepEqual(got, wantRejects) {
		t.Errorf("rejects\n got  %v\n want %v", got, wantRejects)
	}
	wantValues := map[string]string{"school_year": "2020", "grade": "5", "school_orgnr": "97412345"} // the null pupil_id is left out
	if len(res.rejects) > 1 && !reflect.DeepEqual(res.rejects[1].Values, wantValues) {
		t.Errorf("values of row 8: %v, want %v", res.rejects[1].Values, wantValues)
	}
	if len(res.rejects) > 3 && res.rejects[3].Values["grade"] != "4294967295" {
		t.Errorf("values of row 16: %v, want the grade as written", res.rejects[3].Values)
	}
	if len(res.rows)+len(res.rejects) != n {
		t.Errorf("%d kept + %d rejected, want %d", len(res.rows), len(res.rejects), n)
	}
}

func TestParquetNonFiniteScore(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, dir, "national_tests.parquet", 10,
		col{"pupil_id", arrow.BinaryTypes.String, []any{"P1", "P2", "P3"}},
		col{"school_year", arrow.PrimitiveTypes.Int32, []any{2020, 2020, 2020}},
		col{"grade", arrow.PrimitiveTypes.Int32, []any{5, 5, 5}},
		col{"subject", arrow.BinaryTypes.String, []any{"reading", "reading", "reading"}},
		col{"school_orgnr", arrow.BinaryTypes.String, []any{"974123456", "974123456", "974123456"}},
		col{"status", arrow.BinaryTypes.String, []any{"participated", "participated", "participated"}},
		col{"scale_score", arrow.PrimitiveTypes.Float64, []any{50.0, math.NaN(), math.Inf(-1)}},
	)
	res := readTable(t, Config{Dir: dir}, "national_tests")
	bad := badInput(t, res.err)
	want := []Problem{{Column: "scale_score", Reason: "not a finite number", Count: 2, Samples: []RowRef{{Row: 2}, {Row: 3}}}}
	if !reflect.DeepEqual(bad.Problems, want) {
		t.Errorf("problems %+v, want %+v", bad.Problems, want)
	}
}

func TestParquetEmptyAndCorrupt(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, dir, "enrolments.parquet", 10, enrolmentCols(0)...)
	res := readTable(t, Config{Dir: dir}, "enrolments")
	if res.err != nil || len(res.rows) != 0 {
		t.Errorf("empty Parquet file: %d rows, %v; want none", len(res.rows), res.err)
	}

	write(t, dir, "enrolments.parquet", "pupil_id,school_year,grade,school_orgnr\n")
	res = readTable(t, Config{Dir: dir}, "enrolments")
	bad := badInput(t, res.err)
	if bad.File != "enrolments.parquet" || bad.Format != "Parquet" || len(bad.Problems) != 1 || bad.Problems[0].Reason != "not readable" || bad.Err == nil {
		t.Errorf("a CSV file named .parquet: %+v, want not readable with the decoder's error", bad)
	}
}

// TestMixedFolder reads a folder of a Parquet and a CSV part, in name order.
func TestMixedFolder(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, dir, "enrolments/2019.parquet", 10, enrolmentCols(2)...)
	write(t, dir, "enrolments/2020.csv", "pupil_id,school_year,grade,school_orgnr\nQ1,2021,6,974123457\n")
	res := readTable(t, Config{Dir: dir}, "enrolments")
	if res.err != nil {
		t.Fatal(res.err)
	}
	equalRows(t, res.rows, [][]any{
		{"P1", int32(2020), int32(5), "974123456", "enrolments/2019.parquet", int64(1)},
		{"P2", int32(2020), int32(5), "974123456", "enrolments/2019.parquet", int64(2)},
		{"Q1", int32(2021), int32(6), "974123457", "enrolments/2020.csv", int64(1)},
	})
}

// TestParquetInt64Range: an int64 that does not fit the int32 column is out
// of range, never truncated into it (2^32 + 2020 would truncate to 2020).
func TestParquetInt64Range(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, dir, "enrolments.parquet", 10, enrolmentCols(2,
		col{"school_year", arrow.PrimitiveTypes.Int64, []any{2020, 1<<32 + 2020}})...)
	res := readTable(t, Config{Dir: dir}, "enrolments")
	bad := badInput(t, res.err)
	want := []Problem{{Column: "school_year", Reason: "value outside 1990..2100", Count: 1, Samples: []RowRef{{Row: 2}}}}
	if !reflect.DeepEqual(bad.Problems, want) {
		t.Errorf("problems %+v, want %+v", bad.Problems, want)
	}
}
