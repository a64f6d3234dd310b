package emulator

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

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

// municipalityCounty is the county code of each municipality of the
// nation in dir, read from its nation.json.
func municipalityCounty(t *testing.T, dir string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "nation.json"))
	if err != nil {
		t.Fatal(err)
	}
	var nation struct {
		Municipalities []struct{ Code, County string } `json:"municipalities"`
	}
	if err := json.Unmarshal(raw, &nation); err != nil {
		t.Fatal(err)
	}
	countyOf := map[string]string{}
	for _, m := range nation.Municipalities {
		countyOf[m.Code] = m.County
	}
	return countyOf
}

// schoolCounty is the county code of each school (by org.nr) of the
// nation in dir: its municipality in the schools table, that
// municipality's county in nation.json.
func schoolCounty(t *testing.T, dir string) map[string]string {
	t.Helper()
	countyOf := municipalityCounty(t, dir)
	out := map[string]string{}
	eachRecord(t, dir, "schools", func(rec arrow.RecordBatch) {
		org, muni := rec.Column(0).(*array.String), rec.Column(2).(*array.String)
		for i := range int(rec.NumRows()) {
			out[org.Value(i)] = countyOf[muni.Value(i)]
		}
	})
	return out
}
