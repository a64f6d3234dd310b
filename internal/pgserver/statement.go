package pgserver

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5/pgtype"
	wire "github.com/jeroenrinzema/psql-wire"
	"github.com/jeroenrinzema/psql-wire/codes"
	psqlerr "github.com/jeroenrinzema/psql-wire/errors"
)

// readKinds are the DuckDB statements a session may run: queries and
// their plans, and PRAGMA/CALL of DuckDB's catalog functions.
var readKinds = map[duckdb.StmtType]bool{
	duckdb.STATEMENT_TYPE_SELECT:  true,
	duckdb.STATEMENT_TYPE_EXPLAIN: true,
	duckdb.STATEMENT_TYPE_PRAGMA:  true,
	duckdb.STATEMENT_TYPE_CALL:    true,
}

// showParams answers SHOW for the PostgreSQL settings drivers ask about.
var showParams = map[string]string{
	"TRANSACTION_ISOLATION":         "read committed",
	"TRANSACTION":                   "read committed", // SHOW TRANSACTION ISOLATION LEVEL
	"DEFAULT_TRANSACTION_READ_ONLY": "on",
	"TRANSACTION_READ_ONLY":         "on",
	"STANDARD_CONFORMING_STRINGS":   "on",
	"SERVER_ENCODING":               "UTF8",
	"CLIENT_ENCODING":               "UTF8",
	"DATESTYLE":                     "ISO, MDY",
	"TIMEZONE":                      "UTC",
	"INTEGER_DATETIMES":             "on",
	"MAX_IDENTIFIER_LENGTH":         "63",
	"SEARCH_PATH":                   "mart",
}

// parse turns a client's query string into statements (psql-wire's ParseFn).
func (s *Server) parse(ctx context.Context, q wire.Query) (wire.PreparedStatements, error) {
	sess, ok := ctx.Value(sessionKey{}).(*session)
	if !ok {
		return nil, errors.New("no session")
	}
	stmts := split(q.Query)
	if len(stmts) == 0 {
		return wire.Prepared(wire.NewStatement(func(_ context.Context, w wire.DataWriter, _ []wire.Parameter) error {
			return w.Empty()
		})), nil
	}
	if !q.SimpleQuery && len(stmts) > 1 {
		return nil, psqlerr.WithCode(errors.New("cannot insert multiple commands into a prepared statement"), codes.Syntax)
	}
	out := make(wire.PreparedStatements, 0, len(stmts))
	for _, st := range stmts {
		st = compat(st)
		if sess.failed {
			switch kw := keywords(st, 1); {
			case len(kw) == 1 && (kw[0] == "COMMIT" || kw[0] == "END" || kw[0] == "ROLLBACK" || kw[0] == "ABORT"):
			default:
				return nil, psqlerr.WithCode(errors.New("current transaction is aborted, commands ignored until end of transaction block"),
					codes.InFailedSQLTransaction)
			}
		}
		p, err := s.prepare(ctx, sess, st, q.ParameterOIDs)
		if err != nil {
			s.log.Debug("SQL statement refused", "session", sess.id, "statement", st, "err", err)
			sess.failed = sess.inTx
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// prepare makes one statement: a session setting answered here, a
// transaction statement, or a DuckDB query described ahead of running it.
func (s *Server) prepare(ctx context.Context, sess *session, st string, clientOIDs []uint32) (*wire.PreparedStatement, error) {
	kw := keywords(st, 2)
	if len(kw) == 0 {
		kw = []string{""}
	}
	switch kw[0] {
	case "SET", "RESET", "DISCARD", "DEALLOCATE", "UNLISTEN":
		// Session settings of PostgreSQL drivers (extra_float_digits,
		// application_name, ...): accepted and ignored. The served copy's
		// configuration is fixed.
		tag := kw[0]
		if tag == "DISCARD" {
			tag = "DISCARD ALL"
		}
		return wire.NewStatement(func(_ context.Context, w wire.DataWriter, _ []wire.Parameter) error {
			return w.Complete(tag)
		}), nil
	case "SHOW":
		if len(kw) > 1 {
			if v, ok := showParams[kw[1]]; ok {
				name := strings.ToLower(kw[1])
				if name == "transaction" {
					name = "transaction_isolation"
				}
				cols := wire.Columns{{Name: name, Oid: pgtype.TextOID, Width: -1}}
				return wire.NewStatement(func(_ context.Context, w wire.DataWriter, _ []wire.Parameter) error {
					if err := w.Row([]any{v}); err != nil {
						return err
					}
					return w.Complete("SHOW")
				}, wire.WithColumns(cols)), nil
			}
		}
	case "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT":
		return s.transaction(sess, kw[0]), nil
	}
	cols, params, err := describe(ctx, sess, st)
	if err != nil {
		return nil, err
	}
	for i := range params {
		if i < len(clientOIDs) && clientOIDs[i] != 0 {
			params[i] = clientOIDs[i]
		}
	}
	wcols := make(wire.Columns, len(cols))
	for i, c := range cols {
		wcols[i] = wire.Column{Name: c.name, Oid: c.oid, Width: -1}
	}
	tag := kw[0]
	run := func(ctx context.Context, w wire.DataWriter, given []wire.Parameter) error {
		return s.run(ctx, sess, st, tag, cols, params, w, given)
	}
	return wire.NewStatement(run, wire.WithColumns(wcols), wire.WithParameters(params)), nil
}

// describe prepares st on the session's connection to learn its result
// columns and parameter types, and refuses what is not a query.
func describe(ctx context.Context, sess *session, st string) (cols []column, params []uint32, err error) {
	err = sess.conn.Raw(func(dc any) error {
		pc, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return errors.New("the DuckDB driver cannot prepare statements")
		}
		ds, err := pc.PrepareContext(ctx, st)
		if err != nil {
			return err
		}
		defer ds.Close()
		stmt, ok := ds.(*duckdb.Stmt)
		if !ok {
			return fmt.Errorf("the DuckDB driver prepared a %T", ds)
		}
		kind, err := stmt.StatementType()
		if err != nil {
			return err
		}
		if !readKinds[kind] {
			return psqlerr.WithCode(errors.New("skolestat serves the warehouse read-only: only queries (SELECT, EXPLAIN, DESCRIBE, SHOW, PRAGMA) are allowed"),
				codes.ReadOnlySQLTransaction)
		}
		n, err := stmt.ColumnCount()
		if err != nil {
			return err
		}
		for i := range n {
			name, err := stmt.ColumnName(i)
			if err != nil {
				return err
			}
			t, err := stmt.ColumnType(i)
			if err != nil {
				return err
			}
			oid, conv := pgType(t)
			cols = append(cols, column{name: name, oid: oid, convert: conv})
		}
		for i := 1; i <= stmt.NumInput(); i++ {
			t, err := stmt.ParamType(i)
			if err != nil {
				return err
			}
			oid, _ := pgType(t)
			params = append(params, oid)
		}
		return nil
	})
	if err != nil {
		return nil, nil, pgError(err)
	}
	return cols, params, nil
}

// run executes a described statement and writes its rows.
func (s *Server) run(ctx context.Context, sess *session, st, tag string, cols []column, oids []uint32, w wire.DataWriter, given []wire.Parameter) error {
	start := time.Now()
	args := make([]any, len(given))
	for i, p := range given {
		v, err := paramValue(p, oids, i)
		if err != nil {
			return psqlerr.WithCode(fmt.Errorf("parameter $%d: %w", i+1, err), codes.InvalidParameterValue)
		}
		args[i] = v
	}
	if s.opt.QueryTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.opt.QueryTimeout)
		defer cancel()
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	defer sess.key.running(func() { stop(errCanceled) })()
	rows, err := sess.conn.QueryContext(ctx, st, args...)
	if err != nil {
		s.logStatement(sess, st, start, 0, err)
		sess.failed = sess.inTx
		return pgError(timedOut(ctx, err))
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return pgError(err)
		}
		out := make([]any, len(cols))
		for i, v := range vals {
			if v == nil {
				continue
			}
			if out[i], err = cols[i].convert(v); err != nil {
				return psqlerr.WithCode(fmt.Errorf("column %s: %w", cols[i].name, err), codes.Internal)
			}
		}
		if err := w.Row(out); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		s.logStatement(sess, st, start, w.Written(), err)
		sess.failed = sess.inTx
		return pgError(timedOut(ctx, err))
	}
	s.logStatement(sess, st, start, w.Written(), nil)
	if len(cols) == 0 {
		return w.Complete(tag)
	}
	return w.Complete(fmt.Sprintf("SELECT %d", w.Written()))
}

// transaction runs BEGIN, COMMIT or ROLLBACK (and their synonyms) on the
// session's connection. As in PostgreSQL, COMMIT or ROLLBACK outside a
// transaction is harmless.
func (s *Server) transaction(sess *session, kw string) *wire.PreparedStatement {
	return wire.NewStatement(func(ctx context.Context, w wire.DataWriter, _ []wire.Parameter) error {
		var q, tag string
		switch kw {
		case "BEGIN", "START":
			q, tag = "BEGIN TRANSACTION", "BEGIN"
			if sess.inTx {
				return w.Complete(tag) // PostgreSQL warns and goes on
			}
		case "COMMIT", "END":
			q, tag = "COMMIT", "COMMIT"
		default:
			q, tag = "ROLLBACK", "ROLLBACK"
		}
		if tag != "BEGIN" && !sess.inTx {
			return w.Complete(tag)
		}
		if tag == "COMMIT" && sess.failed {
			// A transaction in which a statement failed cannot commit;
			// PostgreSQL rolls it back and says so.
			q, tag = "ROLLBACK", "ROLLBACK"
		}
		if _, err := sess.conn.ExecContext(ctx, q); err != nil {
			return pgError(err)
		}
		sess.inTx, sess.failed = tag == "BEGIN", false
		return w.Complete(tag)
	})
}

// paramValue decodes a bound parameter as the type announced for it.
func paramValue(p wire.Parameter, oids []uint32, i int) (any, error) {
	if p.Value() == nil {
		return nil, nil
	}
	oid := uint32(pgtype.TextOID)
	if i < len(oids) && oids[i] != 0 {
		oid = oids[i]
	}
	v, err := p.Scan(oid)
	if err != nil {
		return nil, err
	}
	if dv, ok := v.(driver.Valuer); ok { // pgtype.Numeric and friends
		return dv.Value()
	}
	return v, nil
}

// errCanceled is the cause of a statement stopped by a cancel request.
var errCanceled = errors.New("canceling statement due to user request")

func timedOut(ctx context.Context, err error) error {
	switch {
	case errors.Is(context.Cause(ctx), errCanceled):
		return psqlerr.WithCode(fmt.Errorf("%w: %w", errCanceled, err), codes.QueryCanceled)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return psqlerr.WithCode(fmt.Errorf("canceling statement due to statement timeout: %w", err), codes.QueryCanceled)
	}
	return err
}

// pgError gives a DuckDB error the SQLSTATE code PostgreSQL would use.
func pgError(err error) error {
	if psqlerr.GetCode(err) != codes.Uncategorized {
		return err
	}
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return psqlerr.WithCode(err, codes.Internal)
	}
	code := codes.Internal
	switch de.Type {
	case duckdb.ErrorTypeParser, duckdb.ErrorTypeSyntax:
		code = codes.Syntax
	case duckdb.ErrorTypeCatalog:
		code = codes.UndefinedTable
	case duckdb.ErrorTypeBinder:
		code = codes.UndefinedColumn
	case duckdb.ErrorTypePermission:
		code = codes.InsufficientPrivilege
	case duckdb.ErrorTypeInvalidInput, duckdb.ErrorTypeParameterNotResolved:
		code = codes.InvalidParameterValue
	case duckdb.ErrorTypeConversion, duckdb.ErrorTypeMismatchType:
		code = codes.InvalidTextRepresentation
	case duckdb.ErrorTypeOutOfRange:
		code = codes.NumericValueOutOfRange
	case duckdb.ErrorTypeDivideByZero:
		code = codes.DivisionByZero
	case duckdb.ErrorTypeInterrupt:
		code = codes.QueryCanceled
	case duckdb.ErrorTypeOutOfMemory:
		code = codes.OutOfMemory
	case duckdb.ErrorTypeNotImplemented:
		code = codes.FeatureNotSupported
	}
	return psqlerr.WithCode(err, code)
}

func (s *Server) logStatement(sess *session, st string, start time.Time, rows uint32, err error) {
	if err != nil {
		s.log.Debug("SQL statement failed", "session", sess.id, "statement", firstLine(st), "took", time.Since(start).Round(time.Millisecond), "err", err)
		return
	}
	s.log.Debug("SQL statement", "session", sess.id, "statement", firstLine(st), "rows", rows, "took", time.Since(start).Round(time.Millisecond))
}

func firstLine(q string) string {
	if i := strings.IndexByte(q, '\n'); i >= 0 {
		q = q[:i] + " …"
	}
	if len(q) > 200 {
		q = q[:200] + "…"
	}
	return q
}
