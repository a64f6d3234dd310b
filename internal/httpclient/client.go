// Package httpclient is the one HTTP client of skolestat: every connector
// that reads a public API fetches through a Client, and no connector
// retries, sleeps or limits its rate on its own.
//
// A Client, built on go-retryablehttp:
//
//   - retries connection errors, timeouts, truncated bodies, 429 and 5xx
//     (not 501), and never any other 4xx;
//   - waits between attempts with exponential backoff and full jitter, or
//     for as long as Retry-After says (seconds or an HTTP date), but never
//     longer than Options.MaxRetryAfter;
//   - limits the rate of requests per host (Options.Rates; SSB allows 30
//     requests a minute), counting every attempt;
//   - gives each attempt a timeout, reads the whole body inside the attempt
//     (so a body cut short is retried like a failed connection), accepts
//     gzip, and refuses a body over Options.MaxBodyBytes (after
//     decompression) without retrying;
//   - names skolestat and its version in User-Agent;
//   - sends If-None-Match / If-Modified-Since when the caller has the
//     validators of an earlier response, and reports 304 as NotModified.
//
// Callers create one Client per run and share it; it is safe for concurrent
// use. Get and Do block until a final response or error, or until ctx ends.
package httpclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"
)

// Options configure a Client. The zero value of a field means its default.
type Options struct {
	// Version goes into User-Agent: "skolestat/<Version> (+<contact>)".
	Version string
	// Timeout bounds one attempt, body included (default 60 s).
	Timeout time.Duration
	// Attempts is the most attempts of one request (default 5).
	Attempts int
	// MinBackoff and MaxBackoff bound the exponential backoff (defaults
	// 500 ms and 30 s).
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps a server's Retry-After (default 2 min).
	MaxRetryAfter time.Duration
	// MaxBodyBytes is the largest body accepted, after decompression
	// (default 256 MiB).
	MaxBodyBytes int64
	// Rates limit requests per host (the URL's host, port included).
	// Hosts not listed are not limited.
	Rates map[string]Rate
	// Logger receives a debug line per attempt and a warning per retry.
	Logger *slog.Logger
}

// Rate is a request budget: at most Requests per Per, spread evenly (no
// bursts, so that a server counting over any window of Per is never
// exceeded).
type Rate struct {
	Requests int
	Per      time.Duration
}

// Contact is the address in User-Agent, where an API owner can find us.
const Contact = "https://github.com/skolestat/skolestat"

// Client fetches with retries, rate limits and size limits. See the package
// documentation for what it does.
type Client struct {
	*core
	record Recorder
}

// core is what every Client made from one New shares: settings, the
// retrying client, the connection pool and the rate limiters.
type core struct {
	opt       Options
	rc        *retryablehttp.Client
	userAgent string
	mu        sync.Mutex
	limiters  map[string]*rate.Limiter
}

// Recorder receives every final response (any status, 304 included) of a
// Client made by WithRecorder, in the calling goroutine, before Get or Do
// returns.
type Recorder func(*Response)

// WithRecorder returns a Client sharing c's settings, connections and rate
// limits that also hands each final response to rec. The runner gives each
// extract step its own, to land the step's responses.
func (c *Client) WithRecorder(rec Recorder) *Client {
	return &Client{core: c.core, record: rec}
}

// New returns a Client with opt's settings.
func New(opt Options) *Client {
	if opt.Version == "" {
		opt.Version = "dev"
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 60 * time.Second
	}
	if opt.Attempts <= 0 {
		opt.Attempts = 5
	}
	if opt.MinBackoff <= 0 {
		opt.MinBackoff = 500 * time.Millisecond
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 30 * time.Second
	}
	if opt.MaxRetryAfter <= 0 {
		opt.MaxRetryAfter = 2 * time.Minute
	}
	if opt.MaxBodyBytes <= 0 {
		opt.MaxBodyBytes = 256 << 20
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{core: &core{
		opt:       opt,
		userAgent: fmt.Sprintf("skolestat/%s (+%s)", opt.Version, Contact),
		limiters:  map[string]*rate.Limiter{},
	}}
	base := http.DefaultTransport.(*http.Transport).Clone()
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &http.Client{
		Timeout:   opt.Timeout,
		Transport: &bodyTransport{next: base, limit: opt.MaxBodyBytes, wait: c.wait},
	}
	rc.RetryMax = opt.Attempts - 1
	rc.RetryWaitMin, rc.RetryWaitMax = opt.MinBackoff, opt.MaxBackoff
	rc.Backoff = func(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
		return Backoff(min, max, opt.MaxRetryAfter, attempt, resp, time.Now(), rand.Float64())
	}
	rc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		var tooLarge *BodyTooLargeError
		if errors.As(err, &tooLarge) {
			return false, err
		}
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	// Hand back the last response or error as it is; Do words the error.
	rc.ErrorHandler = func(resp *http.Response, err error, _ int) (*http.Response, error) { return resp, err }
	rc.Logger = nil
	rc.RequestLogHook = func(_ retryablehttp.Logger, req *http.Request, attempt int) {
		if attempt > 0 {
			opt.Logger.Warn("retrying request", "url", req.URL.Redacted(), "attempt", attempt+1)
		} else {
			opt.Logger.Debug("request", "method", req.Method, "url", req.URL.Redacted())
		}
	}
	c.rc = rc
	return c
}

// Validators are what an earlier response said about its version, for a
// conditional request.
type Validators struct {
	ETag         string
	LastModified string
}

// Response is a final response with its whole body.
type Response struct {
	Method      string
	URL         string
	Status      int
	Header      http.Header
	Body        []byte // nil when NotModified
	NotModified bool   // 304: the caller's validators still hold
	FetchedAt   time.Time
}

// Validators returns the response's ETag and Last-Modified.
func (r *Response) Validators() Validators {
	return Validators{ETag: r.Header.Get("ETag"), LastModified: r.Header.Get("Last-Modified")}
}

// StatusError is a final response that is neither 2xx nor 304: a 4xx at
// once, or a 429/5xx after the last attempt.
type StatusError struct {
	Method, URL string
	Status      int
	Body        string // the start of the body, for the message
	Attempts    int
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s %s: HTTP %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Get fetches url. With validators (from an earlier Response) the request
// is conditional.
func (c *Client) Get(ctx context.Context, url string, v *Validators) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("building request for %s: %w", url, err)
	}
	if v != nil {
		if v.ETag != "" {
			req.Header.Set("If-None-Match", v.ETag)
		}
		if v.LastModified != "" {
			req.Header.Set("If-Modified-Since", v.LastModified)
		}
	}
	return c.Do(req)
}

// Do sends req (its body, if any, must be re-readable: GetBody set, as
// http.NewRequest does for bytes and strings) with retries.
func (c *Client) Do(req *http.Request) (*Response, error) {
	req.Header.Set("User-Agent", c.userAgent)
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json, */*;q=0.5")
	}
	rreq, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Redacted(), err)
	}
	attempts := 0
	rreq.Request = rreq.Request.WithContext(context.WithValue(req.Context(), attemptsKey{}, &attempts))
	resp, err := c.rc.Do(rreq)
	where := req.Method + " " + req.URL.Redacted()
	if resp == nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s: %w", where, ctxErr)
		}
		if attempts > 1 {
			return nil, fmt.Errorf("%s: failed after %d attempts: %w", where, attempts, err)
		}
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body) // already in memory (bodyTransport)
	out := &Response{Method: req.Method, URL: req.URL.String(), Status: resp.StatusCode, Header: resp.Header, FetchedAt: time.Now().UTC()}
	if resp.StatusCode != http.StatusNotModified {
		out.Body = body
	}
	if c.record != nil {
		c.record(out)
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		return out, nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return out, nil
	}
	return out, &StatusError{Method: req.Method, URL: req.URL.Redacted(), Status: resp.StatusCode, Body: snippet(body), Attempts: attempts}
}

type attemptsKey struct{}

// snippet is the start of a body, on one line, for an error message.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// wait blocks until the host's rate allows one more request.
func (c *Client) wait(req *http.Request) error {
	if p, ok := req.Context().Value(attemptsKey{}).(*int); ok {
		*p++
	}
	r, ok := c.opt.Rates[req.URL.Host]
	if !ok || r.Requests <= 0 || r.Per <= 0 {
		return nil
	}
	c.mu.Lock()
	l, ok := c.limiters[req.URL.Host]
	if !ok {
		l = rate.NewLimiter(rate.Every(r.Per/time.Duration(r.Requests)), 1)
		c.limiters[req.URL.Host] = l
	}
	c.mu.Unlock()
	return l.Wait(req.Context())
}

// Backoff is the wait before retry number attempt+1 (attempt counts from
// 0): the server's Retry-After on a 429 or 503, capped at maxRetryAfter;
// otherwise full jitter over exponential backoff, jitter*min(max, min*2^attempt),
// but at least min/2. now and jitter (in [0,1)) are arguments so that the
// function is pure.
func Backoff(min, max, maxRetryAfter time.Duration, attempt int, resp *http.Response, now time.Time, jitter float64) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), now); ok {
			return clamp(d, 0, maxRetryAfter)
		}
	}
	ceiling := max
	if attempt < 62 {
		if d := min << attempt; d > 0 && d < max {
			ceiling = d
		}
	}
	return clamp(time.Duration(jitter*float64(ceiling)), min/2, ceiling)
}

// retryAfter parses Retry-After: delay-seconds or an HTTP date.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(h, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		if s > int64(24*time.Hour/time.Second) {
			s = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(s) * time.Second, true
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

func clamp(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
}

// BodyTooLargeError is a body over Options.MaxBodyBytes. It is not retried.
type BodyTooLargeError struct {
	URL   string
	Limit int64
}

func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("response body of %s is larger than the limit of %d bytes", e.URL, e.Limit)
}

// bodyTransport waits for the rate limiter, then makes the round trip and
// reads the whole body within it, so that a truncated body or a read
// timeout is an error of the attempt (and retried), and a body over the
// limit is refused.
type bodyTransport struct {
	next  http.RoundTripper
	limit int64
	wait  func(*http.Request) error
}

func (t *bodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.wait(req); err != nil {
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, t.limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	if int64(len(body)) > t.limit {
		return nil, &BodyTooLargeError{URL: req.URL.Redacted(), Limit: t.limit}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}
