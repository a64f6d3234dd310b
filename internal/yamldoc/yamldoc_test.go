package yamldoc

import (
	"maps"
	"reflect"
	"strings"
	"testing"
)

// The two users (codebook, connectors/peergroups) cover the common paths;
// these are the branches neither of their tests reaches.

func TestDocumentErrors(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		wantRoot bool
		want     Problem // Msg is a prefix
	}{
		{"error without a line", "\x01", false, Problem{0, "", "invalid YAML: control characters are not allowed"}},
		{"error with a line", "a:\n\tb: 1\n", false, Problem{2, "", "invalid YAML: found character that cannot start any token"}},
		{"bad second document", "a: 1\n---\nb: [\n", true, Problem{0, "", "invalid YAML after the first document: yaml: line 3: "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoder
			root := d.Document([]byte(tt.src), "a test file", "empty")
			if (root != nil) != tt.wantRoot {
				t.Errorf("root = %v, want a root: %v", root, tt.wantRoot)
			}
			if len(d.Problems) != 1 {
				t.Fatalf("problems = %+v, want one", d.Problems)
			}
			p := d.Problems[0]
			if p.Line != tt.want.Line || p.Key != tt.want.Key || !strings.HasPrefix(p.Msg, tt.want.Msg) {
				t.Errorf("problem = %+v, want %+v", p, tt.want)
			}
		})
	}
}

func TestFieldsAndSeq(t *testing.T) {
	src := "a:\n  - x\n  - ~\nb: {c: 1}\n? [k]\n: 2\nd:\n"
	var d Decoder
	f := d.Fields(d.Document([]byte(src), "a test file", "empty"), "", "a", "b", "d")
	if _, ok := f["d"]; ok || len(f) != 2 {
		t.Errorf("fields = %v, want a and b only (d is null)", f)
	}
	if got := d.Seq(f["b"], "b"); got != nil {
		t.Errorf("Seq of a mapping = %v, want nil", got)
	}
	if got := d.Seq(f["a"], "a"); len(got) != 2 {
		t.Errorf("Seq(a) has %d elements, want 2", len(got))
	}
	want := []Problem{
		{5, "", "a key must be a plain name"},
		{4, "b", "must be a list; got a mapping"},
	}
	if !reflect.DeepEqual(d.Problems, want) {
		t.Errorf("problems = %+v, want %+v", d.Problems, want)
	}
	wantLines := map[string]int{"": 1, "a": 2, "a[0]": 2, "a[1]": 3, "b": 4, "d": 7}
	if !maps.Equal(d.Lines, wantLines) {
		t.Errorf("lines = %v, want %v", d.Lines, wantLines)
	}
}

func TestKindName(t *testing.T) {
	var d Decoder
	root := d.Document([]byte("m: {a: 1}\nl: [1]\ns: \"x y\"\nr: &r 1\nal: *r\n"), "a test file", "empty")
	// KindName does not resolve: callers resolve first, so an alias is
	// "something else".
	for i, want := range []string{"a mapping", "a list", `"x y"`, `"1"`, "something else"} {
		k, v := root.Content[2*i], root.Content[2*i+1]
		if got := KindName(v); got != want {
			t.Errorf("KindName(%s) = %s, want %s", k.Value, got, want)
		}
	}
}
