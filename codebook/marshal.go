package codebook

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// The YAML shape Marshal writes; Parse reads the same keys.
type (
	yamlCodebook struct {
		Instrument string      `yaml:"instrument"`
		Version    string      `yaml:"version"`
		Groups     []yamlGroup `yaml:"groups"`
	}
	yamlGroup struct {
		Code           string        `yaml:"code"`
		Names          Names         `yaml:"names,flow"`
		Grades         []int         `yaml:"grades,omitempty,flow"`
		Scale          Scale         `yaml:"scale,flow"`
		MinRespondents int           `yaml:"min_respondents"`
		Areas          []yamlArea    `yaml:"areas,omitempty"`
		Indices        []yamlIndex   `yaml:"indices,omitempty"`
		Bullying       *yamlBullying `yaml:"bullying,omitempty"`
		OtherItems     []string      `yaml:"other_items,omitempty,flow"`
	}
	yamlArea struct {
		Code  string `yaml:"code"`
		Names Names  `yaml:"names,flow"`
	}
	yamlIndex struct {
		Code     string   `yaml:"code"`
		Names    Names    `yaml:"names,flow"`
		Area     string   `yaml:"area,omitempty"`
		Items    []string `yaml:"items,flow"`
		Reverse  []string `yaml:"reverse,omitempty,flow"`
		Scale    Scale    `yaml:"scale,flow"`
		MinItems int      `yaml:"min_items"`
	}
	yamlBullying struct {
		Code      string   `yaml:"code"`
		Names     Names    `yaml:"names,flow"`
		Items     []string `yaml:"items,flow"`
		Threshold int      `yaml:"threshold"`
	}
)

// Marshal writes c in the YAML format Parse reads, with every default
// spelled out, so Parse(Marshal(c)) equals c but for Source. It writes
// what c holds without checking it.
func Marshal(c *Codebook) ([]byte, error) {
	y := yamlCodebook{Instrument: c.Instrument, Version: c.Version}
	for _, g := range c.Groups {
		yg := yamlGroup{Code: g.Code, Names: g.Names, Scale: g.Scale, MinRespondents: g.MinRespondents, OtherItems: g.OtherItems}
		if g.Grades != [2]int{} {
			yg.Grades = g.Grades[:]
		}
		for _, a := range g.Areas {
			yg.Areas = append(yg.Areas, yamlArea(a))
		}
		for _, ix := range g.Indices {
			yg.Indices = append(yg.Indices, yamlIndex(ix))
		}
		if b := g.Bullying; b != nil {
			yg.Bullying = &yamlBullying{Code: b.Code, Names: b.Names, Items: b.Items, Threshold: b.Threshold}
		}
		y.Groups = append(y.Groups, yg)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(y); err != nil {
		return nil, fmt.Errorf("encoding codebook %s: %w", c.Source, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding codebook %s: %w", c.Source, err)
	}
	return buf.Bytes(), nil
}
