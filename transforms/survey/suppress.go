package survey

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/skolestat/skolestat/transforms/disclosure"
)

// Complementary suppression of a school year's unit cells (indicators.md
// §6), with package disclosure. Each index is its own table (its own
// respondents), so disclosure.Suppress runs once per index over the cells
// with n > 0 for it. The partitions, each parent = the sum of its children
// in n and in the sums of scores and squares behind mean and sd:
//
//   - geo: a (unit, grade, gender) cell = the same grade and gender of the
//     units one level down: a school's classes, a municipality's schools, a
//     county's municipalities, the nation's counties. A school's respondents
//     without a class are the remainder of its class partition: passed as a
//     hidden cell, never published.
//   - gender: (unit, grade, all) = (unit, grade, G) + (unit, grade, J) + the
//     respondents without a gender (hidden).
//   - grade: (unit, all, gender) = the unit's (unit, grade, gender) over its
//     grades (every respondent has a grade: no remainder).
//
// A remainder of 0 is left out, as is a partition whose parent has no child
// with n > 0 (the parent is then its remainder alone, which says nothing).

// Partition kinds of a parent cell: the slot of parent cell c and kind k is
// c*nKinds + k.
const (
	kindGeo = iota
	kindGender
	kindGrade
	nKinds
)

// ref names what a secondary cell protects: a cell, or the respondents of a
// cell without a class (remClass) or without a gender (remGender).
type ref struct {
	cell int32
	rem  int8
}

const (
	remNone int8 = iota
	remClass
	remGender
)

// cellDecision is the suppression of one (cell, index). For a Secondary
// cell, protects is what it protects (rule 2) or, with cell -1, nothing
// single: the suppressed parts of via together rest on fewer than minResp
// respondents (rule 3); via is the parent cell of the partition that needed
// it.
type cellDecision struct {
	status   disclosure.Status
	protects ref
	via      int32
}

func (d cellDecision) suppressed() bool { return d.status != disclosure.Published }

// suppressYear decides every (cell, index) of the finished year y with
// n > 0: the result is indexed like y.accs (cell c, index k at c*nIdx+k);
// entries with n = 0 are zero and mean nothing. order is the year's cells in
// a canonical order (finishYear's output order): keys are ranks in it, so
// that ties, and so the outcome, do not depend on the order of the input
// rows. It returns nil, all published, when minResp <= 1 (suppression off).
//
// It fails only when the cells do not add up as the partitions say, which
// is a defect of this package, not of the input.
func suppressYear(y *yearState, order []int32, minResp int64) ([]cellDecision, error) {
	if minResp <= 1 || len(y.cells) == 0 {
		return nil, nil
	}
	nCells, nIdx := len(y.cells), y.nIdx

	// Keys: for the cell of rank r, "a", "b" and "c" (the cell, its
	// remainders without class and without gender) and r zero-padded, cut
	// from one string. The cells are passed in key order, the remainders
	// after them, which makes disclosure's sort of the keys quick.
	w := len(strconv.Itoa(nCells-1)) + 1
	var sb strings.Builder
	sb.Grow(nCells * 3 * w)
	pad := strings.Repeat("0", w)
	for r := range nCells {
		d := strconv.Itoa(r)
		for _, p := range "abc" {
			sb.WriteRune(p)
			sb.WriteString(pad[:w-1-len(d)])
			sb.WriteString(d)
		}
	}
	all3 := sb.String()
	rank := make([]int32, nCells)
	for r, c := range order {
		rank[c] = int32(r)
	}
	key := func(c int32, rem int8) string {
		at := (int(rank[c])*3 + int(rem)) * w
		return all3[at : at+w]
	}
	parse := func(k string) (ref, error) {
		r, err := strconv.Atoi(k[1:])
		if err != nil || r < 0 || r >= nCells {
			return ref{}, fmt.Errorf("parsing key %q", k)
		}
		return ref{order[r], int8(strings.IndexByte("abc", k[0]))}, nil
	}

	// Children of each (parent cell, kind), in CSR form: kids[start[s]:start[s+1]].
	parentOf := func(c int32, kind int) int32 {
		ck := y.cells[c]
		switch kind {
		case kindGeo:
			pu := y.parent[ck.unit]
			if pu < 0 {
				return -1
			}
			return y.cellIdx[cellKey{pu, ck.grade, ck.gender}]
		case kindGender:
			if ck.gender == all {
				return -1
			}
			return y.cellIdx[cellKey{ck.unit, ck.grade, all}]
		default:
			if ck.grade == all {
				return -1
			}
			return y.cellIdx[cellKey{ck.unit, all, ck.gender}]
		}
	}
	parents := make([]int32, nCells*nKinds)
	start := make([]int32, nCells*nKinds+1)
	for c := range int32(nCells) {
		for kind := range nKinds {
			p := parentOf(c, kind)
			parents[int(c)*nKinds+kind] = p
			if p >= 0 {
				start[int(p)*nKinds+kind+1]++
			}
		}
	}
	for s := 1; s < len(start); s++ {
		start[s] += start[s-1]
	}
	kids := make([]int32, start[len(start)-1])
	fill := append([]int32(nil), start[:len(start)-1]...)
	for c := range int32(nCells) {
		for kind := range nKinds {
			if p := parents[int(c)*nKinds+kind]; p >= 0 {
				s := int(p)*nKinds + kind
				kids[fill[s]] = c
				fill[s]++
			}
		}
	}
	parents, fill = nil, nil
	slots := 0 // (parent, kind) with children: at most one remainder each
	for s := range nCells * nKinds {
		if start[s+1] > start[s] {
			slots++
		}
	}

	out := make([]cellDecision, len(y.accs))
	// The indices are independent tables: they are decided on as many
	// goroutines as there are CPUs, each with its own buffers, each writing
	// only its own index's entries of out.
	type buffers struct {
		pos      []int32 // cell -> its place in dcells for this index, -1 when n = 0
		dcells   []disclosure.Cell
		dparts   []disclosure.Partition
		childBuf []string
	}
	one := func(k int, b *buffers) error {
		n := func(c int32) int64 { return y.accs[int(c)*nIdx+k].n }
		pos := b.pos
		dcells := b.dcells[:0]
		for _, c := range order {
			pos[c] = -1
			if nc := n(c); nc > 0 {
				pos[c] = int32(len(dcells))
				dcells = append(dcells, disclosure.Cell{Key: key(c, remNone), N: nc})
			}
		}
		dparts := b.dparts[:0]
		// At most one remainder per partition, so this capacity is never
		// outgrown and the Children slices below stay valid.
		childBuf := slices.Grow(b.childBuf[:0], len(kids)+slots)
		defer func() { b.dcells, b.dparts, b.childBuf = dcells, dparts, childBuf }()
		for _, p := range order {
			np := n(p)
			if np == 0 {
				continue
			}
			for kind := range nKinds {
				s := int(p)*nKinds + kind
				from := len(childBuf)
				var sum int64
				for _, c := range kids[start[s]:start[s+1]] {
					if nc := n(c); nc > 0 {
						childBuf = append(childBuf, key(c, remNone))
						sum += nc
					}
				}
				if len(childBuf) == from {
					continue
				}
				if rem := np - sum; rem != 0 {
					var r int8
					switch {
					case rem > 0 && kind == kindGeo && y.units[y.cells[p].unit].typ == unitSchool:
						r = remClass
					case rem > 0 && kind == kindGender:
						r = remGender
					default:
						return fmt.Errorf("suppressing %s, index %d: its %d children add up to n %d, it has %d", y.label(p), k, len(childBuf)-from, sum, np)
					}
					childBuf = append(childBuf, key(p, r))
					dcells = append(dcells, disclosure.Cell{Key: key(p, r), N: rem, Hidden: true})
				}
				dparts = append(dparts, disclosure.Partition{Parent: key(p, remNone), Children: childBuf[from:len(childBuf):len(childBuf)]})
			}
		}
		ds, err := disclosure.Suppress(dcells, dparts, minResp)
		if err != nil {
			return fmt.Errorf("suppressing index %d: %w", k, err)
		}
		for c := range int32(nCells) {
			i := pos[c]
			if i < 0 {
				continue
			}
			d := ds[i]
			cd := cellDecision{status: d.Status, protects: ref{-1, remNone}, via: -1}
			if d.Status == disclosure.Secondary {
				v, err := parse(d.Via)
				if err != nil {
					return err
				}
				cd.via = v.cell
				if d.Protects != "" {
					if cd.protects, err = parse(d.Protects); err != nil {
						return err
					}
				}
			}
			out[int(c)*nIdx+k] = cd
		}
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), nIdx)
	errs := make([]error, nIdx)
	next := make(chan int, nIdx)
	for k := range nIdx {
		next <- k
	}
	close(next)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := &buffers{pos: make([]int32, nCells)}
			for k := range next {
				errs[k] = one(k, b)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// label names cell c in a suppression note: "school 974123456 grade 7
// gender G".
func (y *yearState) label(c int32) string {
	ck := y.cells[c]
	u := y.units[ck.unit]
	g := "all"
	if ck.grade != all {
		g = strconv.Itoa(int(ck.grade))
	}
	sex := "all"
	if ck.gender >= 0 {
		sex = genderNames[ck.gender]
	}
	return unitNames[u.typ] + " " + u.code + " grade " + g + " gender " + sex
}

// notes writes the suppression column of a year's rows.
type notes struct {
	y            *yearState
	min, primary string
}

func newNotes(y *yearState, minResp int64) notes {
	m := strconv.FormatInt(minResp, 10)
	return notes{y: y, min: m, primary: "primary: n < " + m}
}

// of is the suppression note of a suppressed (cell, index): "primary: n <
// 10", "secondary: protects <cell>" (or "the respondents of <cell> without
// a class" / "without a gender"), or "secondary: the suppressed parts of
// <cell> together have n < 10"; "" when published.
func (ns notes) of(d cellDecision) string {
	y := ns.y
	switch d.status {
	case disclosure.Primary:
		return ns.primary
	case disclosure.Secondary:
		if d.protects.cell < 0 {
			return "secondary: the suppressed parts of " + y.label(d.via) + " together have n < " + ns.min
		}
		switch d.protects.rem {
		case remClass:
			return "secondary: protects the respondents of " + y.label(d.protects.cell) + " without a class"
		case remGender:
			return "secondary: protects the respondents of " + y.label(d.protects.cell) + " without a gender"
		}
		return "secondary: protects " + y.label(d.protects.cell)
	}
	return ""
}
