package jsonstat

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// corpusCase is one entry of jsonstat/validator's corpus/cases.json.
type corpusCase struct {
	ID       string `json:"id"`
	Group    string `json:"group"`
	Expected struct {
		Codes         []string `json:"codes"`
		Valid         *bool    `json:"valid"`
		NoOtherErrors *bool    `json:"noOtherErrors"`
	} `json:"expected"`
	Input json.RawMessage `json:"input"`
}

// corpusWhere gives, per invalid case, the path of the expected issue and a
// word its message must contain (the offending dimension or key), worked
// out from each case's input by hand.
var corpusWhere = map[string]struct{ path, word string }{
	"invalid/value-len-mismatch":      {"/value", "3 cells"},
	"invalid/id-size-len-mismatch":    {"/id", `"extra"`},
	"invalid/dim-key-id-mismatch":     {"/dimension", `"year"`},
	"invalid/sparse-key-out-of-range": {"/value/5", `"5"`},
	"invalid/role-id-unknown":         {"/role/time", `"nope"`},
	"invalid/status-len-mismatch":     {"/status", "3 entries"},
	"invalid/index-count-mismatch":    {"/dimension/sex/category/index", "size 3"},
	"invalid/index-positions-invalid": {"/dimension/sex/category/index", "0, 2"},
	"invalid/label-key-unknown":       {"/dimension/sex/category/label", `"X"`},
	"invalid/unit-key-unknown":        {"/dimension/metric/category/unit", `"Q"`},
	"invalid/coord-key-unknown":       {"/dimension/geo/category/coordinates", `"Z"`},
	"invalid/note-key-unknown":        {"/dimension/sex/category/note", `"W"`},
	"invalid/child-id-unknown":        {"/dimension/geo/category/child", `"XX"`},
	"invalid/child-cycle":             {"/dimension/geo/category/child", `"geo"`},
	"invalid/metric-unit-missing":     {"/dimension/metric/category/unit", `"metric"`},
	"invalid/bundle-deprecated":       {"", "bundle"},
}

// TestCorpusCases runs every case of the validator corpus. It is stricter
// than the corpus's own runner: where noOtherErrors holds, the warnings too
// must be exactly the expected codes, and a valid case has no issue at all.
func TestCorpusCases(t *testing.T) {
	var cases []corpusCase
	if err := json.Unmarshal(readConformance(t, "jsonstat", "validator", "corpus", "cases.json"), &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 20 {
		t.Fatalf("corpus has %d cases, SOURCES.md lists 20", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			doc, err := Parse(c.Input)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			res := Validate(doc)
			got := issueCodes(res)
			if c.Group == "valid" {
				if !res.Valid || len(got) > 0 {
					t.Fatalf("valid case: got Valid=%v issues %v", res.Valid, append(res.Errors, res.Warnings...))
				}
				return
			}
			for _, code := range c.Expected.Codes {
				if !slices.Contains(got, code) {
					t.Errorf("missing %s; got %v", code, append(res.Errors, res.Warnings...))
				}
				seen[code] = true
			}
			if c.Expected.NoOtherErrors == nil || *c.Expected.NoOtherErrors {
				for _, code := range got {
					if !slices.Contains(c.Expected.Codes, code) {
						t.Errorf("unexpected %s; want only %v", code, c.Expected.Codes)
					}
				}
			}
			if c.Expected.Valid != nil && res.Valid != *c.Expected.Valid {
				t.Errorf("Valid = %v, want %v", res.Valid, *c.Expected.Valid)
			}
			if (res.Err() == nil) != res.Valid {
				t.Errorf("Err() = %v with Valid = %v", res.Err(), res.Valid)
			}
			where, ok := corpusWhere[c.ID]
			if !ok {
				t.Fatalf("no expected path for %s", c.ID)
			}
			var found bool
			for _, is := range append(res.Errors, res.Warnings...) {
				if string(is.Code) == c.Expected.Codes[0] && is.Path == where.path && strings.Contains(is.Message, where.word) {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s issue at %q mentioning %s; got %v", c.Expected.Codes[0], where.path, where.word, append(res.Errors, res.Warnings...))
			}
		})
	}
	if len(seen) != 16 {
		t.Errorf("the invalid cases exercised %d distinct codes, want the 16 of SOURCES.md", len(seen))
	}
}
