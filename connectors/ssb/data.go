package ssb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors/cell"
	"github.com/skolestat/skolestat/connectors/ssb/jsonstat"
)

// Reading /data: checking each document against its request and
// flattening its cells into the stream's records.

// data fetches one request and writes its cells.
func (s *Source) data(ctx context.Context, m *metadata, r request, w *writer) error {
	endpoint := m.dataURL(r)
	resp, err := s.http.Get(ctx, endpoint, nil)
	if err != nil {
		return fmt.Errorf("ssb: reading table %s: %w", m.id, err)
	}
	body := resp.Body
	ds, err := document(endpoint, body)
	if err != nil {
		return err
	}
	if ds.MetadataOnly() {
		return payloadErr(endpoint, "/value", errors.New("no values"), body)
	}
	if !slices.Equal(ds.ID, r.dims) {
		return payloadErr(endpoint, "/id", fmt.Errorf("variables %v, asked for %v", ds.ID, r.dims), body)
	}
	for i, id := range r.dims {
		got := slices.Clone(ds.Dim(id).Category.IDs)
		var want []string
		for _, p := range r.pos[i] {
			want = append(want, m.ds.Dim(id).Category.IDs[p])
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return payloadErr(endpoint, "/dimension/"+id+"/category/index", fmt.Errorf("%d values, not the %d asked for", len(got), len(want)), body)
		}
	}
	// The promoted columns' variables, and each category's id as JSON.
	region, period, contents := -1, -1, -1
	quoted := make([][]string, len(ds.ID))
	for i, id := range ds.ID {
		switch {
		case region < 0 && (slices.Contains(regionVariables, id) || slices.Contains(ds.Role.Geo, id)):
			region = i
		case period < 0 && m.isTime(id):
			period = i
		case contents < 0 && (slices.Contains(ds.Role.Metric, id) || id == "ContentsCode"):
			contents = i
		}
		for _, c := range ds.Dim(id).Category.IDs {
			q, _ := json.Marshal(c)
			quoted[i] = append(quoted[i], string(q))
		}
	}
	keys := make([]string, len(ds.ID))
	for i, id := range ds.ID {
		k, _ := json.Marshal(id)
		keys[i] = string(k)
	}
	var dims strings.Builder
	return ds.Flatten(func(row *jsonstat.Row) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		field := fmt.Sprintf("/value/%d", row.Index)
		switch {
		case row.Kind == jsonstat.KindString:
			return payloadErr(endpoint, field, fmt.Errorf("a string, %q", row.Text), body)
		case row.Kind == jsonstat.KindNull && row.Status == "":
			return payloadErr(endpoint, field, errors.New("null without a status symbol"), body)
		case row.Kind == jsonstat.KindNull && row.Status != "." && row.Status != ".." && row.Status != ":":
			return payloadErr(endpoint, fmt.Sprintf("/status/%d", row.Index), fmt.Errorf("null with the status symbol %q, which SSB does not use", row.Status), body)
		}
		v, err := cell.FromSSB(row.Number(), row.Status)
		if err != nil {
			return payloadErr(endpoint, fmt.Sprintf("/status/%d", row.Index), err, body)
		}
		dims.Reset()
		dims.WriteByte('{')
		for i := range row.Pos {
			if i > 0 {
				dims.WriteByte(',')
			}
			dims.WriteString(keys[i])
			dims.WriteByte(':')
			dims.WriteString(quoted[i][row.Pos[i]])
		}
		dims.WriteByte('}')
		at := func(i int) string {
			if i < 0 {
				return ""
			}
			return row.ID[i]
		}
		w.add(m.id, at(region), at(period), at(contents), dims.String(), v, row.Status)
		return nil
	})
}

// writer builds the records, one per batchRows rows.
type writer struct {
	b    *array.RecordBuilder
	recs []arrow.RecordBatch
	rows int
	n    int // rows in b
}

const batchRows = 122_880

func newWriter() *writer {
	return &writer{b: array.NewRecordBuilder(memory.DefaultAllocator, Schema)}
}

func appendString(b *array.StringBuilder, s string, nullable bool) {
	if s == "" && nullable {
		b.AppendNull()
	} else {
		b.Append(s)
	}
}

func (w *writer) add(table, region, period, contents, dims string, v cell.Value, symbol string) {
	appendString(w.b.Field(0).(*array.StringBuilder), table, false)
	appendString(w.b.Field(1).(*array.StringBuilder), region, true)
	appendString(w.b.Field(2).(*array.StringBuilder), period, true)
	appendString(w.b.Field(3).(*array.StringBuilder), contents, true)
	appendString(w.b.Field(4).(*array.StringBuilder), dims, false)
	if v.Status == cell.OK {
		w.b.Field(5).(*array.Float64Builder).Append(v.Number)
	} else {
		w.b.Field(5).(*array.Float64Builder).AppendNull()
	}
	appendString(w.b.Field(6).(*array.StringBuilder), string(v.Status), false)
	appendString(w.b.Field(7).(*array.StringBuilder), symbol, true)
	w.rows++
	w.n++
	if w.n == batchRows {
		w.recs = append(w.recs, w.b.NewRecordBatch())
		w.n = 0
	}
}

// finish returns the records; the caller releases them.
func (w *writer) finish() []arrow.RecordBatch {
	if w.n > 0 {
		w.recs = append(w.recs, w.b.NewRecordBatch())
		w.n = 0
	}
	recs := w.recs
	w.recs = nil
	return recs
}

// release frees what finish did not hand over.
func (w *writer) release() {
	for _, r := range w.recs {
		r.Release()
	}
	w.b.Release()
}
