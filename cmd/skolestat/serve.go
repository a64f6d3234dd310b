package main

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/skolestat/skolestat/internal/pgserver"
	"github.com/skolestat/skolestat/internal/warehouse"
	"github.com/skolestat/skolestat/report"
	"github.com/skolestat/skolestat/report/asss"
)

// passwordEnv names the environment variable that holds the SQL endpoint's
// password (an environment variable, not a flag: flags show in ps).
const passwordEnv = "SKOLESTAT_PG_PASSWORD"

type serveFlags struct {
	warehouse, pg, http string
	refresh, timeout    time.Duration
	threads             int
	memoryLimit         string
	tlsCert, tlsKey     string
}

func (a *app) serveCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve [--warehouse W] [--pg ADDR] [--http ADDR]",
		Short: "Serve the mart read-only over the PostgreSQL wire protocol, and the ASSS comparison page",
		Long: `Serve the published warehouse's mart schema to BI tools and analysts until stopped
(Ctrl-C or SIGTERM):

  --pg    a PostgreSQL wire-protocol endpoint: connect psql, DBeaver, Metabase, Superset,
          Power BI or any PostgreSQL driver (any database and user name; DuckDB SQL).
  --http  a web page comparing the ASSS municipalities on any indicator and year
          (/asss), and /healthz.

What is served is a copy of the mart schema alone, made when serve starts and again within
--refresh of every publish (a session keeps the state it started with), kept in the system's
temporary folder ($TMPDIR; about the size of the mart). The restricted (pupil-level), core,
raw and meta schemas are not in the copy, so no query can reach them; the copy is read-only
and cannot read or write files. Statements other than queries are
refused with PostgreSQL's read-only error; SET and the like from drivers are accepted and
ignored.

Set ` + passwordEnv + ` to require a password. Clients send it in clear unless the
endpoint has --tls-cert and --tls-key, which make TLS mandatory (sslmode=require); without
them keep the endpoint on loopback. An address of "" turns that endpoint off.`,
		Example: `  skolestat serve --warehouse demo/warehouse.duckdb
  psql -h 127.0.0.1 -p 5433 -U analyst skolestat -c "SELECT * FROM mart.asss_compare('grunnskolepoeng', 2023)"
  xdg-open http://127.0.0.1:8080/asss
  SKOLESTAT_PG_PASSWORD=secret skolestat serve --pg 0.0.0.0:5433 --tls-cert cert.pem --tls-key key.pem --http ""`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.pg == "" && f.http == "" {
				return usageError{errors.New("--pg and --http are both off: nothing to serve")}
			}
			if (f.tlsCert == "") != (f.tlsKey == "") {
				return usageError{errors.New("--tls-cert and --tls-key go together")}
			}
			return a.serve(cmd.Context(), f)
		},
	}
	cmd.Flags().StringVar(&f.warehouse, "warehouse", defaultWarehouse(), "published warehouse file")
	cmd.Flags().StringVar(&f.pg, "pg", "127.0.0.1:5433", `PostgreSQL endpoint address ("" for none)`)
	cmd.Flags().StringVar(&f.http, "http", "127.0.0.1:8080", `web page address ("" for none)`)
	cmd.Flags().DurationVar(&f.refresh, "refresh", 10*time.Second, "how often to look for a newly published warehouse")
	cmd.Flags().DurationVar(&f.timeout, "query-timeout", 5*time.Minute, "longest a statement may run (0: no limit)")
	cmd.Flags().IntVar(&f.threads, "threads", 0, "DuckDB threads (0: one per CPU)")
	cmd.Flags().StringVar(&f.memoryLimit, "memory-limit", "", `DuckDB memory limit, e.g. "2GB" (default DuckDB's)`)
	cmd.Flags().StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate for the PostgreSQL endpoint; with --tls-key, clients must use TLS")
	cmd.Flags().StringVar(&f.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	return cmd
}

func (a *app) serve(ctx context.Context, f serveFlags) error {
	dir, err := os.MkdirTemp("", "skolestat-serve-")
	if err != nil {
		return fmt.Errorf("making a folder for the served copy: %w", err)
	}
	defer os.RemoveAll(dir)
	// The flags and both addresses are checked before the copy is made and
	// either server starts, so a mistake or a busy port stops serve at once.
	opt := pgserver.Options{Logger: a.log, Password: os.Getenv(passwordEnv), QueryTimeout: f.timeout}
	if f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return usageError{fmt.Errorf("--tls-cert %s, --tls-key %s: %w", f.tlsCert, f.tlsKey, err)}
		}
		opt.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	var pgLn, httpLn net.Listener
	if f.pg != "" {
		if pgLn, err = net.Listen("tcp", f.pg); err != nil {
			return usageError{fmt.Errorf("--pg %s: %w", f.pg, err)}
		}
		defer pgLn.Close()
	}
	if f.http != "" {
		if httpLn, err = net.Listen("tcp", f.http); err != nil {
			return usageError{fmt.Errorf("--http %s: %w", f.http, err)}
		}
		defer httpLn.Close()
	}

	sv, err := warehouse.NewServing(ctx, f.warehouse, dir, warehouse.ServedOptions{Threads: f.threads, MemoryLimit: f.memoryLimit}, a.log)
	if err != nil {
		return err
	}
	defer sv.Close()
	watch, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go sv.Watch(watch, f.refresh)

	errc := make(chan error, 2)
	var shutdowns []func(context.Context) error
	if pgLn != nil {
		srv, err := pgserver.New(sv, opt)
		if err != nil {
			return err
		}
		go func() { errc <- srv.Serve(pgLn) }()
		shutdowns = append(shutdowns, srv.Shutdown)
		a.log.Info("SQL endpoint listening (PostgreSQL wire protocol)", "addr", pgLn.Addr().String(),
			"password", opt.Password != "", "tls", opt.TLS != nil)
	}
	if httpLn != nil {
		ln := httpLn
		hs := &http.Server{Handler: a.pageHandler(sv), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
		shutdowns = append(shutdowns, hs.Shutdown)
		a.log.Info("ASSS page listening", "url", "http://"+ln.Addr().String()+"/asss")
	}
	var serveErr error
	select {
	case <-ctx.Done():
		a.log.Info("stopping: finishing open sessions (up to 10 s)")
	case serveErr = <-errc:
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, shutdown := range shutdowns {
		if err := shutdown(stopCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			a.log.Warn("stopping a server", "err", err)
		}
	}
	if serveErr != nil {
		return fmt.Errorf("serving: %w", serveErr)
	}
	return nil
}

// pageHandler serves the ASSS page (/asss) and a health check (/healthz).
func (a *app) pageHandler(sv *warehouse.Serving) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/asss", http.StatusFound)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		s, release := sv.Acquire()
		defer release()
		fmt.Fprintf(w, "ok run=%s\n", s.RunID())
	})
	mux.HandleFunc("GET /asss", func(w http.ResponseWriter, r *http.Request) {
		s, conn, end, err := sv.Conn(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		defer end()
		runID := s.RunID()
		c := asss.Choice{Municipality: r.URL.Query().Get("municipality")}
		c.Indicator, c.Level, _ = strings.Cut(r.URL.Query().Get("indicator"), ":")
		c.Year, _ = strconv.Atoi(r.URL.Query().Get("year"))
		d, err := asss.Build(r.Context(), connQuerier{conn}, c, asss.Options{Action: "/asss", RunID: runID, GeneratedAt: time.Now().In(oslo())})
		if err != nil {
			a.log.Error("building the ASSS page", "err", err)
			http.Error(w, "building the page: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := report.Render(w, d); err != nil {
			a.log.Error("rendering the ASSS page", "err", err)
			http.Error(w, "rendering the page: "+err.Error(), http.StatusInternalServerError)
		}
	})
	return mux
}

// connQuerier gives a connection to the served copy the Query method the
// report builders read through (as *warehouse.Reader has).
type connQuerier struct{ *sql.Conn }

func (c connQuerier) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.QueryContext(ctx, query, args...)
}
