package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
)

//go:embed report.html.tmpl
var pageTemplate string

var page = template.Must(template.New("report").Parse(pageTemplate))

// Render validates d ([Document.Validate]) and writes it to w as one
// self-contained HTML file (see the package documentation for what the file
// guarantees). It builds the whole file in memory first, so on any error
// nothing has been written to w. Render reads no clock and no environment:
// the same d gives the same bytes. It is safe for concurrent use.
func Render(w io.Writer, d Document) error {
	if err := d.Validate(); err != nil {
		return err
	}
	v, err := newView(d)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, v); err != nil {
		return fmt.Errorf("executing report template: %w", err)
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// view is the document as the template prints it: numbered, formatted,
// charts drawn.
type view struct {
	Title, Subtitle        string
	Municipality           string
	SchoolYear             string
	GeneratedAt, RunID     string
	Form                   *formView
	Sections               []sectionView
	Labels                 labels
	HasBlocks, HasSections bool
}

// labels are the fixed texts of the report, in bokmål.
type labels struct {
	Suppressed, Missing, NotApplicable string
}

type formView struct {
	Action, Submit string
	Fields         []fieldView
}

type fieldView struct {
	Name, Label string
	Options     []optionView
}

type optionView struct {
	Value, Label string
	Selected     bool
}

type sectionView struct {
	ID, Num, Title string
	Intro          []string
	Blocks         []blockView
}

type blockView struct {
	ID, Num, Title string
	Caveat         []string
	Note           string
	Chart          *chart
	SeriesTable    *tableView
	Table          *tableView
	Query          string
}

type tableView struct {
	Caption  string
	Head     []cellView
	RowHeads bool // the first cell of each row heads it
	Rows     [][]cellView
}

type cellView struct {
	Text  string
	Class string
}

func newView(d Document) (view, error) {
	v := view{
		Title:       d.Title,
		Subtitle:    d.Subtitle,
		SchoolYear:  YearLabel(d.Year, SchoolYear),
		GeneratedAt: formatTime(d.GeneratedAt),
		RunID:       d.RunID,
		Labels:      labels{Suppressed: LabelSuppressed, Missing: LabelMissing, NotApplicable: LabelNotApplicable},
		HasSections: len(d.Sections) > 0,
	}
	if f := d.Form; f != nil {
		fv := &formView{Action: f.Action, Submit: f.Submit}
		if fv.Submit == "" {
			fv.Submit = "Vis"
		}
		for _, fl := range f.Fields {
			fd := fieldView{Name: fl.Name, Label: fl.Label}
			for _, o := range fl.Options {
				fd.Options = append(fd.Options, optionView{Value: o.Value, Label: o.Label, Selected: o.Value == fl.Selected})
			}
			fv.Fields = append(fv.Fields, fd)
		}
		v.Form = fv
	}
	switch {
	case d.MunicipalityName != "" && d.Municipality != "":
		v.Municipality = d.MunicipalityName + " (" + d.Municipality + ")"
	case d.MunicipalityName != "":
		v.Municipality = d.MunicipalityName
	default:
		v.Municipality = d.Municipality
	}
	for si, s := range d.Sections {
		sv := sectionView{
			ID:    "seksjon-" + strconv.Itoa(si+1),
			Num:   strconv.Itoa(si + 1),
			Title: s.Title,
			Intro: paragraphs(s.Intro),
		}
		for bi, b := range s.Blocks {
			bv, err := newBlockView(b)
			if err != nil {
				return view{}, fmt.Errorf("rendering section %d %q, block %d %q: %w", si+1, s.Title, bi+1, b.Title, err)
			}
			bv.ID = fmt.Sprintf("%s-%d", sv.ID, bi+1)
			bv.Num = fmt.Sprintf("%d.%d", si+1, bi+1)
			sv.Blocks = append(sv.Blocks, bv)
			v.HasBlocks = true
		}
		v.Sections = append(v.Sections, sv)
	}
	return v, nil
}

func newBlockView(b Block) (blockView, error) {
	bv := blockView{
		Title:  b.Title,
		Caveat: paragraphs(b.Caveat),
		Note:   b.Note,
		Query:  b.Query,
	}
	if len(b.Series) > 0 {
		years := chartYears(b.Series)
		if len(years) > 0 {
			c, ok, err := drawChart(b, years)
			if err != nil {
				return blockView{}, err
			}
			if ok {
				bv.Chart = &c
			}
		}
		bv.SeriesTable = seriesTable(b, years)
	}
	if b.Table != nil {
		bv.Table = freeTable(*b.Table)
	}
	return bv, nil
}

// seriesTable is the table under a chart: a row per series, a column per year.
func seriesTable(b Block, years []int) *tableView {
	t := &tableView{Head: []cellView{{}}, RowHeads: true}
	if b.Unit != "" {
		t.Caption = "Tallene i figuren (" + b.Unit + ")"
	} else {
		t.Caption = "Tallene i figuren"
	}
	for _, y := range years {
		t.Head = append(t.Head, cellView{Text: YearLabel(y, b.YearFormat), Class: "num"})
	}
	for _, s := range b.Series {
		row := []cellView{{Text: s.Name}}
		if len(years) > 0 {
			for _, v := range valuesByYear(s, years) {
				row = append(row, valueCell(v, b.Decimals))
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func freeTable(t Table) *tableView {
	tv := &tableView{Head: make([]cellView, len(t.Columns))}
	for i, c := range t.Columns {
		tv.Head[i] = cellView{Text: c}
		// A column of numbers only gets a right-aligned header.
		if len(t.Rows) > 0 && !slices.ContainsFunc(t.Rows, func(r []Cell) bool { return r[i].Value == nil }) {
			tv.Head[i].Class = "num"
		}
	}
	for _, r := range t.Rows {
		row := make([]cellView, len(r))
		for i, c := range r {
			if c.Value == nil {
				row[i] = cellView{Text: c.Text}
				continue
			}
			row[i] = valueCell(*c.Value, c.Decimals)
		}
		tv.Rows = append(tv.Rows, row)
	}
	return tv
}

// valueCell formats v for a table; the class lets print and screen style the
// non-published values apart.
func valueCell(v Value, decimals int) cellView {
	class := "num"
	switch v.Status {
	case StatusSuppressed:
		class += " v-suppressed"
	case StatusMissing:
		class += " v-missing"
	case StatusNotApplicable:
		class += " v-na"
	}
	return cellView{Text: FormatValue(v, decimals), Class: class}
}
