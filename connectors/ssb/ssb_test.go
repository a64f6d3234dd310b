package ssb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/connectors/ssb/jsonstat"
	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/internal/emulator/emulatortest"
)

// nation is a small simulated nation, generated once for the package.
var nation string

func TestMain(m *testing.M) { emulatortest.Main(m, &nation, 7, 0.02) }

// recorded serves h and keeps the URL and body of every answer.
type recorded struct {
	*httptest.Server
	mu     sync.Mutex
	urls   []string
	bodies [][]byte
}

func (r *recorded) dataRequests() (urls []string, bodies [][]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, u := range r.urls {
		if strings.Contains(u, "/data?") {
			urls, bodies = append(urls, u), append(bodies, r.bodies[i])
		}
	}
	return urls, bodies
}

func record(t *testing.T, h http.Handler) *recorded {
	t.Helper()
	rs := &recorded{}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		rs.mu.Lock()
		rs.urls, rs.bodies = append(rs.urls, r.URL.String()), append(rs.bodies, rec.Body.Bytes())
		rs.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(rs.Close)
	return rs
}

func emulate(t *testing.T, opt emulator.Options) (*emulator.Server, string) {
	t.Helper()
	srv, em := emulatortest.Serve(t, nation, opt)
	return em, srv.URL
}

// row is a record of the stream; key names the cell.
type row struct {
	Region, Period, Contents string
	Value                    *float64
	Status, Symbol           string
}

// cellKey is the table and the dimensions sorted by name, from the JSON.
func cellKey(t *testing.T, table, dims string) string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(dims), &m); err != nil {
		t.Fatalf("dimensions %q: %v", dims, err)
	}
	var parts []string
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return table + "|" + strings.Join(parts, "|")
}

func readRows(t *testing.T, cfg Config, from connectors.Checkpoint) (map[string]row, connectors.Batches, error) {
	t.Helper()
	src, err := New(cfg, emulatortest.Client())
	if err != nil {
		t.Fatal(err)
	}
	b, err := src.Read(context.Background(), Stream, from)
	if err != nil {
		return nil, nil, err
	}
	t.Cleanup(func() { b.Close() })
	out := map[string]row{}
	str := func(a *array.String, i int) string {
		if a.IsNull(i) {
			return ""
		}
		return a.Value(i)
	}
	for b.Next() {
		r := b.RecordBatch()
		if !r.Schema().Equal(Schema) {
			t.Fatalf("schema %s", r.Schema())
		}
		for i := 0; i < int(r.NumRows()); i++ {
			c := func(k int) *array.String { return r.Column(k).(*array.String) }
			x := row{Region: str(c(1), i), Period: str(c(2), i), Contents: str(c(3), i), Status: c(6).Value(i), Symbol: str(c(7), i)}
			if v := r.Column(5).(*array.Float64); v.IsValid(i) {
				f := v.Value(i)
				x.Value = &f
			}
			k := cellKey(t, c(0).Value(i), c(4).Value(i))
			if _, dup := out[k]; dup {
				t.Fatalf("cell %s twice", k)
			}
			out[k] = x
		}
	}
	return out, b, b.Err()
}

// emulatorRows asks the emulator itself for every cell of the default
// tables, one request each, and reads them with jsonstat alone.
func emulatorRows(t *testing.T, base string) map[string]row {
	t.Helper()
	queries := map[string]string{
		"07459": "valueCodes[Region]=*&valueCodes[Kjonn]=*&valueCodes[Alder]=[range(006,015)]&valueCodes[ContentsCode]=Personer1&valueCodes[Tid]=*",
		"12255": "valueCodes[KOKkommuneregion0000]=*&valueCodes[ContentsCode]=*&valueCodes[Tid]=*",
		"11980": "valueCodes[Region]=*&valueCodes[Trinn]=*&valueCodes[ContentsCode]=*&valueCodes[Tid]=*",
		"12222": "valueCodes[KOKkommuneregion0000]=*&valueCodes[ContentsCode]=*&valueCodes[Tid]=*",
		"09429": "valueCodes[Region]=*&valueCodes[Nivaa]=*&valueCodes[ContentsCode]=Personer&valueCodes[Tid]=*",
		"12367": "valueCodes[KOKkommuneregion0000]=*&valueCodes[KOKregnskapsomfa0000]=A&valueCodes[KOKfunksjon0000]=202&valueCodes[KOKart0000]=AGD2&valueCodes[ContentsCode]=*&valueCodes[Tid]=*",
	}
	out := map[string]row{}
	for table, q := range queries {
		resp, err := http.Get(base + "/tables/" + table + "/data?lang=no&outputFormat=json-stat2&" + q)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		doc, err := jsonstat.Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		err = doc.Datasets[0].Flatten(func(r *jsonstat.Row) error {
			parts := []string{}
			x := row{Symbol: r.Status, Status: map[string]string{"": "ok", ":": "suppressed", "..": "missing", ".": "not_applicable"}[r.Status]}
			for d, id := range doc.Datasets[0].ID {
				parts = append(parts, id+"="+r.ID[d])
				switch id {
				case "Region", "KOKkommuneregion0000":
					x.Region = r.ID[d]
				case "Tid":
					x.Period = r.ID[d]
				case "ContentsCode":
					x.Contents = r.ID[d]
				}
			}
			if r.Kind == jsonstat.KindNumber {
				v := r.Value
				x.Value = &v
			}
			sort.Strings(parts)
			out[table+"|"+strings.Join(parts, "|")] = x
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestRowsAreTheEmulatorsCells(t *testing.T) {
	_, base := emulate(t, emulator.Options{})
	base += emulator.SSBPrefix
	got, _, err := readRows(t, Config{BaseURL: base}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := emulatorRows(t, base)
	if len(got) != len(want) || len(want) < 100_000 {
		t.Fatalf("%d rows, the emulator has %d cells", len(got), len(want))
	}
	statuses := map[string]int{}
	regions := map[string]bool{} // table|region
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Fatalf("cell %s missing", k)
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("cell %s: got %+v, the emulator has %+v", k, g, w)
		}
		table, _, _ := strings.Cut(k, "|")
		statuses[g.Status+" "+g.Symbol]++
		statuses[table+" "+g.Status+" "+g.Symbol]++
		regions[table+"|"+g.Region] = true
		if (g.Value == nil) != (g.Status != "ok") {
			t.Fatalf("cell %s: value %v with status %s", k, g.Value, g.Status)
		}
	}
	for _, s := range []string{"ok ", "suppressed :", "missing ..", "not_applicable .",
		// the new tables' symbols, each as its table sends it
		"12222 suppressed :", "12367 missing ..", "12255 missing ..", "09429 not_applicable ."} {
		if statuses[s] == 0 {
			t.Errorf("no cell with status and symbol %q: %v", s, statuses)
		}
	}
	// Every default table is read, with its nation's code in the region
	// column: 0 for Region, EAK (and EAKUO) for KOKkommuneregion0000.
	for _, tb := range Tables() {
		nations := map[string][]string{"Region": {"0"}, "KOKkommuneregion0000": {"EAK", "EAKUO"}}[tb.Region]
		if len(nations) == 0 || nations[0] != tb.Nation {
			t.Errorf("table %s: region variable %s with the nation %q", tb.ID, tb.Region, tb.Nation)
		}
		for _, n := range nations {
			if !regions[tb.ID+"|"+n] {
				t.Errorf("table %s: no row of region %s", tb.ID, n)
			}
		}
	}
}

// TestSplitGivesTheSameRows: with max_cells far below the selection, the
// requests are cut (each under max_cells and the URL limit) and the rows
// are those of one request per table.
func TestSplitGivesTheSameRows(t *testing.T) {
	em, _ := emulate(t, emulator.Options{})
	whole := record(t, em)
	want, _, err := readRows(t, Config{BaseURL: whole.URL + emulator.SSBPrefix}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if urls, _ := whole.dataRequests(); len(urls) != len(DefaultTables()) {
		t.Errorf("%d data requests for the defaults; want one per table", len(urls))
	}
	em2, _ := emulate(t, emulator.Options{})
	split := record(t, em2)
	const maxCells = 12_000
	got, _, err := readRows(t, Config{BaseURL: split.URL + emulator.SSBPrefix, MaxCells: maxCells}, nil)
	if err != nil {
		t.Fatal(err)
	}
	urls, bodies := split.dataRequests()
	if len(urls) < 10 {
		t.Errorf("%d data requests; want the tables split", len(urls))
	}
	for i, b := range bodies {
		doc, err := jsonstat.Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", urls[i], err)
		}
		if n := doc.Datasets[0].Cells(); n > maxCells || len(urls[i]) > maxURL {
			t.Errorf("%s: %d cells, URL %d characters", urls[i], n, len(urls[i]))
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("split: %d rows, one request each: %d; equal: false", len(got), len(want))
	}
}

func TestSameRowsUnderFaults(t *testing.T) {
	_, clean := emulate(t, emulator.Options{})
	want, _, err := readRows(t, Config{BaseURL: clean + emulator.SSBPrefix, MaxCells: 20_000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	em, faulty := emulate(t, emulator.Options{Faults: emulator.Faults{Failure: 0.04, RateLimit: 0.03, Truncate: 0.03, Seed: 11}})
	got, _, err := readRows(t, Config{BaseURL: faulty + emulator.SSBPrefix, MaxCells: 20_000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	counts := em.FaultCounts()
	if counts["none"] == 0 || counts["429"] == 0 || counts["truncate"] == 0 || counts["500"]+counts["502"]+counts["503"] == 0 {
		t.Errorf("faults injected: %v; want some of every kind", counts)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("under faults: %d rows, want the %d of a clean read", len(got), len(want))
	}
	t.Logf("faults: %v", counts)
}

func TestDriftFailsWithAPayloadError(t *testing.T) {
	_, base := emulate(t, emulator.Options{Drift: true})
	_, _, err := readRows(t, Config{BaseURL: base + emulator.SSBPrefix}, nil)
	var pe *connectors.PayloadError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v; want a PayloadError", err)
	}
	if pe.Field != "/value" || !strings.Contains(pe.Endpoint, "/tables/07459/metadata") || len(pe.Payload) == 0 || !pe.BadInput() {
		t.Errorf("PayloadError %q (field %q, endpoint %q, %d payload bytes)", pe, pe.Field, pe.Endpoint, len(pe.Payload))
	}
	src, err := New(Config{BaseURL: base + emulator.SSBPrefix}, emulatortest.Client())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Check(context.Background()); !errors.As(err, &pe) {
		t.Errorf("check under drift: %v; want a PayloadError", err)
	}
	_, clean := emulate(t, emulator.Options{})
	src, err = New(Config{BaseURL: clean + emulator.SSBPrefix}, emulatortest.Client())
	if err != nil {
		t.Fatal(err)
	}
	if endpoint, err := src.Check(context.Background()); err != nil || !strings.HasSuffix(endpoint, "/tables/07459/metadata?lang=no&outputFormat=json-stat2") {
		t.Errorf("check: %s %v", endpoint, err)
	}
}

// fakeTable serves one table "1": metadata with Region (a, b), ContentsCode
// (X) and Tid (2020), and the given data document's value and status.
func fakeTable(t *testing.T, value, status string) string {
	t.Helper()
	dims := `"id":["Region","ContentsCode","Tid"],"size":[2,1,1],"role":{"time":["Tid"],"metric":["ContentsCode"]},
	"dimension":{"Region":{"label":"region","category":{"index":{"a":0,"b":1}},"extension":{"elimination":true}},
	"ContentsCode":{"label":"c","category":{"index":{"X":0},"unit":{"X":{"base":"n","decimals":0}}},"extension":{"elimination":false}},
	"Tid":{"label":"år","category":{"index":{"2020":0}},"extension":{"elimination":false}}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/metadata") {
			fmt.Fprintf(w, `{"version":"2.0","class":"dataset","updated":"2025-01-01T00:00:00Z",%s,"value":[]}`, dims)
			return
		}
		if status != "" {
			status = `,"status":` + status
		}
		fmt.Fprintf(w, `{"version":"2.0","class":"dataset",%s,"value":%s%s}`, dims, value, status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCellsChecked(t *testing.T) {
	table := []TableQuery{{ID: "1", ValueCodes: map[string][]string{"Region": {"*"}, "ContentsCode": {"X"}, "Tid": {"2020"}}}}
	for _, c := range []struct {
		name, value, status string
		field               string // of the PayloadError; "" = no error
		second              row
	}{
		{"suppressed", `[1,null]`, `{"1":":"}`, "", row{Region: "b", Period: "2020", Contents: "X", Status: "suppressed", Symbol: ":"}},
		{"not applicable", `[1,null]`, `["","."]`, "", row{Region: "b", Period: "2020", Contents: "X", Status: "not_applicable", Symbol: "."}},
		{"missing, every cell", `[null,null]`, `".."`, "", row{Region: "b", Period: "2020", Contents: "X", Status: "missing", Symbol: ".."}},
		{"null without a symbol", `[1,null]`, ``, "/value/1", row{}},
		{"null with another symbol", `[1,null]`, `{"1":"e"}`, "/status/1", row{}},
		{"a number said to be suppressed", `[1,2]`, `{"1":":"}`, "/status/1", row{}},
		{"a value too few", `[1]`, ``, "/value", row{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := readRows(t, Config{BaseURL: fakeTable(t, c.value, c.status), Tables: table}, nil)
			var pe *connectors.PayloadError
			if c.field != "" {
				if !errors.As(err, &pe) || pe.Field != c.field || !strings.Contains(pe.Endpoint, "/tables/1/data?") {
					t.Fatalf("got %v; want a PayloadError at %s", err, c.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g := got[`1|ContentsCode=X|Region=b|Tid=2020`]; !reflect.DeepEqual(g, c.second) {
				t.Errorf("cell b: %+v, want %+v", g, c.second)
			}
		})
	}
}

func TestSelectionChecked(t *testing.T) {
	base := fakeTable(t, `[1,2]`, ``)
	for _, c := range []struct {
		name  string
		codes map[string][]string
		want  string
	}{
		{"no Tid", map[string][]string{"ContentsCode": {"X"}}, "Tid cannot be left out"},
		{"unknown variable", map[string][]string{"Kommune": {"*"}, "ContentsCode": {"X"}, "Tid": {"*"}}, "no variable Kommune"},
		{"unknown code", map[string][]string{"Region": {"c"}, "ContentsCode": {"X"}, "Tid": {"*"}}, `no value "c"`},
		{"repeated code", map[string][]string{"Region": {"a", "[range(a,b)]"}, "ContentsCode": {"X"}, "Tid": {"*"}}, `"a" selected twice`},
		{"bad expression", map[string][]string{"Region": {"top(x)"}, "ContentsCode": {"X"}, "Tid": {"*"}}, "want top(n)"},
	} {
		_, _, err := readRows(t, Config{BaseURL: base, Tables: []TableQuery{{ID: "1", ValueCodes: c.codes}}}, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v; want %q", c.name, err, c.want)
		}
	}
	if _, err := New(Config{MaxCells: DefaultMaxCells + 1}, emulatortest.Client()); err == nil {
		t.Error("max_cells above SSB's limit accepted")
	}
}

// TestSplitKeepsURLsShort: a selection of every other code of a large
// variable is cut until each URL fits, and the requests cover it exactly.
func TestSplitKeepsURLsShort(t *testing.T) {
	var codes []string
	for i := range 1200 {
		codes = append(codes, fmt.Sprintf("K%04d", i))
	}
	idx, _ := json.Marshal(codes)
	doc := fmt.Sprintf(`{"version":"2.0","class":"dataset","id":["Region","ContentsCode","Tid"],"size":[1200,1,3],
	"role":{"time":["Tid"],"metric":["ContentsCode"]},"dimension":{"Region":{"category":{"index":%s}},
	"ContentsCode":{"category":{"index":["X"]}},"Tid":{"category":{"index":["2020","2021","2022"]}}},"value":[]}`, idx)
	ds, err := document("test", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	m := &metadata{id: "T", endpoint: "https://data.ssb.no/api/pxwebapi/v2/tables/T/metadata?lang=no&outputFormat=json-stat2", ds: ds}
	var every2 []string
	for i := 0; i < 1200; i += 2 {
		every2 = append(every2, codes[i])
	}
	reqs, err := m.plan(TableQuery{ID: "T", ValueCodes: map[string][]string{"Region": every2, "ContentsCode": {"X"}, "Tid": {"*"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.dataURL(reqs[0])) <= maxURL {
		t.Fatalf("the test needs a URL over %d characters", maxURL)
	}
	const maxCells = 500
	reqs, err = m.split(reqs, maxCells)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range reqs {
		if u := m.dataURL(r); len(u) > maxURL || r.cells() > maxCells {
			t.Errorf("a request of %d cells, URL %d characters", r.cells(), len(u))
		}
		for _, p := range r.pos[0] {
			for _, y := range r.pos[2] {
				seen[fmt.Sprint(codes[p], y)]++
			}
		}
	}
	if len(seen) != 600*3 {
		t.Errorf("%d cells covered, want %d", len(seen), 600*3)
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("cell %s in %d requests", k, n)
		}
	}
	// Runs of codes are sent as ranges, all codes as *.
	if got := m.selection("Region", []int{0, 1, 2, 3, 7, 9, 10}); got != "[range(K0000,K0003)],K0007,K0009,K0010" {
		t.Errorf("selection %q", got)
	}
	if got := m.selection("Tid", []int{0, 1, 2}); got != "*" {
		t.Errorf("selection of every period %q", got)
	}
}

func TestUnchangedFromTheCheckpoint(t *testing.T) {
	em, _ := emulate(t, emulator.Options{})
	rs := record(t, em)
	cfg := Config{BaseURL: rs.URL + emulator.SSBPrefix}
	first, b, err := readRows(t, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	cp := b.Checkpoint()
	before, _ := rs.dataRequests()
	again, b2, err := readRows(t, cfg, cp)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := rs.dataRequests()
	if !b2.(connectors.Unchanger).Unchanged() || len(again) != 0 || len(after) != len(before) || len(first) == 0 {
		t.Errorf("second read: unchanged %v, %d rows, %d more data requests", b2.(connectors.Unchanger).Unchanged(), len(again), len(after)-len(before))
	}
	// Another selection is read again.
	cfg.Tables = DefaultTables()[:1]
	cfg.Tables[0].ValueCodes["Tid"] = []string{"top(1)"}
	newest := ""
	for _, r := range first {
		newest = max(newest, r.Period)
	}
	want := map[string]row{}
	for k, r := range first {
		if strings.HasPrefix(k, "07459|") && r.Period == newest {
			want[k] = r
		}
	}
	third, b3, err := readRows(t, cfg, cp)
	if err != nil || b3.(connectors.Unchanger).Unchanged() || len(want) == 0 || !reflect.DeepEqual(third, want) {
		t.Errorf("new selection: err %v, %d rows, want %d", err, len(third), len(want))
	}
}

// TestEliminatedVariable: a variable left out of the selection (Trinn,
// eliminable) is summed away by SSB: the row has no Trinn and holds the sum
// of the grades' rows.
func TestEliminatedVariable(t *testing.T) {
	_, base := emulate(t, emulator.Options{})
	base += emulator.SSBPrefix
	codes := map[string][]string{"Region": {"0"}, "Trinn": {"*"}, "ContentsCode": {"Elever"}, "Tid": {"top(1)"}}
	grades, _, err := readRows(t, Config{BaseURL: base, Tables: []TableQuery{{ID: "11980", ValueCodes: codes}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum, period := 0.0, ""
	for _, r := range grades {
		sum, period = sum+*r.Value, r.Period
	}
	delete(codes, "Trinn")
	total, _, err := readRows(t, Config{BaseURL: base, Tables: []TableQuery{{ID: "11980", ValueCodes: codes}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]row{"11980|ContentsCode=Elever|Region=0|Tid=" + period: {Region: "0", Period: period, Contents: "Elever", Value: &sum, Status: "ok"}}
	if len(grades) != 10 || !reflect.DeepEqual(total, want) {
		t.Errorf("without Trinn: %+v; want %+v (the sum of %d grade rows)", total, want, len(grades))
	}
}
