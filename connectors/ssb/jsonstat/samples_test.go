package jsonstat

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// sample is a JSON-stat file of the conformance corpus and what it is, as
// read from the file by hand (and listed in SOURCES.md).
type sample struct {
	path     []string
	what     string
	class    Class
	pointers []string // the datasets Parse must find, by JSON pointer
	cells    []int    // product(size) of each
	nulls    []int    // null cells of each
	items    int      // collection link.item entries
	warnings []string // the only issues Validate may report
}

var (
	jsonstatOrg = []string{"jsonstat", "jsonstat.py", "json-stat.org"}
	pxExpected  = []string{"jsonstat", "PxWebApi", "ExpectedJson"}
)

func in(dir []string, file string) []string { return append(slices.Clone(dir), file) }

var samples = []sample{
	{in(jsonstatOrg, "canada.json"), "2.0 dataset, status as a one-element array", ClassDataset, []string{""}, []int{120}, []int{0}, 0, nil},
	{in(jsonstatOrg, "collection.json"), "2.0 collection of links only", ClassCollection, nil, nil, nil, 8, nil},
	{in(jsonstatOrg, "galicia.json"), "2.0 dataset with nulls", ClassDataset, []string{""}, []int{3960}, []int{4}, 0, nil},
	{in(jsonstatOrg, "hierarchy.json"), "2.0 dataset, sparse value, child hierarchy", ClassDataset, []string{""}, []int{132}, []int{132}, 0, nil},
	{in(jsonstatOrg, "oecd-canada-col.json"), "2.0 collection embedding two datasets", ClassCollection, []string{"/link/item/0", "/link/item/1"}, []int{432, 120}, []int{0, 0}, 2, nil},
	{in(jsonstatOrg, "oecd-canada.json"), "1.x bundle (deprecated)", ClassBundle, []string{"/oecd", "/canada"}, []int{432, 120}, []int{0, 0}, 0, []string{"BUNDLE_DEPRECATED"}},
	{in(jsonstatOrg, "oecd.json"), "2.0 dataset, status as an object", ClassDataset, []string{""}, []int{432}, []int{0}, 0, nil},
	{in(jsonstatOrg, "order.json"), "2.0 dataset of strings, CRLF", ClassDataset, []string{""}, []int{24}, []int{0}, 0, nil},
	{in(jsonstatOrg, "us-gsp.json"), "2.0 dataset", ClassDataset, []string{""}, []int{204}, []int{0}, 0, nil},
	{in(jsonstatOrg, "us-labor.json"), "2.0 dataset", ClassDataset, []string{""}, []int{12880}, []int{0}, 0, nil},
	{in(jsonstatOrg, "us-unr.json"), "2.0 dataset", ClassDataset, []string{""}, []int{3220}, []int{0}, 0, nil},
	{[]string{"jsonstat", "jsonstat.py", "ssb_no", "29843.json"}, "SSB's 1.x {\"dataset\": ...} bundle (deprecated)", ClassBundle, []string{"/dataset"}, []int{37440}, []int{7200}, 0, []string{"BUNDLE_DEPRECATED"}},
	{in(pxExpected, "MetadataById_tab001_js2.json"), "PxWebApi metadata-only dataset", ClassDataset, []string{""}, []int{5940}, nil, 0, []string{"METADATA_ONLY"}},
	{in(pxExpected, "MetadataById_tab003_js2.json"), "PxWebApi metadata-only dataset", ClassDataset, []string{""}, []int{2448}, nil, 0, []string{"METADATA_ONLY"}},
	{in(pxExpected, "MetadataById_tab004_js2.json"), "PxWebApi metadata-only dataset", ClassDataset, []string{""}, []int{4312}, nil, 0, []string{"METADATA_ONLY"}},
}

// TestSamples parses and validates every JSON-stat sample, and flattens every
// dataset with values, checking each cell against a reference read through
// a different path (encoding/json into any, coordinates by division).
func TestSamples(t *testing.T) {
	for _, s := range samples {
		t.Run(s.path[len(s.path)-1], func(t *testing.T) {
			data := readConformance(t, s.path...)
			doc, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse (%s): %v", s.what, err)
			}
			if doc.Class != s.class {
				t.Errorf("Class = %s, want %s", doc.Class, s.class)
			}
			if len(doc.Items) != s.items {
				t.Errorf("%d items, want %d", len(doc.Items), s.items)
			}
			res := Validate(doc)
			if !res.Valid || !slices.Equal(issueCodes(res), s.warnings) {
				t.Errorf("Validate: Valid=%v issues %v, want valid with %v", res.Valid, append(res.Errors, res.Warnings...), s.warnings)
			}
			var pointers []string
			for _, ds := range doc.Datasets {
				pointers = append(pointers, ds.Pointer)
			}
			if !slices.Equal(pointers, s.pointers) {
				t.Fatalf("datasets at %q, want %q", pointers, s.pointers)
			}
			var root any
			if err := json.Unmarshal(data, &root); err != nil {
				t.Fatal(err)
			}
			for i, ds := range doc.Datasets {
				if got := ds.Cells(); got != s.cells[i] {
					t.Errorf("%s: Cells() = %d, want %d", ds.Pointer, got, s.cells[i])
				}
				if s.nulls == nil {
					if !ds.MetadataOnly() {
						t.Errorf("%s: MetadataOnly() = false", ds.Pointer)
					}
					if _, err := ds.Rows(); !errors.Is(err, ErrMetadataOnly) {
						t.Errorf("%s: Rows error %v, want ErrMetadataOnly", ds.Pointer, err)
					}
					continue
				}
				ref := reference(t, at(t, root, ds.Pointer))
				rows := collect(t, ds)
				if len(rows) != s.cells[i] {
					t.Fatalf("%s: %d rows, want %d", ds.Pointer, len(rows), s.cells[i])
				}
				nulls := 0
				for _, r := range rows {
					if r.Kind == KindNull {
						nulls++
					}
					if err := ref.check(r); err != nil {
						t.Fatalf("%s: row %d: %v", ds.Pointer, r.Index, err)
					}
				}
				if nulls != s.nulls[i] {
					t.Errorf("%s: %d null rows, want %d", ds.Pointer, nulls, s.nulls[i])
				}
			}
		})
	}
}

// TestNotJSONStat: the other PxWebApi expectations are plain JSON answers
// (/config, /tables, /tables/{id}), which Parse must refuse.
func TestNotJSONStat(t *testing.T) {
	for _, f := range []string{"GetApiConfiguration.json", "ListAllTables.json", "TableById_tab004.json"} {
		t.Run(f, func(t *testing.T) {
			_, err := Parse(readConformance(t, in(pxExpected, f)...))
			if !errors.Is(err, ErrNotJSONStat) {
				t.Fatalf("Parse error %v, want ErrNotJSONStat", err)
			}
		})
	}
}

// at follows a JSON pointer made of plain object keys and array indices.
func at(t *testing.T, v any, ptr string) map[string]any {
	t.Helper()
	if ptr != "" {
		for _, tok := range strings.Split(ptr[1:], "/") {
			switch x := v.(type) {
			case map[string]any:
				v = x[tok]
			case []any:
				i, err := strconv.Atoi(tok)
				if err != nil {
					t.Fatal(err)
				}
				v = x[i]
			}
		}
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is not an object", ptr)
	}
	return m
}

// ref is a dataset decoded generically, for cross-checking flattened rows.
type ref struct {
	sizes  []int
	cats   [][]string          // category ids by position, per dimension
	labels []map[string]string // per dimension
	value  func(i int) any
	status func(i int) string
}

func reference(t *testing.T, m map[string]any) ref {
	t.Helper()
	dims := m["dimension"].(map[string]any)
	layout := m
	if _, ok := m["id"]; !ok {
		layout = dims // 1.x
	}
	var r ref
	for i, id := range layout["id"].([]any) {
		size := int(layout["size"].([]any)[i].(float64))
		r.sizes = append(r.sizes, size)
		cat := dims[id.(string)].(map[string]any)["category"].(map[string]any)
		ids := make([]string, size)
		switch idx := cat["index"].(type) {
		case []any:
			for p, x := range idx {
				ids[p] = x.(string)
			}
		case map[string]any:
			for k, p := range idx {
				ids[int(p.(float64))] = k
			}
		case nil:
			for k := range cat["label"].(map[string]any) {
				ids[0] = k
			}
		}
		r.cats = append(r.cats, ids)
		labels := map[string]string{}
		if l, ok := cat["label"].(map[string]any); ok {
			for k, v := range l {
				labels[k] = v.(string)
			}
		}
		r.labels = append(r.labels, labels)
	}
	switch v := m["value"].(type) {
	case []any:
		r.value = func(i int) any { return v[i] }
	case map[string]any:
		r.value = func(i int) any { return v[strconv.Itoa(i)] }
	}
	switch s := m["status"].(type) {
	case nil:
		r.status = func(int) string { return "" }
	case string:
		r.status = func(int) string { return s }
	case []any:
		r.status = func(i int) string {
			if len(s) == 1 {
				i = 0
			}
			str, _ := s[i].(string)
			return str
		}
	case map[string]any:
		r.status = func(i int) string { str, _ := s[strconv.Itoa(i)].(string); return str }
	}
	return r
}

// check compares a row with the reference cell at its index.
func (r ref) check(row flatRow) error {
	rest := row.Index
	for d := len(r.sizes) - 1; d >= 0; d-- {
		p := rest % r.sizes[d]
		rest /= r.sizes[d]
		id := r.cats[d][p]
		label, ok := r.labels[d][id]
		if !ok {
			label = id
		}
		if row.Pos[d] != p || row.ID[d] != id || row.Label[d] != label {
			return fmt.Errorf("dimension %d: got (%d, %q, %q), want (%d, %q, %q)", d, row.Pos[d], row.ID[d], row.Label[d], p, id, label)
		}
	}
	switch v := r.value(row.Index).(type) {
	case nil:
		if row.Kind != KindNull {
			return fmt.Errorf("got %s %v %q, want null", row.Kind, row.Value, row.Text)
		}
	case float64:
		if row.Kind != KindNumber || row.Value != v {
			return fmt.Errorf("got %s %v, want number %v", row.Kind, row.Value, v)
		}
	case string:
		if row.Kind != KindString || row.Text != v {
			return fmt.Errorf("got %s %q, want string %q", row.Kind, row.Text, v)
		}
	}
	if want := r.status(row.Index); row.Status != want {
		return fmt.Errorf("status %q, want %q", row.Status, want)
	}
	return nil
}

// compareToTable checks a dataset's rows against a table written by the
// JSON-stat JavaScript toolkit's toTable(): a header of dimension labels and
// "Value", then per cell the category labels and the value, null as an empty
// last field. Numbers are compared as numbers: the toolkit prints floats its
// own way.
func compareToTable(t *testing.T, ds *Dataset, csvPath string) {
	t.Helper()
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var header []string
	for _, id := range ds.ID {
		header = append(header, ds.Dim(id).Label)
	}
	header = append(header, "Value")
	if !slices.Equal(records[0], header) {
		t.Fatalf("header %q, want %q", records[0], header)
	}
	rows := collect(t, ds)
	if len(rows) != len(records)-1 {
		t.Fatalf("%d rows, table has %d", len(rows), len(records)-1)
	}
	for i, r := range rows {
		rec := records[i+1]
		n := len(ds.ID)
		if !slices.Equal(r.Label, rec[:n]) {
			t.Fatalf("row %d: labels %q, table %q", i, r.Label, rec[:n])
		}
		if rec[n] == "" {
			if r.Kind != KindNull {
				t.Fatalf("row %d: %s %v, table has null", i, r.Kind, r.Value)
			}
			continue
		}
		want, err := strconv.ParseFloat(rec[n], 64)
		if err != nil {
			t.Fatal(err)
		}
		if r.Kind != KindNumber || r.Value != want {
			t.Fatalf("row %d: %s %v, table has %v", i, r.Kind, r.Value, want)
		}
	}
}

func TestSSB29843ToTable(t *testing.T) {
	csvPath := conformanceFile(t, "jsonstat", "jsonstat.py", "output_from_nodejs", "29843-to_table.csv")
	doc, err := Parse(readConformance(t, "jsonstat", "jsonstat.py", "ssb_no", "29843.json"))
	if err != nil {
		t.Fatal(err)
	}
	ds := doc.Datasets[0]
	if ds.Name != "dataset" || !ds.Legacy {
		t.Fatalf("Name %q Legacy %v, want the 1.x member \"dataset\"", ds.Name, ds.Legacy)
	}
	if !slices.Equal(ds.ID, []string{"PKoder", "ContentsCode", "Tid"}) || !slices.Equal(ds.Size, []int{20, 6, 312}) {
		t.Fatalf("id %v size %v, from inside dimension", ds.ID, ds.Size)
	}
	if !slices.Equal(ds.Role.Time, []string{"Tid"}) || !slices.Equal(ds.Role.Metric, []string{"ContentsCode"}) {
		t.Errorf("role %+v", ds.Role)
	}
	compareToTable(t, ds, csvPath)

	// By hand: cell 60 is P1021 × Sesongjustert × the 61st month (1995M01),
	// the first with a value; cell 59 (1994M12) is null with status ".".
	rows := collect(t, ds)
	if r := rows[60]; !slices.Equal(r.ID, []string{"P1021", "Sesongjustert", "1995M01"}) || r.Kind != KindNumber || r.Value != 114.6 || r.Status != "" {
		t.Errorf("row 60 = %+v", r)
	}
	if r := rows[59]; r.ID[2] != "1994M12" || r.Kind != KindNull || r.Status != "." {
		t.Errorf("row 59 = %+v", r)
	}
}

func TestOECDBundleToTable(t *testing.T) {
	csvPath := conformanceFile(t, "jsonstat", "jsonstat.py", "output_from_nodejs", "oecd-canada-to_table.csv")
	doc, err := Parse(readConformance(t, in(jsonstatOrg, "oecd-canada.json")...))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Class != ClassBundle || doc.Datasets[0].Name != "oecd" || doc.Datasets[1].Name != "canada" {
		t.Fatalf("want bundle oecd, canada; got %s with %d datasets", doc.Class, len(doc.Datasets))
	}
	compareToTable(t, doc.Datasets[0], csvPath)
}

// TestOrderSample: json-stat.org's order.json names each cell by its
// coordinates ("A2B1C3"), so the value checks the order by itself, except at
// position 11, where the official sample has the typo "A1B1C4" (kept).
func TestOrderSample(t *testing.T) {
	doc, err := Parse(readConformance(t, in(jsonstatOrg, "order.json")...))
	if err != nil {
		t.Fatal(err)
	}
	rows := collect(t, doc.Datasets[0])
	for _, r := range rows {
		want := "A" + r.ID[0] + "B" + r.ID[1] + "C" + r.ID[2]
		if r.Index == 11 {
			want = "A1B1C4"
			if !slices.Equal(r.ID, []string{"2", "1", "4"}) {
				t.Errorf("row 11 at %v, want A2 B1 C4", r.ID)
			}
		}
		if r.Kind != KindString || r.Text != want {
			t.Errorf("row %d at %v = %s %q, want %q", r.Index, r.ID, r.Kind, r.Text, want)
		}
	}
}

// TestSampleDetails checks members the flattening does not show: status
// forms, units (decimals kept), notes.
func TestSampleDetails(t *testing.T) {
	t.Run("canada status applies to all", func(t *testing.T) {
		doc, err := Parse(readConformance(t, in(jsonstatOrg, "canada.json")...))
		if err != nil {
			t.Fatal(err)
		}
		ds := doc.Datasets[0]
		for _, r := range collect(t, ds) {
			if r.Status != "a" {
				t.Fatalf("row %d status %q, want a", r.Index, r.Status)
			}
		}
		u := ds.Dim("concept").Category.Unit["POP"]
		if u.Decimals == nil || *u.Decimals != 1 || u.Multiplier == nil || *u.Multiplier != 3 || u.Label != "thousands of persons" {
			t.Errorf("unit POP = %+v", u)
		}
		// country has no index: its single label key is the category.
		if c := ds.Dim("country").Category; !slices.Equal(c.IDs, []string{"CA"}) {
			t.Errorf("country ids %v", c.IDs)
		}
	})
	t.Run("oecd status object", func(t *testing.T) {
		doc, err := Parse(readConformance(t, in(jsonstatOrg, "oecd.json")...))
		if err != nil {
			t.Fatal(err)
		}
		rows := collect(t, doc.Datasets[0])
		// status {"10": "e", "11": "e", ...}: cells 10 and 11 are UNR × AU
		// (area position 0) × 2013 and 2014 (year positions 10, 11).
		for i, want := range map[int][]string{10: {"UNR", "AU", "2013"}, 11: {"UNR", "AU", "2014"}} {
			if r := rows[i]; r.Status != "e" || !slices.Equal(r.ID, want) {
				t.Errorf("row %d = %v %q, want %v e", i, r.ID, r.Status, want)
			}
		}
		if rows[9].Status != "" {
			t.Errorf("row 9 status %q, want none", rows[9].Status)
		}
		if n := doc.Datasets[0].Note; len(n) != 1 {
			t.Errorf("note %q", n)
		}
	})
	t.Run("tab004 notes and units", func(t *testing.T) {
		doc, err := Parse(readConformance(t, in(pxExpected, "MetadataById_tab004_js2.json")...))
		if err != nil {
			t.Fatal(err)
		}
		ds := doc.Datasets[0]
		if !slices.Equal(ds.Note, []string{"Footnote text", ".. = Data not available"}) {
			t.Errorf("note %q", ds.Note)
		}
		if n := ds.Dim("GREENHOUSEGAS").Category.Note["SF6_CO2-ekv."]; !slices.Equal(n, []string{"Footnote text"}) {
			t.Errorf("category note %q", n)
		}
		u := ds.Dim("ContentsCode").Category.Unit["Emission"]
		if u.Decimals == nil || *u.Decimals != 0 || u.Base != "Device varies with the subject" {
			t.Errorf("unit %+v", u)
		}
		// index objects resolve to ids by position: "10.0" is at 5.
		if ids := ds.Dim("SECTOR").Category.IDs; len(ids) != 14 || ids[5] != "10.0" || ids[13] != "9.0" {
			t.Errorf("SECTOR ids %v", ids)
		}
		if len(ds.Dim("SECTOR").Extension) == 0 || len(ds.Extension) == 0 {
			t.Error("extensions dropped")
		}
	})
}
