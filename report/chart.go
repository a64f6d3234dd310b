package report

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart geometry. The width fits an A4 page with 16 mm margins; the SVG
// scales down with the page on screen.
const (
	chartWidth  = 170 * vg.Millimeter
	chartHeight = 72 * vg.Millimeter
	chartFont   = 9 // points
	maxXLabels  = 8 // more years than this and only every k-th is labelled
)

// seriesStyle is how one series is drawn. Series differ by dash pattern and
// marker shape, so the chart reads in black and white; the colours are dark
// enough to print as distinct greys. The first three markers are filled so
// that the only stroked paths in a series' colour are its lines.
type seriesStyle struct {
	color  color.RGBA
	width  vg.Length
	dashes []vg.Length
	glyph  draw.GlyphDrawer
}

var seriesStyles = [...]seriesStyle{
	{color.RGBA{0x1F, 0x4E, 0x79, 0xFF}, 2.2, nil, draw.CircleGlyph{}},                     // solid, filled circle
	{color.RGBA{0xB3, 0x59, 0x00, 0xFF}, 1.6, []vg.Length{6, 3}, draw.BoxGlyph{}},          // dashed, filled square
	{color.RGBA{0x55, 0x55, 0x55, 0xFF}, 1.6, []vg.Length{1.5, 2.5}, draw.PyramidGlyph{}},  // dotted, filled triangle
	{color.RGBA{0x6A, 0x3D, 0x9A, 0xFF}, 1.4, []vg.Length{7, 2, 1.5, 2}, draw.RingGlyph{}}, // dash-dot, ring
	{color.RGBA{0x1B, 0x78, 0x37, 0xFF}, 1.4, []vg.Length{11, 3}, draw.SquareGlyph{}},      // long dash, square
	{color.RGBA{0x80, 0x80, 0x80, 0xFF}, 1.0, nil, draw.TriangleGlyph{}},                   // thin solid, triangle
}

func styleOf(i int) seriesStyle { return seriesStyles[i%len(seriesStyles)] }

func (s seriesStyle) line() draw.LineStyle {
	return draw.LineStyle{Color: s.color, Width: s.width, Dashes: s.dashes}
}

func (s seriesStyle) marker() draw.GlyphStyle {
	return draw.GlyphStyle{Color: s.color, Radius: 2.6, Shape: s.glyph}
}

// chartYears returns every year from the smallest to the largest year of any
// point in series, so that a year no series has is a gap too.
func chartYears(series []Series) []int {
	lo, hi := math.MaxInt, math.MinInt
	for _, s := range series {
		for _, p := range s.Points {
			lo, hi = min(lo, p.Year), max(hi, p.Year)
		}
	}
	if lo > hi {
		return nil
	}
	years := make([]int, 0, hi-lo+1)
	for y := lo; y <= hi; y++ {
		years = append(years, y)
	}
	return years
}

// valuesByYear lays s out over years: the value of each year, Missing where s
// has no point.
func valuesByYear(s Series, years []int) []Value {
	out := make([]Value, len(years))
	for i := range out {
		out[i] = Missing()
	}
	for _, p := range s.Points {
		if i := p.Year - years[0]; i >= 0 && i < len(years) {
			out[i] = p.Value
		}
	}
	return out
}

// okRuns splits vals (laid out over years) into maximal runs of consecutive
// OK values; every other status ends a run.
func okRuns(vals []Value, years []int) []plotter.XYs {
	var runs []plotter.XYs
	var cur plotter.XYs
	for i, v := range vals {
		if v.Status != StatusOK {
			if len(cur) > 0 {
				runs = append(runs, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: float64(years[i]), Y: v.V})
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}

// chart is a block's chart as two inline SVG elements: the legend above the
// plot, so the legend never covers a line.
type chart struct {
	Legend, Plot template.HTML
}

// drawChart draws b's series over years (from chartYears). ok is false, and
// no chart is drawn, when no series has an OK value.
func drawChart(b Block, years []int) (c chart, ok bool, err error) {
	p, ok, err := newPlot(b, years)
	if err != nil || !ok {
		return chart{}, false, err
	}
	cv := vgsvg.New(chartWidth, chartHeight)
	p.Draw(draw.New(cv))
	plotSVG, err := inlineSVG(cv, "chart-plot", `role="img" aria-label="`+html.EscapeString("Figur: "+b.Title)+`"`)
	if err != nil {
		return chart{}, false, err
	}
	legendSVG, err := drawLegend(b.Series, textStyle())
	if err != nil {
		return chart{}, false, err
	}
	return chart{Legend: legendSVG, Plot: plotSVG}, true, nil
}

// newPlot builds the plot of b's series over years, without a legend. ok is
// false when no series has an OK value.
func newPlot(b Block, years []int) (p *plot.Plot, ok bool, err error) {
	p = plot.New()
	f := textStyle().Font // keep each element's own alignment and rotation
	p.X.Tick.Label.Font = f
	p.Y.Tick.Label.Font = f
	p.Y.Label.TextStyle.Font = f
	p.Y.Label.Text = b.Unit

	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal = draw.LineStyle{Color: color.Gray{Y: 0xCC}, Width: 0.4}
	p.Add(grid)

	lo, hi := math.Inf(1), math.Inf(-1)
	for i, s := range b.Series {
		st := styleOf(i)
		var marks plotter.XYs
		for _, run := range okRuns(valuesByYear(s, years), years) {
			marks = append(marks, run...)
			for _, xy := range run {
				lo, hi = math.Min(lo, xy.Y), math.Max(hi, xy.Y)
			}
			if len(run) < 2 {
				continue // a lone point is a marker only
			}
			l, err := plotter.NewLine(run)
			if err != nil {
				return nil, false, fmt.Errorf("drawing series %q: %w", s.Name, err)
			}
			l.LineStyle = st.line()
			p.Add(l)
		}
		if len(marks) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(marks)
		if err != nil {
			return nil, false, fmt.Errorf("drawing markers of series %q: %w", s.Name, err)
		}
		sc.GlyphStyle = st.marker()
		p.Add(sc)
	}
	if math.IsInf(lo, 1) {
		return nil, false, nil
	}
	p.X.Min, p.X.Max = float64(years[0])-0.5, float64(years[len(years)-1])+0.5
	p.X.Tick.Marker = yearTicks(years, b.YearFormat)
	p.Y.Min, p.Y.Max = valueRange(lo, hi, b.YFromZero)
	p.Y.Tick.Marker = nbTicks{}
	return p, true, nil
}

func textStyle() text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(font.Font{Typeface: "Liberation", Variant: "Sans"}, chartFont),
		Handler: plot.DefaultTextHandler,
	}
}

// drawLegend draws the legend of series as an SVG element.
func drawLegend(series []Series, sty text.Style) (template.HTML, error) {
	h, drawOn := legend(series, sty)
	cv := vgsvg.New(chartWidth, h)
	drawOn(draw.New(cv))
	return inlineSVG(cv, "chart-legend", `aria-hidden="true"`)
}

// legend lays out one entry per series (line sample and marker, then the
// name) left to right, wrapping to a new row when the chart's width is used
// up. It returns the height the legend needs at the chart's width and a
// function drawing it on a canvas of that size.
func legend(series []Series, sty text.Style) (vg.Length, func(draw.Canvas)) {
	const (
		thumbW = vg.Length(30)
		gap    = vg.Length(14)
	)
	rowH := sty.FontExtents().Height * 1.5
	type entry struct {
		leg  plot.Legend
		w, x vg.Length
		row  int
	}
	entries := make([]entry, len(series))
	var x vg.Length
	row := 0
	for i, s := range series {
		st := styleOf(i)
		leg := plot.NewLegend()
		leg.TextStyle = sty
		leg.Top, leg.Left = true, true
		leg.ThumbnailWidth = thumbW
		leg.Add(s.Name, &plotter.Line{LineStyle: st.line()}, &plotter.Scatter{GlyphStyle: st.marker()})
		w := thumbW + sty.Width(" "+s.Name)
		if x > 0 && x+w > chartWidth {
			row++
			x = 0
		}
		entries[i] = entry{leg: leg, w: w, x: x, row: row}
		x += w + gap
	}
	h := rowH*vg.Length(row+1) + 4
	return h, func(dc draw.Canvas) {
		for _, e := range entries {
			top := dc.Max.Y - 2 - rowH*vg.Length(e.row)
			x := dc.Min.X + e.x
			e.leg.Draw(draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: top - rowH},
				Max: vg.Point{X: x + e.w, Y: top},
			}})
		}
	}
}

// inlineSVG writes cv and replaces vgsvg's prologue (XML declaration,
// comment, and an <svg> tag with namespace URLs) by a plain <svg> tag for
// embedding in HTML, where the namespace is implied.
func inlineSVG(cv *vgsvg.Canvas, class, attrs string) (template.HTML, error) {
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("writing SVG: %w", err)
	}
	out := buf.String()
	start := strings.Index(out, "<svg")
	if start < 0 {
		return "", fmt.Errorf("writing SVG: no <svg> element in vgsvg output")
	}
	end := strings.IndexByte(out[start:], '>')
	if end < 0 {
		return "", fmt.Errorf("writing SVG: unterminated <svg> tag in vgsvg output")
	}
	w, h := cv.Size()
	tag := fmt.Sprintf(`<svg class="%s" width="%.5gpt" height="%.5gpt" viewBox="0 0 %.5g %.5g" %s>`,
		class, w.Points(), h.Points(), w.Points(), h.Points(), attrs)
	// The markup comes from vgsvg, which escapes all text it writes.
	return template.HTML(tag + out[start+end+1:]), nil
}

// valueRange is the value axis range for data from lo to hi: a little air
// above and below, or from 0 when fromZero.
func valueRange(lo, hi float64, fromZero bool) (float64, float64) {
	if fromZero {
		lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	}
	span := hi - lo
	if span == 0 {
		span = math.Max(math.Abs(hi)*0.2, 1)
	}
	pad := span * 0.1
	ymin, ymax := lo-pad, hi+pad
	if fromZero && lo == 0 {
		ymin = 0
	}
	if fromZero && hi == 0 {
		ymax = 0
	}
	return ymin, ymax
}

// yearTicks puts a tick at every year, labelled as f says; with many years
// only every k-th is labelled.
func yearTicks(years []int, f YearFormat) plot.ConstantTicks {
	step := (len(years) + maxXLabels - 1) / maxXLabels
	ticks := make(plot.ConstantTicks, len(years))
	for i, y := range years {
		ticks[i].Value = float64(y)
		if i%step == 0 {
			ticks[i].Label = YearLabel(y, f)
		}
	}
	return ticks
}

// nbTicks is plot.DefaultTicks with Norwegian number labels, all with the
// fewest decimals that show every labelled tick exactly.
type nbTicks struct{}

func (nbTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	dec := 0
	for _, t := range ticks {
		if t.Label == "" {
			continue
		}
		for dec < maxDecimals && !showsExactly(t.Value, dec) {
			dec++
		}
	}
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = formatNumber(t.Value, dec)
		}
	}
	return ticks
}

// showsExactly reports whether x printed with dec decimals is x, up to
// floating-point noise.
func showsExactly(x float64, dec int) bool {
	p := math.Pow10(dec)
	return math.Abs(math.Round(x*p)/p-x) <= 1e-9*math.Max(1, math.Abs(x))
}
