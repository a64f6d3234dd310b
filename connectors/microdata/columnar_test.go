package microdata

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// bigRows spans three records of the reader (batchRows each, the last short).
const bigRows = 2*batchRows + 4240

// testRows are national-test rows in two spellings: as Parquet columns of
// non-canonical types (dictionaries, int8, uint16, float32, nulls), which
// the fast path converts, and as CSV text, which only the row path reads.
func testRows(n int, bad map[int]bool) ([]col, string) {
	subjects := []string{"english", "reading", "numeracy"}
	statuses := []string{"participated", "exempt", "absent"}
	var ids, years, grades, subj, orgnr, status, score []any
	var csv strings.Builder
	csv.WriteString("pupil_id,school_year,grade,subject,school_orgnr,status,scale_score\n")
	for i := range n {
		id := fmt.Sprintf("P%07d", i)
		g := []int{5, 8, 9}[i%3]
		sub := subjects[(i/3)%3]
		if g == 9 && sub == "english" {
			sub = "reading"
		}
		st := statuses[0]
		if i%17 == 0 {
			st = statuses[1+i%2]
		}
		org := fmt.Sprint(974000000 + i%500)
		var sc any
		scText := ""
		if st == "participated" {
			f := float64(20 + i%60)
			sc, scText = f, fmt.Sprint(f)
		}
		if bad[i] {
			g = 7 // not a tested grade
		}
		ids, years, grades = append(ids, id), append(years, 2014+i%11), append(grades, g)
		subj, orgnr, status, score = append(subj, sub), append(orgnr, org), append(status, st), append(score, sc)
		fmt.Fprintf(&csv, "%s,%d,%d,%s,%s,%s,%s\n", id, 2014+i%11, g, sub, org, st, scText)
	}
	return []col{
		{"pupil_id", arrow.BinaryTypes.LargeString, ids},
		{"school_year", arrow.PrimitiveTypes.Uint16, years},
		{"grade", arrow.PrimitiveTypes.Int8, grades},
		{"subject", dictString, subj},
		{"school_orgnr", dictString, orgnr},
		{"status", dictLargeString, status},
		{"scale_score", arrow.PrimitiveTypes.Float32, score},
	}, csv.String()
}

// withoutFile drops source_file (the file names differ by extension).
func withoutFile(rows [][]any) [][]any {
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = append(append([]any{}, r[:len(r)-2]...), r[len(r)-1])
	}
	return out
}

// TestColumnarAgreesWithRowPath reads the same rows from Parquet (whole
// records through the fast path) and from CSV (row by row): the values,
// the source rows and the record sizes must be the same.
func TestColumnarAgreesWithRowPath(t *testing.T) {
	pq, csvDir := t.TempDir(), t.TempDir()
	cols, text := testRows(bigRows, nil)
	writeParquet(t, pq, "national_tests.parquet", 100_000, cols...)
	if err := os.WriteFile(filepath.Join(csvDir, "national_tests.csv"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	fast := readTable(t, Config{Dir: pq}, "national_tests")
	slow := readTable(t, Config{Dir: csvDir}, "national_tests")
	if fast.err != nil || slow.err != nil {
		t.Fatalf("errors: Parquet %v, CSV %v", fast.err, slow.err)
	}
	want := []int64{batchRows, batchRows, 4240}
	if !reflect.DeepEqual(fast.records, want) || !reflect.DeepEqual(slow.records, want) {
		t.Errorf("record sizes: Parquet %v, CSV %v, want %v", fast.records, slow.records, want)
	}
	if fast.wholes != 3 || slow.wholes != 0 {
		t.Errorf("records taken whole: Parquet %d, CSV %d; want 3 and 0", fast.wholes, slow.wholes)
	}
	equalRows(t, withoutFile(fast.rows), withoutFile(slow.rows))
	if got := fast.rows[bigRows-1]; got[7] != "national_tests.parquet" || got[8] != int64(bigRows) {
		t.Errorf("last row comes from %v row %v, want national_tests.parquet row %d", got[7], got[8], bigRows)
	}
}

// TestColumnarBadRowInSecondRecord puts one bad row in the second record:
// strict reading names it; lenient reading leaves it out, and the records
// after it line up with the file's records again.
func TestColumnarBadRowInSecondRecord(t *testing.T) {
	dir := t.TempDir()
	const badRow = batchRows + 7130 // 0-based; data row badRow+1
	cols, _ := testRows(bigRows, map[int]bool{badRow: true})
	writeParquet(t, dir, "national_tests.parquet", 100_000, cols...)

	res := readTable(t, Config{Dir: dir}, "national_tests")
	bad := badInput(t, res.err)
	want := []Problem{{Column: "grade", Reason: "value not one of 5,8,9", Count: 1, Samples: []RowRef{{Row: badRow + 1}}}}
	if !reflect.DeepEqual(bad.Problems, want) {
		t.Errorf("problems %+v, want %+v", bad.Problems, want)
	}

	res = readTable(t, Config{Dir: dir, Lenient: true}, "national_tests")
	if res.err != nil {
		t.Fatal(res.err)
	}
	if wantRecs := []int64{batchRows, batchRows - 1, 4240}; !reflect.DeepEqual(res.records, wantRecs) || res.wholes != 2 {
		t.Errorf("record sizes %v, %d taken whole; want %v, 2 (the first and the last)", res.records, res.wholes, wantRecs)
	}
	if len(res.rejects) != 1 || res.rejects[0].Row != badRow+1 || res.rejects[0].Column != "grade" {
		t.Errorf("rejects %+v, want row %d, column grade", res.rejects, badRow+1)
	}
	for i, r := range res.rows {
		wantRow := int64(i + 1)
		if i >= badRow {
			wantRow++
		}
		if r[8] != wantRow || r[0] != fmt.Sprintf("P%07d", wantRow-1) {
			t.Fatalf("output row %d is %v row %v (pupil %v), want row %d", i, r[7], r[8], r[0], wantRow)
		}
	}
}

// TestCleanArrayLooksAtEveryDictionaryEntry: a dictionary entry no row
// uses still sends the record to the row path, which then accepts it.
func TestCleanArrayLooksAtEveryDictionaryEntry(t *testing.T) {
	dict := buildArray(t, arrow.BinaryTypes.String, []any{"absent", "maybe"})
	defer dict.Release()
	idx := buildArray(t, arrow.PrimitiveTypes.Int16, []any{0, 0, 0})
	defer idx.Release()
	arr := array.NewDictionaryArray(dictString, idx, dict)
	defer arr.Release()
	tbl := mustTable(t, "national_tests")
	ck := newChecker(tbl)
	status := ck.cols[ck.index["status"]]
	if status.cleanArray(arr) {
		t.Errorf("a dictionary with the unused entry %q passed as clean", "maybe")
	}
	dec, err := decoderFor(arr)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		var v value
		dec(i, &v)
		if r := status.check(&v); r != "" {
			t.Errorf("row %d: the row path rejects %q: %s", i, v.s, r)
		}
	}
}

// TestColumnarRowRule: a row that breaks a rule between columns (english
// in grade 9) is found although each of its columns is clean.
func TestColumnarRowRule(t *testing.T) {
	dir := t.TempDir()
	cols, _ := testRows(1000, nil)
	cols[3].vals[2] = "english" // row 3 is grade 9
	writeParquet(t, dir, "national_tests.parquet", 1000, cols...)
	res := readTable(t, Config{Dir: dir}, "national_tests")
	bad := badInput(t, res.err)
	want := []Problem{{Column: "grade, subject", Reason: "english is not tested in grade 9", Count: 1, Samples: []RowRef{{Row: 3}}}}
	if !reflect.DeepEqual(bad.Problems, want) {
		t.Errorf("problems %+v, want %+v", bad.Problems, want)
	}
}

// TestValidUTF8 compares the whole-buffer check with utf8.ValidString on
// each value, for arrays that are slices of longer ones too.
func TestValidUTF8(t *testing.T) {
	cases := [][]any{
		{"abc", "", "æøå", nil, "Tromsø"},
		{"ab\xc3", "\xa5c"},              // each half of "å" alone: the buffer is valid, the values are not
		{"x", "\xff", "y"},               // not UTF-8 anywhere
		{"", "", ""},                     // no bytes at all
		{"日本", "語", nil, "", "\xe8\xaa"}, // a truncated character at the end
	}
	for _, vals := range cases {
		arr := buildArray(t, arrow.BinaryTypes.String, vals).(*array.String)
		for off := 0; off < arr.Len(); off++ {
			sl := array.NewSlice(arr, int64(off), int64(arr.Len())).(*array.String)
			want := true
			for i := 0; i < sl.Len(); i++ {
				want = want && (sl.IsNull(i) || utf8.ValidString(sl.Value(i)))
			}
			if got := validUTF8(sl.ValueBytes(), sl.ValueOffsets()); got != want {
				t.Errorf("%q from %d: validUTF8 = %v, want %v", vals, off, got, want)
			}
			sl.Release()
		}
		arr.Release()
	}
}
