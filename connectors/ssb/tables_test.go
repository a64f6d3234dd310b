package ssb

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/connectors/ssb/jsonstat"
	"github.com/skolestat/skolestat/internal/emulator"
)

// TestDefinitions: each default table says its region variable and
// nation, a unit for every content, and marks only variables it selects.
func TestDefinitions(t *testing.T) {
	nation := map[string]string{"Region": "0", "KOKkommuneregion0000": "EAK"}
	seen := map[string]bool{}
	for i, tb := range Tables() {
		q := DefaultTables()[i]
		if seen[tb.ID] || q.ID != tb.ID {
			t.Errorf("table %s twice, or out of order", tb.ID)
		}
		seen[tb.ID] = true
		if nation[tb.Region] == "" || tb.Nation != nation[tb.Region] {
			t.Errorf("%s: region variable %q, nation %q", tb.ID, tb.Region, tb.Nation)
		}
		if !slices.Equal(q.ValueCodes[tb.Region], []string{"*"}) || !slices.Equal(q.ValueCodes["Tid"], []string{"*"}) {
			t.Errorf("%s: regions %v, periods %v; want every one", tb.ID, q.ValueCodes[tb.Region], q.ValueCodes["Tid"])
		}
		if len(tb.Contents) == 0 || len(q.ValueCodes["ContentsCode"]) != len(tb.Contents) {
			t.Errorf("%s: contents %v, selected %v", tb.ID, tb.Contents, q.ValueCodes["ContentsCode"])
		}
		for _, c := range tb.Contents {
			if c.Code == "" || c.Unit == "" || !slices.Contains(q.ValueCodes["ContentsCode"], c.Code) {
				t.Errorf("%s: content %+v", tb.ID, c)
			}
		}
		for _, v := range tb.Unverified {
			if _, ok := q.ValueCodes[v]; !ok || v == tb.Region || v == "Tid" {
				t.Errorf("%s: %s is marked UNVERIFIED but its codes are not chosen here", tb.ID, v)
			}
		}
	}
	for _, id := range []string{"07459", "11980", "12255", "12222", "09429", "12367"} {
		if !seen[id] {
			t.Errorf("table %s is not a default", id)
		}
	}
}

// TestNightlyWithBlock: the with: block given for pipelines/nightly.yaml
// decodes to the defaults.
func TestNightlyWithBlock(t *testing.T) {
	raw, err := os.ReadFile("testdata/nightly-with.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Tables, DefaultTables()) {
		t.Errorf("the with: block decodes to\n%+v\nthe defaults are\n%+v", cfg.Tables, DefaultTables())
	}
}

// guessServer serves the emulator, and, while wrong is set, 11980's
// metadata with grade 5 coded "5" instead of the guessed "05": the guess
// proved wrong. It counts the data requests.
func guessServer(t *testing.T) (base string, wrong *atomic.Bool, data *atomic.Int32) {
	t.Helper()
	em, _ := emulate(t, emulator.Options{})
	wrong, data = &atomic.Bool{}, &atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/data") {
			data.Add(1)
		}
		if !wrong.Load() || !strings.HasSuffix(r.URL.Path, "/tables/11980/metadata") {
			em.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		em.ServeHTTP(rec, r)
		w.WriteHeader(rec.Code)
		w.Write(bytes.ReplaceAll(rec.Body.Bytes(), []byte(`"05"`), []byte(`"5"`)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + emulator.SSBPrefix, wrong, data
}

// TestWrongGuessFailsLoudly: a default code the metadata lacks is a
// PayloadError naming the table and the variable, before any data is
// fetched, and also when a checkpoint says nothing changed.
func TestWrongGuessFailsLoudly(t *testing.T) {
	base, wrong, data := guessServer(t)
	_, b, err := readRows(t, Config{BaseURL: base}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cp := b.Checkpoint()
	wrong.Store(true)
	for _, from := range []connectors.Checkpoint{nil, cp} {
		before := data.Load()
		_, _, err := readRows(t, Config{BaseURL: base}, from)
		var pe *connectors.PayloadError
		if !errors.As(err, &pe) {
			t.Fatalf("from checkpoint %v: got %v; want a PayloadError", from != nil, err)
		}
		msg := pe.Error()
		if pe.Field != "/dimension/Trinn/category/index" || !strings.Contains(pe.Endpoint, "/tables/11980/metadata") ||
			!strings.Contains(msg, "table 11980, variable Trinn") || !strings.Contains(msg, `no value "05"`) ||
			!strings.Contains(msg, "UNVERIFIED") || len(pe.Payload) == 0 || !pe.BadInput() {
			t.Errorf("PayloadError %q, field %q, endpoint %q, %d payload bytes", msg, pe.Field, pe.Endpoint, len(pe.Payload))
		}
		if n := data.Load() - before; n != 0 {
			t.Errorf("%d data requests before the selection was checked", n)
		}
	}
}

// TestMissingCodesNamed: codes and patterns a table lacks, in a selection
// of the config, are PayloadErrors naming table and variable.
func TestMissingCodesNamed(t *testing.T) {
	_, base := emulate(t, emulator.Options{})
	base += emulator.SSBPrefix
	accounts := func(variable string, codes ...string) []TableQuery {
		q := Tables()[5].Query()
		if q.ID != "12367" {
			t.Fatalf("table %s", q.ID)
		}
		q.ValueCodes[variable] = codes
		return []TableQuery{DefaultTables()[0], q}
	}
	for _, c := range []struct {
		name      string
		tables    []TableQuery
		variable  string
		msg, hint string
	}{
		{"a function", accounts("KOKfunksjon0000", "201"), "KOKfunksjon0000", `no value "201"`, "UNVERIFIED"},
		{"a pattern", accounts("KOKart0000", "X*"), "KOKart0000", `"X*" matches no value`, "UNVERIFIED"},
		{"a range end", accounts("KOKregnskapsomfa0000", "[range(A,C)]"), "KOKregnskapsomfa0000", `no value "C"`, "UNVERIFIED"},
		{"a content of a verified table", []TableQuery{{ID: "07459", ValueCodes: map[string][]string{"Region": {"0"}, "ContentsCode": {"Personer"}, "Tid": {"*"}}}},
			"ContentsCode", `no value "Personer"`, "has the table changed?"},
	} {
		_, _, err := readRows(t, Config{BaseURL: base, Tables: c.tables}, nil)
		var pe *connectors.PayloadError
		id := c.tables[len(c.tables)-1].ID
		if !errors.As(err, &pe) || pe.Field != "/dimension/"+c.variable+"/category/index" ||
			!strings.Contains(pe.Error(), "table "+id+", variable "+c.variable+": "+c.msg) || !strings.Contains(pe.Error(), c.hint) {
			t.Errorf("%s: got %v; want a PayloadError naming table %s and %s: %s", c.name, err, id, c.variable, c.msg)
		}
	}
}

// TestSplitNewTables: 12222, 09429 and 12367 cut far under their size
// give the rows of one request each.
func TestSplitNewTables(t *testing.T) {
	em, _ := emulate(t, emulator.Options{})
	rs := record(t, em)
	tables := DefaultTables()[3:]
	want, _, err := readRows(t, Config{BaseURL: rs.URL + emulator.SSBPrefix, Tables: tables}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if urls, _ := rs.dataRequests(); len(urls) != 3 {
		t.Fatalf("%d data requests, want one per table", len(urls))
	}
	const maxCells = 300
	got, _, err := readRows(t, Config{BaseURL: rs.URL + emulator.SSBPrefix, Tables: tables, MaxCells: maxCells}, nil)
	if err != nil {
		t.Fatal(err)
	}
	urls, bodies := rs.dataRequests()
	urls, bodies = urls[3:], bodies[3:]
	perTable := map[string]int{}
	for i, b := range bodies {
		doc, err := jsonstat.Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", urls[i], err)
		}
		if n := doc.Datasets[0].Cells(); n > maxCells {
			t.Errorf("%s: %d cells", urls[i], n)
		}
		id, _, _ := strings.Cut(strings.TrimPrefix(urls[i], emulator.SSBPrefix+"/tables/"), "/")
		perTable[id]++
	}
	for _, id := range []string{"12222", "09429", "12367"} {
		if perTable[id] < 2 {
			t.Errorf("table %s in %d requests; want it split (%v)", id, perTable[id], perTable)
		}
	}
	if len(want) < 1000 || !reflect.DeepEqual(got, want) {
		t.Errorf("split: %d rows, one request each: %d", len(got), len(want))
	}
}
