package emulator

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/skolestat/skolestat/connectors/microdata"
)

// mustNation loads the simulated nation of dir as New does.
func mustNation(t testing.TB, dir string) *simNation {
	t.Helper()
	n, err := loadNation(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// eachRecord reads a table of the simulated nation in dir, for the tests'
// own sums.
func eachRecord(t *testing.T, dir, table string, fn func(rec arrow.RecordBatch)) {
	t.Helper()
	err := microdata.Each(context.Background(), dir, table, func(rec arrow.RecordBatch) error {
		fn(rec)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
