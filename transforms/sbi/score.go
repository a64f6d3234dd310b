package sbi

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// score standardises every group, then sets each observation's outcome and
// prior (the mean z of its values) and raw outcome (the mean raw value).
//
// Sums run over sorted values (a group's values ascending; an observation's
// values by group), so the result does not depend on the input's row order.
func (s *sample) score() error {
	ng := len(s.groups)
	start := make([]int, ng+1)
	for _, v := range s.values {
		start[v.group+1]++
	}
	for g := 1; g <= ng; g++ {
		start[g] += start[g-1]
	}
	xs := make([]float64, len(s.values))
	next := slices.Clone(start[:ng])
	for _, v := range s.values {
		xs[next[v.group]] = v.x
		next[v.group]++
	}
	for g := range s.groups {
		seg := xs[start[g]:start[g+1]]
		slices.Sort(seg)
		grp := &s.groups[g]
		grp.n = len(seg)
		if grp.n < 2 || seg[0] == seg[len(seg)-1] {
			continue // no spread: sd stays 0 and z is undefined
		}
		var sum float64
		for _, x := range seg {
			sum += x
		}
		grp.mean = sum / float64(grp.n)
		var ss float64
		for _, x := range seg {
			ss += (x - grp.mean) * (x - grp.mean)
		}
		grp.sd = math.Sqrt(ss / float64(grp.n-1))
	}

	// The values of observations, by observation, then group.
	var cand []int32
	for k, v := range s.values {
		if v.obs >= 0 {
			cand = append(cand, int32(k))
		}
	}
	slices.SortFunc(cand, func(a, b int32) int {
		va, vb := &s.values[a], &s.values[b]
		return cmp.Or(cmp.Compare(va.obs, vb.obs), cmp.Compare(va.group, vb.group), cmp.Compare(va.row, vb.row))
	})
	for k, vi := range cand {
		v := &s.values[vi]
		if k > 0 {
			if p := &s.values[cand[k-1]]; p.obs == v.obs && p.group == v.group {
				g := &s.groups[v.group]
				pos := s.pos[g.table]
				return fmt.Errorf("reading %s: %s and %s: two values of one pupil in %s", g.table, pos.where(p.row), pos.where(v.row), g.name)
			}
		}
		if s.groups[v.group].role == roleOutcome {
			s.obs[v.obs].outN++
		}
	}
	for _, vi := range cand {
		v := &s.values[vi]
		o := &s.obs[v.obs]
		if o.outN == 0 {
			continue // not in the sample
		}
		g := &s.groups[v.group]
		if g.sd == 0 {
			return fmt.Errorf("standardising %s: %d value(s) without spread, so z is undefined", g.name, g.n)
		}
		z := (v.x - g.mean) / g.sd
		if g.role == roleOutcome {
			o.outZ += z
			o.outRaw += v.x
		} else {
			o.priorZ += z
			o.priorN++
		}
	}
	for i := range s.obs {
		o := &s.obs[i]
		if o.outN > 0 {
			o.outZ /= float64(o.outN)
			o.outRaw /= float64(o.outN)
		}
		if o.priorN > 0 {
			o.priorZ /= float64(o.priorN)
		}
	}
	return nil
}
