package report

import (
	"io"
	"testing"
)

// BenchmarkRender renders a report of 4 sections × 6 blocks × 3 series × 5
// years (24 charts).
func BenchmarkRender(b *testing.B) {
	d := benchDocument(4, 6, 3, 5)
	b.ReportAllocs()
	for b.Loop() {
		if err := Render(io.Discard, d); err != nil {
			b.Fatal(err)
		}
	}
}
