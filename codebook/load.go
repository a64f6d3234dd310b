package codebook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Defaults applied by Parse to keys a codebook leaves out
// (shared/spec/indicators.md §3).
const (
	DefaultScaleMin       = 1
	DefaultScaleMax       = 5
	DefaultMinRespondents = 10
	DefaultThreshold      = 3
)

// DefaultMinItems is the min_items of an index of n items that does not
// set it: half the items rounded up, and at least 1.
func DefaultMinItems(n int) int {
	return max(1, (n+1)/2)
}

// Problem is one thing wrong with a codebook.
type Problem struct {
	// Line is the 1-based line of the offending value in the file (of the
	// mapping that lacks it, for a missing key); 0 when unknown, as for a
	// codebook built in code.
	Line int
	// Key is the path of the offending key, e.g.
	// "groups[0].indices[2].min_items"; "" for the file as a whole.
	Key string
	Msg string
}

// Error is every problem Parse, Load or Validate found in one codebook,
// sorted by line. Callers may inspect it with errors.As.
type Error struct {
	File     string // the name given to Parse, the path given to Load, or the codebook's Source
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

// Load reads and checks the codebook at path: Parse with the path as the
// file name. The returned codebook's Source is path.
func Load(path string) (*Codebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading codebook: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and checks a codebook in the YAML format of
// docs/codebooks.md; name is the file name that errors and Source carry.
// Keys left out get their defaults (DefaultScaleMin..., DefaultMinItems).
// On any problem it returns nil and an *Error listing every problem of the
// file, each with its line and key; otherwise the codebook satisfies the
// package contract.
func Parse(name string, data []byte) (*Codebook, error) {
	d := &decoder{lines: map[string]int{}}
	cb := d.document(data)
	if cb != nil {
		cb.Source = name
		d.probs = append(d.probs, cb.check(d.lines, d.probs...)...)
	}
	if len(d.probs) > 0 {
		return nil, newError(name, d.probs)
	}
	return cb, nil
}

func newError(file string, probs []Problem) *Error {
	slices.SortStableFunc(probs, func(a, b Problem) int { return a.Line - b.Line })
	return &Error{File: file, Problems: probs}
}

// decoder turns a YAML node tree into a Codebook, collecting type and key
// problems and noting the line of every key path for the checks.
type decoder struct {
	lines map[string]int
	probs []Problem
}

func (d *decoder) fail(n *yaml.Node, key, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.probs = append(d.probs, Problem{Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// document decodes the single YAML document of data; nil when data is not
// a usable document.
func (d *decoder) document(data []byte) *Codebook {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.fail(nil, "", "empty file")
			return nil
		}
		msg := err.Error()
		line := 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		d.probs = append(d.probs, Problem{Line: line, Msg: "invalid YAML: " + msg})
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.fail(&extra, "", "more than one YAML document; a codebook file holds one")
	} else if !errors.Is(err, io.EOF) {
		d.fail(nil, "", "invalid YAML after the first document: %v", err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	f := d.fields(root, "", "instrument", "version", "groups")
	if f == nil {
		return nil
	}
	cb := &Codebook{
		Instrument: d.str(f["instrument"], "instrument"),
		Version:    d.str(f["version"], "version"),
	}
	for i, g := range d.seq(f["groups"], "groups") {
		cb.Groups = append(cb.Groups, d.group(g, fmt.Sprintf("groups[%d]", i)))
	}
	return cb
}

func (d *decoder) group(n *yaml.Node, path string) Group {
	f := d.fields(n, path, "code", "names", "grades", "scale", "min_respondents", "areas", "indices", "bullying", "other_items")
	g := Group{
		Code:           d.str(f["code"], path+".code"),
		Names:          d.names(f["names"], path+".names"),
		Scale:          Scale{DefaultScaleMin, DefaultScaleMax},
		MinRespondents: DefaultMinRespondents,
	}
	if v := f["grades"]; v != nil {
		items := d.seq(v, path+".grades")
		if items != nil && len(items) != 2 {
			d.fail(v, path+".grades", "must be [from, to], two grades; got %d values", len(items))
		} else {
			for i, it := range items {
				g.Grades[i] = d.int(it, fmt.Sprintf("%s.grades[%d]", path, i), 0)
			}
		}
	}
	if v := f["scale"]; v != nil {
		g.Scale = d.scale(v, path+".scale")
	}
	if v := f["min_respondents"]; v != nil {
		g.MinRespondents = d.int(v, path+".min_respondents", DefaultMinRespondents)
	}
	for i, a := range d.seq(f["areas"], path+".areas") {
		p := fmt.Sprintf("%s.areas[%d]", path, i)
		af := d.fields(a, p, "code", "names")
		g.Areas = append(g.Areas, Area{Code: d.str(af["code"], p+".code"), Names: d.names(af["names"], p+".names")})
	}
	for i, ix := range d.seq(f["indices"], path+".indices") {
		g.Indices = append(g.Indices, d.index(ix, fmt.Sprintf("%s.indices[%d]", path, i), g.Scale))
	}
	if v := f["bullying"]; v != nil {
		bf := d.fields(v, path+".bullying", "code", "names", "items", "threshold")
		b := &Bullying{
			Code:      d.str(bf["code"], path+".bullying.code"),
			Names:     d.names(bf["names"], path+".bullying.names"),
			Items:     d.strs(bf["items"], path+".bullying.items"),
			Threshold: DefaultThreshold,
		}
		if t := bf["threshold"]; t != nil {
			b.Threshold = d.int(t, path+".bullying.threshold", DefaultThreshold)
		}
		g.Bullying = b
	}
	if v := f["other_items"]; v != nil {
		g.OtherItems = d.strs(v, path+".other_items")
	}
	return g
}

func (d *decoder) index(n *yaml.Node, path string, groupScale Scale) Index {
	f := d.fields(n, path, "code", "names", "area", "items", "reverse", "scale", "min_items")
	ix := Index{
		Code:    d.str(f["code"], path+".code"),
		Names:   d.names(f["names"], path+".names"),
		Area:    d.str(f["area"], path+".area"),
		Items:   d.strs(f["items"], path+".items"),
		Reverse: d.strs(f["reverse"], path+".reverse"),
		Scale:   groupScale,
	}
	if v := f["scale"]; v != nil {
		ix.Scale = d.scale(v, path+".scale")
	}
	ix.MinItems = DefaultMinItems(len(ix.Items))
	if v := f["min_items"]; v != nil {
		ix.MinItems = d.int(v, path+".min_items", ix.MinItems)
	}
	return ix
}

func (d *decoder) scale(n *yaml.Node, path string) Scale {
	f := d.fields(n, path, "min", "max")
	s := Scale{DefaultScaleMin, DefaultScaleMax}
	if v := f["min"]; v != nil {
		s.Min = d.int(v, path+".min", s.Min)
	} else if f != nil {
		d.fail(n, path+".min", "missing")
	}
	if v := f["max"]; v != nil {
		s.Max = d.int(v, path+".max", s.Max)
	} else if f != nil {
		d.fail(n, path+".max", "missing")
	}
	return s
}

func (d *decoder) names(n *yaml.Node, path string) Names {
	f := d.fields(n, path, "nb", "en")
	return Names{NB: d.str(f["nb"], path+".nb"), EN: d.str(f["en"], path+".en")}
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

// fields checks that n is a mapping whose keys are among allowed, each
// given once, and returns the value of each key (null values left out).
// It records the line of n under path and of every value under its key
// path. A nil result means n was absent or not a mapping.
func (d *decoder) fields(n *yaml.Node, path string, allowed ...string) map[string]*yaml.Node {
	n = resolve(n)
	if n == nil {
		return nil
	}
	d.lines[path] = n.Line
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a mapping with keys %s; got %s", strings.Join(allowed, ", "), kindName(n))
		return nil
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
	return out
}

// seq returns the elements of the list n, recording the line of each.
func (d *decoder) seq(n *yaml.Node, path string) []*yaml.Node {
	n = resolve(n)
	if n == nil {
		return nil
	}
	d.lines[path] = n.Line
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "must be a list; got %s", kindName(n))
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, e := range n.Content {
		out[i] = e
		if r := resolve(e); r != nil {
			d.lines[fmt.Sprintf("%s[%d]", path, i)] = r.Line
		} else {
			d.lines[fmt.Sprintf("%s[%d]", path, i)] = e.Line
		}
	}
	return out
}

// str reads a scalar as text ("" when absent). Numbers are taken as
// written, so an item code may be 1234.
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

func (d *decoder) strs(n *yaml.Node, path string) []string {
	var out []string
	for i, e := range d.seq(n, path) {
		out = append(out, d.str(e, fmt.Sprintf("%s[%d]", path, i)))
	}
	return out
}

// int reads a whole number; def when n is absent or not a whole number,
// so that one bad value does not set off further problems.
func (d *decoder) int(n *yaml.Node, path string, def int) int {
	n = resolve(n)
	if n == nil {
		return def
	}
	var v int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		d.fail(n, path, "must be a whole number; got %s", kindName(n))
		return def
	}
	return v
}
