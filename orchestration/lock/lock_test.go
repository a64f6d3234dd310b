package lock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// flock locks belong to open file descriptions, so two Acquire calls in one
// process contend exactly as two processes do.

func TestSecondWriterIsRefusedAndToldTheHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb.lock")
	first, err := Acquire(context.Background(), path, 0, Holder{Command: "run nightly.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Release()

	_, err = Acquire(context.Background(), path, 0, Holder{Command: "run other.yaml"})
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("second Acquire: got %v, want *HeldError", err)
	}
	if held.Holder.PID != os.Getpid() || held.Holder.Command != "run nightly.yaml" {
		t.Errorf("holder = %+v, want our PID %d running nightly.yaml", held.Holder, os.Getpid())
	}
	if want := "PID " + itoa(os.Getpid()); !strings.Contains(err.Error(), want) {
		t.Errorf("message %q does not name %q", err, want)
	}
}

func TestWaitGetsTheLockWhenTheHolderReleases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb.lock")
	first, err := Acquire(context.Background(), path, 0, Holder{})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		first.Release()
	}()
	second, err := Acquire(context.Background(), path, 10*time.Second, Holder{Command: "second"})
	if err != nil {
		t.Fatalf("waiting Acquire: %v", err)
	}
	defer second.Release()
	if h := ReadHolder(path); h.Command != "second" {
		t.Errorf("lock file names %+v, want the second holder", h)
	}
}

func TestWaitRunsOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb.lock")
	first, err := Acquire(context.Background(), path, 0, Holder{})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Release()
	_, err = Acquire(context.Background(), path, 250*time.Millisecond, Holder{})
	var held *HeldError
	if !errors.As(err, &held) || held.Waited < 250*time.Millisecond {
		t.Fatalf("got %v, want *HeldError after waiting at least 250ms", err)
	}
}

func TestLeftoverLockFileDoesNotBlock(t *testing.T) {
	// A SIGKILLed holder leaves the file (with its PID) but the kernel drops
	// the flock; the next writer must get in.
	path := filepath.Join(t.TempDir(), "w.duckdb.lock")
	if err := os.WriteFile(path, []byte(`{"pid": 999999, "command": "dead run"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(context.Background(), path, 0, Holder{Command: "new"})
	if err != nil {
		t.Fatalf("Acquire over a dead holder's file: %v", err)
	}
	defer l.Release()
	if h := ReadHolder(path); h.PID != os.Getpid() {
		t.Errorf("lock file still names PID %d", h.PID)
	}
}

func TestProbe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb.lock")
	if held, _, err := Probe(path); err != nil || held {
		t.Fatalf("probe of a missing lock: held=%v err=%v", held, err)
	}
	l, err := Acquire(context.Background(), path, 0, Holder{Command: "x"})
	if err != nil {
		t.Fatal(err)
	}
	held, h, err := Probe(path)
	if err != nil || !held || h.PID != os.Getpid() {
		t.Fatalf("probe of a held lock: held=%v holder=%+v err=%v", held, h, err)
	}
	l.Release()
	if held, _, _ := Probe(path); held {
		t.Fatal("probe after release: still held")
	}
	if err := l.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
