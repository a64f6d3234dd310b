package connectors

import (
	"reflect"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/internal/httpclient"
)

func TestRegistryRates(t *testing.T) {
	r := NewRegistry()
	build := func(any, Env) (Source, error) { return nil, nil }
	ssb := httpclient.Rate{Requests: 30, Per: time.Minute}
	r.Register("ssb", Factory{New: func() any { return nil }, Build: build, Rates: map[string]httpclient.Rate{"data.ssb.no": ssb}})
	r.Register("klass", Factory{New: func() any { return nil }, Build: build, Rates: map[string]httpclient.Rate{"data.ssb.no": ssb}})
	r.Register("files", Factory{New: func() any { return nil }, Build: build})
	if got, want := r.Rates(), map[string]httpclient.Rate{"data.ssb.no": ssb}; !reflect.DeepEqual(got, want) {
		t.Errorf("Rates() = %v, want %v", got, want)
	}
}

func TestRecords(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int32}}, nil)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewInt32Builder(mem)
	b.AppendValues([]int32{1, 2, 3}, nil)
	col := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, 3)
	col.Release()
	bs, err := Records(schema, []arrow.RecordBatch{rec}, Checkpoint("cp"))
	rec.Release() // Records keeps its own reference
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for bs.Next() {
		rows += bs.RecordBatch().NumRows()
	}
	if rows != 3 || bs.Err() != nil || string(bs.Checkpoint()) != "cp" || bs.(Unchanger).Unchanged() {
		t.Errorf("rows %d, err %v, checkpoint %q, unchanged %v", rows, bs.Err(), bs.Checkpoint(), bs.(Unchanger).Unchanged())
	}
	bs.Close()
	bs.Close() // a second Close does nothing

	same := NothingChanged(schema, Checkpoint("old"))
	if same.Next() || !same.(Unchanger).Unchanged() || string(same.Checkpoint()) != "old" {
		t.Error("NothingChanged yields a record, or does not say unchanged, or loses the checkpoint")
	}
	same.Close()
}
