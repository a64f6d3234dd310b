package udir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"strings"
	"unicode/utf8"

	"github.com/skolestat/skolestat/connectors/cell"
)

// Header is one cell of a pivot header level as it applies to a leaf column.
type Header struct {
	// Name is the label with surrounding spaces trimmed ("Skalapoeng",
	// "2025-26", "Alle trinn").
	Name string
	// TekstID is tekstId_kolonne, "" when the response has none. It does
	// not identify a column: GSI sends one tekstId for its four measures.
	TekstID string
}

// Leaf is one column of values: position Index in every row's data.
type Leaf struct {
	Index int
	// Path holds one header per level, outermost (the year) first and the
	// measure last. Two leaves are the same column only if their indexes
	// are equal; names may repeat across levels and tekstIds across
	// leaves. The slice is shared with the Cells of this leaf: read only.
	Path []Header
}

// Measure is the innermost header name, the one that differs between the
// leaves of a response ("Skalapoeng", "Usikkerhet", "Antall elever").
func (l Leaf) Measure() string {
	if len(l.Path) == 0 {
		return ""
	}
	return l.Path[len(l.Path)-1].Name
}

// Row is one row of a pivot: a unit of the row hierarchy (a county,
// municipality or school; an indicator or question in EU mobbing).
type Row struct {
	// ID is the dotted path in the row hierarchy ("1.49.1423"). Its
	// segments are the report's own row keys, not EnhetIDs: Oslo
	// municipality is row "1.3.42" but EnhetID -76. Join units on Kode.
	ID string
	// Kode is the county or municipality number or org.nr (the indicator
	// code in EU mobbing); "" unless the request had inkluderKoder=true.
	Kode string
	// Navn is the name with trailing (and leading) spaces trimmed; RawNavn
	// is as sent ("Troms - Romsa - Tromssa ").
	Navn    string
	RawNavn string
	// Raw and Values hold one entry per leaf, in leaf order.
	Raw    []string
	Values []cell.Value
}

// Pivot is a parsed `data` response of the report API. ParsePivot checks it
// whole, so that everything reachable from it is consistent: every row has
// exactly len(Leaves) values, each parsed by cell.Parse.
type Pivot struct {
	// RowHierarchy names the levels of row ids (["Nasjonalt", "Fylke",
	// "Kommune", "Enhet"]); nil when the response has none.
	RowHierarchy []string
	// Levels is the number of header levels (0 for an empty result).
	Levels int
	Leaves []Leaf
	Rows   []Row
}

// Cell is one value of a pivot with the row and column it sits at.
type Cell struct {
	RowID   string
	RowKode string
	RowNavn string // trimmed
	Leaf    int
	// Path is the leaf's header path, shared between cells: read only.
	Path  []Header
	Raw   string
	Value cell.Value
}

// NumCells is the number of values Cells yields.
func (p *Pivot) NumCells() int { return len(p.Rows) * len(p.Leaves) }

// Cells yields every value row by row, leaves in order within a row. An
// empty result (no columns, no rows) yields nothing.
func (p *Pivot) Cells() iter.Seq[Cell] {
	return func(yield func(Cell) bool) {
		for _, r := range p.Rows {
			for j, l := range p.Leaves {
				c := Cell{
					RowID: r.ID, RowKode: r.Kode, RowNavn: r.Navn,
					Leaf: j, Path: l.Path, Raw: r.Raw[j], Value: r.Values[j],
				}
				if !yield(c) {
					return
				}
			}
		}
	}
}

// PivotError is a fault at one place of a data response. Field is a path
// into the JSON ("metadata.columns[5][1].columnCount", "rows[12].data[2]");
// RowID is the id of the row it is in, when known. The connector wraps it
// with the source and endpoint; errors.As finds it for a reject record.
type PivotError struct {
	Field string
	RowID string
	Err   error
}

func (e *PivotError) Error() string {
	if e.RowID != "" {
		return fmt.Sprintf("%s (row id %q): %v", e.Field, e.RowID, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Field, e.Err)
}

func (e *PivotError) Unwrap() error { return e.Err }

func pivotErr(field, rowID string, format string, args ...any) error {
	return &PivotError{Field: field, RowID: rowID, Err: fmt.Errorf(format, args...)}
}

// rawPivot is the response decoded in one pass. Rows is nil when "rows"
// is absent or null.
type rawPivot struct {
	Metadata json.RawMessage `json:"metadata"`
	Rows     *[]rawRow       `json:"rows"`
}

type rawMetadata struct {
	RowHierarchy []string        `json:"rowHierarchy"`
	Columns      json.RawMessage `json:"columns"`
}

type rawHeader struct {
	Name        json.RawMessage `json:"name"`
	TekstID     json.RawMessage `json:"tekstId_kolonne"`
	ColumnCount json.RawMessage `json:"columnCount"`
}

type rawRow struct {
	ID   text   `json:"id"`
	Kode text   `json:"kode"`
	Navn text   `json:"navn"`
	Data []text `json:"data"` // nil when absent or null
}

// text is a JSON string field that knows whether it was sent (null counts
// as not sent). Any other JSON type fails the decoding; locateRowFault
// then finds where, since encoding/json does not say.
type text struct {
	s  string
	ok bool
}

func (t *text) UnmarshalJSON(b []byte) error {
	var err error
	t.s, t.ok, err = jsonString(b)
	return err
}

// looseRow is a row decoded without type checks, to locate a fault.
type looseRow struct {
	ID   json.RawMessage   `json:"id"`
	Kode json.RawMessage   `json:"kode"`
	Navn json.RawMessage   `json:"navn"`
	Data []json.RawMessage `json:"data"`
}

// ParsePivot reads the body of a report API `data` response:
//
//	{"metadata":{"rowHierarchy":[...],"columns":[[level 0 cells],...]},
//	 "rows":[{"navn","kode","id","data":["48","0,3","3 782"]}]}
//
// Each header cell spans columnCount leaf columns; the leaves are the cells
// of the last level. At every level the columnCounts must sum to the number
// of leaves and a cell must not straddle a cell boundary of the level above;
// every row must have one value per leaf, each a JSON string that cell.Parse
// accepts ("*" is Suppressed, "" Missing). An empty result ("columns":[] and
// "rows":[]) is valid and has no cells. Faults in the metadata or a row are
// *PivotError naming the field and row; the connector adds source and
// endpoint.
func ParsePivot(data []byte) (*Pivot, error) { return parsePivot(data, false) }

// statusLabel is the status of a cell that is neither a number nor a
// status symbol, in a pivot parsed with labels allowed: a text such as a
// significance flag ("over"). Its Number is 0 and means nothing; the text
// is the row's Raw.
const statusLabel cell.Status = "label"

// parsePivot is ParsePivot; with labels, a cell that cell.Parse refuses is
// kept as a statusLabel value instead of failing the response. Only the
// discovered tables (school contribution, transitions) are read so
// (discovered.go): their measures are not known, and one may be a text.
func parsePivot(data []byte, labels bool) (*Pivot, error) {
	var top rawPivot
	if err := json.Unmarshal(data, &top); err != nil {
		if !json.Valid(data) {
			return nil, fmt.Errorf("decoding data response: %w", err)
		}
		return nil, locateRowFault(data, err)
	}
	if isAbsent(top.Metadata) {
		return nil, pivotErr("metadata", "", "missing")
	}
	if top.Rows == nil {
		return nil, pivotErr("rows", "", "missing")
	}
	var md rawMetadata
	if err := json.Unmarshal(top.Metadata, &md); err != nil {
		return nil, &PivotError{Field: "metadata", Err: err}
	}
	if isAbsent(md.Columns) {
		return nil, pivotErr("metadata.columns", "", "missing")
	}
	levels, err := decodeHeader(md.Columns)
	if err != nil {
		return nil, err
	}
	leaves, err := expandHeader(levels)
	if err != nil {
		return nil, err
	}
	p := &Pivot{RowHierarchy: md.RowHierarchy, Levels: len(levels), Leaves: leaves}
	if p.Rows, err = checkRows(*top.Rows, leaves, labels); err != nil {
		return nil, err
	}
	return p, nil
}

// header is a decoded header cell before expansion.
type header struct {
	Header
	span int
}

func decodeHeader(columns json.RawMessage) ([][]header, error) {
	var rawLevels [][]json.RawMessage
	if err := json.Unmarshal(columns, &rawLevels); err != nil {
		return nil, &PivotError{Field: "metadata.columns", Err: err}
	}
	levels := make([][]header, len(rawLevels))
	for k, cells := range rawLevels {
		levels[k] = make([]header, len(cells))
		for i, raw := range cells {
			field := fmt.Sprintf("metadata.columns[%d][%d]", k, i)
			var rh rawHeader
			if err := json.Unmarshal(raw, &rh); err != nil {
				return nil, &PivotError{Field: field, Err: err}
			}
			name, ok, err := jsonString(rh.Name)
			if err != nil {
				return nil, &PivotError{Field: field + ".name", Err: err}
			}
			if !ok {
				return nil, pivotErr(field+".name", "", "missing")
			}
			tekst, err := jsonScalar(rh.TekstID)
			if err != nil {
				return nil, &PivotError{Field: field + ".tekstId_kolonne", Err: err}
			}
			if isAbsent(rh.ColumnCount) {
				return nil, pivotErr(field+".columnCount", "", "missing")
			}
			var span int
			if err := json.Unmarshal(rh.ColumnCount, &span); err != nil {
				return nil, &PivotError{Field: field + ".columnCount", Err: err}
			}
			if span < 1 {
				return nil, pivotErr(field+".columnCount", "", "is %d, want at least 1", span)
			}
			levels[k][i] = header{Header: Header{Name: strings.TrimSpace(name), TekstID: tekst}, span: span}
		}
	}
	return levels, nil
}

// expandHeader gives every leaf column its path of headers, one per level.
// The leaves are the cells of the last level; a cell of level k covers the
// next span leaves after the cells before it.
func expandHeader(levels [][]header) ([]Leaf, error) {
	if len(levels) == 0 {
		return nil, nil
	}
	n := len(levels[len(levels)-1])
	depth := len(levels)
	paths := make([]Header, n*depth)
	// starts[j] says whether a cell of the previous level starts at leaf j;
	// each such boundary must also be one at the next level (nesting).
	starts := make([]bool, n)
	next := make([]bool, n)
	for k, cells := range levels {
		clear(next)
		at := 0
		for i, h := range cells {
			if h.span > n-at {
				return nil, pivotErr(fmt.Sprintf("metadata.columns[%d]", k), "",
					"columnCounts up to cell %d (%q) sum to %d, more than the %d leaf columns of the last level",
					i, h.Name, at+h.span, n)
			}
			next[at] = true
			for j := at; j < at+h.span; j++ {
				if j > at && k > 0 && starts[j] {
					return nil, pivotErr(fmt.Sprintf("metadata.columns[%d][%d]", k, i), "",
						"%q spans leaf columns %d-%d across a cell boundary of level %d at column %d",
						h.Name, at, at+h.span-1, k-1, j)
				}
				paths[j*depth+k] = h.Header
			}
			at += h.span
		}
		if at != n {
			return nil, pivotErr(fmt.Sprintf("metadata.columns[%d]", k), "",
				"columnCounts sum to %d, but the last level has %d leaf columns", at, n)
		}
		starts, next = next, starts
	}
	leaves := make([]Leaf, n)
	for j := range leaves {
		leaves[j] = Leaf{Index: j, Path: paths[j*depth : (j+1)*depth : (j+1)*depth]}
	}
	return leaves, nil
}

// checkRows turns decoded rows into Rows: every row has an id and one
// value per leaf, each parsed by cell.Parse (a text it refuses is a
// statusLabel value when labels is set).
func checkRows(raws []rawRow, leaves []Leaf, labels bool) ([]Row, error) {
	n := len(leaves)
	rows := make([]Row, len(raws))
	// One backing array for all rows' values: a row's slices are cut
	// from it with their capacity limited to the row.
	rawVals := make([]string, len(raws)*n)
	vals := make([]cell.Value, len(raws)*n)
	for i, rr := range raws {
		// Field paths are formatted only for an error.
		field := func(format string, args ...any) string {
			return fmt.Sprintf("rows[%d]", i) + fmt.Sprintf(format, args...)
		}
		id := rr.ID.s
		if id == "" {
			return nil, pivotErr(field(".id"), "", "missing")
		}
		if rr.Data == nil {
			return nil, pivotErr(field(".data"), id, "missing")
		}
		if len(rr.Data) != n {
			return nil, pivotErr(field(".data"), id, "has %d values, but the header has %d leaf columns", len(rr.Data), n)
		}
		r := Row{
			ID: id, Kode: rr.Kode.s, Navn: strings.TrimSpace(rr.Navn.s), RawNavn: rr.Navn.s,
			Raw:    rawVals[i*n : (i+1)*n : (i+1)*n],
			Values: vals[i*n : (i+1)*n : (i+1)*n],
		}
		for j, d := range rr.Data {
			if !d.ok {
				return nil, pivotErr(field(".data[%d]", j), id, "is null, not a string")
			}
			v, err := cell.Parse(d.s)
			if err != nil && labels {
				v, err = cell.Value{Status: statusLabel}, nil
			}
			if err != nil {
				return nil, &PivotError{Field: field(".data[%d] (%q)", j, leaves[j].Measure()), RowID: id, Err: err}
			}
			r.Raw[j], r.Values[j] = d.s, v
		}
		rows[i] = r
	}
	return rows, nil
}

// locateRowFault is called when valid JSON failed to decode as a data
// response (err): it decodes again without type checks to name the field
// and row at fault.
func locateRowFault(data []byte, err error) error {
	var top struct {
		Rows json.RawMessage `json:"rows"`
	}
	if json.Unmarshal(data, &top) != nil {
		return fmt.Errorf("decoding data response: %w", err)
	}
	var raws []json.RawMessage
	if e := json.Unmarshal(top.Rows, &raws); e != nil {
		return &PivotError{Field: "rows", Err: e}
	}
	for i, raw := range raws {
		field := fmt.Sprintf("rows[%d]", i)
		var lr looseRow
		if e := json.Unmarshal(raw, &lr); e != nil {
			// Not an object, or data not an array: name the row if it can.
			var idOnly struct {
				ID json.RawMessage `json:"id"`
			}
			_ = json.Unmarshal(raw, &idOnly)
			id, _, _ := jsonString(idOnly.ID)
			if id != "" {
				field += ".data"
			}
			return &PivotError{Field: field, RowID: id, Err: e}
		}
		id, _, e := jsonString(lr.ID)
		if e != nil {
			return &PivotError{Field: field + ".id", Err: e}
		}
		for _, f := range []struct {
			name string
			raw  json.RawMessage
		}{{".kode", lr.Kode}, {".navn", lr.Navn}} {
			if _, _, e := jsonString(f.raw); e != nil {
				return &PivotError{Field: field + f.name, RowID: id, Err: e}
			}
		}
		for j, d := range lr.Data {
			if _, _, e := jsonString(d); e != nil {
				return &PivotError{Field: fmt.Sprintf("%s.data[%d]", field, j), RowID: id, Err: e}
			}
		}
	}
	return fmt.Errorf("decoding data response: %w", err)
}

// isAbsent reports a field that was not sent or was null.
func isAbsent(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// jsonString decodes a JSON string. ok is false when the field is absent or
// null; any other type is an error naming the type and the text.
func jsonString(raw json.RawMessage) (s string, ok bool, err error) {
	if isAbsent(raw) {
		return "", false, nil
	}
	if raw[0] != '"' {
		return "", false, fmt.Errorf("not a string: %s %s", jsonKind(raw), excerpt(raw))
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return string(body), true, nil
	}
	var dec string // not s: taking its address would move s to the heap on every call
	if err := json.Unmarshal(raw, &dec); err != nil {
		return "", false, err
	}
	return dec, true, nil
}

// jsonScalar decodes a string or a number as text; absent and null give "".
func jsonScalar(raw json.RawMessage) (string, error) {
	if isAbsent(raw) {
		return "", nil
	}
	if raw[0] == '"' {
		s, _, err := jsonString(raw)
		return s, err
	}
	if jsonKind(raw) == "a number" {
		return string(raw), nil
	}
	return "", fmt.Errorf("%s %s, want a string or a number", jsonKind(raw), excerpt(raw))
}

func jsonKind(raw json.RawMessage) string {
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '"':
		return "a string"
	}
	return "a number"
}

// excerpt quotes up to 40 bytes of a raw value for an error message.
func excerpt(raw json.RawMessage) string {
	const max = 40
	if len(raw) > max {
		return fmt.Sprintf("(%s…)", raw[:max])
	}
	return fmt.Sprintf("(%s)", raw)
}
