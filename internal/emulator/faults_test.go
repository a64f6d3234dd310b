package emulator

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFaultsValidate(t *testing.T) {
	for _, f := range []Faults{{Failure: -0.1}, {Failure: 1}, {Failure: 0.5, RateLimit: 0.3, Truncate: 0.2}, {Latency: -time.Second}} {
		if err := f.Validate(); err == nil {
			t.Errorf("%+v accepted", f)
		}
	}
	if err := (Faults{Failure: 0.1, RateLimit: 0.1, Truncate: 0.1}).Validate(); err != nil {
		t.Error(err)
	}
}

// TestFaultKinds: with every request faulted one way, a plain net/http
// client sees what a client of the real API would.
func TestFaultKinds(t *testing.T) {
	body := strings.Repeat("0123456789", 100)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) })
	get := func(f Faults) (*http.Response, []byte, error) {
		srv := httptest.NewServer(newFaulty(h, f))
		defer srv.Close()
		resp, err := http.Get(srv.URL)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}
	resp, _, err := get(Faults{RateLimit: 0.999, RetryAfter: 2 * time.Second})
	if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("rate limit: %v %v %v", err, resp.StatusCode, resp.Header)
	}
	resp, _, err = get(Faults{Failure: 0.999})
	if err != nil || (resp.StatusCode != 500 && resp.StatusCode != 502 && resp.StatusCode != 503) {
		t.Errorf("failure: %v %v", err, resp.StatusCode)
	}
	_, got, err := get(Faults{Truncate: 0.999})
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(got) != len(body)/2 {
		t.Errorf("truncate: read %d of %d bytes, error %v; want half and an unexpected EOF", len(got), len(body), err)
	}
	resp, got, err = get(Faults{})
	if err != nil || resp.StatusCode != 200 || string(got) != body {
		t.Errorf("no faults: %v %v %d bytes", err, resp.StatusCode, len(got))
	}
}

// TestFaultDrawsRepeat: the same seed gives the same faults in the same
// order.
func TestFaultDrawsRepeat(t *testing.T) {
	f := Faults{Failure: 0.2, RateLimit: 0.2, Truncate: 0.2, Seed: 9}
	a, b := newFaulty(nil, f), newFaulty(nil, f)
	for i := range 200 {
		if x, y := a.draw(), b.draw(); x != y {
			t.Fatalf("draw %d: %s and %s", i, x, y)
		}
	}
	if c := a.Counts(); c["none"] < 50 || c["429"] < 20 || c["truncate"] < 20 {
		t.Errorf("counts %v far from 40%% clean, 20%% each", c)
	}
}
