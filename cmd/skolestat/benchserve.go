package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"

	"github.com/jackc/pgx/v5"

	"github.com/skolestat/skolestat/internal/pgserver"
	"github.com/skolestat/skolestat/internal/warehouse"
)

// benchServe measures skolestat serve on the demo's warehouse in dir: the
// time to make the served copy of mart, and the analysts' macros three
// ways, every value of every row read: from the published file (what
// skolestat sql does), from the served copy directly, and through the
// PostgreSQL endpoint with pgx as a BI tool's driver would (median of 11).
// The ratio endpoint / file is what serving costs a query.
func (a *app) benchServe(ctx context.Context, dir string, scale float64) error {
	wh, rd, year, err := a.macroWarehouse(ctx, dir, scale)
	if err != nil {
		return err
	}
	defer rd.Close()
	tmp, err := os.MkdirTemp(dir, "serve-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	sv, err := warehouse.NewServing(ctx, wh, tmp, warehouse.ServedOptions{}, nil)
	if err != nil {
		return err
	}
	defer sv.Close()
	served, release := sv.Acquire()
	defer release()
	var size int64
	if fi, err := os.Stat(served.File()); err == nil {
		size = fi.Size()
	}
	srv, err := pgserver.New(sv, pgserver.Options{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.WithoutCancel(ctx))
	pg, err := pgx.Connect(ctx, "postgres://bench@"+ln.Addr().String()+"/skolestat?sslmode=disable")
	if err != nil {
		return err
	}
	defer pg.Close(ctx)
	conn, err := served.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	fileInfo, _ := os.Stat(wh)
	fmt.Fprintf(a.stdout, "\nserve on %s (%.0f MB): the served copy of mart made in %.2f s (%.0f MB)\n", wh,
		float64(fileInfo.Size())/1e6, served.Took().Seconds(), float64(size)/1e6)
	fmt.Fprintf(a.stdout, "  macro, median of 11, every value read   file      copy      endpoint  endpoint/file\n")
	for _, c := range macroCalls(year) {
		file, n, err := median(func() (int, error) { return scanAll(rd.Query(ctx, c.sql)) })
		if err != nil {
			return fmt.Errorf("%s from the file: %w", c.name, err)
		}
		cp, _, err := median(func() (int, error) { return scanAll(conn.QueryContext(ctx, c.sql)) })
		if err != nil {
			return fmt.Errorf("%s from the copy: %w", c.name, err)
		}
		wire, m, err := median(func() (int, error) {
			rows, err := pg.Query(ctx, c.sql)
			if err != nil {
				return 0, err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				if _, err := rows.Values(); err != nil {
					return 0, err
				}
				n++
			}
			return n, rows.Err()
		})
		if err != nil {
			return fmt.Errorf("%s through the endpoint: %w", c.name, err)
		}
		if m != n {
			return fmt.Errorf("%s: %d rows through the endpoint, %d from the file", c.name, m, n)
		}
		fmt.Fprintf(a.stdout, "  %-16s %6d rows                 %6.1f ms %6.1f ms %6.1f ms   %.2f\n", c.name, n,
			ms(file), ms(cp), ms(wire), wire.Seconds()/file.Seconds())
	}
	return nil
}

// scanAll reads every value of every row.
func scanAll(rows *sql.Rows, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, err
		}
		n++
	}
	return n, rows.Err()
}
