package microdata

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// scanned reads survey_responses of dir with Scan and returns its rows as
// canonical Go values (strings through MapStrings and an intern table).
func scanned(t *testing.T, dir string) [][]any {
	t.Helper()
	cols := []string{"respondent_id", "school_year", "school_orgnr", "gender", "item_code", "answer"}
	var words []string
	at := map[string]int32{}
	intern := func(s string) int32 {
		if k, ok := at[s]; ok {
			return k
		}
		at[s] = int32(len(words))
		words = append(words, s)
		return at[s]
	}
	var rows [][]any
	var keys [4][]int32
	err := Scan(context.Background(), dir, "survey_responses", cols, func(c []arrow.Array) error {
		for k, j := range []int{0, 2, 3, 4} {
			keys[k] = MapStrings(c[j], intern, keys[k])
		}
		year, answer := c[1].(*array.Int32), c[5].(*array.Int32)
		for i := range c[0].Len() {
			row := []any{words[keys[0][i]], year.Value(i), words[keys[1][i]], nil, words[keys[3][i]], nil}
			if keys[2][i] >= 0 {
				row[3] = words[keys[2][i]]
			}
			if answer.IsValid(i) {
				row[5] = answer.Value(i)
			}
			rows = append(rows, row)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestScanGivesWhatEachGives: the same survey written as Parquet (strings
// plain, as dictionaries and large) and as CSV; Scan of either and Each
// agree row for row.
func TestScanGivesWhatEachGives(t *testing.T) {
	const n = 1000
	want := make([][]any, n)
	for i := range n {
		want[i] = []any{fmt.Sprintf("R%d", i/10), int32(2023), fmt.Sprint(974000000 + i%37), nil, fmt.Sprintf("ITEM%d", i%10), nil}
		if i%5 != 0 {
			want[i][3] = Genders[i%2]
		}
		if i%6 != 0 {
			want[i][5] = int32(1 + i%5)
		}
	}
	pq := t.TempDir()
	writeParquet(t, pq, "survey_responses.parquet", 300,
		col{"respondent_id", arrow.BinaryTypes.String, seq(n, func(i int) any { return want[i][0] })},
		col{"school_year", arrow.PrimitiveTypes.Int32, seq(n, func(i int) any { return 2023 })},
		col{"school_orgnr", dictString, seq(n, func(i int) any { return want[i][2] })},
		col{"grade", arrow.PrimitiveTypes.Int32, seq(n, func(i int) any { return 5 + i%6 })},
		col{"class_id", arrow.BinaryTypes.String, seq(n, func(i int) any { return nil })},
		col{"gender", dictString, seq(n, func(i int) any { return want[i][3] })},
		col{"item_code", arrow.BinaryTypes.LargeString, seq(n, func(i int) any { return want[i][4] })},
		col{"answer", arrow.PrimitiveTypes.Int32, seq(n, func(i int) any {
			if v := want[i][5]; v != nil {
				return int(v.(int32))
			}
			return nil
		})},
	)
	var csv strings.Builder
	csv.WriteString("respondent_id,school_year,school_orgnr,grade,class_id,gender,item_code,answer\n")
	for i, r := range want {
		g, a := "", ""
		if r[3] != nil {
			g = r[3].(string)
		}
		if r[5] != nil {
			a = fmt.Sprint(r[5])
		}
		fmt.Fprintf(&csv, "%s,%d,%s,%d,,%s,%s,%s\n", r[0], r[1], r[2], 5+i%6, g, r[4], a)
	}
	cv := t.TempDir()
	write(t, cv, "survey_responses.csv", csv.String())

	for _, dir := range []string{pq, cv} {
		if got := scanned(t, dir); !reflect.DeepEqual(got, want) {
			for i := range min(len(got), len(want)) {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("%s: row %d = %v, want %v (%d rows, want %d)", dir, i, got[i], want[i], len(got), len(want))
				}
			}
			t.Fatalf("%s: %d rows, want %d", dir, len(got), len(want))
		}
	}
}

// TestScanRefusesOtherTypes: Scan does not convert; a file of another
// integer type is for Each.
func TestScanRefusesOtherTypes(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, dir, "schools.parquet", 10,
		col{"school_orgnr", arrow.BinaryTypes.String, seq(3, func(i int) any { return fmt.Sprint(970000000 + i) })},
		col{"name", arrow.BinaryTypes.String, seq(3, func(i int) any { return "S" })},
		col{"municipality_code", arrow.BinaryTypes.String, seq(3, func(i int) any { return "0301" })},
		col{"public", arrow.FixedWidthTypes.Boolean, seq(3, func(i int) any { return true })},
		col{"grade_from", arrow.PrimitiveTypes.Int16, seq(3, func(i int) any { return 1 })},
		col{"grade_to", arrow.PrimitiveTypes.Int32, seq(3, func(i int) any { return 7 })},
		col{"valid_year", arrow.PrimitiveTypes.Int32, seq(3, func(i int) any { return 2024 })},
	)
	err := Scan(context.Background(), dir, "schools", []string{"school_orgnr", "grade_from"}, func([]arrow.Array) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "grade_from is int16") {
		t.Fatalf("got %v, want an error naming grade_from as int16", err)
	}
}
