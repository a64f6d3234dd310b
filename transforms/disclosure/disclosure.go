// Package disclosure decides which cells of a table of counts may be
// published: primary suppression of small cells and complementary (secondary)
// suppression so that a suppressed cell cannot be recovered by subtraction.
//
// Callers (the grunnskolepoeng aggregates, the survey indices, and later the
// school contribution indicators) describe their table as cells (a key and the number
// of units, pupils or respondents, behind the value) and partitions (a parent
// cell and the complete set of its children: a municipality and its schools, a
// school and its G/J split, a municipality and its public/private split). They
// call [Suppress] once per table, after all cells are known, and publish a
// value only for cells whose [Decision] is [Published].
//
// # Rules
//
// Each partition is read as one equation, parent = sum of children, over its
// cells (the parent and its children).
//
//  1. Primary: a cell with N < minN is suppressed. A hidden cell (see below)
//     is suppressed whatever its N.
//  2. Complementary: whenever exactly one cell of a partition is suppressed
//     (other than a hidden cell with N >= minN, see below), one more of its
//     cells is suppressed, so that the equation cannot be solved for it: the
//     published child with the smallest N (ties: the smallest key), or, when
//     no child is published (a single child, which then equals its parent),
//     the parent.
//  3. Combined: when the parent is published and its suppressed children
//     together rest on fewer than minN units, the smallest published child is
//     suppressed too, until they rest on at least minN: subtraction gives the
//     suppressed children's combined total (two schools of 3 and 4 pupils
//     would reveal the mean of those 7 pupils together).
//  4. Rules 2 and 3 are repeated until no partition needs them. One suppression can open
//     a new single hole in another partition the cell belongs to (a school
//     suppressed to protect a sibling in its municipality also sits in its own
//     G/J partition and in its owner group), so this cascades.
//
// The two cases of rule 2:
//   - A published parent with exactly one suppressed child: the usual case
//     (a municipality of schools of 50, 40 and 5 pupils: the 5 is primary,
//     and the 40 is suppressed too).
//   - A suppressed parent with all children published: the parent would be
//     their sum. A primary parent never is one (its children are no larger
//     than it, so they are primary too), but a parent suppressed as secondary in
//     another partition is (a school of 40 suppressed to protect a sibling,
//     whose 22 boys and 18 girls are published, would be 22 + 18). Its
//     smallest child is suppressed as well. A suppressed parent with at least
//     one suppressed child needs nothing more.
//
// # Hidden cells
//
// Some units of a parent are in no published child: the respondents of a
// school who have no class, or of a unit who gave no gender. The caller passes
// such a remainder (parent N minus the published children's N) as a cell with
// [Cell.Hidden] set, so that the partition is complete. A hidden cell is never
// published, whatever its N: it starts suppressed, with status [Hidden], and
// counts as a suppressed cell of its partition for rule 2 (one suppressed
// class and a hidden remainder are already two unknowns) and in rule 3's
// combined N. It is never chosen as a secondary cell, since it is already
// unpublished.
//
// A hidden cell with N >= minN needs no protection of its own: when it is
// the only suppressed cell of its partition, subtraction reveals it, but it
// rests on enough units that primary suppression would have published it
// (the few hundred respondents of a nation who gave no gender do not cost
// the nation's boys or girls their values). Because its value may thus
// become known, a hidden cell may belong to one partition only (checked);
// a hidden cell with N < minN is protected like a primary cell.
//
// A remainder of 0 units is no cell: the caller leaves it out (Suppress
// fails on a hidden cell with N 0, which would only cost a needless
// suppression). With minN <= 1 every hidden cell needs no protection, and
// nothing but the hidden cells themselves is suppressed.
//
// The outcome depends only on the keys, counts and partitions, never on the
// order in which they are passed: partitions are processed in the order of
// their parent key (then their sorted child keys), and every choice among
// children is by (N, key).
//
// # Guarantee
//
// Let each partition be complete, that is, the parent's N is the sum of its
// children's N (checked; with its hidden remainder, if any), and let every other additive statistic published
// with a cell (a sum of scores, a sum of squares, hence a mean and a standard
// deviation) also be the sum over the children (the caller's duty). Then after
// Suppress, every partition holds no suppressed cell, at least two, or
// exactly one that is a hidden cell with N >= minN. In particular no
// published parent has exactly one suppressed child, and no suppressed parent
// has all its children published, unless that child or parent is such a
// hidden cell. Adding or subtracting the published cells of any one partition
// therefore yields at most one equation in two or more suppressed cells
// (their combined total, or the difference of a suppressed parent and its
// suppressed children), never the value of one cell that rests on fewer than
// minN units or protects one that does.
//
// # Limits
//
//   - What subtraction does reveal: the combined N (and sums) of the suppressed
//     children of a published parent, and from it bounds on each of them (each
//     lies between 0 and the combined total, and a primary cell is publicly
//     known to be below minN). Rule 3 makes that combined total rest on at
//     least minN units.
//   - Overlapping hierarchies: a cell sits in several partitions (its
//     municipality's school list, its own G/J split, its owner group). The
//     rule is applied to each partition alone; the package does not audit the
//     system of all equations together, so a combination of published totals
//     across partitions, with non-negativity, may narrow a suppressed cell to
//     an interval (in rare layouts to a single value). A full audit needs a
//     linear-programming tool such as tau-argus.
//   - Only the partitions passed in are protected. Totals published elsewhere
//     (another table, another year, another indicator over the same pupils)
//     are not known here.
//   - It is a greedy heuristic, not an optimal cell-suppression solver: it does
//     not minimise the number of cells or the information lost, it only picks
//     the smallest published child each time, and which partition is fixed
//     first can change how many cells end up suppressed.
package disclosure

import (
	"cmp"
	"fmt"
	"slices"
)

// Cell is one number that may be published: Key identifies it (unique in the
// call), N is the count of units it rests on (pupils, respondents).
type Cell struct {
	Key string
	N   int64
	// Hidden marks a cell that is never published whatever its N: the
	// remainder of a partition whose units are in no published child (see
	// "Hidden cells" in the package documentation). Its Decision has status
	// [Hidden]. It must have N > 0 and belong to at most one partition. The
	// zero value, false, is an ordinary cell.
	Hidden bool
}

// Partition says that Parent is made up exactly of Children: every unit in the
// parent is in exactly one child, so the parent's N (and any additive
// statistic) is the sum over the children. A cell may be the parent of several
// partitions (a municipality split by school, by gender and by owner) and the
// child in several (a school's girls belong to the school and to the
// municipality's girls).
type Partition struct {
	Parent   string
	Children []string
}

// Status says whether a cell may be published and, if not, why.
type Status int8

const (
	// Published cells may be shown.
	Published Status = iota
	// Primary cells rest on fewer than minN (see [Suppress]) units.
	Primary
	// Secondary cells are suppressed so that another suppressed cell cannot be
	// recovered by subtraction.
	Secondary
	// Hidden cells were passed with [Cell.Hidden]: never published, whatever
	// their N. Only a hidden cell gets this status, and it always does.
	Hidden
)

func (s Status) String() string {
	switch s {
	case Published:
		return "published"
	case Primary:
		return "primary"
	case Secondary:
		return "secondary"
	case Hidden:
		return "hidden"
	}
	return fmt.Sprintf("Status(%d)", int8(s))
}

// Decision is the outcome for one cell.
type Decision struct {
	Key    string
	Status Status
	// Protects is, for a Secondary cell, the key of the cell that was the only
	// suppressed cell of Via's partition (a child, or the parent itself).
	Protects string
	// Via is, for a Secondary cell, the parent key of the partition that
	// needed this suppression.
	Via string
	// Note is the human-readable reason: "" when published, "primary: n < 10",
	// "secondary: protects <key>", "secondary: the suppressed parts of <key>
	// together have n < 10" (rule 3), or "hidden: never published".
	Note string
}

// Suppressed reports whether the cell must not be published.
func (d Decision) Suppressed() bool { return d.Status != Published }

// Suppress applies primary suppression (N < minN) and complementary
// suppression over partitions, as described in the package documentation.
// It returns one Decision per cell, in the order of cells.
//
// It fails, suppressing nothing, when a key is empty or repeated, an N is
// negative, a hidden cell has N 0 or is in more than one partition, a
// partition has no children, names a cell that is not in cells, repeats a
// child or has its parent among its children, or when the children's N do
// not add up to the parent's N (the partition is not complete, and the
// guarantee would not hold).
func Suppress(cells []Cell, partitions []Partition, minN int64) ([]Decision, error) {
	index := make(map[string]int32, len(cells))
	for i, c := range cells {
		if c.Key == "" {
			return nil, fmt.Errorf("checking cell %d: empty key", i)
		}
		if c.N < 0 {
			return nil, fmt.Errorf("checking cell %q: negative n %d", c.Key, c.N)
		}
		if c.Hidden && c.N == 0 {
			return nil, fmt.Errorf("checking cell %q: hidden with n 0 (leave an empty remainder out)", c.Key)
		}
		if _, dup := index[c.Key]; dup {
			return nil, fmt.Errorf("checking cell %q: key repeated", c.Key)
		}
		index[c.Key] = int32(i)
	}

	parts, err := resolve(cells, index, partitions)
	if err != nil {
		return nil, err
	}

	st := &state{
		cells:     cells,
		parts:     parts,
		decisions: make([]Decision, len(cells)),
		suppCount: make([]int32, len(parts)),
		suppN:     make([]int64, len(parts)),
		minN:      minN,
		exempt:    make([]int32, len(parts)),
		queued:    make([]bool, len(parts)),
	}
	st.memberOf, st.memberAt = members(len(cells), parts)
	for i, c := range cells {
		if n := st.memberAt[i+1] - st.memberAt[i]; c.Hidden && n > 1 {
			return nil, fmt.Errorf("checking cell %q: hidden, but in %d partitions (at most one)", c.Key, n)
		}
	}
	for i, c := range cells {
		st.decisions[i].Key = c.Key
	}
	primaryNote := fmt.Sprintf("primary: n < %d", minN)
	for i, c := range cells {
		switch {
		case c.Hidden:
			st.decisions[i].Status = Hidden
			st.decisions[i].Note = "hidden: never published"
			st.count(i)
			if c.N >= minN {
				for _, pi := range st.partsOf(i) {
					st.exempt[pi]++
				}
			}
		case c.N < minN:
			st.decisions[i].Status = Primary
			st.decisions[i].Note = primaryNote
			st.count(i)
		}
	}
	// Every partition is queued at the start (those >= st.next).
	for pi := range parts {
		st.queued[pi] = true
	}
	st.run()
	return st.decisions, nil
}

// part is a validated partition in index form. Children are sorted by (N, key)
// so that the first published child is the one to suppress.
type part struct {
	parent   int32
	children []int32
}

func resolve(cells []Cell, index map[string]int32, partitions []Partition) ([]part, error) {
	total := 0
	for _, p := range partitions {
		total += len(p.Children)
	}
	// All children in one buffer, each partition's a slice of it.
	buf := make([]int32, total)
	// Every comparison of keys below is one of their ranks: one sort of the
	// keys (quick when the caller passes them in order).
	byRank := make([]int32, len(cells))
	for i := range byRank {
		byRank[i] = int32(i)
	}
	slices.SortFunc(byRank, func(a, b int32) int { return cmp.Compare(cells[a].Key, cells[b].Key) })
	rank := make([]int32, len(cells))
	for r, c := range byRank {
		rank[c] = int32(r)
	}
	byKey := func(a, b int32) int { return cmp.Compare(rank[a], rank[b]) }
	parts := make([]part, 0, len(partitions))
	for _, p := range partitions {
		pi, ok := index[p.Parent]
		if !ok {
			return nil, fmt.Errorf("checking partition of %q: parent is not a cell", p.Parent)
		}
		if len(p.Children) == 0 {
			return nil, fmt.Errorf("checking partition of %q: no children", p.Parent)
		}
		children := buf[:len(p.Children):len(p.Children)]
		buf = buf[len(p.Children):]
		var sum int64
		for j, k := range p.Children {
			ci, ok := index[k]
			if !ok {
				return nil, fmt.Errorf("checking partition of %q: child %q is not a cell", p.Parent, k)
			}
			if ci == pi {
				return nil, fmt.Errorf("checking partition of %q: the parent is among its children", p.Parent)
			}
			children[j] = ci
			sum += cells[ci].N
		}
		if sum != cells[pi].N {
			return nil, fmt.Errorf("checking partition of %q: children add up to n %d, parent has n %d (a partition must be complete)", p.Parent, sum, cells[pi].N)
		}
		// Sorted by key first, to find repeats and for the canonical order
		// below; then (stably, keys being unique) by N.
		slices.SortFunc(children, byKey)
		for j := 1; j < len(children); j++ {
			if children[j] == children[j-1] {
				return nil, fmt.Errorf("checking partition of %q: child %q repeated", p.Parent, cells[children[j]].Key)
			}
		}
		parts = append(parts, part{parent: pi, children: children})
	}
	// Canonical order: by parent key, then by the sorted child keys, then (for
	// a partition passed twice) by input order, so the outcome does not depend
	// on the caller's order.
	order := make([]int32, len(parts))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		pa, pb := parts[a], parts[b]
		if pa.parent != pb.parent {
			return byKey(pa.parent, pb.parent)
		}
		return cmp.Or(slices.CompareFunc(pa.children, pb.children, byKey), cmp.Compare(a, b))
	})
	sorted := make([]part, len(parts))
	for i, o := range order {
		p := parts[o]
		slices.SortStableFunc(p.children, func(a, b int32) int { return cmp.Compare(cells[a].N, cells[b].N) })
		sorted[i] = p
	}
	return sorted, nil
}

// members lists the partitions each cell is the parent or a child of:
// cell c's are of[at[c]:at[c+1]], in increasing order.
func members(nCells int, parts []part) (of, at []int32) {
	at = make([]int32, nCells+1)
	for _, p := range parts {
		at[p.parent+1]++
		for _, c := range p.children {
			at[c+1]++
		}
	}
	for i := 1; i <= nCells; i++ {
		at[i] += at[i-1]
	}
	of = make([]int32, at[nCells])
	fill := slices.Clone(at[:nCells])
	for pi, p := range parts {
		of[fill[p.parent]] = int32(pi)
		fill[p.parent]++
		for _, c := range p.children {
			of[fill[c]] = int32(pi)
			fill[c]++
		}
	}
	return of, at
}

// state is the work of one Suppress call. suppCount[p] is the number of
// suppressed cells (parent and children) of partition p, suppN[p] the
// combined N of its suppressed children, exempt[p] the number of its hidden
// cells with N >= minN (which need no protection); partsOf(c) lists the
// partitions cell c is the parent or a child of.
//
// The partitions to re-check are taken smallest index (canonical order)
// first. They are those from next on (all queued at the start, not yet
// reached), and those below next queued again since they were checked, in
// queue, a binary min-heap. Every partition below next was popped once, so
// the heap holds only indices below next, and its top, when it has one, is
// the smallest queued index.
type state struct {
	cells     []Cell
	parts     []part
	decisions []Decision
	suppCount []int32
	suppN     []int64
	exempt    []int32
	minN      int64
	memberOf  []int32
	memberAt  []int32
	next      int32
	queue     []int32
	queued    []bool
}

func (s *state) partsOf(c int) []int32 { return s.memberOf[s.memberAt[c]:s.memberAt[c+1]] }

func (s *state) push(pi int32) {
	if s.queued[pi] {
		return
	}
	s.queued[pi] = true
	q := append(s.queue, pi)
	for i := len(q) - 1; i > 0; {
		up := (i - 1) / 2
		if q[up] <= q[i] {
			break
		}
		q[up], q[i] = q[i], q[up]
		i = up
	}
	s.queue = q
}

// pop returns the smallest queued partition, or -1 when none is.
func (s *state) pop() int32 {
	q := s.queue
	if len(q) == 0 {
		if int(s.next) == len(s.parts) {
			return -1
		}
		s.next++
		s.queued[s.next-1] = false
		return s.next - 1
	}
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(q) {
			break
		}
		if r := l + 1; r < len(q) && q[r] < q[l] {
			l = r
		}
		if q[i] <= q[l] {
			break
		}
		q[i], q[l] = q[l], q[i]
		i = l
	}
	s.queue = q
	s.queued[top] = false
	return top
}

// count records that cell i is now suppressed in every partition it is in.
func (s *state) count(i int) {
	for _, pi := range s.partsOf(i) {
		s.suppCount[pi]++
		if int(s.parts[pi].parent) != i {
			s.suppN[pi] += s.cells[i].N
		}
	}
}

// combinedTooSmall is rule 3: a published parent whose suppressed children
// rest together on fewer than minN units. It always has a published child
// left: if all were suppressed, the parent's N would be their sum, below minN,
// and the parent would be primary.
func (s *state) combinedTooSmall(pi int32) bool {
	p := s.parts[pi]
	return !s.decisions[p.parent].Suppressed() && s.suppN[pi] > 0 && s.suppN[pi] < s.minN
}

// run re-checks queued partitions until none has exactly one suppressed cell
// (other than an exempt hidden cell) and none breaks rule 3. Each fix
// suppresses a new cell, so it ends after at most len(cells) fixes. A
// partition is re-queued whenever one of its cells becomes suppressed, and
// suppressed counts only grow, so when the queue is empty every partition
// satisfies the rules.
func (s *state) run() {
	for {
		pi := s.pop()
		if pi < 0 {
			return
		}
		p := s.parts[pi]
		// With exactly one suppressed cell and an exempt hidden cell, the one
		// is that hidden cell: it needs no partner (rule 3 holds too, as
		// its N alone reaches minN).
		if s.suppCount[pi] != 1 || s.exempt[pi] > 0 {
			if s.combinedTooSmall(pi) {
				for _, c := range p.children {
					if !s.decisions[c].Suppressed() {
						s.suppress(c, -1, p.parent)
						break
					}
				}
			}
			continue
		}
		hole, target := p.parent, p.parent
		if !s.decisions[p.parent].Suppressed() {
			for _, c := range p.children {
				if s.decisions[c].Suppressed() {
					hole = c
					break
				}
			}
		}
		// Children are sorted by (N, key): the first published one is the
		// smallest. With none published (a single child, the hole), the
		// parent goes.
		for _, c := range p.children {
			if !s.decisions[c].Suppressed() {
				target = c
				break
			}
		}
		s.suppress(target, hole, p.parent)
	}
}

// suppress makes target secondary. protects is the cell it protects, or -1
// when it protects the combined total of via's suppressed children (rule 3).
func (s *state) suppress(target, protects, via int32) {
	d := &s.decisions[target]
	d.Status = Secondary
	d.Via = s.cells[via].Key
	if protects < 0 {
		d.Note = fmt.Sprintf("secondary: the suppressed parts of %s together have n < %d", d.Via, s.minN)
	} else {
		d.Protects = s.cells[protects].Key
		d.Note = "secondary: protects " + d.Protects
	}
	s.count(int(target))
	for _, pi := range s.partsOf(int(target)) {
		s.push(pi)
	}
}
