// Package nsr is the connector for the national school register (NSR v4,
// https://data-nsr.udir.no; shared/docs/sources.md §3): the grunnskoler of
// Norway with their municipality, owner type (public or private) and the
// grades they teach.
//
// It reads the paged unit list (/v4/enheter), checks that the pages held
// exactly TotaltAntallEnheter distinct units, keeps the grunnskoler, and
// reads each one's detail (/v4/enhet/{orgnr}) for owner type and grades.
// Every request goes through the run's shared HTTP client.
//
// Incremental: the checkpoint holds a hash of the list pages and, per
// school, the DatoEndret its detail was read at. The next read reports the
// stream unchanged when the pages are the same, and otherwise reads again
// only the details of schools whose DatoEndret moved: a night costs one
// request per list page plus the changed schools, not one per school. A
// response that
// is not the shape v4 documents (a missing field, a wrong type, another
// total) fails the read with a *connectors.PayloadError naming the
// endpoint and the field, and carrying the payload.
package nsr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/internal/httpclient"
)

// DefaultBaseURL is the real NSR.
const DefaultBaseURL = "https://data-nsr.udir.no"

// Config is the `with:` block of an nsr extract step.
type Config struct {
	BaseURL  string `yaml:"base_url"`  // default DefaultBaseURL; the emulator's address + /nsr in tests and the demo
	PageSize int    `yaml:"page_size"` // units per page of the list (default 1000)
	Details  bool   `yaml:"details"`   // read each school's detail (owner type, grades); default true
}

func init() {
	connectors.Default.Register("nsr", connectors.Factory{
		Doc: "The national school register (NSR v4): grunnskoler, municipality, owner type, grades",
		New: func() any { return &Config{BaseURL: DefaultBaseURL, PageSize: 1000, Details: true} },
		Build: connectors.Build("nsr", func(cfg Config, env connectors.Env) (*Source, error) {
			src, err := New(cfg, env.HTTP)
			if err == nil {
				src.log = env.Log()
			}
			return src, err
		}),
	})
}

// Stream is the one stream: raw.nsr_schools.
const Stream = "nsr_schools"

// Schema is the schema of the records Read yields.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "school_orgnr", Type: arrow.BinaryTypes.String},
	{Name: "name", Type: arrow.BinaryTypes.String},
	{Name: "municipality_code", Type: arrow.BinaryTypes.String},
	{Name: "active", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "private", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "grade_from", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "grade_to", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "date_changed", Type: arrow.BinaryTypes.String},
}, nil)

// Source reads NSR. It implements connectors.Source.
type Source struct {
	cfg  Config
	http *httpclient.Client
	log  *slog.Logger
}

// New checks cfg and returns a Source fetching through client.
func New(cfg Config, client *httpclient.Client) (*Source, error) {
	if client == nil {
		return nil, errors.New("nsr: no HTTP client")
	}
	base, err := connectors.BaseURL("nsr", cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	cfg.BaseURL = base
	if cfg.PageSize <= 0 || cfg.PageSize > 5000 {
		return nil, fmt.Errorf("nsr: page_size %d: want 1..5000", cfg.PageSize)
	}
	return &Source{cfg: cfg, http: client, log: slog.New(slog.DiscardHandler)}, nil
}

// Streams lists the one stream.
func (s *Source) Streams(context.Context) ([]connectors.Stream, error) {
	return []connectors.Stream{{Name: Stream, Description: "Grunnskoler in the national school register", Schema: Schema}}, nil
}

var _ connectors.Checker = (*Source)(nil)

// Check asks for the first unit of the list and checks its v4 fields.
func (s *Source) Check(ctx context.Context) (string, error) {
	endpoint := s.cfg.BaseURL + "/v4/enheter?sidenummer=1&antallperside=1"
	resp, err := s.http.Get(ctx, endpoint, nil)
	if err != nil {
		return endpoint, err
	}
	var body struct {
		TotaltAntallEnheter *int
		EnhetListe          []json.RawMessage
	}
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		return endpoint, payloadErr(endpoint, "", err, resp.Body)
	}
	if body.TotaltAntallEnheter == nil || len(body.EnhetListe) == 0 {
		return endpoint, payloadErr(endpoint, "TotaltAntallEnheter", errors.New("missing, or no unit in the list"), resp.Body)
	}
	if _, ferr := decodeItem(body.EnhetListe[0]); ferr != nil {
		return endpoint, payloadErr(endpoint, "EnhetListe[0]."+ferr.field, ferr.err, resp.Body)
	}
	return endpoint, nil
}

// unit is a list item, with the detail when read.
type unit struct {
	Orgnr, Name, Municipality, Changed string
	Active, School, Primary            bool
	Private                            *bool
	GradeFrom, GradeTo                 *int32
}

// checkpoint is what a read leaves for the next one: a hash of the list
// pages, and per school the DatoEndret its detail was read at, with what
// the detail said.
type checkpoint struct {
	Version  int                    `json:"version"`
	ListHash string                 `json:"list_sha256"`
	Details  bool                   `json:"details"`
	Units    map[string]savedDetail `json:"units"`
}

type savedDetail struct {
	Changed   string `json:"changed"`
	Private   *bool  `json:"private,omitempty"`
	GradeFrom *int32 `json:"grade_from,omitempty"`
	GradeTo   *int32 `json:"grade_to,omitempty"`
}

const checkpointVersion = 1

// Read fetches the register. From a checkpoint of an earlier read: when
// the list pages are byte for byte what they were, the stream is unchanged
// (no record, Unchanged true); otherwise a school's detail is read again
// only when its DatoEndret differs from the one its saved detail was read
// at. A checkpoint it cannot use (another version, corrupt) means a full
// read.
func (s *Source) Read(ctx context.Context, stream string, from connectors.Checkpoint) (connectors.Batches, error) {
	if stream != Stream {
		return nil, fmt.Errorf("nsr: no stream %q", stream)
	}
	var prev *checkpoint
	if len(from) > 0 {
		var cp checkpoint
		if err := json.Unmarshal(from, &cp); err == nil && cp.Version == checkpointVersion {
			prev = &cp
		} else {
			s.log.Warn("nsr: ignoring a checkpoint of another version; reading everything", "err", err)
		}
	}
	units, listHash, err := s.list(ctx)
	if err != nil {
		return nil, err
	}
	if prev != nil && prev.ListHash == listHash && prev.Details == s.cfg.Details {
		return connectors.NothingChanged(Schema, from), nil
	}
	next := checkpoint{Version: checkpointVersion, ListHash: listHash, Details: s.cfg.Details, Units: map[string]savedDetail{}}
	fetched, reused := 0, 0
	var stale []*unit // schools whose detail must be read
	for i := range units {
		u := &units[i]
		if !s.cfg.Details {
			continue
		}
		if old, ok := prev.unit(u.Orgnr); ok && old.Changed == u.Changed && prev.Details {
			u.Private, u.GradeFrom, u.GradeTo = old.Private, old.GradeFrom, old.GradeTo
			reused++
		} else {
			stale = append(stale, u)
		}
	}
	if err := s.details(ctx, stale); err != nil {
		return nil, err
	}
	fetched = len(stale)
	for i := range units {
		u := &units[i]
		next.Units[u.Orgnr] = savedDetail{Changed: u.Changed, Private: u.Private, GradeFrom: u.GradeFrom, GradeTo: u.GradeTo}
	}
	s.log.Info("nsr: register read", "schools", len(units), "details_fetched", fetched, "details_unchanged", reused)
	cp, err := json.Marshal(next)
	if err != nil {
		return nil, fmt.Errorf("nsr: saving the checkpoint: %w", err)
	}
	return newBatches(units, cp)
}

func (cp *checkpoint) unit(orgnr string) (savedDetail, bool) {
	if cp == nil {
		return savedDetail{}, false
	}
	d, ok := cp.Units[orgnr]
	return d, ok
}

// list pages through /v4/enheter and returns the grunnskoler by orgnr, and
// the SHA-256 of the pages' bodies.
func (s *Source) list(ctx context.Context) ([]unit, string, error) {
	seen := map[string]unit{}
	hash := sha256.New()
	total, pages := -1, 1
	for page := 1; page <= pages; page++ {
		endpoint := fmt.Sprintf("%s/v4/enheter?sidenummer=%d&antallperside=%d", s.cfg.BaseURL, page, s.cfg.PageSize)
		resp, err := s.http.Get(ctx, endpoint, nil)
		if err != nil {
			return nil, "", fmt.Errorf("nsr: reading the unit list: %w", err)
		}
		hash.Write(resp.Body)
		var body struct {
			Sidenummer          *int
			AntallSider         *int
			TotaltAntallEnheter *int
			EnhetListe          []json.RawMessage
		}
		if err := json.Unmarshal(resp.Body, &body); err != nil {
			return nil, "", payloadErr(endpoint, "", err, resp.Body)
		}
		for _, f := range []struct {
			name string
			v    *int
		}{{"Sidenummer", body.Sidenummer}, {"AntallSider", body.AntallSider}, {"TotaltAntallEnheter", body.TotaltAntallEnheter}} {
			if f.v == nil {
				return nil, "", payloadErr(endpoint, f.name, errors.New("missing"), resp.Body)
			}
		}
		if *body.Sidenummer != page {
			return nil, "", payloadErr(endpoint, "Sidenummer", fmt.Errorf("page %d answered for page %d", *body.Sidenummer, page), resp.Body)
		}
		if total >= 0 && *body.TotaltAntallEnheter != total {
			return nil, "", payloadErr(endpoint, "TotaltAntallEnheter", fmt.Errorf("changed from %d to %d while paging", total, *body.TotaltAntallEnheter), resp.Body)
		}
		total, pages = *body.TotaltAntallEnheter, *body.AntallSider
		for i, raw := range body.EnhetListe {
			u, err := decodeItem(raw)
			if err != nil {
				return nil, "", payloadErr(endpoint, fmt.Sprintf("EnhetListe[%d].%s", i, err.field), err.err, resp.Body)
			}
			seen[u.Orgnr] = u
		}
	}
	if len(seen) != total {
		return nil, "", &connectors.PayloadError{Source: "nsr", Endpoint: s.cfg.BaseURL + "/v4/enheter", Field: "TotaltAntallEnheter",
			Err: fmt.Errorf("the %d pages held %d distinct units, the API says %d", pages, len(seen), total)}
	}
	var out []unit
	for _, u := range seen {
		if u.Primary && u.School {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Orgnr < out[j].Orgnr })
	return out, hex.EncodeToString(hash.Sum(nil)), nil
}

// fieldErr says which field of an item is wrong.
type fieldErr struct {
	field string
	err   error
}

// decodeItem reads a list item, requiring the v4 fields.
func decodeItem(raw json.RawMessage) (unit, *fieldErr) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return unit{}, &fieldErr{"", err}
	}
	var u unit
	for _, f := range []struct {
		name string
		dst  any
	}{
		{"Organisasjonsnummer", &u.Orgnr}, {"Navn", &u.Name}, {"Kommunenummer", &u.Municipality},
		{"ErAktiv", &u.Active}, {"ErSkole", &u.School}, {"ErGrunnskole", &u.Primary}, {"DatoEndret", &u.Changed},
	} {
		v, ok := m[f.name]
		if !ok {
			return unit{}, &fieldErr{f.name, errors.New("missing (has the API changed?)")}
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return unit{}, &fieldErr{f.name, err}
		}
	}
	u.Name = strings.TrimSpace(u.Name)
	if len(u.Orgnr) != 9 || strings.Trim(u.Orgnr, "0123456789") != "" {
		return unit{}, &fieldErr{"Organisasjonsnummer", fmt.Errorf("%q is not nine digits", u.Orgnr)}
	}
	return u, nil
}

// detailWorkers is how many detail requests are in flight at once: a few,
// since a night with every school changed is thousands of requests of
// about a millisecond's work each, mostly waiting. The shared client's
// rate limit for the host, if any, still holds.
const detailWorkers = 4

// details reads the detail of every unit, detailWorkers at a time; the
// first error stops the rest and is returned.
func (s *Source) details(ctx context.Context, units []*unit) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan *unit)
	var wg sync.WaitGroup
	for range detailWorkers {
		wg.Go(func() {
			for u := range next {
				if err := s.detail(ctx, u); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
feed:
	for _, u := range units {
		select {
		case next <- u:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// detail reads /v4/enhet/{orgnr} into u.
func (s *Source) detail(ctx context.Context, u *unit) error {
	endpoint := s.cfg.BaseURL + "/v4/enhet/" + u.Orgnr
	resp, err := s.http.Get(ctx, endpoint, nil)
	if err != nil {
		return fmt.Errorf("nsr: reading school %s: %w", u.Orgnr, err)
	}
	var d struct {
		Organisasjonsnummer *string
		ErPrivatskole       *bool
		SkoletrinnGSFra     *int32
		SkoletrinnGSTil     *int32
	}
	if err := json.Unmarshal(resp.Body, &d); err != nil {
		return payloadErr(endpoint, "", err, resp.Body)
	}
	if d.Organisasjonsnummer == nil || *d.Organisasjonsnummer != u.Orgnr {
		return payloadErr(endpoint, "Organisasjonsnummer", errors.New("missing or not the school asked for"), resp.Body)
	}
	if d.ErPrivatskole == nil {
		return payloadErr(endpoint, "ErPrivatskole", errors.New("missing"), resp.Body)
	}
	u.Private, u.GradeFrom, u.GradeTo = d.ErPrivatskole, d.SkoletrinnGSFra, d.SkoletrinnGSTil
	return nil
}

func payloadErr(endpoint, field string, err error, payload []byte) error {
	return &connectors.PayloadError{Source: "nsr", Endpoint: endpoint, Field: field, Err: err, Payload: payload}
}

// newBatches puts the units into one record.
func newBatches(units []unit, cp connectors.Checkpoint) (connectors.Batches, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, Schema)
	defer b.Release()
	for _, u := range units {
		b.Field(0).(*array.StringBuilder).Append(u.Orgnr)
		b.Field(1).(*array.StringBuilder).Append(u.Name)
		b.Field(2).(*array.StringBuilder).Append(u.Municipality)
		b.Field(3).(*array.BooleanBuilder).Append(u.Active)
		appendBool(b.Field(4).(*array.BooleanBuilder), u.Private)
		appendInt(b.Field(5).(*array.Int32Builder), u.GradeFrom)
		appendInt(b.Field(6).(*array.Int32Builder), u.GradeTo)
		b.Field(7).(*array.StringBuilder).Append(u.Changed)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	return connectors.Records(Schema, []arrow.RecordBatch{rec}, cp)
}

func appendBool(b *array.BooleanBuilder, v *bool) {
	if v == nil {
		b.AppendNull()
	} else {
		b.Append(*v)
	}
}

func appendInt(b *array.Int32Builder, v *int32) {
	if v == nil {
		b.AppendNull()
	} else {
		b.Append(*v)
	}
}
