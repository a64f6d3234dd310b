package peergroups

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a peer-group file.
type Problem struct {
	// Line is the 1-based line of the offending value (of the mapping
	// that lacks it, for a missing key); 0 for the file as a whole.
	Line int
	// Key is the path of the offending key, e.g.
	// "groups[0].members[2].municipality"; "" for the file as a whole.
	Key string
	Msg string
}

// Error is every problem Parse or Load found in one file, sorted by line.
// It is bad input: reading the file again will not help.
type Error struct {
	File     string // the name given to Parse or the path given to Load
	Problems []Problem
}

// Error renders one problem a line, as "file:line: key: message".
func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
		if p.Key != "" {
			b.WriteString(p.Key)
			b.WriteString(": ")
		}
		b.WriteString(p.Msg)
	}
	return b.String()
}

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
	if len(d.probs) > 0 {
		slices.SortStableFunc(d.probs, func(a, b Problem) int { return a.Line - b.Line })
		return nil, &Error{File: name, Problems: d.probs}
	}
	for i := range groups {
		groups[i].Source = name
	}
	return groups, nil
}

// decoder turns a YAML node tree into groups, collecting problems.
type decoder struct {
	probs []Problem
	// lines of values the checks after decoding point at, by key path.
	lines map[string]int
}

func (d *decoder) fail(n *yaml.Node, key, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.probs = append(d.probs, Problem{Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) failAt(line int, key, format string, args ...any) {
	d.probs = append(d.probs, Problem{Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// document decodes the single YAML document of data; nil when it holds no
// usable groups list.
func (d *decoder) document(data []byte) []Group {
	d.lines = map[string]int{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.fail(nil, "", "empty file; a peer group file holds `groups:` with at least one group")
			return nil
		}
		msg, line := err.Error(), 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		d.failAt(line, "", "invalid YAML: %s", msg)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.fail(&extra, "", "more than one YAML document; a peer group file holds one")
	} else if !errors.Is(err, io.EOF) {
		d.fail(nil, "", "invalid YAML after the first document: %v", err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	f, ok := d.fields(root, "", "groups")
	if !ok {
		return nil
	}
	items := d.seq(f["groups"], "groups")
	if len(items) == 0 {
		if f["groups"] == nil || resolve(f["groups"]).Kind == yaml.SequenceNode {
			d.fail(root, "groups", "no groups; list at least one")
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
	if resolve(n) == nil {
		d.fail(n, path, "empty; a group has code, name and members")
		return Group{}
	}
	f, ok := d.fields(n, path, "code", "name", "members")
	if !ok {
		return Group{}
	}
	d.lines[path] = resolve(n).Line
	g := Group{Code: d.str(f["code"], path+".code")}
	switch v := f["code"]; {
	case v == nil:
		d.fail(n, path+".code", "missing")
	case v.Kind == yaml.ScalarNode && !codePattern.MatchString(g.Code):
		d.fail(v, path+".code", "%q: a code is lower-case letters, digits and _", g.Code)
	}
	if f["name"] == nil {
		d.fail(n, path+".name", "missing: give {nb: ..., en: ...}")
	} else if nf, ok := d.fields(f["name"], path+".name", "nb", "en"); ok {
		g.Names = Names{NB: d.str(nf["nb"], path+".name.nb"), EN: d.str(nf["en"], path+".name.en")}
		for _, l := range []struct{ lang, text string }{{"nb", g.Names.NB}, {"en", g.Names.EN}} {
			lang, text := l.lang, l.text
			switch v := nf[lang]; {
			case v == nil:
				d.fail(f["name"], path+".name."+lang, "missing")
			case v.Kind == yaml.ScalarNode && strings.TrimSpace(text) == "":
				d.fail(v, path+".name."+lang, "empty")
			}
		}
	}
	members := d.seq(f["members"], path+".members")
	switch v := f["members"]; {
	case v == nil:
		d.fail(n, path+".members", "missing: list at least one member")
	case len(members) == 0 && v.Kind == yaml.SequenceNode:
		d.fail(v, path+".members", "no members; list at least one")
	}
	for i, m := range members {
		g.Members = append(g.Members, d.member(m, fmt.Sprintf("%s.members[%d]", path, i)))
	}
	return g
}

var municipalityPattern = regexp.MustCompile(`^[0-9]{4}$`)

func (d *decoder) member(n *yaml.Node, path string) Member {
	if resolve(n) == nil {
		d.fail(n, path, "empty; a member has at least municipality")
		return Member{}
	}
	f, ok := d.fields(n, path, "municipality", "from", "to")
	if !ok {
		return Member{}
	}
	d.lines[path] = resolve(n).Line
	m := Member{Municipality: d.str(f["municipality"], path+".municipality")}
	switch v := f["municipality"]; {
	case v == nil:
		d.fail(n, path+".municipality", "missing")
	case v.Kind == yaml.ScalarNode && !municipalityPattern.MatchString(m.Municipality):
		d.fail(v, path+".municipality", "%q: a municipality is its four-digit number in the 2024 classification, quoted (\"0301\")", m.Municipality)
	}
	m.From = d.year(f["from"], path+".from")
	m.To = d.year(f["to"], path+".to")
	if m.From != 0 && m.To != 0 && m.From > m.To {
		d.fail(f["to"], path+".to", "%d is before from (%d)", m.To, m.From)
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
		d.fail(n, path, "must be a year (a whole number such as 2022); got %s", kindName(n))
		return 0
	}
	if v < MinYear || v > MaxYear {
		d.fail(n, path, "%d is not a school year in %d..%d (the autumn year: 2022 is 2022-23)", v, MinYear, MaxYear)
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
		line := d.lines[path+".code"]
		if g.Code == "" {
			continue
		}
		if g.Code == ASSS && !builtin {
			d.failAt(line, path+".code", "%q is the code of the built-in ASSS group, always included; give your group another code", ASSS)
		}
		if j, dup := first[g.Code]; dup {
			d.failAt(line, path+".code", "%q is also the code of groups[%d] (line %d); codes must be unique", g.Code, j, d.lines[fmt.Sprintf("groups[%d].code", j)])
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
				d.failAt(d.lines[mpath+".municipality"], mpath+".municipality",
					"%s is already a member in %s (members[%d], line %d); a municipality may be listed twice only for years that do not overlap",
					ma.Municipality, span(mb), b, d.lines[fmt.Sprintf("%s.members[%d]", path, b)])
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

// resolve follows aliases; nil for a missing or null value, which every
// key treats as left out.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// fields checks that n is a mapping whose keys are among allowed, each given
// once, and returns the value of each key (null values left out) and
// records the line of each value under its key path. ok is false when n is
// absent or not a mapping.
func (d *decoder) fields(n *yaml.Node, path string, allowed ...string) (map[string]*yaml.Node, bool) {
	n = resolve(n)
	if n == nil {
		return nil, false
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a mapping with keys %s; got %s", strings.Join(allowed, ", "), kindName(n))
		return nil, false
	}
	out := map[string]*yaml.Node{}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			d.fail(n.Content[i], path, "a key must be a plain name")
			continue
		}
		kp := k.Value
		if path != "" {
			kp = path + "." + k.Value
		}
		if !slices.Contains(allowed, k.Value) {
			d.fail(k, kp, "unknown key (allowed: %s)", strings.Join(allowed, ", "))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(k, kp, "key given twice (first on line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		d.lines[kp] = k.Line
		if rv := resolve(v); rv != nil {
			d.lines[kp] = rv.Line
			out[k.Value] = rv
		}
	}
	return out, true
}

// seq returns the elements of the list n (nil when n is absent or not a
// list, which is reported).
func (d *decoder) seq(n *yaml.Node, path string) []*yaml.Node {
	n = resolve(n)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "must be a list; got %s", kindName(n))
		return nil
	}
	return n.Content
}

// str reads a scalar as written ("" when absent), so that an unquoted
// 4601 reads as "4601".
func (d *decoder) str(n *yaml.Node, path string) string {
	n = resolve(n)
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "must be a text; got %s", kindName(n))
		return ""
	}
	return n.Value
}
