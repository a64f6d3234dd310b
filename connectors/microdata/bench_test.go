package microdata

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

const benchRows = 1_000_000

// BenchmarkReadParquetEnrolments reads a generated enrolments.parquet of
// 1M rows (canonical types, snappy, row groups of 122,880) to the end.
func BenchmarkReadParquetEnrolments(b *testing.B) {
	dir := b.TempDir()
	writeBenchParquet(b, filepath.Join(dir, "enrolments.parquet"))
	benchRead(b, dir)
}

// BenchmarkReadCSVEnrolments reads a generated enrolments.csv of 1M rows.
func BenchmarkReadCSVEnrolments(b *testing.B) {
	dir := b.TempDir()
	f, err := os.Create(filepath.Join(dir, "enrolments.csv"))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "pupil_id,school_year,grade,school_orgnr")
	for i := range benchRows {
		fmt.Fprintf(w, "P%07d,%d,%d,%d\n", i/10, 2014+i%10, 1+i%10, 974000000+i%2800)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	benchRead(b, dir)
}

func benchRead(b *testing.B, dir string) {
	var rows int64
	for b.Loop() {
		s, err := New(Config{Dir: dir, Tables: []string{"enrolments"}})
		if err != nil {
			b.Fatal(err)
		}
		bs, err := s.Read(context.Background(), "enrolments", nil)
		if err != nil {
			b.Fatal(err)
		}
		rows = 0
		for bs.Next() {
			rows += bs.RecordBatch().NumRows()
		}
		if err := bs.Err(); err != nil {
			b.Fatal(err)
		}
		bs.Close()
	}
	if rows != benchRows {
		b.Fatalf("read %d rows, want %d", rows, benchRows)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func writeBenchParquet(b *testing.B, path string) {
	tbl, _ := Lookup("enrolments")
	schema := tbl.Schema()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w, err := pqarrow.NewFileWriter(schema, f,
		parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(batchRows), parquet.WithCompression(compress.Codecs.Snappy)),
		pqarrow.DefaultWriterProps())
	if err != nil {
		b.Fatal(err)
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	for start := 0; start < benchRows; start += batchRows {
		for i := start; i < min(start+batchRows, benchRows); i++ {
			rb.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("P%07d", i/10))
			rb.Field(1).(*array.Int32Builder).Append(int32(2014 + i%10))
			rb.Field(2).(*array.Int32Builder).Append(int32(1 + i%10))
			rb.Field(3).(*array.StringBuilder).Append(fmt.Sprint(974000000 + i%2800))
		}
		rec := rb.NewRecordBatch()
		err := w.Write(rec)
		rec.Release()
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}
