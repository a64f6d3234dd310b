package report

import (
	"database/sql"
	"fmt"
	"strings"
)

// ValueOf turns a value and status as the warehouse's mart stores them
// ("ok", "suppressed", "not_applicable", anything else missing) into a
// Value. A suppressed value stays suppressed whatever number it carries.
func ValueOf(v sql.NullFloat64, status string) Value {
	switch {
	case status == "ok" && v.Valid:
		return OK(v.Float64)
	case status == "suppressed":
		return Suppressed()
	case status == "not_applicable":
		return NotApplicable()
	}
	return Missing()
}

// Years gives every year from..to a point, missing where ps has none.
func Years(ps []Point, from, to int) []Point {
	have := map[int]Value{}
	for _, p := range ps {
		have[p.Year] = p.Value
	}
	out := make([]Point, 0, to-from+1)
	for y := from; y <= to; y++ {
		v, ok := have[y]
		if !ok {
			v = Missing()
		}
		out = append(out, Point{Year: y, Value: v})
	}
	return out
}

// BindQuery writes the arguments of a query with $1, $2, ... placeholders
// into its text, so that a Block shows a query the reader can run as it
// stands. Strings are quoted as SQL literals.
func BindQuery(query string, args []any) string {
	for i := len(args); i >= 1; i-- {
		var lit string
		switch a := args[i-1].(type) {
		case string:
			lit = "'" + strings.ReplaceAll(a, "'", "''") + "'"
		default:
			lit = fmt.Sprint(a)
		}
		query = strings.ReplaceAll(query, fmt.Sprintf("$%d", i), lit)
	}
	return query
}
