package nsr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/connectors/microdata"
	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/internal/emulator/emulatortest"
)

// nation is a small simulated nation, generated once for the package.
var nation string

func TestMain(m *testing.M) { emulatortest.Main(m, &nation, 7, 0.02) }

// school is what the test expects of a school, read from the simulated
// schools file by the microdata reader (not through NSR).
type school struct {
	Muni     string
	Private  bool
	From, To int32
}

func simulatedSchools(t *testing.T) map[string]school {
	t.Helper()
	out := map[string]school{}
	err := microdata.Each(context.Background(), nation, "schools", func(r arrow.RecordBatch) error {
		for i := 0; i < int(r.NumRows()); i++ {
			out[strings.Clone(r.Column(0).(*array.String).Value(i))] = school{
				Muni: strings.Clone(r.Column(2).(*array.String).Value(i)), Private: !r.Column(3).(*array.Boolean).Value(i),
				From: r.Column(4).(*array.Int32).Value(i), To: r.Column(5).(*array.Int32).Value(i),
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func serve(t *testing.T, opt emulator.Options) *httptest.Server {
	srv, _ := serveEmulator(t, opt)
	return srv
}

func serveEmulator(t *testing.T, opt emulator.Options) (*httptest.Server, *emulator.Server) {
	t.Helper()
	return emulatortest.Serve(t, nation, opt)
}

// read runs the connector and returns its rows by orgnr.
func read(t *testing.T, cfg Config) (map[string]school, error) {
	t.Helper()
	src, err := New(cfg, emulatortest.Client())
	if err != nil {
		t.Fatal(err)
	}
	b, err := src.Read(context.Background(), Stream, nil)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	out := map[string]school{}
	for b.Next() {
		r := b.RecordBatch()
		if !r.Schema().Equal(Schema) {
			t.Fatalf("schema %s", r.Schema())
		}
		for i := 0; i < int(r.NumRows()); i++ {
			out[r.Column(0).(*array.String).Value(i)] = school{
				Muni: r.Column(2).(*array.String).Value(i), Private: r.Column(4).(*array.Boolean).Value(i),
				From: r.Column(5).(*array.Int32).Value(i), To: r.Column(6).(*array.Int32).Value(i),
			}
		}
	}
	return out, b.Err()
}

func TestReadsEverySimulatedSchool(t *testing.T) {
	want := simulatedSchools(t)
	srv := serve(t, emulator.Options{})
	got, err := read(t, Config{BaseURL: srv.URL + emulator.NSRPrefix, PageSize: 37, Details: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 50 || !reflect.DeepEqual(got, want) {
		t.Errorf("NSR gave %d schools, the simulated nation has %d; equal: %v", len(got), len(want), reflect.DeepEqual(got, want))
	}
}

// TestSameRowsUnderFaults: with a tenth of the requests failing in every
// way the emulator knows, the connector returns exactly the clean rows.
func TestSameRowsUnderFaults(t *testing.T) {
	want := simulatedSchools(t)
	srv, em := serveEmulator(t, emulator.Options{Faults: emulator.Faults{Failure: 0.04, RateLimit: 0.03, Truncate: 0.03, Seed: 3}})
	got, err := read(t, Config{BaseURL: srv.URL + emulator.NSRPrefix, PageSize: 50, Details: true})
	if err != nil {
		t.Fatal(err)
	}
	counts := em.FaultCounts()
	if counts["429"] == 0 || counts["truncate"] == 0 || counts["500"]+counts["502"]+counts["503"] == 0 {
		t.Errorf("faults injected: %v; want some of every kind", counts)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("under faults NSR gave %d schools, want the %d of a clean read", len(got), len(want))
	}
}

func TestDriftFailsNamingTheField(t *testing.T) {
	srv := serve(t, emulator.Options{Drift: true})
	_, err := read(t, Config{BaseURL: srv.URL + emulator.NSRPrefix, PageSize: 100, Details: true})
	var pe *connectors.PayloadError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v; want a PayloadError", err)
	}
	if pe.Field != "EnhetListe[0].Organisasjonsnummer" || !strings.Contains(pe.Endpoint, "/v4/enheter?sidenummer=1") || len(pe.Payload) == 0 || !pe.BadInput() {
		t.Errorf("PayloadError %q (field %q, endpoint %q, %d payload bytes)", pe, pe.Field, pe.Endpoint, len(pe.Payload))
	}
}

// TestCountMustMatchTheTotal: pages that hold fewer distinct units than
// TotaltAntallEnheter (here a unit repeated across pages) fail the read.
func TestCountMustMatchTheTotal(t *testing.T) {
	item := func(org string) string {
		return fmt.Sprintf(`{"Organisasjonsnummer":%q,"Navn":"X ","Kommunenummer":"0301","ErAktiv":true,"ErSkole":true,"ErGrunnskole":true,"DatoEndret":"2020-01-01T00:00:00"}`, org)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("sidenummer")
		fmt.Fprintf(w, `{"Sidenummer":%s,"AntallSider":2,"TotaltAntallEnheter":4,"EnhetListe":[%s,%s]}`, page, item("974000001"), item("97400001"+page))
	}))
	defer srv.Close()
	_, err := read(t, Config{BaseURL: srv.URL, PageSize: 2})
	var pe *connectors.PayloadError
	if !errors.As(err, &pe) || pe.Field != "TotaltAntallEnheter" || !strings.Contains(pe.Error(), "held 3 distinct units, the API says 4") {
		t.Fatalf("got %v; want the count mismatch", err)
	}
}

func TestConfigChecked(t *testing.T) {
	if _, err := New(Config{PageSize: 0}, emulatortest.Client()); err == nil {
		t.Error("page_size 0 accepted")
	}
	if _, err := New(Config{PageSize: 10}, nil); err == nil {
		t.Error("no HTTP client accepted")
	}
}

// TestIncremental: a second read from the first one's checkpoint finds
// nothing changed and asks for no detail; after one school changes (a new
// DatoEndret in the list, a new last grade in its detail), a read asks for
// that school's detail only and returns its new value.
func TestIncremental(t *testing.T) {
	em, err := emulator.New(context.Background(), emulator.Options{Data: nation})
	if err != nil {
		t.Fatal(err)
	}
	var details atomic.Int32
	var target, oldDate atomic.Value // set once the first read has shown a school
	target.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		em.ServeHTTP(rec, r)
		body := rec.Body.String()
		if strings.Contains(r.URL.Path, "/v4/enhet/") {
			details.Add(1)
		}
		if org := target.Load().(string); org != "" {
			if strings.Contains(body, `"Organisasjonsnummer":"`+org+`"`) {
				// The target's own object only: other schools may share its date.
				own := regexp.MustCompile(`"DatoEndret":"` + oldDate.Load().(string) + `"([^{}]*"Organisasjonsnummer":"` + org + `")`)
				body = own.ReplaceAllString(body, `"DatoEndret":"2026-11-01T09:00:00"$1`)
				if strings.HasSuffix(r.URL.Path, "/v4/enhet/"+org) {
					body = regexp.MustCompile(`"SkoletrinnGSTil":\d+`).ReplaceAllString(body, `"SkoletrinnGSTil":4`)
				}
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		io.WriteString(w, body)
	}))
	defer srv.Close()
	src, err := New(Config{BaseURL: srv.URL + emulator.NSRPrefix, PageSize: 100, Details: true}, emulatortest.Client())
	if err != nil {
		t.Fatal(err)
	}
	readAll := func(from connectors.Checkpoint) (map[string]school, map[string]string, connectors.Batches) {
		t.Helper()
		b, err := src.Read(context.Background(), Stream, from)
		if err != nil {
			t.Fatal(err)
		}
		rows, dates := map[string]school{}, map[string]string{}
		for b.Next() {
			r := b.RecordBatch()
			for i := 0; i < int(r.NumRows()); i++ {
				org := r.Column(0).(*array.String).Value(i)
				rows[org] = school{Muni: r.Column(2).(*array.String).Value(i), Private: r.Column(4).(*array.Boolean).Value(i),
					From: r.Column(5).(*array.Int32).Value(i), To: r.Column(6).(*array.Int32).Value(i)}
				dates[org] = r.Column(7).(*array.String).Value(i)
			}
		}
		return rows, dates, b
	}

	first, dates, b1 := readAll(nil)
	cp := b1.Checkpoint()
	if len(first) == 0 || cp == nil || int(details.Load()) != len(first) {
		t.Fatalf("first read: %d schools, %d detail requests, checkpoint %d bytes", len(first), details.Load(), len(cp))
	}

	details.Store(0)
	second, _, b2 := readAll(cp)
	if u, ok := b2.(connectors.Unchanger); !ok || !u.Unchanged() || len(second) != 0 || details.Load() != 0 {
		t.Fatalf("second read: unchanged %v, %d rows, %d detail requests; want unchanged, none, none", ok && u.Unchanged(), len(second), details.Load())
	}

	var org string
	for o, s := range first {
		if s.To == 7 {
			org = o
			break
		}
	}
	if org == "" {
		t.Fatal("no school teaching grades up to 7 in the simulated nation")
	}
	oldDate.Store(dates[org])
	target.Store(org)
	details.Store(0)
	third, _, b3 := readAll(cp)
	if u := b3.(connectors.Unchanger); u.Unchanged() || details.Load() != 1 {
		t.Fatalf("after a change: unchanged %v, %d detail requests; want changed, 1", u.Unchanged(), details.Load())
	}
	want := first[org]
	want.To = 4
	if third[org] != want {
		t.Errorf("changed school %s: %+v, want %+v", org, third[org], want)
	}
	delete(third, org)
	delete(first, org)
	if !reflect.DeepEqual(third, first) {
		t.Error("schools that did not change came back different")
	}
}
