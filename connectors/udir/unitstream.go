package udir

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors"
)

// StreamUnits is the unit dimension: every unit of the EnhetID trees of
// the configured reports, one row per EnhetID.
const StreamUnits = "udir_units"

// UnitsSchema is the schema of StreamUnits.
var UnitsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "enhet_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "kode", Type: arrow.BinaryTypes.String},
	{Name: "name", Type: arrow.BinaryTypes.String},
	{Name: "level", Type: arrow.BinaryTypes.String},
	{Name: "nivaa", Type: arrow.PrimitiveTypes.Int32},
	{Name: "parent_enhet_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "abroad", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "restricted", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "reports", Type: arrow.BinaryTypes.String},
}, nil)

var unitsStream = connectors.Stream{Name: StreamUnits, Schema: UnitsSchema,
	Description: "udir's units (EnhetID): nation, counties, municipalities and schools with their parents, from the filter values of the configured reports"}

// readUnits reads the report page and filter values of every configured
// report and lands the union of their unit trees. EnhetIDs are the same
// across udir's reports; one that comes with another kode or parent in
// another report is a PayloadError, since the rows of the reports could
// then not be joined on it. The hidden root is left out. The checkpoint is
// the SHA-256 of the filter values.
func (s *Source) readUnits(ctx context.Context, from connectors.Checkpoint) (connectors.Batches, error) {
	r := &reading{src: s, hash: sha256.New()}
	type entry struct {
		u       Unit
		parent  int64
		hasPar  bool
		reports []string
	}
	units := map[int64]*entry{}
	for _, code := range s.cfg.Reports {
		o, err := r.open(ctx, code)
		if err != nil {
			return nil, err
		}
		r.hash.Write([]byte(o.fvEndpoint + "\n"))
		r.hash.Write(o.fv)
		for _, u := range o.tree.Units {
			if u.Level == LevelRoot {
				continue
			}
			e := &entry{u: u, reports: []string{code}}
			if u.Parent >= 0 && o.tree.Units[u.Parent].Level != LevelRoot {
				e.parent, e.hasPar = u.ParentID, true
			}
			prev, seen := units[u.ID]
			if !seen {
				units[u.ID] = e
				continue
			}
			if prev.u.Kode != u.Kode || prev.hasPar != e.hasPar || prev.parent != e.parent {
				return nil, payloadErr(o.fvEndpoint, "EnhetID", fmt.Errorf("EnhetID %d is kode %q under %d in report %s but kode %q under %d in %s",
					u.ID, u.Kode, e.parent, code, prev.u.Kode, prev.parent, prev.reports[0]), o.fv)
			}
			prev.reports = append(prev.reports, code)
		}
	}
	cur := checkpoint{Version: checkpointVersion, Data: hex.EncodeToString(r.hash.Sum(nil))}
	var prev checkpoint
	if len(from) > 0 && json.Unmarshal(from, &prev) == nil && prev == cur {
		s.log.Info("udir: units unchanged", "requests", r.requests)
		return connectors.NothingChanged(UnitsSchema, from), nil
	}
	ids := make([]int64, 0, len(units))
	for id := range units {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	b := array.NewRecordBuilder(memory.DefaultAllocator, UnitsSchema)
	defer b.Release()
	for _, id := range ids {
		e := units[id]
		b.Field(0).(*array.Int64Builder).Append(id)
		b.Field(1).(*array.StringBuilder).Append(e.u.Kode)
		b.Field(2).(*array.StringBuilder).Append(e.u.Name)
		b.Field(3).(*array.StringBuilder).Append(e.u.Level.String())
		b.Field(4).(*array.Int32Builder).Append(int32(e.u.Nivaa))
		if e.hasPar {
			b.Field(5).(*array.Int64Builder).Append(e.parent)
		} else {
			b.Field(5).(*array.Int64Builder).AppendNull()
		}
		b.Field(6).(*array.BooleanBuilder).Append(e.u.Abroad)
		b.Field(7).(*array.BooleanBuilder).Append(e.u.Restricted)
		rs, _ := json.Marshal(e.reports)
		b.Field(8).(*array.StringBuilder).Append(string(rs))
	}
	cp, err := json.Marshal(cur)
	if err != nil {
		return nil, fmt.Errorf("udir: saving the checkpoint: %w", err)
	}
	s.log.Info("udir: units read", "requests", r.requests, "units", len(ids))
	rec := b.NewRecordBatch()
	defer rec.Release()
	return connectors.Records(UnitsSchema, []arrow.RecordBatch{rec}, cp)
}
