package gsp

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/skolestat/skolestat/transforms/disclosure"
)

// Unit types and subgroups, in output order.
const (
	unitSchool uint8 = iota
	unitMunicipality
	unitCounty
	unitNation
)

var unitNames = [...]string{"school", "municipality", "county", "nation"}

const (
	subAll uint8 = iota
	subBoy
	subGirl
	subPublic
	subPrivate
)

var (
	subgroupNames     = [...]string{"all", "G", "J", "public", "private"}
	subgroupTypeNames = [...]string{"all", "gender", "gender", "owner", "owner"}
)

// nationCode is the unit_code of the nation.
const nationCode = "0"

type cellKey struct {
	year     int32
	unit     uint8
	code     string
	subgroup uint8
}

// label is the cell's name in suppression notes and for disclosure's
// tie-breaking: "school 974123456", "municipality 0301 gender J".
func (k cellKey) label() string {
	s := unitNames[k.unit] + " " + k.code
	if k.subgroup != subAll {
		s += " " + subgroupTypeNames[k.subgroup] + " " + subgroupNames[k.subgroup]
	}
	return s
}

// cell is one aggregate. sum and sumSq are over the pupils' points in tenths,
// exact integers.
type cell struct {
	key        cellKey
	n          int64
	sum, sumSq int64
	decision   disclosure.Decision
}

func (c *cell) add(tenths int64) {
	c.n++
	c.sum += tenths
	c.sumSq += tenths * tenths
}

// mean is the unrounded mean in points: sum / (10 n), one rounding.
func (c *cell) mean() float64 {
	return float64(c.sum) / float64(10*c.n)
}

// sd is the sample standard deviation in points, for n >= 2:
// sqrt((n*sumSq - sum^2) / (n (n-1))) / 10, with the numerator formed
// exactly in 128-bit integers (it is >= 0 by Cauchy-Schwarz), so there is no
// cancellation error however large the mean is against the spread.
func (c *cell) sd() float64 {
	hi1, lo1 := bits.Mul64(uint64(c.n), uint64(c.sumSq))
	hi2, lo2 := bits.Mul64(uint64(c.sum), uint64(c.sum))
	lo, borrow := bits.Sub64(lo1, lo2, 0)
	hi, _ := bits.Sub64(hi1, hi2, borrow)
	d := float64(hi)*0x1p64 + float64(lo)
	return math.Sqrt(d/(float64(c.n)*float64(c.n-1))) / 10
}

// aggregate builds every cell from the pupils with points, then applies
// disclosure control per school year. Cells come back in output order.
func aggregate(in *input, pupils []pupilPoints, minPupils int64) ([]*cell, error) {
	idx := make(map[cellKey]int)
	var cells []*cell
	get := func(k cellKey) int {
		i, ok := idx[k]
		if !ok {
			i = len(cells)
			idx[k] = i
			cells = append(cells, &cell{key: k})
		}
		return i
	}
	// The cells a pupil of a school and gender counts in, found once.
	schoolCells := make([][2][]int, len(in.schools))
	for p, pp := range pupils {
		if pp.tenths < 0 {
			continue
		}
		g := in.pupils[p].gender
		list := schoolCells[pp.school][g]
		if list == nil {
			s := in.schools[pp.school]
			owner := subPrivate
			if s.public {
				owner = subPublic
			}
			sub := subBoy + g
			y := s.year
			list = []int{
				get(cellKey{y, unitSchool, s.orgnr, subAll}), get(cellKey{y, unitSchool, s.orgnr, sub}),
			}
			for _, u := range []struct {
				unit uint8
				code string
			}{{unitMunicipality, s.municipality}, {unitCounty, s.county}, {unitNation, nationCode}} {
				list = append(list, get(cellKey{y, u.unit, u.code, subAll}), get(cellKey{y, u.unit, u.code, sub}), get(cellKey{y, u.unit, u.code, owner}))
			}
			schoolCells[pp.school][g] = list
		}
		for _, ci := range list {
			cells[ci].add(int64(pp.tenths))
		}
	}

	slices.SortFunc(cells, func(a, b *cell) int {
		return cmp.Or(cmp.Compare(a.key.year, b.key.year), cmp.Compare(a.key.unit, b.key.unit),
			cmp.Compare(a.key.code, b.key.code), cmp.Compare(a.key.subgroup, b.key.subgroup))
	})
	for i, c := range cells {
		idx[c.key] = i
	}

	for lo := 0; lo < len(cells); {
		hi := lo
		for hi < len(cells) && cells[hi].key.year == cells[lo].key.year {
			hi++
		}
		if err := suppress(in, cells[lo:hi], idx, lo, minPupils); err != nil {
			return nil, fmt.Errorf("suppressing school year %d: %w", cells[lo].key.year, err)
		}
		lo = hi
	}
	return cells, nil
}

// Partition dimensions of one parent cell.
const (
	dimGender uint8 = iota // a unit's all = its G + its J
	dimOwner               // a unit's all = its public + its private
	dimUnits               // a unit's cell = the same cell of the units below
)

type partKey struct {
	parent int
	dim    uint8
}

// suppress runs disclosure control over the cells of one school year
// (cells[i] has global index offset+i in idx).
func suppress(in *input, cells []*cell, idx map[cellKey]int, offset int, minPupils int64) error {
	parts := make(map[partKey][]int)
	var order []partKey
	link := func(parent cellKey, dim uint8, child int) error {
		pi, ok := idx[parent]
		if !ok {
			return fmt.Errorf("cell %s has no parent cell %s", cells[child-offset].key.label(), parent.label())
		}
		k := partKey{pi, dim}
		if _, ok := parts[k]; !ok {
			order = append(order, k)
		}
		parts[k] = append(parts[k], child)
		return nil
	}
	for i, c := range cells {
		gi := offset + i
		k := c.key
		var err error
		switch k.subgroup {
		case subBoy, subGirl:
			err = link(cellKey{k.year, k.unit, k.code, subAll}, dimGender, gi)
		case subPublic, subPrivate:
			err = link(cellKey{k.year, k.unit, k.code, subAll}, dimOwner, gi)
		}
		if err != nil {
			return err
		}
		switch k.unit {
		case unitSchool:
			s := in.schools[in.schoolIdx[schoolKey{k.year, k.code}]]
			err = link(cellKey{k.year, unitMunicipality, s.municipality, k.subgroup}, dimUnits, gi)
			if err == nil && k.subgroup == subAll {
				owner := subPrivate
				if s.public {
					owner = subPublic
				}
				err = link(cellKey{k.year, unitMunicipality, s.municipality, owner}, dimUnits, gi)
			}
		case unitMunicipality:
			m := in.munis[muniKey{k.year, k.code}]
			err = link(cellKey{k.year, unitCounty, m.county, k.subgroup}, dimUnits, gi)
		case unitCounty:
			err = link(cellKey{k.year, unitNation, nationCode, k.subgroup}, dimUnits, gi)
		}
		if err != nil {
			return err
		}
	}

	dcells := make([]disclosure.Cell, len(cells))
	labels := make([]string, len(cells))
	for i, c := range cells {
		labels[i] = c.key.label()
		dcells[i] = disclosure.Cell{Key: labels[i], N: c.n}
	}
	dparts := make([]disclosure.Partition, len(order))
	for i, k := range order {
		children := make([]string, len(parts[k]))
		for j, ch := range parts[k] {
			children[j] = labels[ch-offset]
		}
		dparts[i] = disclosure.Partition{Parent: labels[k.parent-offset], Children: children}
	}
	decisions, err := disclosure.Suppress(dcells, dparts, minPupils)
	if err != nil {
		return err
	}
	for i, d := range decisions {
		cells[i].decision = d
	}
	return nil
}
