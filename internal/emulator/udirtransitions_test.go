package emulator

import (
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors/cell"
	"github.com/skolestat/skolestat/connectors/udir"
)

func TestUdirTransitionShare(t *testing.T) {
	for _, c := range []struct {
		h, delta, want float64
	}{
		{0, 0, 96},
		{0.5, 0, 97.75},
		{0.5, -5, 97.25},  // five points below the nation: half a point lower
		{0.5, 5, 98.25},   // and above
		{0.99, 0, 99.465}, // the top of the range
		{0.1, -30, 96},    // kept within the range
		{0.9, 30, 99.5},
	} {
		if got := udirTransitionShare(c.h, c.delta); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("share(%g, %g) = %g, want %g", c.h, c.delta, got, c.want)
		}
	}
}

// checkTransitions runs the transitions page of the emulator at base
// over the nation in dir: its page and years, and the counties' cells of
// every year against the 10th graders counted here from the enrolments.
func checkTransitions(t *testing.T, base, dir string) {
	t.Helper()
	const path = "rest/v1/Statistikk/GSK/OvergangerG/1/1"
	// 10th graders by year and county, counted here.
	countyOf := schoolCounty(t, dir)
	tenth := map[int]map[string]int{}
	eachRecord(t, dir, "enrolments", func(rec arrow.RecordBatch) {
		year, grade, org := rec.Column(1).(*array.Int32), rec.Column(2).(*array.Int32), rec.Column(3).(*array.String)
		for i := range int(rec.NumRows()) {
			if grade.Value(i) != 10 {
				continue
			}
			y := int(year.Value(i))
			if tenth[y] == nil {
				tenth[y] = map[string]int{}
			}
			tenth[y][countyOf[org.Value(i)]]++
		}
	})

	code, body := udirGet(t, base, "rest/v1/Rapportside/"+udirTransitionsKode, nil)
	p, err := udir.ParseReportPage(body)
	if code != http.StatusOK || err != nil {
		t.Fatalf("page: HTTP %d, %v", code, err)
	}
	if data, _ := p.DataEndpoint(); data != path+"/data" || p.FilterValuesEndpoint != path+"/filterVerdier" ||
		!reflect.DeepEqual(p.Filters, []string{"EierformID", "EnhetID", "TidID"}) {
		t.Errorf("page %+v", p)
	}
	_, fv := udirGet(t, base, path+"/filterVerdier", nil)
	tid, err := udir.FilterValues(fv, "TidID")
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, v := range tid {
		got = append(got, fmt.Sprintf("%d %s", v.ID, v.Navn))
	}
	var years []int
	for y := range tenth {
		years = append(years, y)
	}
	slices.Sort(years)
	slices.Reverse(years)
	for _, y := range years {
		want = append(want, fmt.Sprintf("%d06 %d-%02d", y+1, y, (y+1)%100))
	}
	if !reflect.DeepEqual(got, want) || len(want) == 0 {
		t.Errorf("TidID %v, want the years with 10th graders, newest first: %v", got, want)
	}

	checked := 0
	for _, y := range years {
		filter := fmt.Sprintf("EierformID(-10)_EnhetID(-12)_TidID(%d06)", y+1)
		// The schools' level is asked for too: the page has none.
		code, body := udirGet(t, base, path+"/data", udirQuery(filter, "*.*.*"))
		pv, err := udir.ParsePivot(body)
		if code != http.StatusOK || err != nil {
			t.Fatalf("%d: HTTP %d, %v: %s", y, code, err, body)
		}
		var leaves []string
		for _, l := range pv.Leaves {
			var names []string
			for _, h := range l.Path {
				names = append(names, h.Name)
			}
			leaves = append(leaves, fmt.Sprint(names))
		}
		wantLeaves := []string{fmt.Sprintf("[%d-%02d Andel direkte til videregående]", y, (y+1)%100),
			fmt.Sprintf("[%d-%02d Antall elever]", y, (y+1)%100)}
		if !reflect.DeepEqual(leaves, wantLeaves) {
			t.Fatalf("%d: leaves %v, want %v", y, leaves, wantLeaves)
		}
		counties := 0
		for _, r := range pv.Rows {
			if len(r.Kode) == 9 {
				t.Fatalf("%d: a school row %+v", y, r)
			}
			if len(r.Kode) != 2 {
				continue
			}
			counties++
			n := tenth[y][r.Kode]
			share, count := r.Values[0], r.Values[1]
			switch {
			case n == 0:
				if share.Status != cell.Missing || count.Status != cell.Missing {
					t.Errorf("%d county %s: %v, want missing", y, r.Kode, r.Raw)
				}
			case n < 10:
				if share.Status != cell.Suppressed || count.Status != cell.Suppressed {
					t.Errorf("%d county %s (%d pupils): %v, want *", y, r.Kode, n, r.Raw)
				}
			default:
				checked++
				if count.Status != cell.OK || count.Number != float64(n) || share.Status != cell.OK || share.Number < 96 || share.Number > 99.5 {
					t.Errorf("%d county %s: %v, want 96-99.5 and %d pupils", y, r.Kode, r.Raw, n)
				}
			}
		}
		if counties == 0 {
			t.Errorf("%d: no county rows", y)
		}
	}
	if checked == 0 {
		t.Error("no county with a share")
	}
}
