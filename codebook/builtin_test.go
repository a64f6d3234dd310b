package codebook

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/skolestat/skolestat/internal/sim"
)

func TestBuiltinNames(t *testing.T) {
	want := []string{Elevundersokelsen, KulturForLaering}
	if got := BuiltinNames(); !slices.Equal(got, want) {
		t.Errorf("BuiltinNames() = %v, want %v", got, want)
	}
	for _, name := range want {
		cb, err := Builtin(name)
		if err != nil {
			t.Fatalf("Builtin(%q): %v", name, err)
		}
		if cb.Source != "builtin:"+name {
			t.Errorf("Builtin(%q).Source = %q", name, cb.Source)
		}
		// Each call is a fresh codebook.
		cb.Groups[0].Indices[0].Items[0] = "changed"
		again, _ := Builtin(name)
		if again.Groups[0].Indices[0].Items[0] == "changed" {
			t.Errorf("Builtin(%q) shares its codebook between calls", name)
		}
	}
	for _, bad := range []string{"nope", "", "../builtin/elevundersokelsen", "elevundersokelsen.yaml"} {
		if _, err := Builtin(bad); err == nil || !strings.Contains(err.Error(), "have elevundersokelsen, kultur-for-laering") {
			t.Errorf("Builtin(%q) error = %v, want a list of the names", bad, err)
		}
	}
}

// The Elevundersøkelsen codebook covers exactly the items internal/sim
// answers in an index or in bullying, with the same index and reverse flag.
func TestElevundersokelsenMatchesSim(t *testing.T) {
	cb, err := Builtin(Elevundersokelsen)
	if err != nil {
		t.Fatal(err)
	}
	if len(cb.Groups) != 1 {
		t.Fatalf("%d groups, want 1", len(cb.Groups))
	}
	g := cb.Groups[0]
	if g.Grades != [2]int{5, 10} || g.Scale != (Scale{1, 5}) || g.MinRespondents != 10 {
		t.Errorf("group grades %v scale %v min_respondents %d, want [5 10] {1 5} 10", g.Grades, g.Scale, g.MinRespondents)
	}

	type role struct {
		index   string
		reverse bool
	}
	want := map[string]role{}
	for _, it := range sim.Items {
		if it.Index != "" {
			want[it.Code] = role{it.Index, it.Reverse}
		} else {
			want[it.Code] = role{"other_items", false}
		}
	}
	got := map[string]role{}
	for _, ix := range g.Indices {
		for _, it := range ix.Items {
			got[it] = role{ix.Code, ix.Reversed(it)}
		}
	}
	if g.Bullying == nil {
		t.Fatal("no bullying index")
	}
	for _, it := range g.Bullying.Items {
		got[it] = role{g.Bullying.Code, false}
	}
	for _, it := range g.OtherItems {
		got[it] = role{"other_items", false}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("items by index and reverse flag:\n got %v\nwant %v", got, want)
	}
	if len(want) != 60 { // 10 indices x 5 items + 3 bullying items + 7 standalone
		t.Errorf("sim answers %d items, want 60", len(want))
	}

	if len(g.Indices) != len(sim.SurveyIndices) {
		t.Fatalf("%d indices, want %d", len(g.Indices), len(sim.SurveyIndices))
	}
	for i, s := range sim.SurveyIndices {
		ix := g.Indices[i]
		if ix.Code != s.Code || ix.Names.NB != s.Name {
			t.Errorf("index %d = %s %q, want %s %q", i, ix.Code, ix.Names.NB, s.Code, s.Name)
		}
		if ix.MinItems != 3 || ix.Scale != (Scale{1, 5}) {
			t.Errorf("%s: min_items %d scale %v, want 3 {1 5}", ix.Code, ix.MinItems, ix.Scale)
		}
	}
	b := g.Bullying
	if b.Code != sim.BullyingIndex || b.Threshold != 3 || !slices.Equal(b.Items, sim.BullyingItems) {
		t.Errorf("bullying = %+v, want EUIndeks_1398 over %v with threshold 3", b, sim.BullyingItems)
	}
}

// kflArea is one row of seed 001's table: an area, its factors and its
// number of questions.
type kflArea struct {
	name               string
	factors, questions int
}

// kflTable is the table of seed 001 (l.72-136) as copied into
// shared/docs/domain.md §4.1, group by group.
var kflTable = [][]kflArea{
	{{"Trivsel", 1, 6}, {"Atferd", 1, 2}, {"Relasjon til lærer", 1, 7}, {"Klassen og relasjon til medelever", 1, 8}},
	{{"Trivsel", 2, 10}, {"Atferd", 4, 24}, {"Relasjon til lærer", 1, 9}, {"Klassen og relasjon til medelever", 2, 13},
		{"Undervisning", 5, 21}, {"Forventning om mestring", 1, 4}},
	{{"Sosial kompetanse", 3, 30}, {"Motivasjon og arbeidsinnsats", 1, 4}, {"Skolefaglige prestasjoner", 1, 6}, {"Fravær", 1, 2}},
	{{"Miljø i skolen", 4, 16}, {"Undervisningen", 3, 13}, {"Motivasjon og arbeidsinnsats", 1, 3}, {"Atferdsproblematikk", 1, 4},
		{"Støtte og kontakt med elevene", 1, 11}, {"Læringskultur og relasjon mellom elevene", 1, 11}},
	{{"Støtte i skolearbeidet", 1, 10}, {"Informasjon fra og samarbeid med skolen", 1, 24}, {"Kontakt mellom foreldrene i klassen", 1, 7}},
	{{"Pedagogisk ledelse", 1, 9}, {"Skolekultur", 2, 19}},
}

// readSeedTable reads the area tables of seed 001: after each header line
// "Område<TAB>Faktorer<TAB>Antall spørsmål", the rows "name<TAB>f<TAB>q"
// up to the next header. It returns nil when the seed is not there.
func readSeedTable(t *testing.T) [][]kflArea {
	t.Helper()
	paths, _ := filepath.Glob("../../shared/seeds/001_*.txt")
	if len(paths) == 0 {
		return nil
	}
	f, err := os.Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var groups [][]kflArea
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		fields := strings.Split(line, "\t")
		if len(fields) == 3 && fields[0] == "Område" {
			groups = append(groups, nil)
			in = true
			continue
		}
		if !in || line == "" {
			continue
		}
		if len(fields) != 3 {
			in = false
			continue
		}
		fa, err1 := strconv.Atoi(fields[1])
		q, err2 := strconv.Atoi(fields[2])
		if err1 != nil || err2 != nil {
			in = false
			continue
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], kflArea{fields[0], fa, q})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return groups
}

func TestKulturForLaeringCounts(t *testing.T) {
	cb, err := Builtin(KulturForLaering)
	if err != nil {
		t.Fatal(err)
	}
	// Count the codebook: per group, each area with its indices (factors)
	// and items (questions).
	var got [][]kflArea
	areas, factors, questions := 0, 0, 0
	for _, g := range cb.Groups {
		var rows []kflArea
		for _, a := range g.Areas {
			row := kflArea{name: a.Names.NB}
			for _, ix := range g.Indices {
				if ix.Area == a.Code {
					row.factors++
					row.questions += len(ix.Items)
				}
			}
			rows = append(rows, row)
			areas++
			factors += row.factors
			questions += row.questions
		}
		if n := len(g.Items()); n != sum(rows, func(a kflArea) int { return a.questions }) {
			t.Errorf("group %s: Items() has %d items, areas hold %d", g.Code, n, sum(rows, func(a kflArea) int { return a.questions }))
		}
		got = append(got, rows)
	}
	if areas != 25 || factors != 42 || questions != 273 {
		t.Errorf("codebook has %d areas, %d factors, %d questions; want 25, 42, 273", areas, factors, questions)
	}
	if !reflect.DeepEqual(got, kflTable) {
		t.Errorf("codebook counts differ from domain.md §4.1:\n got %v\nwant %v", got, kflTable)
	}
	seed := readSeedTable(t)
	if seed == nil {
		t.Log("seed 001 not found: compared with the table written in this test only")
		return
	}
	if !reflect.DeepEqual(got, seed) {
		t.Errorf("codebook counts differ from seed 001:\n got %v\nwant %v", got, seed)
	}
}

// Items are named KFL_<group>_<area>_F<factor>_Q<nn> after their index
// KFL_<group>_<area>_F<factor>, numbered from 01 in order.
func TestKulturForLaeringCodes(t *testing.T) {
	cb, err := Builtin(KulturForLaering)
	if err != nil {
		t.Fatal(err)
	}
	if len(cb.Groups) != 6 {
		t.Fatalf("%d groups, want 6", len(cb.Groups))
	}
	for _, g := range cb.Groups {
		factor := map[string]int{}
		for _, ix := range g.Indices {
			factor[ix.Area]++
			parts := strings.Split(ix.Code, "_")
			if len(parts) != 4 || parts[0] != "KFL" || parts[2] != ix.Area || parts[3] != fmt.Sprintf("F%d", factor[ix.Area]) {
				t.Errorf("group %s: index code %s does not follow KFL_<group>_%s_F%d", g.Code, ix.Code, ix.Area, factor[ix.Area])
			}
			for q, it := range ix.Items {
				if want := fmt.Sprintf("%s_Q%02d", ix.Code, q+1); it != want {
					t.Errorf("%s item %d = %s, want %s", ix.Code, q, it, want)
				}
			}
			if len(ix.Reverse) != 0 || ix.Scale != (Scale{1, 5}) {
				t.Errorf("%s: reverse %v scale %v, want none and {1 5}", ix.Code, ix.Reverse, ix.Scale)
			}
		}
	}
}

func sum[T any](xs []T, f func(T) int) int {
	n := 0
	for _, x := range xs {
		n += f(x)
	}
	return n
}

// Marshal writes what Parse reads: parsing a builtin's Marshal output gives
// the same codebook, and marshalling that again gives the same bytes.
func TestBuiltinRoundTrip(t *testing.T) {
	for _, name := range BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			cb, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Marshal(cb)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Parse("marshalled", out)
			if err != nil {
				t.Fatalf("Parse(Marshal(%s)): %v\n%s", name, err, out)
			}
			back.Source = cb.Source
			if !reflect.DeepEqual(back, cb) {
				t.Errorf("round trip changed the codebook:\n got %+v\nwant %+v", back, cb)
			}
			again, err := Marshal(back)
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(out) {
				t.Errorf("second Marshal differs:\n%s\nfirst:\n%s", again, out)
			}
		})
	}
}

func BenchmarkBuiltinKulturForLaering(b *testing.B) {
	for b.Loop() {
		if _, err := Builtin(KulturForLaering); err != nil {
			b.Fatal(err)
		}
	}
}
