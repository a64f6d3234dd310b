package jsonstat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// maxCollectionDepth bounds nested collections (a collection item that is a
// collection with its own link.item).
const maxCollectionDepth = 8

// Parse reads a JSON-stat document: a 2.0 dataset or collection, or a
// pre-2.0 bundle. It fails on malformed JSON, on a root that is none of these
// (ErrNotJSONStat, ErrUnsupportedClass), and on members of the wrong JSON
// type (a string where an array of sizes belongs); the error names the
// member by its JSON pointer. Consistency between members is not checked
// here: call Validate before trusting the cells.
func Parse(data []byte) (*Document, error) {
	members, isObject, err := objectMembers(data)
	if err != nil {
		return nil, fmt.Errorf("decoding JSON: %w", err)
	}
	if !isObject {
		return nil, fmt.Errorf("%w: the root is not a JSON object", ErrNotJSONStat)
	}
	root := make(map[string]json.RawMessage, len(members))
	for _, m := range members {
		root[m.key] = m.raw
	}
	doc := &Document{}
	var class string
	for _, f := range []struct {
		key string
		dst *string
	}{{"class", &class}, {"version", &doc.Version}, {"label", &doc.Label}, {"href", &doc.Href}, {"updated", &doc.Updated}} {
		if err := decodeMember(root, f.key, "", f.dst); err != nil {
			return nil, err
		}
	}
	switch class {
	case "dataset":
		doc.Class = ClassDataset
		ds, err := parseDataset(root, "", "")
		if err != nil {
			return nil, err
		}
		doc.Datasets = []*Dataset{ds}
	case "collection":
		doc.Class = ClassCollection
		if err := parseCollection(root, "", doc, 1); err != nil {
			return nil, err
		}
	case "":
		// No class: JSON-stat 1.x, whose responses are bundles.
		doc.Class = ClassBundle
		seen := map[string]bool{}
		for _, m := range members {
			if seen[m.key] {
				continue
			}
			seen[m.key] = true
			mm, ok, err := datasetLike(root[m.key])
			if err != nil {
				return nil, fmt.Errorf("decoding %s: %w", pointer("", m.key), err)
			}
			if !ok {
				continue
			}
			ds, err := parseDataset(mm, pointer("", m.key), m.key)
			if err != nil {
				return nil, err
			}
			doc.Datasets = append(doc.Datasets, ds)
		}
		if len(doc.Datasets) == 0 {
			return nil, fmt.Errorf("%w: no class member and no member holding a dataset", ErrNotJSONStat)
		}
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedClass, class)
	}
	return doc, nil
}

type member struct {
	key string
	raw json.RawMessage
}

// objectMembers decodes the root object's members in document order. A
// well-formed root that is not an object gives isObject false.
func objectMembers(data []byte) (members []member, isObject bool, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, false, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		if !json.Valid(data) {
			return nil, false, errors.New("malformed JSON")
		}
		return nil, false, nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, true, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, true, fmt.Errorf("object key %v is not a string", tok)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, true, fmt.Errorf("member %q: %w", key, err)
		}
		members = append(members, member{key, raw})
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, true, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, true, errors.New("data after the root object")
	}
	return members, true, nil
}

// datasetLike decodes a bundle member that looks like a dataset: an object
// with class "dataset" or with a "dimension" member.
func datasetLike(raw json.RawMessage) (map[string]json.RawMessage, bool, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != '{' {
		return nil, false, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(t, &m); err != nil {
		return nil, false, err
	}
	var class string
	if c, ok := m["class"]; ok {
		_ = json.Unmarshal(c, &class) // a non-string class just is not "dataset"
	}
	_, hasDim := m["dimension"]
	return m, class == "dataset" || hasDim, nil
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// pointer appends reference tokens to a JSON pointer (RFC 6901).
func pointer(base string, tokens ...string) string {
	var b strings.Builder
	b.WriteString(base)
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(pointerEscaper.Replace(t))
	}
	return b.String()
}

// decodeMember decodes m[key] into dst; an absent or null member leaves dst
// as it is.
func decodeMember(m map[string]json.RawMessage, key, ptr string, dst any) error {
	raw, ok := m[key]
	if !ok || isAbsent(raw) {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("decoding %s: %w", pointer(ptr, key), err)
	}
	return nil
}

// notes is a JSON-stat note: an array of strings, or (leniently) one string.
type notes []string

func (n *notes) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '"' {
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return err
		}
		*n = notes{s}
		return nil
	}
	var a []string
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*n = a
	return nil
}

func parseCollection(m map[string]json.RawMessage, ptr string, doc *Document, depth int) error {
	if depth > maxCollectionDepth {
		return fmt.Errorf("decoding %s: collections nested deeper than %d", ptr, maxCollectionDepth)
	}
	var link struct {
		Item []json.RawMessage `json:"item"`
	}
	if err := decodeMember(m, "link", ptr, &link); err != nil {
		return err
	}
	for i, raw := range link.Item {
		ip := pointer(ptr, "link", "item", strconv.Itoa(i))
		var im map[string]json.RawMessage
		if err := json.Unmarshal(raw, &im); err != nil {
			return fmt.Errorf("decoding %s: %w", ip, err)
		}
		it := Item{Pointer: ip}
		for _, f := range []struct {
			key string
			dst *string
		}{{"class", &it.Class}, {"href", &it.Href}, {"label", &it.Label}} {
			if err := decodeMember(im, f.key, ip, f.dst); err != nil {
				return err
			}
		}
		_, hasID := im["id"]
		_, hasValue := im["value"]
		_, hasDim := im["dimension"]
		if it.Class == "dataset" && (hasID || hasValue || hasDim) {
			ds, err := parseDataset(im, ip, "")
			if err != nil {
				return err
			}
			it.Dataset = ds
			doc.Datasets = append(doc.Datasets, ds)
		}
		doc.Items = append(doc.Items, it)
		if _, hasLink := im["link"]; it.Class == "collection" && hasLink {
			if err := parseCollection(im, ip, doc, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseDataset reads a dataset object, 2.0 or 1.x layout.
func parseDataset(m map[string]json.RawMessage, ptr, name string) (*Dataset, error) {
	ds := &Dataset{Name: name, Pointer: ptr, dims: map[string]*Dimension{}}
	for _, f := range []struct {
		key string
		dst *string
	}{{"version", &ds.Version}, {"label", &ds.Label}, {"source", &ds.Source}, {"updated", &ds.Updated}, {"href", &ds.Href}} {
		if err := decodeMember(m, f.key, ptr, f.dst); err != nil {
			return nil, err
		}
	}
	var note notes
	if err := decodeMember(m, "note", ptr, &note); err != nil {
		return nil, err
	}
	ds.Note = note
	if raw, ok := m["extension"]; ok && !isAbsent(raw) {
		ds.Extension = slices.Clone(raw)
	}

	dimPtr := pointer(ptr, "dimension")
	var dimMap map[string]json.RawMessage
	if err := decodeMember(m, "dimension", ptr, &dimMap); err != nil {
		return nil, err
	}
	layout := m // where id, size and role are read from
	layoutPtr := ptr
	if _, ok := m["id"]; !ok {
		if _, legacy := dimMap["id"]; legacy {
			// JSON-stat 1.x kept id, size and role inside "dimension".
			ds.Legacy = true
			layout, layoutPtr = dimMap, dimPtr
		}
	}
	if err := decodeMember(layout, "id", layoutPtr, &ds.ID); err != nil {
		return nil, err
	}
	if err := decodeMember(layout, "size", layoutPtr, &ds.Size); err != nil {
		return nil, err
	}
	if err := decodeMember(layout, "role", layoutPtr, &ds.Role); err != nil {
		return nil, err
	}

	for key, raw := range dimMap {
		if ds.Legacy && (key == "id" || key == "size" || key == "role") {
			continue
		}
		d, err := parseDimension(raw, pointer(dimPtr, key), key)
		if err != nil {
			return nil, err
		}
		ds.dims[key] = d
	}
	ds.Dimensions = orderDimensions(ds.ID, ds.dims)

	var err error
	if ds.values, err = parseValues(m["value"]); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", pointer(ptr, "value"), err)
	}
	if ds.status, err = parseStatus(m["status"]); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", pointer(ptr, "status"), err)
	}
	return ds, nil
}

// orderDimensions lists dims in id order, then those id does not name, by
// name.
func orderDimensions(ids []string, dims map[string]*Dimension) []*Dimension {
	out := make([]*Dimension, 0, len(dims))
	placed := map[string]bool{}
	for _, id := range ids {
		if d, ok := dims[id]; ok && !placed[id] {
			out = append(out, d)
			placed[id] = true
		}
	}
	var rest []string
	for k := range dims {
		if !placed[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		out = append(out, dims[k])
	}
	return out
}

type rawDimension struct {
	Label     string          `json:"label"`
	Href      string          `json:"href"`
	Note      notes           `json:"note"`
	Category  json.RawMessage `json:"category"`
	Extension json.RawMessage `json:"extension"`
}

type rawCategory struct {
	Index       json.RawMessage      `json:"index"`
	Label       map[string]string    `json:"label"`
	Unit        map[string]Unit      `json:"unit"`
	Child       map[string][]string  `json:"child"`
	Coordinates map[string][]float64 `json:"coordinates"`
	Note        map[string]notes     `json:"note"`
}

func parseDimension(raw json.RawMessage, ptr, id string) (*Dimension, error) {
	d := &Dimension{ID: id}
	if isAbsent(raw) {
		return d, nil
	}
	var rd rawDimension
	if err := json.Unmarshal(raw, &rd); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", ptr, err)
	}
	d.Label, d.Href, d.Note = rd.Label, rd.Href, rd.Note
	if !isAbsent(rd.Extension) {
		d.Extension = rd.Extension
	}
	if isAbsent(rd.Category) {
		return d, nil
	}
	catPtr := pointer(ptr, "category")
	var rc rawCategory
	if err := json.Unmarshal(rd.Category, &rc); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", catPtr, err)
	}
	c := &d.Category
	c.Label, c.Unit, c.Child, c.Coordinates = rc.Label, rc.Unit, rc.Child, rc.Coordinates
	if rc.Note != nil {
		c.Note = make(map[string][]string, len(rc.Note))
		for k, v := range rc.Note {
			c.Note[k] = v
		}
	}
	if err := c.parseIndex(rc.Index); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", pointer(catPtr, "index"), err)
	}
	return d, nil
}

// parseIndex reads category.index (array of ids, or object id → position)
// and resolves IDs when it can.
func (c *Category) parseIndex(raw json.RawMessage) error {
	if isAbsent(raw) {
		c.form = indexAbsent
		if len(c.Label) == 1 {
			for k := range c.Label {
				c.keys = []string{k}
				c.IDs = []string{k}
			}
		}
		return nil
	}
	if bytes.TrimSpace(raw)[0] == '[' {
		c.form = indexArray
		if err := json.Unmarshal(raw, &c.keys); err != nil {
			return err
		}
		if c.keys == nil {
			c.keys = []string{}
		}
		c.IDs = c.keys
		return nil
	}
	c.form = indexObject
	object, err := scanFlat(raw, func(_ int, key []byte, s scalar) error {
		if s.kind != scalarNumber {
			return fmt.Errorf("member %q: a position must be a number", key)
		}
		pos := -1
		if s.num >= 0 && s.num <= MaxCells && s.num == float64(int(s.num)) {
			pos = int(s.num)
		}
		c.keys = append(c.keys, string(key))
		c.positions = append(c.positions, pos)
		return nil
	})
	if err != nil {
		return err
	}
	if !object {
		return errors.New("want an array or an object")
	}
	ids := make([]string, len(c.keys))
	filled := make([]bool, len(c.keys))
	for i, p := range c.positions {
		if p < 0 || p >= len(ids) || filled[p] {
			return nil // not a permutation: IDs stay nil, Validate reports it
		}
		ids[p], filled[p] = c.keys[i], true
	}
	c.IDs = ids
	return nil
}
