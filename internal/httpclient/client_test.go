package httpclient

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fast is a client for tests: short waits, few attempts.
func fast(opt Options) *Client {
	if opt.MinBackoff == 0 {
		opt.MinBackoff = time.Millisecond
	}
	if opt.MaxBackoff == 0 {
		opt.MaxBackoff = 5 * time.Millisecond
	}
	if opt.Attempts == 0 {
		opt.Attempts = 4
	}
	if opt.Version == "" {
		opt.Version = "1.2.3"
	}
	return New(opt)
}

// server answers with the handler of the n-th request (the last one
// repeats) and counts the requests.
func server(t *testing.T, handlers ...http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		handlers[min(i, len(handlers)-1)](w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func status(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
}

func TestRetriesServerErrorsThenSucceeds(t *testing.T) {
	srv, n := server(t, status(500, "boom"), status(502, ""), status(503, ""), status(200, `{"ok":true}`))
	resp, err := fast(Options{}).Get(context.Background(), srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != `{"ok":true}` || n.Load() != 4 {
		t.Errorf("body %q after %d requests; want the 200 body after 4", resp.Body, n.Load())
	}
}

func TestGivesUpAfterAttempts(t *testing.T) {
	srv, n := server(t, status(503, "try later"))
	_, err := fast(Options{Attempts: 3}).Get(context.Background(), srv.URL+"/x", nil)
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 503 || se.Attempts != 3 || n.Load() != 3 {
		t.Fatalf("got %v after %d requests; want a StatusError 503 after 3 attempts", err, n.Load())
	}
	if !strings.Contains(err.Error(), "/x") || !strings.Contains(err.Error(), "try later") {
		t.Errorf("error %q does not name the URL and the body", err)
	}
}

// TestNeverRetriesOtherClientErrors: 400 (udir's answer to comma-joined
// filters), 401, 403 (SSB's cell limit), 404, 501 are final.
func TestNeverRetriesOtherClientErrors(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 410, 501} {
		srv, n := server(t, status(code, `{"message":"Feil format på filtrene!"}`), status(200, "late"))
		_, err := fast(Options{}).Get(context.Background(), srv.URL, nil)
		var se *StatusError
		if !errors.As(err, &se) || se.Status != code || n.Load() != 1 {
			t.Errorf("HTTP %d: %v after %d requests; want a StatusError at once", code, err, n.Load())
			continue
		}
		if !strings.Contains(err.Error(), "Feil format på filtrene!") {
			t.Errorf("HTTP %d: error %q lacks the body", code, err)
		}
	}
}

func TestRetries429HonouringRetryAfterWithinTheCap(t *testing.T) {
	limited := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600") // an hour: capped
		w.WriteHeader(429)
	}
	srv, n := server(t, limited, status(200, "ok"))
	start := time.Now()
	resp, err := fast(Options{MaxRetryAfter: 30 * time.Millisecond}).Get(context.Background(), srv.URL, nil)
	if err != nil || string(resp.Body) != "ok" || n.Load() != 2 {
		t.Fatalf("got %v after %d requests; want ok after 2", err, n.Load())
	}
	if waited := time.Since(start); waited < 30*time.Millisecond || waited > 10*time.Second {
		t.Errorf("waited %s; want the capped 30ms (not the hour)", waited)
	}
}

func TestBackoff(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	resp := func(code int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: code, Header: h}
	}
	const (
		lo  = 100 * time.Millisecond
		hi  = 10 * time.Second
		cap = time.Minute
	)
	tests := []struct {
		name    string
		attempt int
		resp    *http.Response
		jitter  float64
		want    time.Duration
	}{
		{"seconds", 0, resp(429, "7"), 0.5, 7 * time.Second},
		{"seconds over the cap", 0, resp(429, "600"), 0.5, cap},
		{"HTTP date", 0, resp(503, "Mon, 23 Nov 2026 12:00:20 GMT"), 0.5, 20 * time.Second},
		{"date in the past", 0, resp(429, "Mon, 23 Nov 2026 11:00:00 GMT"), 0.5, 0},
		{"unparsable: backoff", 2, resp(429, "soon"), 1, 400 * time.Millisecond},
		{"Retry-After on a 500 is not ours to honour", 1, resp(500, "30"), 1, 200 * time.Millisecond},
		{"full jitter", 3, nil, 0.25, 200 * time.Millisecond}, // 0.25 × 800ms
		{"at least half the minimum", 3, nil, 0, 50 * time.Millisecond},
		{"ceiling at max", 20, nil, 0.999999, hi - 10*time.Microsecond},
		{"no overflow", 200, nil, 0.5, hi / 2},
	}
	for _, tt := range tests {
		got := Backoff(lo, hi, cap, tt.attempt, tt.resp, now, tt.jitter)
		if d := got - tt.want; d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestRetriesTruncatedBody: the server promises 100 bytes, sends 10 and
// hangs up; the next attempt gets the whole body.
func TestRetriesTruncatedBody(t *testing.T) {
	cut := func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		fmt.Fprint(buf, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: application/json\r\n\r\n{\"data\": [")
		buf.Flush()
		conn.Close()
	}
	srv, n := server(t, cut, status(200, `{"data": [1, 2]}`))
	resp, err := fast(Options{}).Get(context.Background(), srv.URL, nil)
	if err != nil || string(resp.Body) != `{"data": [1, 2]}` || n.Load() != 2 {
		t.Fatalf("got %v, body %q after %d requests; want the whole body on the second", err, bodyOf(resp), n.Load())
	}
}

func bodyOf(r *Response) string {
	if r == nil {
		return ""
	}
	return string(r.Body)
}

func TestRetriesTimeouts(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}
	srv, n := server(t, slow, status(200, "ok"))
	resp, err := fast(Options{Timeout: 50 * time.Millisecond}).Get(context.Background(), srv.URL, nil)
	if err != nil || string(resp.Body) != "ok" || n.Load() != 2 {
		t.Fatalf("got %v after %d requests; want ok after a timed-out first attempt", err, n.Load())
	}
}

func TestRefusesLargeBodiesWithoutRetry(t *testing.T) {
	srv, n := server(t, status(200, strings.Repeat("x", 2000)))
	_, err := fast(Options{MaxBodyBytes: 1000}).Get(context.Background(), srv.URL, nil)
	var tl *BodyTooLargeError
	if !errors.As(err, &tl) || tl.Limit != 1000 || n.Load() != 1 {
		t.Fatalf("got %v after %d requests; want BodyTooLargeError at once", err, n.Load())
	}
}

func TestGzipAndUserAgent(t *testing.T) {
	var ua, ae atomic.Value
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.Header.Get("User-Agent"))
		ae.Store(r.Header.Get("Accept-Encoding"))
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		fmt.Fprint(zw, `{"verdi": "4,5"}`)
		zw.Close()
	})
	resp, err := fast(Options{}).Get(context.Background(), srv.URL, nil)
	if err != nil || string(resp.Body) != `{"verdi": "4,5"}` {
		t.Fatalf("got %v, %q; want the decompressed body", err, bodyOf(resp))
	}
	if got := ua.Load().(string); got != "skolestat/1.2.3 (+"+Contact+")" {
		t.Errorf("User-Agent %q", got)
	}
	if got := ae.Load().(string); !strings.Contains(got, "gzip") {
		t.Errorf("Accept-Encoding %q does not offer gzip", got)
	}
}

func TestConditionalRequests(t *testing.T) {
	const etag = `"v42"`
	const lastMod = "Sun, 22 Nov 2026 03:00:00 GMT"
	var seen atomic.Value
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("If-None-Match") + "|" + r.Header.Get("If-Modified-Since"))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		fmt.Fprint(w, "table")
	})
	c := fast(Options{})
	first, err := c.Get(context.Background(), srv.URL, nil)
	if err != nil || first.NotModified || string(first.Body) != "table" {
		t.Fatalf("first: %v %+v", err, first)
	}
	v := first.Validators()
	second, err := c.Get(context.Background(), srv.URL, &v)
	if err != nil || !second.NotModified || second.Body != nil {
		t.Fatalf("second: %v %+v; want NotModified", err, second)
	}
	if got := seen.Load().(string); got != etag+"|"+lastMod {
		t.Errorf("conditional headers sent: %q", got)
	}
}

// TestRateLimitPerHost: five requests at 20 a second, spread evenly, take
// at least 4 intervals of 50 ms; another host is not held back.
func TestRateLimitPerHost(t *testing.T) {
	srv, _ := server(t, status(200, "ok"))
	other, _ := server(t, status(200, "ok"))
	host := strings.TrimPrefix(srv.URL, "http://")
	c := fast(Options{Rates: map[string]Rate{host: {Requests: 20, Per: time.Second}}})
	start := time.Now()
	for range 5 {
		if _, err := c.Get(context.Background(), srv.URL, nil); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < 190*time.Millisecond {
		t.Errorf("5 requests at 20/s took %s; want at least 200ms less the first slot", el)
	}
	if _, err := c.Get(context.Background(), other.URL, nil); err != nil {
		t.Fatal(err)
	}
}

func TestRetriesCountAgainstTheRate(t *testing.T) {
	srv, n := server(t, status(500, ""), status(500, ""), status(200, "ok"))
	host := strings.TrimPrefix(srv.URL, "http://")
	c := fast(Options{Rates: map[string]Rate{host: {Requests: 10, Per: time.Second}}})
	start := time.Now()
	if _, err := c.Get(context.Background(), srv.URL, nil); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); n.Load() != 3 || el < 190*time.Millisecond {
		t.Errorf("%d attempts in %s; want 3 attempts spaced 100ms by the rate", n.Load(), el)
	}
}

func TestContextEndsRetries(t *testing.T) {
	srv, n := server(t, status(503, ""))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	c := fast(Options{Attempts: 1000, MinBackoff: 20 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	_, err := c.Get(ctx, srv.URL, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v; want the context's deadline", err)
	}
	if n.Load() > 20 {
		t.Errorf("%d requests in 100ms; retries did not stop", n.Load())
	}
}

func TestConnectionRefusedIsRetriedThenReported(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := fast(Options{Attempts: 2}).Get(context.Background(), url+"/nsr", nil)
	if err == nil || !strings.Contains(err.Error(), "after 2 attempts") || !strings.Contains(err.Error(), "/nsr") {
		t.Fatalf("got %v; want a failure after 2 attempts naming the URL", err)
	}
}

// TestRecorder: a client WithRecorder hands every final response to the
// recorder (retried attempts are not responses), and shares the rate
// limits of the client it came from.
func TestRecorder(t *testing.T) {
	srv, _ := server(t, status(500, ""), status(200, "one"), status(404, "none"))
	host := strings.TrimPrefix(srv.URL, "http://")
	base := fast(Options{Rates: map[string]Rate{host: {Requests: 10, Per: time.Second}}})
	var got []string
	c := base.WithRecorder(func(r *Response) { got = append(got, fmt.Sprintf("%d %s %s", r.Status, r.URL, r.Body)) })
	start := time.Now()
	c.Get(context.Background(), srv.URL+"/a", nil)
	c.Get(context.Background(), srv.URL+"/b", nil)
	base.Get(context.Background(), srv.URL+"/c", nil) // not recorded
	want := []string{"200 " + srv.URL + "/a one", "404 " + srv.URL + "/b none"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("recorded %q, want %q", got, want)
	}
	if el := time.Since(start); el < 290*time.Millisecond {
		t.Errorf("4 requests in %s: the recorder's client does not share the 10/s limit", el)
	}
}
