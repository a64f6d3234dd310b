package microdata

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

// This file holds every row check the reader makes: the per-column checks
// derived from the contract (checkColumn) and the rules between columns of a
// row (rowRules). Format readers only decode cells into values; whether a
// value is allowed is decided here, the same way for CSV and Parquet.

// value is one decoded cell. Only the field of the column's Kind is set.
type value struct {
	null bool
	s    string
	i    int64
	f    float64
	b    bool
}

// problem is one thing wrong with a row: the column ("" for the row as a
// whole) and a reason without the value.
type problem struct {
	column string
	reason string
}

// Reasons shared by the format readers.
const (
	reasonNull     = "null where a value is required"
	reasonNotInt   = "not an integer"
	reasonNotFloat = "not a number"
	reasonNotBool  = "not true or false"
	reasonNotUTF8  = "not valid UTF-8"
	reasonNotFin   = "not a finite number"
)

// columnCheck is a column of the contract compiled for checking.
type columnCheck struct {
	col        Column
	lo, hi     int64 // inclusive bounds for Int columns, always set
	rangeText  string
	allowText  string // "value not one of ..." for Allowed or AllowedInts
	digitsText string
}

func compileColumn(c Column) columnCheck {
	cc := columnCheck{col: c}
	if c.Kind == Int {
		cc.lo, cc.hi = math.MinInt64, math.MaxInt64
		if c.ArrowType().ID() == arrow.INT32 {
			cc.lo, cc.hi = math.MinInt32, math.MaxInt32
		}
		if c.Max > c.Min {
			cc.lo, cc.hi = max(cc.lo, c.Min), min(cc.hi, c.Max)
		}
		cc.rangeText = fmt.Sprintf("value outside %d..%d", cc.lo, cc.hi)
	}
	switch {
	case len(c.Allowed) > 0:
		cc.allowText = "value not one of " + strings.Join(c.Allowed, ",")
	case len(c.AllowedInts) > 0:
		s := make([]string, len(c.AllowedInts))
		for i, v := range c.AllowedInts {
			s[i] = strconv.FormatInt(v, 10)
		}
		cc.allowText = "value not one of " + strings.Join(s, ",")
	}
	if c.Digits > 0 {
		cc.digitsText = fmt.Sprintf("not %d digits", c.Digits)
	}
	return cc
}

// check returns the reason v is not allowed in the column, or "".
func (cc *columnCheck) check(v *value) string {
	c := &cc.col
	if v.null {
		if c.Nullable {
			return ""
		}
		return reasonNull
	}
	switch c.Kind {
	case String:
		if !utf8.ValidString(v.s) {
			return reasonNotUTF8
		}
		if len(c.Allowed) > 0 && !slices.Contains(c.Allowed, v.s) {
			return cc.allowText
		}
		if c.Digits > 0 && !allDigits(v.s, c.Digits) {
			return cc.digitsText
		}
	case Int:
		if v.i < cc.lo || v.i > cc.hi {
			return cc.rangeText
		}
		if len(c.AllowedInts) > 0 && !slices.Contains(c.AllowedInts, v.i) {
			return cc.allowText
		}
	case Float:
		if math.IsNaN(v.f) || math.IsInf(v.f, 0) {
			return reasonNotFin
		}
	}
	return ""
}

func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// rowRule is a check between columns of one row. It runs only when every
// column it names holds a value that passed its own checks, so bad reads
// the values without guarding against malformed ones.
type rowRule struct {
	table   string
	columns []string // reported joined by ", " as the problem's column
	reason  string
	bad     func(r rowView) bool
}

// rowRules are the cross-column rules of the contract (shared/spec/microdata.md).
var rowRules = []rowRule{
	{
		table: "national_tests", columns: []string{"grade", "subject"},
		reason: "english is not tested in grade 9",
		bad:    func(r rowView) bool { return r.int("grade") == 9 && r.str("subject") == "english" },
	},
	{
		table: "national_tests", columns: []string{"status", "scale_score"},
		reason: "scale_score missing although status is participated",
		bad:    func(r rowView) bool { return r.str("status") == "participated" && r.null("scale_score") },
	},
	{
		table: "national_tests", columns: []string{"status", "scale_score"},
		reason: "scale_score set although status is not participated",
		bad:    func(r rowView) bool { return r.str("status") != "participated" && !r.null("scale_score") },
	},
	{
		table: "schools", columns: []string{"grade_from", "grade_to"},
		reason: "grade_from greater than grade_to",
		bad:    func(r rowView) bool { return r.int("grade_from") > r.int("grade_to") },
	},
}

// rowView gives a rule the decoded values of the current row by column name.
type rowView struct {
	vals  []value
	index map[string]int
}

func (r rowView) int(name string) int64  { return r.vals[r.index[name]].i }
func (r rowView) str(name string) string { return r.vals[r.index[name]].s }
func (r rowView) null(name string) bool  { return r.vals[r.index[name]].null }

// boundRule is a rowRule with its columns resolved to positions in a table.
type boundRule struct {
	rowRule
	cols   []int
	column string
}

// checker holds the compiled checks of one table.
type checker struct {
	cols  []columnCheck
	rules []boundRule
	index map[string]int
}

func newChecker(t Table) *checker {
	ck := &checker{index: map[string]int{}}
	for i, c := range t.Columns {
		ck.cols = append(ck.cols, compileColumn(c))
		ck.index[c.Name] = i
	}
	for _, r := range rowRules {
		if r.table != t.Name {
			continue
		}
		br := boundRule{rowRule: r, column: strings.Join(r.columns, ", ")}
		for _, name := range r.columns {
			i, ok := ck.index[name]
			if !ok {
				panic(fmt.Sprintf("microdata: row rule %q names column %q, not in table %s", r.reason, name, t.Name))
			}
			br.cols = append(br.cols, i)
		}
		ck.rules = append(ck.rules, br)
	}
	return ck
}

// applyRules appends the problems of the cross-column rules to probs. ok[i]
// says whether column i passed its own checks.
func (ck *checker) applyRules(vals []value, ok []bool, probs []problem) []problem {
	view := rowView{vals: vals, index: ck.index}
	for _, r := range ck.rules {
		ready := true
		for _, i := range r.cols {
			ready = ready && ok[i]
		}
		if ready && r.bad(view) {
			probs = append(probs, problem{column: r.column, reason: r.reason})
		}
	}
	return probs
}

// parseInt parses a CSV cell as an Int: an optional '-' and ASCII digits,
// nothing else (no '+', spaces, exponent, fraction or base prefix). A value
// too large for int64 saturates, so the range check rejects it.
func parseInt(s string) (int64, bool) {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil { // only a range error is left
		if s[0] == '-' {
			return math.MinInt64, true
		}
		return math.MaxInt64, true
	}
	return n, true
}

// parseFloat parses a CSV cell as a Float: decimal notation with an
// optional fraction and exponent. NaN, Inf, hex floats and underscores are
// not numbers here; a value too large for float64 becomes ±Inf, which the
// column check rejects.
func parseFloat(s string) (float64, bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	intDigits := countDigits(s[i:])
	i += intDigits
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		i++
		fracDigits = countDigits(s[i:])
		i += fracDigits
	}
	if intDigits+fracDigits == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		n := countDigits(s[i:])
		if n == 0 {
			return 0, false
		}
		i += n
	}
	if i != len(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && f == 0 { // ParseFloat returns ±Inf with a range error
		return 0, false
	}
	return f, true
}

func countDigits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// parseBool accepts true and false in any letter case.
func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}
