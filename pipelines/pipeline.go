// Package pipelines holds the declarative pipeline files (nightly.yaml and
// friends, embedded in the binary) and their loader.
//
// A pipeline file names parameters with defaults and a list of steps. Each
// step has a kind (extract, transform, load, export), what it uses (a
// connector, a transform, SQL scripts), a `with:` block of settings that may
// refer to parameters as ${name}, the steps it needs, and how often to retry.
// See docs/pipelines.md for the format.
//
// Load validates everything before anything runs: YAML syntax, unknown keys
// (an error, with file, line and key), step kinds, that every `uses` names a
// registered connector or transform, that `with:` decodes into that
// component's config type, that needs refer to steps and form no cycle, and
// that every ${param} is declared. The result is an immutable *Pipeline the
// runner executes in Order.
package pipelines

import (
	"fmt"
	"time"
)

// Kind is what a step does.
type Kind string

const (
	// Extract reads a source through a connector and lands its streams.
	Extract Kind = "extract"
	// Transform runs a pure transform over warehouse tables into new tables.
	Transform Kind = "transform"
	// LoadSQL runs SQL scripts that build tables and views from other tables.
	LoadSQL Kind = "load"
	// Export writes the mart as Parquet (staged; swapped in at publish).
	Export Kind = "export"
)

// Kinds lists the valid step kinds.
var Kinds = []Kind{Extract, Transform, LoadSQL, Export}

// Pipeline is a validated pipeline file.
type Pipeline struct {
	Name        string
	Description string
	// File is the path the pipeline was read from ("embedded:nightly.yaml"
	// for a built-in one).
	File string
	// Params are the parameter values after defaults and overrides, as text.
	Params map[string]string
	// Steps in file order.
	Steps []*Step
	// Order is Steps in an order that respects needs (file order among
	// independent steps).
	Order []*Step
}

// Step is one validated step.
type Step struct {
	ID          string
	Kind        Kind
	Description string
	// Uses names the connector (extract) or transform (transform).
	Uses string
	// SQL lists the scripts of a load step (names in sql/scripts).
	SQL []string
	// Config is the decoded `with:` block: a pointer to the config type of
	// the connector or transform (or of the export step).
	Config any
	Needs  []string
	Retry  Retry
	// Timeout bounds one attempt; 0 means no bound.
	Timeout time.Duration
	// Line is where the step starts in its file, for messages.
	Line int
}

// Retry says how often a failed step is tried again.
type Retry struct {
	// Attempts is the total number of tries (1 = no retry).
	Attempts int
	// Backoff is the wait before the second try; it doubles after each try.
	Backoff time.Duration
}

func (s *Step) String() string { return fmt.Sprintf("%s step %q", s.Kind, s.ID) }

// Catalog tells the loader which components exist and their config types.
// The orchestration package implements it over the connector and transform
// registries.
type Catalog interface {
	// NewConfig returns a pointer to a fresh config (defaults set) for a step
	// of kind that uses uses ("" for load and export steps), or an error
	// naming what exists when uses is unknown.
	NewConfig(kind Kind, uses string) (any, error)
	// HasScript reports whether a load script of that name exists.
	HasScript(name string) bool
}
