package microdata

import (
	"fmt"
	"strings"
)

// MaxSamples is how many rows a Problem lists; its Count still counts all.
const MaxSamples = 10

// BadInputError reports a file that breaks the contract. It is bad input,
// not a transient failure: BadInput reports true, so the runner does not
// retry and the CLI exits with code 2. Its text is what the CLI prints; it
// names files, columns, rows and reasons but never a value, since values
// may be personal data and errors are logged.
//
// The reader returns it from Batches.Err in two shapes:
//   - a structural problem (Rows == 0): a missing, unexpected or repeated
//     column, a Parquet column of the wrong type, or content that cannot be
//     decoded (Err holds the decoder's error). The file fails at once.
//   - bad rows (Rows > 0): strict reading scans the whole file and counts
//     every bad row, grouped by (column, reason) in Problems.
//
// The checks run after landing (duplicate keys, references) build the same
// shape from source_file and source_row, with Line left 0.
type BadInputError struct {
	// File is the path relative to the connector's folder, with '/' separators.
	File string
	// Format says how the file was read, e.g. `CSV, separator ";"` or
	// "Parquet"; empty when unknown.
	Format string
	// Rows is the number of bad rows; 0 for a structural problem.
	Rows int64
	// Problems are grouped by (Column, Reason), in order of first occurrence.
	Problems []Problem
	// Err is the decoding error behind an unreadable file, if any.
	Err error
}

// Problem is one kind of bad input in a file.
type Problem struct {
	// Column is the offending column; several columns are joined by ", " for
	// a rule between columns; "" when the row or file as a whole is bad.
	Column string
	// Reason says what is wrong, without the value.
	Reason string
	// Count is the number of rows with this problem; 0 for a structural one.
	Count int64
	// Samples are the first rows with this problem, at most MaxSamples.
	Samples []RowRef
}

// RowRef points at a data row of a file.
type RowRef struct {
	Row  int64 // 1-based data row (the CSV header is not a row)
	Line int64 // 1-based line of a CSV file where the row starts; 0 when not known
}

// BadInput marks the error as bad input for the runner and the CLI.
func (e *BadInputError) BadInput() bool { return true }

func (e *BadInputError) Unwrap() error { return e.Err }

func (e *BadInputError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Format != "" {
		fmt.Fprintf(&b, " (%s)", e.Format)
	}
	b.WriteString(": ")
	if e.Rows > 0 {
		fmt.Fprintf(&b, "%d bad %s. ", e.Rows, plural(e.Rows, "row", "rows"))
	}
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		if p.Column != "" {
			fmt.Fprintf(&b, "column %q: ", p.Column)
		}
		b.WriteString(p.Reason)
		if p.Count > 0 {
			writeSamples(&b, p)
		}
	}
	if e.Err != nil {
		if len(e.Problems) > 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// writeSamples appends " in 35 rows, first rows 5 (line 6), 9 (line 10), ..."
// or, when every row is listed, " in 2 rows: 14 (line 15), 88 (line 89)".
func writeSamples(b *strings.Builder, p Problem) {
	fmt.Fprintf(b, " in %d %s", p.Count, plural(p.Count, "row", "rows"))
	more := p.Count > int64(len(p.Samples))
	if more {
		b.WriteString(", first rows ")
	} else {
		b.WriteString(": ")
	}
	for i, s := range p.Samples {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "%d", s.Row)
		if s.Line > 0 {
			fmt.Fprintf(b, " (line %d)", s.Line)
		}
	}
	if more {
		b.WriteString(", ...")
	}
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// folderError is a problem with the input folder rather than with a file:
// a required table without a file, or a table with two.
type folderError struct{ msg string }

func (e *folderError) Error() string  { return e.msg }
func (e *folderError) BadInput() bool { return true }

// tally gathers the bad rows of one file for a BadInputError.
type tally struct {
	rows   int64
	groups []Problem
	index  map[[2]string]int
}

// add counts one bad row with its problems (at least one).
func (t *tally) add(at RowRef, probs []problem) {
	t.rows++
	if t.index == nil {
		t.index = map[[2]string]int{}
	}
	for _, p := range probs {
		k := [2]string{p.column, p.reason}
		i, ok := t.index[k]
		if !ok {
			i = len(t.groups)
			t.index[k] = i
			t.groups = append(t.groups, Problem{Column: p.column, Reason: p.reason})
		}
		g := &t.groups[i]
		g.Count++
		if len(g.Samples) < MaxSamples {
			g.Samples = append(g.Samples, at)
		}
	}
}

func (t *tally) err(file, format string) *BadInputError {
	return &BadInputError{File: file, Format: format, Rows: t.rows, Problems: t.groups}
}
