package udir

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/internal/emulator/emulatortest"
)

type unitRow struct {
	Kode, Name, Level string
	Parent            int64 // 0: none
	Reports           []string
}

// readUnitRows runs the units stream and returns its rows by EnhetID.
func readUnitRows(t *testing.T, cfg Config, from connectors.Checkpoint) (map[int64]unitRow, connectors.Batches) {
	t.Helper()
	src, err := New(cfg, emulatortest.Client())
	if err != nil {
		t.Fatal(err)
	}
	bs, err := src.Read(context.Background(), StreamUnits, from)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]unitRow{}
	for bs.Next() {
		r := bs.RecordBatch()
		for i := 0; i < int(r.NumRows()); i++ {
			id := r.Column(0).(*array.Int64).Value(i)
			if _, dup := out[id]; dup {
				t.Errorf("EnhetID %d twice", id)
			}
			row := unitRow{Kode: r.Column(1).(*array.String).Value(i), Name: r.Column(2).(*array.String).Value(i), Level: r.Column(3).(*array.String).Value(i)}
			if p := r.Column(5).(*array.Int64); p.IsValid(i) {
				row.Parent = p.Value(i)
			}
			if err := json.Unmarshal([]byte(r.Column(8).(*array.String).Value(i)), &row.Reports); err != nil {
				t.Fatal(err)
			}
			out[id] = row
		}
	}
	if err := bs.Err(); err != nil {
		t.Fatal(err)
	}
	return out, bs
}

// TestUnitsDimension: every school, municipality and county of the
// simulated nation is a unit, each school under its municipality and each
// municipality under its county as the simulated files have them (read
// without the emulator), every unit listed by every report that lists it,
// and a second read from the checkpoint is unchanged.
func TestUnitsDimension(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(nation, "nation.json"))
	if err != nil {
		t.Fatal(err)
	}
	var n struct {
		Counties       []struct{ Code string }         `json:"counties"`
		Municipalities []struct{ Code, County string } `json:"municipalities"`
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		t.Fatal(err)
	}
	schoolMuni := map[string]string{}
	readTable(t, "schools", func(r arrow.RecordBatch) {
		for i := 0; i < int(r.NumRows()); i++ {
			schoolMuni[r.Column(0).(*array.String).Value(i)] = r.Column(2).(*array.String).Value(i)
		}
	})

	srv, _ := serve(t, emulator.Options{})
	cfg := Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{"GSK_NP_Geografisk", "GSK_Elev_Skol"}}
	units, bs := readUnitRows(t, cfg, nil)
	cp := bs.Checkpoint()
	bs.Close()
	byKode := map[string]int64{}
	levels := map[string]int{}
	for id, u := range units {
		byKode[u.Kode] = id
		levels[u.Level]++
	}
	parentKode := func(kode string) string {
		id, ok := byKode[kode]
		if !ok {
			t.Fatalf("no unit with kode %s", kode)
		}
		p, ok := units[units[id].Parent]
		if !ok {
			return ""
		}
		return p.Kode
	}
	for _, c := range n.Counties {
		if got := parentKode(c.Code); got != "I" {
			t.Errorf("county %s is under %q, want I (Hele landet)", c.Code, got)
		}
	}
	for _, m := range n.Municipalities {
		if got := parentKode(m.Code); got != m.County {
			t.Errorf("municipality %s is under %q, want its county %s", m.Code, got, m.County)
		}
	}
	for org, muni := range schoolMuni {
		if got := parentKode(org); got != muni {
			t.Errorf("school %s is under %q, want %s", org, got, muni)
		}
	}
	if levels["school"] != len(schoolMuni) || levels["nation"] < 1 || levels["root"] != 0 {
		t.Errorf("levels %v; want %d schools, the nation, no root", levels, len(schoolMuni))
	}
	if nation := units[byKode["I"]]; len(nation.Reports) != 2 || nation.Parent != 0 {
		t.Errorf("Hele landet: %+v; want listed by both reports, no parent", nation)
	}

	again, bs2 := readUnitRows(t, cfg, cp)
	defer bs2.Close()
	if u, ok := bs2.(connectors.Unchanger); !ok || !u.Unchanged() || len(again) != 0 {
		t.Errorf("second read: %d rows, unchanged %v; want none, unchanged", len(again), ok && u.Unchanged())
	}
}
