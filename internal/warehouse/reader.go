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
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w at %s (run `skolestat run pipelines/nightly.yaml` or `skolestat demo` first)", ErrNoWarehouse, path)
		}
		return nil, fmt.Errorf("opening warehouse %s: %w", path, err)
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
	r.conn, err = r.db.Conn(ctx)
	if err != nil {
		r.db.Close()
		return nil, fmt.Errorf("opening warehouse %s read-only: %w", path, err)
	}
	err = r.conn.Raw(func(dc any) error {
		var e error
		r.arrow, e = duckdb.NewArrowFromConn(dc.(driver.Conn))
		return e
	})
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("opening the Arrow interface of %s: %w", path, err)
	}
	return r, nil
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
