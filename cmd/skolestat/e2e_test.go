package main

// End-to-end tests of the built binary: they run skolestat as a user or a
// scheduler would, as separate processes, and look at exit codes, messages
// and the published warehouse.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/internal/sim"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds skolestat once per test run.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: builds and runs the binary (skipped with -short)")
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "skolestat-e2e-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "skolestat")
		cmd := exec.Command("go", "build", "-tags", "duckdb_arrow", "-o", binPath, ".")
		cmd.Env = append(os.Environ(), "GOFLAGS=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("building skolestat: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

type result struct {
	stdout, stderr string
	code           int
}

// skolestat runs the binary to completion.
func skolestat(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("running skolestat %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

func mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := skolestat(t, args...)
	if r.code != 0 {
		t.Fatalf("skolestat %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// nation generates a small simulated nation once per test and returns its folder.
func nation(t *testing.T, format string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "microdata")
	mustRun(t, "sim", "generate", "--out", dir, "--seed", "7", "--scale", "0.01", "--format", format)
	return dir
}

// nightly returns the arguments of a nightly run, with the public sources
// served by the emulator (never the real APIs: tests run offline).
func nightly(wh, micro, export string, extra ...string) []string {
	args := append([]string{"run", "nightly", "--warehouse", wh, "--threads", "1",
		"--set", "microdata=" + micro, "--set", "export=" + export}, sets(emulator.Params(emulatorURL())...)...)
	return append(args, extra...)
}

// sets turns name=value parameters into --set flags.
func sets(params ...string) []string {
	var out []string
	for _, p := range params {
		out = append(out, "--set", p)
	}
	return out
}

var (
	emuOnce sync.Once
	emuURL  string
	emuDir  string
)

// emulatorURL serves the emulated public APIs over a small simulated nation
// of its own, once per test process, and returns the address.
func emulatorURL() string {
	emuOnce.Do(func() {
		dir, err := os.MkdirTemp("", "skolestat-emulator-")
		if err != nil {
			panic(err)
		}
		emuDir = dir
		if _, err := sim.Generate(context.Background(), sim.Options{Out: dir, Seed: 11, Scale: 0.01}); err != nil {
			panic(fmt.Sprintf("simulating the emulator's nation: %v", err))
		}
		em, err := emulator.New(context.Background(), emulator.Options{Data: dir})
		if err != nil {
			panic(err)
		}
		emuURL = httptest.NewServer(em).URL
	})
	return emuURL
}

func TestMain(m *testing.M) {
	code := m.Run()
	if emuDir != "" {
		os.RemoveAll(emuDir)
	}
	if csvNationDir != "" { // the shared nation of the bad-input tests
		os.RemoveAll(filepath.Dir(csvNationDir))
	}
	os.Exit(code)
}

// fingerprint summarises every table of the data schemas (everything but
// meta, and raw.responses, the log of what was fetched when, whose run ids
// and times differ between equal runs): name, rows and an order-independent
// sum of row hashes.
func fingerprint(t *testing.T, wh string) string {
	t.Helper()
	list := mustRun(t, "sql", "--warehouse", wh, "--restricted", "--format", "csv", "-c",
		`SELECT schema_name || '.' || table_name FROM duckdb_tables()
		 WHERE database_name = current_database() AND schema_name IN ('raw', 'core', 'mart', 'restricted')
		   AND schema_name || '.' || table_name <> 'raw.responses' ORDER BY 1`)
	var parts []string
	for _, table := range strings.Split(strings.TrimSpace(list.stdout), "\n")[1:] {
		parts = append(parts, fmt.Sprintf("SELECT '%s' AS t, count(*) AS n, coalesce(sum(hash(x)::HUGEINT), 0) AS h FROM %s x", table, table))
	}
	if len(parts) == 0 {
		t.Fatalf("no tables in %s", wh)
	}
	r := mustRun(t, "sql", "--warehouse", wh, "--restricted", "--format", "csv", "-c", strings.Join(parts, " UNION ALL ")+" ORDER BY t")
	return r.stdout
}

// started is a skolestat process paused at a point of its run.
type started struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
}

// startPaused starts a run that stops at point and waits until it says so.
func startPaused(t *testing.T, point string, args ...string) *started {
	t.Helper()
	cmd := exec.Command(binary(t), append(args, "--debug-pause-at", point)...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &started{cmd: cmd, stderr: &bytes.Buffer{}}
	paused := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		found := false
		for sc.Scan() {
			s.stderr.WriteString(sc.Text() + "\n")
			if !found && strings.HasPrefix(sc.Text(), "skolestat: paused at "+point) {
				found = true
				paused <- true
			}
		}
		if !found {
			paused <- false
		}
	}()
	select {
	case ok := <-paused:
		if !ok {
			cmd.Wait()
			t.Fatalf("the run ended without reaching %s:\n%s", point, s.stderr)
		}
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("the run did not reach %s in 2 minutes", point)
	}
	return s
}

func (s *started) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.cmd.Wait()
}

// leftovers lists files a finished run must not leave beside the warehouse
// and the export.
func leftovers(wh, export string) []string {
	var out []string
	for _, pattern := range []string{wh + ".next*", wh + ".wal", wh + ".publish.json*", export + ".staging-*", export + ".old-*"} {
		m, _ := filepath.Glob(pattern)
		out = append(out, m...)
	}
	return out
}

func TestCrashConsistency(t *testing.T) {
	micro := nation(t, "parquet")
	dir := t.TempDir()
	wh, export := filepath.Join(dir, "w.duckdb"), filepath.Join(dir, "export")

	// The published state before the crashes: a first run, min_pupils 10.
	mustRun(t, nightly(wh, micro, export)...)
	before := fingerprint(t, wh)

	// What an uninterrupted second run (min_pupils 20: different suppression)
	// publishes, built in another folder.
	refWh, refExport := filepath.Join(dir, "ref.duckdb"), filepath.Join(dir, "ref-export")
	mustRun(t, nightly(refWh, micro, refExport, "--set", "min_pupils=20")...)
	after := fingerprint(t, refWh)
	if before == after {
		t.Fatal("the two configurations publish the same state; the test could not tell them apart")
	}

	points := []struct {
		point     string
		published bool // whether the new state is already in place when killed
	}{
		{"extract:microdata:pupils", false}, // during load
		{"step:gsp:end", false},             // between steps
		{"export:gsp", false},               // during export
		{"publish:start", false},            // during publish, before the rename
		{"publish:before-rename", false},
		{"publish:after-rename", true}, // during publish, after the rename
	}
	for _, p := range points {
		t.Run(p.point, func(t *testing.T) {
			// Reset to the state published before.
			mustRun(t, nightly(wh, micro, export)...)
			if got := fingerprint(t, wh); got != before {
				t.Fatal("could not restore the first state")
			}
			manifest0, err := os.ReadFile(filepath.Join(export, "_manifest.json"))
			if err != nil {
				t.Fatal(err)
			}
			run := startPaused(t, p.point, nightly(wh, micro, export, "--set", "min_pupils=20")...)
			run.kill(t)

			want := before
			if p.published {
				want = after
			}
			if got := fingerprint(t, wh); got != want {
				t.Errorf("after SIGKILL at %s the warehouse is neither the state published before nor the new one:\n%s", p.point, got)
			}
			// The export is swapped only after the warehouse rename and the
			// pause, so at every point it is still the one published before.
			if m, _ := os.ReadFile(filepath.Join(export, "_manifest.json")); string(m) != string(manifest0) {
				t.Errorf("after SIGKILL at %s the export is not the one published before", p.point)
			}

			// A rerun is not blocked by a leftover lock, succeeds, and equals an
			// uninterrupted run.
			mustRun(t, nightly(wh, micro, export, "--set", "min_pupils=20")...)
			if got := fingerprint(t, wh); got != after {
				t.Errorf("the rerun after a kill at %s differs from an uninterrupted run", p.point)
			}
			if l := leftovers(wh, export); len(l) > 0 {
				t.Errorf("left behind after the rerun: %v", l)
			}
			// The killed run is interrupted, unless it was killed after its
			// rename: then recovery finished its publish.
			runs := mustRun(t, "runs", "--warehouse", wh, "--last", "3")
			if got, want := strings.Count(runs.stdout, " interrupted "), map[bool]int{false: 1, true: 0}[p.published]; got != want {
				t.Errorf("runs shows %d interrupted runs, want %d:\n%s", got, want, runs.stdout)
			}
		})
	}
}

func TestSecondConcurrentRunExits3NamingTheHolder(t *testing.T) {
	micro := nation(t, "parquet")
	dir := t.TempDir()
	wh, export := filepath.Join(dir, "w.duckdb"), filepath.Join(dir, "export")
	first := startPaused(t, "step:gsp:start", nightly(wh, micro, export)...)
	defer first.kill(t)
	r := skolestat(t, nightly(wh, micro, export)...)
	if r.code != 3 {
		t.Fatalf("second run: exit %d, want 3\n%s", r.code, r.stderr)
	}
	if want := fmt.Sprintf("PID %d", first.cmd.Process.Pid); !strings.Contains(r.stderr, want) {
		t.Errorf("second run's message does not name %s:\n%s", want, r.stderr)
	}
	if _, err := os.Stat(wh); err == nil {
		t.Error("a warehouse was published although no run finished")
	}
}
