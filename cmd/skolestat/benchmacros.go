package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/skolestat/skolestat/internal/warehouse"
)

// benchMacros times the analysts' macros (sql/scripts/mart_macros.sql) on
// the demo's warehouse in dir (built by the demo benchmark, or here when it
// did not run): each call's rows fetched in full, eleven times after one
// warm-up, median reported. Target: under 50 ms each.
func (a *app) benchMacros(ctx context.Context, dir string, scale float64) error {
	wh, rd, year, err := a.macroWarehouse(ctx, dir, scale)
	if err != nil {
		return err
	}
	defer rd.Close()
	calls := macroCalls(year)
	fmt.Fprintf(a.stdout, "\nanalysts' macros on %s (year %d), median of 11 after a warm-up\n", wh, year)
	for _, c := range calls {
		med, n, err := median(func() (int, error) {
			rows, err := rd.Query(ctx, c.sql)
			if err != nil {
				return 0, err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				n++
			}
			return n, rows.Err()
		})
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		verdict := "meets"
		if med >= 50*time.Millisecond {
			verdict = "MISSES"
		}
		fmt.Fprintf(a.stdout, "  %-16s %7.1f ms  %6d rows   target < 50 ms (%s)\n", c.name, ms(med), n, verdict)
	}
	return nil
}

// macroWarehouse opens the demo's warehouse in dir for benchMacros and
// benchServe (building it first when the demo benchmark did not run), and
// finds the newest year with grunnskolepoeng, which macroCalls takes.
func (a *app) macroWarehouse(ctx context.Context, dir string, scale float64) (string, *warehouse.Reader, int, error) {
	wh := filepath.Join(dir, "demo", "warehouse.duckdb")
	if _, err := os.Stat(wh); err != nil {
		if err := a.benchDemo(ctx, dir, scale); err != nil {
			return "", nil, 0, err
		}
	}
	rd, err := warehouse.OpenReader(ctx, wh)
	if err != nil {
		return "", nil, 0, err
	}
	var year int
	if err := rd.QueryRow(ctx, `SELECT max(year) FROM mart.indicator WHERE indicator = 'grunnskolepoeng' AND unit_type = 'municipality'`, nil, &year); err != nil {
		rd.Close()
		return "", nil, 0, fmt.Errorf("finding the newest year: %w", err)
	}
	return wh, rd, year, nil
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

type macroCall struct{ name, sql string }

// macroCalls are the calls benchMacros and benchServe time: each macro on
// Bergen and the newest year with grunnskolepoeng.
func macroCalls(year int) []macroCall {
	return []macroCall{
		{"asss_compare", fmt.Sprintf(`SELECT * FROM mart.asss_compare('grunnskolepoeng', %d)`, year)},
		{"trend", fmt.Sprintf(`SELECT * FROM mart.trend('4601', 'grunnskolepoeng', %d, %d)`, year-5, year)},
		{"cost_vs_results", fmt.Sprintf(`SELECT * FROM mart.cost_vs_results(%d)`, year)},
		{"schools_of", fmt.Sprintf(`SELECT * FROM mart.schools_of('4601', %d)`, year-1)},
	}
}

// median runs f twelve times and returns the median duration of the last
// eleven (the first warms up) and the row count f reported.
func median(f func() (int, error)) (time.Duration, int, error) {
	var times []time.Duration
	var n int
	for i := 0; i < 12; i++ {
		start := time.Now()
		var err error
		if n, err = f(); err != nil {
			return 0, 0, err
		}
		if i > 0 {
			times = append(times, time.Since(start))
		}
	}
	slices.Sort(times)
	return times[len(times)/2], n, nil
}
