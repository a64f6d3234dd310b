package peergroups

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors"
)

// Name is the connector's name in pipeline files.
const Name = "peergroups"

// StreamPeerGroups is the source's one stream: a row per member of a group.
const StreamPeerGroups = "peer_groups"

// Schema is the schema of the records of StreamPeerGroups (the table
// raw.peer_groups).
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "group_code", Type: arrow.BinaryTypes.String},
	{Name: "group_name_nb", Type: arrow.BinaryTypes.String},
	{Name: "group_name_en", Type: arrow.BinaryTypes.String},
	{Name: "municipality_code", Type: arrow.BinaryTypes.String},
	{Name: "from_year", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "to_year", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "source", Type: arrow.BinaryTypes.String},
}, nil)

func init() {
	connectors.Default.Register(Name, connectors.Factory{
		Doc: "Peer groups of municipalities: the built-in ASSS network and groups from a user's YAML file",
		New: func() any { return &Config{} },
		Build: connectors.Build(Name, func(cfg Config, _ connectors.Env) (*Source, error) {
			return New(cfg)
		}),
	})
}

// Config is the `with:` block of a peergroups extract step.
type Config struct {
	// File is the path of a peer-group file (docs/peer-groups.md) whose
	// groups are landed after the built-in ASSS group; "" for ASSS only.
	File string `yaml:"file"`
}

var _ connectors.Source = (*Source)(nil)

// Source yields the built-in ASSS group and the groups of the configured
// file. It implements connectors.Source.
type Source struct {
	cfg Config
	mem memory.Allocator
}

// New returns a Source for cfg. It checks only that cfg.File, when set, is
// a file that exists; Read reads and checks its contents, so that an edit
// between runs is picked up.
func New(cfg Config) (*Source, error) {
	if cfg.File != "" {
		info, err := os.Stat(cfg.File)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", Name, &readError{path: cfg.File, err: err})
		}
		if info.IsDir() {
			return nil, fmt.Errorf("%s: %w", Name, &readError{path: cfg.File, err: errors.New("is a folder, not a file")})
		}
	}
	return &Source{cfg: cfg, mem: memory.DefaultAllocator}, nil
}

// Streams lists the one stream, not restricted: peer groups are public.
func (s *Source) Streams(ctx context.Context) ([]connectors.Stream, error) {
	return []connectors.Stream{{
		Name:        StreamPeerGroups,
		Description: "Peer groups of municipalities (built-in ASSS and the user's file), one row per member, in 2024 municipality codes",
		Schema:      Schema,
	}}, nil
}

// Groups returns the built-in ASSS group followed by the groups of the
// configured file, read now. A problem with the file is an *Error (or,
// for a file that cannot be read, an error naming it); both are bad input.
func (s *Source) Groups() ([]Group, error) {
	groups := []Group{Builtin()}
	if s.cfg.File == "" {
		return groups, nil
	}
	user, err := Load(s.cfg.File)
	if err != nil {
		return nil, err
	}
	return append(groups, user...), nil
}

// Read yields one record: a row per member of every group of Groups, in
// group order and then listed order, with from_year and to_year null when
// open. The checkpoint is ignored and none is returned: the stream is
// small and always read whole.
func (s *Source) Read(ctx context.Context, stream string, _ connectors.Checkpoint) (connectors.Batches, error) {
	if stream != StreamPeerGroups {
		return nil, fmt.Errorf("%s: no stream %q (have %s)", Name, stream, StreamPeerGroups)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	groups, err := s.Groups()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	rec := record(s.mem, groups)
	defer rec.Release()
	return connectors.Records(Schema, []arrow.RecordBatch{rec}, nil)
}

// record builds the rows of groups.
func record(mem memory.Allocator, groups []Group) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, Schema)
	defer b.Release()
	code := b.Field(0).(*array.StringBuilder)
	nameNB := b.Field(1).(*array.StringBuilder)
	nameEN := b.Field(2).(*array.StringBuilder)
	muni := b.Field(3).(*array.StringBuilder)
	from := b.Field(4).(*array.Int32Builder)
	to := b.Field(5).(*array.Int32Builder)
	source := b.Field(6).(*array.StringBuilder)
	year := func(ib *array.Int32Builder, y int) {
		if y == 0 {
			ib.AppendNull()
		} else {
			ib.Append(int32(y))
		}
	}
	for _, g := range groups {
		for _, m := range g.Members {
			code.Append(g.Code)
			nameNB.Append(g.Names.NB)
			nameEN.Append(g.Names.EN)
			muni.Append(m.Municipality)
			year(from, m.From)
			year(to, m.To)
			source.Append(g.Source)
		}
	}
	return b.NewRecordBatch()
}
