package sbi

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/skolestat/skolestat/transforms/disclosure"
	"github.com/skolestat/skolestat/transforms/sbi/model"
)

// Unit types of the aggregates, in output order.
const (
	UnitMunicipality = "municipality"
	UnitCounty       = "county"
	UnitNation       = "nation"
)

// NationCode is the unit_code of the nation.
const NationCode = "0"

// sampleKey is the disclosure cell of the whole estimation sample (its N is
// published in the runs output).
const sampleKey = "sample"

// unitSet makes the rows of one level, window and model.
type unitSet struct {
	level  Level
	window Window
	model  string
	rawSD  float64

	schools         []SchoolRow
	aggregates      []AggregateRow
	samplePublished bool
}

// acc accumulates a unit over its public schools.
type acc struct {
	unitType, code string
	n, schools     int
	sumNE, sumN2V  float64
	parent         string // key of the unit above, "" for the nation
	children       []string
}

func (a *acc) key() string { return a.unitType + " " + a.code }

// aggregate makes the school rows and the municipality, county and nation
// rows over public schools, and applies disclosure control.
//
// The aggregates are over public schools only, at every level: the spec
// asks for municipalities over public schools (002 l.1472-1477) and builds
// county and nation rows "the same way"; an all-school nation would also be
// 0 by construction for fixed (the effects are centred over all schools).
// So a county is the sum of its municipalities and the nation the sum of
// its counties, and each unit is the pupil-weighted mean of its public
// schools' effects.
//
// Disclosure (spec §6, package transforms/disclosure): the cells are every
// school, every unit and the sample; the partitions are a municipality =
// its public schools, a county = its municipalities, the nation = its
// counties, and the sample = every school. The last one is needed because
// the effects satisfy an equation over all schools (fixed: sum n_s theta_s
// = 0 by centring; mixed: sum u_s = 0 by the GLS equations), so with N and
// S published, one school suppressed alone could be solved for. A cell
// with N < minPupils is suppressed (primary) and complementary suppression
// protects it.
func (u *unitSet) aggregate(m *Matrix, f *fit, schools map[string]School, minPupils int64) error {
	units := map[string]*acc{}
	get := func(unitType, code, parent string) *acc {
		k := unitType + " " + code
		a, ok := units[k]
		if !ok {
			a = &acc{unitType: unitType, code: code, parent: parent}
			units[k] = a
			if parent != "" {
				units[parent].children = append(units[parent].children, k)
			}
		}
		return a
	}
	cells := []disclosure.Cell{{Key: sampleKey, N: int64(m.N())}}
	schoolKeys := make([]string, len(m.Schools))
	for s, orgnr := range m.Schools {
		e := f.effects[s]
		schoolKeys[s] = "school " + orgnr
		cells = append(cells, disclosure.Cell{Key: schoolKeys[s], N: int64(e.N)})
		sc := schools[orgnr]
		if !sc.Public {
			continue
		}
		nation := get(UnitNation, NationCode, "")
		county := get(UnitCounty, sc.Municipality[:2], nation.key())
		muni := get(UnitMunicipality, sc.Municipality, county.key())
		muni.children = append(muni.children, schoolKeys[s])
		n := float64(e.N)
		for _, a := range []*acc{muni, county, nation} {
			a.n += e.N
			a.schools++
			a.sumNE += n * e.Effect
			a.sumN2V += n * n * e.SE * e.SE
		}
	}
	parts := []disclosure.Partition{{Parent: sampleKey, Children: schoolKeys}}
	list := make([]*acc, 0, len(units))
	for _, a := range units {
		list = append(list, a)
	}
	order := map[string]int{UnitMunicipality: 0, UnitCounty: 1, UnitNation: 2}
	slices.SortFunc(list, func(a, b *acc) int {
		return cmp.Or(cmp.Compare(order[a.unitType], order[b.unitType]), cmp.Compare(a.code, b.code))
	})
	for _, a := range list {
		cells = append(cells, disclosure.Cell{Key: a.key(), N: int64(a.n)})
		parts = append(parts, disclosure.Partition{Parent: a.key(), Children: a.children})
	}
	dec, err := disclosure.Suppress(cells, parts, minPupils)
	if err != nil {
		return fmt.Errorf("suppressing: %w", err)
	}
	u.samplePublished = !dec[0].Suppressed()
	sumY := make([]float64, len(m.Schools))
	for i, sc := range m.School {
		sumY[sc] += m.Y[i]
	}
	for s, orgnr := range m.Schools {
		e := f.effects[s]
		r := SchoolRow{Level: u.level, Window: u.window, Model: u.model, Orgnr: orgnr}
		if d := dec[1+s]; d.Suppressed() {
			r.Status, r.Suppression = "suppressed", d.Note
		} else {
			r.Status = "ok"
			r.N, r.EffectZ, r.Effect = e.N, e.Effect, e.Effect*u.rawSD
			r.SE, r.Lower, r.Upper, r.Class = e.SE, e.Lower, e.Upper, e.Class
			r.ShrunkZ, r.HasShrunk = e.Shrunk, f.shrunk
			r.OutcomeZ = sumY[s] / float64(m.SchoolPupils[s])
		}
		u.schools = append(u.schools, r)
	}
	for i, a := range list {
		r := AggregateRow{Level: u.level, Window: u.window, Model: u.model, UnitType: a.unitType, UnitCode: a.code}
		if d := dec[1+len(m.Schools)+i]; d.Suppressed() {
			r.Status, r.Suppression = "suppressed", d.Note
		} else {
			fn := float64(a.n)
			eff := a.sumNE / fn
			se := math.Sqrt(a.sumN2V) / fn
			r.Status = "ok"
			r.N, r.Schools, r.EffectZ, r.Effect = a.n, a.schools, eff, eff*u.rawSD
			r.SE = se
			r.Lower, r.Upper, r.Class = model.Interval(eff, se)
		}
		u.aggregates = append(u.aggregates, r)
	}
	return nil
}
