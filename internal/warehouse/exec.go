package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Exec runs one or more statements on the next state and returns the rows
// affected by the last one.
func (b *Build) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if b.done {
		return 0, errors.New("warehouse: Exec on a finished build")
	}
	res, err := b.conn.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// Query runs a query on the next state. Close the rows before the next call.
func (b *Build) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if b.done {
		return nil, errors.New("warehouse: Query on a finished build")
	}
	return b.conn.QueryContext(ctx, query, args...)
}

// QueryRow runs a query expected to return one row and scans it into dest.
func (b *Build) QueryRow(ctx context.Context, query string, args []any, dest ...any) error {
	return b.conn.QueryRowContext(ctx, query, args...).Scan(dest...)
}

// sideConn is a second connection to the next state, for reading while the
// Build's own connection loads.
type sideConn struct {
	conn  *sql.Conn
	arrow *duckdb.Arrow
}

// ReadArrow runs a read-only query on a second connection of the next
// state and returns its result as Arrow records; the Build stays free for
// Exec and Load while the reader is open, so a
// transform can load its output as it reads its input. The query sees what
// is committed, not the open transaction's changes (InTx): the runner opens
// a step's inputs before the step writes anything they read. The caller
// must Release the reader before the Build is published or aborted.
func (b *Build) ReadArrow(ctx context.Context, query string, args ...any) (array.RecordReader, error) {
	if b.done {
		return nil, errors.New("warehouse: ReadArrow on a finished build")
	}
	if b.side == nil {
		conn, ar, err := arrowConn(ctx, b.db)
		if err != nil {
			return nil, fmt.Errorf("opening a reading connection to %s: %w", b.next, err)
		}
		b.side = &sideConn{conn: conn, arrow: ar}
	}
	return b.side.arrow.QueryContext(ctx, query, args...)
}

// Load appends every record of rdr to table, matching columns by name (the
// records may carry the table's columns in any order; a column of the table
// missing from the records is an error). It returns the rows inserted. Load
// does not Release rdr.
func (b *Build) Load(ctx context.Context, table string, rdr array.RecordReader) (int64, error) {
	if b.done {
		return 0, errors.New("warehouse: Load on a finished build")
	}
	view := fmt.Sprintf("_skolestat_load_%d", b.views.Add(1))
	release, err := b.arrow.RegisterView(rdr, view)
	if err != nil {
		return 0, fmt.Errorf("registering Arrow records for %s: %w", table, err)
	}
	defer release()
	// duckdb_arrow_scan creates a persistent view in the next state's main
	// schema; left there it would be published as a broken view.
	defer func() {
		if _, err := b.conn.ExecContext(context.WithoutCancel(ctx), "DROP VIEW IF EXISTS main."+QuoteIdent(view)); err != nil {
			b.log.Warn("dropping a load's scan view", "view", view, "err", err)
		}
	}()
	cols := quotedNames(rdr.Schema())
	q := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", table, cols, cols, view)
	n, err := b.Exec(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("loading into %s: %w", table, err)
	}
	return n, nil
}

// LoadRecords is Load for records already in memory.
func (b *Build) LoadRecords(ctx context.Context, table string, schema *arrow.Schema, recs []arrow.RecordBatch) (int64, error) {
	rdr, err := array.NewRecordReader(schema, recs)
	if err != nil {
		return 0, fmt.Errorf("loading into %s: %w", table, err)
	}
	defer rdr.Release()
	return b.Load(ctx, table, rdr)
}

// InTx runs fn inside one transaction on the next state: everything fn does
// through the Build commits together or not at all. A step that fails and is
// retried therefore starts from a clean state. Transactions do not nest.
func (b *Build) InTx(ctx context.Context, fn func() error) (err error) {
	if b.inTx {
		return errors.New("warehouse: nested transaction")
	}
	if _, err := b.Exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	b.inTx = true
	defer func() {
		b.inTx = false
		if p := recover(); p != nil {
			_, _ = b.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			panic(p)
		}
		if err != nil {
			if _, rerr := b.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
				err = errors.Join(err, fmt.Errorf("rolling back: %w", rerr))
			}
			return
		}
		if _, cerr := b.Exec(ctx, "COMMIT"); cerr != nil {
			err = fmt.Errorf("committing: %w", cerr)
			_, _ = b.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	return fn()
}

func quotedNames(s *arrow.Schema) string {
	names := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		names[i] = QuoteIdent(f.Name)
	}
	return strings.Join(names, ", ")
}

// QuoteIdent quotes an identifier for DuckDB.
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// QuoteString quotes a string literal for DuckDB.
func QuoteString(s string) string {
	return `'` + strings.ReplaceAll(s, `'`, `''`) + `'`
}

// arrowConn opens a connection of db with its Arrow interface: the
// Build's own, its reading side, a Reader's.
func arrowConn(ctx context.Context, db *sql.DB) (*sql.Conn, *duckdb.Arrow, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	var ar *duckdb.Arrow
	err = conn.Raw(func(dc any) error {
		var e error
		ar, e = duckdb.NewArrowFromConn(dc.(driver.Conn))
		return e
	})
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("opening the Arrow interface: %w", err)
	}
	return conn, ar, nil
}
