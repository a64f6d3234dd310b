package pipelines

import (
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

//go:embed *.yaml
var builtin embed.FS

// Builtin lists the pipelines embedded in the binary, by name.
func Builtin() []string {
	entries, _ := builtin.ReadDir(".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return names
}

// Read returns the text of a pipeline: ref is a path to a file, or the name
// of a built-in pipeline ("nightly") when no such file exists. The second
// result is the name to use in messages.
func Read(ref string) ([]byte, string, error) {
	b, err := os.ReadFile(ref)
	if err == nil {
		return b, ref, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, ref, fmt.Errorf("reading pipeline %s: %w", ref, err)
	}
	name := strings.TrimSuffix(filepath.Base(ref), ".yaml")
	if b, berr := builtin.ReadFile(name + ".yaml"); berr == nil && (ref == name || ref == name+".yaml" || filepath.Dir(ref) == "pipelines") {
		return b, "embedded:" + name + ".yaml", nil
	}
	return nil, ref, fmt.Errorf("no pipeline file %s (built-in pipelines: %s)", ref, strings.Join(Builtin(), ", "))
}

// ReadBuiltin returns the text of the built-in pipeline name.
func ReadBuiltin(name string) ([]byte, string, error) {
	b, err := builtin.ReadFile(name + ".yaml")
	if err != nil {
		return nil, name, fmt.Errorf("no built-in pipeline %q (built-in pipelines: %s)", name, strings.Join(Builtin(), ", "))
	}
	return b, "embedded:" + name + ".yaml", nil
}

// Problem is one thing wrong with a pipeline file.
type Problem struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (p Problem) String() string {
	loc := p.File
	if p.Line > 0 {
		loc += ":" + strconv.Itoa(p.Line)
	}
	if p.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, p.Key, p.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, p.Msg)
}

// InvalidError lists every problem found in a pipeline file. Nothing runs
// when a file has one.
type InvalidError struct {
	Problems []Problem
}

func (e *InvalidError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	if len(lines) == 1 {
		return "invalid pipeline: " + lines[0]
	}
	return fmt.Sprintf("invalid pipeline (%d problems):\n  %s", len(lines), strings.Join(lines, "\n  "))
}

var (
	identRE = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	paramRE = regexp.MustCompile(`\$\{([^}]*)\}`)
)

var (
	topKeys   = []string{"name", "description", "params", "steps"}
	stepKeys  = []string{"id", "kind", "description", "uses", "sql", "with", "needs", "retry", "timeout"}
	retryKeys = []string{"attempts", "backoff"}
)

type loader struct {
	file     string
	cat      Catalog
	params   map[string]string
	problems []Problem
}

func (l *loader) fail(n *yaml.Node, key, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	l.problems = append(l.problems, Problem{File: l.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// Load parses and validates a pipeline. file names it in messages;
// overrides (from --set) replace parameter defaults and must name declared
// parameters. A returned error is an *InvalidError listing every problem.
func Load(file string, src []byte, overrides map[string]string, cat Catalog) (*Pipeline, error) {
	l := &loader{file: file, cat: cat, params: map[string]string{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, &InvalidError{Problems: []Problem{{File: file, Line: yamlErrLine(err), Msg: strings.TrimPrefix(err.Error(), "yaml: ")}}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &InvalidError{Problems: []Problem{{File: file, Line: 1, Msg: "a pipeline file is a mapping with keys name, description, params and steps"}}}
	}
	root := doc.Content[0]
	p := &Pipeline{File: file, Params: l.params}
	fields := l.mapping(root, "pipeline", topKeys)
	if n := fields["name"]; n == nil {
		l.fail(root, "name", "missing (every pipeline has a name)")
	} else {
		p.Name = l.scalar(n, "name")
	}
	if n := fields["description"]; n != nil {
		p.Description = l.scalar(n, "description")
	}
	l.loadParams(fields["params"], overrides)
	stepsNode := fields["steps"]
	if stepsNode == nil || stepsNode.Kind != yaml.SequenceNode || len(stepsNode.Content) == 0 {
		l.fail(root, "steps", "missing or empty: a pipeline has a list of steps")
	} else {
		for _, sn := range stepsNode.Content {
			if s := l.loadStep(sn); s != nil {
				p.Steps = append(p.Steps, s)
			}
		}
	}
	p.Order = l.order(p.Steps)
	if len(l.problems) > 0 {
		sort.SliceStable(l.problems, func(i, j int) bool { return l.problems[i].Line < l.problems[j].Line })
		return nil, &InvalidError{Problems: l.problems}
	}
	return p, nil
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func yamlErrLine(err error) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// mapping checks n is a mapping with only the known keys and returns its
// values by key. Unknown and repeated keys are problems.
func (l *loader) mapping(n *yaml.Node, what string, known []string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		l.fail(n, what, "must be a mapping of key: value")
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !contains(known, k.Value):
			l.fail(k, k.Value, "unknown key in %s%s (known keys: %s)", what, suggest(k.Value, known), strings.Join(known, ", "))
		case out[k.Value] != nil:
			l.fail(k, k.Value, "repeated in %s", what)
		default:
			out[k.Value] = v
		}
	}
	return out
}

func (l *loader) scalar(n *yaml.Node, key string) string {
	if n.Kind != yaml.ScalarNode {
		l.fail(n, key, "must be a single value")
		return ""
	}
	return n.Value
}

func (l *loader) loadParams(n *yaml.Node, overrides map[string]string) {
	if n != nil {
		if n.Kind != yaml.MappingNode {
			l.fail(n, "params", "must be a mapping of name: default value")
		} else {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if !identRE.MatchString(k.Value) {
					l.fail(k, k.Value, "a parameter name is lower-case letters, digits, - and _")
					continue
				}
				if v.Kind != yaml.ScalarNode {
					l.fail(v, k.Value, "a parameter's default must be a single value")
					continue
				}
				if _, dup := l.params[k.Value]; dup {
					l.fail(k, k.Value, "parameter declared twice")
				}
				if v.Tag == "!!null" {
					l.params[k.Value] = ""
				} else {
					l.params[k.Value] = v.Value
				}
			}
		}
	}
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := l.params[k]; !ok {
			declared := make([]string, 0, len(l.params))
			for d := range l.params {
				declared = append(declared, d)
			}
			sort.Strings(declared)
			l.problems = append(l.problems, Problem{File: l.file, Key: "--set " + k,
				Msg: fmt.Sprintf("no such parameter%s (parameters: %s)", suggest(k, declared), strings.Join(declared, ", "))})
			continue
		}
		l.params[k] = overrides[k]
	}
}

func (l *loader) loadStep(n *yaml.Node) *Step {
	f := l.mapping(n, "step", stepKeys)
	if n.Kind != yaml.MappingNode {
		return nil
	}
	s := &Step{Line: n.Line, Retry: Retry{Attempts: 1}}
	if v := f["id"]; v == nil {
		l.fail(n, "id", "missing: every step has an id")
	} else if s.ID = l.scalar(v, "id"); !identRE.MatchString(s.ID) {
		l.fail(v, "id", "%q: an id is lower-case letters, digits, - and _", s.ID)
	}
	name := fmt.Sprintf("step %q", s.ID)
	if v := f["kind"]; v == nil {
		l.fail(n, "kind", "missing in %s (one of %s)", name, kindList())
	} else {
		s.Kind = Kind(l.scalar(v, "kind"))
		if !contains(kindStrings(), string(s.Kind)) {
			l.fail(v, "kind", "%q in %s is not a step kind (one of %s)", s.Kind, name, kindList())
			return nil
		}
	}
	if v := f["description"]; v != nil {
		s.Description = l.scalar(v, "description")
	}
	switch s.Kind {
	case Extract, Transform:
		if v := f["uses"]; v == nil {
			l.fail(n, "uses", "missing in %s: name the %s to use", name, usesWhat(s.Kind))
		} else {
			s.Uses = l.scalar(v, "uses")
		}
		if v := f["sql"]; v != nil {
			l.fail(v, "sql", "only load steps run SQL scripts")
		}
	case LoadSQL:
		if v := f["uses"]; v != nil {
			l.fail(v, "uses", "a load step runs its sql scripts and uses nothing else")
		}
		if v := f["sql"]; v == nil {
			l.fail(n, "sql", "missing in %s: list the scripts to run (from sql/scripts)", name)
		} else {
			for _, item := range l.list(v, "sql") {
				if !l.cat.HasScript(item.Value) {
					l.fail(item, "sql", "no script %q in sql/scripts", item.Value)
				}
				s.SQL = append(s.SQL, item.Value)
			}
		}
	case Export:
		if v := f["uses"]; v != nil {
			l.fail(v, "uses", "an export step uses nothing")
		}
		if v := f["sql"]; v != nil {
			l.fail(v, "sql", "only load steps run SQL scripts")
		}
	}
	if s.Kind != "" && (s.Uses != "" || s.Kind == Export || s.Kind == LoadSQL) {
		cfg, err := l.cat.NewConfig(s.Kind, s.Uses)
		if err != nil {
			at := f["uses"]
			if at == nil {
				at = n
			}
			l.fail(at, "uses", "%s: %v", name, err)
		} else {
			s.Config = cfg
			if w := f["with"]; w != nil {
				l.decodeWith(w, cfg, name)
			}
		}
	}
	if v := f["needs"]; v != nil {
		for _, item := range l.list(v, "needs") {
			s.Needs = append(s.Needs, item.Value)
		}
	}
	if v := f["retry"]; v != nil {
		rf := l.mapping(v, "retry", retryKeys)
		if a := rf["attempts"]; a != nil {
			if k, err := strconv.Atoi(a.Value); err != nil || k < 1 || k > 100 {
				l.fail(a, "attempts", "must be a whole number from 1 to 100 (tries in all)")
			} else {
				s.Retry.Attempts = k
			}
		}
		if b := rf["backoff"]; b != nil {
			s.Retry.Backoff = l.duration(b, "backoff")
		}
	}
	if v := f["timeout"]; v != nil {
		s.Timeout = l.duration(v, "timeout")
	}
	return s
}

func (l *loader) duration(n *yaml.Node, key string) time.Duration {
	d, err := time.ParseDuration(n.Value)
	if err != nil || d < 0 {
		l.fail(n, key, "%q is not a duration such as 2s, 500ms or 10m", n.Value)
	}
	return d
}

// list accepts a sequence of scalars, or a single scalar as a one-item list.
func (l *loader) list(n *yaml.Node, key string) []*yaml.Node {
	switch n.Kind {
	case yaml.ScalarNode:
		return []*yaml.Node{n}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				l.fail(c, key, "items must be single values")
				continue
			}
			out = append(out, c)
		}
		return out
	}
	l.fail(n, key, "must be a list")
	return nil
}

// decodeWith substitutes parameters into the with: block and decodes it
// into cfg, reporting unknown keys with their lines.
func (l *loader) decodeWith(w *yaml.Node, cfg any, name string) {
	if w.Kind != yaml.MappingNode {
		l.fail(w, "with", "must be a mapping of setting: value")
		return
	}
	l.substitute(w)
	known := yamlFieldNames(cfg)
	bad := false
	if known != nil {
		for i := 0; i+1 < len(w.Content); i += 2 {
			k := w.Content[i]
			if !contains(known, k.Value) {
				l.fail(k, k.Value, "unknown setting in with: of %s%s (settings: %s)", name, suggest(k.Value, known), strings.Join(known, ", "))
				bad = true
			}
		}
	}
	if bad {
		return
	}
	if err := w.Decode(cfg); err != nil {
		l.fail(w, "with", "%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n  "))
		return
	}
	if v, ok := cfg.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			l.fail(w, "with", "%s: %v", name, err)
		}
	}
}

// substitute replaces ${param} in every scalar under n. A scalar that is
// exactly ${param}, quoted or not (flow style needs quotes: {min: '${min}'}),
// takes the parameter's value and type, so `lenient: ${lenient}` decodes as a
// bool; inside longer text it is plain text. $$ stands for a literal $.
func (l *loader) substitute(n *yaml.Node) {
	if n.Kind != yaml.ScalarNode {
		for _, c := range n.Content {
			l.substitute(c)
		}
		return
	}
	if !strings.Contains(n.Value, "$") {
		return
	}
	whole := paramRE.FindStringSubmatch(n.Value)
	exact := whole != nil && whole[0] == n.Value
	out := paramRE.ReplaceAllStringFunc(strings.ReplaceAll(n.Value, "$$", "\x00"), func(m string) string {
		name := m[2 : len(m)-1]
		v, ok := l.params[name]
		if !ok {
			l.fail(n, m, "refers to an undeclared parameter (declare it under params:)")
			return m
		}
		return v
	})
	n.Value = strings.ReplaceAll(out, "\x00", "$")
	if exact {
		n.Tag, n.Style = "", 0 // let YAML infer the type of the substituted value
	} else {
		n.Tag = "!!str"
	}
}

// order sorts steps so that each comes after the steps it needs, keeping
// file order among independent steps, and reports unknown needs and cycles.
func (l *loader) order(steps []*Step) []*Step {
	byID := map[string]*Step{}
	for _, s := range steps {
		if s.ID == "" {
			continue
		}
		if prev, dup := byID[s.ID]; dup {
			l.problems = append(l.problems, Problem{File: l.file, Line: s.Line, Key: "id",
				Msg: fmt.Sprintf("step id %q is used twice (first on line %d)", s.ID, prev.Line)})
			continue
		}
		byID[s.ID] = s
	}
	for _, s := range steps {
		for _, need := range s.Needs {
			if byID[need] == nil {
				l.problems = append(l.problems, Problem{File: l.file, Line: s.Line, Key: "needs",
					Msg: fmt.Sprintf("step %q needs %q, which is not a step of this pipeline", s.ID, need)})
			}
			if need == s.ID {
				l.problems = append(l.problems, Problem{File: l.file, Line: s.Line, Key: "needs",
					Msg: fmt.Sprintf("step %q needs itself", s.ID)})
			}
		}
	}
	placed := map[string]bool{}
	var out []*Step
	for len(out) < len(byID) {
		progressed := false
		for _, s := range steps {
			if placed[s.ID] || byID[s.ID] != s {
				continue
			}
			ready := true
			for _, need := range s.Needs {
				if byID[need] != nil && !placed[need] {
					ready = false
				}
			}
			if ready {
				placed[s.ID] = true
				out = append(out, s)
				progressed = true
				break // restart from the top to keep file order
			}
		}
		if !progressed {
			var cyc []string
			line := 0
			for _, s := range steps {
				if !placed[s.ID] && byID[s.ID] == s {
					cyc = append(cyc, s.ID)
					if line == 0 {
						line = s.Line
					}
				}
			}
			l.problems = append(l.problems, Problem{File: l.file, Line: line, Key: "needs",
				Msg: fmt.Sprintf("the needs of steps %s form a cycle", strings.Join(cyc, ", "))})
			break
		}
	}
	return out
}

// yamlFieldNames lists the yaml keys of a struct config, or nil when cfg is
// not a pointer to a struct (then the decoder alone checks it).
func yamlFieldNames(cfg any) []string {
	t := reflect.TypeOf(cfg)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	t = t.Elem()
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "-" {
			continue
		}
		if tag == "" {
			tag = strings.ToLower(f.Name)
		}
		names = append(names, tag)
	}
	return names
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func kindStrings() []string {
	out := make([]string, len(Kinds))
	for i, k := range Kinds {
		out[i] = string(k)
	}
	return out
}

func kindList() string { return strings.Join(kindStrings(), ", ") }

func usesWhat(k Kind) string {
	if k == Extract {
		return "connector"
	}
	return "transform"
}

// suggest returns ` (did you mean "x"?)` for a near miss, else "".
func suggest(got string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(got, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
