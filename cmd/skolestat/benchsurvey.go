package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/skolestat/skolestat/codebook"
	"github.com/skolestat/skolestat/internal/warehouse"
	"github.com/skolestat/skolestat/transforms/survey"
)

// surveyCell is one cell of school, municipality, county or nation by
// grade, gender and index: its respondents and mean.
type surveyCell struct {
	n    int64
	mean float64
}

// surveyDigest is what both contenders of the survey benchmark must agree
// on. The transform publishes a cell when it has at least the codebook's
// minimum of respondents and complementary suppression (which the DuckDB
// query does not do) leaves it; so the check is that every cell the
// transform published is a DuckDB cell with the same n and mean, and that
// the transform's published and secondary-suppressed cells together are
// exactly DuckDB's cells with n at least the minimum.
type surveyDigest struct {
	published map[string]surveyCell // ours: published; DuckDB: every cell
	secondary int64                 // ours: suppressed to protect another cell
	cells, n  int64                 // published cells and their respondents
}

func surveyKey(idx, typ, code, grade, gender string) string {
	return idx + "|" + typ + "|" + code + "|" + grade + "|" + gender
}

// agrees checks ours against DuckDB's every cell (duck) and returns a
// reason when they differ.
func (d surveyDigest) agrees(duck map[string]surveyCell, minN int64) error {
	for k, c := range d.published {
		o, ok := duck[k]
		if !ok {
			return fmt.Errorf("cell %s published by the transform is not in DuckDB's result", k)
		}
		if c.n != o.n || math.Abs(c.mean-o.mean) > 1e-9*math.Max(1, math.Abs(o.mean)) {
			return fmt.Errorf("cell %s: transform n %d mean %.12g, DuckDB n %d mean %.12g", k, c.n, c.mean, o.n, o.mean)
		}
	}
	big := int64(0)
	for _, o := range duck {
		if o.n >= minN {
			big++
		}
	}
	if got := int64(len(d.published)) + d.secondary; got != big {
		return fmt.Errorf("the transform published %d cells and suppressed %d to protect others; DuckDB has %d cells of at least %d respondents", len(d.published), d.secondary, big, minN)
	}
	return nil
}

// benchSurvey compares the survey transform over one national year of
// answers (the newest of the simulated nation) with the same aggregation
// written as one DuckDB query over the same Parquet file.
func (a *app) benchSurvey(ctx context.Context, dir, micro string, repeat int) error {
	cb, err := codebook.Builtin(codebook.Elevundersokelsen)
	if err != nil {
		return err
	}
	g := cb.Groups[0]
	yearDir := filepath.Join(dir, "survey")
	answers, year, rows, err := oneSurveyYear(ctx, filepath.Join(dir, "survey", "scratch.duckdb"), micro, yearDir)
	if err != nil {
		return err
	}
	schools := filepath.Join(micro, "schools.parquet")
	var oursT, duckT []time.Duration
	var ours surveyDigest
	var duck map[string]surveyCell
	var peak uint64
	for i := 0; i < repeat; i++ {
		start := time.Now()
		d, p, err := surveyOurs(ctx, g, answers, schools)
		if err != nil {
			return fmt.Errorf("survey transform: %w", err)
		}
		oursT, ours, peak = append(oursT, time.Since(start)), d, max(peak, p)
		wh := filepath.Join(yearDir, "duckdb.duckdb")
		if err := removeWarehouse(wh); err != nil {
			return err
		}
		var dd map[string]surveyCell
		var dt time.Duration
		err = inBuild(ctx, wh, func(b *warehouse.Build) error {
			start := time.Now()
			if err := surveyDuckDB(ctx, b, g, answers, schools); err != nil {
				return err
			}
			dt = time.Since(start)
			var err error
			dd, err = duckSurveyCells(ctx, b) // untimed: reading the result back for the check
			return err
		})
		if err != nil {
			return fmt.Errorf("DuckDB: %w", err)
		}
		duckT, duck = append(duckT, dt), dd
	}
	if err := ours.agrees(duck, int64(g.MinRespondents)); err != nil {
		return fmt.Errorf("the transform and DuckDB do not agree, the comparison is void: %w", err)
	}
	best := func(ts []time.Duration) time.Duration { return slices.Min(ts) }
	fmt.Fprintf(a.stdout, "\nsurvey indices for one national year (%d-%02d: %d answers, codebook %s), best of %d, alternating\n",
		year, (year+1)%100, rows, codebook.Elevundersokelsen, repeat)
	fmt.Fprintf(a.stdout, "  %-18s %7.2f s  %5.2f M answers/s  peak Go heap %4.0f MB  (read the Parquet, score respondents, aggregate class to nation by grade and gender)\n",
		"skolestat", best(oursT).Seconds(), float64(rows)/best(oursT).Seconds()/1e6, float64(peak)/1e6)
	fmt.Fprintf(a.stdout, "  %-18s %7.2f s  %5.2f M answers/s  (one query over read_parquet, school to nation; no class units)\n",
		"DuckDB SQL", best(duckT).Seconds(), float64(rows)/best(duckT).Seconds()/1e6)
	ratio := best(duckT).Seconds() / best(oursT).Seconds()
	verdict := "meets"
	if ratio < 1 {
		verdict = "MISSES"
	}
	fmt.Fprintf(a.stdout, "  ratio to DuckDB     %5.2f   target >= 1 (%s); the transform published %d cells over %d respondent scores (and suppressed %d more to protect small ones), each equal to DuckDB's\n", ratio, verdict, ours.cells, ours.n, ours.secondary)
	return nil
}

// oneSurveyYear writes the newest year of micro's survey answers to
// dir/survey_responses.parquet and returns it, the year and its rows.
func oneSurveyYear(ctx context.Context, wh, micro, dir string) (string, int, int64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", 0, 0, err
	}
	if err := removeWarehouse(wh); err != nil {
		return "", 0, 0, err
	}
	out := filepath.Join(dir, "survey_responses.parquet")
	src := warehouse.QuoteString(filepath.Join(micro, "survey_responses.parquet"))
	var year int
	var rows int64
	err := inBuild(ctx, wh, func(b *warehouse.Build) error {
		if err := b.QueryRow(ctx, "SELECT max(school_year) FROM read_parquet("+src+")", nil, &year); err != nil {
			return err
		}
		if _, err := b.Exec(ctx, fmt.Sprintf("COPY (SELECT * FROM read_parquet(%s) WHERE school_year = %d) TO %s (FORMAT parquet)", src, year, warehouse.QuoteString(out))); err != nil {
			return err
		}
		return b.QueryRow(ctx, "SELECT count(*) FROM read_parquet("+warehouse.QuoteString(out)+")", nil, &rows)
	})
	if err != nil {
		return "", 0, 0, fmt.Errorf("writing one survey year: %w", err)
	}
	return out, year, rows, nil
}

// parquetReader reads a whole Parquet file as Arrow records.
func parquetReader(ctx context.Context, path string) (array.RecordReader, func(), error) {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, nil, err
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: survey.DefaultBatchRows}, memory.DefaultAllocator)
	if err != nil {
		pf.Close()
		return nil, nil, err
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		pf.Close()
		return nil, nil, err
	}
	return rr, func() { rr.Release(); pf.Close() }, nil
}

// surveyOurs runs the transform over the files and digests its published
// cells; it also returns the peak Go heap sampled while it ran.
func surveyOurs(ctx context.Context, g codebook.Group, answers, schools string) (surveyDigest, uint64, error) {
	d := surveyDigest{published: map[string]surveyCell{}}
	peak, err := peakHeap(20*time.Millisecond, func() error {
		sr, closeS, err := parquetReader(ctx, schools)
		if err != nil {
			return err
		}
		defer closeS()
		rr, closeR, err := parquetReader(ctx, answers)
		if err != nil {
			return err
		}
		defer closeR()
		res, err := survey.Compute(ctx, g, sr, rr, survey.Config{})
		if err != nil {
			return err
		}
		defer res.Release()
		for _, rec := range res.Units {
			col := func(name string) arrow.Array { return rec.Column(rec.Schema().FieldIndices(name)[0]) }
			typ, code, grade, gender, idx := col("unit_type").(*array.String), col("unit_code").(*array.String),
				col("grade").(*array.String), col("gender").(*array.String), col("index_code").(*array.String)
			status, why := col("status").(*array.String), col("suppression").(*array.String)
			n, mean := col("n").(*array.Int64), col("mean").(*array.Float64)
			for i := 0; i < int(rec.NumRows()); i++ {
				switch {
				case typ.Value(i) == "class":
				case status.Value(i) == "ok":
					d.published[surveyKey(idx.Value(i), typ.Value(i), code.Value(i), grade.Value(i), gender.Value(i))] = surveyCell{n.Value(i), mean.Value(i)}
					d.cells++
					d.n += n.Value(i)
				case strings.HasPrefix(why.Value(i), "secondary"):
					d.secondary++
				}
			}
		}
		return nil
	})
	return d, peak, err
}

// surveyDuckDB is the same aggregation as one query: respondent scores by
// the codebook (reverse keying, min_items), the bullying share, then every
// school, municipality, county and the nation by grade and gender.
func surveyDuckDB(ctx context.Context, b *warehouse.Build, g codebook.Group, answers, schools string) error {
	var items []string
	for _, ix := range g.Indices {
		for _, it := range ix.Items {
			items = append(items, fmt.Sprintf("('%s', '%s', %t, %d, %d)", it, ix.Code, ix.Reversed(it), ix.MinItems, ix.Scale.Min+ix.Scale.Max))
		}
	}
	bully := make([]string, len(g.Bullying.Items))
	for i, it := range g.Bullying.Items {
		bully[i] = "'" + it + "'"
	}
	q := fmt.Sprintf(`
CREATE TABLE main.survey_units AS
WITH m(item, idx, rev, min_items, turn) AS (VALUES %s),
ans AS (SELECT * FROM read_parquet(%s) WHERE answer IS NOT NULL),
s AS (
    SELECT a.respondent_id, a.school_orgnr, a.grade, a.gender, m.idx, avg(CASE WHEN m.rev THEN m.turn - a.answer ELSE a.answer END) AS score
    FROM ans AS a JOIN m ON m.item = a.item_code
    GROUP BY a.respondent_id, a.school_orgnr, a.grade, a.gender, m.idx
    HAVING count(*) >= any_value(m.min_items)
    UNION ALL
    SELECT respondent_id, school_orgnr, grade, gender, '%s', CASE WHEN max(answer) >= %d THEN 100.0 ELSE 0.0 END
    FROM ans WHERE item_code IN (%s)
    GROUP BY respondent_id, school_orgnr, grade, gender
),
geo AS (
    SELECT s.*, sc.municipality_code AS muni FROM s JOIN read_parquet(%s) AS sc USING (school_orgnr)
),
wide AS (
    SELECT idx, score, u.t AS unit_type, u.c AS unit_code, gr AS grade, ge AS gender
    FROM geo,
         unnest([{'t': 'school', 'c': school_orgnr}, {'t': 'municipality', 'c': muni}, {'t': 'county', 'c': left(muni, 2)}, {'t': 'nation', 'c': '0'}]) AS x(u),
         unnest(['all', grade::VARCHAR]) AS y(gr),
         unnest(CASE WHEN gender IS NULL THEN ['all'] ELSE ['all', gender] END) AS z(ge)
)
SELECT idx, unit_type, unit_code, grade, gender, count(*) AS n, avg(score) AS mean
FROM wide GROUP BY ALL`, strings.Join(items, ", "), warehouse.QuoteString(answers), g.Bullying.Code, g.Bullying.Threshold, strings.Join(bully, ", "), warehouse.QuoteString(schools))
	_, err := b.Exec(ctx, q)
	return err
}

// duckSurveyCells reads surveyDuckDB's result back, every cell.
func duckSurveyCells(ctx context.Context, b *warehouse.Build) (map[string]surveyCell, error) {
	rows, err := b.Query(ctx, "SELECT idx, unit_type, unit_code, grade::VARCHAR, gender, n, mean FROM main.survey_units")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]surveyCell{}
	for rows.Next() {
		var idx, typ, code, grade, gender string
		var c surveyCell
		if err := rows.Scan(&idx, &typ, &code, &grade, &gender, &c.n, &c.mean); err != nil {
			return nil, err
		}
		out[surveyKey(idx, typ, code, grade, gender)] = c
	}
	return out, rows.Err()
}
