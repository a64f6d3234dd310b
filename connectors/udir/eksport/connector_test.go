package eksport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/connectors/microdata"
	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/internal/emulator/emulatortest"
	"github.com/skolestat/skolestat/internal/sim"
)

// nation is a small simulated nation with the survey of its last two
// years (emulatortest.Main simulates none), generated once.
var nation string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "skolestat-survey-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if _, err := sim.Generate(context.Background(), sim.Options{Out: d, Seed: 21, Scale: 0.02, SurveyYears: 2}); err != nil {
		os.RemoveAll(d)
		fmt.Fprintln(os.Stderr, "simulating the test nation:", err)
		os.Exit(2)
	}
	nation = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// requests logs the requests a test server saw.
type requests struct {
	mu   sync.Mutex
	urls []*url.URL
}

func (l *requests) all() []*url.URL {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*url.URL(nil), l.urls...)
}

// serve serves the emulator, each answer passed through edit when it is
// not nil, and returns the Eksport base URL and the request log.
func serve(t *testing.T, opt emulator.Options, edit func(r *http.Request, body []byte) []byte) (string, *requests) {
	t.Helper()
	em, _ := emulatortest.Serve(t, nation, opt)
	log := &requests{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.mu.Lock()
		log.urls = append(log.urls, r.URL)
		log.mu.Unlock()
		resp, err := http.Get(em.URL + r.URL.String())
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if edit != nil && resp.StatusCode == 200 {
			body = edit(r, body)
		}
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + emulator.EksportPrefix + "/api/rest/v2/Eksport", log
}

// lastYear is the last survey year of the nation.
func lastYear(t *testing.T) int {
	y := 0
	readTable(t, "survey_responses", func(r arrow.RecordBatch) {
		for i := range int(r.NumRows()) {
			y = max(y, int(r.Column(1).(*array.Int32).Value(i)))
		}
	})
	return y
}

func readTable(t *testing.T, table string, fn func(arrow.RecordBatch)) {
	t.Helper()
	if err := microdata.Each(context.Background(), nation, table, func(r arrow.RecordBatch) error { fn(r); return nil }); err != nil {
		t.Fatal(err)
	}
}

// row is one stream row.
type row struct {
	Year, Table              int
	Kind, Level, Code, Name  string
	EnhetID                  int64 // 0 when null
	Grade                    int   // 0 when null
	Owner, Gender, Measure   string
	Group, Statistic, Status string
	Value                    float64 // NaN when null
}

func read(t *testing.T, cfg Config, from connectors.Checkpoint) ([]row, connectors.Checkpoint, bool, error) {
	t.Helper()
	src, err := New(cfg, emulatortest.Client())
	if err != nil {
		t.Fatal(err)
	}
	b, err := src.Read(context.Background(), Stream, from)
	if err != nil {
		return nil, nil, false, err
	}
	defer b.Close()
	var out []row
	for b.Next() {
		r := b.RecordBatch()
		if !r.Schema().Equal(Schema) {
			t.Fatalf("schema %v", r.Schema())
		}
		str := func(c, i int) string { return r.Column(c).(*array.String).Value(i) }
		for i := range int(r.NumRows()) {
			x := row{Year: int(r.Column(0).(*array.Int32).Value(i)), Table: int(r.Column(1).(*array.Int32).Value(i)), Kind: str(2, i),
				Level: str(3, i), Code: str(4, i), Name: str(5, i), Owner: str(9, i), Gender: str(10, i), Measure: str(11, i),
				Statistic: str(13, i), Status: str(15, i), Value: math.NaN()}
			if r.Column(6).IsValid(i) {
				x.EnhetID = r.Column(6).(*array.Int64).Value(i)
			}
			if r.Column(8).IsValid(i) {
				x.Grade = int(r.Column(8).(*array.Int32).Value(i))
			}
			if r.Column(12).IsValid(i) {
				x.Group = str(12, i)
			}
			if r.Column(14).IsValid(i) {
				x.Value = r.Column(14).(*array.Float64).Value(i)
			}
			out = append(out, x)
		}
	}
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	u, _ := b.(connectors.Unchanger)
	return out, b.Checkpoint(), u != nil && u.Unchanged(), nil
}

// TestReadSchools reads 148 at school level and recomputes the Trivsel
// score of the school with most 7th graders from survey_responses.
func TestReadSchools(t *testing.T) {
	year := lastYear(t)
	base, log := serve(t, emulator.Options{}, nil)
	rows, _, _, err := read(t, Config{BaseURL: base, Tables: []int{148}, Years: []int{year}, Level: LevelSchool}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The test's own respondent scores: answers by respondent.
	type resp struct {
		school string
		grade  int
		ans    map[string]int
	}
	byID := map[string]*resp{}
	readTable(t, "survey_responses", func(r arrow.RecordBatch) {
		for i := range int(r.NumRows()) {
			if int(r.Column(1).(*array.Int32).Value(i)) != year {
				continue
			}
			id := r.Column(0).(*array.String).Value(i)
			x := byID[id]
			if x == nil {
				x = &resp{school: r.Column(2).(*array.String).Value(i), grade: int(r.Column(3).(*array.Int32).Value(i)), ans: map[string]int{}}
				byID[id] = x
			}
			if a := r.Column(7).(*array.Int32); a.IsValid(i) {
				x.ans[r.Column(6).(*array.String).Value(i)] = int(a.Value(i))
			}
		}
	})
	count := map[string]int{}
	for _, x := range byID {
		if x.grade == 7 {
			count[x.school]++
		}
	}
	school := ""
	for s, n := range count {
		if school == "" || n > count[school] || n == count[school] && s < school {
			school = s
		}
	}
	var sum float64
	n := 0
	for _, x := range byID {
		if x.school != school || x.grade != 7 {
			continue
		}
		s, k := 0, 0
		for _, it := range sim.Items {
			if a, ok := x.ans[it.Code]; ok && it.Index == "EUIndeks_1379" {
				if it.Reverse {
					a = 6 - a
				}
				s, k = s+a, k+1
			}
		}
		if k >= 3 { // at least half of the five items
			sum += float64(s) / float64(k)
			n++
		}
	}
	want := sum / float64(n)
	found := false
	suppressed := 0
	for _, r := range rows {
		if r.Code == school && r.Grade == 7 && r.Measure == "EUIndeks_1379" && r.Statistic == "score" {
			found = true
			if math.Abs(r.Value-want) > 0.05+1e-9 || r.Status != "ok" || r.Level != "school" || r.Group != "Trivsel" || r.EnhetID < 20000 || r.Year != year {
				t.Errorf("row %+v, want score %.4f of %d respondents", r, want, n)
			}
		}
		if r.Code == school && r.Grade == 7 && r.Measure == "EUIndeks_1379" && r.Statistic == "answered" && r.Value != float64(n) {
			t.Errorf("answered %v, want %d", r.Value, n)
		}
		if r.Status == "suppressed" {
			suppressed++
			if !math.IsNaN(r.Value) {
				t.Errorf("suppressed row with value %v", r.Value)
			}
		}
		if !strings.HasPrefix(r.Measure, IndexPrefix) || r.Owner != "all" || r.Gender != "all" || r.Table != 148 || r.Kind != "indicator" {
			t.Fatalf("row %+v: want index rows of all owners and genders only", r)
		}
		if strings.HasSuffix(r.Name, " ") {
			t.Errorf("name %q not trimmed", r.Name)
		}
	}
	if !found || n < 10 {
		t.Fatalf("no Trivsel score of %s (%d respondents)", school, n)
	}
	// Small schools' rows are "*": suppressed, null.
	if suppressed == 0 {
		t.Error("no suppressed row at school level")
	}
	checkPaging(t, log.all())
}

// checkPaging: each data page was asked for once, none past sideData's
// count.
func checkPaging(t *testing.T, urls []*url.URL) {
	t.Helper()
	pages := map[string]int{}
	asked := map[string]int{}
	for _, u := range urls {
		q := u.Query()
		key := u.Path + "?" + q.Get("filter")
		switch {
		case strings.HasSuffix(u.Path, "/sideData"):
			pages[strings.TrimSuffix(key, "")]++
		case strings.HasSuffix(u.Path, "/data"):
			p, _ := strconv.Atoi(q.Get("sideNummer"))
			asked[key+"#"+strconv.Itoa(p)]++
		}
		if len(u.String()) > MaxURL {
			t.Errorf("URL of %d characters", len(u.String()))
		}
	}
	if len(asked) == 0 {
		t.Fatal("no data page asked for")
	}
	multi := false
	for k, n := range asked {
		if n != 1 {
			t.Errorf("%s asked for %d times", k, n)
		}
		multi = multi || strings.HasSuffix(k, "#2")
	}
	if !multi {
		t.Error("no selection had a second page: the test shows nothing about paging")
	}
}

// TestReadDefault reads the default tables at municipality level: every
// page once, URLs under MaxURL, one value per key, and an unchanged
// second read.
func TestReadDefault(t *testing.T) {
	year := lastYear(t)
	base, log := serve(t, emulator.Options{}, nil)
	rows, cp, unchanged, err := read(t, Config{BaseURL: base}, nil)
	if err != nil || unchanged {
		t.Fatal(err, unchanged)
	}
	checkPaging(t, log.all())
	kinds := map[int]string{}
	years := map[int]bool{}
	levels := map[string]bool{}
	for _, r := range rows {
		kinds[r.Table] = r.Kind
		years[r.Year] = true
		levels[r.Level] = true
		if r.Table == 151 && (r.Measure != "participation" || r.Gender != "all") {
			t.Fatalf("151 row %+v", r)
		}
		if r.Level == "school" {
			t.Fatalf("school row at municipality level: %+v", r)
		}
	}
	if kinds[148] != "indicator" || kinds[150] != "bullying" || kinds[151] != "participation" {
		t.Errorf("kinds %v", kinds)
	}
	if len(years) != 2 || !years[year] || !years[year-1] {
		t.Errorf("years %v, want %d and %d", years, year-1, year)
	}
	if !levels["nation"] || !levels["county"] || !levels["municipality"] {
		t.Errorf("levels %v", levels)
	}
	// The nation's 7th grade participation: respondents over enrolled,
	// counted here from the files.
	resp, enrolled := map[string]bool{}, 0
	readTable(t, "survey_responses", func(r arrow.RecordBatch) {
		for i := range int(r.NumRows()) {
			if int(r.Column(1).(*array.Int32).Value(i)) == year && r.Column(3).(*array.Int32).Value(i) == 7 {
				resp[r.Column(0).(*array.String).Value(i)] = true
			}
		}
	})
	readTable(t, "enrolments", func(r arrow.RecordBatch) {
		for i := range int(r.NumRows()) {
			if int(r.Column(1).(*array.Int32).Value(i)) == year && r.Column(2).(*array.Int32).Value(i) == 7 {
				enrolled++
			}
		}
	})
	for _, r := range rows {
		if r.Table == 151 && r.Level == "nation" && r.Year == year && r.Grade == 7 {
			want := map[string]float64{"invited": float64(enrolled), "answered": float64(len(resp)), "share_participated": 100 * float64(len(resp)) / float64(enrolled)}[r.Statistic]
			if math.Abs(r.Value-want) > 0.05+1e-9 {
				t.Errorf("nation %s %v, want %v", r.Statistic, r.Value, want)
			}
		}
	}

	before := len(log.all())
	rows2, cp2, unchanged, err := read(t, Config{BaseURL: base}, cp)
	if err != nil || !unchanged || len(rows2) != 0 || string(cp2) != string(cp) {
		t.Errorf("second read: %d rows, unchanged %v, err %v", len(rows2), unchanged, err)
	}
	if len(log.all()) == before {
		t.Error("second read asked nothing")
	}
}

// TestIndikatorAccepted: the drifted name of Spoersmaalgruppe loads.
func TestIndikatorAccepted(t *testing.T) {
	base, _ := serve(t, emulator.Options{Drift: true}, nil)
	rows, _, _, err := read(t, Config{BaseURL: base, Tables: []int{148, 150}, Years: []int{lastYear(t)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]string{}
	for _, r := range rows {
		groups[r.Measure] = r.Group
	}
	if groups["EUIndeks_1379"] != "Trivsel" || groups["EUIndeks_1398"] != "Mobbing på skolen (%)" {
		t.Errorf("groups %v", groups)
	}
}

// TestUnrecoverableDrift: with drift, 151 calls AndelDeltatt otherwise,
// and the read fails naming the field.
func TestUnrecoverableDrift(t *testing.T) {
	base, _ := serve(t, emulator.Options{Drift: true}, nil)
	_, _, _, err := read(t, Config{BaseURL: base, Years: []int{lastYear(t)}}, nil)
	var pe *connectors.PayloadError
	if !errors.As(err, &pe) || pe.Field != "[0].AndelDeltatt" || !strings.Contains(pe.Endpoint, "/151/data") || len(pe.Payload) == 0 {
		t.Fatalf("err %v, want a PayloadError on [0].AndelDeltatt of 151", err)
	}
}

// TestMissingField: a data page without AntallBesvart is a PayloadError
// naming the field, the endpoint and the table, with the payload.
func TestMissingField(t *testing.T) {
	base, _ := serve(t, emulator.Options{}, func(r *http.Request, body []byte) []byte {
		if strings.HasSuffix(r.URL.Path, "/150/data") {
			return bytes.ReplaceAll(body, []byte(`"AntallBesvart"`), []byte(`"AntallSvar"`))
		}
		return body
	})
	_, _, _, err := read(t, Config{BaseURL: base, Tables: []int{150}, Years: []int{lastYear(t)}}, nil)
	var pe *connectors.PayloadError
	if !errors.As(err, &pe) || pe.Field != "[0].AntallBesvart" || !strings.Contains(pe.Endpoint, "/150/data?") ||
		!strings.Contains(err.Error(), "table 150") || !bytes.Contains(pe.Payload, []byte("AntallSvar")) {
		t.Fatalf("err %v, want a PayloadError on [0].AntallBesvart", err)
	}
}

// TestPastTheEnd: when sideData says one page too many, the extra page is
// the last one again; the read fails instead of counting it twice.
func TestPastTheEnd(t *testing.T) {
	base, _ := serve(t, emulator.Options{}, func(r *http.Request, body []byte) []byte {
		if strings.HasSuffix(r.URL.Path, "/sideData") {
			i := bytes.Index(body, []byte(`"JSONSider":`)) + len(`"JSONSider":`)
			j := i + bytes.IndexAny(body[i:], ",}")
			n, _ := strconv.Atoi(string(body[i:j]))
			return append(append(append([]byte{}, body[:i]...), strconv.Itoa(n+1)...), body[j:]...)
		}
		return body
	})
	_, _, _, err := read(t, Config{BaseURL: base, Tables: []int{150}, Years: []int{lastYear(t)}}, nil)
	var pe *connectors.PayloadError
	if !errors.As(err, &pe) || !strings.Contains(pe.Field, "Sidenummer") {
		t.Fatalf("err %v, want a PayloadError on Sidenummer", err)
	}
}

// TestCommaFilter: the API refuses values joined with a comma with its
// real body; the connector joins with "_" (the reads above).
func TestCommaFilter(t *testing.T) {
	base, _ := serve(t, emulator.Options{}, nil)
	resp, err := http.Get(base + "/148/data?filter=" + url.QueryEscape("TidID(202412)_EnhetID(-12,-500)") + "&format=0&sideNummer=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"kode":400,"feiltype":"Feil i forespørselen","melding":"Feil format på filtrene!","tilleggsinfo":"Vennligst se API-dokumentasjonen på https://statistikkportalen.udir.no/api/rapportering/swagger"}`
	if resp.StatusCode != 400 || string(body) != want {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
}

func TestCheck(t *testing.T) {
	base, _ := serve(t, emulator.Options{}, nil)
	src, _ := New(Config{BaseURL: base}, emulatortest.Client())
	if ep, err := src.Check(context.Background()); err != nil || ep != base {
		t.Errorf("Check: %s %v", ep, err)
	}
	src, _ = New(Config{BaseURL: base, Tables: []int{999}}, emulatortest.Client())
	var pe *connectors.PayloadError
	if _, err := src.Check(context.Background()); !errors.As(err, &pe) {
		t.Errorf("Check of an unlisted table: %v", err)
	}
}

func TestNew(t *testing.T) {
	c := emulatortest.Client()
	for _, cfg := range []Config{
		{Level: "county"}, {Tables: []int{148, 148}}, {Tables: []int{-1}}, {Years: []int{24}},
		{Owners: []string{"municipal"}}, {Genders: []string{"K"}},
	} {
		if _, err := New(cfg, c); err == nil {
			t.Errorf("New(%+v): no error", cfg)
		}
	}
	if _, err := New(Config{}, nil); err == nil {
		t.Error("no client: no error")
	}
	f, ok := connectors.Default.Lookup(Stream)
	if !ok {
		t.Fatal("not registered")
	}
	cfg := f.New().(*Config)
	if cfg.BaseURL != DefaultBaseURL || fmt.Sprint(cfg.Tables) != "[148 150 151]" || cfg.Level != LevelMunicipality || cfg.Items {
		t.Errorf("defaults %+v", cfg)
	}
}
