package pgserver_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/skolestat/skolestat/internal/pgserver"
	"github.com/skolestat/skolestat/internal/warehouse"
	"github.com/skolestat/skolestat/orchestration/lock"
)

// serve publishes a small warehouse (mart figures of every common type, a
// macro, pupil rows in restricted), serves its mart copy on a loopback
// port and returns the address.
func serve(t testing.TB, opt pgserver.Options) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "w.duckdb")
	lk, err := lock.Acquire(ctx, warehouse.LockPath(path), 0, lock.Holder{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := warehouse.Begin(ctx, path, lk, warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE restricted.secret AS SELECT 'pupil-17' AS pupil_id`,
		`CREATE TABLE mart.figures AS SELECT * FROM (VALUES
		   ('0301', 2023, 42.5::DOUBLE, 12.3::DECIMAL(5,1), 120::INTEGER, true, DATE '2024-08-15'),
		   ('4601', 2023, 40.0::DOUBLE, NULL, 80::INTEGER, false, NULL)) v(code, year, value, share, n, ok, published)`,
		`CREATE MACRO mart.above(threshold) AS TABLE SELECT code FROM mart.figures WHERE value > threshold ORDER BY code`,
	} {
		if _, err := b.Exec(ctx, q); err != nil {
			b.Abort()
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := b.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	lk.Release()
	sv, err := warehouse.NewServing(ctx, path, dir, warehouse.ServedOptions{Threads: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := pgserver.New(sv, opt)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		sv.Close()
	})
	return ln.Addr().String()
}

func connect(t testing.TB, addr, password string) (*pgx.Conn, error) {
	return connectSSL(t, addr, password, "disable")
}

func connectSSL(t testing.TB, addr, password, sslmode string) (*pgx.Conn, error) {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	url := fmt.Sprintf("postgres://analyst:%s@%s:%s/skolestat?sslmode=%s", password, host, port, sslmode)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return pgx.Connect(ctx, url)
}

func mustConnect(t *testing.T, addr string) *pgx.Conn {
	t.Helper()
	c, err := connect(t, addr, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func TestQueriesAndTypes(t *testing.T) {
	addr := serve(t, pgserver.Options{})
	c := mustConnect(t, addr)
	ctx := context.Background()
	// The extended protocol (pgx's default: binary results, typed $n
	// parameters) and the simple one (text) give the same values.
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		var (
			code      string
			year, n   int32
			value     float64
			share     *float64
			ok        bool
			published *time.Time
		)
		q := `SELECT code, year, value, share::DOUBLE, n, ok, published FROM mart.figures WHERE code = $1`
		for _, want := range []struct {
			code  string
			share *float64
			date  string
		}{{"0301", ptr(12.3), "2024-08-15"}, {"4601", nil, ""}} {
			err := c.QueryRow(ctx, q, mode, want.code).Scan(&code, &year, &value, &share, &n, &ok, &published)
			if err != nil {
				t.Fatalf("mode %v: %v", mode, err)
			}
			if (share == nil) != (want.share == nil) || share != nil && *share != *want.share {
				t.Errorf("mode %v, %s: share %v, want %v", mode, code, share, want.share)
			}
			if got := ""; published != nil {
				got = published.Format(time.DateOnly)
				if got != want.date {
					t.Errorf("mode %v, %s: published %s, want %s", mode, code, got, want.date)
				}
			} else if want.date != "" {
				t.Errorf("mode %v, %s: published NULL, want %s", mode, code, want.date)
			}
		}
		if code != "4601" || year != 2023 || value != 40 || n != 80 || ok {
			t.Errorf("mode %v: %s %d %v %d %v", mode, code, year, value, n, ok)
		}
	}
	// Decimals keep their digits; a macro takes a typed parameter; a list
	// comes as JSON text; a big integer as numeric.
	var share, big string
	var list string
	if err := c.QueryRow(ctx, `SELECT share::VARCHAR, (2::HUGEINT ** 70)::HUGEINT::VARCHAR, [1, 2, 3] FROM mart.figures WHERE code = '0301'`).Scan(&share, &big, &list); err != nil {
		t.Fatal(err)
	}
	if share != "12.3" || big != "1180591620717411303424" || list != "[1,2,3]" {
		t.Errorf("decimal %q, hugeint %q, list %q", share, big, list)
	}
	var d pgNumeric
	if err := c.QueryRow(ctx, `SELECT share FROM mart.figures WHERE code = '0301'`).Scan(&d); err != nil || d.s != "12.3" {
		t.Errorf("DECIMAL(5,1) read as numeric %q, %v; want 12.3", d.s, err)
	}
	rows, err := c.Query(ctx, `SELECT code FROM mart.above($1)`, 41)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || strings.Join(codes, ",") != "0301" {
		t.Errorf("mart.above(41) = %v, %v", codes, err)
	}
}

// pgNumeric scans a numeric column as its text.
type pgNumeric struct{ s string }

func (p *pgNumeric) Scan(src any) error {
	switch v := src.(type) {
	case string:
		p.s = v
	case []byte:
		p.s = string(v)
	default:
		p.s = fmt.Sprint(v)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func TestWhatDriversSend(t *testing.T) {
	addr := serve(t, pgserver.Options{})
	c := mustConnect(t, addr)
	ctx := context.Background()
	// Several statements in one simple query, each with its result.
	res, err := c.PgConn().Exec(ctx, "SELECT 1 AS a; SELECT 'x;y' AS b; -- done").ReadAll()
	if err != nil || len(res) != 2 || string(res[0].Rows[0][0]) != "1" || string(res[1].Rows[0][0]) != "x;y" {
		t.Fatalf("two statements: %+v, %v", res, err)
	}
	// Session settings are accepted; SHOW answers what drivers ask.
	for _, q := range []string{"SET extra_float_digits = 3", "SET application_name = 'PostgreSQL JDBC Driver'", "RESET ALL", "DISCARD ALL"} {
		if _, err := c.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	var iso string
	if err := c.QueryRow(ctx, "SHOW TRANSACTION ISOLATION LEVEL", pgx.QueryExecModeSimpleProtocol).Scan(&iso); err != nil || iso != "read committed" {
		t.Errorf("SHOW TRANSACTION ISOLATION LEVEL = %q, %v", iso, err)
	}
	// Transactions, and COMMIT outside one as PostgreSQL allows.
	for _, q := range []string{"BEGIN", "SELECT 1", "COMMIT", "COMMIT", "ROLLBACK"} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	// A statement that fails spoils the transaction, as in PostgreSQL:
	// what follows is refused until COMMIT, which then rolls back, and
	// the session goes on.
	if _, err := c.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "SELECT CAST(code || 'x' AS INTEGER) FROM mart.figures"); err == nil {
		t.Fatal("a failing cast succeeded")
	}
	if _, err := c.Exec(ctx, "SELECT 1"); sqlState(err) != "25P02" {
		t.Errorf("a statement in the failed transaction: %v, want SQLSTATE 25P02", err)
	}
	if tag, err := c.PgConn().Exec(ctx, "COMMIT").ReadAll(); err != nil || len(tag) != 1 || tag[0].CommandTag.String() != "ROLLBACK" {
		t.Errorf("COMMIT of a failed transaction: %q, %v; want ROLLBACK", tag[0].CommandTag.String(), err)
	}
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM mart.figures").Scan(&n); err != nil || n != 2 {
		t.Errorf("count in a transaction = %d, %v", n, err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Error(err)
	}
	// DuckDB's own catalog helpers and DESCRIBE work.
	var cols int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM (DESCRIBE mart.figures)").Scan(&cols); err != nil || cols != 7 {
		t.Errorf("DESCRIBE mart.figures: %d columns, %v", cols, err)
	}
	if err := c.QueryRow(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'mart'").Scan(&n); err != nil || n != 1 {
		t.Errorf("information_schema.tables in mart: %d, %v", n, err)
	}
}

func TestReadOnlyAndMartOnly(t *testing.T) {
	addr := serve(t, pgserver.Options{})
	c := mustConnect(t, addr)
	ctx := context.Background()
	for q, want := range map[string]string{
		"SELECT * FROM restricted.secret":              "42P01", // not there at all
		"CREATE TABLE mart.x AS SELECT 1":              "25006",
		"INSERT INTO mart.figures (code) VALUES ('x')": "25006",
		"DROP TABLE mart.figures":                      "25006",
		"ATTACH 'w.duckdb' AS w":                       "25006",
		"COPY mart.figures TO 'out.csv'":               "42501", // file access is off
		"SELECT * FROM read_csv('/etc/passwd')":        "42501",
		"SELEC 1":                                      "42601",
		"SELECT nope FROM mart.figures":                "42703",
	} {
		_, err := c.Exec(ctx, q)
		if got := sqlState(err); got != want {
			t.Errorf("%s: SQLSTATE %q (%v), want %s", q, got, err, want)
		}
	}
	// The session is still usable after the errors.
	var n int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM mart.figures").Scan(&n); err != nil || n != 2 {
		t.Errorf("after errors: %d, %v", n, err)
	}
}

func TestPasswordAndTimeout(t *testing.T) {
	addr := serve(t, pgserver.Options{Password: "s3cret", QueryTimeout: 200 * time.Millisecond})
	if _, err := connect(t, addr, "wrong"); err == nil {
		t.Error("connected with the wrong password")
	}
	c, err := connect(t, addr, "s3cret")
	if err != nil {
		t.Fatalf("with the password: %v", err)
	}
	defer c.Close(context.Background())
	_, err = c.Exec(context.Background(), "SELECT count(*) FROM range(100000000000) a")
	if got := sqlState(err); got != "57014" {
		t.Errorf("a statement over the timeout: SQLSTATE %q (%v), want 57014", got, err)
	}
}

// TestPsql runs Debian's psql against the endpoint, as an analyst would.
func TestPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not installed (apt install postgresql-client)")
	}
	addr := serve(t, pgserver.Options{})
	host, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command(psql, "-h", host, "-p", port, "-U", "analyst", "-d", "skolestat", "-X", "-At", "-v", "ON_ERROR_STOP=1",
		"-c", "SELECT code, value FROM mart.figures ORDER BY code").CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "0301|42.5\n4601|40" {
		t.Errorf("psql printed %q", got)
	}
	// The catalog commands an analyst tries first.
	for cmd, want := range map[string]string{`\dt mart.*`: "mart|figures|table|skolestat", `\dn`: "mart|skolestat"} {
		out, err := exec.Command(psql, "-h", host, "-p", port, "-U", "analyst", "-d", "skolestat", "-X", "-At", "-c", cmd).CombinedOutput()
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("psql %s: %v\n%s\nwant a line %q", cmd, err, out, want)
		}
	}
}

// TestJDBC runs PostgreSQL's JDBC driver (Debian's libpostgresql-jdbc-java,
// what DBeaver and Metabase use) against the endpoint: the catalog a BI
// tool browses, with PostgreSQL's type names, and a prepared query.
func TestJDBC(t *testing.T) {
	const jar = "/usr/share/java/postgresql.jar"
	javac, err := exec.LookPath("javac")
	if _, jerr := os.Stat(jar); err != nil || jerr != nil {
		t.Skip("javac or the JDBC driver is not installed (apt install default-jdk-headless libpostgresql-jdbc-java)")
	}
	dir := t.TempDir()
	if out, err := exec.Command(javac, "-d", dir, "-cp", jar, filepath.Join("testdata", "Probe.java")).CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	addr := serve(t, pgserver.Options{})
	_, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command("java", "-cp", jar+string(os.PathListSeparator)+dir, "Probe", port).CombinedOutput()
	if err != nil {
		t.Fatalf("java Probe: %v\n%s", err, out)
	}
	got := string(out)
	for _, want := range []string{
		"schema mart", "table figures TABLE",
		"column code varchar", "column year int4", "column value float8", "column share numeric",
		"column n int4", "column ok bool", "column published date",
		"value 42.5",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("the JDBC probe printed no line %q:\n%s", want, got)
		}
	}
}

// BenchmarkRows reads 5,000 rows of 13 columns (the shape of
// mart.schools_of for Bergen) through the endpoint with pgx.
func BenchmarkRows(b *testing.B) {
	addr := serve(b, pgserver.Options{})
	c, err := connect(b, addr, "")
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(context.Background())
	q := `SELECT i::VARCHAR AS a, 'Skole ' || i AS b, i % 2 = 0 AS c, 'grunnskolepoeng' AS d, '5-7' AS e, 'all' AS f,
	  i * 0.5 AS g, i::BIGINT AS h, 'ok' AS j, i * 0.1 AS k, i * 0.2 AS l, 'not_different' AS m, 'udir' AS n FROM range(5000) r(i)`
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		rows, err := c.Query(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			if _, err := rows.Values(); err != nil {
				b.Fatal(err)
			}
			n++
		}
		rows.Close()
		if n != 5000 {
			b.Fatal(n)
		}
	}
}

// selfSigned makes a certificate for 127.0.0.1 that expires in an hour.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "skolestat test"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

func TestTLSIsRequiredWhenConfigured(t *testing.T) {
	addr := serve(t, pgserver.Options{TLS: selfSigned(t), Password: "s3cret"})
	if c, err := connectSSL(t, addr, "s3cret", "disable"); err == nil {
		c.Close(context.Background())
		t.Error("connected without TLS to an endpoint that requires it")
	}
	c, err := connectSSL(t, addr, "s3cret", "require")
	if err != nil {
		t.Fatalf("with TLS: %v", err)
	}
	defer c.Close(context.Background())
	if !c.PgConn().Conn().(interface{ ConnectionState() tls.ConnectionState }).ConnectionState().HandshakeComplete {
		t.Error("the connection is not TLS")
	}
	var n int
	if err := c.QueryRow(context.Background(), "SELECT count(*) FROM mart.figures").Scan(&n); err != nil || n != 2 {
		t.Errorf("over TLS: %d, %v", n, err)
	}
}

// TestSQLAlchemy runs SQLAlchemy over psycopg2 (Superset's stack, from
// Debian's python3-sqlalchemy and python3-psycopg2) against the endpoint.
func TestSQLAlchemy(t *testing.T) {
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import sqlalchemy, psycopg2").Run(); err != nil {
		t.Skip("Debian's python3 with sqlalchemy and psycopg2 is not installed (apt install python3-sqlalchemy python3-psycopg2)")
	}
	addr := serve(t, pgserver.Options{})
	_, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command(python, filepath.Join("testdata", "probe_sqlalchemy.py"), port).CombinedOutput()
	if err != nil {
		t.Fatalf("probe_sqlalchemy.py: %v\n%s", err, out)
	}
	for _, want := range []string{
		"version 15.0", "schema mart", "table figures",
		"column code VARCHAR", "column year INTEGER", "column value DOUBLE_PRECISION", "column share NUMERIC",
		"column n INTEGER", "column ok BOOLEAN", "column published DATE",
		"value 42.5",
	} {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("the SQLAlchemy probe printed no line %q:\n%s", want, out)
		}
	}
}

// TestCancelRequest stops a long statement the way psql's Ctrl-C does; the
// session goes on, and a cancel with the wrong key does nothing.
func TestCancelRequest(t *testing.T) {
	addr := serve(t, pgserver.Options{})
	c := mustConnect(t, addr)
	ctx := context.Background()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := c.Exec(ctx, "SELECT count(*) FROM range(1000000000000) a")
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	if err := c.PgConn().CancelRequest(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if sqlState(err) != "57014" {
			t.Errorf("the cancelled statement ended with %v, want SQLSTATE 57014", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the statement went on for 30 s after the cancel request")
	}
	t.Logf("cancelled after %v", time.Since(start))
	var n int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM mart.figures").Scan(&n); err != nil || n != 2 {
		t.Errorf("after the cancel: %d, %v", n, err)
	}
}
