// Package warehouse owns the DuckDB warehouse file. It is the only package
// that opens DuckDB for writing.
//
// # Publishing in one step
//
// The published warehouse is one DuckDB file, say W. A run never writes to W.
// Begin copies W to W.next and opens the copy for writing; the run's steps
// load and compute into it; Publish checkpoints and closes it, fsyncs it, and
// renames it over W, which POSIX makes atomic; then fsyncs the folder. So at
// every instant W is either the last published state or the new one, complete
// and readable, whatever kills the process. Readers (skolestat sql, BI tools,
// DuckDB's own CLI) open W read-only and are never blocked by a run: one that
// has W open while the rename happens keeps reading the state it opened.
//
// A run that dies leaves W.next behind; the next Begin removes it.
//
// # Who calls what
//
// The orchestration runner, holding the writer lock (orchestration/lock) for
// W, calls Begin, then any number of Exec/Load/ReadArrow/InTx on the Build,
// then exactly one of Publish or Abort. A Build is used by one goroutine at a
// time. Read-only users call OpenReader.
package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Held is proof that the caller holds the writer lock of a warehouse;
// *lock.Lock satisfies it. Begin checks the lock belongs to the warehouse.
type Held interface {
	Path() string
}

// LockPath is the writer lock file of the warehouse at path.
func LockPath(path string) string { return path + ".lock" }

// NextPath is where Begin builds the next state of the warehouse at path.
func NextPath(path string) string { return path + ".next" }

// Options tune a Build.
type Options struct {
	// Threads for DuckDB; 0 means one per CPU.
	Threads int
	// MemoryLimit for DuckDB, e.g. "4GB"; "" keeps DuckDB's default.
	MemoryLimit string
	// Logger receives debug lines about copying, migrating and publishing.
	Logger *slog.Logger
	// Pause, when set, is called at named points of Publish ("publish:before-rename",
	// "publish:after-rename"). Crash tests use it to stop the process there.
	Pause func(point string)
}

// Build is the next state of a warehouse, open for writing.
type Build struct {
	path, next string
	opt        Options
	log        *slog.Logger
	db         *sql.DB
	conn       *sql.Conn
	arrow      *duckdb.Arrow
	side       *sideConn // opened by the first ReadArrow
	inTx       bool
	views      atomic.Int64
	done       bool
}

// Begin prepares the next state of the warehouse at path: it removes what a
// dead run left, copies the published file (if any) to path.next, opens the
// copy for writing and applies pending migrations. held must be the writer
// lock of path.
func Begin(ctx context.Context, path string, held Held, opt Options) (*Build, error) {
	if held == nil || filepath.Clean(held.Path()) != filepath.Clean(LockPath(path)) {
		return nil, fmt.Errorf("warehouse %s: Begin needs the writer lock %s", path, LockPath(path))
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Build{path: path, next: NextPath(path), opt: opt, log: opt.Logger}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating folder of warehouse %s: %w", path, err)
	}
	if err := removeFiles(b.next, b.next+".wal"); err != nil {
		return nil, fmt.Errorf("removing the unfinished state of an earlier run: %w", err)
	}
	if err := checkpointStrayWAL(ctx, path); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err == nil {
		if err := copyFile(path, b.next); err != nil {
			return nil, fmt.Errorf("copying published warehouse to %s: %w", b.next, err)
		}
		b.log.Debug("copied published warehouse", "from", path, "to", b.next)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading warehouse %s: %w", path, err)
	}
	if err := b.open(ctx); err != nil {
		_ = removeFiles(b.next, b.next+".wal")
		return nil, err
	}
	if err := b.migrate(ctx); err != nil {
		b.Abort()
		return nil, err
	}
	return b, nil
}

func (b *Build) open(ctx context.Context) error {
	init := func(execer driver.ExecerContext) error {
		stmts := []string{fmt.Sprintf("SET threads = %d", threadsOr(b.opt.Threads))}
		if b.opt.MemoryLimit != "" {
			stmts = append(stmts, fmt.Sprintf("SET memory_limit = '%s'", b.opt.MemoryLimit))
		}
		for _, s := range stmts {
			if _, err := execer.ExecContext(ctx, s, nil); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	}
	connector, err := duckdb.NewConnector(b.next, init)
	if err != nil {
		return fmt.Errorf("opening %s for writing: %w", b.next, err)
	}
	b.db = sql.OpenDB(connector)
	b.conn, b.arrow, err = arrowConn(ctx, b.db)
	if err != nil {
		b.db.Close()
		return fmt.Errorf("connecting to %s: %w", b.next, err)
	}
	return nil
}

// threadsOr is n, or one thread per CPU when n is 0 (Options.Threads,
// ServedOptions.Threads).
func threadsOr(n int) int {
	if n <= 0 {
		return runtime.NumCPU()
	}
	return n
}

// Path is the published warehouse this Build will replace.
func (b *Build) Path() string { return b.path }

// Abort closes the Build and removes the next state. The published warehouse
// is untouched. Safe to call after Publish or twice; it then does nothing.
func (b *Build) Abort() {
	if b.done {
		return
	}
	b.done = true
	b.close()
	if err := removeFiles(b.next, b.next+".wal"); err != nil {
		b.log.Warn("could not remove the unpublished state", "path", b.next, "err", err)
	}
}

func (b *Build) close() error {
	var errs []error
	if b.side != nil {
		errs = append(errs, b.side.conn.Close())
		b.side = nil
	}
	if b.conn != nil {
		errs = append(errs, b.conn.Close())
		b.conn = nil
	}
	if b.db != nil {
		errs = append(errs, b.db.Close())
		b.db = nil
	}
	return errors.Join(errs...)
}

// checkpointStrayWAL folds a write-ahead log left beside the published file
// into it. skolestat never leaves one (it publishes checkpointed files), but a
// user who opened the warehouse for writing with another tool may have. The
// fold is DuckDB's own WAL replay, itself crash-safe.
func checkpointStrayWAL(ctx context.Context, path string) error {
	if _, err := os.Stat(path + ".wal"); err != nil {
		return nil
	}
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return fmt.Errorf("opening %s to fold its write-ahead log: %w", path, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("folding the write-ahead log of %s (is another program writing to it?): %w", path, err)
	}
	return db.Close()
}

func removeFiles(paths ...string) error {
	var errs []error
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// copyFile copies src to dst (created or truncated). On Linux io.Copy between
// files uses copy_file_range, so the kernel does the work.
func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.Copy(out, in)
	return err
}
