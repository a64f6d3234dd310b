package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// ErrNoWarehouse means nothing has been published at the path yet.
var ErrNoWarehouse = errors.New("no published warehouse")

// Reader is a read-only handle on the published warehouse. Any number of
// processes may hold one while a run builds the next state; a Reader keeps
// seeing the state it opened until it is closed.
type Reader struct {
	path  string
	db    *sql.DB
	conn  *sql.Conn
	arrow *duckdb.Arrow
}

// OpenReader opens the published warehouse at path read-only.
//
// The file is attached to a private in-memory DuckDB instance rather than
// opened directly: duckdb-go shares one instance per path within a process,
// so a direct open would hand a second reader the state an earlier reader
// opened, even after a publish renamed a new file into place. Attached, each
// Reader pins the file it found when it opened, and sees that state until
// Close. The attached catalog is the default (USE), so queries name tables
// as schema.table.
func OpenReader(ctx context.Context, path string) (*Reader, error) {
	if _, err := statPublished(path); err != nil {
		return nil, err
	}
	attach := fmt.Sprintf("ATTACH %s AS warehouse (READ_ONLY)", QuoteString(path))
	connector, err := duckdb.NewConnector("", func(execer driver.ExecerContext) error {
		if _, err := execer.ExecContext(ctx, attach, nil); err != nil {
			return err
		}
		_, err := execer.ExecContext(ctx, "USE warehouse", nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("opening warehouse %s read-only: %w", path, err)
	}
	r := &Reader{path: path, db: sql.OpenDB(connector)}
	r.conn, r.arrow, err = arrowConn(ctx, r.db)
	if err != nil {
		r.db.Close()
		return nil, fmt.Errorf("opening warehouse %s read-only: %w", path, err)
	}
	return r, nil
}

// statPublished stats the published warehouse at path; nothing there is
// ErrNoWarehouse, with what to run first.
func statPublished(path string) (os.FileInfo, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("%w at %s (run `skolestat run pipelines/nightly.yaml` or `skolestat demo` first)", ErrNoWarehouse, path)
	case err != nil:
		return nil, fmt.Errorf("opening warehouse %s: %w", path, err)
	}
	return fi, nil
}

// publishedRunQuery finds the run that published the state of catalog
// (the warehouse's own, or the one attached as "published").
const publishedRunQuery = `SELECT coalesce(max_by(run_id, started_at), '') FROM %smeta.runs WHERE status = 'published'`

// PublishedRun is the id of the run that published the state the Reader
// sees ("" when none is recorded).
func (r *Reader) PublishedRun(ctx context.Context) (string, error) {
	var id string
	if err := r.QueryRow(ctx, fmt.Sprintf(publishedRunQuery, ""), nil, &id); err != nil {
		return "", fmt.Errorf("finding the published run of %s: %w", r.path, err)
	}
	return id, nil
}

// Path is the warehouse file.
func (r *Reader) Path() string { return r.path }

// Query runs a read-only query.
func (r *Reader) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return r.conn.QueryContext(ctx, query, args...)
}

// QueryRow runs a query expected to return one row and scans it into dest.
func (r *Reader) QueryRow(ctx context.Context, query string, args []any, dest ...any) error {
	return r.conn.QueryRowContext(ctx, query, args...).Scan(dest...)
}

// Exec runs statements that do not write the warehouse (COPY ... TO a file,
// SET, PRAGMA). Writes to the warehouse fail: it is open read-only.
func (r *Reader) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := r.conn.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// QueryArrow runs a query and returns Arrow records; Release the reader.
func (r *Reader) QueryArrow(ctx context.Context, query string, args ...any) (array.RecordReader, error) {
	return r.arrow.QueryContext(ctx, query, args...)
}

// Close releases the handle.
func (r *Reader) Close() error {
	var errs []error
	if r.conn != nil {
		errs = append(errs, r.conn.Close())
		r.conn = nil
	}
	if r.db != nil {
		errs = append(errs, r.db.Close())
		r.db = nil
	}
	return errors.Join(errs...)
}
