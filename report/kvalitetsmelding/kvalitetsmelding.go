// Package kvalitetsmelding assembles a municipality's quality report (the
// annual report of opplæringsloven § 13-3e: learning results, completion,
// learning environment, and resources) from the warehouse's analyst layer
// (mart.trend, mart.schools_of, mart.sbi_aggregate; docs/analyst-guide.md)
// into a report.Document, which package report renders.
//
// Build runs read-only queries through a Querier (the warehouse's reader
// in production and in tests). Every block carries the exact SQL
// that produced its numbers, so every number in the report can be traced
// and rerun. Values keep their status: a suppressed value stays suppressed
// (never 0), a year without a value is missing.
package kvalitetsmelding

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/skolestat/skolestat/report"
)

// Querier runs a read-only query; *warehouse.Reader is one.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Options say which report to build.
type Options struct {
	Municipality string // four digits, today's code
	Year         int    // the school year (autumn year) reported on
	Years        int    // how many years the series span, ending at Year; 0 means 5
	RunID        string // the warehouse run the numbers come from
	GeneratedAt  time.Time
}

// Caveat is the school contribution caveat in Norwegian, printed wherever the
// report shows a school contribution (indicators.md §1).
const Caveat = "Skolebidragsindikatorene er ikke et mål på skolens kvalitet. De anslår hva elevene ved en skole oppnår " +
	"sammenliknet med elever med lik bakgrunn og like tidligere resultater nasjonalt, og er tilleggsinformasjon til " +
	"annen kunnskap om skolen, aldri en rangering alene.\n\nTallene for små skoler og kommuner er usikre: les " +
	"konfidensintervallet, ikke bare punktet. De tre trinnindikatorene (1.–4., 5.–7. og 8.–10. trinn) er ulike mål " +
	"og kan ikke sammenliknes, summeres eller rangeres på tvers."

// series is one indicator's block: the municipality, the ASSS average and
// the nation over the years, from mart.trend.
type series struct {
	title, indicator, level, unit string
	decimals                      int
}

// Build queries the warehouse and returns the document. It fails when the
// municipality is unknown (not among today's in mart.municipality) or a query fails; an
// indicator without any value in the years gives a block whose values are
// all missing, which the report shows as such.
func Build(ctx context.Context, q Querier, opt Options) (report.Document, error) {
	if opt.Years == 0 {
		opt.Years = 5
	}
	var name string
	if err := queryRow(ctx, q, `SELECT name FROM mart.municipality WHERE current AND municipality_code = ?`, []any{opt.Municipality}, &name); err != nil {
		return report.Document{}, fmt.Errorf("finding municipality %s: %w", opt.Municipality, err)
	}
	from := opt.Year - opt.Years + 1
	d := report.Document{
		Title:            "Kvalitetsmelding for grunnskolen " + report.YearLabel(opt.Year, report.SchoolYear),
		Subtitle:         name + " kommune",
		Municipality:     opt.Municipality,
		MunicipalityName: name,
		Year:             opt.Year,
		RunID:            opt.RunID,
		GeneratedAt:      opt.GeneratedAt,
	}
	sections := []struct {
		title, intro string
		series       []series
		years        report.YearFormat
		contribution bool // the school contribution follows the series
	}{
		{"Læringsresultater", "Resultatene til kommunens elever over fem år, mot snittet i ASSS-kommunene og landet.", []series{
			{"Grunnskolepoeng", "grunnskolepoeng", "all", "poeng", 1},
			{"Nasjonale prøver 5. trinn, lesing", "national_test_reading", "5", "skalapoeng", 0},
			{"Nasjonale prøver 5. trinn, regning", "national_test_numeracy", "5", "skalapoeng", 0},
			{"Nasjonale prøver 8. trinn, lesing", "national_test_reading", "8", "skalapoeng", 0},
		}, report.SchoolYear, true},
		{"Gjennomføring", "Overgangen fra grunnskolen: andelen elever som går direkte videre til videregående opplæring høsten etter 10. trinn (Utdanningsdirektoratet, tabell OvergangerG). Gjennomføring og frafall i videregående opplæring er fylkeskommunens og er ikke med her.", []series{
			{"Direkte overgang til videregående opplæring", "transition_upper_secondary", "all", "prosent", 1},
		}, report.SchoolYear, false},
		{"Læringsmiljø", "Elevundersøkelsen: indekser fra 1 til 5 (høyere er bedre) og andelen elever som opplever mobbing (lavere er bedre).", []series{
			{"Trivsel, 7. trinn", "EUIndeks_1379", "7", "indeks", 1},
			{"Trivsel, 10. trinn", "EUIndeks_1379", "10", "indeks", 1},
			{"Mobbing, 7. trinn", "EUIndeks_1398", "7", "prosent", 1},
			{"Mobbing, 10. trinn", "EUIndeks_1398", "10", "prosent", 1},
		}, report.SchoolYear, false},
		{"Ressurser", "KOSTRA-tall fra SSB (kalenderår) og GSI.", []series{
			{"Netto driftsutgifter grunnskole per innbygger 6–15 år", "net_cost_per_inhabitant_6_15", "all", "kroner", 0},
			{"Gruppestørrelse 2", "group_size_2", "all", "elever per lærer", 1},
			{"Andel elever med spesialundervisning", "share_special_education", "all", "prosent", 1},
		}, report.CalendarYear, false},
	}
	for _, sec := range sections {
		s := report.Section{Title: sec.title, Intro: sec.intro}
		for _, sr := range sec.series {
			b, err := trendBlock(ctx, q, opt.Municipality, name, sr, from, opt.Year, sec.years)
			if err != nil {
				return report.Document{}, err
			}
			s.Blocks = append(s.Blocks, b)
		}
		if sec.contribution {
			b, err := contributionBlock(ctx, q, opt.Municipality, from, opt.Year)
			if err != nil {
				return report.Document{}, err
			}
			s.Blocks = append(s.Blocks, b)
		}
		d.Sections = append(d.Sections, s)
	}
	schools, err := schoolsBlock(ctx, q, opt.Municipality, opt.Year)
	if err != nil {
		return report.Document{}, err
	}
	d.Sections = append(d.Sections, report.Section{Title: "Skolene",
		Intro: "Hver skole i kommunen: grunnskolepoeng og skolebidrag med konfidensintervall.", Blocks: []report.Block{schools}})
	return d, nil
}

// trendQuery is the SQL of TrendSeries; $1 municipality, $2
// indicator, $3 level, $4 from, $5 to.
const trendQuery = `SELECT 'kommune' AS series, year, value, status FROM mart.trend($1, $2, $4, $5) WHERE level = $3 AND subgroup = 'all'
UNION ALL
SELECT 'asss', year, asss_average, CASE WHEN asss_average IS NULL THEN 'missing' ELSE 'ok' END FROM mart.trend($1, $2, $4, $5) WHERE level = $3 AND subgroup = 'all'
UNION ALL
SELECT 'nasjonalt', year, value, status FROM mart.trend('0', $2, $4, $5) WHERE level = $3 AND subgroup = 'all'`

// TrendSeries reads, with trendQuery, a municipality's series of an
// indicator at a level from..to beside the ASSS average and the nation:
// three series named name, "ASSS-snitt" and "Nasjonalt", every year
// present (missing where there is no value). It returns them with the
// query as run, for the block that shows them. The quality report and
// skolestat serve's ASSS page both draw these.
func TrendSeries(ctx context.Context, q Querier, code, name, indicator, level string, from, to int) ([]report.Series, string, error) {
	args := []any{code, indicator, level, from, to}
	rows, err := q.Query(ctx, trendQuery, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	byName := map[string][]report.Point{}
	for rows.Next() {
		var series, status string
		var year int
		var v sql.NullFloat64
		if err := rows.Scan(&series, &year, &v, &status); err != nil {
			return nil, "", err
		}
		byName[series] = append(byName[series], report.Point{Year: year, Value: report.ValueOf(v, status)})
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	var out []report.Series
	for _, n := range []struct{ key, label string }{{"kommune", name}, {"asss", "ASSS-snitt"}, {"nasjonalt", "Nasjonalt"}} {
		out = append(out, report.Series{Name: n.label, Points: report.Years(byName[n.key], from, to)})
	}
	return out, report.BindQuery(trendQuery, args), nil
}

func trendBlock(ctx context.Context, q Querier, code, name string, s series, from, to int, years report.YearFormat) (report.Block, error) {
	ss, query, err := TrendSeries(ctx, q, code, name, s.indicator, s.level, from, to)
	if err != nil {
		return report.Block{}, fmt.Errorf("querying %s: %w", s.title, err)
	}
	return report.Block{Title: s.title, Unit: s.unit, Decimals: s.decimals, Query: query, Series: ss, YearFormat: years}, nil
}

// contributionQuery lists the municipality's school contribution by level
// and window ($1 municipality, $2 first, $3 last window start).
const contributionQuery = `SELECT level, window_label, effect, lower, upper, classification, status
FROM mart.sbi_aggregate
WHERE unit_type = 'municipality' AND unit_code = $1 AND model = 'fixed'
  AND split_part(window_label, '+', 1)::INTEGER BETWEEN $2 AND $3
ORDER BY level, window_label`

func contributionBlock(ctx context.Context, q Querier, code string, from, to int) (report.Block, error) {
	args := []any{code, from, to}
	rows, err := q.Query(ctx, contributionQuery, args...)
	if err != nil {
		return report.Block{}, fmt.Errorf("querying the school contribution: %w", err)
	}
	defer rows.Close()
	t := &report.Table{Columns: []string{"Trinn", "Kull", "Skolebidrag", "Intervall (z)", "Vurdering"}}
	for rows.Next() {
		var level, window, status string
		var effect, lower, upper sql.NullFloat64
		var class sql.NullString
		if err := rows.Scan(&level, &window, &effect, &lower, &upper, &class, &status); err != nil {
			return report.Block{}, fmt.Errorf("reading the school contribution: %w", err)
		}
		t.Rows = append(t.Rows, []report.Cell{
			report.TextCell(level + ". trinn"), report.TextCell(window), report.ValueCell(report.ValueOf(effect, status), 1),
			report.TextCell(interval(lower, upper, status)), report.TextCell(classification(class.String, status)),
		})
	}
	if err := rows.Err(); err != nil {
		return report.Block{}, fmt.Errorf("reading the school contribution: %w", err)
	}
	return report.Block{Title: "Skolebidrag (kommunens offentlige skoler)", Caveat: Caveat, Table: t,
		Note:  "Skolebidrag i skalapoeng (1.–4. og 5.–7. trinn) eller karakterpoeng (8.–10. trinn); intervallet er 95 % i standardavvik.",
		Query: report.BindQuery(contributionQuery, args)}, nil
}

// schoolsQuery is every school's grunnskolepoeng and school contribution in
// the year ($1 municipality, $2 year).
const schoolsQuery = `SELECT school_orgnr, school_name, indicator, level, value, status, lower, upper
FROM mart.schools_of($1, $2)
WHERE subgroup = 'all' AND indicator IN ('grunnskolepoeng', 'school_contribution')
ORDER BY school_name, indicator, level`

func schoolsBlock(ctx context.Context, q Querier, code string, year int) (report.Block, error) {
	args := []any{code, year}
	rows, err := q.Query(ctx, schoolsQuery, args...)
	if err != nil {
		return report.Block{}, fmt.Errorf("querying the schools: %w", err)
	}
	defer rows.Close()
	t := &report.Table{Columns: []string{"Skole", "Indikator", "Trinn", "Verdi", "Intervall (z)"}}
	for rows.Next() {
		var orgnr, name, indicator, level, status string
		var v, lower, upper sql.NullFloat64
		if err := rows.Scan(&orgnr, &name, &indicator, &level, &v, &status, &lower, &upper); err != nil {
			return report.Block{}, fmt.Errorf("reading the schools: %w", err)
		}
		label, iv := "Grunnskolepoeng", ""
		if indicator == "school_contribution" {
			label, iv = "Skolebidrag", interval(lower, upper, status)
		}
		t.Rows = append(t.Rows, []report.Cell{report.TextCell(name), report.TextCell(label), report.TextCell(level),
			report.ValueCell(report.ValueOf(v, status), 1), report.TextCell(iv)})
	}
	if err := rows.Err(); err != nil {
		return report.Block{}, fmt.Errorf("reading the schools: %w", err)
	}
	return report.Block{Title: "Skolene " + report.YearLabel(year, report.SchoolYear), Caveat: Caveat, Table: t, Query: report.BindQuery(schoolsQuery, args)}, nil
}

// interval shows a school contribution's 95 % interval, or the mark of
// the value's status when it has none.
func interval(lower, upper sql.NullFloat64, status string) string {
	if status != "ok" || !lower.Valid || !upper.Valid {
		return report.FormatValue(report.ValueOf(sql.NullFloat64{}, status), 2)
	}
	return report.FormatValue(report.OK(lower.Float64), 2) + " – " + report.FormatValue(report.OK(upper.Float64), 2)
}

func classification(c, status string) string {
	if status != "ok" {
		return report.FormatValue(report.ValueOf(sql.NullFloat64{}, status), 0)
	}
	switch c {
	case "above":
		return "over snittet"
	case "below":
		return "under snittet"
	}
	return "ikke ulik snittet"
}

func queryRow(ctx context.Context, q Querier, query string, args []any, dest ...any) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return fmt.Errorf("not found")
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Err()
}
