// Package yamldoc checks hand-written YAML files against a fixed format and
// reports every problem with its line and key path, for the packages that
// read such files (codebook, connectors/peergroups).
//
// A format package embeds a Decoder, calls Document once on the file's
// bytes, and walks the returned node tree with Fields, Seq and Str,
// building its own values and adding its own checks with Fail and FailAt.
// Each of these records what is wrong and returns something usable (nil,
// "") rather than stopping, so that one pass reports every problem of the
// file. When the walk is done, NewError turns the collected Problems into
// the error the format package returns, usually converted to its own
// Error type.
//
// Key paths name keys as written, joined by "." with list elements as
// [i]: "groups[0].members[2].municipality"; "" is the file as a whole.
package yamldoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a file.
type Problem struct {
	// Line is the 1-based line of the offending value (of the mapping that
	// lacks it, for a missing key); 0 when unknown or for the file as a
	// whole.
	Line int
	// Key is the path of the offending key; "" for the file as a whole.
	Key string
	Msg string
}

// Error is every problem found in one file.
type Error struct {
	File     string
	Problems []Problem
}

// Error renders one problem a line, as "file:line: key: message"; the line
// is left out when 0 and the key when "".
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

// NewError returns the Error of file with probs sorted by line, problems
// on the same line kept in the order found. It sorts probs in place.
func NewError(file string, probs []Problem) *Error {
	slices.SortStableFunc(probs, func(a, b Problem) int { return a.Line - b.Line })
	return &Error{File: file, Problems: probs}
}

// Decoder collects the problems of one file and the line of every key path
// it walked. Its zero value is ready for use; use a Decoder for one file
// only.
type Decoder struct {
	// Problems found so far, in the order found.
	Problems []Problem
	// Lines maps each key path that Fields and Seq walked to the line of
	// its value (of the key, for a null value), so that checks made after
	// decoding can point at a line. nil until something is recorded.
	Lines map[string]int
}

// Fail records a problem at n's line (0 when n is nil) under key.
func (d *Decoder) Fail(n *yaml.Node, key, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.FailAt(line, key, format, args...)
}

// FailAt records a problem at line under key.
func (d *Decoder) FailAt(line int, key, format string, args ...any) {
	d.Problems = append(d.Problems, Problem{Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (d *Decoder) record(path string, line int) {
	if d.Lines == nil {
		d.Lines = map[string]int{}
	}
	d.Lines[path] = line
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// Document decodes data, which must hold exactly one YAML document, and
// returns its root node (not the document node; of any kind, possibly an
// alias or null). It returns nil when there is nothing to walk: data holds
// no document, which is reported as emptyMsg, or is not valid YAML, which
// is reported at the parser's line. A second document is reported as
// "more than one YAML document; <what> holds one" (what is e.g. "a
// codebook file") but the first is still returned.
func (d *Decoder) Document(data []byte, what, emptyMsg string) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.FailAt(0, "", "%s", emptyMsg)
			return nil
		}
		msg, line := err.Error(), 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		d.FailAt(line, "", "invalid YAML: %s", msg)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.Fail(&extra, "", "more than one YAML document; %s holds one", what)
	} else if !errors.Is(err, io.EOF) {
		d.Fail(nil, "", "invalid YAML after the first document: %v", err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	return root
}

// Resolve follows aliases; nil for a missing or null value, which every
// key treats as left out.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	return n
}

// KindName names what n is for messages: "a mapping", "a list", or a
// scalar's value quoted. n must not be nil.
func KindName(n *yaml.Node) string {
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

// Fields checks that n is a mapping whose keys are among allowed, each
// given once, and returns the value of each key, resolved, with null
// values left out. It records the line of n under path and of every value
// under its key path. It returns nil, with nothing reported, when n is
// absent or null, and nil, reported, when n is not a mapping; an empty
// mapping gives an empty, non-nil map.
func (d *Decoder) Fields(n *yaml.Node, path string, allowed ...string) map[string]*yaml.Node {
	n = Resolve(n)
	if n == nil {
		return nil
	}
	d.record(path, n.Line)
	if n.Kind != yaml.MappingNode {
		d.Fail(n, path, "must be a mapping with keys %s; got %s", strings.Join(allowed, ", "), KindName(n))
		return nil
	}
	out := map[string]*yaml.Node{}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := Resolve(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			d.Fail(n.Content[i], path, "a key must be a plain name")
			continue
		}
		kp := k.Value
		if path != "" {
			kp = path + "." + k.Value
		}
		if !slices.Contains(allowed, k.Value) {
			d.Fail(k, kp, "unknown key (allowed: %s)", strings.Join(allowed, ", "))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.Fail(k, kp, "key given twice (first on line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		d.record(kp, k.Line)
		if rv := Resolve(v); rv != nil {
			d.record(kp, rv.Line)
			out[k.Value] = rv
		}
	}
	return out
}

// Seq returns the elements of the list n as written (not resolved),
// recording the line of n under path and of each element under path[i].
// It returns nil, with nothing reported, when n is absent or null, and
// nil, reported, when n is not a list; an empty list gives an empty,
// non-nil slice.
func (d *Decoder) Seq(n *yaml.Node, path string) []*yaml.Node {
	n = Resolve(n)
	if n == nil {
		return nil
	}
	d.record(path, n.Line)
	if n.Kind != yaml.SequenceNode {
		d.Fail(n, path, "must be a list; got %s", KindName(n))
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, e := range n.Content {
		out[i] = e
		if r := Resolve(e); r != nil {
			d.record(fmt.Sprintf("%s[%d]", path, i), r.Line)
		} else {
			d.record(fmt.Sprintf("%s[%d]", path, i), e.Line)
		}
	}
	return out
}

// Str reads a scalar as written ("" when absent or null), so that an
// unquoted 4601 reads as "4601"; anything else is reported under path.
func (d *Decoder) Str(n *yaml.Node, path string) string {
	n = Resolve(n)
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.Fail(n, path, "must be a text; got %s", KindName(n))
		return ""
	}
	return n.Value
}
