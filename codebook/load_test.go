package codebook

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// want is one expected problem: its line, key, and a piece of its message.
type want struct {
	line int
	key  string
	msg  string
}

// parseErr parses src and returns the problems of its *Error.
func parseErr(t *testing.T, src string) []Problem {
	t.Helper()
	cb, err := Parse("t.yaml", []byte(src))
	if err == nil {
		t.Fatalf("Parse accepted the codebook: %+v", cb)
	}
	if cb != nil {
		t.Errorf("Parse returned a codebook with its error")
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error is %T, want *Error: %v", err, err)
	}
	if e.File != "t.yaml" {
		t.Errorf("Error.File = %q, want t.yaml", e.File)
	}
	return e.Problems
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []want
	}{
		{"empty file", "", []want{{0, "", "empty file"}}},
		{"not yaml", "instrument: x\n  version: [\n", []want{{2, "", "invalid YAML"}}},
		{"not a mapping", "- a\n- b\n", []want{{1, "", "must be a mapping"}}},
		{"two documents", "instrument: x\n---\ninstrument: y\n", []want{
			{1, "version", "missing"}, {1, "groups", "no groups"}, {2, "", "more than one YAML document"}}},
		{"missing top keys", "groups:\n", []want{
			{1, "instrument", "missing"}, {1, "version", "missing"}, {1, "groups", "no groups"}}},
		{"unknown and repeated keys", `instrument: x
version: "1"
colour: blue
instrument: y
groups:
  - code: g
    names: {nb: G, en: G}
    indicies: []
    indices:
      - {code: A, names: {nb: A, en: A}, items: [a1], weight: 2}
`, []want{
			{3, "colour", "unknown key"},
			{4, "instrument", "key given twice (first on line 1)"},
			{8, "groups[0].indicies", "unknown key (allowed: code, names, grades"},
			{10, "groups[0].indices[0].weight", "unknown key"},
		}},
		{"missing codes and names", `instrument: x
version: "1"
groups:
  - names: {nb: G}
    indices:
      - names: {en: A}
        items: [a1]
    bullying:
      items: [b1]
`, []want{
			{4, "groups[0].code", "missing"},
			{4, "groups[0].names.en", "missing"},
			{6, "groups[0].indices[0].code", "missing"},
			{6, "groups[0].indices[0].names.nb", "missing"},
			{9, "groups[0].bullying.code", "missing"},
			{9, "groups[0].bullying.names.nb", "missing"},
			{9, "groups[0].bullying.names.en", "missing"},
		}},
		{"wrong types", `instrument: [x]
version: "1"
groups:
  - code: g
    names: G
    grades: [5, ten]
    min_respondents: many
    indices:
      - code: A
        names: {nb: A, en: A}
        items: a1
        min_items: 1.5
`, []want{
			{1, "instrument", "must be a text"},
			{5, "groups[0].names", "must be a mapping"},
			{6, "groups[0].grades[1]", `must be a whole number; got "ten"`},
			{7, "groups[0].min_respondents", "must be a whole number"},
			{11, "groups[0].indices[0].items", "must be a list"},
			{12, "groups[0].indices[0].min_items", "must be a whole number"},
		}},
		{"empty index and group", `instrument: x
version: "1"
groups:
  - code: g
    names: {nb: G, en: G}
    indices:
      - code: A
        names: {nb: A, en: A}
        items: []
  - code: h
    names: {nb: H, en: H}
`, []want{
			{9, "groups[0].indices[0].items", "empty index"},
			{10, "groups[1].indices", "computes nothing"},
		}},
		{"item twice", `instrument: x
version: "1"
groups:
  - code: g
    names: {nb: G, en: G}
    indices:
      - code: A
        names: {nb: A, en: A}
        items: [a1, a2, a1]
      - code: B
        names: {nb: B, en: B}
        items:
          - b1
          - a2
    bullying:
      code: M
      names: {nb: M, en: M}
      items: [m1, b1, m1]
    other_items: [s1, a1, s1, m1]
`, []want{
			{9, "groups[0].indices[0].items[2]", `item "a1" is already listed in index "A" (line 9)`},
			{14, "groups[0].indices[1].items[1]", `item "a2" is already listed in index "A" (line 9)`},
			{18, "groups[0].bullying.items[1]", `item "b1" is already listed in index "B" (line 13)`},
			{18, "groups[0].bullying.items[2]", `item "m1" is already listed in bullying (line 18)`},
			{19, "groups[0].other_items[1]", `item "a1" is already listed in index "A" (line 9)`},
			{19, "groups[0].other_items[2]", `item "s1" is already listed in other_items (line 19)`},
			{19, "groups[0].other_items[3]", `item "m1" is already listed in bullying (line 18)`},
		}},
		{"reverse not in index", `instrument: x
version: "1"
groups:
  - code: g
    names: {nb: G, en: G}
    indices:
      - code: A
        names: {nb: A, en: A}
        items: [a1, a2]
        reverse: [a2, b1, a2]
      - code: B
        names: {nb: B, en: B}
        items: [b1]
`, []want{
			{10, "groups[0].indices[0].reverse[1]", `"b1" is not an item of this index`},
			{10, "groups[0].indices[0].reverse[2]", `"a2" is listed twice in reverse`},
		}},
		{"min_items out of range", `instrument: x
version: "1"
groups:
  - code: g
    names: {nb: G, en: G}
    min_respondents: 0
    indices:
      - code: A
        names: {nb: A, en: A}
        items: [a1, a2, a3]
        min_items: 4
      - code: B
        names: {nb: B, en: B}
        items: [b1]
        min_items: 0
`, []want{
			{6, "groups[0].min_respondents", "0: must be at least 1"},
			{11, "groups[0].indices[0].min_items", "4 is out of range: want 1 to 3"},
			{15, "groups[0].indices[1].min_items", "0 is out of range: want 1 to 1"},
		}},
		{"bad scales and threshold", `instrument: x
version: "1"
groups:
  - code: g
    names: {nb: G, en: G}
    scale: {min: 1, max: 4}
    indices:
      - code: A
        names: {nb: A, en: A}
        items: [a1]
        scale: {min: 3, max: 3}
      - code: B
        names: {nb: B, en: B}
        items: [b1]
        scale: {min: 0, max: 4}
      - code: C
        names: {nb: C, en: C}
        items: [c1]
        scale: {max: 7}
    bullying:
      code: M
      names: {nb: M, en: M}
      items: [m1]
      threshold: 5
`, []want{
			{11, "groups[0].indices[0].scale", "min 3 must be less than max 3"},
			{15, "groups[0].indices[1].scale", "does not fit the answer codes 1..99"},
			{19, "groups[0].indices[2].scale.min", "missing"},
			{24, "groups[0].bullying.threshold", "5 is off the group's scale 1..4"},
		}},
		{"duplicate codes", `instrument: x
version: "1"
groups:
  - code: g
    names: {nb: G, en: G}
    indices:
      - code: A
        names: {nb: A, en: A}
        items: [a1]
      - code: A
        names: {nb: A2, en: A2}
        items: [a2]
    bullying:
      code: A
      names: {nb: M, en: M}
      items: [m1]
  - code: g
    names: {nb: G2, en: G2}
    indices:
      - code: A
        names: {nb: A, en: A}
        items: [a1]
`, []want{
			{10, "groups[0].indices[1].code", `index code "A" already used by groups[0].indices[0] (line 7)`},
			{14, "groups[0].bullying.code", `code "A" already used by groups[0].indices[0] (line 7)`},
			{17, "groups[1].code", `group code "g" already used by groups[0] (line 4)`},
		}},
		{"grades", `instrument: x
version: "1"
groups:
  - code: g
    names: {nb: G, en: G}
    grades: [5, 10]
    indices:
      - {code: A, names: {nb: A, en: A}, items: [a1]}
  - code: h
    names: {nb: H, en: H}
    grades: [1, 5]
    indices:
      - {code: A, names: {nb: A, en: A}, items: [a1]}
  - code: i
    names: {nb: I, en: I}
    grades: [7, 4]
    indices:
      - {code: A, names: {nb: A, en: A}, items: [a1]}
  - code: j
    names: {nb: J, en: J}
    grades: [11]
    indices:
      - {code: A, names: {nb: A, en: A}, items: [a1]}
`, []want{
			{11, "groups[1].grades", `grades 1-5 overlap grades 5-10 of group "g"`},
			{16, "groups[2].grades", "[7, 4] is not a grade band"},
			{21, "groups[3].grades", "must be [from, to], two grades; got 1"},
		}},
		{"areas", `instrument: x
version: "1"
groups:
  - code: g
    names: {nb: G, en: G}
    areas:
      - {code: T, names: {nb: T, en: T}}
      - {code: T, names: {nb: T2, en: T2}}
      - {code: U, names: {nb: U, en: U}}
    indices:
      - {code: A, names: {nb: A, en: A}, area: T, items: [a1]}
      - {code: B, names: {nb: B, en: B}, area: V, items: [b1]}
      - {code: C, names: {nb: C, en: C}, items: [c1]}
  - code: h
    names: {nb: H, en: H}
    indices:
      - {code: A, names: {nb: A, en: A}, area: T, items: [a1]}
`, []want{
			{8, "groups[0].areas[1].code", `area code "T" already used by groups[0].areas[0] (line 7)`},
			{9, "groups[0].areas[2]", `area "U" has no index`},
			{12, "groups[0].indices[1].area", `area "V" is not one of the group's areas (T, T, U)`},
			{13, "groups[0].indices[2].area", "missing: the group has areas"},
			{17, "groups[1].indices[0].area", `area "T" is not declared`},
		}},
		{"code with a space", `instrument: x
version: "1"
groups:
  - code: g
    names: {nb: G, en: G}
    indices:
      - code: A
        names: {nb: A, en: A}
        items: ["a 1", ""]
`, []want{
			{9, "groups[0].indices[0].items[0]", "may not hold spaces"},
			{9, "groups[0].indices[0].items[1]", "missing"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseErr(t, tt.src)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(tt.want), render(got))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Line != w.line || g.Key != w.key || !strings.Contains(g.Msg, w.msg) {
					t.Errorf("problem %d = %d %s %q, want %d %s containing %q", i, g.Line, g.Key, g.Msg, w.line, w.key, w.msg)
				}
			}
		})
	}
}

func render(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString((&Error{File: "t.yaml", Problems: []Problem{p}}).Error())
		b.WriteByte('\n')
	}
	return b.String()
}

func TestErrorText(t *testing.T) {
	e := &Error{File: "cb.yaml", Problems: []Problem{
		{Line: 3, Key: "groups[0].code", Msg: "missing"},
		{Line: 0, Key: "", Msg: "empty file"},
	}}
	want := "cb.yaml:3: groups[0].code: missing\ncb.yaml: empty file"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// A problem found while decoding a value is not reported again by the
// checks that read the zero value left in its place.
func TestBadValueReportedOnce(t *testing.T) {
	got := parseErr(t, `instrument: x
version: "1"
groups:
  - code: g
    names: {nb: G, en: G}
    scale: {min: low, max: 5}
    indices:
      - {code: A, names: {nb: A, en: A}, items: [a1], min_items: "2"}
`)
	want := []want{
		{6, "groups[0].scale.min", "must be a whole number"},
		{8, "groups[0].indices[0].min_items", "must be a whole number"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), render(got))
	}
	for i, w := range want {
		if got[i].Line != w.line || got[i].Key != w.key || !strings.Contains(got[i].Msg, w.msg) {
			t.Errorf("problem %d = %+v, want %+v", i, got[i], w)
		}
	}
}

func TestDefaults(t *testing.T) {
	cb, err := Parse("d.yaml", []byte(`instrument: Test
version: "1"
groups:
  - code: g
    names: {nb: G, en: G}
    areas:
      - {code: T, names: {nb: T, en: T}}
    indices:
      - code: A
        names: {nb: A, en: A}
        area: T
        items: [a1, a2, a3, a4, a5]
      - code: B
        names: {nb: B, en: B}
        area: T
        items: [b1, b2, b3, b4]
        scale: {min: 1, max: 7}
        reverse: ~
      - code: C
        names: {nb: C, en: C}
        area: T
        items: [c1]
    bullying:
      code: M
      names: {nb: M, en: M}
      items: [m1]
  - code: h
    names: {nb: H, en: H}
    scale: {min: 1, max: 4}
    min_respondents: 3
    indices:
      - {code: D, names: {nb: D, en: D}, items: [d1, d2], min_items: 2}
`))
	if err != nil {
		t.Fatal(err)
	}
	one5, one4, one7 := Scale{1, 5}, Scale{1, 4}, Scale{1, 7}
	want := &Codebook{
		Instrument: "Test", Version: "1", Source: "d.yaml",
		Groups: []Group{
			{
				Code: "g", Names: Names{"G", "G"}, Scale: one5, MinRespondents: 10,
				Areas: []Area{{"T", Names{"T", "T"}}},
				Indices: []Index{
					{Code: "A", Names: Names{"A", "A"}, Area: "T", Items: []string{"a1", "a2", "a3", "a4", "a5"}, Scale: one5, MinItems: 3},
					{Code: "B", Names: Names{"B", "B"}, Area: "T", Items: []string{"b1", "b2", "b3", "b4"}, Scale: one7, MinItems: 2},
					{Code: "C", Names: Names{"C", "C"}, Area: "T", Items: []string{"c1"}, Scale: one5, MinItems: 1},
				},
				Bullying: &Bullying{Code: "M", Names: Names{"M", "M"}, Items: []string{"m1"}, Threshold: 3},
			},
			{
				Code: "h", Names: Names{"H", "H"}, Scale: one4, MinRespondents: 3,
				Indices: []Index{
					{Code: "D", Names: Names{"D", "D"}, Items: []string{"d1", "d2"}, Scale: one4, MinItems: 2},
				},
			},
		},
	}
	if !reflect.DeepEqual(cb, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", cb, want)
	}
}

func TestDefaultMinItems(t *testing.T) {
	for _, tt := range []struct{ n, want int }{{0, 1}, {1, 1}, {2, 1}, {3, 2}, {4, 2}, {5, 3}, {10, 5}, {11, 6}} {
		if got := DefaultMinItems(tt.n); got != tt.want {
			t.Errorf("DefaultMinItems(%d) = %d, want %d", tt.n, got, tt.want)
		}
	}
}

func TestAliases(t *testing.T) {
	cb, err := Parse("a.yaml", []byte(`instrument: x
version: "1"
groups:
  - code: g
    names: &n {nb: G, en: G}
    scale: &s {min: 1, max: 4}
    indices:
      - {code: A, names: *n, items: [a1], scale: *s}
`))
	if err != nil {
		t.Fatal(err)
	}
	if ix := cb.Groups[0].Indices[0]; ix.Names != (Names{"G", "G"}) || ix.Scale != (Scale{1, 4}) {
		t.Errorf("aliased values not read: %+v", ix)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	src := "instrument: x\nversion: \"1\"\ngroups:\n  - code: g\n    names: {nb: G, en: G}\n    indices:\n      - {code: A, names: {nb: A, en: A}, items: [a1]}\n"
	if err := os.WriteFile(good, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cb, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	if cb.Source != good || cb.Groups[0].Indices[0].Items[0] != "a1" {
		t.Errorf("Load = %+v", cb)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(src, "items: [a1]", "items: []", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	if err == nil || !strings.HasPrefix(err.Error(), bad+":7: groups[0].indices[0].items: empty index") {
		t.Errorf("Load(bad) error = %v, want it to start with %s:7", err, bad)
	}

	_, err = Load(filepath.Join(dir, "absent.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(absent) error = %v, want ErrNotExist", err)
	}
}

func TestValidateBuiltInCode(t *testing.T) {
	cb := &Codebook{Instrument: "x", Version: "1", Source: "code", Groups: []Group{{
		Code: "g", Names: Names{"G", "G"}, Scale: Scale{1, 5}, MinRespondents: 10,
		Indices: []Index{{Code: "A", Names: Names{"A", "A"}, Items: []string{"a1", "a2"}, Reverse: []string{"a3"}, Scale: Scale{1, 5}}},
	}}}
	err := cb.Validate()
	want := "code: groups[0].indices[0].reverse[0]: item \"a3\" is not an item of this index: reverse lists a subset of items\n" +
		"code: groups[0].indices[0].min_items: 0 is out of range: want 1 to 2, the index's item count"
	if err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want\n%s", err, want)
	}
	cb.Groups[0].Indices[0].Reverse = []string{"a2"}
	cb.Groups[0].Indices[0].MinItems = 1
	if err := cb.Validate(); err != nil {
		t.Errorf("Validate() of a good codebook = %v", err)
	}
}
