// Package emulatortest is what the tests of the API connectors share: a
// small simulated nation generated once per test binary, the emulator
// over it on an httptest server, and an HTTP client whose retries wait
// milliseconds, not the seconds a nightly run waits. Only tests import it.
package emulatortest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/internal/httpclient"
	"github.com/skolestat/skolestat/internal/sim"
)

// Main is a TestMain body: it simulates a nation (seed, scale; no survey)
// into a temporary folder, sets *dir to it, runs the tests, removes the
// folder and exits with the tests' code.
func Main(m *testing.M, dir *string, seed uint64, scale float64) {
	d, err := os.MkdirTemp("", "skolestat-nation-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if _, err := sim.Generate(context.Background(), sim.Options{Out: d, Seed: seed, Scale: scale, SurveyYears: -1}); err != nil {
		os.RemoveAll(d)
		fmt.Fprintln(os.Stderr, "simulating the test nation:", err)
		os.Exit(2)
	}
	*dir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// Serve serves the emulator over the nation in dir (opt.Data is set to
// it) until the test ends.
func Serve(t testing.TB, dir string, opt emulator.Options) (*httptest.Server, *emulator.Server) {
	t.Helper()
	opt.Data = dir
	em, err := emulator.New(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(em)
	t.Cleanup(srv.Close)
	return srv, em
}

// Client returns a client like the run's, with short waits between its
// eight attempts.
func Client() *httpclient.Client {
	return httpclient.New(httpclient.Options{Attempts: 8, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		MaxRetryAfter: 5 * time.Millisecond, Timeout: 5 * time.Second})
}
