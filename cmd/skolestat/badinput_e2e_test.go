package main

// End-to-end tests of bad microdata (shared/spec/microdata.md, "Bad input"):
// one test per class, each corrupting a known row of a simulated nation's
// CSV files and checking what a data engineer would see: exit code 2, a
// message naming file, row and column, nothing published; and, lenient, the
// bad rows in quarantine and the rest published.

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var (
	csvNationOnce sync.Once
	csvNationDir  string
)

// csvNation generates one CSV nation for all bad-input tests; each test
// corrupts a copy.
func csvNation(t *testing.T) string {
	t.Helper()
	binary(t)
	csvNationOnce.Do(func() {
		dir, err := os.MkdirTemp("", "skolestat-badinput-")
		if err != nil {
			t.Fatal(err)
		}
		csvNationDir = filepath.Join(dir, "microdata")
		mustRun(t, "sim", "generate", "--out", csvNationDir, "--seed", "11", "--scale", "0.005", "--format", "csv")
	})
	if csvNationDir == "" {
		t.Fatal("the shared CSV nation could not be generated")
	}
	return csvNationDir
}

// copyNation copies the microdata files (not truth/) into a fresh folder.
func copyNation(t *testing.T, from string) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), "microdata")
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".csv") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// table is a CSV file held in memory for editing.
type table struct {
	header []string
	rows   [][]string // rows[0] is data row 1
}

func readTable(t *testing.T, path string) *table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return &table{header: recs[0], rows: recs[1:]}
}

func (tb *table) col(t *testing.T, name string) int {
	t.Helper()
	i := slices.Index(tb.header, name)
	if i < 0 {
		t.Fatalf("no column %q in %v", name, tb.header)
	}
	return i
}

// set changes column name of data row (1-based) to v.
func (tb *table) set(t *testing.T, row int, name, v string) {
	t.Helper()
	tb.rows[row-1][tb.col(t, name)] = v
}

func (tb *table) write(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(append([][]string{tb.header}, tb.rows...))
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// edit rewrites one file of dir with fn.
func edit(t *testing.T, dir, file string, fn func(tb *table)) {
	t.Helper()
	path := filepath.Join(dir, file)
	tb := readTable(t, path)
	fn(tb)
	tb.write(t, path)
}

// sqlValue runs a one-value query on the warehouse, restricted schema allowed.
func sqlValue(t *testing.T, wh, query string) string {
	t.Helper()
	r := mustRun(t, "sql", "--warehouse", wh, "--restricted", "--format", "csv", "-c", query)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("%s: want one value, got:\n%s", query, r.stdout)
	}
	return lines[1]
}

func TestBadInput(t *testing.T) {
	good := csvNation(t)
	dir := t.TempDir()
	wh, export := filepath.Join(dir, "w.duckdb"), filepath.Join(dir, "export")
	mustRun(t, nightly(wh, good, export)...)
	before := fingerprint(t, wh)
	manifest := func() string {
		b, err := os.ReadFile(filepath.Join(export, "_manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	enrolments := sqlValue(t, wh, "SELECT count(*) FROM restricted.enrolments")

	cases := []struct {
		name    string
		corrupt func(t *testing.T, dir string)
		// want are fragments the message must hold: file, column, reason, rows.
		want []string
		// quarantined is how many rows of which table lenient reading sets
		// aside; 0 when the problem is structural and fails even lenient.
		quarantined int
		table       string
	}{
		{
			name: "missing column",
			corrupt: func(t *testing.T, dir string) {
				edit(t, dir, "grades.csv", func(tb *table) {
					i := tb.col(t, "grade_type")
					tb.header = slices.Delete(tb.header, i, i+1)
					for r := range tb.rows {
						tb.rows[r] = slices.Delete(tb.rows[r], i, i+1)
					}
				})
			},
			want: []string{"grades.csv", `column "grade_type": missing column`},
		},
		{
			name: "wrong type",
			corrupt: func(t *testing.T, dir string) {
				edit(t, dir, "enrolments.csv", func(tb *table) { tb.set(t, 5, "grade", "fem") })
			},
			want:        []string{"enrolments.csv", `column "grade": not an integer in 1 row: 5 (line 6)`},
			quarantined: 1, table: "enrolments",
		},
		{
			name: "unknown code",
			corrupt: func(t *testing.T, dir string) {
				edit(t, dir, "national_tests.csv", func(tb *table) {
					tb.set(t, 3, "status", "sick")
					tb.set(t, 8, "status", "sick")
				})
			},
			want:        []string{"national_tests.csv", `column "status": value not one of participated,exempt,absent in 2 rows: 3 (line 4), 8 (line 9)`},
			quarantined: 2, table: "national_tests",
		},
		{
			name: "grade out of range",
			corrupt: func(t *testing.T, dir string) {
				edit(t, dir, "enrolments.csv", func(tb *table) { tb.set(t, 7, "grade", "11") })
			},
			want:        []string{"enrolments.csv", `column "grade": value outside 1..10 in 1 row: 7 (line 8)`},
			quarantined: 1, table: "enrolments",
		},
		{
			name: "duplicate key",
			corrupt: func(t *testing.T, dir string) {
				edit(t, dir, "enrolments.csv", func(tb *table) {
					tb.rows = append(tb.rows, slices.Clone(tb.rows[1]))
				})
			},
			// Row 2 and the appended copy; both go, since which is right cannot be known.
			want:        []string{"enrolments.csv", `column "pupil_id, school_year": duplicate key in 2 rows: 2, ` + strconv.Itoa(mustAtoi(t, enrolments)+1)},
			quarantined: 2, table: "enrolments",
		},
		{
			name: "pupil not found",
			corrupt: func(t *testing.T, dir string) {
				edit(t, dir, "enrolments.csv", func(tb *table) { tb.set(t, 4, "pupil_id", "no-such-pupil") })
			},
			want:        []string{"enrolments.csv", `column "pupil_id": not found in pupils in 1 row: 4`},
			quarantined: 1, table: "enrolments",
		},
		{
			name: "school not found",
			corrupt: func(t *testing.T, dir string) {
				edit(t, dir, "grades.csv", func(tb *table) { tb.set(t, 6, "school_orgnr", "999999999") })
			},
			want:        []string{"grades.csv", `column "school_orgnr": not found in schools in 1 row: 6`},
			quarantined: 1, table: "grades",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := copyNation(t, good)
			c.corrupt(t, bad)
			manifest0 := manifest()

			r := skolestat(t, nightly(wh, bad, export)...)
			if r.code != 2 {
				t.Fatalf("strict run: exit %d, want 2 (bad input)\nstderr:\n%s", r.code, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("the message does not say %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "no-such-pupil") {
				t.Errorf("the message shows a value from the file:\n%s", r.stderr)
			}
			if got := fingerprint(t, wh); got != before {
				t.Error("a strict run with bad input changed the published warehouse")
			}
			if manifest() != manifest0 {
				t.Error("a strict run with bad input changed the published export")
			}

			lenient := skolestat(t, nightly(wh, bad, export, "--set", "lenient=true")...)
			if c.quarantined == 0 {
				if lenient.code != 2 {
					t.Errorf("lenient run with a structural problem: exit %d, want 2\n%s", lenient.code, lenient.stderr)
				}
				if got := fingerprint(t, wh); got != before {
					t.Error("a failed lenient run changed the published warehouse")
				}
				return
			}
			if lenient.code != 0 {
				t.Fatalf("lenient run: exit %d\n%s", lenient.code, lenient.stderr)
			}
			if want := fmt.Sprintf("%d quarantined", c.quarantined); !strings.Contains(lenient.stdout, want) {
				t.Errorf("the lenient run does not say %q:\n%s", want, lenient.stdout)
			}
			q := sqlValue(t, wh, fmt.Sprintf("SELECT count(*) FROM restricted.quarantine WHERE table_name = '%s'", c.table))
			if q != strconv.Itoa(c.quarantined) {
				t.Errorf("quarantine holds %s rows of %s, want %d", q, c.table, c.quarantined)
			}
			// Restore the good state for the next case.
			mustRun(t, nightly(wh, good, export)...)
			if got := fingerprint(t, wh); got != before {
				t.Fatal("could not restore the good state")
			}
		})
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
