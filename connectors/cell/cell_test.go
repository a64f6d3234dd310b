package cell

import (
	"strconv"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	ok := func(f float64) Value { return Value{Number: f, Status: OK} }
	tests := []struct {
		in   string
		want Value
	}{
		{"4,2", ok(4.2)},
		{"0,0", ok(0)},
		{"63 187", ok(63187)},
		{"63\u00a0187", ok(63187)},
		{"63\u202f187", ok(63187)},
		{"1 234 567,25", ok(1234567.25)},
		{"  116", ok(116)},
		{"116  ", ok(116)},
		{"-  4,5", ok(-4.5)},
		{"-4,5", ok(-4.5)},
		{"\u22123,0", ok(-3)},
		{"13.3", ok(13.3)}, // a point when there is no comma
		{"007", ok(7)},
		{"*", Value{Status: Suppressed}},
		{" * ", Value{Status: Suppressed}},
		{":", Value{Status: Suppressed}},
		{"", Value{Status: Missing}},
		{"   ", Value{Status: Missing}},
		{"-", Value{Status: Missing}},
		{"..", Value{Status: Missing}},
		{".", Value{Status: NotApplicable}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, in := range []string{
		"4,2,1", "1.234,5", "4 2", "1234 567", "12  345", "1 23", "abc", "4,", ",5", "4,2a",
		"--4", "+4", "1e5", "NaN", "Inf", "0x10", "**", "4 ,2", "1 000 0",
		"9" + strings.Repeat("9", 400), // overflows to Inf
	} {
		if v, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %+v; want an error", in, v)
		} else if !strings.Contains(err.Error(), strconv.Quote(in)) {
			t.Errorf("Parse(%q): error %q does not quote the text", in, err)
		}
	}
}

func TestFromSSB(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	tests := []struct {
		v      *float64
		symbol string
		want   Value
		err    bool
	}{
		{f(41.2), "", Value{Number: 41.2, Status: OK}, false},
		{f(0), "", Value{Number: 0, Status: OK}, false},
		{nil, "", Value{}, true},
		{nil, ":", Value{Status: Suppressed}, false},
		{nil, ".", Value{Status: NotApplicable}, false},
		{nil, "..", Value{Status: Missing}, false},
		{f(3.5), "e", Value{}, true}, // not a symbol SSB uses
		{nil, "p", Value{}, true},
		{f(0), ":", Value{}, true},
		{f(7), ".", Value{}, true},
	}
	for _, tt := range tests {
		got, err := FromSSB(tt.v, tt.symbol)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("FromSSB(%v, %q) = %+v, %v; want %+v (error %v)", tt.v, tt.symbol, got, err, tt.want, tt.err)
		}
	}
}

// FuzzParse: Parse never panics; a number it accepts has a status of OK and
// is finite; and a number written back in the sources' format (decimal
// comma, thousands groups with NBSP) parses to the same value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"4,2", "63 187", "-  4,5", "*", "", "..", "1 234 567,25", "13.3", "\u22123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			return
		}
		if v.Status != OK {
			if v.Number != 0 {
				t.Fatalf("Parse(%q) = %+v: a number with status %s", s, v, v.Status)
			}
			return
		}
		back := udirFormat(v.Number)
		w, err := Parse(back)
		if err != nil || w.Number != v.Number {
			t.Fatalf("Parse(%q) = %v; written back as %q it parses to %+v, %v", s, v.Number, back, w, err)
		}
	})
}

// udirFormat writes f as udir does: decimal comma, NBSP between thousands.
func udirFormat(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var groups []string
	for len(intPart) > 3 {
		groups = append([]string{intPart[len(intPart)-3:]}, groups...)
		intPart = intPart[:len(intPart)-3]
	}
	out := sign + strings.Join(append([]string{intPart}, groups...), "\u00a0")
	if hasFrac {
		out += "," + frac
	}
	return out
}
