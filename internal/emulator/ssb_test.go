package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors/ssb/jsonstat"
	"github.com/skolestat/skolestat/internal/sim"
)

// ssbTruth is the simulated nation counted by the test itself from the
// microdata files, with none of the emulator's code.
type ssbTruth struct {
	first, last int
	munis       []string
	// grade[{muni, year, grade}], age[{muni, year, girl, age}]
	grade map[[3]string]int
	age   map[[4]string]int
	// gsp[{muni, school year}] = the pupils' grade points
	gsp map[[2]string][]int // in tenths
	// edu[{muni, year, parent_education}]: pupils enrolled
	edu map[[3]string]int
}

func readSSBTruth(t *testing.T, dir string) *ssbTruth {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "nation.json"))
	if err != nil {
		t.Fatal(err)
	}
	var nation struct {
		First          int                     `json:"first_school_year"`
		Last           int                     `json:"last_school_year"`
		Municipalities []struct{ Code string } `json:"municipalities"`
	}
	if err := json.Unmarshal(raw, &nation); err != nil {
		t.Fatal(err)
	}
	tr := &ssbTruth{first: nation.First, last: nation.Last, grade: map[[3]string]int{}, age: map[[4]string]int{}, gsp: map[[2]string][]int{}, edu: map[[3]string]int{}}
	for _, m := range nation.Municipalities {
		tr.munis = append(tr.munis, m.Code)
	}
	sort.Strings(tr.munis)
	muniOf := map[string]string{}
	eachRecord(t, dir, "schools", func(r arrow.RecordBatch) {
		for i := 0; i < int(r.NumRows()); i++ {
			muniOf[r.Column(0).(*array.String).Value(i)] = r.Column(2).(*array.String).Value(i)
		}
	})
	type person struct {
		born     int32
		sex, edu string
	}
	people := map[string]person{}
	eachRecord(t, dir, "pupils", func(r arrow.RecordBatch) {
		for i := 0; i < int(r.NumRows()); i++ {
			people[r.Column(0).(*array.String).Value(i)] = person{r.Column(1).(*array.Int32).Value(i), r.Column(2).(*array.String).Value(i), r.Column(4).(*array.String).Value(i)}
		}
	})
	eachRecord(t, dir, "enrolments", func(r arrow.RecordBatch) {
		for i := 0; i < int(r.NumRows()); i++ {
			id, year := r.Column(0).(*array.String).Value(i), r.Column(1).(*array.Int32).Value(i)
			muni := muniOf[r.Column(3).(*array.String).Value(i)]
			tr.grade[[3]string{muni, strconv.Itoa(int(year)), strconv.Itoa(int(r.Column(2).(*array.Int32).Value(i)))}]++
			p := people[id]
			tr.age[[4]string{muni, strconv.Itoa(int(year)), p.sex, strconv.Itoa(int(year - p.born))}]++
			tr.edu[[3]string{muni, strconv.Itoa(int(year)), p.edu}]++
		}
	})
	// Grade points as shared/spec/indicators.md §2 defines them.
	type diploma struct {
		muni     string
		subjects map[string]bool // subject → has a numeric grade
		sum, n   int
	}
	diplomas := map[[2]string]*diploma{}
	eachRecord(t, dir, "grades", func(r arrow.RecordBatch) {
		for i := 0; i < int(r.NumRows()); i++ {
			k := [2]string{r.Column(0).(*array.String).Value(i), strconv.Itoa(int(r.Column(1).(*array.Int32).Value(i)))}
			dp := diplomas[k]
			if dp == nil {
				dp = &diploma{muni: muniOf[r.Column(2).(*array.String).Value(i)], subjects: map[string]bool{}}
				diplomas[k] = dp
			}
			subject, g := r.Column(3).(*array.String).Value(i), r.Column(5).(*array.String).Value(i)
			if n, err := strconv.Atoi(g); err == nil {
				dp.sum += n
				dp.n++
				dp.subjects[subject] = true
			} else if !dp.subjects[subject] {
				dp.subjects[subject] = false
			}
		}
	})
	for k, dp := range diplomas {
		numeric := 0
		for _, ok := range dp.subjects {
			if ok {
				numeric++
			}
		}
		if numeric*2 <= len(dp.subjects) {
			continue
		}
		key := [2]string{dp.muni, k[1]}
		// gsp = round(mean, 2) * 10: in tenths, round(mean * 100).
		tr.gsp[key] = append(tr.gsp[key], int(math.Round(float64(dp.sum)/float64(dp.n)*100)))
	}
	return tr
}

// ssbServer serves the SSB emulation alone, with the given limiter.
func ssbServer(t *testing.T, dir string, drift bool, lim *ssbLimiter) *httptest.Server {
	t.Helper()
	d, err := loadSSB(context.Background(), mustNation(t, dir), drift)
	if err != nil {
		t.Fatal(err)
	}
	d.limiter = lim
	mux := http.NewServeMux()
	d.routes(mux, SSBPrefix)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func ssbGet(t *testing.T, base, path, query string) (int, http.Header, []byte) {
	t.Helper()
	u := base + SSBPrefix + "/" + path
	if query != "" {
		u += "?" + query
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// ssbCells fetches a data document, checks it, and returns its cells by
// their codes joined with "|" in id order.
type ssbCell struct {
	Value  *float64
	Status string
}

func ssbCells(t *testing.T, base, table, query string) (*jsonstat.Dataset, map[string]ssbCell) {
	t.Helper()
	code, _, body := ssbGet(t, base, "tables/"+table+"/data", "lang=no&outputFormat=json-stat2&"+query)
	if code != http.StatusOK {
		t.Fatalf("%s?%s: HTTP %d %s", table, query, code, body)
	}
	doc, err := jsonstat.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if res := jsonstat.Validate(doc); !res.Valid {
		t.Fatalf("%s?%s: %v", table, query, res.Err())
	}
	ds := doc.Datasets[0]
	out := map[string]ssbCell{}
	err = ds.Flatten(func(r *jsonstat.Row) error {
		c := ssbCell{Status: r.Status}
		if v := r.Number(); v != nil {
			x := *v
			c.Value = &x
		}
		// Every table's first variable is its region. A code of before the
		// 2024 reform carries its municipality's cells for the years before
		// it (and "." after), today's code "." before: keyed by today's
		// code, the cells are one series, as the tests of values want them.
		id := slices.Clone(r.ID)
		if today, old := ssbToday[id[0]]; old {
			if c.Status == "." {
				return nil
			}
			id[0] = today
		} else if ssbHadOld[id[0]] && c.Status == "." {
			return nil
		}
		out[strings.Join(id, "|")] = c
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ds, out
}

// ssbToday maps the municipality codes used before the 2024 reform to
// today's, as the KLASS emulation's change table gives them; ssbHadOld
// holds those today's codes. Set by TestSSBEmulation for ssbCells.
var (
	ssbToday  map[string]string
	ssbHadOld map[string]bool
)

func TestSSBEmulation(t *testing.T) {
	dir := t.TempDir()
	if _, err := sim.Generate(context.Background(), sim.Options{Out: dir, Seed: 5, Scale: 0.02, SurveyYears: -1}); err != nil {
		t.Fatal(err)
	}
	truth := readSSBTruth(t, dir)
	srv := ssbServer(t, dir, false, nil)
	years := truth.last - truth.first + 1
	ssbToday, ssbHadOld = map[string]string{}, map[string]bool{}
	for _, c := range loadKLASS(mustNation(t, dir), false).changes {
		ssbToday[c.OldCode], ssbHadOld[c.NewCode] = c.NewCode, true
	}
	if len(ssbToday) == 0 {
		t.Fatal("the test nation has no municipality renumbered in 2024")
	}
	old := len(ssbToday)

	t.Run("CodesOfTheYear", func(t *testing.T) {
		// Unkeyed: an old code has numbers before 2024 only, today's code
		// from 2024 only; the nation is there every year.
		_, _, body := ssbGet(t, srv.URL, "tables/07459/data", "lang=no&outputFormat=json-stat2&valueCodes[Region]=*&valueCodes[ContentsCode]=Personer1&valueCodes[Tid]=*")
		doc, err := jsonstat.Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		err = doc.Datasets[0].Flatten(func(r *jsonstat.Row) error {
			y, _ := strconv.Atoi(r.ID[len(r.ID)-1])
			code := r.ID[0]
			valid := true
			if _, isOld := ssbToday[code]; isOld {
				valid = y < 2024
			} else if ssbHadOld[code] {
				valid = y >= 2024
			}
			if got := r.Number() != nil; got != valid {
				t.Errorf("07459 %s %d: number %v, status %q; want a number %v", code, y, got, r.Status, valid)
			}
			if !valid && r.Status != "." {
				t.Errorf("07459 %s %d: status %q, want '.'", code, y, r.Status)
			}
			checked++
			return nil
		})
		if err != nil || checked != (len(truth.munis)+1+old)*years {
			t.Fatalf("%v; %d cells", err, checked)
		}
	})

	t.Run("MetadataValidates", func(t *testing.T) {
		for id, size := range map[string][]int{
			"07459": {len(truth.munis) + 1 + old, 2, 106, 1, years},
			"11980": {len(truth.munis) + 2 + old, 10, 1, years},
			"12255": {len(truth.munis) + 2 + old, 3, years},
			"09429": {len(truth.munis) + 2 + old, 7, 2, 1, years},
			"12222": {len(truth.munis) + 2 + old, 2, years},
			"12367": {len(truth.munis) + 2 + old, 2, 4, 2, 1, years},
		} {
			code, _, body := ssbGet(t, srv.URL, "tables/"+id+"/metadata", "lang=no&outputFormat=json-stat2")
			if code != http.StatusOK {
				t.Fatalf("%s: HTTP %d", id, code)
			}
			doc, err := jsonstat.Parse(body)
			if err != nil {
				t.Fatal(err)
			}
			if res := jsonstat.Validate(doc); !res.Valid {
				t.Fatalf("%s: %v", id, res.Err())
			}
			ds := doc.Datasets[0]
			if !ds.MetadataOnly() || fmt.Sprint(ds.Size) != fmt.Sprint(size) {
				t.Errorf("%s: metadata only %v, size %v; want size %v", id, ds.MetadataOnly(), ds.Size, size)
			}
			var ext struct {
				Elimination *bool `json:"elimination"`
			}
			if err := json.Unmarshal(ds.Dim("Tid").Extension, &ext); err != nil || ext.Elimination == nil || *ext.Elimination {
				t.Errorf("%s: Tid extension %s", id, ds.Dim("Tid").Extension)
			}
			if u := ds.Dim("ContentsCode").Category.Unit; len(u) == 0 || u[ds.Dim("ContentsCode").Category.IDs[0]].Decimals == nil {
				t.Errorf("%s: ContentsCode has no unit with decimals: %v", id, u)
			}
		}
	})

	muni, year := truth.munis[0], truth.last-1
	y := strconv.Itoa(year)

	t.Run("PupilsByGrade", func(t *testing.T) {
		_, cells := ssbCells(t, srv.URL, "11980", "valueCodes[Region]="+muni+",0,"+ssbSvalbard+"&valueCodes[Trinn]=05&valueCodes[ContentsCode]=Elever&valueCodes[Tid]="+y)
		want := truth.grade[[3]string{muni, y, "5"}]
		got := cells[muni+"|05|Elever|"+y]
		switch {
		case want > 0 && want < 5:
			if got.Value != nil || got.Status != ":" {
				t.Errorf("grade 5 in %s %s: %d pupils, want null ':'; got %+v", muni, y, want, got)
			}
		case got.Value == nil || *got.Value != float64(want) || got.Status != "":
			t.Errorf("grade 5 in %s %s: got %+v, the enrolments count %d", muni, y, got, want)
		}
		nation := 0
		for _, m := range truth.munis {
			nation += truth.grade[[3]string{m, y, "5"}]
		}
		if got := cells["0|05|Elever|"+y]; got.Value == nil || *got.Value != float64(nation) {
			t.Errorf("grade 5 in the nation: got %+v, want %d", got, nation)
		}
		if got := cells[ssbSvalbard+"|05|Elever|"+y]; got.Value != nil || got.Status != "." {
			t.Errorf("Svalbard: got %+v, want null '.'", got)
		}
	})

	t.Run("SuppressedAndEliminated", func(t *testing.T) {
		// Every municipality and grade: counts 1-4 are ":" and nothing else is
		// null; leaving Trinn out sums the grades.
		ds, cells := ssbCells(t, srv.URL, "11980", "valueCodes[Region]=*&valueCodes[Trinn]=*&valueCodes[ContentsCode]=Elever&valueCodes[Tid]="+y)
		if len(cells) != (len(truth.munis)+2)*10 || len(ds.ID) != 4 {
			t.Fatalf("%d cells", len(cells))
		}
		suppressed := 0
		for _, m := range truth.munis {
			for g := 1; g <= 10; g++ {
				n := truth.grade[[3]string{m, y, strconv.Itoa(g)}]
				c := cells[fmt.Sprintf("%s|%02d|Elever|%s", m, g, y)]
				if n > 0 && n < 5 {
					suppressed++
					if c.Value != nil || c.Status != ":" {
						t.Fatalf("%s grade %d: %d pupils, got %+v", m, g, n, c)
					}
				} else if c.Value == nil || *c.Value != float64(n) {
					t.Fatalf("%s grade %d: %d pupils, got %+v", m, g, n, c)
				}
			}
		}
		t.Logf("%d cells suppressed", suppressed)
		ds, cells = ssbCells(t, srv.URL, "11980", "valueCodes[Region]="+muni+"&valueCodes[ContentsCode]=Elever&valueCodes[Tid]="+y)
		if strings.Join(ds.ID, ",") != "Region,ContentsCode,Tid" {
			t.Errorf("ids %v: Trinn was left out and should be gone", ds.ID)
		}
		sum := 0
		for g := 1; g <= 10; g++ {
			sum += truth.grade[[3]string{muni, y, strconv.Itoa(g)}]
		}
		if c := cells[muni+"|Elever|"+y]; c.Value == nil || *c.Value != float64(sum) {
			t.Errorf("all grades in %s: got %+v, want %d", muni, c, sum)
		}
	})

	t.Run("PopulationIsPupilsPlusAFew", func(t *testing.T) {
		next := strconv.Itoa(year + 1) // 1 January after the count date
		_, cells := ssbCells(t, srv.URL, "07459", "valueCodes[Region]="+muni+"&valueCodes[Kjonn]=*&valueCodes[Alder]=[range(006,015)]&valueCodes[ContentsCode]=Personer1&valueCodes[Tid]="+next)
		if len(cells) != 20 {
			t.Fatalf("%d cells, want 2 genders x 10 ages", len(cells))
		}
		for sex, kjonn := range map[string]string{"G": "1", "J": "2"} {
			for age := 6; age <= 15; age++ {
				pupils := truth.age[[4]string{muni, y, sex, strconv.Itoa(age)}]
				c := cells[fmt.Sprintf("%s|%s|%03d|Personer1|%s", muni, kjonn, age, next)]
				if c.Value == nil || *c.Value < float64(pupils) || *c.Value > float64(pupils+2) {
					t.Errorf("%s %s age %d: got %+v, %d pupils", muni, sex, age, c, pupils)
				}
			}
		}
	})

	t.Run("GradePoints", func(t *testing.T) {
		_, cells := ssbCells(t, srv.URL, "12255", "valueCodes[KOKkommuneregion0000]=*&valueCodes[ContentsCode]=KOSgrunnskolepoe0000,KOSgrstr20000&valueCodes[Tid]=*")
		checked := 0
		for _, m := range append([]string{"EAK", "EAKUO"}, truth.munis...) {
			for yr := truth.first; yr <= truth.last; yr++ {
				var pts []int
				if m == "EAK" || m == "EAKUO" {
					for _, mm := range truth.munis {
						if m == "EAK" || mm != "0301" {
							pts = append(pts, truth.gsp[[2]string{mm, strconv.Itoa(yr - 1)}]...)
						}
					}
				} else {
					pts = truth.gsp[[2]string{m, strconv.Itoa(yr - 1)}]
				}
				c := cells[fmt.Sprintf("%s|KOSgrunnskolepoe0000|%d", m, yr)]
				switch {
				case yr == truth.first || len(pts) == 0:
					if c.Value != nil || c.Status != ".." {
						t.Fatalf("%s %d: %d pupils, got %+v; want null '..'", m, yr, len(pts), c)
					}
				case len(pts) < 5:
					if c.Value != nil || c.Status != ":" {
						t.Fatalf("%s %d: %d pupils, got %+v; want null ':'", m, yr, len(pts), c)
					}
				default:
					sum := 0
					for _, p := range pts {
						sum += p
					}
					// The mean in tenths, rounded half up, is the one decimal shown.
					want := float64((2*sum+len(pts))/(2*len(pts))) / 10
					if c.Value == nil || math.Abs(*c.Value-want) > 1e-9 {
						t.Fatalf("%s %d: got %+v, want %.1f from %d pupils", m, yr, c, want, len(pts))
					}
					if m == "EAK" && (want < 35 || want > 50) {
						t.Errorf("national grade points %.1f in %d: implausible", want, yr)
					}
					checked++
				}
				if g := cells[fmt.Sprintf("%s|KOSgrstr20000|%d", m, yr)]; g.Value == nil || *g.Value < 7 || *g.Value > 19 {
					t.Fatalf("%s %d group size %+v", m, yr, g)
				}
			}
		}
		if checked < len(truth.munis) {
			t.Errorf("only %d grade point cells had a value", checked)
		}
	})

	t.Run("SpecialEducation", func(t *testing.T) { testSpecialEducation(t, srv.URL, truth) })
	t.Run("EducationLevels", func(t *testing.T) { testEducationLevels(t, srv.URL, truth) })
	t.Run("Accounts", func(t *testing.T) { testAccounts(t, srv.URL, truth) })

	t.Run("Expressions", func(t *testing.T) {
		for _, c := range []struct {
			tid  string
			want []string
		}{
			{"top(2)", []string{strconv.Itoa(truth.last - 1), strconv.Itoa(truth.last)}},
			{"[top(1,1)]", []string{strconv.Itoa(truth.last - 1)}},
			{"bottom(1)", []string{strconv.Itoa(truth.first)}},
			{fmt.Sprintf("[range(%d,%d)]", truth.first+1, truth.first+3), []string{strconv.Itoa(truth.first + 1), strconv.Itoa(truth.first + 2), strconv.Itoa(truth.first + 3)}},
			{fmt.Sprintf("from(%d)", truth.last-1), []string{strconv.Itoa(truth.last - 1), strconv.Itoa(truth.last)}},
			{fmt.Sprintf("%d,%d", truth.last, truth.first), []string{strconv.Itoa(truth.first), strconv.Itoa(truth.last)}},
			{"20?4", []string{"2014", "2024"}},
		} {
			ds, _ := ssbCells(t, srv.URL, "12255", "valueCodes[KOKkommuneregion0000]=EAK&valueCodes[ContentsCode]=KOSgrstr20000&valueCodes[Tid]="+c.tid)
			if got := ds.Dim("Tid").Category.IDs; fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("Tid=%s: %v, want %v", c.tid, got, c.want)
			}
		}
	})

	t.Run("Errors", func(t *testing.T) {
		base := "lang=no&outputFormat=json-stat2&"
		for _, c := range []struct {
			name, table, query string
			code               int
			body               string // a part of the body; "" = empty body
		}{
			{"no Tid", "12255", "valueCodes[KOKkommuneregion0000]=EAK&valueCodes[ContentsCode]=KOSgrstr20000", 400, "Missing selection for mandantory variable"},
			{"no ContentsCode", "07459", "valueCodes[Region]=0&valueCodes[Tid]=top(1)", 400, "Missing selection for mandantory variable"},
			{"repeated code", "12255", "valueCodes[KOKkommuneregion0000]=EAK,EAK&valueCodes[ContentsCode]=KOSgrstr20000&valueCodes[Tid]=top(1)", 500, ""},
			{"too many cells", "07459", "valueCodes[Region]=*&valueCodes[Kjonn]=*&valueCodes[Alder]=*&valueCodes[ContentsCode]=*&valueCodes[Tid]=*", 403, "Too many cells"},
			{"comma outside brackets", "12255", "valueCodes[KOKkommuneregion0000]=EAK&valueCodes[ContentsCode]=KOSgrstr20000&valueCodes[Tid]=range(2015,2016)", 400, "Illegal selection expression"},
			{"unknown code", "12255", "valueCodes[KOKkommuneregion0000]=9999&valueCodes[ContentsCode]=KOSgrstr20000&valueCodes[Tid]=top(1)", 400, "Non-existent value"},
			{"unknown table", "99999", "valueCodes[Tid]=top(1)", 404, "not found"},
			{"long URL", "11980", "valueCodes[Region]=" + strings.Repeat("0301,", 430) + "0&valueCodes[ContentsCode]=Elever&valueCodes[Tid]=top(1)", 404, "Not found"},
		} {
			code, _, body := ssbGet(t, srv.URL, "tables/"+c.table+"/data", base+c.query)
			if code != c.code || (c.body == "" && len(body) != 0) || !strings.Contains(string(body), c.body) {
				t.Errorf("%s: HTTP %d %q; want %d with %q", c.name, code, body, c.code, c.body)
			}
		}
		// Every cell of 07459 is more than the API gives at once.
		if cells := (len(truth.munis) + 1) * 2 * 106 * years; cells <= ssbMaxCells {
			t.Errorf("07459 has %d cells; the 403 case needs more than %d", cells, ssbMaxCells)
		}
	})

	t.Run("Drift", func(t *testing.T) {
		drifted := ssbServer(t, dir, true, nil)
		code, _, body := ssbGet(t, drifted.URL, "tables/12255/data", "valueCodes[KOKkommuneregion0000]=EAK&valueCodes[ContentsCode]=*&valueCodes[Tid]=top(1)")
		if code != http.StatusOK {
			t.Fatalf("HTTP %d", code)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		if _, ok := m["value"]; ok || m["values"] == nil {
			t.Errorf("drift: keys value %v, values %v", m["value"] != nil, m["values"] != nil)
		}
		doc, err := jsonstat.Parse(body)
		if err == nil && jsonstat.Validate(doc).Valid {
			t.Error("the drifted document validates")
		}
	})
}

// TestSSBRateLimit: the limit counts accepted requests per client in a
// sliding window and tells, in Retry-After, when the oldest one leaves it.
func TestSSBRateLimit(t *testing.T) {
	dir := t.TempDir()
	if _, err := sim.Generate(context.Background(), sim.Options{Out: dir, Seed: 2, Scale: 0.005, SurveyYears: -1}); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	lim := newSSBLimiter(3, time.Minute, func() time.Time { return clock })
	srv := ssbServer(t, dir, false, lim)
	get := func() (int, http.Header) {
		code, h, _ := ssbGet(t, srv.URL, "tables/12255/metadata", "")
		return code, h
	}
	for i := range 3 {
		if code, h := get(); code != http.StatusOK || h.Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) {
			t.Fatalf("request %d: HTTP %d, remaining %q", i+1, code, h.Get("X-RateLimit-Remaining"))
		}
		clock = clock.Add(10 * time.Second)
	}
	// Requests at 0, 10 and 20 s; at 30 s the first leaves the window at 60 s.
	code, h := get()
	if code != http.StatusTooManyRequests || h.Get("Retry-After") != "30" {
		t.Errorf("4th request: HTTP %d Retry-After %q; want 429, 30", code, h.Get("Retry-After"))
	}
	clock = clock.Add(30 * time.Second)
	if code, _ := get(); code != http.StatusOK {
		t.Errorf("after the oldest left the window: HTTP %d", code)
	}
	if code, _ := get(); code != http.StatusTooManyRequests {
		t.Errorf("window full again: HTTP %d", code)
	}
}

// BenchmarkSSBData serves the population of school age in every region and
// year (78,760 cells at any scale).
func BenchmarkSSBData(b *testing.B) {
	dir := b.TempDir()
	if _, err := sim.Generate(context.Background(), sim.Options{Out: dir, Seed: 5, Scale: 0.02, SurveyYears: -1}); err != nil {
		b.Fatal(err)
	}
	d, err := loadSSB(context.Background(), mustNation(b, dir), false)
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	d.routes(mux, SSBPrefix)
	req := httptest.NewRequest("GET", SSBPrefix+"/tables/07459/data?lang=no&outputFormat=json-stat2&valueCodes[Region]=*&valueCodes[Kjonn]=*&valueCodes[Alder]=[range(006,015)]&valueCodes[ContentsCode]=Personer1&valueCodes[Tid]=*", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("HTTP %d", rec.Code)
		}
		b.SetBytes(int64(rec.Body.Len()))
	}
}
