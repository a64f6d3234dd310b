package microdata

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/skolestat/skolestat/connectors"
)

func TestNewChecksConfig(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "plain")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error; "" for success
	}{
		{"no dir", Config{}, "dir is required"},
		{"missing dir", Config{Dir: filepath.Join(dir, "nope")}, "no such file"},
		{"file for dir", Config{Dir: notDir}, "not a folder"},
		{"unknown table", Config{Dir: dir, Tables: []string{"grades", "marks"}}, `no table "marks"`},
		{"table twice", Config{Dir: dir, Tables: []string{"grades", "pupils", "grades"}}, `"grades" listed twice`},
		{"ok", Config{Dir: dir, Tables: []string{"grades"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("New: error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestStreams(t *testing.T) {
	s, err := New(Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	streams, err := s.Streams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, st := range streams {
		names = append(names, st.Name)
		if !st.Restricted {
			t.Errorf("stream %s not restricted: pupil-level data must land in the restricted schema", st.Name)
		}
		if want := st.Name == "survey_responses"; st.Optional != want {
			t.Errorf("stream %s Optional = %v, want %v", st.Name, st.Optional, want)
		}
		tbl, _ := Lookup(st.Name)
		if !st.Schema.Equal(OutputSchema(tbl)) {
			t.Errorf("stream %s schema %s, want the output schema", st.Name, st.Schema)
		}
	}
	want := []string{"schools", "pupils", "enrolments", "national_tests", "grades", "survey_responses"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("streams %v, want %v", names, want)
	}

	// A subset comes out in contract order whatever the order in the config.
	s, err = New(Config{Dir: t.TempDir(), Tables: []string{"grades", "schools", "pupils"}})
	if err != nil {
		t.Fatal(err)
	}
	streams, _ = s.Streams(context.Background())
	names = nil
	for _, st := range streams {
		names = append(names, st.Name)
	}
	if want := []string{"schools", "pupils", "grades"}; !reflect.DeepEqual(names, want) {
		t.Errorf("subset streams %v, want %v", names, want)
	}
	if _, err := s.Read(context.Background(), "enrolments", nil); err == nil || !strings.Contains(err.Error(), `no stream "enrolments"`) {
		t.Errorf("Read of an unconfigured table: %v, want a no-stream error", err)
	}
}

func TestOutputSchema(t *testing.T) {
	tbl, _ := Lookup("enrolments")
	want := arrow.NewSchema([]arrow.Field{
		{Name: "pupil_id", Type: arrow.BinaryTypes.String},
		{Name: "school_year", Type: arrow.PrimitiveTypes.Int32},
		{Name: "grade", Type: arrow.PrimitiveTypes.Int32},
		{Name: "school_orgnr", Type: arrow.BinaryTypes.String},
		{Name: "source_file", Type: arrow.BinaryTypes.String},
		{Name: "source_row", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	if got := OutputSchema(tbl); !got.Equal(want) {
		t.Errorf("OutputSchema(enrolments) = %s, want %s", got, want)
	}
}

func TestRegisteredInDefault(t *testing.T) {
	f, ok := connectors.Default.Lookup("microdata")
	if !ok {
		t.Fatal(`"microdata" not registered in connectors.Default`)
	}
	cfg, ok := f.New().(*Config)
	if !ok {
		t.Fatalf("New() = %T, want *Config", f.New())
	}
	cfg.Dir = "testdata/good"
	cfg.Tables = []string{"grades"}
	src, err := f.Build(cfg, connectors.Env{})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	streams, err := src.Streams(context.Background())
	if err != nil || len(streams) != 1 || streams[0].Name != "grades" {
		t.Fatalf("Streams = %v, %v; want the grades stream", streams, err)
	}
	if _, ok := src.(connectors.Constrained); !ok {
		t.Errorf("%T does not implement connectors.Constrained", src)
	}
}

func TestConstraints(t *testing.T) {
	s, err := New(Config{Dir: t.TempDir(), Lenient: true, Tables: []string{"pupils", "enrolments"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []connectors.Constraint{
		{Stream: "pupils", Key: []string{"pupil_id"}, Lenient: true},
		{Stream: "enrolments", Key: []string{"pupil_id", "school_year"}, Lenient: true},
		{Stream: "enrolments", Columns: []string{"pupil_id"}, To: "pupils", ToColumns: []string{"pupil_id"}, Lenient: true},
		{Stream: "enrolments", Columns: []string{"school_orgnr"}, To: "schools", ToColumns: []string{"school_orgnr"}, Lenient: true},
	}
	if got := s.Constraints(); !reflect.DeepEqual(got, want) {
		t.Errorf("Constraints:\n got  %+v\n want %+v", got, want)
	}
}

func TestOptionalTableAbsent(t *testing.T) {
	res := readTable(t, Config{Dir: "testdata/good"}, "survey_responses")
	if !errors.Is(res.err, connectors.ErrStreamAbsent) {
		t.Fatalf("Read(survey_responses) error %v, want ErrStreamAbsent", res.err)
	}
}

func TestRequiredTableAbsent(t *testing.T) {
	dir := t.TempDir()
	res := readTable(t, Config{Dir: dir}, "grades")
	want := `microdata: no file for table "grades" in ` + dir + ` (looked for grades.parquet, grades.csv, grades.csv.gz, grades/)`
	if res.err == nil || res.err.Error() != want {
		t.Fatalf("error %v\nwant %s", res.err, want)
	}
	var bad interface{ BadInput() bool }
	if !errors.As(res.err, &bad) || !bad.BadInput() {
		t.Errorf("a missing required file is not marked as bad input: %T", res.err)
	}
}

func TestTwoFilesForOneTable(t *testing.T) {
	tests := []struct {
		name  string
		files []string // a trailing '/' makes a folder
		want  string
	}{
		{"csv and parquet", []string{"grades.csv", "grades.parquet"}, "grades.parquet and grades.csv"},
		{"csv and folder", []string{"grades.csv", "grades/"}, "grades.csv and grades/"},
		{"all three", []string{"grades.csv", "grades.csv.gz", "grades/"}, "3 candidates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				p := filepath.Join(dir, f)
				if strings.HasSuffix(f, "/") {
					if err := os.Mkdir(p, 0o755); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			res := readTable(t, Config{Dir: dir}, "grades")
			if res.err == nil || !strings.Contains(res.err.Error(), tt.want) || !strings.Contains(res.err.Error(), `table "grades"`) {
				t.Fatalf("error %v, want one naming the table and %q", res.err, tt.want)
			}
		})
	}
}

func TestFolderOfParts(t *testing.T) {
	res := readTable(t, Config{Dir: "testdata/good"}, "enrolments")
	if res.err != nil {
		t.Fatal(res.err)
	}
	// part-0001.csv (',') then part-0002.csv (';'); _SUCCESS is skipped.
	equalRows(t, res.rows, [][]any{
		{"P0001", int32(2018), int32(5), "974123456", "enrolments/part-0001.csv", int64(1)},
		{"P0001", int32(2019), int32(6), "974123456", "enrolments/part-0001.csv", int64(2)},
		{"P0002", int32(2018), int32(5), "974123457", "enrolments/part-0002.csv", int64(1)},
	})
}

func TestFolderProblems(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  string
	}{
		{"stray file", []string{"part-1.csv", "notes.txt"}, "enrolments/notes.txt in "},
		{"unsupported compression", []string{"part-1.csv.bz2"}, "enrolments/part-1.csv.bz2 in "},
		{"subfolder", []string{"part-1.csv", "year=2020/"}, "enrolments/year=2020 in "},
		{"nothing but markers", []string{"_SUCCESS", ".DS_Store"}, "holds no .parquet, .csv or .csv.gz file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			folder := filepath.Join(dir, "enrolments")
			if err := os.Mkdir(folder, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, f := range tt.files {
				p := filepath.Join(folder, f)
				var err error
				if strings.HasSuffix(f, "/") {
					err = os.Mkdir(p, 0o755)
				} else {
					err = os.WriteFile(p, []byte("pupil_id,school_year,grade,school_orgnr\n"), 0o644)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			res := readTable(t, Config{Dir: dir}, "enrolments")
			if res.err == nil || !strings.Contains(res.err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", res.err, tt.want)
			}
		})
	}
}

func TestContextCancelled(t *testing.T) {
	s, err := New(Config{Dir: "testdata/good"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	bs, err := s.Read(ctx, "grades", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	cancel()
	if bs.Next() {
		t.Fatal("Next returned a record after the context was cancelled")
	}
	if !errors.Is(bs.Err(), context.Canceled) {
		t.Fatalf("Err = %v, want context.Canceled", bs.Err())
	}
}
