package emulator

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Faults are the failures the emulator injects, so that tests can show
// that the client and the connectors survive what the real APIs do. Each
// request draws once: with probability Failure it gets 500, 502 or 503,
// with probability RateLimit 429 with Retry-After, with probability
// Truncate its body is cut short (Content-Length promises the whole body,
// the connection closes half way). Latency delays every answer. The draws
// come from one seeded stream in arrival order, so a sequential client
// meets the same faults in the same places on every run.
type Faults struct {
	Failure    float64
	RateLimit  float64
	RetryAfter time.Duration // sent with 429 (whole seconds; default 1 s)
	Truncate   float64
	Latency    time.Duration
	Seed       uint64
}

// Active reports whether any fault is set.
func (f Faults) Active() bool {
	return f.Failure > 0 || f.RateLimit > 0 || f.Truncate > 0 || f.Latency > 0
}

// Validate checks that the rates are probabilities that leave room for a
// successful answer.
func (f Faults) Validate() error {
	for _, r := range []struct {
		name string
		v    float64
	}{{"failure", f.Failure}, {"rate-limit", f.RateLimit}, {"truncate", f.Truncate}} {
		if r.v < 0 || r.v >= 1 {
			return fmt.Errorf("fault rate %s=%g: want 0 <= rate < 1", r.name, r.v)
		}
	}
	if sum := f.Failure + f.RateLimit + f.Truncate; sum >= 1 {
		return fmt.Errorf("fault rates add up to %g: want less than 1, or nothing would ever succeed", sum)
	}
	if f.Latency < 0 || f.RetryAfter < 0 {
		return fmt.Errorf("fault latency and retry-after must not be negative")
	}
	return nil
}

// faulty wraps h with the faults. Counts of what it injected are kept for
// tests and the serve command's summary.
type faulty struct {
	h      http.Handler
	f      Faults
	mu     sync.Mutex
	rng    *rand.Rand
	counts map[string]int
}

func newFaulty(h http.Handler, f Faults) *faulty {
	if f.RetryAfter <= 0 {
		f.RetryAfter = time.Second
	}
	return &faulty{h: h, f: f, rng: rand.New(rand.NewPCG(f.Seed, 0x5eed)), counts: map[string]int{}}
}

func (fy *faulty) draw() string {
	fy.mu.Lock()
	defer fy.mu.Unlock()
	x := fy.rng.Float64()
	kind := "none"
	switch {
	case x < fy.f.Failure:
		kind = []string{"500", "502", "503"}[fy.rng.IntN(3)]
	case x < fy.f.Failure+fy.f.RateLimit:
		kind = "429"
	case x < fy.f.Failure+fy.f.RateLimit+fy.f.Truncate:
		kind = "truncate"
	}
	fy.counts[kind]++
	return kind
}

// Counts returns how many requests got each fault ("none" for clean ones).
func (fy *faulty) Counts() map[string]int {
	fy.mu.Lock()
	defer fy.mu.Unlock()
	out := make(map[string]int, len(fy.counts))
	for k, v := range fy.counts {
		out[k] = v
	}
	return out
}

func (fy *faulty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if fy.f.Latency > 0 {
		select {
		case <-time.After(fy.f.Latency):
		case <-r.Context().Done():
			return
		}
	}
	switch kind := fy.draw(); kind {
	case "500", "502", "503":
		code, _ := strconv.Atoi(kind)
		http.Error(w, http.StatusText(code), code)
	case "429":
		w.Header().Set("Retry-After", strconv.Itoa(int((fy.f.RetryAfter+time.Second-1)/time.Second)))
		http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
	case "truncate":
		rec := &recorder{header: http.Header{}, code: http.StatusOK}
		fy.h.ServeHTTP(rec, r)
		cut(w, rec)
	default:
		fy.h.ServeHTTP(w, r)
	}
}

// recorder keeps a handler's answer so that cut can send part of it.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }

// cut sends the recorded answer with a Content-Length for all of it, then
// half the body, then closes the connection.
func cut(w http.ResponseWriter, rec *recorder) {
	hj, ok := w.(http.Hijacker)
	if !ok || rec.body.Len() < 2 {
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.code)
		w.Write(rec.body.Bytes())
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", rec.code, http.StatusText(rec.code))
	rec.header.Set("Content-Length", strconv.Itoa(rec.body.Len()))
	rec.header.Set("Connection", "close")
	rec.header.Write(buf)
	buf.WriteString("\r\n")
	buf.Write(rec.body.Bytes()[:rec.body.Len()/2])
	buf.Flush()
}
