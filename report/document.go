// Package report renders the quality report (kvalitetsmelding, the annual
// report on the state of education required by opplæringsloven § 13-3e) as
// one self-contained, print-ready HTML file with inline SVG charts.
//
// The package holds the document model and its rendering only; it does no
// I/O beyond writing to the io.Writer given to [Render] and knows nothing of
// the warehouse. The caller (the `skolestat report kvalitetsmelding` command)
// queries the warehouse, fills a [Document] with the texts, numbers and the
// SQL that produced them, and calls [Render].
//
// Contract of the output, for every Document that passes [Document.Validate]:
//   - one HTML5 file with lang="nb"; no external CSS, scripts, fonts or
//     images: styles are inline, charts are inline SVG drawn with
//     gonum.org/v1/plot (vg/vgsvg);
//   - print-ready on A4: every section starts on a new page, a chart and its
//     series table are never split across pages, and series are told apart
//     by dash pattern and marker shape as well as by colour;
//   - a value whose status is not [StatusOK] is never drawn and never shown as
//     0 or left blank: the line has a gap at that year and the table shows
//     "prikket" (suppressed), "–" (missing) or "i.a." (not applicable);
//   - every block shows the SQL that produced its numbers under
//     "Kilde/spørring", and the print appendix repeats all of them;
//   - every text from the Document is HTML-escaped;
//   - the output is a pure function of the Document: the same Document gives
//     the same bytes (no clock, no map iteration order).
package report

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Status says whether a value was published, and if not, why. The values
// match the status column of the warehouse (spec/indicators.md): a value that
// is not published is stored as missing with a status, never as 0.
type Status string

// The statuses a [Value] may have. Any other status is rejected by
// [Document.Validate].
const (
	StatusOK            Status = "ok"             // published; V holds it
	StatusSuppressed    Status = "suppressed"     // hidden for privacy (too few pupils): "prikket"
	StatusMissing       Status = "missing"        // not delivered or not found: "–"
	StatusNotApplicable Status = "not_applicable" // cannot exist (e.g. no such grade): "i.a."
)

// Value is one number with its status. V is meaningful only when Status is
// [StatusOK]; for any other status V is ignored (and never printed).
type Value struct {
	V      float64
	Status Status
}

// OK returns a published value.
func OK(v float64) Value { return Value{V: v, Status: StatusOK} }

// Suppressed returns a value hidden for privacy.
func Suppressed() Value { return Value{Status: StatusSuppressed} }

// Missing returns a value that is not there.
func Missing() Value { return Value{Status: StatusMissing} }

// NotApplicable returns a value that cannot exist.
func NotApplicable() Value { return Value{Status: StatusNotApplicable} }

// Document is a whole quality report. Render prints Title, Subtitle, the
// municipality, the school year and where the numbers come from (RunID,
// GeneratedAt) on the first page, then a table of contents, then the sections
// in order, each starting on a new page.
type Document struct {
	Title            string // e.g. "Kvalitetsmelding for grunnskolen 2024"; required
	Subtitle         string // e.g. "Bergen kommune"; optional
	Municipality     string // municipality number, e.g. "4601"
	MunicipalityName string // e.g. "Bergen"
	Year             int    // the school year reported on, by its autumn: 2024 means 2024–25; required
	// GeneratedAt is when the numbers were read from the warehouse. It is
	// printed in its own location (give a time in Europe/Oslo) and is the
	// only time the output shows: Render never reads the clock. Required.
	GeneratedAt time.Time
	RunID       string // the warehouse run the numbers come from; required
	// Form, when set, is printed under the front matter on screen (not in
	// print): choices sent back as a GET request, e.g. the indicator and
	// year of skolestat serve's ASSS page.
	Form     *Form
	Sections []Section
}

// Form is a set of choices, each a drop-down list, sent to Action with a
// GET request when the reader presses the button.
type Form struct {
	Action string // the URL path the choices are sent to; required
	Submit string // the button's text; "Vis" when empty
	Fields []Field
}

// Field is one drop-down list of a Form.
type Field struct {
	Name     string // the query parameter; required
	Label    string // required
	Selected string // the Value of the option shown as chosen
	Options  []Option
}

// Option is one choice of a Field.
type Option struct {
	Value, Label string
}

// Section is a part of the report, e.g. "Læringsresultater", "Gjennomføring",
// "Læringsmiljø", "Ressurser". Intro is prose; a blank line separates
// paragraphs.
type Section struct {
	Title  string // required
	Intro  string
	Blocks []Block
}

// YearFormat chooses how a year is labelled on a chart's axis and in the
// column headers of its series table.
type YearFormat int

const (
	// CalendarYear labels 2024 as "2024" (e.g. KOSTRA accounts).
	CalendarYear YearFormat = iota
	// SchoolYear labels 2024 as "2024–25": the year is the autumn the
	// school year starts (e.g. national tests, Elevundersøkelsen).
	SchoolYear
)

// Block is one unit of content: a line chart over years with its series
// table, a table alone, or both (the chart and its series table first).
//
// When Series is set, Render draws one line per series over the years from
// the smallest to the largest year in any series, and a table with a row per
// series and a column per year under it. A year a series has no point for is
// shown as missing. Only points with [StatusOK] are drawn; a line is broken
// where a point is not OK, and a lone OK point between gaps is drawn as a
// marker only. Series are styled by position: the first (by convention the
// municipality) solid, thick, dark blue with filled circles; the second dashed
// orange with filled squares; the third dotted grey with filled triangles;
// then dash-dot purple rings, long-dash green squares and thin grey triangles.
// That makes six distinguishable series, the most a block may have; longer
// lists (all ASSS members, say) belong in a Table.
type Block struct {
	Title string // required
	Note  string // printed in small type under the content, e.g. the source and definitions
	// Caveat is printed prominently above the content when set, e.g. the
	// caveats that must accompany school contribution indicators (SBI).
	// A blank line separates paragraphs.
	Caveat string
	Series []Series
	// YearFormat labels the years of Series.
	YearFormat YearFormat
	// YFromZero makes the chart's value axis start at 0 (or lower if values
	// are negative) instead of fitting the data.
	YFromZero bool
	Table     *Table
	// Query is the SQL that produced the numbers of this block. It is shown
	// in a collapsed "Kilde/spørring" element and in the print appendix.
	// Required for every block.
	Query string
	// Unit names what the series' values measure, e.g. "poeng", "prosent",
	// "kroner per elev"; printed as the value axis label and in the series
	// table's caption.
	Unit string
	// Decimals is the number of decimals the series' values are shown with,
	// 0 to 6. Table cells carry their own.
	Decimals int
}

// Series is one line of a chart, e.g. the municipality, the ASSS average or
// the nation. Points may come in any order but each year at most once.
type Series struct {
	Name   string // required, shown in the legend and the series table
	Points []Point
}

// Point is one year's value of a series.
type Point struct {
	Year  int
	Value Value
}

// Table is a free-form table, e.g. the municipality's schools. Every row has
// one cell per column.
type Table struct {
	Columns []string
	Rows    [][]Cell
}

// Cell is a table cell: text (when Value is nil) or a number. A number is
// formatted as [FormatValue] does and right-aligned.
type Cell struct {
	Text     string
	Value    *Value
	Decimals int // for Value: 0 to 6
}

// TextCell returns a cell showing s.
func TextCell(s string) Cell { return Cell{Text: s} }

// ValueCell returns a cell showing v with the given number of decimals.
func ValueCell(v Value, decimals int) Cell { return Cell{Value: &v, Decimals: decimals} }

// MaxSeries is the most series a Block may have: each has its own dash
// pattern and marker.
const MaxSeries = len(seriesStyles)

// maxDecimals bounds Block.Decimals and Cell.Decimals.
const maxDecimals = 6

// errInvalid is wrapped by every error Validate returns.
var errInvalid = errors.New("invalid report document")

// Validate reports the first thing in d that Render cannot print faithfully:
// a missing title, run id, generation time or year; a block with neither
// series nor table, without its query, or with more than [MaxSeries] series; a status not among the Status
// constants; an OK value that is NaN or infinite; a year given twice in a
// series; a table row whose length differs from the number of columns; or
// decimals outside 0 to 6. Render calls it first and writes nothing if it
// fails.
func (d Document) Validate() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", errInvalid, fmt.Sprintf(format, args...))
	}
	switch {
	case d.Title == "":
		return fail("no title")
	case d.RunID == "":
		return fail("no run id")
	case d.GeneratedAt.IsZero():
		return fail("no generation time")
	case d.Year <= 0:
		return fail("no year")
	}
	if f := d.Form; f != nil {
		if f.Action == "" {
			return fail("a form without an action")
		}
		for i, fl := range f.Fields {
			if fl.Name == "" || fl.Label == "" || len(fl.Options) == 0 {
				return fail("form field %d needs a name, a label and options", i+1)
			}
		}
	}
	for si, s := range d.Sections {
		if s.Title == "" {
			return fail("section %d has no title", si+1)
		}
		for bi, b := range s.Blocks {
			if err := b.validate(); err != nil {
				return fail("section %d %q, block %d %q: %v", si+1, s.Title, bi+1, b.Title, err)
			}
		}
	}
	return nil
}

func (b Block) validate() error {
	switch {
	case b.Title == "":
		return errors.New("no title")
	case len(b.Series) == 0 && b.Table == nil:
		return errors.New("neither series nor table")
	case b.Query == "":
		return errors.New("no query")
	case b.Decimals < 0 || b.Decimals > maxDecimals:
		return fmt.Errorf("decimals %d outside 0..%d", b.Decimals, maxDecimals)
	case len(b.Series) > MaxSeries:
		return fmt.Errorf("%d series, at most %d can be told apart", len(b.Series), MaxSeries)
	}
	for _, s := range b.Series {
		if s.Name == "" {
			return errors.New("a series has no name")
		}
		var years []int
		for _, p := range s.Points {
			if slices.Contains(years, p.Year) {
				return fmt.Errorf("series %q: year %d given twice", s.Name, p.Year)
			}
			years = append(years, p.Year)
			if err := p.Value.validate(); err != nil {
				return fmt.Errorf("series %q, year %d: %w", s.Name, p.Year, err)
			}
		}
	}
	if t := b.Table; t != nil {
		if len(t.Columns) == 0 {
			return errors.New("table has no columns")
		}
		for ri, row := range t.Rows {
			if len(row) != len(t.Columns) {
				return fmt.Errorf("table row %d has %d cells for %d columns", ri+1, len(row), len(t.Columns))
			}
			for ci, c := range row {
				if c.Value == nil {
					continue
				}
				if c.Decimals < 0 || c.Decimals > maxDecimals {
					return fmt.Errorf("table row %d, column %d: decimals %d outside 0..%d", ri+1, ci+1, c.Decimals, maxDecimals)
				}
				if err := c.Value.validate(); err != nil {
					return fmt.Errorf("table row %d, column %d: %w", ri+1, ci+1, err)
				}
			}
		}
	}
	return nil
}

func (v Value) validate() error {
	switch v.Status {
	case StatusOK:
		if math.IsNaN(v.V) || math.IsInf(v.V, 0) {
			return fmt.Errorf("value %v with status ok", v.V)
		}
	case StatusSuppressed, StatusMissing, StatusNotApplicable:
	default:
		return fmt.Errorf("unknown status %q", v.Status)
	}
	return nil
}
