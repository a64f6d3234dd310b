package jsonstat

import (
	"slices"
	"strings"
	"testing"
)

// TestValidateOwnCodes covers the checks the corpus has no case for, each
// with a hand-written document and the path and key the issue must name.
func TestValidateOwnCodes(t *testing.T) {
	const x2 = `"x":{"category":{"index":["a","b"]}}`
	tests := []struct {
		name  string
		doc   string
		codes []string
		path  string
		word  string
	}{
		{"negative size",
			`{"version":"2.0","class":"dataset","id":["x"],"size":[-2],"dimension":{` + x2 + `},"value":[]}`,
			[]string{"SIZE_INVALID"}, "/size/0", "-2"},
		{"repeated id",
			`{"version":"2.0","class":"dataset","id":["x","x"],"size":[2,2],"dimension":{` + x2 + `},"value":[1,2,3,4]}`,
			[]string{"ID_DUPLICATE"}, "/id", `"x"`},
		{"no value member",
			`{"version":"2.0","class":"dataset","id":["x"],"size":[2],"dimension":{` + x2 + `}}`,
			[]string{"VALUE_MISSING"}, "", "value"},
		{"sparse key given twice",
			`{"version":"2.0","class":"dataset","id":["x"],"size":[2],"dimension":{` + x2 + `},"value":{"1":1,"01":2}}`,
			[]string{"SPARSE_KEY_DUPLICATE"}, "/value", "1"},
		{"sparse key not a number",
			`{"version":"2.0","class":"dataset","id":["x"],"size":[2],"dimension":{` + x2 + `},"value":{"-1":1,"a":2}}`,
			[]string{"SPARSE_KEY_OUT_OF_RANGE"}, "/value/-1", `"a"`},
		{"status key out of range",
			`{"version":"2.0","class":"dataset","id":["x"],"size":[2],"dimension":{` + x2 + `},"value":[1,2],"status":{"2":"e"}}`,
			[]string{"STATUS_KEY_OUT_OF_RANGE"}, "/status/2", `"2"`},
		{"status key given twice",
			`{"version":"2.0","class":"dataset","id":["x"],"size":[2],"dimension":{` + x2 + `},"value":[1,2],"status":{"0":"e","00":"f"}}`,
			[]string{"STATUS_KEY_DUPLICATE"}, "/status", "0"},
		{"no index, several labels",
			`{"version":"2.0","class":"dataset","id":["x"],"size":[2],"dimension":{"x":{"category":{"label":{"a":"A","b":"B"}}}},"value":[1,2]}`,
			[]string{"INDEX_MISSING"}, "/dimension/x/category/index", `"x"`},
		{"no category",
			`{"version":"2.0","class":"dataset","id":["x"],"size":[1],"dimension":{"x":{"label":"x"}},"value":[1]}`,
			[]string{"INDEX_MISSING"}, "/dimension/x/category/index", `"x"`},
		{"constant dimension with size 2",
			`{"version":"2.0","class":"dataset","id":["x"],"size":[2],"dimension":{"x":{"category":{"label":{"a":"A"}}}},"value":[1,2]}`,
			[]string{"INDEX_COUNT_MISMATCH"}, "/dimension/x/category/index", "size 2"},
		{"index repeats an id",
			`{"version":"2.0","class":"dataset","id":["x"],"size":[2],"dimension":{"x":{"category":{"index":["a","a"]}}},"value":[1,2]}`,
			[]string{"INDEX_ID_DUPLICATE"}, "/dimension/x/category/index", `"a"`},
		{"index object with a fractional position",
			`{"version":"2.0","class":"dataset","id":["x"],"size":[2],"dimension":{"x":{"category":{"index":{"a":0,"b":0.5}}}},"value":[1,2]}`,
			[]string{"INDEX_POSITIONS_INVALID"}, "/dimension/x/category/index", "-1"},
		{"cube too large",
			`{"version":"2.0","class":"dataset","id":["x","y"],"size":[100000,100000],"dimension":{},"value":{}}`,
			[]string{"DIM_KEY_ID_MISMATCH", "CUBE_SIZE_OVERFLOW"}, "/size", "[100000×100000]"},
		{"label misses a category (warning)",
			`{"version":"2.0","class":"dataset","id":["x"],"size":[2],"dimension":{"x":{"category":{"index":["a","b"],"label":{"a":"A"}}}},"value":[1,2]}`,
			[]string{"LABEL_KEY_INCOMPLETE"}, "/dimension/x/category/label", `"b"`},
		{"self-referencing child",
			`{"version":"2.0","class":"dataset","id":["x"],"size":[2],"dimension":{"x":{"category":{"index":["a","b"],"child":{"a":["b"],"b":["b"]}}}},"value":[1,2]}`,
			[]string{"CHILD_CYCLE"}, "/dimension/x/category/child", `"b"`},
		{"path escapes ~ and /",
			`{"version":"2.0","class":"dataset","id":["a/b~c"],"size":[1],"dimension":{"a/b~c":{"category":{"index":["k"],"unit":{"z":{}}}}},"value":[1]}`,
			[]string{"UNIT_KEY_UNKNOWN"}, "/dimension/a~1b~0c/category/unit", `"z"`},
		{"legacy paths point inside dimension",
			`{"d":{"dimension":{"id":["x"],"size":[2,1],` + x2 + `},"value":[1,2]}}`,
			[]string{"BUNDLE_DEPRECATED", "ID_SIZE_LEN_MISMATCH"}, "/d/dimension/id", `"x"`},
		{"embedded dataset in a collection",
			`{"version":"2.0","class":"collection","link":{"item":[{"class":"dataset","href":"h"},
			  {"class":"dataset","id":["x"],"size":[2],"dimension":{` + x2 + `},"value":[1,2,3]}]}}`,
			[]string{"VALUE_LEN_MISMATCH"}, "/link/item/1/value", "3 cells"},
		{"nested collection",
			`{"version":"2.0","class":"collection","link":{"item":[{"class":"collection","link":{"item":[
			  {"class":"dataset","id":["x"],"size":[2],"role":{"geo":["g"]},"dimension":{` + x2 + `},"value":[1,2]}]}}]}}`,
			[]string{"ROLE_ID_UNKNOWN"}, "/link/item/0/link/item/0/role/geo", `"g"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := Validate(mustParse(t, tc.doc))
			got := issueCodes(res)
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.codes))
			if !slices.Equal(got, want) {
				t.Fatalf("codes %v, want %v (%+v)", got, want, res)
			}
			wantValid := !slices.ContainsFunc(tc.codes, func(c string) bool {
				return c != "LABEL_KEY_INCOMPLETE" && c != "BUNDLE_DEPRECATED" && c != "METADATA_ONLY"
			})
			if res.Valid != wantValid {
				t.Errorf("Valid = %v, want %v", res.Valid, wantValid)
			}
			code := tc.codes[len(tc.codes)-1]
			var found bool
			for _, is := range append(res.Errors, res.Warnings...) {
				if string(is.Code) == code && is.Path == tc.path && strings.Contains(is.Message, tc.word) {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s at %q mentioning %s in %+v", code, tc.path, tc.word, res)
			}
		})
	}
}

func TestValidationErrorMessage(t *testing.T) {
	res := Validate(mustParse(t, `{"version":"2.0","class":"dataset","id":["x","y","z"],"size":[2],
	  "role":{"time":["t1","t2"],"geo":["g"]},"dimension":{"x":{"category":{"index":["a","b"]}}},"value":[1]}`))
	// By hand: id/size lengths, y and z without dimension, 3 unknown role
	// ids, and 1 value for 2 cells.
	if len(res.Errors) != 6 {
		t.Fatalf("%d errors, want 6: %+v", len(res.Errors), res.Errors)
	}
	msg := res.Err().Error()
	for _, want := range []string{"invalid JSON-stat: ", "ID_SIZE_LEN_MISMATCH at /id", "DIM_KEY_ID_MISMATCH at /dimension", `"y", "z"`, "(and 3 more)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if Validate(mustParse(t, cube324)).Err() != nil {
		t.Error("Err() of a valid result is not nil")
	}
}
