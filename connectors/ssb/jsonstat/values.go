package jsonstat

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strconv"
)

// ValueKind says what a cell holds.
type ValueKind uint8

const (
	// KindNull is a missing cell: null in a dense value array, or a position
	// absent from (or null in) a sparse value object.
	KindNull ValueKind = iota
	// KindNumber is a number, in Row.Value.
	KindNumber
	// KindString is a string value, in Row.Text (JSON-stat allows them; SSB
	// does not send them).
	KindString
)

func (k ValueKind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindNumber:
		return "number"
	case KindString:
		return "string"
	}
	return "ValueKind(" + strconv.Itoa(int(k)) + ")"
}

// values is a dataset's "value" member, dense or sparse.
type values struct {
	present bool // the member exists and is not null
	sparse  bool
	// Dense: one entry per cell. text holds the string cells by position.
	num  []float64
	kind []ValueKind
	text map[int]string
	// Sparse: the cells given, sorted by position.
	cells   []sparseCell
	badKeys []string // keys that are not decimal integers, as written
	dupPos  []int    // positions given more than once
}

type sparseCell struct {
	pos  int
	kind ValueKind
	num  float64
	text string
}

// parseValues reads "value" (raw is nil when the member is absent).
func parseValues(raw []byte) (values, error) {
	var v values
	if isAbsent(raw) {
		return v, nil
	}
	v.present = true
	object, err := scanFlat(raw, func(i int, key []byte, s scalar) error {
		if key == nil {
			k, err := valueKind(s)
			if err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
			v.num = append(v.num, s.num)
			v.kind = append(v.kind, k)
			if k == KindString {
				if v.text == nil {
					v.text = map[int]string{}
				}
				v.text[i] = string(s.str)
			}
			return nil
		}
		k, err := valueKind(s)
		if err != nil {
			return fmt.Errorf("member %q: %w", key, err)
		}
		pos, ok := cellKey(key)
		if !ok {
			v.badKeys = append(v.badKeys, string(key))
			return nil
		}
		c := sparseCell{pos: pos, kind: k, num: s.num}
		if k == KindString {
			c.text = string(s.str)
		}
		v.cells = append(v.cells, c)
		return nil
	})
	if err != nil {
		return v, err
	}
	if object {
		v.sparse = true
		slices.SortStableFunc(v.cells, func(a, b sparseCell) int { return cmp.Compare(a.pos, b.pos) })
		v.dupPos = duplicates(len(v.cells), func(i int) int { return v.cells[i].pos })
	}
	return v, nil
}

func valueKind(s scalar) (ValueKind, error) {
	switch s.kind {
	case scalarNull:
		return KindNull, nil
	case scalarNumber:
		return KindNumber, nil
	case scalarString:
		return KindString, nil
	}
	return 0, fmt.Errorf("a value must be a number, a string or null, not a boolean")
}

// cellKey reads a sparse key: a decimal integer, digits only (as the
// jsonstat/validator requires), that fits an int.
func cellKey(key []byte) (int, bool) {
	if len(key) == 0 {
		return 0, false
	}
	for _, c := range key {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(key), 10, 0)
	if err != nil {
		return 0, false
	}
	return int(n), true
}

// duplicates returns the positions repeated in a sorted sequence of n.
func duplicates(n int, at func(int) int) []int {
	var dup []int
	for i := 1; i < n; i++ {
		if at(i) == at(i-1) && (len(dup) == 0 || dup[len(dup)-1] != at(i)) {
			dup = append(dup, at(i))
		}
	}
	return dup
}

func isAbsent(raw []byte) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// status is a dataset's "status" member. Symbols are interned: SSB sends the
// same few ('.', '..', ':') for thousands of cells.
type status struct {
	form     statusForm
	all      string   // statusAll: the symbol of every cell
	symbols  []string // codes index symbols[code-1]; code 0 is no status
	codes    []uint32 // statusArray: one per cell
	arrayLen int      // length of the array as given (1 folds into statusAll)
	cells    []statusCell
	badKeys  []string
	dupPos   []int
}

type statusForm uint8

const (
	statusNone statusForm = iota
	statusAll
	statusArray
	statusObject
)

type statusCell struct {
	pos  int
	code uint32
}

// parseStatus reads "status": a string applying to every cell, an array
// parallel to value, or an object keyed by cell position. A one-element array
// also applies to every cell (JSON-stat 1.x did this, json-stat.org's
// canada.json still does, and the JSON-stat toolkit accepts it); an empty
// array is no status.
func parseStatus(raw []byte) (status, error) {
	var st status
	if isAbsent(raw) {
		return st, nil
	}
	t := bytes.TrimSpace(raw)
	if t[0] == '"' {
		s := flatScanner{b: t}
		str, err := s.readString()
		if err != nil {
			return st, err
		}
		st.form, st.all = statusAll, string(str)
		return st, nil
	}
	index := map[string]uint32{}
	intern := func(s scalar) (uint32, error) {
		switch s.kind {
		case scalarNull:
			return 0, nil
		case scalarString:
		default:
			return 0, fmt.Errorf("a status must be a string or null")
		}
		if c, ok := index[string(s.str)]; ok {
			return c, nil
		}
		st.symbols = append(st.symbols, string(s.str))
		c := uint32(len(st.symbols))
		index[st.symbols[c-1]] = c
		return c, nil
	}
	object, err := scanFlat(t, func(i int, key []byte, s scalar) error {
		c, err := intern(s)
		if err != nil {
			if key == nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
			return fmt.Errorf("member %q: %w", key, err)
		}
		if key == nil {
			st.codes = append(st.codes, c)
			return nil
		}
		pos, ok := cellKey(key)
		if !ok {
			st.badKeys = append(st.badKeys, string(key))
			return nil
		}
		st.cells = append(st.cells, statusCell{pos: pos, code: c})
		return nil
	})
	if err != nil {
		return st, err
	}
	if object {
		st.form = statusObject
		slices.SortStableFunc(st.cells, func(a, b statusCell) int { return cmp.Compare(a.pos, b.pos) })
		st.dupPos = duplicates(len(st.cells), func(i int) int { return st.cells[i].pos })
		return st, nil
	}
	st.arrayLen = len(st.codes)
	switch st.arrayLen {
	case 0:
		st.form = statusNone
	case 1:
		st.form = statusAll
		if st.codes[0] != 0 {
			st.all = st.symbols[st.codes[0]-1]
		}
		st.codes = nil
	default:
		st.form = statusArray
	}
	return st, nil
}

// symbol returns the symbol of a code.
func (st *status) symbol(code uint32) string {
	if code == 0 {
		return ""
	}
	return st.symbols[code-1]
}
