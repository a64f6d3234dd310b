package orchestration_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/skolestat/skolestat/connectors"
	_ "github.com/skolestat/skolestat/connectors/klass"
	_ "github.com/skolestat/skolestat/connectors/nsr"
	_ "github.com/skolestat/skolestat/connectors/ssb"
	_ "github.com/skolestat/skolestat/connectors/udir"
	_ "github.com/skolestat/skolestat/connectors/udir/eksport"
	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/internal/httpclient"
	"github.com/skolestat/skolestat/internal/sim"
	"github.com/skolestat/skolestat/internal/warehouse"
	"github.com/skolestat/skolestat/orchestration"
	"github.com/skolestat/skolestat/pipelines"
)

// TestFaultsLeaveNoTrace pulls the public sources twice from the emulator
// over the same nation, once clean and once with a tenth of the requests
// failing in every way the emulator knows (5xx, 429 with Retry-After,
// bodies cut short), and finds the same warehouse: every landed table has
// the same rows.
func TestFaultsLeaveNoTrace(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	nation := filepath.Join(dir, "nation")
	if _, err := sim.Generate(ctx, sim.Options{Out: nation, Seed: 5, Scale: 0.01}); err != nil {
		t.Fatal(err)
	}
	pull := func(name string, faults emulator.Faults) (string, map[string]int) {
		t.Helper()
		em, err := emulator.New(ctx, emulator.Options{Data: nation, Faults: faults})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(em)
		defer srv.Close()
		wh := filepath.Join(dir, name+".duckdb")
		r := &orchestration.Runner{
			Warehouse: wh, Connectors: connectors.Default, Transforms: orchestration.BuiltinTransforms(), Threads: 1,
			// Short waits: the faults are many, the test is not about patience.
			HTTP: httpclient.New(httpclient.Options{Attempts: 10, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
				MaxRetryAfter: 5 * time.Millisecond, Timeout: 10 * time.Second}),
		}
		src, file, err := pipelines.Read("sources")
		if err != nil {
			t.Fatal(err)
		}
		params := map[string]string{}
		for _, s := range emulator.Sources() {
			params[s.Param] = srv.URL + s.Path
		}
		p, err := pipelines.Load(file, src, params, r.Catalog())
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Run(ctx, p)
		if err != nil || !res.Published {
			t.Fatalf("%s pull: %v", name, err)
		}
		return fingerprint(t, wh), em.FaultCounts()
	}
	clean, _ := pull("clean", emulator.Faults{})
	faulty, counts := pull("faulty", emulator.Faults{Failure: 0.04, RateLimit: 0.03, Truncate: 0.03, Seed: 8})
	if counts["429"] == 0 || counts["truncate"] == 0 || counts["500"]+counts["502"]+counts["503"] == 0 {
		t.Fatalf("faults injected: %v; want some of every kind", counts)
	}
	if clean != faulty {
		t.Errorf("the warehouses differ after %v faults:\n clean  %s\n faulty %s", counts, clean, faulty)
	}
	t.Logf("faults injected and survived: %v", counts)
}

// fingerprint is, per landed raw table (raw.responses, a log of fetch
// times, left out), its rows and an order-independent sum of row hashes.
func fingerprint(t *testing.T, wh string) string {
	t.Helper()
	rd, err := warehouse.OpenReader(context.Background(), wh)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var fp string
	err = rd.QueryRow(context.Background(), `SELECT string_agg(t || ':' || n || ':' || h, ' ' ORDER BY t) FROM (
		SELECT 'nsr' AS t, count(*) AS n, sum(hash(x)::HUGEINT) AS h FROM raw.nsr_schools x
		UNION ALL SELECT 'klass_codes', count(*), sum(hash(x)::HUGEINT) FROM raw.klass_codes x
		UNION ALL SELECT 'klass_crosswalk', count(*), sum(hash(x)::HUGEINT) FROM raw.klass_crosswalk x
		UNION ALL SELECT 'udir', count(*), sum(hash(x)::HUGEINT) FROM raw.udir_national_tests x
		UNION ALL SELECT 'ssb', count(*), sum(hash(x)::HUGEINT) FROM raw.ssb_values x)`, nil, &fp)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}
