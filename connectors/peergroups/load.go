package peergroups

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/skolestat/skolestat/internal/yamldoc"
)

// Problem is one thing wrong with a peer-group file. Its Line is 0 for the
// file as a whole; its Key is the path of the offending key, e.g.
// "groups[0].members[2].municipality".
type Problem = yamldoc.Problem

// Error is every problem Parse or Load found in one file, sorted by line;
// its File is the name given to Parse or the path given to Load.
// It is bad input: reading the file again will not help.
type Error yamldoc.Error

// Error renders one problem a line, as "file:line: key: message".
func (e *Error) Error() string { return (*yamldoc.Error)(e).Error() }

// BadInput marks the error as bad input for the runner and the exit code.
func (e *Error) BadInput() bool { return true }

// readError is a peer-group file that could not be read (most often: it
// does not exist). It unwraps to the os error, so errors.Is(err,
// fs.ErrNotExist) holds for a missing file.
type readError struct {
	path string
	err  error
}

func (e *readError) Error() string {
	err := e.err
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == e.path {
		err = pe.Err // the path is named already
	}
	return fmt.Sprintf("reading peer group file %s: %v", e.path, err)
}
func (e *readError) Unwrap() error  { return e.err }
func (e *readError) BadInput() bool { return true }

// Load reads and checks the peer-group file at path: Parse with the path as
// the name. A file that cannot be read is an error naming it.
func Load(path string) ([]Group, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &readError{path: path, err: err}
	}
	return Parse(path, data)
}

// Parse decodes and checks a user's peer-group file in the format of the
// package doc; name is the file name errors and each Group's Source carry.
// The groups come in file order, their members in listed order. On any
// problem it returns nil and an *Error listing every problem found.
func Parse(name string, data []byte) ([]Group, error) {
	return parse(name, data, false)
}

// parse is Parse; builtin allows the code ASSS.
func parse(name string, data []byte, builtin bool) ([]Group, error) {
	d := &decoder{}
	groups := d.document(data)
	if groups != nil {
		d.check(groups, builtin)
	}
	if len(d.Problems) > 0 {
		return nil, (*Error)(yamldoc.NewError(name, d.Problems))
	}
	for i := range groups {
		groups[i].Source = name
	}
	return groups, nil
}

// decoder turns a YAML node tree into groups, collecting problems and the
// lines of the values the checks after decoding point at.
type decoder struct{ yamldoc.Decoder }

// document decodes the single YAML document of data; nil when it holds no
// usable groups list.
func (d *decoder) document(data []byte) []Group {
	root := d.Document(data, "a peer group file", "empty file; a peer group file holds `groups:` with at least one group")
	f := d.Fields(root, "", "groups") // nil for a nil root
	if f == nil {
		return nil
	}
	items := d.Seq(f["groups"], "groups")
	if len(items) == 0 {
		if g := f["groups"]; g == nil || g.Kind == yaml.SequenceNode {
			d.Fail(root, "groups", "no groups; list at least one")
		}
		return nil
	}
	groups := make([]Group, len(items))
	for i, n := range items {
		groups[i] = d.group(n, fmt.Sprintf("groups[%d]", i))
	}
	return groups
}

var codePattern = regexp.MustCompile(`^[a-z0-9_]+$`)

func (d *decoder) group(n *yaml.Node, path string) Group {
	if yamldoc.Resolve(n) == nil {
		d.Fail(n, path, "empty; a group has code, name and members")
		return Group{}
	}
	f := d.Fields(n, path, "code", "name", "members")
	if f == nil {
		return Group{}
	}
	g := Group{Code: d.Str(f["code"], path+".code")}
	switch v := f["code"]; {
	case v == nil:
		d.Fail(n, path+".code", "missing")
	case v.Kind == yaml.ScalarNode && !codePattern.MatchString(g.Code):
		d.Fail(v, path+".code", "%q: a code is lower-case letters, digits and _", g.Code)
	}
	if f["name"] == nil {
		d.Fail(n, path+".name", "missing: give {nb: ..., en: ...}")
	} else if nf := d.Fields(f["name"], path+".name", "nb", "en"); nf != nil {
		g.Names = Names{NB: d.Str(nf["nb"], path+".name.nb"), EN: d.Str(nf["en"], path+".name.en")}
		for _, l := range []struct{ lang, text string }{{"nb", g.Names.NB}, {"en", g.Names.EN}} {
			lang, text := l.lang, l.text
			switch v := nf[lang]; {
			case v == nil:
				d.Fail(f["name"], path+".name."+lang, "missing")
			case v.Kind == yaml.ScalarNode && strings.TrimSpace(text) == "":
				d.Fail(v, path+".name."+lang, "empty")
			}
		}
	}
	members := d.Seq(f["members"], path+".members")
	switch v := f["members"]; {
	case v == nil:
		d.Fail(n, path+".members", "missing: list at least one member")
	case len(members) == 0 && v.Kind == yaml.SequenceNode:
		d.Fail(v, path+".members", "no members; list at least one")
	}
	for i, m := range members {
		g.Members = append(g.Members, d.member(m, fmt.Sprintf("%s.members[%d]", path, i)))
	}
	return g
}

var municipalityPattern = regexp.MustCompile(`^[0-9]{4}$`)

func (d *decoder) member(n *yaml.Node, path string) Member {
	if yamldoc.Resolve(n) == nil {
		d.Fail(n, path, "empty; a member has at least municipality")
		return Member{}
	}
	f := d.Fields(n, path, "municipality", "from", "to")
	if f == nil {
		return Member{}
	}
	m := Member{Municipality: d.Str(f["municipality"], path+".municipality")}
	switch v := f["municipality"]; {
	case v == nil:
		d.Fail(n, path+".municipality", "missing")
	case v.Kind == yaml.ScalarNode && !municipalityPattern.MatchString(m.Municipality):
		d.Fail(v, path+".municipality", "%q: a municipality is its four-digit number in the 2024 classification, quoted (\"0301\")", m.Municipality)
	}
	m.From = d.year(f["from"], path+".from")
	m.To = d.year(f["to"], path+".to")
	if m.From != 0 && m.To != 0 && m.From > m.To {
		d.Fail(f["to"], path+".to", "%d is before from (%d)", m.To, m.From)
	}
	return m
}

// year reads an optional school year; 0 when absent or bad.
func (d *decoder) year(n *yaml.Node, path string) int {
	if n == nil {
		return 0
	}
	var v int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		d.Fail(n, path, "must be a year (a whole number such as 2022); got %s", yamldoc.KindName(n))
		return 0
	}
	if v < MinYear || v > MaxYear {
		d.Fail(n, path, "%d is not a school year in %d..%d (the autumn year: 2022 is 2022-23)", v, MinYear, MaxYear)
		return 0
	}
	return v
}

// check finds what no single value shows: codes used twice or reserved,
// and a municipality listed twice in a group with overlapping years.
func (d *decoder) check(groups []Group, builtin bool) {
	first := map[string]int{} // code -> index of the first group using it
	for i, g := range groups {
		path := fmt.Sprintf("groups[%d]", i)
		line := d.Lines[path+".code"]
		if g.Code == "" {
			continue
		}
		if g.Code == ASSS && !builtin {
			d.FailAt(line, path+".code", "%q is the code of the built-in ASSS group, always included; give your group another code", ASSS)
		}
		if j, dup := first[g.Code]; dup {
			d.FailAt(line, path+".code", "%q is also the code of groups[%d] (line %d); codes must be unique", g.Code, j, d.Lines[fmt.Sprintf("groups[%d].code", j)])
		} else {
			first[g.Code] = i
		}
		for a, ma := range g.Members {
			for b := 0; b < a; b++ {
				mb := g.Members[b]
				if ma.Municipality == "" || ma.Municipality != mb.Municipality || !overlap(ma, mb) {
					continue
				}
				mpath := fmt.Sprintf("%s.members[%d]", path, a)
				d.FailAt(d.Lines[mpath+".municipality"], mpath+".municipality",
					"%s is already a member in %s (members[%d], line %d); a municipality may be listed twice only for years that do not overlap",
					ma.Municipality, span(mb), b, d.Lines[fmt.Sprintf("%s.members[%d]", path, b)])
				break
			}
		}
	}
}

// overlap reports whether two memberships share a school year.
func overlap(a, b Member) bool {
	lo := func(y int) int {
		if y == 0 {
			return MinYear - 1
		}
		return y
	}
	hi := func(y int) int {
		if y == 0 {
			return MaxYear + 1
		}
		return y
	}
	return max(lo(a.From), lo(b.From)) <= min(hi(a.To), hi(b.To))
}

// span renders a membership's years for messages.
func span(m Member) string {
	switch {
	case m.From == 0 && m.To == 0:
		return "every year"
	case m.From == 0:
		return fmt.Sprintf("every year until %d", m.To)
	case m.To == 0:
		return fmt.Sprintf("%d onwards", m.From)
	}
	return fmt.Sprintf("%d-%d", m.From, m.To)
}
