package sbi_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/skolestat/skolestat/connectors/microdata"
	"github.com/skolestat/skolestat/internal/sim"
	"github.com/skolestat/skolestat/transforms/sbi"
)

// nation is a simulated nation read into memory: the batches of the four
// tables, as the microdata reader yields them (canonical columns plus
// source_file and source_row).
type nation struct {
	dir string
	batchSet
}

// simulate writes a nation of the given scale for school years 2014-2019
// (enough for window 2018+2019 at every level: priors of 2015 and 2016) and
// reads it back.
func simulate(t testing.TB, scale float64) *nation {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := sim.Generate(ctx, sim.Options{Out: dir, Seed: 7, Scale: scale, FirstYear: 2014, LastYear: 2019, SurveyYears: -1}); err != nil {
		t.Fatal(err)
	}
	n := &nation{dir: dir}
	read := func(table string) []arrow.RecordBatch {
		var out []arrow.RecordBatch
		err := microdata.Each(ctx, dir, table, func(b arrow.RecordBatch) error {
			b.Retain()
			out = append(out, b)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	n.pupils, n.enrol, n.tests, n.grades = read("pupils"), read("enrolments"), read("national_tests"), read("grades")
	return n
}

func meanSD(xs []float64) (float64, float64) {
	var s float64
	for _, x := range xs {
		s += x
	}
	m := s / float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return m, math.Sqrt(ss / float64(len(xs)-1))
}

// TestSimulatedNation builds every level's matrix of window 2018+2019 from
// a small simulated nation and checks it against what the simulator says
// of its own data.
func TestSimulatedNation(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a nation")
	}
	n := simulate(t, 0.02)
	for _, level := range sbi.Levels {
		t.Run(string(level), func(t *testing.T) {
			m, err := sbi.Build(context.Background(), n.inputs(t), sbi.Config{Level: level, Window: sbi.Window{First: 2018}})
			if err != nil {
				t.Fatal(err)
			}
			// Sizes: every slice of length N, every column present.
			N := m.N()
			for name, l := range map[string]int{"Raw": len(m.Raw), "School": len(m.School), "PupilID": len(m.PupilID), "Cohort": len(m.Cohort)} {
				if l != N {
					t.Errorf("%s has %d rows, want %d", name, l, N)
				}
			}
			for k, col := range m.X {
				if len(col) != N {
					t.Errorf("column %s has %d rows, want %d", m.Names[k], len(col), N)
				}
			}
			if len(m.Names)+len(m.Dropped) != len(sbi.ColumnNames(level)) {
				t.Errorf("names %v + dropped %v", m.Names, m.Dropped)
			}
			// School counts equal the simulator's count of its SBI sample.
			_, want := truthEffects(t, n.dir, level, "2018+2019")
			if len(want) != len(m.Schools) {
				t.Errorf("%d schools, the truth has %d", len(m.Schools), len(want))
			}
			total := 0
			for s, orgnr := range m.Schools {
				total += m.SchoolPupils[s]
				if want[orgnr] != m.SchoolPupils[s] {
					t.Errorf("school %s: %d pupils, the truth says %d", orgnr, m.SchoolPupils[s], want[orgnr])
				}
			}
			if total != N || m.Cohorts[0].Pupils+m.Cohorts[1].Pupils != N {
				t.Errorf("school counts sum to %d, cohorts to %d, N = %d", total, m.Cohorts[0].Pupils+m.Cohorts[1].Pupils, N)
			}
			// The outcome is a mean of z values: mean ~0, sd near 1 (below 1
			// when it averages correlated subjects).
			mean, sd := meanSD(m.Y)
			t.Logf("level %s: N %d, %d schools, y mean %.4f sd %.4f, raw sd %.3f, dropped %v, cohorts %+v",
				level, N, len(m.Schools), mean, sd, m.RawSD(), m.Dropped, m.Cohorts)
			if math.Abs(mean) > 0.05 || sd < 0.8 || sd > 1.1 {
				t.Errorf("y mean %.4f, sd %.4f: not standardised", mean, sd)
			}
			if prior := m.Column("prior"); prior != nil {
				var ps []float64
				miss := m.Column("prior_missing")
				for i, p := range prior {
					if miss[i] == 0 {
						ps = append(ps, p)
					}
				}
				pm, psd := meanSD(ps)
				if math.Abs(pm) > 0.05 || psd < 0.8 || psd > 1.1 {
					t.Errorf("prior mean %.4f, sd %.4f: not standardised", pm, psd)
				}
			}
			// Income deciles: each decile about a tenth of the known incomes.
			known := N - m.Cohorts[0].UnknownIncome - m.Cohorts[1].UnknownIncome
			for d := 2; d <= 10; d++ {
				var c float64
				for _, v := range m.Column(fmt.Sprintf("income_decile_%d", d)) {
					c += v
				}
				if share := c / float64(known); share < 0.08 || share > 0.12 {
					t.Errorf("decile %d holds %.3f of the known incomes", d, share)
				}
			}
		})
	}
}

// BenchmarkBuildNational builds level 8-10's matrix of window 2018+2019
// (the level that reads every table, grades included) from a nation of
// Norway's size, generated once (school years 2014-2019, about a minute).
// Skipped with -short.
func BenchmarkBuildNational(b *testing.B) {
	if testing.Short() {
		b.Skip("generates a nation of scale 1.0")
	}
	n := simulate(b, 1.0)
	var rows int64
	for _, bs := range [][]arrow.RecordBatch{n.pupils, n.enrol, n.tests, n.grades} {
		for _, r := range bs {
			rows += r.NumRows()
		}
	}
	cfg := sbi.Config{Level: sbi.Level8to10, Window: sbi.Window{First: 2018}}
	var m *sbi.Matrix
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var err error
		if m, err = sbi.Build(context.Background(), n.inputs(b), cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.N()), "pupils")
	b.ReportMetric(float64(rows), "input_rows")
}
