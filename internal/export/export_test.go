package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/skolestat/skolestat/internal/warehouse"
	"github.com/skolestat/skolestat/orchestration/lock"
)

// build returns a next state with two mart tables (one with school years)
// and a restricted one that must never be exported.
func build(t *testing.T) *warehouse.Build {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	lk, err := lock.Acquire(ctx, warehouse.LockPath(path), 0, lock.Holder{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lk.Release() })
	b, err := warehouse.Begin(ctx, path, lk, warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Abort)
	_, err = b.Exec(ctx, `
CREATE TABLE mart.scores AS SELECT * FROM (VALUES (2022, 'a', 1.5), (2022, 'b', 2.5), (2023, 'a', 3.0)) v(school_year, unit, score);
COMMENT ON TABLE mart.scores IS 'Scores by unit.';
COMMENT ON COLUMN mart.scores.score IS 'The score, 0-5.';
CREATE TABLE mart.units AS SELECT * FROM (VALUES ('a', 'Alpha'), ('b', 'Beta')) v(unit, name);
CREATE TABLE restricted.secret AS SELECT 'pupil-1' AS pupil_id;`)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStageAndCommit(t *testing.T) {
	ctx := context.Background()
	b := build(t)
	dir := filepath.Join(t.TempDir(), "export")
	if err := os.MkdirAll(filepath.Join(dir, "stale"), 0o755); err != nil {
		t.Fatal(err)
	}
	staged, err := Stage(ctx, b, dir, Options{RunID: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "stale")); err != nil {
		t.Fatal("Stage touched the published export")
	}
	if err := staged.Commit(); err != nil {
		t.Fatal(err)
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(files)
	want := "_manifest.json scores/year=2022/data_0.parquet scores/year=2023/data_0.parquet units/data_0.parquet"
	if got := strings.Join(files, " "); got != want {
		t.Fatalf("export files:\n %s\nwant\n %s", got, want)
	}
	for _, p := range []string{StagingPath(dir, "r1"), OldPath(dir, "r1")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s left behind", p)
		}
	}

	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.RunID != "r1" || len(m.Tables) != 2 {
		t.Fatalf("manifest = %+v", m)
	}
	scores := m.Tables[0]
	if scores.Name != "scores" || scores.Rows != 3 || scores.PartitionBy != "year" || len(scores.Files) != 2 ||
		scores.Files[0].Rows != 2 || scores.Files[1].Rows != 1 || scores.Description != "Scores by unit." {
		t.Errorf("scores manifest = %+v", scores)
	}
	for _, tm := range m.Tables {
		for _, f := range tm.Files {
			b, err := os.ReadFile(filepath.Join(dir, f.Path))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(b)) != f.Bytes {
				t.Errorf("%s: manifest checksum or size does not match the file", f.Path)
			}
		}
	}

	// Read the metadata with an independent Parquet implementation.
	path := filepath.Join(dir, "scores/year=2022/data_0.parquet")
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	st, _ := fh.Stat()
	pf, err := parquet.OpenFile(fh, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"skolestat:column:score": "The score, 0-5.", "skolestat:run_id": "r1", "skolestat:table": "mart.scores"} {
		if got, ok := pf.Lookup(k); !ok || got != v {
			t.Errorf("metadata %s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	if pf.NumRows() != 2 {
		t.Errorf("year=2022 file has %d rows, want 2", pf.NumRows())
	}
}

func TestOnlyMartIsExported(t *testing.T) {
	b := build(t)
	dir := filepath.Join(t.TempDir(), "export")
	for _, table := range []string{"restricted.secret", "secret", "core.schools", "../restricted.secret"} {
		_, err := Stage(context.Background(), b, dir, Options{RunID: "r1", Tables: []string{table}})
		if err == nil || !strings.Contains(err.Error(), "only mart is exported") {
			t.Errorf("export of %q: %v, want a refusal", table, err)
		}
	}
	staged, err := Stage(context.Background(), b, dir, Options{RunID: "r2"})
	if err != nil {
		t.Fatal(err)
	}
	defer staged.Discard()
	for _, tm := range staged.Manifest.Tables {
		if tm.Name == "secret" {
			t.Error("a restricted table was exported")
		}
	}
}

func TestCommitIsIdempotentAndRecoverRestores(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "export")
	write := func(p, s string) {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(p string) string { b, _ := os.ReadFile(p); return string(b) }

	// A crash between the two renames of a swap: dir moved aside, staging not yet in.
	write(filepath.Join(OldPath(dir, "r2"), "v"), "old")
	write(filepath.Join(StagingPath(dir, "r2"), "v"), "new")
	if err := Commit(StagingPath(dir, "r2"), dir, "r2"); err != nil {
		t.Fatal(err)
	}
	if read(filepath.Join(dir, "v")) != "new" {
		t.Error("Commit did not finish the interrupted swap")
	}
	if err := Commit(StagingPath(dir, "r2"), dir, "r2"); err != nil {
		t.Errorf("second Commit: %v", err)
	}

	// The same crash, when the run is to be undone: Recover restores the old export.
	os.RemoveAll(dir)
	write(filepath.Join(OldPath(dir, "r3"), "v"), "old")
	write(filepath.Join(StagingPath(dir, "r3"), "v"), "new")
	if err := Recover(dir); err != nil {
		t.Fatal(err)
	}
	if read(filepath.Join(dir, "v")) != "old" {
		t.Error("Recover did not restore the previous export")
	}
	left, _ := filepath.Glob(filepath.Join(root, "export.*"))
	if len(left) != 0 {
		t.Errorf("Recover left %v", left)
	}
}
