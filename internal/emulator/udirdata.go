package emulator

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The data endpoint of the udir report API emulation: the filter
// expression, the row path and the pivot.

// udirBadFilter is the real API's message for a filter it cannot read, a
// comma between values among them.
const udirBadFilter = "Feil format på filtrene!"

// parseFilter reads the filter expression both udir APIs take,
// `Name(v1_v2)_Name2(v)`: names are letters, values letters, digits and '-'
// joined with '_' (the Eksport API also takes codes: Kommunekode(0301)). A comma, a missing
// parenthesis, an empty value or a name given twice is an error.
func parseFilter(s string) (map[string][]string, error) {
	out := map[string][]string{}
	rest := s
	for {
		open := strings.IndexByte(rest, '(')
		if open <= 0 {
			return nil, fmt.Errorf("no filter name and '(' at %q", rest)
		}
		name := rest[:open]
		for _, r := range name {
			if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
				return nil, fmt.Errorf("filter name %q", name)
			}
		}
		end := strings.IndexByte(rest, ')')
		if end < open {
			return nil, fmt.Errorf("no ')' after %s(", name)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("filter %s given twice", name)
		}
		vals := strings.Split(rest[open+1:end], "_")
		for _, v := range vals {
			if v == "" || strings.ContainsFunc(v, func(r rune) bool {
				return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-')
			}) {
				return nil, fmt.Errorf("value %q of %s", v, name)
			}
		}
		out[name] = vals
		rest = rest[end+1:]
		if rest == "" {
			return out, nil
		}
		if rest[0] != '_' {
			return nil, fmt.Errorf("%q after %s(...)", rest, name)
		}
		rest = rest[1:]
	}
}

// parseUdirFilter reads the report API's filter: as parseFilter, every
// value an integer id.
func parseUdirFilter(s string) (map[string][]int64, error) {
	raw, err := parseFilter(s)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]int64, len(raw))
	for name, vals := range raw {
		ids := make([]int64, len(vals))
		for i, v := range vals {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("value %q of %s", v, name)
			}
			ids[i] = n
		}
		out[name] = ids
	}
	return out, nil
}

// udirSelection is what a data request asks for, each list in the order
// of the filter values (newest year first).
type udirSelection struct {
	years    []int
	subjects []udirSubject
	grades   []int
	owners   []udirOwner
	counts   bool // VisAntallRaderDeltatt(1)
	anchors  []int
}

// select resolves the filters against the report's values, with the
// report's defaults for filters not given; a filter absent from both
// selects every value.
func (d *udirData) selection(rep *udirReport, f map[string][]int64) udirSelection {
	defaults := map[string][]int64{"EnhetID": {-12}, "EierformID": {-10}, "KjoennID": {-10}, "VisAntallRaderDeltatt": {1}}
	if len(d.years) > 0 {
		defaults["SkoleAarID"] = []int64{udirYearID(d.years[0])}
	}
	if rep.HasGrade {
		defaults["TrinnID"] = []int64{udirTrinnID(rep.Grades[0])}
	}
	get := func(name string) ([]int64, bool) {
		if v, ok := f[name]; ok {
			return v, true
		}
		v, ok := defaults[name]
		return v, ok
	}
	var s udirSelection
	years, all := get("SkoleAarID")
	for _, y := range d.years {
		if !all || slices.Contains(years, udirYearID(y)) {
			s.years = append(s.years, y)
		}
	}
	tests, given := get("ProevetypeID")
	for _, t := range udirSubjects {
		if !given || slices.Contains(tests, t.ID) {
			s.subjects = append(s.subjects, t)
		}
	}
	trinn, given := get("TrinnID")
	for _, g := range rep.Grades {
		if !rep.HasGrade || !given || slices.Contains(trinn, udirTrinnID(g)) {
			s.grades = append(s.grades, g)
		}
	}
	owners, _ := get("EierformID")
	for _, o := range udirOwners {
		if slices.Contains(owners, o.ID) {
			s.owners = append(s.owners, o)
		}
	}
	if gender, _ := get("KjoennID"); !slices.Contains(gender, -10) {
		s.owners = nil // only "Alle kjønn" is emulated: nothing else is selected
	}
	vis, _ := get("VisAntallRaderDeltatt")
	s.counts = slices.Contains(vis, 1)
	enhet, _ := get("EnhetID")
	listed := d.listed[rep.Kode]
	for _, id := range enhet {
		if i, ok := d.byID[id]; ok && listed[i] {
			s.anchors = append(s.anchors, i)
		}
	}
	return s
}

// udirColumn is one year, test, grade and owner of a pivot: one value
// per measure.
type udirColumn struct {
	year    int
	subject udirSubject
	grade   int
	owner   udirOwner
}

// columns lists the combinations that exist, nested year > test > grade
// > owner; 9th grade has no English test.
func (s udirSelection) columns() []udirColumn {
	var out []udirColumn
	for _, y := range s.years {
		for _, t := range s.subjects {
			for _, g := range s.grades {
				if g == 9 && t.Name == "english" {
					continue
				}
				for _, o := range s.owners {
					out = append(out, udirColumn{y, t, g, o})
				}
			}
		}
	}
	return out
}

// udirHeader is a header cell of the pivot.
type udirHeader struct {
	Name        string `json:"name"`
	TekstID     string `json:"tekstId_kolonne"`
	ColumnCount int    `json:"columnCount"`
}

type udirRow struct {
	Navn string   `json:"navn"`
	Kode string   `json:"kode,omitempty"`
	ID   string   `json:"id"`
	Data []string `json:"data"`
}

type udirMetadata struct {
	RowHierarchy []string       `json:"rowHierarchy"`
	Columns      [][]udirHeader `json:"columns"`
}

type udirPivot struct {
	Metadata udirMetadata `json:"metadata"`
	Rows     []udirRow    `json:"rows"`
}

// udirDrifted is the pivot after an API change renamed "rows".
type udirDrifted struct {
	Metadata udirMetadata `json:"metadata"`
	Rader    []udirRow    `json:"rader"`
}

// header builds the levels of the column header: one cell per run of
// leaves that share the level's value and every outer one.
func (rep *udirReport) header(cols []udirColumn, counts bool) [][]udirHeader {
	measures := []string{"Skalapoeng", "Usikkerhet"}
	if counts {
		measures = append(measures, "Antall elever deltatt")
	}
	type leaf struct {
		keys  [6]string
		names [6]string
	}
	var leaves []leaf
	for _, c := range cols {
		for _, name := range measures {
			leaves = append(leaves, leaf{
				keys:  [6]string{strconv.Itoa(c.year), c.subject.Kode, strconv.Itoa(c.grade), strconv.FormatInt(c.owner.ID, 10), "-10", name},
				names: [6]string{udirYearName(c.year), c.subject.Navn, fmt.Sprintf("%d. årstrinn", c.grade), c.owner.Navn, "Alle kjønn", name},
			})
		}
	}
	levels := make([][]udirHeader, 0, 6)
	if len(leaves) == 0 {
		return levels
	}
	for k := 0; k < 6; k++ {
		var cells []udirHeader
		for j, l := range leaves {
			if j > 0 && slices.Equal(leaves[j-1].keys[:k+1], l.keys[:k+1]) {
				cells[len(cells)-1].ColumnCount++
				continue
			}
			tekst := rep.ColumnTekst[k]
			if k == 5 {
				tekst = rep.ColumnTekst[5+slices.Index(measures, l.names[5])]
			}
			cells = append(cells, udirHeader{Name: l.names[k], TekstID: tekst, ColumnCount: 1})
		}
		levels = append(levels, cells)
	}
	return levels
}

// udirRowPath is a parsed radSti: one pattern per depth below the anchor,
// "*" for any row, "**" for any row at this depth and every one below.
type udirRowPath []string

func parseUdirRowPath(s string) (udirRowPath, error) {
	segs := strings.Split(s, ".")
	for _, seg := range segs {
		if seg == "*" || seg == "**" {
			continue
		}
		if _, err := strconv.Atoi(seg); err != nil {
			return nil, fmt.Errorf("radSti segment %q", seg)
		}
	}
	return segs, nil
}

// rows walks the listed tree below the anchor: a unit is a row when the
// pattern matches its key at its depth (the real API's "*.*" gives the
// counties and the municipalities of the nation). A first segment naming
// the anchor itself, by EnhetID or row key, is skipped ("-12.*.*"). With
// no radSti, the row is the anchor's own.
func (d *udirData) rows(kode string, anchor int, path udirRowPath, hasPath bool, visit func(int)) {
	if !hasPath {
		if d.units[anchor].Nivaa > 0 {
			visit(anchor)
		}
		return
	}
	a := d.units[anchor]
	if len(path) > 0 && (path[0] == strconv.FormatInt(a.ID, 10) || a.Key > 0 && path[0] == strconv.Itoa(a.Key)) {
		path = path[1:]
	}
	children := d.children[kode]
	var walk func(u, depth int, deep bool)
	walk = func(u, depth int, deep bool) {
		for _, c := range children[u] {
			seg := "**"
			if !deep {
				if depth >= len(path) {
					return
				}
				seg = path[depth]
			}
			if seg != "*" && seg != "**" && seg != strconv.Itoa(d.units[c].Key) {
				continue
			}
			visit(c)
			walk(c, depth+1, deep || seg == "**")
		}
	}
	walk(anchor, 0, false)
}

// cells are the measures of a unit for a column: "" when nobody took the
// test, "*" for all when fewer than udirSuppressBelow did, else the mean
// scale score rounded to an integer, the 95 % margin 1.96·sd/√n with one
// decimal and a decimal comma, and the count with a space between
// thousands.
func udirCells(s udirStat, counts bool) []string {
	n := 2
	if counts {
		n = 3
	}
	out := make([]string, n)
	switch {
	case s.N == 0:
		// Missing: "" in every cell.
	case s.N < udirSuppressBelow:
		for i := range out {
			out[i] = "*"
		}
	default:
		nf := float64(s.N)
		mean := s.Sum / nf
		variance := max((s.Sq-s.Sum*s.Sum/nf)/(nf-1), 0)
		out[0] = strconv.FormatFloat(math.Round(mean), 'f', 0, 64)
		out[1] = strings.Replace(strconv.FormatFloat(1.96*math.Sqrt(variance/nf), 'f', 1, 64), ".", ",", 1)
		if counts {
			out[2] = udirThousands(s.N)
		}
	}
	return out
}

// udirThousands writes n with a space between groups of three digits.
func udirThousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// stat sums a unit's schools for a column.
func (d *udirData) stat(u udirUnit, c udirColumn) udirStat {
	var out udirStat
	st := d.stats[udirCombo{Year: c.year, Grade: c.grade, Subject: c.subject.Name}]
	if st == nil {
		return out
	}
	for _, si := range u.Schools {
		if c.owner.keep(d.public[si]) {
			out.add(st[si])
		}
	}
	return out
}

// udirDataQuery is what a data request of the report API asks for.
type udirDataQuery struct {
	filter  map[string][]int64
	path    udirRowPath
	hasPath bool // radSti given
	codes   bool // inkluderKoder=true
}

// readUdirDataQuery reads filter, radSti and inkluderKoder, or answers
// the real API's 400 and returns false.
func readUdirDataQuery(w http.ResponseWriter, r *http.Request) (udirDataQuery, bool) {
	q := r.URL.Query()
	expr := q.Get("filter")
	if expr == "" {
		udirError(w, http.StatusBadRequest, "Filter må oppgis!")
		return udirDataQuery{}, false
	}
	var dq udirDataQuery
	var err error
	if dq.filter, err = parseUdirFilter(expr); err != nil {
		udirError(w, http.StatusBadRequest, udirBadFilter)
		return udirDataQuery{}, false
	}
	if _, dq.hasPath = q["radSti"]; dq.hasPath {
		if dq.path, err = parseUdirRowPath(q.Get("radSti")); err != nil {
			udirError(w, http.StatusBadRequest, "Feil format på radsti!")
			return udirDataQuery{}, false
		}
	}
	dq.codes = q.Get("inkluderKoder") == "true"
	return dq, true
}

// data is GET {report}/data?filter=…&radSti=…&inkluderKoder=true.
func (d *udirData) data(w http.ResponseWriter, r *http.Request, rep *udirReport) {
	dq, ok := readUdirDataQuery(w, r)
	if !ok {
		return
	}
	f, path, hasPath, codes := dq.filter, dq.path, dq.hasPath, dq.codes
	sel := d.selection(rep, f)
	cols := sel.columns()
	p := udirPivot{
		Metadata: udirMetadata{RowHierarchy: []string{"Nasjonalt", "Fylke", "Kommune", "Enhet"}, Columns: rep.header(cols, sel.counts)},
		Rows:     []udirRow{},
	}
	if len(cols) > 0 {
		for _, a := range sel.anchors {
			d.rows(rep.Kode, a, path, hasPath, func(i int) {
				u := d.units[i]
				row := udirRow{Navn: u.Navn, ID: u.RowID}
				if codes {
					row.Kode = u.Kode
				}
				for _, c := range cols {
					row.Data = append(row.Data, udirCells(d.stat(u, c), sel.counts)...)
				}
				p.Rows = append(p.Rows, row)
			})
		}
	}
	if d.drift {
		writeJSON(w, http.StatusOK, udirDrifted{Metadata: p.Metadata, Rader: p.Rows})
		return
	}
	writeJSON(w, http.StatusOK, p)
}
