// Package emulator serves emulated versions of the public APIs skolestat
// reads (udir, NSR, SSB) over a simulated nation, with their formats and
// quirks, and with injectable faults. `skolestat sim serve` and `skolestat
// demo` run it on loopback; connector tests run it in-process through
// httptest. It only reads the folder `skolestat sim generate` wrote.
//
// Each API is mounted under its own prefix, so one address serves all:
//
//	/nsr/v4/...        NSR v4 (real base: https://data-nsr.udir.no)
//	/klass/...         SSB's classifications (real base: https://data.ssb.no/api/klass/v1)
//	/udir/rest/v1/...  udir's report API (real base: https://statistikkportalen.udir.no/api/rapportering)
//	/eksport/api/rest/v2/Eksport/...  udir's Eksport API (real base: https://api.statistikkbanken.udir.no/api/rest/v2/Eksport)
//	/ssb/tables/...    SSB PxWebApi v2 (real base: https://data.ssb.no/api/pxwebapi/v2)
//
// A connector's base URL is the emulator's address plus the path Sources
// gives; Params turns them into the pipelines' parameters.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
)

// Prefixes of the emulated APIs, to be joined to the emulator's address.
const (
	NSRPrefix  = "/nsr"
	UdirPrefix = "/udir"
)

// Source is an emulated API as the built-in pipelines know it.
type Source struct {
	Param string // the pipeline parameter holding its base URL
	Name  string // for people
	Path  string // joined to the emulator's address: the base URL
}

// Sources are the emulated APIs, one per base-URL parameter of
// pipelines/nightly.yaml and sources.yaml.
func Sources() []Source {
	return []Source{
		{"nsr", "NSR", NSRPrefix},
		{"klass", "KLASS", KLASSPrefix},
		{"udir", "udir report API", UdirPrefix},
		{"udir_eksport", "udir Eksport API", EksportPrefix + "/api/rest/v2/Eksport"},
		{"ssb", "SSB PxWebApi", SSBPrefix},
	}
}

// Params are the pipeline parameters that point every public source at an
// emulator served at base (e.g. http://127.0.0.1:8089), as name=URL, the
// form of `skolestat run --set`.
func Params(base string) []string {
	var out []string
	for _, s := range Sources() {
		out = append(out, s.Param+"="+base+s.Path)
	}
	return out
}

// api is one emulated API. Each API's file registers itself from init, so
// that adding an API touches no other file.
type api struct {
	name   string
	prefix string
	// mount builds what the API serves from the nation (and, if it needs
	// them, the pupil-level files of n.Dir) and adds its routes under
	// prefix.
	mount func(ctx context.Context, n *simNation, opt Options, mux *http.ServeMux, prefix string) error
}

var apis []api

func register(a api) { apis = append(apis, a) }

// Options say what to serve.
type Options struct {
	// Data is a folder written by `skolestat sim generate`.
	Data string
	// Faults are injected into every answer.
	Faults Faults
	// Drift switches the APIs to changed field names, as if they had
	// changed under us.
	Drift bool
	// RateLimits enforces the request limits the real APIs document (SSB:
	// 30 requests a minute per client, then 429 with Retry-After). Off by
	// default, so that the demo and tests that run many pulls in a minute
	// are not held up by design.
	RateLimits bool
	// Preload starts reading, in the background, what an API otherwise
	// reads on its first request (the Eksport API's survey, seconds at
	// Norway's size), so that a served emulator answers that request
	// sooner; Server.Preloaded waits for it. Tests leave it off: those of
	// other APIs need not pay for it.
	Preload bool

	preloads *sync.WaitGroup // set by New
}

// preload runs fn in the background when o.Preload is set; an API's mount
// calls it for what it would otherwise read on its first request.
func (o Options) preload(fn func()) {
	if o.Preload && o.preloads != nil {
		o.preloads.Go(fn)
	}
}

// Server is the emulator: an http.Handler over the simulated nation.
type Server struct {
	handler  http.Handler
	faults   *faulty
	preloads sync.WaitGroup
}

// Preloaded waits until what Options.Preload started is read (at once
// without it). A benchmark that times requests, not the emulator, calls
// it first.
func (s *Server) Preloaded() { s.preloads.Wait() }

// New loads the simulated nation of opt.Data and returns the emulator.
func New(ctx context.Context, opt Options) (*Server, error) {
	if err := opt.Faults.Validate(); err != nil {
		return nil, err
	}
	n, err := loadNation(ctx, opt.Data)
	if err != nil {
		return nil, err
	}
	s := &Server{}
	opt.preloads = &s.preloads
	// The APIs are built at the same time: each reads what it needs of the
	// nation's files (seconds at Norway's size) into data of its own; only
	// the mux, which is safe for concurrent use, is shared.
	mux := http.NewServeMux()
	errs := make([]error, len(apis))
	var wg sync.WaitGroup
	for i, a := range apis {
		wg.Go(func() {
			if err := a.mount(ctx, n, opt, mux, a.prefix); err != nil {
				errs[i] = fmt.Errorf("emulating %s: %w", a.name, err)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s.faults = newFaulty(mux, opt.Faults)
	s.handler = s.faults
	return s, nil
}

// ServeHTTP serves the emulated APIs.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// FaultCounts says how many requests got each fault so far ("none" for the
// clean ones).
func (s *Server) FaultCounts() map[string]int { return s.faults.Counts() }
