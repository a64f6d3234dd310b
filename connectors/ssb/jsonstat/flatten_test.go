package jsonstat

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// cube324 is a 3×2×4 dataset whose values are the first 24 primes, so that
// every cell is distinct. Dimension B's index is an object written in
// reverse order, and only some categories have labels.
const cube324 = `{
  "version": "2.0", "class": "dataset", "label": "3x2x4",
  "id": ["A", "B", "C"], "size": [3, 2, 4],
  "dimension": {
    "A": {"label": "a", "category": {"index": ["a1", "a2", "a3"], "label": {"a1": "First", "a2": "Second", "a3": "Third"}}},
    "B": {"label": "b", "category": {"index": {"b2": 1, "b1": 0}}},
    "C": {"label": "c", "category": {"index": ["c1", "c2", "c3", "c4"], "label": {"c4": "Fourth"}}}
  },
  "value": [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89]
}`

func TestFlattenOrder(t *testing.T) {
	ds := mustParse(t, cube324).Datasets[0]
	rows := collect(t, ds)
	if len(rows) != 24 {
		t.Fatalf("%d rows, want 24", len(rows))
	}
	// Worked by hand: index = a·8 + b·4 + c (strides 2·4 and 4, 1).
	tests := []struct {
		index int
		ids   []string
		pos   []int
		label []string
		value float64
	}{
		{0, []string{"a1", "b1", "c1"}, []int{0, 0, 0}, []string{"First", "b1", "c1"}, 2},
		{3, []string{"a1", "b1", "c4"}, []int{0, 0, 3}, []string{"First", "b1", "Fourth"}, 7},
		{4, []string{"a1", "b2", "c1"}, []int{0, 1, 0}, []string{"First", "b2", "c1"}, 11},
		{11, []string{"a2", "b1", "c4"}, []int{1, 0, 3}, []string{"Second", "b1", "Fourth"}, 37},
		{13, []string{"a2", "b2", "c2"}, []int{1, 1, 1}, []string{"Second", "b2", "c2"}, 43},
		{16, []string{"a3", "b1", "c1"}, []int{2, 0, 0}, []string{"Third", "b1", "c1"}, 59},
		{23, []string{"a3", "b2", "c4"}, []int{2, 1, 3}, []string{"Third", "b2", "Fourth"}, 89},
	}
	for _, tc := range tests {
		r := rows[tc.index]
		if r.Index != tc.index || !slices.Equal(r.ID, tc.ids) || !slices.Equal(r.Pos, tc.pos) ||
			!slices.Equal(r.Label, tc.label) || r.Kind != KindNumber || r.Value != tc.value || r.Status != "" {
			t.Errorf("row %d = %+v, want ids %v pos %v labels %v value %v", tc.index, r, tc.ids, tc.pos, tc.label, tc.value)
		}
	}
}

// TestIndexForms: the same 2×3 cube with its indexes as arrays, as objects
// in document order, as objects written out of order, and a constant
// dimension given by its label alone, flattens to the same cells.
func TestIndexForms(t *testing.T) {
	const tmpl = `{"version":"2.0","class":"dataset","id":["k","x","y"],"size":[1,2,3],
	  "dimension":{"k":{"category":%s},"x":{"category":{"index":%s}},"y":{"category":{"index":%s,"label":{"u":"U","v":"V","w":"W"}}}},
	  "value":[1,2,3,4,5,6]}`
	forms := map[string][3]string{
		"arrays":            {`{"index":["K"]}`, `["p","q"]`, `["u","v","w"]`},
		"objects":           {`{"index":{"K":0}}`, `{"p":0,"q":1}`, `{"u":0,"v":1,"w":2}`},
		"objects shuffled":  {`{"index":{"K":0}}`, `{"q":1,"p":0}`, `{"w":2,"u":0,"v":1}`},
		"constant by label": {`{"label":{"K":"the only one"}}`, `["p","q"]`, `["u","v","w"]`},
	}
	// By hand: the value at (x, y) is 3·pos(x) + pos(y) + 1.
	want := [][]string{{"K", "p", "u"}, {"K", "p", "v"}, {"K", "p", "w"}, {"K", "q", "u"}, {"K", "q", "v"}, {"K", "q", "w"}}
	for name, f := range forms {
		t.Run(name, func(t *testing.T) {
			ds := mustParse(t, fmt.Sprintf(tmpl, f[0], f[1], f[2])).Datasets[0]
			rows := collect(t, ds)
			if len(rows) != 6 {
				t.Fatalf("%d rows", len(rows))
			}
			for i, r := range rows {
				if !slices.Equal(r.ID, want[i]) || r.Value != float64(i+1) {
					t.Errorf("row %d = %v %v, want %v %d", i, r.ID, r.Value, want[i], i+1)
				}
				if r.Label[2] != map[string]string{"u": "U", "v": "V", "w": "W"}[want[i][2]] {
					t.Errorf("row %d label %q", i, r.Label[2])
				}
			}
		})
	}
}

func TestValuesAndStatus(t *testing.T) {
	// A 2×3 cube; positions 0..5 are (r1,c1) (r1,c2) (r1,c3) (r2,c1) (r2,c2) (r2,c3).
	const head = `{"version":"2.0","class":"dataset","id":["r","c"],"size":[2,3],
	  "dimension":{"r":{"category":{"index":["r1","r2"]}},"c":{"category":{"index":["c1","c2","c3"]}}},`
	type cell struct {
		kind   ValueKind
		value  float64
		status string
	}
	null := func(status string) cell { return cell{KindNull, 0, status} }
	num := func(v float64, status string) cell { return cell{KindNumber, v, status} }
	tests := []struct {
		name string
		body string
		want []cell
	}{
		{"dense with nulls, no status",
			`"value":[1.5,null,-3,0,null,1e3]}`,
			[]cell{num(1.5, ""), null(""), num(-3, ""), num(0, ""), null(""), num(1000, "")}},
		{"sparse value",
			`"value":{"4":7.25,"0":1}}`,
			[]cell{num(1, ""), null(""), null(""), null(""), num(7.25, ""), null("")}},
		{"sparse value with an explicit null",
			`"value":{"2":null,"5":2}}`,
			[]cell{null(""), null(""), null(""), null(""), null(""), num(2, "")}},
		{"status string applies to all",
			`"value":[1,2,3,4,5,6],"status":"p"}`,
			[]cell{num(1, "p"), num(2, "p"), num(3, "p"), num(4, "p"), num(5, "p"), num(6, "p")}},
		{"status one-element array applies to all",
			`"value":[1,2,3,4,5,6],"status":["e"]}`,
			[]cell{num(1, "e"), num(2, "e"), num(3, "e"), num(4, "e"), num(5, "e"), num(6, "e")}},
		{"status array parallel to value",
			`"value":[1,null,3,null,5,null],"status":["e",":",null,"..","","."]}`,
			[]cell{num(1, "e"), null(":"), num(3, ""), null(".."), num(5, ""), null(".")}},
		{"status object keyed by position",
			`"value":[null,2,3,4,5,null],"status":{"5":".","0":":"}}`,
			[]cell{null(":"), num(2, ""), num(3, ""), num(4, ""), num(5, ""), null(".")}},
		{"status with escapes",
			`"value":[null,2,3,4,5,6],"status":{"0":"\u003a\"x\""}}`,
			[]cell{null(`:"x"`), num(2, ""), num(3, ""), num(4, ""), num(5, ""), num(6, "")}},
		{"sparse value and sparse status",
			`"value":{"1":10},"status":{"3":":"}}`,
			[]cell{null(""), num(10, ""), null(""), null(":"), null(""), null("")}},
		{"empty status array is no status",
			`"value":[1,2,3,4,5,6],"status":[]}`,
			[]cell{num(1, ""), num(2, ""), num(3, ""), num(4, ""), num(5, ""), num(6, "")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustParse(t, head+tc.body)
			if res := Validate(doc); !res.Valid || len(res.Warnings) > 0 {
				t.Fatalf("Validate: %+v", res)
			}
			rows := collect(t, doc.Datasets[0])
			if len(rows) != len(tc.want) {
				t.Fatalf("%d rows, want %d", len(rows), len(tc.want))
			}
			for i, r := range rows {
				w := tc.want[i]
				if r.Kind != w.kind || r.Value != w.value || r.Status != w.status {
					t.Errorf("row %d (%v) = %s %v %q, want %s %v %q", i, r.ID, r.Kind, r.Value, r.Status, w.kind, w.value, w.status)
				}
			}
		})
	}
}

func TestNumberPointer(t *testing.T) {
	ds := mustParse(t, `{"version":"2.0","class":"dataset","id":["x"],"size":[3],
	  "dimension":{"x":{"category":{"index":["a","b","c"]}}},"value":[4.5,null,"s"]}`).Datasets[0]
	var got []any
	err := ds.Flatten(func(r *Row) error {
		if p := r.Number(); p != nil {
			got = append(got, *p)
		} else {
			got = append(got, r.Kind.String()+":"+r.Text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []any{4.5, "null:", "string:s"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestFlattenStops(t *testing.T) {
	ds := mustParse(t, cube324).Datasets[0]
	stop := errors.New("stop")
	n := 0
	err := ds.Flatten(func(r *Row) error {
		n++
		if r.Index == 4 {
			return stop
		}
		return nil
	})
	if err != stop || n != 5 {
		t.Errorf("Flatten returned %v after %d rows, want stop after 5", err, n)
	}
	seq, err := ds.Rows()
	if err != nil {
		t.Fatal(err)
	}
	n = 0
	for range seq {
		n++
		if n == 2 {
			break
		}
	}
	// The iterator is reusable: a second range starts over.
	var first *Row
	for r := range seq {
		first = r
		break
	}
	if n != 2 || first.Index != 0 {
		t.Errorf("break after %d rows, restart at %d", n, first.Index)
	}
}

func TestFlattenEdgeShapes(t *testing.T) {
	t.Run("no dimensions is one cell", func(t *testing.T) {
		rows := collect(t, mustParse(t, `{"version":"2.0","class":"dataset","id":[],"size":[],"dimension":{},"value":[42]}`).Datasets[0])
		if len(rows) != 1 || rows[0].Value != 42 || len(rows[0].ID) != 0 {
			t.Errorf("rows %+v", rows)
		}
	})
	t.Run("a zero size is no cell", func(t *testing.T) {
		doc := mustParse(t, `{"version":"2.0","class":"dataset","id":["x","y"],"size":[2,0],
		  "dimension":{"x":{"category":{"index":["a","b"]}},"y":{"category":{"index":[]}}},"value":[]}`)
		if res := Validate(doc); !res.Valid || len(res.Warnings) > 0 {
			t.Fatalf("Validate: %+v", res)
		}
		if rows := collect(t, doc.Datasets[0]); len(rows) != 0 {
			t.Errorf("%d rows, want 0", len(rows))
		}
	})
	t.Run("metadata only", func(t *testing.T) {
		doc := mustParse(t, `{"version":"2.0","class":"dataset","id":["x"],"size":[2],
		  "dimension":{"x":{"category":{"index":["a","b"]}}},"value":[]}`)
		res := Validate(doc)
		if !res.Valid || !slices.Equal(issueCodes(res), []string{"METADATA_ONLY"}) {
			t.Fatalf("Validate: %+v", res)
		}
		if err := doc.Datasets[0].Flatten(func(*Row) error { return nil }); !errors.Is(err, ErrMetadataOnly) {
			t.Errorf("Flatten: %v, want ErrMetadataOnly", err)
		}
	})
	t.Run("invalid dataset is refused before any row", func(t *testing.T) {
		ds := mustParse(t, `{"version":"2.0","class":"dataset","id":["x"],"size":[2],
		  "dimension":{"x":{"category":{"index":["a","b"]}}},"value":[1,2,3]}`).Datasets[0]
		_, err := ds.Rows()
		var verr *ValidationError
		if !errors.As(err, &verr) || verr.Issues[0].Code != ValueLenMismatch {
			t.Errorf("Rows: %v, want a ValidationError with VALUE_LEN_MISMATCH", err)
		}
	})
}

// TestLegacyDataset: the 1.x layout, with id, size and role inside
// "dimension", in SSB's {"dataset": ...} wrapper.
func TestLegacyDataset(t *testing.T) {
	doc := mustParse(t, `{"dataset":{"label":"old","dimension":{
	    "id":["Region","Tid"],"size":[2,2],"role":{"time":["Tid"]},
	    "Region":{"label":"region","category":{"index":{"0301":0,"1103":1},"label":{"0301":"Oslo","1103":"Stavanger"}}},
	    "Tid":{"label":"year","category":{"index":{"2023":0,"2024":1}}}},
	  "value":[1,2,null,4],"status":{"2":".."}}}`)
	if doc.Class != ClassBundle || len(doc.Datasets) != 1 {
		t.Fatalf("class %s, %d datasets", doc.Class, len(doc.Datasets))
	}
	ds := doc.Datasets[0]
	if !ds.Legacy || ds.Name != "dataset" || ds.Pointer != "/dataset" || len(ds.Dimensions) != 2 {
		t.Fatalf("dataset %+v", ds)
	}
	res := Validate(doc)
	if !res.Valid || !slices.Equal(issueCodes(res), []string{"BUNDLE_DEPRECATED"}) {
		t.Fatalf("Validate: %+v", res)
	}
	rows := collect(t, ds)
	if r := rows[2]; !slices.Equal(r.Label, []string{"Stavanger", "2023"}) || r.Kind != KindNull || r.Status != ".." {
		t.Errorf("row 2 = %+v", r)
	}
	if r := rows[1]; !slices.Equal(r.ID, []string{"0301", "2024"}) || r.Value != 2 {
		t.Errorf("row 1 = %+v", r)
	}
}
