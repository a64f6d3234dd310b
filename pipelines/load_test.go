package pipelines

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// fakeCatalog knows one connector ("files"), one transform ("sum") and one
// script ("mart").
type fakeCatalog struct{}

type filesConfig struct {
	Dir     string   `yaml:"dir"`
	Lenient bool     `yaml:"lenient"`
	Tables  []string `yaml:"tables"`
}

type sumConfig struct {
	Min int `yaml:"min"`
}

func (c *sumConfig) Validate() error {
	if c.Min < 1 {
		return fmt.Errorf("min is %d; it must be at least 1", c.Min)
	}
	return nil
}

type exportConfig struct {
	Dir string `yaml:"dir"`
}

func (fakeCatalog) NewConfig(kind Kind, uses string) (any, error) {
	switch {
	case kind == Extract && uses == "files":
		return &filesConfig{Dir: "default"}, nil
	case kind == Transform && uses == "sum":
		return &sumConfig{Min: 10}, nil
	case kind == Export:
		return &exportConfig{}, nil
	case kind == LoadSQL:
		return &struct{}{}, nil
	}
	return nil, fmt.Errorf("no %s %q", kind, uses)
}

func (fakeCatalog) HasScript(name string) bool { return name == "mart" }

const good = `name: nightly
description: test
params:
  dir: data
  lenient: false
  min: 10
steps:
  - id: export
    kind: export
    needs: [mart]
    with: {dir: out}
  - id: extract
    kind: extract
    uses: files
    with:
      dir: ${dir}/micro
      lenient: ${lenient}
      tables: [a, b]
    retry: {attempts: 3, backoff: 2s}
  - id: sum
    kind: transform
    uses: sum
    needs: extract
    with: {min: "${min}"}
  - id: mart
    kind: load
    sql: [mart]
    needs: [sum, extract]
    timeout: 5m
`

func TestLoadValidPipeline(t *testing.T) {
	p, err := Load("nightly.yaml", []byte(good), map[string]string{"lenient": "true", "min": "5"}, fakeCatalog{})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, s := range p.Order {
		order = append(order, s.ID)
	}
	// export is first in the file but needs mart, which needs sum and extract.
	if got, want := strings.Join(order, ","), "extract,sum,mart,export"; got != want {
		t.Errorf("order = %s, want %s", got, want)
	}
	ex := p.Steps[1]
	cfg := ex.Config.(*filesConfig)
	if cfg.Dir != "data/micro" || !cfg.Lenient || strings.Join(cfg.Tables, ",") != "a,b" {
		t.Errorf("extract config = %+v: want dir data/micro (substituted), lenient true (from --set, typed), tables a,b", cfg)
	}
	if ex.Retry != (Retry{Attempts: 3, Backoff: 2 * time.Second}) {
		t.Errorf("retry = %+v", ex.Retry)
	}
	// A quoted "${min}" stays a string in YAML terms but decodes into an int field.
	if got := p.Steps[2].Config.(*sumConfig).Min; got != 5 {
		t.Errorf("sum min = %d, want 5 from --set", got)
	}
	if p.Steps[3].Timeout != 5*time.Minute || strings.Join(p.Steps[3].SQL, ",") != "mart" {
		t.Errorf("load step = %+v", p.Steps[3])
	}
	if p.Params["dir"] != "data" || p.Params["lenient"] != "true" {
		t.Errorf("params = %v", p.Params)
	}
}

func TestLoadReportsProblemsWithFileLineAndKey(t *testing.T) {
	cases := []struct {
		name, src string
		overrides map[string]string
		want      []string // substrings of the error
	}{
		{"unknown top key", "name: x\nstep: []\nsteps: [{id: a, kind: load, sql: [mart]}]\n", nil,
			[]string{`p.yaml:2: step: unknown key in pipeline (did you mean "steps"?)`}},
		{"unknown step key", "name: x\nsteps:\n  - id: a\n    kind: load\n    sql: [mart]\n    neds: [b]\n", nil,
			[]string{`p.yaml:6: neds: unknown key in step (did you mean "needs"?)`}},
		{"unknown with key", "name: x\nsteps:\n  - id: a\n    kind: extract\n    uses: files\n    with:\n      dri: x\n", nil,
			[]string{`p.yaml:7: dri: unknown setting in with: of step "a" (did you mean "dir"?)`}},
		{"bad kind", "name: x\nsteps:\n  - id: a\n    kind: extrct\n", nil,
			[]string{`p.yaml:4: kind: "extrct" in step "a" is not a step kind`}},
		{"unknown connector", "name: x\nsteps:\n  - id: a\n    kind: extract\n    uses: nope\n", nil,
			[]string{`p.yaml:5: uses: step "a": no extract "nope"`}},
		{"missing script", "name: x\nsteps:\n  - id: a\n    kind: load\n    sql: [nope]\n", nil,
			[]string{`p.yaml:5: sql: no script "nope"`}},
		{"undeclared param", "name: x\nsteps:\n  - id: a\n    kind: extract\n    uses: files\n    with: {dir: '${nope}'}\n", nil,
			[]string{`p.yaml:6: ${nope}: refers to an undeclared parameter`}},
		{"unknown --set", "name: x\nparams: {dir: d}\nsteps: [{id: a, kind: load, sql: [mart]}]\n", map[string]string{"dri": "x"},
			[]string{`p.yaml: --set dri: no such parameter (did you mean "dir"?)`}},
		{"wrong type", "name: x\nsteps:\n  - id: a\n    kind: transform\n    uses: sum\n    with: {min: lots}\n", nil,
			[]string{`p.yaml:6: with: step "a": line 6: cannot unmarshal !!str`}},
		{"validate", "name: x\nsteps:\n  - id: a\n    kind: transform\n    uses: sum\n    with: {min: 0}\n", nil,
			[]string{`p.yaml:6: with: step "a": min is 0; it must be at least 1`}},
		{"cycle", "name: x\nsteps:\n  - {id: a, kind: load, sql: [mart], needs: [b]}\n  - {id: b, kind: load, sql: [mart], needs: [a]}\n", nil,
			[]string{`p.yaml:3: needs: the needs of steps a, b form a cycle`}},
		{"unknown need", "name: x\nsteps:\n  - {id: a, kind: load, sql: [mart], needs: [zz]}\n", nil,
			[]string{`p.yaml:3: needs: step "a" needs "zz", which is not a step`}},
		{"duplicate id", "name: x\nsteps:\n  - {id: a, kind: load, sql: [mart]}\n  - {id: a, kind: load, sql: [mart]}\n", nil,
			[]string{`p.yaml:4: id: step id "a" is used twice (first on line 3)`}},
		{"bad retry", "name: x\nsteps:\n  - {id: a, kind: load, sql: [mart], retry: {attempts: 0, backoff: soon}}\n", nil,
			[]string{`attempts: must be a whole number from 1 to 100`, `backoff: "soon" is not a duration`}},
		{"yaml syntax", "name: x\nsteps:\n  - id: [a\n", nil, []string{`p.yaml:`}},
		{"no steps", "name: x\n", nil, []string{`p.yaml:1: steps: missing or empty`}},
		{"several problems at once", "name: x\nsteps:\n  - id: a\n    kind: load\n    sql: [nope]\n    bogus: 1\n", nil,
			[]string{"2 problems", `p.yaml:5: sql: no script "nope"`, `p.yaml:6: bogus: unknown key`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load("p.yaml", []byte(c.src), c.overrides, fakeCatalog{})
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("got %v, want *InvalidError", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%s\ndoes not contain\n%s", err, w)
				}
			}
		})
	}
}

func TestSubstitutionEscapesAndTypes(t *testing.T) {
	src := "name: x\nparams: {dir: d, flag: 'true'}\nsteps:\n  - id: a\n    kind: extract\n    uses: files\n    with: {dir: 'cost $$5 in ${dir}', lenient: '${flag}'}\n"
	p, err := Load("p.yaml", []byte(src), nil, fakeCatalog{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := p.Steps[0].Config.(*filesConfig)
	if cfg.Dir != "cost $5 in d" || !cfg.Lenient {
		t.Errorf("config = %+v", cfg)
	}
}

func TestBuiltinPipelinesAreReadable(t *testing.T) {
	for _, name := range Builtin() {
		if _, file, err := ReadBuiltin(name); err != nil || file != "embedded:"+name+".yaml" {
			t.Errorf("ReadBuiltin(%s) = %s, %v", name, file, err)
		}
	}
	if _, _, err := Read("no/such/file.yaml"); err == nil {
		t.Error("Read of a missing file that is not a built-in name: no error")
	}
	if _, file, err := Read("nightly"); err != nil || file != "embedded:nightly.yaml" {
		t.Errorf(`Read("nightly") = %s, %v`, file, err)
	}
}
