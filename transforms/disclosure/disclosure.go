// Package disclosure decides which cells of a table of counts may be
// published: primary suppression of small cells and complementary (secondary)
// suppression so that a suppressed cell cannot be recovered by subtraction.
//
// Callers (the grunnskolepoeng aggregates, and later the survey and school
// contribution indicators) describe their table as cells (a key and the number
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
//  1. Primary: a cell with N < minN is suppressed.
//  2. Complementary: whenever exactly one cell of a partition is suppressed,
//     one more of its cells is suppressed, so that the equation cannot be
//     solved for it: the published child with the smallest N (ties: the
//     smallest key), or, when no child is published (a single child, which
//     then equals its parent), the parent.
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
// The outcome depends only on the keys, counts and partitions, never on the
// order in which they are passed: partitions are processed in the order of
// their parent key (then their sorted child keys), and every choice among
// children is by (N, key).
//
// # Guarantee
//
// Let each partition be complete, that is, the parent's N is the sum of its
// children's N (checked), and let every other additive statistic published
// with a cell (a sum of scores, a sum of squares, hence a mean and a standard
// deviation) also be the sum over the children (the caller's duty). Then after
// Suppress, every partition holds either no suppressed cell or at least two.
// In particular no published parent has exactly one suppressed child, and no
// suppressed parent has all its children published. Adding or subtracting the
// published cells of any one partition therefore yields at most one equation
// in two or more suppressed cells (their combined total, or the difference of
// a suppressed parent and its suppressed children), never one cell's value.
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
	"container/heap"
	"fmt"
	"slices"
)

// Cell is one number that may be published: Key identifies it (unique in the
// call), N is the count of units it rests on (pupils, respondents).
type Cell struct {
	Key string
	N   int64
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
)

func (s Status) String() string {
	switch s {
	case Published:
		return "published"
	case Primary:
		return "primary"
	case Secondary:
		return "secondary"
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
	// or "secondary: protects <key>".
	Note string
}

// Suppressed reports whether the cell must not be published.
func (d Decision) Suppressed() bool { return d.Status != Published }

// Suppress applies primary suppression (N < minN) and complementary
// suppression over partitions, as described in the package documentation.
// It returns one Decision per cell, in the order of cells.
//
// It fails, suppressing nothing, when a key is empty or repeated, an N is
// negative, a partition has no children, names a cell that is not in cells,
// repeats a child or has its parent among its children, or when the children's
// N do not add up to the parent's N (the partition is not complete, and the
// guarantee would not hold).
func Suppress(cells []Cell, partitions []Partition, minN int64) ([]Decision, error) {
	index := make(map[string]int, len(cells))
	for i, c := range cells {
		if c.Key == "" {
			return nil, fmt.Errorf("checking cell %d: empty key", i)
		}
		if c.N < 0 {
			return nil, fmt.Errorf("checking cell %q: negative n %d", c.Key, c.N)
		}
		if _, dup := index[c.Key]; dup {
			return nil, fmt.Errorf("checking cell %q: key repeated", c.Key)
		}
		index[c.Key] = i
	}

	parts, err := resolve(cells, index, partitions)
	if err != nil {
		return nil, err
	}

	st := &state{
		cells:     cells,
		parts:     parts,
		decisions: make([]Decision, len(cells)),
		suppCount: make([]int, len(parts)),
		suppN:     make([]int64, len(parts)),
		minN:      minN,
		memberOf:  make([][]int, len(cells)),
		queued:    make([]bool, len(parts)),
	}
	for pi, p := range parts {
		st.memberOf[p.parent] = append(st.memberOf[p.parent], pi)
		for _, c := range p.children {
			st.memberOf[c] = append(st.memberOf[c], pi)
		}
	}
	for i, c := range cells {
		st.decisions[i].Key = c.Key
	}
	for i, c := range cells {
		if c.N < minN {
			st.decisions[i].Status = Primary
			st.decisions[i].Note = fmt.Sprintf("primary: n < %d", minN)
			st.count(i)
		}
	}
	for pi := range parts {
		st.push(pi)
	}
	st.run()
	return st.decisions, nil
}

// part is a validated partition in index form. Children are sorted by (N, key)
// so that the first published child is the one to suppress.
type part struct {
	parent   int
	children []int
}

func resolve(cells []Cell, index map[string]int, partitions []Partition) ([]part, error) {
	parts := make([]part, 0, len(partitions))
	for _, p := range partitions {
		pi, ok := index[p.Parent]
		if !ok {
			return nil, fmt.Errorf("checking partition of %q: parent is not a cell", p.Parent)
		}
		if len(p.Children) == 0 {
			return nil, fmt.Errorf("checking partition of %q: no children", p.Parent)
		}
		children := make([]int, len(p.Children))
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
		slices.SortFunc(children, func(a, b int) int {
			return cmp.Or(cmp.Compare(cells[a].N, cells[b].N), cmp.Compare(cells[a].Key, cells[b].Key))
		})
		for j := 1; j < len(children); j++ {
			if children[j] == children[j-1] {
				return nil, fmt.Errorf("checking partition of %q: child %q repeated", p.Parent, cells[children[j]].Key)
			}
		}
		parts = append(parts, part{parent: pi, children: children})
	}
	// Canonical order: by parent key, then by the sorted child keys, so the
	// outcome does not depend on the caller's order.
	keys := make([][]string, len(parts))
	for i, p := range parts {
		ks := make([]string, len(p.children))
		for j, c := range p.children {
			ks[j] = cells[c].Key
		}
		slices.Sort(ks)
		keys[i] = ks
	}
	order := make([]int, len(parts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(cells[parts[a].parent].Key, cells[parts[b].parent].Key), slices.Compare(keys[a], keys[b]))
	})
	sorted := make([]part, len(parts))
	for i, o := range order {
		sorted[i] = parts[o]
	}
	return sorted, nil
}

// state is the work of one Suppress call. suppCount[p] is the number of
// suppressed cells (parent and children) of partition p, suppN[p] the
// combined N of its suppressed children; memberOf[c] lists the
// partitions cell c is the parent or a child of; the queue holds partitions to
// re-check, smallest index (canonical order) first.
type state struct {
	cells     []Cell
	parts     []part
	decisions []Decision
	suppCount []int
	suppN     []int64
	minN      int64
	memberOf  [][]int
	queue     intHeap
	queued    []bool
}

func (s *state) push(pi int) {
	if !s.queued[pi] {
		s.queued[pi] = true
		heap.Push(&s.queue, pi)
	}
}

// count records that cell i is now suppressed in every partition it is in.
func (s *state) count(i int) {
	for _, pi := range s.memberOf[i] {
		s.suppCount[pi]++
		if s.parts[pi].parent != i {
			s.suppN[pi] += s.cells[i].N
		}
	}
}

// combinedTooSmall is rule 3: a published parent whose suppressed children
// rest together on fewer than minN units. It always has a published child
// left: if all were suppressed, the parent's N would be their sum, below minN,
// and the parent would be primary.
func (s *state) combinedTooSmall(pi int) bool {
	p := s.parts[pi]
	return !s.decisions[p.parent].Suppressed() && s.suppN[pi] > 0 && s.suppN[pi] < s.minN
}

// run re-checks queued partitions until none has exactly one suppressed cell
// and none breaks rule 3. Each fix suppresses a new cell, so it ends after at
// most len(cells) fixes. A partition is re-queued whenever one of its cells
// becomes suppressed, and suppressed counts only grow, so when the queue is
// empty every partition satisfies the rules.
func (s *state) run() {
	for s.queue.Len() > 0 {
		pi := heap.Pop(&s.queue).(int)
		s.queued[pi] = false
		p := s.parts[pi]
		if s.suppCount[pi] != 1 {
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
func (s *state) suppress(target, protects, via int) {
	d := &s.decisions[target]
	d.Status = Secondary
	d.Via = s.cells[via].Key
	if protects < 0 {
		d.Note = fmt.Sprintf("secondary: the suppressed parts of %s together have n < %d", d.Via, s.minN)
	} else {
		d.Protects = s.cells[protects].Key
		d.Note = "secondary: protects " + d.Protects
	}
	s.count(target)
	for _, pi := range s.memberOf[target] {
		s.push(pi)
	}
}

type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
