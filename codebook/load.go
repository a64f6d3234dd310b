package codebook

import (
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/skolestat/skolestat/internal/yamldoc"
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

// Problem is one thing wrong with a codebook. Its Line is 0 when unknown,
// as for a codebook built in code; its Key is the path of the offending
// key, e.g. "groups[0].indices[2].min_items".
type Problem = yamldoc.Problem

// Error is every problem Parse, Load or Validate found in one codebook,
// sorted by line; its File is the name given to Parse, the path given to
// Load, or the codebook's Source. Callers may inspect it with errors.As.
type Error yamldoc.Error

// Error renders one problem a line, as "file:line: key: message".
func (e *Error) Error() string { return (*yamldoc.Error)(e).Error() }

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
	d := &decoder{}
	cb := d.document(data)
	if cb != nil {
		cb.Source = name
		d.Problems = append(d.Problems, cb.check(d.Lines, d.Problems...)...)
	}
	if len(d.Problems) > 0 {
		return nil, newError(name, d.Problems)
	}
	return cb, nil
}

func newError(file string, probs []Problem) *Error {
	return (*Error)(yamldoc.NewError(file, probs))
}

// decoder turns a YAML node tree into a Codebook, collecting type and key
// problems and noting the line of every key path for the checks.
type decoder struct{ yamldoc.Decoder }

// document decodes the single YAML document of data; nil when data is not
// a usable document.
func (d *decoder) document(data []byte) *Codebook {
	root := d.Document(data, "a codebook file", "empty file")
	f := d.Fields(root, "", "instrument", "version", "groups")
	if f == nil {
		return nil
	}
	cb := &Codebook{
		Instrument: d.Str(f["instrument"], "instrument"),
		Version:    d.Str(f["version"], "version"),
	}
	for i, g := range d.Seq(f["groups"], "groups") {
		cb.Groups = append(cb.Groups, d.group(g, fmt.Sprintf("groups[%d]", i)))
	}
	return cb
}

func (d *decoder) group(n *yaml.Node, path string) Group {
	f := d.Fields(n, path, "code", "names", "grades", "scale", "min_respondents", "areas", "indices", "bullying", "other_items")
	g := Group{
		Code:           d.Str(f["code"], path+".code"),
		Names:          d.names(f["names"], path+".names"),
		Scale:          Scale{DefaultScaleMin, DefaultScaleMax},
		MinRespondents: DefaultMinRespondents,
	}
	if v := f["grades"]; v != nil {
		items := d.Seq(v, path+".grades")
		if items != nil && len(items) != 2 {
			d.Fail(v, path+".grades", "must be [from, to], two grades; got %d values", len(items))
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
	for i, a := range d.Seq(f["areas"], path+".areas") {
		p := fmt.Sprintf("%s.areas[%d]", path, i)
		af := d.Fields(a, p, "code", "names")
		g.Areas = append(g.Areas, Area{Code: d.Str(af["code"], p+".code"), Names: d.names(af["names"], p+".names")})
	}
	for i, ix := range d.Seq(f["indices"], path+".indices") {
		g.Indices = append(g.Indices, d.index(ix, fmt.Sprintf("%s.indices[%d]", path, i), g.Scale))
	}
	if v := f["bullying"]; v != nil {
		bf := d.Fields(v, path+".bullying", "code", "names", "items", "threshold")
		b := &Bullying{
			Code:      d.Str(bf["code"], path+".bullying.code"),
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
	f := d.Fields(n, path, "code", "names", "area", "items", "reverse", "scale", "min_items")
	ix := Index{
		Code:    d.Str(f["code"], path+".code"),
		Names:   d.names(f["names"], path+".names"),
		Area:    d.Str(f["area"], path+".area"),
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
	f := d.Fields(n, path, "min", "max")
	s := Scale{DefaultScaleMin, DefaultScaleMax}
	if v := f["min"]; v != nil {
		s.Min = d.int(v, path+".min", s.Min)
	} else if f != nil {
		d.Fail(n, path+".min", "missing")
	}
	if v := f["max"]; v != nil {
		s.Max = d.int(v, path+".max", s.Max)
	} else if f != nil {
		d.Fail(n, path+".max", "missing")
	}
	return s
}

func (d *decoder) names(n *yaml.Node, path string) Names {
	f := d.Fields(n, path, "nb", "en")
	return Names{NB: d.Str(f["nb"], path+".nb"), EN: d.Str(f["en"], path+".en")}
}

func (d *decoder) strs(n *yaml.Node, path string) []string {
	var out []string
	for i, e := range d.Seq(n, path) {
		out = append(out, d.Str(e, fmt.Sprintf("%s[%d]", path, i)))
	}
	return out
}

// int reads a whole number; def when n is absent or not a whole number,
// so that one bad value does not set off further problems.
func (d *decoder) int(n *yaml.Node, path string, def int) int {
	n = yamldoc.Resolve(n)
	if n == nil {
		return def
	}
	var v int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		d.Fail(n, path, "must be a whole number; got %s", yamldoc.KindName(n))
		return def
	}
	return v
}
