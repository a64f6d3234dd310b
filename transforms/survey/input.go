package survey

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/transforms"
)

// school is a school's geography.
type school struct {
	municipality, county string
}

// readSchools reads the schools input into a map by organisation number.
func readSchools(ctx context.Context, in array.RecordReader) (map[string]school, error) {
	out := map[string]school{}
	batch := 0
	for in.Next() {
		batch++
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := in.RecordBatch()
		orgnr, err := transforms.StringColumn(b, "school_orgnr", false)
		if err != nil {
			return nil, fmt.Errorf("batch %d: %w", batch, err)
		}
		muni, err := transforms.StringColumn(b, "municipality_code", false)
		if err != nil {
			return nil, fmt.Errorf("batch %d: %w", batch, err)
		}
		for i := range int(b.NumRows()) {
			o, m := orgnr.Value(i), muni.Value(i)
			if !digits(m, 4) {
				return nil, fmt.Errorf("batch %d, row %d: municipality_code %q is not 4 digits", batch, i+1, m)
			}
			if prev, ok := out[o]; ok {
				if prev.municipality != m {
					return nil, fmt.Errorf("batch %d, row %d: school %s is listed again with municipality %s, first with %s", batch, i+1, o, m, prev.municipality)
				}
				continue
			}
			m = strings.Clone(m)
			out[strings.Clone(o)] = school{municipality: m, county: m[:2]}
		}
	}
	if err := in.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// sourceOf is where row i of a responses batch came from, when the batch
// carries the warehouse's provenance columns source_file and source_row
// (survey_input passes them on): so that bad input is named by file and
// row, as the microdata reader names it.
func sourceOf(b arrow.RecordBatch, i int) (file string, row int64, ok bool) {
	fc, fok := b.Schema().FieldsByName("source_file")
	rc, rok := b.Schema().FieldsByName("source_row")
	if !fok || !rok || len(fc) != 1 || len(rc) != 1 {
		return "", 0, false
	}
	files, err := transforms.StringColumn(b, "source_file", false)
	if err != nil || i >= int(b.NumRows()) {
		return "", 0, false
	}
	rows, err := transforms.IntColumn(b, "source_row", false)
	if err != nil {
		return "", 0, false
	}
	return files.Value(i), rows.Value(i), true
}
