// Package cell parses the values of the public statistics sources into a
// number and a status. Every connector that reads a value from udir, NSR or
// SSB goes through Parse (a value sent as text) or FromSSB (a JSON-stat
// value and its status symbol), so that a suppressed value is never 0 and
// never silently null.
//
// The formats (shared/docs/sources.md): numbers are strings with a decimal
// comma ("4,2"), spaces as thousands separators (U+0020, NBSP U+00A0 or
// narrow NBSP U+202F: "63 187"), stray leading and trailing spaces
// ("  116") and spaces after the sign ("-  4,5"). "*" and ":" mark a
// suppressed value, "" "-" and ".." a missing one, "." one that does not
// apply (SSB's Svalbard rows).
package cell

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Status says what a value is.
type Status string

const (
	OK            Status = "ok"             // a number
	Suppressed    Status = "suppressed"     // withheld to protect individuals ("*", ":")
	Missing       Status = "missing"        // no data ("", "-", "..")
	NotApplicable Status = "not_applicable" // the category does not exist here (".")
)

// Value is a parsed cell: Number is set only when Status is OK.
type Value struct {
	Number float64
	Status Status
}

// isSpace reports the spaces the sources put in numbers.
func isSpace(r rune) bool {
	return r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\t'
}

// Parse reads a value sent as text. A text that is neither a status symbol
// nor a number in the sources' format is an error naming the text (these
// are published statistics, not personal data).
func Parse(s string) (Value, error) {
	t := strings.TrimFunc(s, isSpace)
	switch t {
	case "*", ":":
		return Value{Status: Suppressed}, nil
	case "", "-", "..":
		return Value{Status: Missing}, nil
	case ".":
		return Value{Status: NotApplicable}, nil
	}
	f, ok := parseNumber(t)
	if !ok {
		return Value{}, fmt.Errorf("%q is not a number (decimal comma, space-separated thousands) nor a status symbol", s)
	}
	return Value{Number: f, Status: OK}, nil
}

// parseNumber reads [-|−] spaces? digits-with-groups [(,|.) digits]. A
// group separator must be followed by exactly three digits, and the first
// group has at most three digits when there are separators.
func parseNumber(t string) (float64, bool) {
	var b strings.Builder
	b.Grow(len(t))
	rest := t
	if strings.HasPrefix(rest, "-") {
		b.WriteByte('-')
		rest = rest[1:]
	} else if strings.HasPrefix(rest, "\u2212") {
		b.WriteByte('-')
		rest = rest[len("\u2212"):]
	}
	rest = strings.TrimLeftFunc(rest, isSpace)
	intPart, frac, hasFrac := cutDecimal(rest)
	groups := strings.FieldsFunc(intPart, isSpace)
	if len(groups) == 0 || !separatedOnce(intPart) {
		return 0, false
	}
	for i, g := range groups {
		if !digits(g) || (len(groups) > 1 && (len(g) > 3 || (i > 0 && len(g) != 3))) {
			return 0, false
		}
		b.WriteString(g)
	}
	if hasFrac {
		if !digits(frac) {
			return 0, false
		}
		b.WriteByte('.')
		b.WriteString(frac)
	}
	f, err := strconv.ParseFloat(b.String(), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// cutDecimal splits at the decimal comma, or at a point when there is no
// comma. More than one separator is no number.
func cutDecimal(s string) (intPart, frac string, ok bool) {
	sep := ","
	if !strings.Contains(s, ",") {
		sep = "."
	}
	if strings.Count(s, ",")+strings.Count(s, ".") > 1 {
		return "", "", false
	}
	intPart, frac, ok = strings.Cut(s, sep)
	return intPart, frac, ok
}

// separatedOnce: groups are separated by exactly one space character.
func separatedOnce(s string) bool {
	prev := false
	for _, r := range s {
		sp := isSpace(r)
		if sp && prev {
			return false
		}
		prev = sp
	}
	return !prev
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FromSSB reads a JSON-stat value of SSB (nil for null) with its status
// symbol ("" when none): ":" suppressed, ".." missing, "." not applicable.
// It refuses what SSB does not send (shared/docs/sources.md): a null
// without a symbol, any other symbol, and a number with a symbol (the two
// disagree).
func FromSSB(v *float64, symbol string) (Value, error) {
	st := Missing
	switch strings.TrimSpace(symbol) {
	case "":
	case ":":
		st = Suppressed
	case ".":
		st = NotApplicable
	case "..":
		st = Missing
	default:
		// SSB documents only these three; another symbol ("e" estimate,
		// "p" provisional, as other JSON-stat publishers use) means the
		// table is not what the connector was written for.
		return Value{}, fmt.Errorf("status symbol %q is none of SSB's (\".\", \"..\", \":\")", symbol)
	}
	if v == nil {
		if strings.TrimSpace(symbol) == "" {
			return Value{}, errors.New("null without a status symbol: SSB marks every missing value")
		}
		return Value{Status: st}, nil
	}
	if strings.TrimSpace(symbol) != "" {
		return Value{}, fmt.Errorf("value %v has the status symbol %q, which says there is no value", *v, symbol)
	}
	return Value{Number: *v, Status: OK}, nil
}
