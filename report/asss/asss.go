// Package asss assembles skolestat serve's ASSS page: one indicator in one
// school year for every member of the ASSS network (mart.asss_compare:
// value, rank, distance from the ASSS average, index), and one member's
// series against the ASSS average and the nation over five years
// (mart.trend), as a report.Document with a form to choose the indicator,
// year and municipality. Package report renders it.
//
// Build runs read-only queries through a Querier (a connection to the
// served copy of the mart schema) and reads the mart schema only. Every
// block carries the SQL that produced its numbers. Values keep their
// status: a suppressed value shows as suppressed, never as 0.
package asss

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/skolestat/skolestat/report"
	"github.com/skolestat/skolestat/report/kvalitetsmelding"
)

// Querier runs a read-only query: the quality report's, since the page
// draws the same series (kvalitetsmelding.TrendSeries).
type Querier = kvalitetsmelding.Querier

// Choice is what the page shows; a zero field means the default: the
// indicator grunnskolepoeng (or the first there is), its newest year, the
// first member.
type Choice struct {
	Indicator    string // an indicator code, e.g. national_test_reading
	Level        string // its level, e.g. 5; "" for its first
	Year         int
	Municipality string // a member's code, for the series
}

// Options carry what the document prints about its origin.
type Options struct {
	Action      string // the page's URL path, where the form is sent
	RunID       string
	GeneratedAt time.Time
	Years       int // the series' span; 0 means 5
}

type indicator struct {
	code, level, name, unit string
	years                   report.YearFormat // calendar years (KOSTRA) or school years
}

func (i indicator) key() string { return i.code + ":" + i.level }

const indicatorsQuery = `SELECT d.indicator, d.level, any_value(d.name_nb), any_value(d.unit), bool_or(i.period_kind = 'calendar')
FROM mart.indicator_definition AS d
JOIN (SELECT DISTINCT indicator, level, period_kind FROM mart.indicator_preferred WHERE unit_type = 'municipality') AS i
  ON i.indicator = d.indicator AND i.level = d.level
GROUP BY ALL ORDER BY any_value(d.domain), 3, 2`

const yearsQuery = `SELECT DISTINCT year FROM mart.indicator_preferred
WHERE unit_type = 'municipality' AND indicator = $1 AND level = $2 ORDER BY year DESC`

const membersQuery = `SELECT municipality_code, any_value(municipality_name) FROM mart.peer_group
WHERE group_code = 'asss' GROUP BY ALL ORDER BY 1`

// compareQuery: $1 indicator, $2 year, $3 level.
const compareQuery = `SELECT municipality_code, municipality_name, value, status, asss_average, nation, rank, distance, index
FROM mart.asss_compare($1, $2)
WHERE level = $3
ORDER BY rank NULLS LAST, municipality_code`

// Build queries the served mart and returns the page's document. An
// unknown indicator, year or municipality in c falls back to the default.
func Build(ctx context.Context, q Querier, c Choice, opt Options) (report.Document, error) {
	if opt.Years == 0 {
		opt.Years = 5
	}
	inds, err := indicators(ctx, q)
	if err != nil {
		return report.Document{}, err
	}
	if len(inds) == 0 {
		return report.Document{}, fmt.Errorf("the warehouse has no indicator with municipality values")
	}
	ind := pick(inds, c)
	years, err := ints(ctx, q, yearsQuery, ind.code, ind.level)
	if err != nil {
		return report.Document{}, fmt.Errorf("listing the years of %s: %w", ind.code, err)
	}
	year := years[0]
	for _, y := range years {
		if y == c.Year {
			year = y
		}
	}
	members, err := pairs(ctx, q, membersQuery)
	if err != nil {
		return report.Document{}, fmt.Errorf("listing the ASSS members: %w", err)
	}
	if len(members) == 0 {
		return report.Document{}, fmt.Errorf("mart.peer_group has no ASSS members")
	}
	muni := members[0]
	for _, m := range members {
		if m[0] == c.Municipality {
			muni = m
		}
	}
	d := report.Document{
		Title:            "ASSS-sammenligning",
		Subtitle:         ind.name,
		Municipality:     muni[0],
		MunicipalityName: muni[1],
		Year:             year,
		RunID:            opt.RunID,
		GeneratedAt:      opt.GeneratedAt,
		Form:             form(opt.Action, inds, ind, years, year, members, muni[0]),
	}
	decimals := 1
	if strings.Contains(ind.unit, "NOK") || ind.unit == "pupils" {
		decimals = 0
	}
	table, err := compareBlock(ctx, q, ind, year, decimals)
	if err != nil {
		return report.Document{}, err
	}
	chart, err := seriesBlock(ctx, q, ind, muni, year-opt.Years+1, year, decimals)
	if err != nil {
		return report.Document{}, err
	}
	if ind.code == "school_contribution" {
		table.Caveat, chart.Caveat = kvalitetsmelding.Caveat, kvalitetsmelding.Caveat
	}
	d.Sections = []report.Section{{
		Title:  ind.name + ", " + report.YearLabel(year, ind.years),
		Intro:  "Medlemmene i ASSS-nettverket det året, med verdien, rangeringen blant dem som har en verdi (1 er best), avstanden fra ASSS-snittet (det uvektede gjennomsnittet av medlemmenes verdier) og indeksen der ASSS-snittet er 1,00.",
		Blocks: []report.Block{table, chart},
	}}
	return d, nil
}

func pick(inds []indicator, c Choice) indicator {
	def := inds[0]
	for _, i := range inds {
		if i.code == "grunnskolepoeng" && def.code != "grunnskolepoeng" {
			def = i
		}
	}
	for _, i := range inds {
		if i.code == c.Indicator && (c.Level == "" || i.level == c.Level) {
			return i
		}
	}
	return def
}

func form(action string, inds []indicator, ind indicator, years []int, year int, members [][2]string, muni string) *report.Form {
	f := &report.Form{Action: action, Fields: []report.Field{
		{Name: "indicator", Label: "Indikator", Selected: ind.key()},
		{Name: "year", Label: "År", Selected: fmt.Sprint(year)},
		{Name: "municipality", Label: "Kommune i figuren", Selected: muni},
	}}
	for _, i := range inds {
		f.Fields[0].Options = append(f.Fields[0].Options, report.Option{Value: i.key(), Label: i.name})
	}
	for _, y := range years {
		f.Fields[1].Options = append(f.Fields[1].Options, report.Option{Value: fmt.Sprint(y), Label: report.YearLabel(y, ind.years)})
	}
	for _, m := range members {
		f.Fields[2].Options = append(f.Fields[2].Options, report.Option{Value: m[0], Label: m[1]})
	}
	return f
}

func compareBlock(ctx context.Context, q Querier, ind indicator, year, decimals int) (report.Block, error) {
	args := []any{ind.code, year, ind.level}
	rows, err := q.Query(ctx, compareQuery, args...)
	if err != nil {
		return report.Block{}, fmt.Errorf("comparing the ASSS members on %s: %w", ind.code, err)
	}
	defer rows.Close()
	t := &report.Table{Columns: []string{"Kommune", "Verdi", "Rangering", "Avstand fra ASSS-snittet", "Indeks (ASSS = 1,00)"}}
	var avg, nation sql.NullFloat64
	for rows.Next() {
		var code, name, status string
		var v, dist, index sql.NullFloat64
		var rank sql.NullInt64
		if err := rows.Scan(&code, &name, &v, &status, &avg, &nation, &rank, &dist, &index); err != nil {
			return report.Block{}, fmt.Errorf("reading the ASSS comparison: %w", err)
		}
		val := report.ValueOf(v, status)
		rankCell := report.ValueCell(report.ValueOf(sql.NullFloat64{Float64: float64(rank.Int64), Valid: rank.Valid}, status), 0)
		if val.Status != report.StatusOK {
			rankCell = report.ValueCell(val, 0)
		}
		t.Rows = append(t.Rows, []report.Cell{
			report.TextCell(name + " (" + code + ")"), report.ValueCell(val, decimals), rankCell,
			report.ValueCell(report.ValueOf(dist, status), decimals), report.ValueCell(report.ValueOf(index, status), 2),
		})
	}
	if err := rows.Err(); err != nil {
		return report.Block{}, fmt.Errorf("reading the ASSS comparison: %w", err)
	}
	dash := report.TextCell("")
	t.Rows = append(t.Rows,
		[]report.Cell{report.TextCell("ASSS-snitt"), report.ValueCell(report.ValueOf(avg, "ok"), decimals), dash, dash, dash},
		[]report.Cell{report.TextCell("Hele landet"), report.ValueCell(report.ValueOf(nation, "ok"), decimals), dash, dash, dash})
	return report.Block{
		Title: "ASSS-kommunene",
		Note:  "Enhet: " + ind.unit + ". Rangeringen teller bare medlemmer med en publisert verdi; prikkede verdier inngår ikke i snittet.",
		Table: t,
		Query: report.BindQuery(compareQuery, args),
	}, nil
}

func seriesBlock(ctx context.Context, q Querier, ind indicator, muni [2]string, from, to, decimals int) (report.Block, error) {
	ss, query, err := kvalitetsmelding.TrendSeries(ctx, q, muni[0], muni[1], ind.code, ind.level, from, to)
	if err != nil {
		return report.Block{}, fmt.Errorf("reading the series of %s: %w", ind.code, err)
	}
	b := report.Block{Title: fmt.Sprintf("%s mot ASSS-snittet og landet", muni[1]), Unit: ind.unit, Decimals: decimals,
		Query: query, Series: ss, YearFormat: ind.years}
	return b, nil
}

func indicators(ctx context.Context, q Querier) ([]indicator, error) {
	rows, err := q.Query(ctx, indicatorsQuery)
	if err != nil {
		return nil, fmt.Errorf("listing the indicators: %w", err)
	}
	defer rows.Close()
	var out []indicator
	for rows.Next() {
		var i indicator
		var unit sql.NullString
		var calendar sql.NullBool
		if err := rows.Scan(&i.code, &i.level, &i.name, &unit, &calendar); err != nil {
			return nil, fmt.Errorf("listing the indicators: %w", err)
		}
		i.unit, i.years = unit.String, report.SchoolYear
		if calendar.Bool {
			i.years = report.CalendarYear
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

func ints(ctx context.Context, q Querier, query string, args ...any) ([]int, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no year has a value")
	}
	return out, nil
}

func pairs(ctx context.Context, q Querier, query string) ([][2]string, error) {
	rows, err := q.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var p [2]string
		var name sql.NullString
		if err := rows.Scan(&p[0], &name); err != nil {
			return nil, err
		}
		p[1] = name.String
		if p[1] == "" {
			p[1] = p[0]
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
