package peergroups

import (
	"errors"
	"fmt"
	"io/fs"
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

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []want
	}{
		{"empty file", "", []want{{0, "", "empty file"}}},
		{"not yaml", "groups:\n  - code: [\n", []want{{2, "", "invalid YAML"}}},
		{"not a mapping", "- a\n", []want{{1, "", "must be a mapping"}}},
		{"no groups", "groups: []\n", []want{{1, "groups", "no groups"}}},
		{"groups not a list", "groups: x\n", []want{{1, "groups", "must be a list"}}},
		{"unknown top key", "group:\n  - code: a\n", []want{{1, "group", "unknown key"}, {1, "groups", "no groups"}}},
		{"bad code", `groups:
  - code: Vestland-Store
    name: {nb: a, en: a}
    members:
      - municipality: "4601"
`, []want{{2, "groups[0].code", `"Vestland-Store": a code is lower-case letters, digits and _`}}},
		{"overlapping member", `groups:
  - code: g
    name: {nb: a, en: a}
    members:
      - municipality: "4601"
        from: 2020
      - municipality: "1103"
      - municipality: "4601"
        from: 2022
        to: 2023
`, []want{{8, "groups[0].members[2].municipality", "4601 is already a member in 2020 onwards (members[0], line 5)"}}},
		{"same member twice, both open", `groups:
  - code: g
    name: {nb: a, en: a}
    members:
      - municipality: "4601"
      - municipality: "4601"
`, []want{{6, "groups[0].members[1].municipality", "already a member in every year"}}},
		{"unknown key", `groups:
  - code: g
    name: {nb: a, en: a}
    member:
      - municipality: "4601"
`, []want{{2, "groups[0].members", "missing"}, {4, "groups[0].member", "unknown key (allowed: code, name, members)"}}},
		{"unknown member key", `groups:
  - code: g
    name: {nb: a, en: a}
    members:
      - municipality: "4601"
        until: 2023
`, []want{{6, "groups[0].members[0].until", "unknown key (allowed: municipality, from, to)"}}},
		{"bad municipality codes", `groups:
  - code: g
    name: {nb: a, en: a}
    members:
      - municipality: "301"
      - municipality: 0301x
      - municipality: ["4601"]
      - from: 2020
`, []want{
			{5, "groups[0].members[0].municipality", `"301": a municipality is its four-digit number`},
			{6, "groups[0].members[1].municipality", `"0301x"`},
			{7, "groups[0].members[2].municipality", "must be a text; got a list"},
			{8, "groups[0].members[3].municipality", "missing"},
		}},
		{"asss reused", `groups:
  - code: mine
    name: {nb: a, en: a}
    members:
      - municipality: "4601"
  - code: asss
    name: {nb: b, en: b}
    members:
      - municipality: "0301"
`, []want{{6, "groups[1].code", `"asss" is the code of the built-in ASSS group`}}},
		{"code twice", `groups:
  - code: g
    name: {nb: a, en: a}
    members: [{municipality: "4601"}]
  - code: g
    name: {nb: b, en: b}
    members: [{municipality: "0301"}]
`, []want{{5, "groups[1].code", `"g" is also the code of groups[0] (line 2)`}}},
		{"bad years", `groups:
  - code: g
    name: {nb: a, en: a}
    members:
      - municipality: "4601"
        from: 2023
        to: 2020
      - municipality: "0301"
        from: "2020/21"
      - municipality: "1103"
        to: 22
`, []want{
			{7, "groups[0].members[0].to", "2020 is before from (2023)"},
			{9, "groups[0].members[1].from", `must be a year (a whole number such as 2022); got "2020/21"`},
			{11, "groups[0].members[2].to", "22 is not a school year in 1900..2100"},
		}},
		{"names", `groups:
  - code: g
    name: {nb: a}
    members: [{municipality: "4601"}]
  - code: h
    members: [{municipality: "4601"}]
  - code: i
    name: {nb: "", en: x}
    members: [{municipality: "4601"}]
`, []want{
			{3, "groups[0].name.en", "missing"},
			{5, "groups[1].name", "missing"},
			{8, "groups[2].name.nb", "empty"},
		}},
		{"empty entries and repeated key", `groups:
  -
  - code: g
    code: h
    name: {nb: a, en: a}
    members:
      -
`, []want{
			{2, "groups[0]", "empty"},
			{4, "groups[1].code", "key given twice (first on line 3)"},
			{7, "groups[1].members[0]", "empty"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			groups, err := Parse("t.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse accepted the file: %+v", groups)
			}
			if groups != nil {
				t.Errorf("Parse returned groups with its error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is %T, want *Error: %v", err, err)
			}
			if !e.BadInput() {
				t.Error("Error is not bad input")
			}
			if len(e.Problems) != len(tt.want) {
				t.Errorf("%d problems, want %d:\n%v", len(e.Problems), len(tt.want), err)
			}
			text := err.Error()
			for _, w := range tt.want {
				prefix := "t.yaml"
				if w.line > 0 {
					prefix += fmt.Sprintf(":%d", w.line)
				}
				prefix += ": "
				if w.key != "" {
					prefix += w.key + ": "
				}
				found := false
				for _, l := range strings.Split(text, "\n") {
					if strings.HasPrefix(l, prefix) && strings.Contains(l, w.msg) {
						found = true
					}
				}
				if !found {
					t.Errorf("no line %q...%q in:\n%s", prefix, w.msg, text)
				}
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	src := `groups:
  - code: g_1
    name: {nb: "Gruppe", en: "Group"}
    members:
      - municipality: "0301"
        to: 2019
      - municipality: "0301"
        from: 2021
      - municipality: 4601
      - &m {municipality: "1103", from: 2020, to: 2020}
  - code: h
    name: {nb: "H", en: "H"}
    members: [*m]
`
	groups, err := Parse("ok.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Group{
		{Code: "g_1", Names: Names{NB: "Gruppe", EN: "Group"}, Source: "ok.yaml", Members: []Member{
			{Municipality: "0301", To: 2019},
			{Municipality: "0301", From: 2021},
			{Municipality: "4601"},
			{Municipality: "1103", From: 2020, To: 2020},
		}},
		{Code: "h", Names: Names{NB: "H", EN: "H"}, Source: "ok.yaml", Members: []Member{
			{Municipality: "1103", From: 2020, To: 2020},
		}},
	}
	if !reflect.DeepEqual(groups, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", groups, want)
	}
	// 0301 left in 2019 and came back in 2021.
	for year, want := range map[int][]string{2019: {"0301", "4601"}, 2020: {"1103", "4601"}, 2021: {"0301", "4601"}} {
		if got := groups[0].MembersIn(year); !reflect.DeepEqual(got, want) {
			t.Errorf("g_1 members in %d: %v, want %v", year, got, want)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nowhere.yaml")
	_, err := Load(path)
	if err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q: want one naming %s and wrapping fs.ErrNotExist", err, path)
	}
	var bad interface{ BadInput() bool }
	if !errors.As(err, &bad) || !bad.BadInput() {
		t.Error("a missing file is not bad input")
	}
}
