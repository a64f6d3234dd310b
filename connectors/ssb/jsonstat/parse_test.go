package jsonstat

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		is   error  // a sentinel the error must wrap, or nil
		says string // text the error must contain
	}{
		{"malformed JSON", `{"class":`, nil, "decoding JSON"},
		{"malformed non-object", `[1,`, nil, "decoding JSON"},
		{"data after the root", `{"class":"dataset"} {}`, nil, "after the root"},
		{"array root", `[1,2]`, ErrNotJSONStat, "not a JSON object"},
		{"null root", `null`, ErrNotJSONStat, ""},
		{"object of scalars", `{"version":"2.0","x":1}`, ErrNotJSONStat, "no class"},
		{"dimension class", `{"version":"2.0","class":"dimension","category":{}}`, ErrUnsupportedClass, `"dimension"`},
		{"class not a string", `{"class":3}`, nil, "/class"},
		{"size of strings", `{"class":"dataset","id":["x"],"size":["2"],"dimension":{},"value":[]}`, nil, "/size"},
		{"value of booleans", `{"class":"dataset","id":[],"size":[],"dimension":{},"value":[true]}`, nil, "/value"},
		{"value nested", `{"class":"dataset","id":[],"size":[],"dimension":{},"value":[[1]]}`, nil, "element 0"},
		{"value a number", `{"class":"dataset","id":[],"size":[],"dimension":{},"value":5}`, nil, "/value"},
		{"value overflows float64", `{"class":"dataset","id":["x"],"size":[1],"dimension":{},"value":[1e999]}`, nil, "1e999"},
		{"status of numbers", `{"class":"dataset","id":[],"size":[],"dimension":{},"value":[1],"status":[1]}`, nil, "/status"},
		{"index position a string", `{"class":"dataset","id":["x"],"size":[1],"dimension":{"x":{"category":{"index":{"a":"0"}}}},"value":[1]}`, nil, "/dimension/x/category/index"},
		{"category label of numbers", `{"class":"dataset","id":["x"],"size":[1],"dimension":{"x":{"category":{"index":["a"],"label":{"a":1}}}},"value":[1]}`, nil, "/dimension/x/category"},
		{"collection item not an object", `{"class":"collection","link":{"item":[3]}}`, nil, "/link/item/0"},
		{"collections nested too deep", strings.Repeat(`{"class":"collection","link":{"item":[`, 10) + strings.Repeat(`]}}`, 10), nil, "nested deeper"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Parse([]byte(tc.doc))
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", doc)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v does not wrap %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q lacks %q", err, tc.says)
			}
		})
	}
}

func TestParseDocument(t *testing.T) {
	t.Run("dataset members", func(t *testing.T) {
		doc := mustParse(t, `{"version":"2.0","class":"dataset","label":"L","source":"SSB","updated":"2025-10-29T07:00:00Z",
		  "href":"h","note":"one note","extension":{"px":{"tableid":"03024"}},
		  "id":["Tid"],"size":[1],"role":{"time":["Tid"],"metric":[]},
		  "dimension":{"Tid":{"label":"week","href":"dh","note":["n"],"extension":{"show":"code"},
		    "category":{"index":["2025U01"],"label":{"2025U01":"2025U01"},"coordinates":{"2025U01":[10.7,59.9]},"child":{},"note":{"2025U01":"c"}}}},
		  "value":[11364]}`)
		if doc.Class != ClassDataset || doc.Version != "2.0" || doc.Label != "L" || len(doc.Datasets) != 1 {
			t.Fatalf("doc %+v", doc)
		}
		ds := doc.Datasets[0]
		if ds.Label != "L" || ds.Source != "SSB" || ds.Updated != "2025-10-29T07:00:00Z" || ds.Href != "h" ||
			!slices.Equal(ds.Note, []string{"one note"}) || string(ds.Extension) != `{"px":{"tableid":"03024"}}` ||
			!slices.Equal(ds.Role.Time, []string{"Tid"}) || ds.Legacy || ds.Pointer != "" {
			t.Errorf("dataset %+v", ds)
		}
		d := ds.Dim("Tid")
		if d.Label != "week" || d.Href != "dh" || !slices.Equal(d.Note, []string{"n"}) || string(d.Extension) != `{"show":"code"}` {
			t.Errorf("dimension %+v", d)
		}
		c := d.Category
		if !slices.Equal(c.Coordinates["2025U01"], []float64{10.7, 59.9}) || !slices.Equal(c.Note["2025U01"], []string{"c"}) {
			t.Errorf("category %+v", c)
		}
		if ds.Dim("nope") != nil {
			t.Error("Dim of an unknown id is not nil")
		}
	})
	t.Run("collection items", func(t *testing.T) {
		doc := mustParse(t, `{"version":"2.0","class":"collection","label":"C","link":{"item":[
		  {"class":"dataset","href":"https://a","label":"linked"},
		  {"class":"dataset","label":"embedded","id":["x"],"size":[1],"dimension":{"x":{"category":{"index":["k"]}}},"value":[3]},
		  {"class":"collection","href":"https://c","link":{"item":[{"class":"dataset","id":[],"size":[],"dimension":{},"value":[4]}]}}]}}`)
		var got []string
		for _, it := range doc.Items {
			got = append(got, it.Pointer+" "+it.Class+" "+it.Label+" "+it.Href)
		}
		want := []string{"/link/item/0 dataset linked https://a", "/link/item/1 dataset embedded ", "/link/item/2 collection  https://c", "/link/item/2/link/item/0 dataset  "}
		if !slices.Equal(got, want) {
			t.Errorf("items\n%q\nwant\n%q", got, want)
		}
		if len(doc.Datasets) != 2 || doc.Items[1].Dataset != doc.Datasets[0] || doc.Items[0].Dataset != nil || doc.Datasets[1].Pointer != "/link/item/2/link/item/0" {
			t.Errorf("datasets %+v", doc.Datasets)
		}
	})
	t.Run("bundle keeps document order and skips non-datasets", func(t *testing.T) {
		doc := mustParse(t, `{"version":"2.0","zeta":{"class":"dataset","id":[],"size":[],"dimension":{},"value":[1]},
		  "misc":{"a":1},"alpha":{"dimension":{"id":[],"size":[]},"value":[2]}}`)
		var names []string
		for _, ds := range doc.Datasets {
			names = append(names, ds.Name)
		}
		if doc.Class != ClassBundle || !slices.Equal(names, []string{"zeta", "alpha"}) {
			t.Errorf("class %s datasets %v", doc.Class, names)
		}
	})
	t.Run("dimensions not in id come last, sorted", func(t *testing.T) {
		ds := mustParse(t, `{"class":"dataset","id":["b","a"],"size":[1,1],"dimension":{
		  "z":{},"a":{"category":{"index":["1"]}},"y":{},"b":{"category":{"index":["1"]}}},"value":[1]}`).Datasets[0]
		var ids []string
		for _, d := range ds.Dimensions {
			ids = append(ids, d.ID)
		}
		if !slices.Equal(ids, []string{"b", "a", "y", "z"}) {
			t.Errorf("dimensions %v", ids)
		}
	})
	t.Run("CRLF and escapes in the value array", func(t *testing.T) {
		ds := mustParse(t, "{\r\n\"class\":\"dataset\",\"id\":[\"x\"],\"size\":[3],\r\n\"dimension\":{\"x\":{\"category\":{\"index\":[\"a\",\"b\",\"c\"]}}},\r\n\"value\":[ \"\\u00e6\\n\" ,\r\n\t-0.5e-1 , null ]\r\n}").Datasets[0]
		rows := collect(t, ds)
		if rows[0].Text != "æ\n" || rows[1].Value != -0.05 || rows[2].Kind != KindNull {
			t.Errorf("rows %+v", rows)
		}
	})
}

func TestCells(t *testing.T) {
	tests := []struct {
		size []int
		want int
	}{
		{nil, 1},
		{[]int{3, 2, 4}, 24},
		{[]int{5, 0, 7}, 0},
		{[]int{MaxCells, 1}, MaxCells},
		{[]int{MaxCells, 2}, -1},
		{[]int{1 << 40, 1 << 40, 0}, 0},
		{[]int{2, -1}, -1},
	}
	for _, tc := range tests {
		if got := (&Dataset{Size: tc.size}).Cells(); got != tc.want {
			t.Errorf("Cells(%v) = %d, want %d", tc.size, got, tc.want)
		}
	}
}
