package report

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

var update = flag.Bool("update", false, "rewrite testdata/report.golden.html from the fixture")

// Values worked out by hand from fixtureDocument: one decimal, rounded half
// away from zero, decimal comma; the suppressed 2022 value of Bergen shows as
// "prikket", years without a value as "–".
func TestSeriesTablesShowStatusesNotZero(t *testing.T) {
	doc := parse(t, render(t, fixtureDocument()))
	tests := []struct {
		block string
		want  map[string][]string
	}{
		{"seksjon-1-1", map[string][]string{
			"Bergen":     {"51,5", "52,3", "prikket", "50,8", "51,0"},
			"ASSS-snitt": {"50,3", "–", "50,5", "50,0", "50,5"},
			"Nasjonalt":  {"50,0", "50,0", "50,0", "50,0", "–"},
		}},
		{"seksjon-2-1", map[string][]string{
			"Bergen": {"7,5", "i.a.", "8,0"},
		}},
		{"seksjon-3-1", map[string][]string{
			"Bergen":    {"134\u00a0567", "141\u00a0234"},
			"Nasjonalt": {"128\u00a0000", "135\u00a0500"},
		}},
		{"seksjon-1-2", map[string][]string{
			"Alfa skole":         {"0,3", "0,0 til 0,5"},
			"Beta skole":         {"prikket", "prikket"},
			"Gamma <skole> & co": {"0,0", "−0,3 til 0,2"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.block, func(t *testing.T) {
			tables := findAll(byID(t, doc, tt.block), byTag("table"))
			if len(tables) != 1 {
				t.Fatalf("%d tables, want 1", len(tables))
			}
			got := tableRows(tables[0])
			if len(got) != len(tt.want) {
				t.Errorf("rows %v, want %d rows", got, len(tt.want))
			}
			for name, want := range tt.want {
				if !slices.Equal(got[name], want) {
					t.Errorf("row %q = %q, want %q", name, got[name], want)
				}
			}
		})
	}
	// The year headers of the first chart's table are school years.
	th := findAll(byID(t, doc, "seksjon-1-1"), byTag("th"))
	var heads []string
	for _, h := range th[:6] {
		heads = append(heads, textOf(h))
	}
	if want := []string{"", "2020–21", "2021–22", "2022–23", "2023–24", "2024–25"}; !slices.Equal(heads, want) {
		t.Errorf("year headers %q, want %q", heads, want)
	}
}

// svgPath is one <path> of a chart: its vertices (M and L only) and style.
type svgPath struct {
	pts    [][2]float64
	stroke string // "" for a filled path
	fill   string
}

var pathCmd = regexp.MustCompile(`([MLAZ])([^MLAZ]*)`)

func chartPaths(t *testing.T, block *html.Node) []svgPath {
	t.Helper()
	svgs := findAll(block, byClass("svg", "chart-plot"))
	if len(svgs) != 1 {
		t.Fatalf("%d chart-plot SVGs in block, want 1", len(svgs))
	}
	var out []svgPath
	for _, p := range findAll(svgs[0], byTag("path")) {
		var sp svgPath
		for kv := range strings.SplitSeq(attr(p, "style"), ";") {
			k, v, _ := strings.Cut(kv, ":")
			switch k {
			case "stroke":
				sp.stroke = v
			case "fill":
				sp.fill = v
			}
		}
		for _, m := range pathCmd.FindAllStringSubmatch(attr(p, "d"), -1) {
			if m[1] != "M" && m[1] != "L" {
				continue
			}
			xs, ys, _ := strings.Cut(m[2], ",")
			x, err1 := strconv.ParseFloat(xs, 64)
			y, err2 := strconv.ParseFloat(ys, 64)
			if err1 != nil || err2 != nil {
				t.Fatalf("path d %q: bad vertex %q", attr(p, "d"), m[0])
			}
			sp.pts = append(sp.pts, [2]float64{x, y})
		}
		out = append(out, sp)
	}
	return out
}

// lines returns the stroked paths in colour, i.e. the series' line pieces;
// markers returns how many filled paths have the colour.
func lines(paths []svgPath, colour string) (ls [][][2]float64, markers int) {
	for _, p := range paths {
		switch {
		case p.fill == "none" && p.stroke == colour:
			ls = append(ls, p.pts)
		case p.fill == colour:
			markers++
		}
	}
	return ls, markers
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.05 }

// The first chart: Bergen (dark blue, #1F4E79) is suppressed in 2022, so its
// line is two pieces, 2020–2021 and 2023–2024; the ASSS average (orange,
// #B35900) has no 2021, so 2020 is a lone marker and 2022–2024 one piece; the
// nation (grey, #555555) is missing in 2024, so one piece 2020–2023.
func TestChartLinesBreakAtUnpublishedValues(t *testing.T) {
	doc := parse(t, render(t, fixtureDocument()))
	paths := chartPaths(t, byID(t, doc, "seksjon-1-1"))

	bergen, marks := lines(paths, "#1F4E79")
	if len(bergen) != 2 || len(bergen[0]) != 2 || len(bergen[1]) != 2 {
		t.Fatalf("Bergen lines %v, want two pieces of two vertices", bergen)
	}
	if marks != 4 {
		t.Errorf("Bergen has %d markers, want 4 (one per published value)", marks)
	}
	// Years are equally spaced: x(2022) is one step right of x(2021), so the
	// second piece starts two steps right of 2021.
	x2020, x2021 := bergen[0][0][0], bergen[0][1][0]
	step := x2021 - x2020
	if step <= 0 {
		t.Fatalf("x(2020)=%v, x(2021)=%v: years not left to right", x2020, x2021)
	}
	xOf := func(year int) float64 { return x2020 + float64(year-2020)*step }
	if !near(bergen[1][0][0], xOf(2023)) || !near(bergen[1][1][0], xOf(2024)) {
		t.Errorf("second Bergen piece at x %v,%v, want %v,%v (2023, 2024)",
			bergen[1][0][0], bergen[1][1][0], xOf(2023), xOf(2024))
	}
	// The value axis is linear: fix it from 2020 (51.5) and 2021 (52.25) and
	// check 2023 (50.75) and 2024 (51) sit where those values belong, so no
	// piece was drawn through a 0.
	slope := (bergen[0][1][1] - bergen[0][0][1]) / (52.25 - 51.5)
	yOf := func(v float64) float64 { return bergen[0][0][1] + (v-51.5)*slope }
	if !near(bergen[1][0][1], yOf(50.75)) || !near(bergen[1][1][1], yOf(51)) {
		t.Errorf("second Bergen piece at y %v,%v, want %v,%v", bergen[1][0][1], bergen[1][1][1], yOf(50.75), yOf(51))
	}

	asss, marks := lines(paths, "#B35900")
	if len(asss) != 1 || len(asss[0]) != 3 {
		t.Fatalf("ASSS lines %v, want one piece of three vertices", asss)
	}
	if !near(asss[0][0][0], xOf(2022)) || !near(asss[0][2][0], xOf(2024)) {
		t.Errorf("ASSS piece spans x %v..%v, want %v..%v", asss[0][0][0], asss[0][2][0], xOf(2022), xOf(2024))
	}
	if marks != 4 {
		t.Errorf("ASSS has %d markers, want 4", marks)
	}

	nation, marks := lines(paths, "#555555")
	if len(nation) != 1 || len(nation[0]) != 4 {
		t.Fatalf("nation lines %v, want one piece of four vertices", nation)
	}
	if !near(nation[0][0][0], xOf(2020)) || !near(nation[0][3][0], xOf(2023)) {
		t.Errorf("nation piece spans x %v..%v, want %v..%v", nation[0][0][0], nation[0][3][0], xOf(2020), xOf(2023))
	}
	if marks != 4 {
		t.Errorf("nation has %d markers, want 4", marks)
	}

	// Mobbing: 2022 and 2024 published, 2023 not applicable: two lone
	// markers, no line.
	mob, marks := lines(chartPaths(t, byID(t, doc, "seksjon-2-1")), "#1F4E79")
	if len(mob) != 0 || marks != 2 {
		t.Errorf("mobbing chart: lines %v and %d markers, want none and 2", mob, marks)
	}
}

func TestEveryQueryIsShown(t *testing.T) {
	d := fixtureDocument()
	doc := parse(t, render(t, d))
	for si, s := range d.Sections {
		for bi, b := range s.Blocks {
			block := byID(t, doc, "seksjon-"+strconv.Itoa(si+1)+"-"+strconv.Itoa(bi+1))
			details := findAll(block, byClass("details", "query"))
			if len(details) != 1 {
				t.Fatalf("block %q: %d query elements, want 1", b.Title, len(details))
			}
			if sum := findAll(details[0], byTag("summary")); len(sum) != 1 || textOf(sum[0]) != "Kilde/spørring" {
				t.Errorf("block %q: summary is not «Kilde/spørring»", b.Title)
			}
			if got := textOf(findAll(details[0], byTag("code"))[0]); got != b.Query {
				t.Errorf("block %q: query shown as %q, want %q", b.Title, got, b.Query)
			}
		}
	}
	// The print appendix repeats them all, in order.
	app := findAll(doc, byClass("section", "appendix"))
	if len(app) != 1 {
		t.Fatalf("%d appendices, want 1", len(app))
	}
	var got []string
	for _, c := range findAll(app[0], byTag("code")) {
		if c.Parent.Data == "pre" {
			got = append(got, textOf(c))
		}
	}
	if want := []string{queryNP, querySchools, queryMobbing, queryCost}; !slices.Equal(got, want) {
		t.Errorf("appendix queries %q, want %q", got, want)
	}
}

func TestCaveatOnlyWhereGiven(t *testing.T) {
	doc := parse(t, render(t, fixtureDocument()))
	for _, id := range []string{"seksjon-1-1", "seksjon-1-2", "seksjon-2-1", "seksjon-3-1"} {
		asides := findAll(byID(t, doc, id), byClass("aside", "caveat"))
		if id != "seksjon-1-2" {
			if len(asides) != 0 {
				t.Errorf("block %s has a caveat, want none", id)
			}
			continue
		}
		if len(asides) != 1 {
			t.Fatalf("block %s: %d caveats, want 1", id, len(asides))
		}
		var paras []string
		for _, p := range findAll(asides[0], byTag("p")) {
			paras = append(paras, textOf(p))
		}
		want := []string{"Viktig å vite", "Skolebidragsindikatorene er ikke et mål på skolekvalitet.",
			"De tre trinnindikatorene kan ikke sammenlignes direkte."}
		if !slices.Equal(paras, want) {
			t.Errorf("caveat paragraphs %q, want %q", paras, want)
		}
	}
}

func TestOutputIsWellFormedAndSelfContained(t *testing.T) {
	out := render(t, fixtureDocument())
	if err := checkWellFormed(out); err != nil {
		t.Fatal(err)
	}
	doc := parse(t, out)
	if h := findAll(doc, byTag("html")); len(h) != 1 || attr(h[0], "lang") != "nb" {
		t.Errorf("html element lacks lang=\"nb\"")
	}
	for _, tag := range []string{"link", "script", "img", "iframe", "object", "embed", "image", "use", "base"} {
		if n := len(findAll(doc, byTag(tag))); n > 0 {
			t.Errorf("%d <%s> elements, want none", n, tag)
		}
	}
	refAttrs := []string{"src", "href", "xlink:href", "srcset", "action", "poster", "data"}
	for _, n := range findAll(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			key := a.Key
			if a.Namespace != "" {
				key = a.Namespace + ":" + a.Key
			}
			if slices.Contains(refAttrs, key) && !strings.HasPrefix(a.Val, "#") {
				t.Errorf("<%s %s=%q> refers outside the file", n.Data, key, a.Val)
			}
		}
	}
	lower := strings.ToLower(string(out))
	for _, s := range []string{"http://", "https://", "url(", "@import", "//www."} {
		if strings.Contains(lower, s) {
			t.Errorf("output contains %q", s)
		}
	}
	if n := len(findAll(doc, byClass("svg", "chart-plot"))); n != 3 {
		t.Errorf("%d charts, want 3", n)
	}
}

func TestTextIsEscaped(t *testing.T) {
	d := fixtureDocument()
	d.Title = `<script>alert("t")</script>`
	d.Sections[0].Intro = `<img src="x">`
	d.Sections[0].Blocks[0].Series[0].Name = `<b>Bergen</b>`
	d.Sections[0].Blocks[0].Note = `</p><script>`
	out := render(t, d)
	if bytes.Contains(out, []byte("<script")) || bytes.Contains(out, []byte("<img")) || bytes.Contains(out, []byte("<b>")) {
		t.Errorf("unescaped markup from the document in the output")
	}
	doc := parse(t, out)
	if got := textOf(findAll(doc, byTag("h1"))[0]); got != d.Title {
		t.Errorf("title shown as %q, want %q", got, d.Title)
	}
	// The legend (SVG text) and the table both show the series name as text.
	legend := findAll(byID(t, doc, "seksjon-1-1"), byClass("svg", "chart-legend"))[0]
	if !strings.Contains(textOf(legend), `<b>Bergen</b>`) {
		t.Errorf("legend text %q lacks the series name", textOf(legend))
	}
	if _, ok := tableRows(findAll(byID(t, doc, "seksjon-1-1"), byTag("table"))[0])[`<b>Bergen</b>`]; !ok {
		t.Errorf("series table lacks the escaped series name")
	}
}

func TestBlockWithoutPublishedValuesHasTableButNoChart(t *testing.T) {
	d := fixtureDocument()
	d.Sections = []Section{{Title: "Læringsmiljø", Blocks: []Block{{
		Title: "Trivsel", Query: "SELECT 1", Decimals: 1,
		Series: []Series{{Name: "Bergen", Points: []Point{{2023, Suppressed()}, {2024, Missing()}}}},
	}}}}
	doc := parse(t, render(t, d))
	block := byID(t, doc, "seksjon-1-1")
	if n := len(findAll(block, byTag("svg"))); n != 0 {
		t.Errorf("%d SVGs, want none", n)
	}
	if got := tableRows(findAll(block, byTag("table"))[0])["Bergen"]; !slices.Equal(got, []string{"prikket", "–"}) {
		t.Errorf("row %q, want [prikket –]", got)
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	a := render(t, fixtureDocument())
	b := render(t, fixtureDocument())
	if !bytes.Equal(a, b) {
		t.Error("two renderings of the same document differ")
	}
}

func TestGolden(t *testing.T) {
	got := render(t, fixtureDocument())
	path := filepath.Join("testdata", "report.golden.html")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		lo := max(0, i-80)
		t.Errorf("output differs from %s at byte %d:\n got …%q…\nwant …%q…\n(run go test -update if the change is intended)",
			path, i, got[lo:min(len(got), i+80)], want[lo:min(len(want), i+80)])
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Document)
		want   string // in the error
	}{
		{"no title", func(d *Document) { d.Title = "" }, "no title"},
		{"no run id", func(d *Document) { d.RunID = "" }, "no run id"},
		{"no time", func(d *Document) { d.GeneratedAt = time.Time{} }, "no generation time"},
		{"no year", func(d *Document) { d.Year = 0 }, "no year"},
		{"section title", func(d *Document) { d.Sections[1].Title = "" }, "section 2 has no title"},
		{"no query", func(d *Document) { d.Sections[0].Blocks[1].Query = "" }, `block 2 "Skolebidrag 8.–10. trinn per skole": no query`},
		{"empty block", func(d *Document) {
			b := &d.Sections[2].Blocks[0]
			b.Series, b.Table = nil, nil
		}, "neither series nor table"},
		{"unknown status", func(d *Document) { d.Sections[0].Blocks[0].Series[0].Points[2].Value.Status = "prikket" }, `series "Bergen", year 2022: unknown status "prikket"`},
		{"empty status", func(d *Document) { d.Sections[0].Blocks[0].Series[0].Points[0].Value = Value{V: 3} }, `unknown status ""`},
		{"NaN", func(d *Document) { d.Sections[0].Blocks[0].Series[1].Points[0].Value = OK(math.NaN()) }, "NaN with status ok"},
		{"duplicate year", func(d *Document) {
			s := &d.Sections[1].Blocks[0].Series[0]
			s.Points = append(s.Points, Point{2022, OK(1)})
		}, "year 2022 given twice"},
		{"short row", func(d *Document) {
			tb := d.Sections[0].Blocks[1].Table
			tb.Rows[1] = tb.Rows[1][:2]
		}, "table row 2 has 2 cells for 3 columns"},
		{"cell status", func(d *Document) {
			d.Sections[0].Blocks[1].Table.Rows[0][1] = ValueCell(Value{Status: "x"}, 1)
		}, `table row 1, column 2: unknown status "x"`},
		{"decimals", func(d *Document) { d.Sections[0].Blocks[0].Decimals = 7 }, "decimals 7 outside 0..6"},
		{"seven series", func(d *Document) {
			b := &d.Sections[2].Blocks[0]
			for i := range 5 {
				b.Series = append(b.Series, Series{Name: strconv.Itoa(i)})
			}
		}, "7 series, at most 6 can be told apart"},
		{"unnamed series", func(d *Document) { d.Sections[2].Blocks[0].Series[1].Name = "" }, "a series has no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fixtureDocument()
			tt.modify(&d)
			var buf bytes.Buffer
			err := Render(&buf, d)
			if err == nil {
				t.Fatalf("Render succeeded, want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !errors.Is(err, errInvalid) {
				t.Errorf("error %q, want one containing %q wrapping errInvalid", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Render wrote %d bytes before failing", buf.Len())
			}
		})
	}
	if err := fixtureDocument().Validate(); err != nil {
		t.Errorf("fixture: %v", err)
	}
}

// Render is documented as safe for concurrent use; run with -race.
func TestRenderConcurrently(t *testing.T) {
	want := render(t, fixtureDocument())
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			var buf bytes.Buffer
			err := Render(&buf, fixtureDocument())
			if err == nil && !bytes.Equal(buf.Bytes(), want) {
				err = errors.New("concurrent rendering differs")
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestFormOnScreenOnly(t *testing.T) {
	d := fixtureDocument()
	d.Form = &Form{Action: "/asss", Fields: []Field{
		{Name: "indicator", Label: "Indikator", Selected: "b&c", Options: []Option{{"a", "A"}, {"b&c", `B "c"`}}},
	}}
	out := render(t, d)
	doc := parse(t, out)
	forms := findAll(doc, byClass("form", "choices"))
	if len(forms) != 1 {
		t.Fatalf("%d forms, want 1", len(forms))
	}
	var selected []string
	for _, o := range findAll(forms[0], byTag("option")) {
		for _, a := range o.Attr {
			if a.Key == "selected" {
				selected = append(selected, textOf(o))
			}
		}
	}
	if !slices.Equal(selected, []string{`B "c"`}) {
		t.Errorf("selected options %q, want the second", selected)
	}
	if !bytes.Contains(out, []byte(`form.choices { display: none; }`)) {
		t.Error("the form is not hidden in print")
	}
	d.Form.Fields[0].Options = nil
	if err := d.Validate(); err == nil {
		t.Error("a field without options validated")
	}
	// Without a form, nothing of one is printed.
	if bytes.Contains(render(t, fixtureDocument()), []byte("<form")) {
		t.Error("a form printed for a document without one")
	}
}
