package main

import (
	"fmt"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestAnalystLayer builds a warehouse with the nightly pipeline, then
// runs every query of docs/analyst-guide.md on it (the macro examples and
// the twenty questions: the guide cannot drift from the warehouse), and
// writes a quality report whose numbers it checks against mart.trend,
// rendered to PNG by headless Chromium when Chromium is installed (CI
// installs it); then serves the warehouse (checkServe).
func TestAnalystLayer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the nightly pipeline")
	}
	guide, err := os.ReadFile(filepath.Join("..", "..", "docs", "analyst-guide.md"))
	if err != nil {
		t.Fatal(err)
	}
	var queries []string
	for _, m := range regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(guide), -1) {
		for _, q := range strings.Split(m[1], ";") {
			var lines []string
			for _, l := range strings.Split(q, "\n") {
				if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") {
					lines = append(lines, l)
				}
			}
			if len(lines) > 0 {
				queries = append(queries, strings.Join(lines, " "))
			}
		}
	}
	questions := string(guide)
	if i := strings.Index(questions, "## Twenty questions"); i >= 0 {
		questions = questions[i:]
	}
	for _, m := range regexp.MustCompile("`(SELECT [^`]*)`").FindAllStringSubmatch(questions, -1) {
		queries = append(queries, m[1])
	}
	if len(queries) < 24 {
		t.Fatalf("found %d queries in the guide, want the 4 macro examples and the 20 questions", len(queries))
	}
	dir := t.TempDir()
	wh := filepath.Join(dir, "w.duckdb")
	mustRun(t, nightly(wh, nation(t, "parquet"), filepath.Join(dir, "export"))...)
	for _, q := range queries {
		if r := skolestat(t, "sql", "--warehouse", wh, "--format", "csv", "-c", q); r.code != 0 {
			t.Errorf("%s\nexit %d: %s", q, r.code, r.stderr)
		}
	}
	checkReport(t, wh, filepath.Join(dir, "reports"))
	checkServe(t, wh)
}

// checkReport writes Oslo's quality report for the newest school year with
// grunnskolepoeng and checks that its grunnskolepoeng table shows, for
// every year, the value of mart.trend in the report's number format (one
// decimal, decimal comma), or the mark of a value without one.
func checkReport(t *testing.T, wh, out string) {
	t.Helper()
	year := strings.Trim(sqlValue(t, wh, `SELECT max(year) FROM mart.indicator WHERE indicator = 'grunnskolepoeng' AND unit_code = '0301'`), `"`)
	mustRun(t, "report", "kvalitetsmelding", "--warehouse", wh, "--municipality", "0301", "--year", year, "--out", out)
	page, err := os.ReadFile(filepath.Join(out, "kvalitetsmelding-0301-"+year+".html"))
	if err != nil {
		t.Fatal(err)
	}
	y, _ := strconv.Atoi(year)
	want := []string{"Oslo"}
	for i := y - 4; i <= y; i++ {
		v := strings.Trim(sqlValue(t, wh, fmt.Sprintf(`SELECT coalesce(replace(printf('%%.1f', any_value(value)), '.', ','), '–')
			FROM mart.trend('0301', 'grunnskolepoeng', %d, %d) WHERE subgroup = 'all' AND level = 'all'`, i, i)), `"`)
		want = append(want, v)
	}
	text := visibleText(string(page))
	block := text[strings.Index(text, "Grunnskolepoeng"):]
	if i := strings.Index(block, "Kilde/spørring"); i > 0 {
		block = block[:i]
	}
	if !strings.Contains(block, strings.Join(want, " ")) {
		t.Errorf("the report's grunnskolepoeng table does not show Oslo's row %q from mart.trend:\n%s", strings.Join(want, " "), block)
	}
	if !strings.Contains(text, "Skolebidragsindikatorene er ikke et mål på skolens kvalitet") {
		t.Errorf("the report shows the school contribution without its caveat")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Log("chromium not installed: the PNG rendering is not checked")
		return
	}
	shot := filepath.Join(out, "report.png")
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--screenshot="+shot, "--window-size=1240,4000",
		"file://"+filepath.Join(out, "kvalitetsmelding-0301-"+year+".html"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, b)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decoding the screenshot: %v", err)
	}
	// A rendered page is not blank: count the pixels that are not white.
	b := img.Bounds()
	dark := 0
	for yy := b.Min.Y; yy < b.Max.Y; yy += 2 {
		for xx := b.Min.X; xx < b.Max.X; xx += 2 {
			if r, g, bl, _ := img.At(xx, yy).RGBA(); r+g+bl < 3*0xC000 {
				dark++
			}
		}
	}
	if dark < 2000 {
		t.Errorf("the screenshot %s has %d dark pixels: the report did not render", shot, dark)
	}
}

// visibleText is the text of an HTML page without tags, styles and SVG,
// whitespace collapsed.
func visibleText(page string) string {
	for _, re := range []string{`(?s)<svg.*?</svg>`, `(?s)<style.*?</style>`, `<[^>]+>`} {
		page = regexp.MustCompile(re).ReplaceAllString(page, " ")
	}
	return strings.Join(strings.Fields(html.UnescapeString(page)), " ")
}
