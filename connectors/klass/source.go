package klass

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/internal/httpclient"
)

// DefaultBaseURL is the real KLASS API.
const DefaultBaseURL = "https://data.ssb.no/api/klass/v1"

// Config is the `with:` block of a klass extract step.
type Config struct {
	BaseURL        string `yaml:"base_url"`       // default DefaultBaseURL; the emulator's address + /klass offline
	Classification int    `yaml:"classification"` // 131 municipalities (default)
	From           string `yaml:"from"`           // first date of interest, YYYY-MM-DD (default 2014-01-01)
}

func init() {
	connectors.Default.Register("klass", connectors.Factory{
		Doc: "SSB's classification service (KLASS): municipality codes by version, changes, crosswalk to the newest",
		New: func() any { return &Config{BaseURL: DefaultBaseURL, Classification: 131, From: "2014-01-01"} },
		Build: connectors.Build("klass", func(cfg Config, env connectors.Env) (*Source, error) {
			return New(cfg, env.HTTP)
		}),
	})
}

// Streams of the source.
const (
	StreamCodes     = "klass_codes"
	StreamCrosswalk = "klass_crosswalk"
)

var (
	codesSchema = arrow.NewSchema([]arrow.Field{
		{Name: "classification", Type: arrow.PrimitiveTypes.Int32},
		{Name: "version_id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "version_name", Type: arrow.BinaryTypes.String},
		{Name: "valid_from", Type: arrow.FixedWidthTypes.Date32},
		{Name: "valid_to", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "code", Type: arrow.BinaryTypes.String},
		{Name: "name", Type: arrow.BinaryTypes.String},
	}, nil)
	crosswalkSchema = arrow.NewSchema([]arrow.Field{
		{Name: "classification", Type: arrow.PrimitiveTypes.Int32},
		{Name: "from_version_id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "from_code", Type: arrow.BinaryTypes.String},
		{Name: "to_version_id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "to_code", Type: arrow.BinaryTypes.String},
		{Name: "kind", Type: arrow.BinaryTypes.String},
	}, nil)
)

// Source reads one classification. It implements connectors.Source.
type Source struct {
	cfg  Config
	from time.Time
	http *httpclient.Client
	snap *snapshot // what the first Read fetched; both streams are made from it
}

// New checks cfg and returns a Source fetching through client.
func New(cfg Config, client *httpclient.Client) (*Source, error) {
	if client == nil {
		return nil, errors.New("klass: no HTTP client")
	}
	base, err := connectors.BaseURL("klass", cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	cfg.BaseURL = base
	if cfg.Classification <= 0 {
		return nil, fmt.Errorf("klass: classification %d: want a KLASS id such as 131", cfg.Classification)
	}
	from, err := time.Parse(day, cfg.From)
	if err != nil {
		return nil, fmt.Errorf("klass: from %q: want YYYY-MM-DD", cfg.From)
	}
	return &Source{cfg: cfg, from: from, http: client}, nil
}

// Streams: the codes of every version valid since From, and the crosswalk
// from each of them to the newest version.
func (s *Source) Streams(context.Context) ([]connectors.Stream, error) {
	return []connectors.Stream{
		{Name: StreamCodes, Description: "Codes of every version of the classification valid since from", Schema: codesSchema},
		{Name: StreamCrosswalk, Description: "Each version's codes followed to the newest version's", Schema: crosswalkSchema},
	}, nil
}

var _ connectors.Checker = (*Source)(nil)

// Check reads the classification's list of versions.
func (s *Source) Check(ctx context.Context) (string, error) {
	body, endpoint, err := s.get(ctx, fmt.Sprintf("/classifications/%d", s.cfg.Classification))
	if err != nil {
		return endpoint, err
	}
	if _, err := ParseClassification(body); err != nil {
		return endpoint, s.payloadErr(endpoint, body, err)
	}
	return endpoint, nil
}

// snapshot is everything read for one Read.
type snapshot struct {
	versions []Version
	items    map[int][]Item
	changes  []Change
}

func (s *Source) get(ctx context.Context, path string) ([]byte, string, error) {
	endpoint := s.cfg.BaseURL + path
	resp, err := s.http.Get(ctx, endpoint, nil)
	if err != nil {
		return nil, endpoint, fmt.Errorf("klass: %w", err)
	}
	return resp.Body, endpoint, nil
}

func (s *Source) payloadErr(endpoint string, body []byte, err error) error {
	return &connectors.PayloadError{Source: "klass", Endpoint: endpoint, Err: err, Payload: body}
}

func (s *Source) read(ctx context.Context) (*snapshot, error) {
	body, endpoint, err := s.get(ctx, fmt.Sprintf("/classifications/%d", s.cfg.Classification))
	if err != nil {
		return nil, err
	}
	all, err := ParseClassification(body)
	if err != nil {
		return nil, s.payloadErr(endpoint, body, err)
	}
	snap := &snapshot{items: map[int][]Item{}}
	for _, v := range all {
		if v.ValidTo.IsZero() || v.ValidTo.After(s.from) {
			snap.versions = append(snap.versions, v)
		}
	}
	if len(snap.versions) == 0 {
		return nil, s.payloadErr(endpoint, body, fmt.Errorf("no version valid since %s", s.cfg.From))
	}
	for _, v := range snap.versions {
		body, endpoint, err := s.get(ctx, fmt.Sprintf("/versions/%d", v.ID))
		if err != nil {
			return nil, err
		}
		_, items, err := ParseVersion(body)
		if err != nil {
			return nil, s.payloadErr(endpoint, body, err)
		}
		snap.items[v.ID] = items
	}
	newest := snap.versions[len(snap.versions)-1]
	q := url.Values{"from": {s.cfg.From}, "to": {newest.ValidFrom.AddDate(0, 0, 1).Format(day)}}
	body, endpoint, err = s.get(ctx, fmt.Sprintf("/classifications/%d/changes?%s", s.cfg.Classification, q.Encode()))
	if err != nil {
		return nil, err
	}
	if snap.changes, err = ParseChanges(body); err != nil {
		return nil, s.payloadErr(endpoint, body, err)
	}
	return snap, nil
}

// Read yields the stream's one record. The first Read of a Source fetches
// the classification (a few requests); the other stream is made from the
// same answers, so that codes and crosswalk describe the same moment.
func (s *Source) Read(ctx context.Context, stream string, _ connectors.Checkpoint) (connectors.Batches, error) {
	if stream != StreamCodes && stream != StreamCrosswalk {
		return nil, fmt.Errorf("klass: no stream %q", stream)
	}
	if s.snap == nil {
		snap, err := s.read(ctx)
		if err != nil {
			return nil, err
		}
		s.snap = snap
	}
	snap := s.snap
	class := int32(s.cfg.Classification)
	var rec arrow.RecordBatch
	if stream == StreamCodes {
		b := array.NewRecordBuilder(memory.DefaultAllocator, codesSchema)
		defer b.Release()
		for _, v := range snap.versions {
			for _, it := range snap.items[v.ID] {
				b.Field(0).(*array.Int32Builder).Append(class)
				b.Field(1).(*array.Int32Builder).Append(int32(v.ID))
				b.Field(2).(*array.StringBuilder).Append(v.Name)
				b.Field(3).(*array.Date32Builder).Append(arrow.Date32FromTime(v.ValidFrom))
				if v.ValidTo.IsZero() {
					b.Field(4).AppendNull()
				} else {
					b.Field(4).(*array.Date32Builder).Append(arrow.Date32FromTime(v.ValidTo))
				}
				b.Field(5).(*array.StringBuilder).Append(it.Code)
				b.Field(6).(*array.StringBuilder).Append(it.Name)
			}
		}
		rec = b.NewRecordBatch()
	} else {
		b := array.NewRecordBuilder(memory.DefaultAllocator, crosswalkSchema)
		defer b.Release()
		newest := snap.versions[len(snap.versions)-1]
		for _, v := range snap.versions {
			var codes []string
			for _, it := range snap.items[v.ID] {
				codes = append(codes, it.Code)
			}
			for _, l := range Crosswalk(codes, snap.changes, v.ValidFrom, newest.ValidFrom) {
				b.Field(0).(*array.Int32Builder).Append(class)
				b.Field(1).(*array.Int32Builder).Append(int32(v.ID))
				b.Field(2).(*array.StringBuilder).Append(l.From)
				b.Field(3).(*array.Int32Builder).Append(int32(newest.ID))
				b.Field(4).(*array.StringBuilder).Append(l.To)
				b.Field(5).(*array.StringBuilder).Append(string(l.Kind))
			}
		}
		rec = b.NewRecordBatch()
	}
	defer rec.Release()
	return connectors.Records(rec.Schema(), []arrow.RecordBatch{rec}, nil)
}
