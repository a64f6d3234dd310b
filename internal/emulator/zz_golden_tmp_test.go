package emulator

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/skolestat/skolestat/internal/sim"
)

// TEMPORARY golden dump for a behaviour-preserving refactor; deleted afterwards.
func TestZZGoldenTmp(t *testing.T) {
	out := os.Getenv("GOLDEN_OUT")
	if out == "" {
		t.Skip()
	}
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, seed := range []uint64{11, 3} {
		dir := t.TempDir()
		if _, err := sim.Generate(context.Background(), sim.Options{Out: dir, Seed: seed, Scale: 0.02, SurveyYears: -1}); err != nil {
			t.Fatal(err)
		}
		n := mustNation(t, dir)
		d, err := loadUdir(context.Background(), n, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range d.tables {
			fmt.Fprintf(f, "table %s listed %v\nchildren %v\n", tb.Kode, d.listed[tb.Kode], d.children[tb.Kode])
			for _, u := range d.units {
				for _, y := range append(tb.Years, 1999) {
					fmt.Fprintf(f, "%s %s %d %q\n", tb.Kode, u.Kode, y, tb.Cells(u, udirTableColumn{Year: y}))
				}
			}
		}
		for _, rep := range udirReports {
			fmt.Fprintf(f, "report %s listed %v\nchildren %v\n", rep.Kode, d.listed[rep.Kode], d.children[rep.Kode])
		}
		em, err := New(context.Background(), Options{Data: dir})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(em)
		get := func(p string, q url.Values) {
			u := srv.URL + UdirPrefix + "/" + p
			if q != nil {
				u += "?" + q.Encode()
			}
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			fmt.Fprintf(f, "GET %s %d %d %x\n", u[len(srv.URL):], resp.StatusCode, len(b), sha256.Sum256(b))
		}
		get("rest/v1/Rapportside", nil)
		paths := map[string]string{}
		for _, r := range udirReports {
			paths[r.Kode] = r.Path
		}
		for _, tb := range d.tables {
			paths[tb.Kode] = tb.Path
		}
		for kode, p := range paths {
			get("rest/v1/Rapportside/"+kode, nil)
			get(p+"/filterVerdier", nil)
			resp, _ := http.Get(srv.URL + UdirPrefix + "/" + p + "/filterVerdier")
			var fv map[string][]struct{ ID int64 }
			json.NewDecoder(resp.Body).Decode(&fv)
			resp.Body.Close()
			var parts []string
			for _, k := range []string{"TidID", "SkoleAarID", "FagID", "KaraktertypeID"} {
				if vs, ok := fv[k]; ok {
					var ids []string
					for _, v := range vs {
						ids = append(ids, fmt.Sprint(v.ID))
					}
					parts = append(parts, k+"("+strings.Join(ids, "_")+")")
				}
			}
			filter := strings.Join(parts, "_")
			for _, rs := range []string{"", "*", "*.*", "*.*.*", "**", "*.**", "-12.**"} {
				q := url.Values{"filter": {filter}, "inkluderKoder": {"true"}}
				if rs != "" {
					q.Set("radSti", rs)
				}
				get(p+"/data", q)
				for _, e := range fv["EnhetID"] {
					q.Set("filter", filter+fmt.Sprintf("_EnhetID(%d)", e.ID))
					get(p+"/data", q)
				}
			}
		}
		srv.Close()
	}
}
