package warehouse

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/orchestration/lock"
	sqltext "github.com/skolestat/skolestat/sql"
)

func begin(t *testing.T, path string) (*Build, *lock.Lock) {
	t.Helper()
	lk, err := lock.Acquire(context.Background(), LockPath(path), 0, lock.Holder{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Begin(context.Background(), path, lk, Options{Threads: 1})
	if err != nil {
		lk.Release()
		t.Fatal(err)
	}
	return b, lk
}

func count(t *testing.T, path, table string) int {
	t.Helper()
	r, err := OpenReader(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var n int
	if err := r.QueryRow(context.Background(), "SELECT count(*) FROM "+table, nil, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPublishThenAbortLeavesThePublishedState(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	if _, err := OpenReader(ctx, path); !errors.Is(err, ErrNoWarehouse) {
		t.Fatalf("OpenReader before any publish: %v, want ErrNoWarehouse", err)
	}

	b, lk := begin(t, path)
	if _, err := b.Exec(ctx, "CREATE TABLE mart.t AS SELECT range AS i FROM range(5)"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the published file exists before Publish")
	}
	if err := b.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	lk.Release()
	if n := count(t, path, "mart.t"); n != 5 {
		t.Fatalf("published mart.t has %d rows, want 5", n)
	}
	migrations, _ := sqltext.Migrations()
	if n := count(t, path, "meta.schema_migrations"); n != len(migrations) {
		t.Errorf("meta.schema_migrations has %d rows, want %d", n, len(migrations))
	}

	b, lk = begin(t, path)
	defer lk.Release()
	if _, err := b.Exec(ctx, "INSERT INTO mart.t SELECT 99"); err != nil {
		t.Fatal(err)
	}
	b.Abort()
	b.Abort() // idempotent
	if n := count(t, path, "mart.t"); n != 5 {
		t.Errorf("after Abort mart.t has %d rows, want the published 5", n)
	}
	for _, leftover := range []string{NextPath(path), NextPath(path) + ".wal", path + ".wal"} {
		if _, err := os.Stat(leftover); err == nil {
			t.Errorf("%s left behind", leftover)
		}
	}
}

func TestReaderKeepsItsStateAcrossAPublish(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	b, lk := begin(t, path)
	b.Exec(ctx, "CREATE TABLE mart.t AS SELECT 1 AS i")
	if err := b.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	lk.Release()

	old, err := OpenReader(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()

	b, lk = begin(t, path)
	defer lk.Release()
	b.Exec(ctx, "INSERT INTO mart.t VALUES (2), (3)")
	if err := b.Publish(ctx); err != nil {
		t.Fatalf("Publish while a reader has the old state open: %v", err)
	}
	var n int
	if err := old.QueryRow(ctx, "SELECT count(*) FROM mart.t", nil, &n); err != nil || n != 1 {
		t.Errorf("the open reader sees %d rows (err %v), want its 1", n, err)
	}
	if n := count(t, path, "mart.t"); n != 3 {
		t.Errorf("a new reader sees %d rows, want 3", n)
	}
	if _, err := old.Exec(ctx, "INSERT INTO mart.t VALUES (4)"); err == nil {
		t.Error("a Reader could write")
	}
}

func TestBeginNeedsTheLockAndClearsLeftovers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "w.duckdb")
	other, err := lock.Acquire(ctx, filepath.Join(dir, "other.lock"), 0, lock.Holder{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Release()
	if _, err := Begin(ctx, path, other, Options{}); err == nil || !strings.Contains(err.Error(), "writer lock") {
		t.Fatalf("Begin with another file's lock: %v", err)
	}
	// A run killed mid-build leaves a next file, maybe torn.
	if err := os.WriteFile(NextPath(path), []byte("torn"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, lk := begin(t, path)
	defer lk.Release()
	if _, err := b.Exec(ctx, "CREATE TABLE core.x (i INTEGER)"); err != nil {
		t.Fatalf("building over a leftover next file: %v", err)
	}
	b.Abort()
}

func TestLoadMatchesColumnsByName(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	b, lk := begin(t, path)
	defer lk.Release()
	defer b.Abort()
	if _, err := b.Exec(ctx, "CREATE TABLE core.t (name VARCHAR, n INTEGER, x DOUBLE)"); err != nil {
		t.Fatal(err)
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int32},
		{Name: "name", Type: arrow.BinaryTypes.String},
	}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	rb.Field(0).(*array.Float64Builder).AppendValues([]float64{1.5, 0}, []bool{true, false})
	rb.Field(1).(*array.Int32Builder).AppendValues([]int32{7, 8}, nil)
	rb.Field(2).(*array.StringBuilder).AppendValues([]string{"a", "b"}, nil)
	rec := rb.NewRecordBatch()
	defer rec.Release()
	n, err := b.LoadRecords(ctx, "core.t", schema, []arrow.RecordBatch{rec})
	if err != nil || n != 2 {
		t.Fatalf("LoadRecords = %d, %v", n, err)
	}
	var got string
	if err := b.QueryRow(ctx, "SELECT string_agg(name || ':' || n || ':' || coalesce(x::VARCHAR, 'NULL'), ' ' ORDER BY n) FROM core.t", nil, &got); err != nil {
		t.Fatal(err)
	}
	if got != "a:7:1.5 b:8:NULL" {
		t.Errorf("loaded %q", got)
	}
	// The Arrow scan Load registers is gone once the rows are in: it must
	// not reach the published file, where BI tools would list it as a
	// broken view.
	if err := b.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var views int
	if err := r.QueryRow(ctx, "SELECT count(*) FROM duckdb_views() WHERE database_name = 'warehouse' AND NOT internal AND view_name LIKE '_skolestat_load%'", nil, &views); err != nil {
		t.Fatal(err)
	}
	if views != 0 {
		t.Errorf("%d load views published with the warehouse", views)
	}
}

func TestInTxRollsBackOnError(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	b, lk := begin(t, path)
	defer lk.Release()
	defer b.Abort()
	b.Exec(ctx, "CREATE TABLE core.t (i INTEGER)")
	boom := errors.New("boom")
	err := b.InTx(ctx, func() error {
		if _, err := b.Exec(ctx, "INSERT INTO core.t VALUES (1)"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want boom", err)
	}
	var n int
	b.QueryRow(ctx, "SELECT count(*) FROM core.t", nil, &n)
	if n != 0 {
		t.Errorf("after rollback core.t has %d rows", n)
	}
	if err := b.InTx(ctx, func() error { _, err := b.Exec(ctx, "INSERT INTO core.t VALUES (1)"); return err }); err != nil {
		t.Fatal(err)
	}
	b.QueryRow(ctx, "SELECT count(*) FROM core.t", nil, &n)
	if n != 1 {
		t.Errorf("after commit core.t has %d rows", n)
	}
}

func TestRestrictedTableDefinitionsParse(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	b, lk := begin(t, path)
	defer lk.Release()
	defer b.Abort()
	for _, name := range sqltext.Names("tables") {
		text, err := sqltext.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Exec(ctx, text); err != nil {
			t.Errorf("sql/tables/%s.sql: %v", name, err)
		}
	}
}
