package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The labels printed in place of a value that is not published.
const (
	LabelSuppressed    = "prikket"
	LabelMissing       = "–" // en dash
	LabelNotApplicable = "i.a."
)

// FormatValue formats v the way the report prints it: a published value with
// the given decimals in Norwegian style (rounded half away from zero, decimal
// comma, a no-break space between thousands from five integer digits on, the
// minus sign U+2212, no sign on a value that rounds to zero); any other
// status as its label ([LabelSuppressed], [LabelMissing],
// [LabelNotApplicable]). It never returns "" and never prints a hidden value
// as 0. Callers building text cells (an interval, say) use it to match the
// rest of the report.
func FormatValue(v Value, decimals int) string {
	switch v.Status {
	case StatusOK:
		return formatNumber(v.V, decimals)
	case StatusSuppressed:
		return LabelSuppressed
	case StatusNotApplicable:
		return LabelNotApplicable
	default:
		return LabelMissing
	}
}

// formatNumber formats x with decimals decimals in Norwegian style, rounding
// half away from zero as DuckDB's round does.
func formatNumber(x float64, decimals int) string {
	p := math.Pow10(decimals)
	if r := math.Round(x*p) / p; !math.IsInf(x*p, 0) {
		x = r
	}
	s := strconv.FormatFloat(x, 'f', decimals, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if strings.Trim(s, "0.") == "" {
		neg = false // -0.04 with one decimal is "0,0", not "−0,0"
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteString("\u2212")
	}
	if len(intPart) >= 5 {
		lead := len(intPart) % 3
		if lead > 0 {
			b.WriteString(intPart[:lead])
		}
		for i := lead; i < len(intPart); i += 3 {
			if i > 0 {
				b.WriteString("\u00a0")
			}
			b.WriteString(intPart[i : i+3])
		}
	} else {
		b.WriteString(intPart)
	}
	if hasFrac {
		b.WriteString(",")
		b.WriteString(frac)
	}
	return b.String()
}

// yearLabel labels year as f says.
func YearLabel(year int, f YearFormat) string {
	if f == SchoolYear {
		return fmt.Sprintf("%d–%02d", year, (year+1)%100)
	}
	return strconv.Itoa(year)
}

var monthsNB = [...]string{"januar", "februar", "mars", "april", "mai", "juni", "juli",
	"august", "september", "oktober", "november", "desember"}

// formatTime formats t in Norwegian in its own location: "3. mars 2025 kl. 14.05".
func formatTime(t time.Time) string {
	return fmt.Sprintf("%d. %s %d kl. %02d.%02d", t.Day(), monthsNB[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}

// paragraphs splits prose at blank lines, dropping empty paragraphs.
func paragraphs(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out []string
	for p := range strings.SplitSeq(s, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
