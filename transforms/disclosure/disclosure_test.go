package disclosure

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// want is the expected outcome for one cell: its status and, for a secondary
// cell, the cell it protects and the partition parent that needed it.
type want struct {
	status   Status
	protects string
	via      string
}

func pub() want                     { return want{status: Published} }
func prim() want                    { return want{status: Primary} }
func sec(protects, via string) want { return want{status: Secondary, protects: protects, via: via} }
func hid() want                     { return want{status: Hidden} }

func run(t *testing.T, cells []Cell, parts []Partition, minN int64) map[string]Decision {
	t.Helper()
	ds, err := Suppress(cells, parts, minN)
	if err != nil {
		t.Fatalf("Suppress: %v", err)
	}
	if len(ds) != len(cells) {
		t.Fatalf("got %d decisions for %d cells", len(ds), len(cells))
	}
	out := make(map[string]Decision, len(ds))
	for i, d := range ds {
		if d.Key != cells[i].Key {
			t.Fatalf("decision %d is for %q, cell %d is %q", i, d.Key, i, cells[i].Key)
		}
		out[d.Key] = d
	}
	return out
}

func check(t *testing.T, got map[string]Decision, wants map[string]want, minN int64) {
	t.Helper()
	if len(got) != len(wants) {
		t.Errorf("got %d decisions, want %d", len(got), len(wants))
	}
	for k, w := range wants {
		d, ok := got[k]
		if !ok {
			t.Errorf("%s: no decision", k)
			continue
		}
		if d.Status != w.status || d.Protects != w.protects || d.Via != w.via {
			t.Errorf("%s: got %v protects %q via %q, want %v protects %q via %q",
				k, d.Status, d.Protects, d.Via, w.status, w.protects, w.via)
		}
		var note string
		switch w.status {
		case Primary:
			note = fmt.Sprintf("primary: n < %d", minN)
		case Secondary:
			note = "secondary: protects " + w.protects
			if w.protects == "" {
				note = fmt.Sprintf("secondary: the suppressed parts of %s together have n < %d", w.via, minN)
			}
		case Hidden:
			note = "hidden: never published"
		}
		if d.Note != note {
			t.Errorf("%s: note %q, want %q", k, d.Note, note)
		}
	}
}

func TestSuppressHandWorked(t *testing.T) {
	tests := []struct {
		name  string
		cells []Cell
		parts []Partition
		want  map[string]want
	}{
		{
			// 50 + 40 + 5 = 95. The 5 is primary; publishing 95, 50 and 40
			// would give it as 95 - 50 - 40, so the smallest published
			// sibling, the 40, goes too. 95 - 50 = 45 is then all one learns.
			name:  "municipality with schools of 50, 40 and 5",
			cells: []Cell{{Key: "m", N: 95}, {Key: "s1", N: 50}, {Key: "s2", N: 40}, {Key: "s3", N: 5}},
			parts: []Partition{{"m", []string{"s1", "s2", "s3"}}},
			want:  map[string]want{"m": pub(), "s1": pub(), "s2": sec("s3", "m"), "s3": prim()},
		},
		{
			// 30 = 25 G + 5 J: J is primary, G would give it as 30 - 25, so
			// G is suppressed and the school total stays.
			name:  "school of 30 split 25 G and 5 J",
			cells: []Cell{{Key: "s", N: 30}, {Key: "s/G", N: 25}, {Key: "s/J", N: 5}},
			parts: []Partition{{"s", []string{"s/G", "s/J"}}},
			want:  map[string]want{"s": pub(), "s/G": sec("s/J", "s"), "s/J": prim()},
		},
		{
			// A school of 8 = 5 G + 3 J: all three are primary. The partition
			// holds three suppressed cells, so nothing more is needed.
			name:  "suppressed parent needs no secondary",
			cells: []Cell{{Key: "s", N: 8}, {Key: "s/G", N: 5}, {Key: "s/J", N: 3}},
			parts: []Partition{{"s", []string{"s/G", "s/J"}}},
			want:  map[string]want{"s": prim(), "s/G": prim(), "s/J": prim()},
		},
		{
			// 12 = 9 G + 3 J: both children primary, the parent published.
			// 12 - ? - ? has two unknowns: nothing more.
			name:  "two primary children under a published parent",
			cells: []Cell{{Key: "s", N: 12}, {Key: "s/G", N: 9}, {Key: "s/J", N: 3}},
			parts: []Partition{{"s", []string{"s/G", "s/J"}}},
			want:  map[string]want{"s": pub(), "s/G": prim(), "s/J": prim()},
		},
		{
			// n = 9 is under the threshold 10, n = 10 is not.
			name:  "threshold: 9 suppressed, 10 published",
			cells: []Cell{{Key: "a", N: 9}, {Key: "b", N: 10}},
			want:  map[string]want{"a": prim(), "b": pub()},
		},
		{
			// Siblings of equal n: the smaller key goes. m = 5 + 20 + 20.
			name:  "ties broken by key",
			cells: []Cell{{Key: "m", N: 45}, {Key: "s/y", N: 20}, {Key: "s/x", N: 20}, {Key: "s/z", N: 5}},
			parts: []Partition{{"m", []string{"s/y", "s/x", "s/z"}}},
			want:  map[string]want{"m": pub(), "s/x": sec("s/z", "m"), "s/y": pub(), "s/z": prim()},
		},
		{
			// m = s1 + s2 + s3 (50 + 40 + 5). The 40 goes to protect the 5 (as
			// above). Its own split 40 = 22 G + 18 J is published, so 40 would
			// come back as 22 + 18, and with it 5 = 95 - 50 - 40. The
			// partition s2 = s2/G + s2/J now has one suppressed cell (the
			// parent), so its smallest child, the 18, goes too. s1 = 30 + 20
			// and s3 = 3 + 2: s3's children are primary (3, 2 < 10).
			name: "secondary parent whose children were published",
			cells: []Cell{
				{Key: "m", N: 95}, {Key: "s1", N: 50}, {Key: "s2", N: 40}, {Key: "s3", N: 5},
				{Key: "s1/G", N: 30}, {Key: "s1/J", N: 20}, {Key: "s2/G", N: 22}, {Key: "s2/J", N: 18}, {Key: "s3/G", N: 3}, {Key: "s3/J", N: 2},
			},
			parts: []Partition{
				{"m", []string{"s1", "s2", "s3"}},
				{"s1", []string{"s1/G", "s1/J"}},
				{"s2", []string{"s2/G", "s2/J"}},
				{"s3", []string{"s3/G", "s3/J"}},
			},
			want: map[string]want{
				"m": pub(), "s1": pub(), "s2": sec("s3", "m"), "s3": prim(),
				"s1/G": pub(), "s1/J": pub(), "s2/G": pub(), "s2/J": sec("s2", "s2"), "s3/G": prim(), "s3/J": prim(),
			},
		},
		{
			// Cascade across partitions. Municipality m has public schools a
			// (50) and b (40), private schools c (5) and d (60): m = 155,
			// m/public = 90, m/private = 65. Partitions, in the order they are
			// processed (parent key, then child keys): m = m/private +
			// m/public; m = a + b + c + d; m/private = c + d; m/public = a + b.
			//   1. c is primary (5 < 10).
			//   2. m = m/private + m/public: nothing suppressed.
			//   3. m = a + b + c + d: c alone; smallest published is b (40 <
			//      50 < 60): b goes, protecting c.
			//   4. m/private = c + d: c alone: d goes, protecting c.
			//   5. m/public = a + b: b (suppressed in step 3) alone: a goes,
			//      protecting b. This one exists only because of step 3.
			// Then m = a + b + c + d has four holes, every partition is fine.
			name: "cascade through the owner partition",
			cells: []Cell{
				{Key: "m", N: 155}, {Key: "m/public", N: 90}, {Key: "m/private", N: 65},
				{Key: "s/a", N: 50}, {Key: "s/b", N: 40}, {Key: "s/c", N: 5}, {Key: "s/d", N: 60},
			},
			parts: []Partition{
				{"m", []string{"s/a", "s/b", "s/c", "s/d"}},
				{"m", []string{"m/public", "m/private"}},
				{"m/public", []string{"s/a", "s/b"}},
				{"m/private", []string{"s/c", "s/d"}},
			},
			want: map[string]want{
				"m": pub(), "m/public": pub(), "m/private": pub(),
				"s/a": sec("s/b", "m/public"), "s/b": sec("s/c", "m"), "s/c": prim(), "s/d": sec("s/c", "m/private"),
			},
		},
		{
			// A county with one municipality: the county equals it. x = y + z
			// with z = 5 primary puts y (40) out as secondary. County c = y
			// then has one suppressed cell, the child, and no published
			// sibling: c itself goes (it would be y).
			name:  "single child suppressed: the parent goes",
			cells: []Cell{{Key: "x", N: 45}, {Key: "y", N: 40}, {Key: "z", N: 5}, {Key: "c", N: 40}},
			parts: []Partition{{"x", []string{"y", "z"}}, {"c", []string{"y"}}},
			want:  map[string]want{"x": pub(), "y": sec("z", "x"), "z": prim(), "c": sec("y", "c")},
		},
		{
			// The mirror: x = y + z, z = 5 primary, y (40) secondary; y's only
			// child w (y = w, 40) would give y back, so w goes.
			name:  "single child of a suppressed parent: the child goes",
			cells: []Cell{{Key: "x", N: 45}, {Key: "y", N: 40}, {Key: "z", N: 5}, {Key: "w", N: 40}},
			parts: []Partition{{"x", []string{"y", "z"}}, {"y", []string{"w"}}},
			want:  map[string]want{"x": pub(), "y": sec("z", "x"), "z": prim(), "w": sec("y", "y")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, tt.cells, tt.parts, 10)
			check(t, got, tt.want, 10)
		})
	}
}

func TestSuppressOrderDoesNotMatter(t *testing.T) {
	// The cascade case above, with cells, partitions and children shuffled:
	// the same decisions every time.
	cells := []Cell{
		{Key: "m", N: 155}, {Key: "m/public", N: 90}, {Key: "m/private", N: 65},
		{Key: "s/a", N: 50}, {Key: "s/b", N: 40}, {Key: "s/c", N: 5}, {Key: "s/d", N: 60},
	}
	parts := []Partition{
		{"m", []string{"s/a", "s/b", "s/c", "s/d"}},
		{"m", []string{"m/public", "m/private"}},
		{"m/public", []string{"s/a", "s/b"}},
		{"m/private", []string{"s/c", "s/d"}},
	}
	base := run(t, cells, parts, 10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		cs := append([]Cell(nil), cells...)
		r.Shuffle(len(cs), func(a, b int) { cs[a], cs[b] = cs[b], cs[a] })
		ps := make([]Partition, len(parts))
		for j, p := range parts {
			ch := append([]string(nil), p.Children...)
			r.Shuffle(len(ch), func(a, b int) { ch[a], ch[b] = ch[b], ch[a] })
			ps[j] = Partition{Parent: p.Parent, Children: ch}
		}
		r.Shuffle(len(ps), func(a, b int) { ps[a], ps[b] = ps[b], ps[a] })
		got := run(t, cs, ps, 10)
		for k, d := range base {
			if got[k] != d {
				t.Fatalf("shuffle %d: %s: got %+v, want %+v", i, k, got[k], d)
			}
		}
	}
}

func TestSuppressRejectsBadInput(t *testing.T) {
	tests := []struct {
		name  string
		cells []Cell
		parts []Partition
		msg   string
	}{
		{"empty key", []Cell{{Key: "", N: 1}}, nil, "empty key"},
		{"negative n", []Cell{{Key: "a", N: -1}}, nil, "negative n"},
		{"repeated key", []Cell{{Key: "a", N: 1}, {Key: "a", N: 2}}, nil, "key repeated"},
		{"unknown parent", []Cell{{Key: "a", N: 1}}, []Partition{{"p", []string{"a"}}}, "parent is not a cell"},
		{"unknown child", []Cell{{Key: "p", N: 1}}, []Partition{{"p", []string{"a"}}}, `child "a" is not a cell`},
		{"no children", []Cell{{Key: "p", N: 1}}, []Partition{{"p", nil}}, "no children"},
		{"parent among children", []Cell{{Key: "p", N: 0}, {Key: "a", N: 0}}, []Partition{{"p", []string{"a", "p"}}}, "parent is among its children"},
		{"repeated child", []Cell{{Key: "p", N: 4}, {Key: "a", N: 2}}, []Partition{{"p", []string{"a", "a"}}}, "repeated"},
		{"incomplete", []Cell{{Key: "p", N: 30}, {Key: "a", N: 10}, {Key: "b", N: 15}}, []Partition{{"p", []string{"a", "b"}}}, "children add up to n 25, parent has n 30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Suppress(tt.cells, tt.parts, 10)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got error %v, want one containing %q", err, tt.msg)
			}
		})
	}
}

// randomTable builds an overlapping layout like the grade-point tables: leaf
// cells (school x gender) with random small and large counts, grouped along
// several dimensions (school, municipality x gender, municipality x owner...),
// each group a partition of its leaves or of lower groups, all adding up.
//
// With hidden, some schools also have pupils of no gender (a hidden remainder
// in the school's G/J split), and the municipality's and nation's G/J splits
// have the sum of these as their hidden remainder.
func randomTable(r *rand.Rand, hidden bool) ([]Cell, []Partition) {
	var cells []Cell
	var parts []Partition
	add := func(key string, n int64) { cells = append(cells, Cell{Key: key, N: n}) }
	addHidden := func(key string, n int64) { cells = append(cells, Cell{Key: key, N: n, Hidden: true}) }
	var nationU int64

	nMuni := 1 + r.IntN(4)
	var nationG, nationJ int64
	var natMunis, natMuniG, natMuniJ []string
	for m := range nMuni {
		mk := fmt.Sprintf("m%d", m)
		nSchool := 1 + r.IntN(6)
		var munG, munJ, munU, pubN, privN int64
		var schools, schoolsG, schoolsJ, pubs, privs []string
		for s := range nSchool {
			sk := fmt.Sprintf("%s/s%d", mk, s)
			g, j := int64(r.IntN(30)), int64(r.IntN(30))
			if r.IntN(4) == 0 {
				g = int64(r.IntN(10))
			}
			if g+j == 0 {
				g = 1
			}
			var u int64
			if hidden && r.IntN(2) == 0 {
				u = 1 + int64(r.IntN(12))
			}
			var kids []string
			if g > 0 {
				add(sk+"/G", g)
				kids = append(kids, sk+"/G")
				schoolsG = append(schoolsG, sk+"/G")
			}
			if j > 0 {
				add(sk+"/J", j)
				kids = append(kids, sk+"/J")
				schoolsJ = append(schoolsJ, sk+"/J")
			}
			if u > 0 {
				addHidden(sk+"/u", u)
				kids = append(kids, sk+"/u")
			}
			add(sk, g+j+u)
			parts = append(parts, Partition{sk, kids})
			schools = append(schools, sk)
			munG += g
			munJ += j
			munU += u
			if r.IntN(3) == 0 {
				privs = append(privs, sk)
				privN += g + j + u
			} else {
				pubs = append(pubs, sk)
				pubN += g + j + u
			}
		}
		add(mk, munG+munJ+munU)
		parts = append(parts, Partition{mk, schools})
		var split []string
		if munG > 0 {
			add(mk+"/G", munG)
			parts = append(parts, Partition{mk + "/G", schoolsG})
			split = append(split, mk+"/G")
			natMuniG = append(natMuniG, mk+"/G")
		}
		if munJ > 0 {
			add(mk+"/J", munJ)
			parts = append(parts, Partition{mk + "/J", schoolsJ})
			split = append(split, mk+"/J")
			natMuniJ = append(natMuniJ, mk+"/J")
		}
		if munU > 0 {
			addHidden(mk+"/u", munU)
			split = append(split, mk+"/u")
		}
		parts = append(parts, Partition{mk, split})
		var owner []string
		if pubN > 0 {
			add(mk+"/public", pubN)
			parts = append(parts, Partition{mk + "/public", pubs})
			owner = append(owner, mk+"/public")
		}
		if privN > 0 {
			add(mk+"/private", privN)
			parts = append(parts, Partition{mk + "/private", privs})
			owner = append(owner, mk+"/private")
		}
		parts = append(parts, Partition{mk, owner})
		natMunis = append(natMunis, mk)
		nationG += munG
		nationJ += munJ
		nationU += munU
	}
	add("n", nationG+nationJ+nationU)
	parts = append(parts, Partition{"n", natMunis})
	var split []string
	if nationG > 0 {
		add("n/G", nationG)
		parts = append(parts, Partition{"n/G", natMuniG})
		split = append(split, "n/G")
	}
	if nationJ > 0 {
		add("n/J", nationJ)
		parts = append(parts, Partition{"n/J", natMuniJ})
		split = append(split, "n/J")
	}
	if nationU > 0 {
		addHidden("n/u", nationU)
		split = append(split, "n/u")
	}
	parts = append(parts, Partition{"n", split})
	return cells, parts
}

func TestSuppressedSiblingsMustTogetherReachTheMinimum(t *testing.T) {
	// A municipality of 117 pupils in schools of 3, 4, 50 and 60. The 3 and 4
	// are primary. They are two holes, so rule 2 is satisfied, but 117 - 50 -
	// 60 = 7 pupils would reveal the mean of those 7 together; the smallest
	// published school (50) goes too, and 3 + 4 + 50 = 57 >= 10.
	cells := []Cell{{Key: "m", N: 117}, {Key: "a", N: 3}, {Key: "b", N: 4}, {Key: "c", N: 50}, {Key: "d", N: 60}}
	got := run(t, cells, []Partition{{"m", []string{"a", "b", "c", "d"}}}, 10)
	want := map[string]Status{"m": Published, "a": Primary, "b": Primary, "c": Secondary, "d": Published}
	for k, st := range want {
		if got[k].Status != st {
			t.Errorf("%s: %v, want %v", k, got[k].Status, st)
		}
	}
	if got["c"].Note != "secondary: the suppressed parts of m together have n < 10" || got["c"].Via != "m" {
		t.Errorf("c: %+v", got["c"])
	}
	// With schools of 4 and 7, the two holes already rest on 11 pupils.
	got = run(t, []Cell{{Key: "m", N: 111}, {Key: "a", N: 4}, {Key: "b", N: 7}, {Key: "c", N: 40}, {Key: "d", N: 60}}, []Partition{{"m", []string{"a", "b", "c", "d"}}}, 10)
	if got["c"].Suppressed() || got["d"].Suppressed() {
		t.Errorf("holes of 4 + 7 = 11 pupils needed no more: c %v, d %v", got["c"].Status, got["d"].Status)
	}
}

func TestSuppressPropertyNoSingleHole(t *testing.T) {
	for _, hidden := range []bool{false, true} {
		t.Run(fmt.Sprintf("hidden=%v", hidden), func(t *testing.T) { testNoSingleHole(t, hidden) })
	}
}

func testNoSingleHole(t *testing.T, hidden bool) {
	r := rand.New(rand.NewPCG(20240601, 7))
	var anySecondary, anyCascade, anyFreeHidden, anyProtectsHidden bool
	for iter := range 2000 {
		cells, parts := randomTable(r, hidden)
		minN := int64(5 + r.IntN(10))
		got := run(t, cells, parts, minN)
		n := make(map[string]int64, len(cells))
		isHidden := map[string]bool{}
		for _, c := range cells {
			n[c.Key] = c.N
			isHidden[c.Key] = c.Hidden
		}
		for _, c := range cells {
			d := got[c.Key]
			if c.Hidden != (d.Status == Hidden) {
				t.Fatalf("iter %d: %s hidden %v: status %v", iter, c.Key, c.Hidden, d.Status)
			}
			if !c.Hidden && (c.N < minN) != (d.Status == Primary) {
				t.Fatalf("iter %d: %s n=%d min=%d: status %v", iter, c.Key, c.N, minN, d.Status)
			}
			if d.Status == Secondary {
				anySecondary = true
				if got[d.Protects].Status == Secondary {
					anyCascade = true
				}
				if isHidden[d.Protects] {
					anyProtectsHidden = true
				}
				combined := d.Protects == "" && strings.Contains(d.Note, "together have n <")
				if d.Via == "" || (!combined && !got[d.Protects].Suppressed()) {
					t.Fatalf("iter %d: %s secondary protects %q via %q (%s)", iter, c.Key, d.Protects, d.Via, d.Note)
				}
			}
		}
		// Counted from scratch, not from the package's own counters.
		for _, p := range parts {
			holes := 0
			if got[p.Parent].Suppressed() {
				holes++
			}
			for _, c := range p.Children {
				if got[c].Suppressed() {
					holes++
				}
			}
			if holes == 1 {
				// Allowed only when the one is a hidden cell with n >= minN.
				free := false
				for _, c := range append([]string{p.Parent}, p.Children...) {
					if isHidden[c] && n[c] >= minN {
						free = true
					}
				}
				if !free {
					t.Fatalf("iter %d: partition %s = %v has exactly one suppressed cell", iter, p.Parent, p.Children)
				}
				anyFreeHidden = true
			}
			if !got[p.Parent].Suppressed() {
				sup := 0
				for _, c := range p.Children {
					if got[c].Suppressed() {
						sup++
					}
				}
				if sup == 1 && holes != 1 {
					t.Fatalf("iter %d: published parent %s has exactly one suppressed child", iter, p.Parent)
				}
				var supN int64
				for _, c := range p.Children {
					if got[c].Suppressed() {
						supN += n[c]
					}
				}
				if supN > 0 && supN < minN {
					t.Fatalf("iter %d: published parent %s: its suppressed children together have n %d < %d", iter, p.Parent, supN, minN)
				}
			}
		}
	}
	if !anySecondary || !anyCascade {
		t.Fatalf("the random tables never exercised secondary (%v) or cascading (%v) suppression", anySecondary, anyCascade)
	}
	if hidden && (!anyFreeHidden || !anyProtectsHidden) {
		t.Fatalf("the random tables never left a hidden cell alone (%v) or protected one (%v)", anyFreeHidden, anyProtectsHidden)
	}
}

func BenchmarkSuppress(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	cells, parts := randomTable(r, false)
	for len(cells) < 20000 {
		c, p := randomTable(r, false)
		prefix := fmt.Sprintf("t%d/", len(cells))
		for i := range c {
			c[i].Key = prefix + c[i].Key
		}
		for i := range p {
			p[i].Parent = prefix + p[i].Parent
			for j := range p[i].Children {
				p[i].Children[j] = prefix + p[i].Children[j]
			}
		}
		cells = append(cells, c...)
		parts = append(parts, p...)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Suppress(cells, parts, 10); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(cells))*float64(b.N)/b.Elapsed().Seconds(), "cells/s")
}

func TestSuppressHiddenHandWorked(t *testing.T) {
	h := func(key string, n int64) Cell { return Cell{Key: key, N: n, Hidden: true} }
	tests := []struct {
		name  string
		cells []Cell
		parts []Partition
		minN  int64
		want  map[string]want
	}{
		{
			// 30 = 12 + 9 + 9 respondents without a class. The class of 9 is
			// primary, the remainder hidden: 30 - 12 = 18 is the sum of two
			// unknowns resting on 18 >= 10. Nothing more.
			name:  "school of 30: classes of 12 and 9, 9 without a class",
			cells: []Cell{{Key: "s", N: 30}, {Key: "s/a", N: 12}, {Key: "s/b", N: 9}, h("s/r", 9)},
			parts: []Partition{{"s", []string{"s/a", "s/b", "s/r"}}},
			minN:  10,
			want:  map[string]want{"s": pub(), "s/a": pub(), "s/b": prim(), "s/r": hid()},
		},
		{
			// Without the remainder (every respondent has a class) the two
			// classes of 9 are two holes resting on 18: nothing more.
			name:  "school of 30: classes of 12, 9 and 9",
			cells: []Cell{{Key: "s", N: 30}, {Key: "s/a", N: 12}, {Key: "s/b", N: 9}, {Key: "s/c", N: 9}},
			parts: []Partition{{"s", []string{"s/a", "s/b", "s/c"}}},
			minN:  10,
			want:  map[string]want{"s": pub(), "s/a": pub(), "s/b": prim(), "s/c": prim()},
		},
		{
			// 30 = 12 + 15 + 3 without a class. Both classes are published
			// sizes, but 30 - 12 - 15 would give the 3 respondents without a
			// class: the smallest class (12) goes. 30 - 15 = 15 = 12 + 3.
			name:  "a small remainder alone is protected",
			cells: []Cell{{Key: "s", N: 30}, {Key: "s/a", N: 12}, {Key: "s/b", N: 15}, h("s/r", 3)},
			parts: []Partition{{"s", []string{"s/a", "s/b", "s/r"}}},
			minN:  10,
			want:  map[string]want{"s": pub(), "s/a": sec("s/r", "s"), "s/b": pub(), "s/r": hid()},
		},
		{
			// 30 = 25 + 4 + 1 without a class: the 4 and the remainder of 1
			// are two holes, but 30 - 25 = 5 < 10 would give the mean of
			// those 5 together (rule 3): the 25 goes too.
			name:  "a hidden remainder counts in the combined n",
			cells: []Cell{{Key: "s", N: 30}, {Key: "s/a", N: 25}, {Key: "s/b", N: 4}, h("s/r", 1)},
			parts: []Partition{{"s", []string{"s/a", "s/b", "s/r"}}},
			minN:  10,
			want:  map[string]want{"s": pub(), "s/a": sec("", "s"), "s/b": prim(), "s/r": hid()},
		},
		{
			// 40 = 15 + 13 + 12 without a class: subtraction gives the 12
			// without a class, a value that rests on 12 >= 10 respondents
			// and could have been published. Nothing is suppressed for it.
			name:  "a remainder of at least minN alone needs nothing",
			cells: []Cell{{Key: "s", N: 40}, {Key: "s/a", N: 15}, {Key: "s/b", N: 13}, h("s/r", 12)},
			parts: []Partition{{"s", []string{"s/a", "s/b", "s/r"}}},
			minN:  10,
			want:  map[string]want{"s": pub(), "s/a": pub(), "s/b": pub(), "s/r": hid()},
		},
		{
			// A nation of 1000 = 480 G + 470 J + 50 of no gender: both
			// genders stay published.
			name:  "nation with respondents of no gender",
			cells: []Cell{{Key: "n", N: 1000}, {Key: "n/G", N: 480}, {Key: "n/J", N: 470}, h("n/u", 50)},
			parts: []Partition{{"n", []string{"n/G", "n/J", "n/u"}}},
			minN:  10,
			want:  map[string]want{"n": pub(), "n/G": pub(), "n/J": pub(), "n/u": hid()},
		},
		{
			// 30 = 12 + 18, every respondent in a class: the caller passes
			// no remainder (a hidden cell of n 0 is an error, see
			// TestSuppressRejectsBadInput). Nothing is suppressed.
			name:  "no remainder: no hidden cell",
			cells: []Cell{{Key: "s", N: 30}, {Key: "s/a", N: 12}, {Key: "s/b", N: 18}},
			parts: []Partition{{"s", []string{"s/a", "s/b"}}},
			minN:  10,
			want:  map[string]want{"s": pub(), "s/a": pub(), "s/b": pub()},
		},
		{
			// minN 1 turns suppression off: only the hidden cell itself is
			// unpublished, and it needs no protection (3 >= 1).
			name:  "minN 1",
			cells: []Cell{{Key: "s", N: 30}, {Key: "s/a", N: 12}, {Key: "s/b", N: 15}, h("s/r", 3)},
			parts: []Partition{{"s", []string{"s/a", "s/b", "s/r"}}},
			minN:  1,
			want:  map[string]want{"s": pub(), "s/a": pub(), "s/b": pub(), "s/r": hid()},
		},
		{
			// Cascade from a hidden remainder: s = a + b + r (30 = 12 + 15 +
			// 3): a (12) goes to protect r, as above. a's only gender is G
			// (a = a/G = 12), so a/G would give a back: it goes too.
			name: "protecting a remainder cascades",
			cells: []Cell{
				{Key: "s", N: 30}, {Key: "s/a", N: 12}, {Key: "s/b", N: 15}, h("s/r", 3),
				{Key: "s/a/G", N: 12},
			},
			parts: []Partition{{"s", []string{"s/a", "s/b", "s/r"}}, {"s/a", []string{"s/a/G"}}},
			minN:  10,
			want: map[string]want{
				"s": pub(), "s/a": sec("s/r", "s"), "s/b": pub(), "s/r": hid(), "s/a/G": sec("s/a", "s/a"),
			},
		},
		{
			// m = s + t (40 + 5): t primary, s (40) secondary. s = a + b + r
			// (20 + 14 + 6): r (6 < 10) alone would need a partner, the
			// smallest class b (14). Processing order (parent keys: "m" <
			// "s") puts s out first; then s's partition has s and r
			// suppressed, and b stays published (s - a - b would give
			// s - 34 = r, two unknowns).
			name: "a suppressed parent and its remainder are two holes",
			cells: []Cell{
				{Key: "m", N: 45}, {Key: "s", N: 40}, {Key: "t", N: 5},
				{Key: "s/a", N: 20}, {Key: "s/b", N: 14}, h("s/r", 6),
			},
			parts: []Partition{{"m", []string{"s", "t"}}, {"s", []string{"s/a", "s/b", "s/r"}}},
			minN:  10,
			want: map[string]want{
				"m": pub(), "s": sec("t", "m"), "t": prim(), "s/a": pub(), "s/b": pub(), "s/r": hid(),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, tt.cells, tt.parts, tt.minN)
			check(t, got, tt.want, tt.minN)
		})
	}
}

func TestSuppressRejectsBadHidden(t *testing.T) {
	tests := []struct {
		name  string
		cells []Cell
		parts []Partition
		msg   string
	}{
		{"hidden of n 0", []Cell{{Key: "s", N: 30}, {Key: "a", N: 30}, {Key: "r", Hidden: true}}, []Partition{{"s", []string{"a", "r"}}}, `"r": hidden with n 0`},
		{"hidden in two partitions", []Cell{{Key: "s", N: 30}, {Key: "a", N: 25}, {Key: "t", N: 5}, {Key: "r", N: 5, Hidden: true}},
			[]Partition{{"s", []string{"a", "r"}}, {"t", []string{"r"}}}, `"r": hidden, but in 2 partitions`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Suppress(tt.cells, tt.parts, 10)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got error %v, want one containing %q", err, tt.msg)
			}
		})
	}
}
