package jsonstat

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Code identifies a rule. The codes shared with the jsonstat/validator
// corpus (corpus/cases.json, rules-manifest.json) keep its names and
// meaning; the ones marked "ours" are checks it does not make but that
// flattening needs.
type Code string

const (
	IDSizeLenMismatch     Code = "ID_SIZE_LEN_MISMATCH"    // len(id) != len(size)
	DimKeyIDMismatch      Code = "DIM_KEY_ID_MISMATCH"     // dimension keys != id values
	ValueLenMismatch      Code = "VALUE_LEN_MISMATCH"      // dense value length != product(size)
	SparseKeyOutOfRange   Code = "SPARSE_KEY_OUT_OF_RANGE" // sparse value key not an integer in [0, product)
	RoleIDUnknown         Code = "ROLE_ID_UNKNOWN"         // role.{time,geo,metric} names no id
	StatusLenMismatch     Code = "STATUS_LEN_MISMATCH"     // status array length != product(size)
	StatusKeyOutOfRange   Code = "STATUS_KEY_OUT_OF_RANGE" // status object key not an integer in [0, product)
	MetricUnitMissing     Code = "METRIC_UNIT_MISSING"     // warning: metric dimension without category.unit
	IndexCountMismatch    Code = "INDEX_COUNT_MISMATCH"    // category count != size
	IndexPositionsInvalid Code = "INDEX_POSITIONS_INVALID" // index object positions not a permutation of [0, size)
	LabelKeyUnknown       Code = "LABEL_KEY_UNKNOWN"       // category.label key not in index
	LabelKeyIncomplete    Code = "LABEL_KEY_INCOMPLETE"    // warning: category.label misses categories
	UnitKeyUnknown        Code = "UNIT_KEY_UNKNOWN"        // category.unit key not in index
	CoordKeyUnknown       Code = "COORD_KEY_UNKNOWN"       // category.coordinates key not in index
	NoteKeyUnknown        Code = "NOTE_KEY_UNKNOWN"        // category.note key not in index
	ChildIDUnknown        Code = "CHILD_ID_UNKNOWN"        // category.child names an id not in index
	ChildCycle            Code = "CHILD_CYCLE"             // category.child hierarchy has a cycle
	BundleDeprecated      Code = "BUNDLE_DEPRECATED"       // warning: pre-2.0 bundle
	CubeSizeOverflow      Code = "CUBE_SIZE_OVERFLOW"      // product(size) > MaxCells

	SizeInvalid        Code = "SIZE_INVALID"         // ours: a negative size
	IDDuplicate        Code = "ID_DUPLICATE"         // ours: a dimension id repeated in id
	ValueMissing       Code = "VALUE_MISSING"        // ours: no value member
	MetadataOnly       Code = "METADATA_ONLY"        // ours, warning: empty value array, cells > 0
	SparseKeyDuplicate Code = "SPARSE_KEY_DUPLICATE" // ours: two sparse keys name one cell ("1", "01")
	StatusKeyDuplicate Code = "STATUS_KEY_DUPLICATE" // ours: two status keys name one cell
	IndexMissing       Code = "INDEX_MISSING"        // ours: no category ids (no index, label not a single key)
	IndexIDDuplicate   Code = "INDEX_ID_DUPLICATE"   // ours: a category id repeated in index
)

// Severity says whether an issue makes a document invalid.
type Severity uint8

const (
	SeverityError Severity = iota + 1
	SeverityWarning
)

func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return "Severity(" + strconv.Itoa(int(s)) + ")"
}

// Issue is one finding of Validate.
type Issue struct {
	Code     Code
	Severity Severity
	// Path is the JSON pointer (RFC 6901) of the offending member in the
	// document, e.g. "/dimension/Region/category/index" or, in a
	// collection, "/link/item/0/value". "" is the document root.
	Path string
	// Message says what is wrong and names the dimension and keys involved.
	Message string
}

func (i Issue) String() string {
	path := i.Path
	if path == "" {
		path = "the root"
	}
	return fmt.Sprintf("%s at %s: %s", i.Code, path, i.Message)
}

// Result is the outcome of Validate. Valid is true when Errors is empty;
// warnings never make a document invalid.
type Result struct {
	Valid    bool
	Errors   []Issue
	Warnings []Issue
}

// Err returns nil for a valid result, else a *ValidationError holding the
// errors, for the connector to wrap.
func (r Result) Err() error {
	if r.Valid {
		return nil
	}
	return &ValidationError{Issues: r.Errors}
}

// ValidationError is the error form of an invalid Result.
type ValidationError struct {
	Issues []Issue
}

func (e *ValidationError) Error() string {
	const shown = 3
	var b strings.Builder
	b.WriteString("invalid JSON-stat: ")
	for i, is := range e.Issues {
		if i == shown {
			fmt.Fprintf(&b, " (and %d more)", len(e.Issues)-shown)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(is.String())
	}
	return b.String()
}

// Validate checks every dataset a document carries against the JSON-stat 2.0
// rules (see Code). A bundle gets the warning BUNDLE_DEPRECATED; its datasets
// are checked like any other. Items of a collection that only link to a
// dataset are not fetched nor checked. Issues come in a stable order: by
// dataset, then dataset rules, then dimensions in id order.
//
// Deviations from jsonstat/validator, each to accept real documents: an
// empty dense value array is METADATA_ONLY (a warning), not
// VALUE_LEN_MISMATCH; a status array of one element applies to every cell,
// and an empty one is no status, neither being STATUS_LEN_MISMATCH;
// BUNDLE_DEPRECATED is a warning where the validator has it as "info".
func Validate(doc *Document) Result {
	var v validator
	if doc.Class == ClassBundle {
		v.warn(BundleDeprecated, "", "the document is a pre-2.0 bundle (root members naming datasets); JSON-stat 2.0 uses a collection")
	}
	for _, ds := range doc.Datasets {
		v.dataset(ds)
	}
	return v.result()
}

// ValidateDataset checks one dataset, as Validate does for each.
func ValidateDataset(ds *Dataset) Result {
	var v validator
	v.dataset(ds)
	return v.result()
}

type validator struct {
	errors, warnings []Issue
}

func (v *validator) fail(code Code, path, format string, args ...any) {
	v.errors = append(v.errors, Issue{Code: code, Severity: SeverityError, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) warn(code Code, path, format string, args ...any) {
	v.warnings = append(v.warnings, Issue{Code: code, Severity: SeverityWarning, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) result() Result {
	return Result{Valid: len(v.errors) == 0, Errors: v.errors, Warnings: v.warnings}
}

func (v *validator) dataset(ds *Dataset) {
	p := ds.Pointer
	layout := p // id, size and role live in "dimension" in 1.x
	if ds.Legacy {
		layout = pointer(p, "dimension")
	}
	idPath, sizePath := pointer(layout, "id"), pointer(layout, "size")

	if len(ds.ID) != len(ds.Size) {
		v.fail(IDSizeLenMismatch, idPath, "id has %d entries (%s) but size has %d", len(ds.ID), quoteList(ds.ID), len(ds.Size))
	}
	sizesOK := true
	for i, s := range ds.Size {
		if s < 0 {
			sizesOK = false
			v.fail(SizeInvalid, pointer(sizePath, strconv.Itoa(i)), "size of dimension %d is %d; sizes must be >= 0", i, s)
		}
	}
	if dup := repeated(ds.ID); len(dup) > 0 {
		v.fail(IDDuplicate, idPath, "id names dimensions more than once: %s", quoteList(dup))
	}
	idSet := make(map[string]bool, len(ds.ID))
	for _, id := range ds.ID {
		idSet[id] = true
	}
	var missing, extra []string
	for _, id := range ds.ID {
		if ds.dims[id] == nil {
			missing = append(missing, id)
		}
	}
	for _, d := range ds.Dimensions {
		if !idSet[d.ID] {
			extra = append(extra, d.ID)
		}
	}
	if len(missing)+len(extra) > 0 {
		v.fail(DimKeyIDMismatch, pointer(p, "dimension"), "dimension keys differ from id: in id but not in dimension: [%s]; in dimension but not in id: [%s]", quoteList(missing), quoteList(extra))
	}

	total, countable := product(ds.Size)
	if sizesOK && !countable {
		v.fail(CubeSizeOverflow, sizePath, "product(size) of %s exceeds %d cells", sizeExpr(ds.Size), MaxCells)
	}

	v.values(ds, total, countable)

	for _, r := range []struct {
		name string
		ids  []string
	}{{"time", ds.Role.Time}, {"geo", ds.Role.Geo}, {"metric", ds.Role.Metric}} {
		for _, id := range r.ids {
			if !idSet[id] {
				v.fail(RoleIDUnknown, pointer(layout, "role", r.name), "role.%s names dimension %q, which id does not list", r.name, id)
			}
		}
	}

	v.status(ds, total, countable)

	for _, id := range ds.Role.Metric {
		if d := ds.dims[id]; d != nil && idSet[id] && len(d.Category.Unit) == 0 {
			v.warn(MetricUnitMissing, pointer(p, "dimension", id, "category", "unit"), "metric dimension %q has no category.unit", id)
		}
	}

	for i, id := range ds.ID {
		d := ds.dims[id]
		if d == nil {
			continue
		}
		size := -1 // unknown
		if i < len(ds.Size) && ds.Size[i] >= 0 {
			size = ds.Size[i]
		}
		v.dimension(ds, d, size)
	}
}

func (v *validator) values(ds *Dataset, total int, countable bool) {
	vp := pointer(ds.Pointer, "value")
	val := &ds.values
	switch {
	case !val.present:
		v.fail(ValueMissing, ds.Pointer, "the dataset has no value member")
	case !val.sparse:
		n := len(val.num)
		if !countable || n == total {
			return
		}
		if n == 0 {
			v.warn(MetadataOnly, vp, "value is empty while size %s gives %d cells: a metadata-only dataset, with nothing to flatten", sizeExpr(ds.Size), total)
			return
		}
		v.fail(ValueLenMismatch, vp, "value has %d cells but size %s gives %d", n, sizeExpr(ds.Size), total)
	default:
		bad := slices.Clone(val.badKeys)
		if countable {
			for _, c := range val.cells {
				if c.pos >= total {
					bad = append(bad, strconv.Itoa(c.pos))
				}
			}
		}
		if len(bad) > 0 {
			v.fail(SparseKeyOutOfRange, pointer(vp, bad[0]), "sparse value keys must be integers in [0, %s): %s", rangeEnd(total, countable), quoteList(bad))
		}
		if len(val.dupPos) > 0 {
			v.fail(SparseKeyDuplicate, vp, "sparse value gives cells more than once: %s", intList(val.dupPos))
		}
	}
}

func (v *validator) status(ds *Dataset, total int, countable bool) {
	sp := pointer(ds.Pointer, "status")
	st := &ds.status
	switch st.form {
	case statusArray:
		if countable && st.arrayLen != total {
			v.fail(StatusLenMismatch, sp, "status has %d entries but size %s gives %d cells", st.arrayLen, sizeExpr(ds.Size), total)
		}
	case statusObject:
		bad := slices.Clone(st.badKeys)
		if countable {
			for _, c := range st.cells {
				if c.pos >= total {
					bad = append(bad, strconv.Itoa(c.pos))
				}
			}
		}
		if len(bad) > 0 {
			v.fail(StatusKeyOutOfRange, pointer(sp, bad[0]), "status keys must be integers in [0, %s): %s", rangeEnd(total, countable), quoteList(bad))
		}
		if len(st.dupPos) > 0 {
			v.fail(StatusKeyDuplicate, sp, "status gives cells more than once: %s", intList(st.dupPos))
		}
	}
}

// dimension applies the per-dimension rules; size is -1 when unknown.
func (v *validator) dimension(ds *Dataset, d *Dimension, size int) {
	c := &d.Category
	cp := pointer(ds.Pointer, "dimension", d.ID, "category")
	ip := pointer(cp, "index")
	switch c.form {
	case indexAbsent:
		if c.keys == nil {
			v.fail(IndexMissing, ip, "dimension %q has no category.index, and its category.label does not name exactly one category", d.ID)
			return
		}
		if size >= 0 && size != 1 {
			v.fail(IndexCountMismatch, ip, "dimension %q has one category (from its label, no index) but size %d", d.ID, size)
		}
	case indexArray:
		if size >= 0 && len(c.keys) != size {
			v.fail(IndexCountMismatch, ip, "dimension %q has %d categories in index but size %d", d.ID, len(c.keys), size)
		}
	case indexObject:
		if size >= 0 && !isPermutation(c.positions, size) {
			v.fail(IndexPositionsInvalid, ip, "dimension %q index positions %s are not a permutation of 0..%d", d.ID, intList(c.positions), size-1)
		}
	}
	if dup := repeated(c.keys); len(dup) > 0 {
		v.fail(IndexIDDuplicate, ip, "dimension %q index repeats categories: %s", d.ID, quoteList(dup))
	}
	ids := make(map[string]bool, len(c.keys))
	for _, k := range c.keys {
		ids[k] = true
	}
	unknown := func(keys []string) []string {
		var out []string
		for _, k := range keys {
			if !ids[k] {
				out = append(out, k)
			}
		}
		return out
	}
	if u := unknown(sortedKeys(c.Label)); len(u) > 0 {
		v.fail(LabelKeyUnknown, pointer(cp, "label"), "dimension %q labels categories not in its index: %s", d.ID, quoteList(u))
	} else if c.Label != nil && c.form != indexAbsent {
		var miss []string
		for _, k := range c.keys {
			if _, ok := c.Label[k]; !ok {
				miss = append(miss, k)
			}
		}
		if len(miss) > 0 {
			v.warn(LabelKeyIncomplete, pointer(cp, "label"), "dimension %q has no label for categories %s", d.ID, quoteList(miss))
		}
	}
	if u := unknown(sortedKeys(c.Unit)); len(u) > 0 {
		v.fail(UnitKeyUnknown, pointer(cp, "unit"), "dimension %q gives units for categories not in its index: %s", d.ID, quoteList(u))
	}
	if u := unknown(sortedKeys(c.Coordinates)); len(u) > 0 {
		v.fail(CoordKeyUnknown, pointer(cp, "coordinates"), "dimension %q gives coordinates for categories not in its index: %s", d.ID, quoteList(u))
	}
	if u := unknown(sortedKeys(c.Note)); len(u) > 0 {
		v.fail(NoteKeyUnknown, pointer(cp, "note"), "dimension %q gives notes for categories not in its index: %s", d.ID, quoteList(u))
	}
	if c.Child != nil {
		var bad []string
		for _, parent := range sortedKeys(c.Child) {
			if !ids[parent] {
				bad = append(bad, parent)
			}
			bad = append(bad, unknown(c.Child[parent])...)
		}
		if bad = uniq(bad); len(bad) > 0 {
			v.fail(ChildIDUnknown, pointer(cp, "child"), "dimension %q hierarchy names categories not in its index: %s", d.ID, quoteList(bad))
		}
		if node, ok := cycle(c.Child); ok {
			v.fail(ChildCycle, pointer(cp, "child"), "dimension %q hierarchy has a cycle through category %q", d.ID, node)
		}
	}
}

func isPermutation(positions []int, n int) bool {
	if len(positions) != n {
		return false
	}
	seen := make([]bool, n)
	for _, p := range positions {
		if p < 0 || p >= n || seen[p] {
			return false
		}
		seen[p] = true
	}
	return true
}

// cycle finds a category reachable from itself through child, by an
// iterative depth-first search (hierarchies can be deep).
func cycle(child map[string][]string) (string, bool) {
	const (
		white = iota
		grey  // on the current path
		black // done
	)
	color := map[string]int{}
	type frame struct {
		node string
		next int
	}
	for _, start := range sortedKeys(child) {
		if color[start] != white {
			continue
		}
		color[start] = grey
		stack := []frame{{start, 0}}
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			kids := child[top.node]
			if top.next == len(kids) {
				color[top.node] = black
				stack = stack[:len(stack)-1]
				continue
			}
			k := kids[top.next]
			top.next++
			switch color[k] {
			case grey:
				return k, true
			case white:
				color[k] = grey
				stack = append(stack, frame{k, 0})
			}
		}
	}
	return "", false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// repeated returns the strings occurring more than once, in first order.
func repeated(ss []string) []string {
	count := make(map[string]int, len(ss))
	var out []string
	for _, s := range ss {
		count[s]++
		if count[s] == 2 {
			out = append(out, s)
		}
	}
	return out
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

const listed = 10

func quoteList(ss []string) string {
	parts := make([]string, 0, min(len(ss), listed))
	for i, s := range ss {
		if i == listed {
			return strings.Join(parts, ", ") + fmt.Sprintf(" and %d more", len(ss)-listed)
		}
		parts = append(parts, strconv.Quote(s))
	}
	return strings.Join(parts, ", ")
}

func intList(ns []int) string {
	parts := make([]string, 0, min(len(ns), listed))
	for i, n := range ns {
		if i == listed {
			return strings.Join(parts, ", ") + fmt.Sprintf(" and %d more", len(ns)-listed)
		}
		parts = append(parts, strconv.Itoa(n))
	}
	return strings.Join(parts, ", ")
}

// sizeExpr writes sizes as a product, "[2×3×4]".
func sizeExpr(sizes []int) string {
	parts := make([]string, len(sizes))
	for i, s := range sizes {
		parts[i] = strconv.Itoa(s)
	}
	return "[" + strings.Join(parts, "×") + "]"
}

func rangeEnd(total int, countable bool) string {
	if !countable {
		return "product(size)"
	}
	return strconv.Itoa(total)
}
