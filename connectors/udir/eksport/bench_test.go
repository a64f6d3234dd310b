package eksport

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkPage parses a data page of 1000 indicator rows (the
// emulator's page size) into facts; rows/s is data rows.
func BenchmarkPage(b *testing.B) {
	one, err := os.ReadFile(filepath.Join("testdata", "indicator_148.json"))
	if err != nil {
		b.Fatal(err)
	}
	rows, err := ParsePage(one)
	if err != nil {
		b.Fatal(err)
	}
	// Repeat the file's four rows, as objects, to 1000.
	objs := bytes.TrimSuffix(bytes.TrimPrefix(bytes.TrimSpace(one), []byte("[")), []byte("]"))
	var page bytes.Buffer
	page.WriteByte('[')
	for i := 0; i < 1000/len(rows); i++ {
		if i > 0 {
			page.WriteByte(',')
		}
		page.Write(objs)
	}
	page.WriteByte(']')
	body := page.Bytes()
	b.SetBytes(int64(len(body)))
	var facts []Fact
	n := 0
	for b.Loop() {
		rows, err := ParsePage(body)
		if err != nil {
			b.Fatal(err)
		}
		for i := range rows {
			k, err := KindOf(&rows[i])
			if err != nil {
				b.Fatal(err)
			}
			if facts, err = Facts(facts[:0], &rows[i], k, 2024, testCodes); err != nil {
				b.Fatal(fmt.Errorf("row %d: %w", i, err))
			}
		}
		n += len(rows)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}
