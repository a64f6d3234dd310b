package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/transforms/sbi"
	"github.com/skolestat/skolestat/transforms/sbi/model"
)

// benchSBI measures the school contribution estimators on a national
// window of the simulated nation (level 5-7, window 2018+2019: about
// 116,000 pupils in 2,200 schools at scale 1.0): building the estimation
// sample, then fixed and mixed, best of repeat, with the peak Go heap of
// each fit. Then the same design replicated ten times (ten times the pupils
// and schools) to show that the cost grows linearly, and, when Rscript with
// lme4 is installed, R's lm with a school factor and lmer on the same data,
// timed by R, with the largest difference between their school effects and
// ours.
func (a *app) benchSBI(ctx context.Context, dir, micro string, repeat int) error {
	d, err := readSBIData(ctx, micro)
	if err != nil {
		return err
	}
	in, err := d.inputs()
	if err != nil {
		return err
	}
	start := time.Now()
	m, err := sbi.Build(ctx, in, sbi.Config{Level: sbi.Level5to7, Window: sbi.Window{First: 2018}})
	if err != nil {
		return fmt.Errorf("building the sample: %w", err)
	}
	build := time.Since(start)
	design := model.Design{Y: m.Y, X: m.X, Names: m.Names, School: m.School}
	fmt.Fprintf(a.stdout, "\nschool contribution, level 5-7, window 2018+2019: %d pupils, %d schools, %d covariates (sample built in %.2f s)\n",
		m.N(), len(m.Schools), len(m.Names), build.Seconds())

	var fixed *model.FixedResult
	var mixed *model.MixedResult
	fixedT, fixedPeak, err := timeFit(repeat, func() (e error) {
		fixed, e = model.Fixed(design)
		return e
	})
	if err != nil {
		return fmt.Errorf("fixed: %w", err)
	}
	mixedT, mixedPeak, err := timeFit(repeat, func() (e error) {
		mixed, e = model.Mixed(design)
		return e
	})
	if err != nil {
		return fmt.Errorf("mixed: %w", err)
	}
	verdict := func(ok bool) string {
		if ok {
			return "meets"
		}
		return "MISSES"
	}
	fmt.Fprintf(a.stdout, "  %-8s %7.3f s  peak Go heap %5.0f MB   target < 0.5 s and < 1 GB (%s)\n", "fixed", fixedT.Seconds(), float64(fixedPeak)/1e6,
		verdict(fixedT < 500*time.Millisecond && fixedPeak < 1e9))
	fmt.Fprintf(a.stdout, "  %-8s %7.3f s  peak Go heap %5.0f MB   target < 2 s and < 1 GB (%s)\n", "mixed", mixedT.Seconds(), float64(mixedPeak)/1e6,
		verdict(mixedT < 2*time.Second && mixedPeak < 1e9))

	big := replicate(design, 10)
	fixed10, peak10f, err := timeFit(1, func() error { _, e := model.Fixed(big); return e })
	if err != nil {
		return fmt.Errorf("fixed at ten times: %w", err)
	}
	mixed10, peak10m, err := timeFit(1, func() error { _, e := model.Mixed(big); return e })
	if err != nil {
		return fmt.Errorf("mixed at ten times: %w", err)
	}
	fmt.Fprintf(a.stdout, "  ten times the pupils and schools (%d, %d): fixed %.3f s (%.1f×), %.0f MB; mixed %.3f s (%.1f×), %.0f MB  (linear: about 10×)\n",
		len(big.Y), len(m.Schools)*10, fixed10.Seconds(), fixed10.Seconds()/fixedT.Seconds(), float64(peak10f)/1e6,
		mixed10.Seconds(), mixed10.Seconds()/mixedT.Seconds(), float64(peak10m)/1e6)

	return a.benchSBIAgainstR(ctx, filepath.Join(dir, "sbi"), design, fixed, mixed, fixedT, mixedT)
}

// sbiData are the microdata tables of the nation, read whole.
type sbiData struct {
	pupils, enrolments, tests, grades []arrow.RecordBatch
	schema                            map[string]*arrow.Schema
}

func (d *sbiData) inputs() (sbi.Inputs, error) {
	var errs []error
	rd := func(name string, bs []arrow.RecordBatch) array.RecordReader {
		r, err := array.NewRecordReader(d.schema[name], bs)
		errs = append(errs, err)
		return r
	}
	in := sbi.Inputs{Pupils: rd("pupils", d.pupils), Enrolments: rd("enrolments", d.enrolments),
		NationalTests: rd("national_tests", d.tests), Grades: rd("grades", d.grades)}
	return in, errors.Join(errs...)
}

func readSBIData(ctx context.Context, micro string) (*sbiData, error) {
	d := &sbiData{schema: map[string]*arrow.Schema{}}
	for _, t := range []struct {
		name string
		dst  *[]arrow.RecordBatch
	}{{"pupils", &d.pupils}, {"enrolments", &d.enrolments}, {"national_tests", &d.tests}, {"grades", &d.grades}} {
		rr, closeR, err := parquetReader(ctx, filepath.Join(micro, t.name+".parquet"))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", t.name, err)
		}
		d.schema[t.name] = rr.Schema()
		for rr.Next() {
			b := rr.RecordBatch()
			b.Retain()
			*t.dst = append(*t.dst, b)
		}
		err = rr.Err()
		closeR()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", t.name, err)
		}
	}
	return d, nil
}

// timeFit runs fit repeat times and returns the best time and the peak Go
// heap sampled while it ran.
func timeFit(repeat int, fit func() error) (time.Duration, uint64, error) {
	var best time.Duration
	var peak uint64
	for i := 0; i < max(repeat, 1); i++ {
		var el time.Duration
		p, err := peakHeap(5*time.Millisecond, func() error {
			start := time.Now()
			err := fit()
			el = time.Since(start)
			return err
		})
		peak = max(peak, p)
		if err != nil {
			return 0, 0, err
		}
		if i == 0 || el < best {
			best = el
		}
	}
	return best, peak, nil
}

// replicate is d k times over, each copy with schools of its own.
func replicate(d model.Design, k int) model.Design {
	n := len(d.Y)
	var s int32
	for _, x := range d.School {
		s = max(s, x+1)
	}
	out := model.Design{Names: d.Names, Y: make([]float64, 0, n*k), School: make([]int32, 0, n*k), X: make([][]float64, len(d.X))}
	for j := range d.X {
		out.X[j] = make([]float64, 0, n*k)
	}
	for c := range k {
		out.Y = append(out.Y, d.Y...)
		for _, x := range d.School {
			out.School = append(out.School, x+int32(c)*s)
		}
		for j := range d.X {
			out.X[j] = append(out.X[j], d.X[j]...)
		}
	}
	return out
}

// sbiRScript fits lm with a school factor and lmer on design.csv, times
// each with system.time, and writes the centred lm school effects and the
// lmer BLUPs by school number to r_effects.csv.
const sbiRScript = `suppressMessages(library(lme4))
d <- read.csv("design.csv")
d$school <- factor(d$school)
covs <- setdiff(names(d), c("y", "school"))
f <- as.formula(paste("y ~", paste(covs, collapse = " + "), "+ school"))
tl <- system.time(fit <- lm(f, data = d))[["elapsed"]]
cf <- coef(fit)
lev <- levels(d$school)
raw <- cf[["(Intercept)"]] + c(0, cf[paste0("school", lev[-1])])
n <- as.vector(table(d$school)[lev])
eff <- raw - sum(n * raw) / sum(n)
g <- as.formula(paste("y ~", paste(covs, collapse = " + "), "+ (1 | school)"))
tm <- system.time(m <- lmer(g, data = d, REML = TRUE))[["elapsed"]]
re <- ranef(m)$school
write.csv(data.frame(school = lev, fixed = eff, mixed = re[lev, 1]), "r_effects.csv", row.names = FALSE)
cat(sprintf("%.3f %.3f\n", tl, tm))
`

// benchSBIAgainstR writes the design for R, runs sbiRScript, and prints
// R's times, the ratios and the largest differences in school effects. It
// says so and returns nil when Rscript or lme4 is missing.
func (a *app) benchSBIAgainstR(ctx context.Context, dir string, d model.Design, fixed *model.FixedResult, mixed *model.MixedResult, fixedT, mixedT time.Duration) error {
	if _, err := exec.LookPath("Rscript"); err != nil {
		fmt.Fprintln(a.stdout, "  R: Rscript not found, the comparison with lm and lmer is skipped (Debian: apt-get install r-base-core r-cran-lme4)")
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeDesignCSV(filepath.Join(dir, "design.csv"), d, fixed.Names); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "fit.R"), []byte(sbiRScript), 0o644); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "Rscript", "fit.R")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "lme4") {
			fmt.Fprintln(a.stdout, "  R: lme4 is not installed, the comparison is skipped (Debian: apt-get install r-cran-lme4)")
			return nil
		}
		return fmt.Errorf("running R: %w\n%s", err, out)
	}
	fields := strings.Fields(strings.TrimSpace(string(out)))
	if len(fields) < 2 {
		return fmt.Errorf("R printed %q, want two times", out)
	}
	tl, err1 := strconv.ParseFloat(fields[len(fields)-2], 64)
	tm, err2 := strconv.ParseFloat(fields[len(fields)-1], 64)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("reading R's times from %q: %w", out, err)
	}
	dFixed, dMixed, err := compareREffects(filepath.Join(dir, "r_effects.csv"), fixed, mixed)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "  R lm(y ~ X + factor(school))            %8.2f s   fixed is %6.0f× faster; largest difference in school effects %.1e\n", tl, tl/fixedT.Seconds(), dFixed)
	fmt.Fprintf(a.stdout, "  R lme4::lmer(y ~ X + (1|school), REML)  %8.2f s   mixed is %6.0f× faster (target >= 20×: %s); largest difference in BLUPs %.1e\n",
		tm, tm/mixedT.Seconds(), map[bool]string{true: "meets", false: "MISSES"}[tm/mixedT.Seconds() >= 20], dMixed)
	return nil
}

// writeDesignCSV writes y, the named covariates (those the fit used) and
// the school number.
func writeDesignCSV(path string, d model.Design, used []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	var cols []int
	header := []string{"y"}
	for j, name := range d.Names {
		if slices.Contains(used, name) {
			cols = append(cols, j)
			header = append(header, name)
		}
	}
	header = append(header, "school")
	if err := w.Write(header); err != nil {
		f.Close()
		return err
	}
	rec := make([]string, len(header))
	for i := range d.Y {
		rec[0] = strconv.FormatFloat(d.Y[i], 'g', 17, 64)
		for k, j := range cols {
			rec[k+1] = strconv.FormatFloat(d.X[j][i], 'g', 17, 64)
		}
		rec[len(rec)-1] = strconv.Itoa(int(d.School[i]))
		if err := w.Write(rec); err != nil {
			f.Close()
			return err
		}
	}
	w.Flush()
	if err := errors.Join(w.Error(), bw.Flush()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// compareREffects returns the largest absolute differences between R's
// school effects and ours, fixed and mixed.
func compareREffects(path string, fixed *model.FixedResult, mixed *model.MixedResult) (float64, float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return 0, 0, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(rows)-1 != len(fixed.Schools) {
		return 0, 0, fmt.Errorf("R gave %d schools, we have %d", len(rows)-1, len(fixed.Schools))
	}
	var dF, dM float64
	for _, r := range rows[1:] {
		s, err1 := strconv.Atoi(strings.Trim(r[0], `"`))
		fe, err2 := strconv.ParseFloat(r[1], 64)
		me, err3 := strconv.ParseFloat(r[2], 64)
		if err := errors.Join(err1, err2, err3); err != nil || s < 0 || s >= len(fixed.Schools) {
			return 0, 0, fmt.Errorf("reading %s: row %v: %v", path, r, err)
		}
		dF = math.Max(dF, math.Abs(fe-fixed.Schools[s].Effect))
		dM = math.Max(dM, math.Abs(me-mixed.Schools[s].Effect))
	}
	return dF, dM, nil
}
