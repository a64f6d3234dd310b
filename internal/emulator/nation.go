package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors/microdata"
)

// simNation is what several emulated APIs need of the simulated nation in
// Options.Data, read once by New: nation.json's years, counties and
// municipalities (sorted by code), and the schools (sorted by orgnr). An
// API that needs a pupil-level table reads it itself (microdata.Each).
type simNation struct {
	Dir            string
	First, Last    int // school years (autumn) of the files
	Counties       []simCounty
	Municipalities []simMunicipality
	Schools        []simSchool
}

type simCounty struct{ Code, Name string }

type simMunicipality struct{ Code, Name, County string }

type simSchool struct {
	Orgnr, Name, Municipality string
	Public                    bool
	GradeFrom, GradeTo        int
}

func loadNation(ctx context.Context, dir string) (*simNation, error) {
	path := filepath.Join(dir, "nation.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the simulated nation: %w", err)
	}
	var f struct {
		First          int               `json:"first_school_year"`
		Last           int               `json:"last_school_year"`
		Counties       []simCounty       `json:"counties"`
		Municipalities []simMunicipality `json:"municipalities"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if f.Last < f.First || len(f.Municipalities) == 0 {
		return nil, fmt.Errorf("reading %s: no years or no municipalities", path)
	}
	n := &simNation{Dir: dir, First: f.First, Last: f.Last, Counties: f.Counties, Municipalities: f.Municipalities}
	sort.Slice(n.Municipalities, func(i, j int) bool { return n.Municipalities[i].Code < n.Municipalities[j].Code })
	err = microdata.Each(ctx, dir, "schools", func(rec arrow.RecordBatch) error {
		org, name, muni := rec.Column(0).(*array.String), rec.Column(1).(*array.String), rec.Column(2).(*array.String)
		public, from, to := rec.Column(3).(*array.Boolean), rec.Column(4).(*array.Int32), rec.Column(5).(*array.Int32)
		for i := range int(rec.NumRows()) {
			n.Schools = append(n.Schools, simSchool{Orgnr: strings.Clone(org.Value(i)), Name: strings.Clone(name.Value(i)),
				Municipality: strings.Clone(muni.Value(i)), Public: public.Value(i), GradeFrom: int(from.Value(i)), GradeTo: int(to.Value(i))})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the simulated schools: %w", err)
	}
	sort.Slice(n.Schools, func(i, j int) bool { return n.Schools[i].Orgnr < n.Schools[j].Orgnr })
	return n, nil
}
