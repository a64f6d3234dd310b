package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/skolestat/skolestat/internal/warehouse"
	"github.com/skolestat/skolestat/orchestration/lock"
	"github.com/skolestat/skolestat/report"
)

// freeAddr returns a loopback address no one listens on (for a moment).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// checkServe runs skolestat serve on the nightly run's warehouse and checks
// what a BI tool and an analyst get: the ASSS comparison over the
// PostgreSQL protocol equal to the same macro read from the warehouse
// file, the restricted schema out of reach, the ASSS page showing the same
// number, a publish reaching new sessions while an open one keeps its
// state, and a clean stop.
func checkServe(t *testing.T, wh string) {
	t.Helper()
	pgAddr, httpAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(binary(t), "serve", "--warehouse", wh, "--pg", pgAddr, "--http", httpAddr, "--refresh", "200ms")
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get("http://" + httpAddr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not come up in a minute:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	ctx := context.Background()
	connect := func() *pgx.Conn {
		c, err := pgx.Connect(ctx, "postgres://bi@"+pgAddr+"/skolestat?sslmode=disable")
		if err != nil {
			t.Fatalf("connecting to serve: %v\n%s", err, logs.String())
		}
		return c
	}
	rd, err := warehouse.OpenReader(ctx, wh)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var year int
	if err := rd.QueryRow(ctx, `SELECT max(year) FROM mart.indicator WHERE indicator = 'grunnskolepoeng' AND unit_type = 'municipality'`, nil, &year); err != nil {
		t.Fatal(err)
	}
	compare := fmt.Sprintf(`SELECT municipality_code, coalesce(round(value, 6)::VARCHAR, '-'), status, coalesce(rank::VARCHAR, '-')
		FROM mart.asss_compare('grunnskolepoeng', %d) ORDER BY municipality_code`, year)
	want := textRows(t, func() (rowsIter, error) { return rd.Query(ctx, compare) })
	bi := connect()
	defer bi.Close(ctx)
	got := textRows(t, func() (rowsIter, error) { return pgxRows(bi.Query(ctx, compare)) })
	if len(want) < 10 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("asss_compare over the PostgreSQL protocol:\n%s\nread from the warehouse file:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The warehouse holds pupil-level rows; the endpoint does not reach them.
	var table string
	var n int
	if err := rd.QueryRow(ctx, `SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'restricted' ORDER BY estimated_size DESC LIMIT 1`, nil, &table, &n); err != nil || n == 0 {
		t.Fatalf("the warehouse has no restricted rows to guard (%s, %d, %v)", table, n, err)
	}
	var pe *pgconn.PgError
	if _, err := bi.Exec(ctx, "SELECT count(*) FROM restricted."+table); !errors.As(err, &pe) || pe.Code != "42P01" {
		t.Errorf("restricted.%s over the endpoint: %v, want undefined table (42P01)", table, err)
	}

	// The page shows Bergen's value as the warehouse has it.
	var v *float64
	var status string
	if err := rd.QueryRow(ctx, fmt.Sprintf(`SELECT value, status FROM mart.asss_compare('grunnskolepoeng', %d) WHERE municipality_code = '4601'`, year), nil, &v, &status); err != nil {
		t.Fatal(err)
	}
	cell := report.FormatValue(report.Missing(), 1)
	switch {
	case status == "suppressed":
		cell = report.FormatValue(report.Suppressed(), 1)
	case v != nil && status == "ok":
		cell = report.FormatValue(report.OK(*v), 1)
	}
	resp, err := http.Get(fmt.Sprintf("http://%s/asss?indicator=grunnskolepoeng:all&year=%d&municipality=4601", httpAddr, year))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if text := visibleText(string(page)); resp.StatusCode != http.StatusOK || !strings.Contains(text, "Bergen (4601) "+cell) {
		t.Errorf("the ASSS page (%d) does not show Bergen's %s from mart.asss_compare:\n%.2000s", resp.StatusCode, cell, text)
	}

	// A publish reaches new sessions; an open session keeps its state.
	lk, err := lock.Acquire(ctx, warehouse.LockPath(wh), 0, lock.Holder{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := warehouse.Begin(ctx, wh, lk, warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exec(ctx, "CREATE TABLE mart.serve_probe AS SELECT 42 AS answer"); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	lk.Release()
	deadline = time.Now().Add(30 * time.Second)
	for {
		c := connect()
		var answer int
		err := c.QueryRow(ctx, "SELECT answer FROM mart.serve_probe").Scan(&answer)
		c.Close(ctx)
		if err == nil && answer == 42 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the publish did not reach new sessions in 30 s: %v\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := bi.Exec(ctx, "SELECT answer FROM mart.serve_probe"); !errors.As(err, &pe) || pe.Code != "42P01" {
		t.Errorf("the session opened before the publish sees the new state: %v", err)
	}
	bi.Close(ctx)

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	stopped = true
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve stopped with %v:\n%s", err, logs.String())
	}
}

// rowsIter is what textRows reads: *sql.Rows, or pgx rows through pgxRows.
type rowsIter interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

type pgxIter struct{ pgx.Rows }

func (r pgxIter) Close() error { r.Rows.Close(); return nil }

func pgxRows(r pgx.Rows, err error) (rowsIter, error) {
	if err != nil {
		return nil, err
	}
	return pgxIter{r}, nil
}

// textRows reads four text columns a row, joined with "|".
func textRows(t *testing.T, query func() (rowsIter, error)) []string {
	t.Helper()
	rows, err := query()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a, b, c, d string
		if err := rows.Scan(&a, &b, &c, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join([]string{a, b, c, d}, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
