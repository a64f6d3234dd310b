package jsonstat

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// conformanceFile returns the path of a file of the shared conformance
// corpus (outside the repository), skipping the test when it is absent.
func conformanceFile(t testing.TB, rel ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{"..", "..", "..", "..", "shared", "conformance"}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("conformance file absent: %v", err)
	}
	return p
}

func readConformance(t testing.TB, rel ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(conformanceFile(t, rel...))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// mustParse parses a document the test wrote and returns it.
func mustParse(t testing.TB, src string) *Document {
	t.Helper()
	doc, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return doc
}

// flatRow is a Row copied out of the iterator.
type flatRow struct {
	Index  int
	Pos    []int
	ID     []string
	Label  []string
	Kind   ValueKind
	Value  float64
	Text   string
	Status string
}

// collect flattens ds into copies of its rows, failing the test on error.
func collect(t testing.TB, ds *Dataset) []flatRow {
	t.Helper()
	seq, err := ds.Rows()
	if err != nil {
		t.Fatalf("Rows: %v", err)
	}
	var out []flatRow
	for r := range seq {
		out = append(out, flatRow{
			Index: r.Index, Pos: slices.Clone(r.Pos), ID: slices.Clone(r.ID), Label: slices.Clone(r.Label),
			Kind: r.Kind, Value: r.Value, Text: r.Text, Status: r.Status,
		})
	}
	return out
}

// issueCodes lists the codes of a result's errors and warnings.
func issueCodes(r Result) []string {
	var out []string
	for _, is := range append(slices.Clone(r.Errors), r.Warnings...) {
		out = append(out, string(is.Code))
	}
	return out
}
