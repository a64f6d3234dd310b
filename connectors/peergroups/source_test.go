package peergroups

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"go.yaml.in/yaml/v3"

	"github.com/skolestat/skolestat/connectors"
)

// row is one row of the peer_groups stream; from and to are -1 for null.
type row struct {
	code, nb, en, muni string
	from, to           int
	source             string
}

// build makes a Source through the registry, as the runner does: the
// `with:` block decoded strictly into the factory's config.
func build(t *testing.T, with string) (connectors.Source, error) {
	t.Helper()
	f, ok := connectors.Default.Lookup(Name)
	if !ok {
		t.Fatalf("connector %q is not registered", Name)
	}
	cfg := f.New()
	dec := yaml.NewDecoder(strings.NewReader(with))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		t.Fatalf("decoding %q: %v", with, err)
	}
	return f.Build(cfg, connectors.Env{})
}

// readRows reads the stream through Read and returns its rows.
func readRows(t *testing.T, src connectors.Source) ([]row, error) {
	t.Helper()
	b, err := src.Read(context.Background(), StreamPeerGroups, nil)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	var rows []row
	records := 0
	for b.Next() {
		records++
		r := b.RecordBatch()
		if !r.Schema().Equal(Schema) {
			t.Errorf("record schema %v, want %v", r.Schema(), Schema)
		}
		str := func(c int) *array.String { return r.Column(c).(*array.String) }
		year := func(c, i int) int {
			col := r.Column(c).(*array.Int32)
			if col.IsNull(i) {
				return -1
			}
			return int(col.Value(i))
		}
		for i := 0; i < int(r.NumRows()); i++ {
			rows = append(rows, row{str(0).Value(i), str(1).Value(i), str(2).Value(i), str(3).Value(i), year(4, i), year(5, i), str(6).Value(i)})
		}
	}
	if err := b.Err(); err != nil {
		return nil, err
	}
	if records != 1 {
		t.Errorf("Read yielded %d records, want 1", records)
	}
	return rows, nil
}

// asssRows are the built-in group's rows, written out by hand.
func asssRows() []row {
	const nb, en = "ASSS (Aggregerte styringsdata for samarbeidende storkommuner)", "ASSS (the network of cooperating large municipalities)"
	var rows []row
	for _, m := range []string{"0301", "4601", "5001", "1103", "1108", "4204", "5501", "3201", "3301", "3107"} {
		rows = append(rows, row{"asss", nb, en, m, -1, -1, "builtin"})
	}
	return append(rows,
		row{"asss", nb, en, "3203", 2022, -1, "builtin"},
		row{"asss", nb, en, "3205", 2022, -1, "builtin"})
}

func TestReadUserFile(t *testing.T) {
	const file = "testdata/groups.yaml"
	src, err := build(t, "file: "+file)
	if err != nil {
		t.Fatal(err)
	}
	streams, err := src.Streams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != 1 || streams[0].Name != "peer_groups" || streams[0].Restricted || streams[0].Optional {
		t.Errorf("Streams = %+v, want the one stream peer_groups, neither restricted nor optional", streams)
	}
	got, err := readRows(t, src)
	if err != nil {
		t.Fatal(err)
	}
	const vnb, ven = "Store kommuner i Vestland", "Large municipalities in Vestland"
	want := append(asssRows(),
		row{"vestland_storkommuner", vnb, ven, "4601", -1, -1, file},
		row{"vestland_storkommuner", vnb, ven, "4626", 2020, -1, file},
		row{"vestland_storkommuner", vnb, ven, "4624", 2020, 2023, file},
		row{"kostra_13", "KOSTRA-gruppe 13", "KOSTRA group 13", "3107", -1, 2019, file},
		row{"kostra_13", "KOSTRA-gruppe 13", "KOSTRA group 13", "3107", 2022, -1, file},
		row{"kostra_13", "KOSTRA-gruppe 13", "KOSTRA group 13", "5001", -1, -1, file},
	)
	if len(got) != len(want) {
		t.Errorf("%d rows, want %d", len(got), len(want))
	}
	for i := range max(len(got), len(want)) {
		var g, w row
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("row %d: %+v, want %+v", i, g, w)
		}
	}
}

func TestReadBuiltinOnly(t *testing.T) {
	src, err := build(t, "{}")
	if err != nil {
		t.Fatal(err)
	}
	got, err := readRows(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, asssRows()) {
		t.Errorf("rows without a file:\n%+v\nwant\n%+v", got, asssRows())
	}
}

func TestMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "peers.yaml")
	_, err := build(t, "file: "+path)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("building with a missing file: %v; want an error naming %s", err, path)
	}
	// Removed between building and reading.
	if err := os.WriteFile(path, []byte("groups: [{code: g, name: {nb: a, en: a}, members: [{municipality: \"0301\"}]}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := build(t, "file: "+path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	_, err = src.Read(context.Background(), StreamPeerGroups, nil)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("reading a removed file: %v; want an error naming %s", err, path)
	}
	if _, err := build(t, "file: "+t.TempDir()); err == nil || !strings.Contains(err.Error(), "folder") {
		t.Errorf("building with a folder as file: %v; want an error saying so", err)
	}
}

func TestReadBadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "peers.yaml")
	src := "groups:\n  - code: asss\n    name: {nb: a, en: a}\n    members: [{municipality: \"0301\"}]\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := build(t, "file: "+path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Read(context.Background(), StreamPeerGroups, nil)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(err.Error(), path+":2: groups[0].code: ") {
		t.Fatalf("Read of a file reusing asss: %v; want an *Error at %s:2 groups[0].code", err, path)
	}
	var bad interface{ BadInput() bool }
	if !errors.As(err, &bad) || !bad.BadInput() {
		t.Error("a bad file is not bad input for the runner")
	}
}

func TestReadUnknownStream(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(context.Background(), "peer_group", nil); err == nil {
		t.Error("Read of an unknown stream succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Read(ctx, StreamPeerGroups, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestUnknownConfigKey(t *testing.T) {
	f, _ := connectors.Default.Lookup(Name)
	dec := yaml.NewDecoder(strings.NewReader("path: x.yaml\n"))
	dec.KnownFields(true)
	if err := dec.Decode(f.New()); err == nil {
		t.Error("config accepted the unknown key path")
	}
}
