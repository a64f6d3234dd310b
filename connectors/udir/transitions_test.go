package udir

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/internal/emulator/emulatortest"
)

// The emulator's invented labels of the transitions page
// (internal/emulator/udirtransitions.go).
const (
	transitionShare  = "Andel direkte til videregående"
	transitionPupils = "Antall elever"
)

// TestTransitionsDiscovered: one Source reads the school contribution
// and then the transitions, listing the report pages once and reading
// each grunnskole page once for both; it finds the transitions' page
// under a code it cannot know and lands every year of it. The pupils of
// every county and municipality are those counted here from the 10th
// graders of the enrolments; under 10 both measures land suppressed with
// a null value, with none missing; the share is a percentage of the
// emulator's range.
func TestTransitionsDiscovered(t *testing.T) {
	const kode = "GSK_Q_0815"
	srv, pages, mu := renamed(t, "GSK_Overganger_EMULATED", kode)
	src, err := New(Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{"GSK_GSPoeng"}, Level: LevelSchools}, emulatortest.Client())
	if err != nil {
		t.Fatal(err)
	}
	contribution, _, err := readDiscovered(t, src, StreamSchoolContribution, nil)
	if err != nil || len(contribution) == 0 {
		t.Fatalf("school contribution: %d rows, %v", len(contribution), err)
	}
	rows, b, err := readDiscovered(t, src, StreamTransitions, nil)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	wantPages := map[string]int{"": 1, "GSK_NP_Geografisk": 1, "GSK_NP_Geo_Trinn5": 1, "GSK_GSPoeng": 1, "GSK_GSKarakterer": 1,
		"GSK_Elev_Skol": 1, "GSK_fravaer": 1, "GSK_Skolebidrag_EMULATED": 1, kode: 1}
	if !reflect.DeepEqual(pages, wantPages) {
		t.Errorf("list (\"\") and report pages read %v for both streams, want each once: %v", pages, wantPages)
	}
	mu.Unlock()

	pupils, _ := enrolmentCounts(t, true) // by year, level and code
	years := map[int32]bool{}
	for u := range pupils {
		years[u.Year] = true
	}
	type got struct{ share, count crow }
	landed := map[trow]*got{}
	landedYears := map[int32]bool{}
	for _, r := range rows {
		if r.Report != kode || !r.HasID {
			t.Fatalf("row %+v: want report %s and an EnhetID", r, kode)
		}
		// TidID (Y+1)06 named Y-(Y+1) is the school year Y.
		y := int(r.SchoolYear)
		if r.SchoolYear < 0 || r.YearID != int64(y+1)*100+6 || r.YearName != fmt.Sprintf("%d-%02d", y, (y+1)%100) {
			t.Fatalf("row %+v: year not mapped to its school year", r)
		}
		landedYears[r.SchoolYear] = true
		if r.Level != "county" && r.Level != "municipality" {
			t.Fatalf("row %+v: the page has counties and municipalities only", r)
		}
		var cols []string
		if err := json.Unmarshal([]byte(r.Columns), &cols); err != nil || len(cols) != 1 || cols[0] != r.Measure {
			t.Fatalf("row %+v: columns %v, %v; want [measure]", r, cols, err)
		}
		k := trow{Year: r.SchoolYear, Level: r.Level, Code: r.Code}
		if landed[k] == nil {
			landed[k] = &got{}
		}
		switch r.Measure {
		case transitionShare:
			landed[k].share = r
		case transitionPupils:
			landed[k].count = r
		default:
			t.Fatalf("row %+v: measure", r)
		}
	}
	if !reflect.DeepEqual(landedYears, years) {
		t.Errorf("school years %v; want those with 10th graders %v", landedYears, years)
	}
	var ok, suppressed, missing int
	for k, g := range landed {
		n := pupils[k]
		switch {
		case n == 0:
			missing++
			for _, c := range []crow{g.share, g.count} {
				if c.Status != "missing" || !math.IsNaN(c.Value) {
					t.Errorf("%+v: %+v, want missing", k, c)
				}
			}
		case n < 10:
			suppressed++
			for _, c := range []crow{g.share, g.count} {
				if c.Status != "suppressed" || !math.IsNaN(c.Value) || c.Raw != "*" {
					t.Errorf("%+v (%d pupils): %+v, want suppressed with a null value", k, n, c)
				}
			}
		default:
			ok++
			if g.count.Status != "ok" || g.count.Value != float64(n) {
				t.Errorf("%+v: pupils %+v, want %d", k, g.count, n)
			}
			v := g.share.Value
			if g.share.Status != "ok" || v < 96 || v > 99.5 || math.Abs(v*10-math.Round(v*10)) > 1e-6 {
				t.Errorf("%+v: share %+v, want ok, 96-99.5 with one decimal", k, g.share)
			}
		}
	}
	for k, n := range pupils {
		if landed[k] == nil {
			t.Errorf("%+v (%d 10th graders) not landed", k, n)
		}
	}
	if ok == 0 || suppressed == 0 {
		t.Errorf("%d units with a share, %d suppressed; want some of each", ok, suppressed)
	}
	t.Logf("%d rows: %d unit-years with a share, %d suppressed, %d missing", len(rows), ok, suppressed, missing)

	// A new Source from the checkpoint discovers again and finds the
	// stream unchanged.
	again, err := New(Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{"GSK_GSPoeng"}, Level: LevelSchools}, emulatortest.Client())
	if err != nil {
		t.Fatal(err)
	}
	second, b2, err := readDiscovered(t, again, StreamTransitions, b.Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	if u, isU := b2.(connectors.Unchanger); !isU || !u.Unchanged() || len(second) != 0 {
		t.Errorf("second read: %d rows; want none, unchanged", len(second))
	}
	mu.Lock()
	if pages[""] != 2 || pages[kode] != 2 {
		t.Errorf("requests %v; want the list and the page read again by the new Source", pages)
	}
	mu.Unlock()
}
