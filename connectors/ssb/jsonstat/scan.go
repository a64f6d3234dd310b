package jsonstat

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// The value, status and index members of a dataset are flat containers of
// scalars, and the value array of an SSB answer holds up to 800,000 of them.
// Decoding them through encoding/json into []any would box every number; the
// scanner below walks the container once and hands each scalar to a callback
// instead. Its input is always a json.RawMessage that encoding/json has
// already checked to be well-formed JSON; it still bounds-checks every read,
// so that malformed input gives an error, never a panic.

type scalarKind uint8

const (
	scalarNull scalarKind = iota
	scalarNumber
	scalarString
	scalarBool
)

// scalar is one element of a flat container. str holds a string's decoded
// bytes; it may alias the input and is valid only during the callback.
type scalar struct {
	kind scalarKind
	num  float64
	str  []byte
}

var errTruncated = errors.New("unexpected end of JSON")

type flatScanner struct {
	b []byte
	i int
}

// scanFlat walks the JSON array or object in raw and calls fn for each
// element: for an array with key nil and i the element's position, for an
// object with the member name (valid only during the call) and i its rank.
// An element that is itself an array or object is an error. It reports
// whether raw was an object.
func scanFlat(raw []byte, fn func(i int, key []byte, v scalar) error) (object bool, err error) {
	s := flatScanner{b: raw}
	s.skipSpace()
	if s.i >= len(s.b) {
		return false, errTruncated
	}
	var closer byte
	switch s.b[s.i] {
	case '[':
		closer = ']'
	case '{':
		closer, object = '}', true
	default:
		return false, fmt.Errorf("want an array or an object, found %s", s.describe())
	}
	s.i++
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == closer {
		return object, nil
	}
	for n := 0; ; n++ {
		var key []byte
		if object {
			s.skipSpace()
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return object, fmt.Errorf("member %d: want a name, found %s", n, s.describe())
			}
			if key, err = s.readString(); err != nil {
				return object, fmt.Errorf("member %d: %w", n, err)
			}
			s.skipSpace()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return object, fmt.Errorf("member %q: want ':', found %s", key, s.describe())
			}
			s.i++
		}
		s.skipSpace()
		v, err := s.readScalar()
		if err != nil {
			if object {
				return object, fmt.Errorf("member %q: %w", key, err)
			}
			return object, fmt.Errorf("element %d: %w", n, err)
		}
		if err := fn(n, key, v); err != nil {
			return object, err
		}
		s.skipSpace()
		if s.i >= len(s.b) {
			return object, errTruncated
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case closer:
			s.i++
			return object, nil
		default:
			return object, fmt.Errorf("after element %d: want ',' or %q, found %s", n, closer, s.describe())
		}
	}
}

func (s *flatScanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// describe names what is at the cursor, for error messages.
func (s *flatScanner) describe() string {
	if s.i >= len(s.b) {
		return "the end of input"
	}
	switch c := s.b[s.i]; c {
	case '[':
		return "an array"
	case '{':
		return "an object"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return "a number"
		}
		return strconv.QuoteRune(rune(c))
	}
}

// readString reads the string at the cursor ('"'). Without escapes the result
// aliases the input.
func (s *flatScanner) readString() ([]byte, error) {
	start := s.i + 1
	escaped := false
	j := start
	for j < len(s.b) {
		c := s.b[j]
		if c == '"' {
			break
		}
		if c == '\\' {
			escaped = true
			j += 2
			continue
		}
		j++
	}
	if j >= len(s.b) {
		return nil, errTruncated
	}
	s.i = j + 1
	if !escaped {
		return s.b[start:j], nil
	}
	var str string
	if err := json.Unmarshal(s.b[start-1:j+1], &str); err != nil {
		return nil, fmt.Errorf("decoding string: %w", err)
	}
	return []byte(str), nil
}

func (s *flatScanner) literal(word string) bool {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

func (s *flatScanner) readScalar() (scalar, error) {
	if s.i >= len(s.b) {
		return scalar{}, errTruncated
	}
	switch c := s.b[s.i]; {
	case c == '"':
		str, err := s.readString()
		return scalar{kind: scalarString, str: str}, err
	case c == 'n':
		if s.literal("null") {
			return scalar{kind: scalarNull}, nil
		}
	case c == 't':
		if s.literal("true") {
			return scalar{kind: scalarBool}, nil
		}
	case c == 'f':
		if s.literal("false") {
			return scalar{kind: scalarBool}, nil
		}
	case c == '-' || (c >= '0' && c <= '9'):
		j := s.i
		for j < len(s.b) && isNumberByte(s.b[j]) {
			j++
		}
		f, err := strconv.ParseFloat(string(s.b[s.i:j]), 64)
		if err != nil {
			return scalar{}, fmt.Errorf("number %s does not fit a float64", s.b[s.i:j])
		}
		s.i = j
		return scalar{kind: scalarNumber, num: f}, nil
	case c == '[' || c == '{':
		return scalar{}, fmt.Errorf("want a number, string or null, found %s", s.describe())
	}
	return scalar{}, fmt.Errorf("want a JSON value, found %s", s.describe())
}

func isNumberByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}
