package main

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// resultFormats are the --format values of skolestat sql.
var resultFormats = []string{"table", "csv", "json"}

// writeRows prints a query result in format. Table output is aligned for
// people (NULL shown as NULL, numbers right-aligned); csv is RFC 4180 with a
// header and empty fields for NULL; json is an array of objects with
// native JSON types.
func writeRows(w io.Writer, rows *sql.Rows, format string) (int, error) {
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	var data [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return 0, err
		}
		data = append(data, vals)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	switch format {
	case "csv":
		return len(data), writeCSV(w, cols, data)
	case "json":
		return len(data), writeJSON(w, cols, data)
	default:
		return len(data), writeTable(w, cols, data)
	}
}

func writeCSV(w io.Writer, cols []string, data [][]any) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	for _, row := range data {
		for i, v := range row {
			if v == nil {
				rec[i] = ""
			} else {
				rec[i] = text(v)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeJSON writes an array of objects, keys in the query's column order.
func writeJSON(w io.Writer, cols []string, data [][]any) error {
	var b strings.Builder
	b.WriteString("[")
	for r, row := range data {
		if r > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			k, _ := json.Marshal(c)
			v, err := json.Marshal(jsonValue(row[i]))
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s: %s", k, v)
		}
		b.WriteString("}")
	}
	if len(data) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return text(x)
		}
	case []byte:
		return string(x)
	case time.Time:
		return text(x)
	case nil, bool, string, int8, int16, int32, int64, uint8, uint16, uint32, uint64, int, float32:
		return x
	}
	if _, err := json.Marshal(v); err != nil {
		return text(v)
	}
	return v
}

func writeTable(w io.Writer, cols []string, data [][]any) error {
	cells := make([][]string, len(data))
	width := make([]int, len(cols))
	numeric := make([]bool, len(cols))
	for i, c := range cols {
		width[i] = utf8.RuneCountInString(c)
		numeric[i] = true
	}
	for r, row := range data {
		cells[r] = make([]string, len(cols))
		for i, v := range row {
			s := "NULL"
			if v != nil {
				s = text(v)
				if !isNumber(v) {
					numeric[i] = false
				}
			}
			cells[r][i] = s
			width[i] = max(width[i], utf8.RuneCountInString(s))
		}
	}
	var b strings.Builder
	line := func(vals []string, header bool) {
		for i, s := range vals {
			if i > 0 {
				b.WriteString(" │ ")
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(s))
			if numeric[i] && !header {
				b.WriteString(pad + s)
			} else {
				b.WriteString(s + pad)
			}
		}
		b.WriteString("\n")
	}
	line(cols, true)
	for i := range cols {
		if i > 0 {
			b.WriteString("─┼─")
		}
		b.WriteString(strings.Repeat("─", width[i]))
	}
	b.WriteString("\n")
	for _, row := range cells {
		line(row, false)
	}
	fmt.Fprintf(&b, "(%d row%s)\n", len(data), plural(len(data)))
	_, err := io.WriteString(w, b.String())
	return err
}

func isNumber(v any) bool {
	switch v.(type) {
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, float32, float64:
		return true
	}
	return false
}

// text renders a value for table and CSV output.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 && x.Location() == time.UTC {
			return x.Format("2006-01-02")
		}
		return x.Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
