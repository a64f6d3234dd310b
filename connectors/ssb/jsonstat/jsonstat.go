// Package jsonstat reads JSON-stat documents, checks them and flattens their
// datasets into cells. The SSB connector calls it on every PxWebApi v2 answer
// (outputFormat=json-stat2, up to 800,000 cells): Parse the body, Validate the
// document, refuse it if the result is not Valid (Result.Err names the field),
// then walk each dataset's cells with Dataset.Rows or Dataset.Flatten.
//
// What is read:
//
//   - JSON-stat 2.0 `class: "dataset"` and `class: "collection"` (datasets
//     embedded in link.item are parsed; href-only items are listed, never
//     fetched).
//   - The pre-2.0 (1.x) bundle: a root object whose members name datasets,
//     including SSB's old `{"dataset": {...}}`. Such a dataset may keep id,
//     size and role inside its dimension object, as 1.x did. Bundles parse,
//     and Validate reports BUNDLE_DEPRECATED as a warning.
//
// Anything else (a PxWebApi /config or /tables answer, a class "dimension"
// response) is refused by Parse with ErrNotJSONStat or ErrUnsupportedClass.
//
// Parse rejects only what it cannot represent: bad JSON and members of the
// wrong JSON type. Everything that is well-typed but inconsistent (lengths,
// index positions, unknown keys, cycles) is left to Validate, which reports it
// with the codes of the jsonstat/validator corpus, so that a document can be
// inspected even when it is wrong.
//
// Values are float64; a null cell is absent (Kind KindNull), never 0. A
// dataset whose value array is empty while product(size) > 0 is metadata
// only (PxWebApi's /metadata answers): it is valid, with the warning
// METADATA_ONLY, and Rows refuses it with ErrMetadataOnly rather than inventing
// null cells.
package jsonstat

import (
	"encoding/json"
	"errors"
)

// Class is the kind of a parsed document.
type Class string

const (
	// ClassDataset is a JSON-stat 2.0 dataset: Document.Datasets has one entry.
	ClassDataset Class = "dataset"
	// ClassCollection is a JSON-stat 2.0 collection: Document.Items lists
	// link.item, Document.Datasets the items that embed a dataset.
	ClassCollection Class = "collection"
	// ClassBundle is a pre-2.0 bundle: root members naming datasets.
	ClassBundle Class = "bundle"
)

// ErrNotJSONStat is returned by Parse for a JSON document that is neither a
// dataset, a collection nor a bundle.
var ErrNotJSONStat = errors.New("not a JSON-stat document")

// ErrUnsupportedClass is returned by Parse for a class other than dataset
// and collection (JSON-stat's "dimension" class has no cells).
var ErrUnsupportedClass = errors.New("unsupported JSON-stat class")

// ErrMetadataOnly is returned by Rows and Flatten for a dataset that carries
// no values (empty value array, product(size) > 0).
var ErrMetadataOnly = errors.New("dataset is metadata only: it has no values")

// Document is a parsed JSON-stat response. It is immutable after Parse and
// may be shared between goroutines.
type Document struct {
	Class Class
	// Version is the root "version" member ("2.0"); empty when absent (1.x).
	Version string
	Label   string
	Href    string
	Updated string
	// Datasets holds every dataset the document carries, in document order:
	// the root dataset, a collection's embedded items (depth first), or a
	// bundle's members.
	Datasets []*Dataset
	// Items is a collection's link.item list, in order, nested collections
	// included (depth first). Empty for datasets and bundles.
	Items []Item
}

// Item is one entry of a collection's link.item.
type Item struct {
	// Pointer is the item's JSON pointer in the document ("/link/item/0").
	Pointer string
	Class   string
	Href    string
	Label   string
	// Dataset is the embedded dataset, or nil when the item only links to one.
	Dataset *Dataset
}

// Dataset is one JSON-stat dataset: a cube of product(Size) cells whose flat
// position is Σ pos_d · Π_{k>d} Size[k] (last dimension fastest).
type Dataset struct {
	// Name is the member name in a bundle ("oecd", "dataset"); empty otherwise.
	Name string
	// Pointer is the dataset's JSON pointer in its document: "" for a root
	// dataset, "/link/item/1" in a collection, "/oecd" in a bundle. Issue
	// paths start with it.
	Pointer string
	Version string
	// Legacy reports the 1.x layout: id, size and role were read from inside
	// the dimension object.
	Legacy  bool
	Label   string
	Source  string
	Updated string
	Href    string
	Note    []string
	ID      []string
	Size    []int
	Role    Role
	// Dimensions holds the members of "dimension": those named in ID first,
	// in ID order, then any others sorted by name (Validate reports them).
	Dimensions []*Dimension
	Extension  json.RawMessage

	dims   map[string]*Dimension
	values values
	status status
}

// Role lists the dimensions playing the time, geo and metric roles.
type Role struct {
	Time   []string `json:"time"`
	Geo    []string `json:"geo"`
	Metric []string `json:"metric"`
}

// Dimension is one member of a dataset's "dimension" object.
type Dimension struct {
	ID        string
	Label     string
	Href      string
	Note      []string
	Category  Category
	Extension json.RawMessage
}

// Category describes a dimension's categories.
type Category struct {
	// IDs lists the category ids by position. When "index" is absent and
	// "label" has a single key, that key is the only id (a constant
	// dimension). IDs is nil when the positions cannot be resolved; Validate
	// then reports INDEX_MISSING or INDEX_POSITIONS_INVALID.
	IDs         []string
	Label       map[string]string
	Unit        map[string]Unit
	Child       map[string][]string
	Coordinates map[string][]float64
	Note        map[string][]string

	form      indexForm
	keys      []string // index ids in document order (array entries or object keys)
	positions []int    // object form: the position of keys[i], -1 when not a non-negative integer
}

// Unit is a category's unit of measure (metric dimensions).
type Unit struct {
	Label      string `json:"label"`
	Symbol     string `json:"symbol"`
	Position   string `json:"position"`
	Base       string `json:"base"`
	Type       string `json:"type"`
	Decimals   *int   `json:"decimals"`
	Multiplier *int   `json:"multiplier"`
}

type indexForm uint8

const (
	indexAbsent indexForm = iota
	indexArray
	indexObject
)

// LabelOf returns the label of category id, or id itself when the dimension
// gives none (as the JSON-stat toolkit does).
func (c *Category) LabelOf(id string) string {
	if l, ok := c.Label[id]; ok {
		return l
	}
	return id
}

// Dim returns the dimension named id, or nil.
func (ds *Dataset) Dim(id string) *Dimension { return ds.dims[id] }

// Cells returns product(Size), or -1 when a size is negative or the product
// exceeds MaxCells.
func (ds *Dataset) Cells() int {
	n, ok := product(ds.Size)
	if !ok {
		return -1
	}
	return n
}

// MetadataOnly reports a dataset with an empty value array and at least one
// cell: a PxWebApi /metadata answer. It has nothing to flatten.
func (ds *Dataset) MetadataOnly() bool {
	return ds.values.present && !ds.values.sparse && len(ds.values.num) == 0 && ds.Cells() > 0
}

// HasStatus reports whether the dataset carries a status member.
func (ds *Dataset) HasStatus() bool { return ds.status.form != statusNone }

// MaxCells bounds product(size). A larger cube is refused (CUBE_SIZE_OVERFLOW),
// as by the jsonstat/validator default budget; SSB answers stop at 800,000.
const MaxCells = 50_000_000

// product returns the product of sizes, false when a size is negative or the
// product exceeds MaxCells.
func product(sizes []int) (int, bool) {
	for _, s := range sizes {
		if s < 0 {
			return 0, false
		}
	}
	for _, s := range sizes {
		if s == 0 {
			return 0, true
		}
	}
	p := 1
	for _, s := range sizes {
		if p > MaxCells/s {
			return 0, false
		}
		p *= s
	}
	return p, true
}
