package jsonstat

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fuzzFlattenLimit keeps each fuzz input fast: larger valid cubes are
// validated but not walked.
const fuzzFlattenLimit = 1 << 16

// FuzzParse: Parse and Validate never panic, Rows refuses exactly the
// datasets Validate rejects (or that are metadata only), and a dataset that
// validates flattens to product(size) rows, each at the flat index its
// coordinates give. Run with
//
//	go test -run '^$' -fuzz=FuzzParse -fuzzminimizetime=5s ./connectors/ssb/jsonstat/
//
// (the default minimisation budget of 60 s per new input shows as long
// stretches of "0/sec").
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		cube324,
		`{"dataset":{"dimension":{"id":["x"],"size":[2],"x":{"category":{"index":{"a":0,"b":1}}}},"value":[1,null],"status":{"1":".."}}}`,
		`{"version":"2.0","class":"dataset","id":["x","y"],"size":[2,2],"dimension":{"x":{"category":{"index":["a","b"]}},"y":{"category":{"label":{"k":"K"}}}},"value":{"3":1},"status":"e"}`,
		`{"version":"2.0","class":"collection","link":{"item":[{"class":"dataset","id":["x"],"size":[1],"dimension":{"x":{"category":{"index":["a"]}}},"value":[42]}]}}`,
		`{"version":"2.0","class":"dataset","id":["x"],"size":[2],"dimension":{"x":{"category":{"index":["a","b"],"child":{"a":["b"]}}}},"value":[],"status":["a"]}`,
		`{}`, `[]`, `null`, `{"a":{"dimension":null}}`,
	} {
		f.Add([]byte(s))
	}
	// The validator corpus and a few small samples, when present.
	root := filepath.Join("..", "..", "..", "..", "shared", "conformance", "jsonstat")
	if data, err := os.ReadFile(filepath.Join(root, "validator", "corpus", "cases.json")); err == nil {
		var cases []corpusCase
		if json.Unmarshal(data, &cases) == nil {
			for _, c := range cases {
				f.Add([]byte(c.Input))
			}
		}
	}
	for _, name := range []string{"order.json", "canada.json"} {
		if data, err := os.ReadFile(filepath.Join(root, "jsonstat.py", "json-stat.org", name)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data)
		if err != nil {
			return
		}
		res := Validate(doc)
		allValid := true
		for _, ds := range doc.Datasets {
			dres := ValidateDataset(ds)
			allValid = allValid && dres.Valid
			seq, err := ds.Rows()
			switch {
			case !dres.Valid:
				if err == nil {
					t.Fatalf("Rows accepted dataset %q with errors %v", ds.Pointer, dres.Errors)
				}
				continue
			case ds.MetadataOnly():
				if !errors.Is(err, ErrMetadataOnly) {
					t.Fatalf("Rows on a metadata-only dataset: %v", err)
				}
				continue
			case err != nil:
				t.Fatalf("Rows refused valid dataset %q: %v", ds.Pointer, err)
			}
			total := ds.Cells()
			if total > fuzzFlattenLimit {
				continue
			}
			n := 0
			for r := range seq {
				// The flat index from the coordinates, by Horner's rule.
				flat := 0
				for d, p := range r.Pos {
					if p < 0 || p >= ds.Size[d] {
						t.Fatalf("row %d: position %d outside dimension %d of size %d", n, p, d, ds.Size[d])
					}
					flat = flat*ds.Size[d] + p
				}
				if r.Index != n || flat != n {
					t.Fatalf("row %d has Index %d and coordinates %v (flat %d)", n, r.Index, r.Pos, flat)
				}
				n++
			}
			if n != total {
				t.Fatalf("%d rows, want product(size) = %d", n, total)
			}
		}
		if res.Valid != allValid {
			t.Fatalf("Validate says %v, its datasets say %v", res.Valid, allValid)
		}
	})
}
