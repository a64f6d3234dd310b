// Package pgserver serves read-only SQL over the PostgreSQL wire protocol
// (skolestat serve --pg), so that psql, DBeaver, Metabase, Superset, Power
// BI and other PostgreSQL clients can query the warehouse.
//
// The protocol is github.com/jeroenrinzema/psql-wire's; this package turns
// each statement a client sends into a DuckDB query on the session's own
// connection and each result into PostgreSQL types (see pgType). Both the
// simple protocol (several statements in one string) and the extended one
// (Parse/Bind/Execute with $1 parameters) work.
//
// What a session can reach is whatever its Source connects it to; skolestat
// serve connects it to a warehouse.Served copy that holds the mart schema
// and nothing else, read-only and without file access. This package adds
// a plain refusal of statements that are not queries, so a client gets a
// PostgreSQL "read-only" error rather than DuckDB's, and answers the
// session settings PostgreSQL drivers send on connecting (SET ..., SHOW
// transaction_isolation) instead of passing them to DuckDB, which does not
// know them.
package pgserver

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	wire "github.com/jeroenrinzema/psql-wire"
)

// Source opens the database connection of one client session.
// *warehouse.Serving satisfies it.
type Source interface {
	// Session returns a connection for one session and the function that
	// ends it (closing the connection); end is called exactly once.
	Session(ctx context.Context) (conn *sql.Conn, end func(), err error)
}

// Options tune a Server.
type Options struct {
	// Logger receives a line per session opened and closed, and per
	// statement at debug level.
	Logger *slog.Logger
	// Password, when set, is asked of every client (PostgreSQL's cleartext
	// password exchange: use TLS, or serve on loopback). Any user name is
	// accepted.
	Password string
	// QueryTimeout ends a statement that runs longer; 0 means no limit.
	QueryTimeout time.Duration
	// TLS, when set, is required of every client (sslmode=require or
	// stricter): a client that does not ask for it is refused.
	TLS *tls.Config
}

// Server is a PostgreSQL wire-protocol endpoint over a Source.
type Server struct {
	src      Source
	opt      Options
	log      *slog.Logger
	wire     *wire.Server
	sessions atomic.Int64
	cancels  cancels
}

type sessionKey struct{}

// session is one client connection's state.
type session struct {
	id   int64
	conn *sql.Conn
	end  func()
	inTx bool
	// failed: a statement failed inside the transaction; as in
	// PostgreSQL, only COMMIT (which then rolls back) or ROLLBACK is
	// accepted until the transaction ends.
	failed bool
	key    *cancelKey // for cancel requests; nil if the client got none
}

// New makes a Server; Serve starts it.
func New(src Source, opt Options) (*Server, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{src: src, opt: opt, log: opt.Logger}
	options := []wire.OptionFn{
		wire.SessionMiddleware(s.openSession),
		wire.CloseConn(s.closeSession),
		wire.BackendKeyData(s.cancels.issue),
		wire.CancelRequest(s.cancels.cancel),
		// psql-wire logs each client error at error level; ours are logged
		// once per statement at debug level.
		wire.Logger(slog.New(slog.DiscardHandler)),
		wire.GlobalParameters(wire.Parameters{
			"DateStyle":                     "ISO, MDY",
			"TimeZone":                      "UTC",
			"integer_datetimes":             "on",
			"standard_conforming_strings":   "on",
			"default_transaction_read_only": "on",
		}),
	}
	if opt.TLS != nil {
		// psql-wire takes RequireAndVerifyClientCert as "TLS is
		// mandatory"; whether client certificates are asked for is the
		// tls.Config's own ClientAuth.
		options = append(options, wire.TLSConfig(opt.TLS), wire.ClientAuth(tls.RequireAndVerifyClientCert))
	}
	if opt.Password != "" {
		options = append(options, wire.SessionAuthStrategy(wire.ClearTextPassword(
			func(ctx context.Context, _, _, password string) (context.Context, bool, error) {
				return ctx, subtle.ConstantTimeCompare([]byte(password), []byte(opt.Password)) == 1, nil
			})))
	}
	w, err := wire.NewServer(s.parse, options...)
	if err != nil {
		return nil, fmt.Errorf("setting up the PostgreSQL endpoint: %w", err)
	}
	s.wire = w
	return s, nil
}

// Serve accepts clients on ln until Shutdown or Close; it returns nil after
// a Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.wire.Serve(flushingListener{ln})
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting clients and waits for open sessions to end
// until ctx is done, then closes them.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.wire.Shutdown(ctx)
}

func (s *Server) openSession(ctx context.Context) (context.Context, error) {
	conn, end, err := s.src.Session(ctx)
	if err != nil {
		s.cancels.forget(s.cancels.claim(ctx))
		s.log.Error("opening a SQL session", "err", err)
		return ctx, err
	}
	sess := &session{id: s.sessions.Add(1), conn: conn, end: end, key: s.cancels.claim(ctx)}
	params := wire.ClientParameters(ctx)
	s.log.Info("SQL session opened", "session", sess.id, "remote", remote(ctx), "user", params[wire.ParamUsername],
		"application", params[wire.ParamApplicationName])
	return context.WithValue(ctx, sessionKey{}, sess), nil
}

func (s *Server) closeSession(ctx context.Context) error {
	if sess, ok := ctx.Value(sessionKey{}).(*session); ok {
		s.cancels.forget(sess.key)
		sess.end()
		s.log.Info("SQL session closed", "session", sess.id)
	}
	return nil
}

func remote(ctx context.Context) string {
	if a := wire.RemoteAddress(ctx); a != nil {
		return a.String()
	}
	return ""
}
