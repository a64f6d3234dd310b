package microdata

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxHeaderLine bounds the header line the separator is detected from.
const maxHeaderLine = 64 << 10

// csvSource reads one CSV file (optionally gzip-compressed): UTF-8 with an
// optional BOM, a header row, ',' or ';' as separator (whichever occurs more
// often outside quotes in the header line; ',' on a tie), quoting per RFC
// 4180, CRLF or LF line ends. An empty field is null. encoding/csv skips
// blank lines; they are not rows.
type csvSource struct {
	f      *os.File
	gz     *gzip.Reader
	r      *csv.Reader
	format string
	kinds  []Kind
	header []string
	pos    []int // pos[j]: field index of table column j
	rec    []string
	ln     int64
}

// openCSV opens f and checks its header against t. The error is a
// *BadInputError for a file that cannot be read as CSV of t's columns.
func openCSV(f inputFile, t Table) (*csvSource, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", f.rel, err)
	}
	src := &csvSource{f: fh, format: "CSV"}
	var r io.Reader = fh
	if f.kind == kindCSVGzip {
		src.format = "gzip CSV"
		src.gz, err = gzip.NewReader(fh)
		if err != nil {
			fh.Close()
			return nil, unreadable(f.rel, src.format, err)
		}
		r = src.gz
	}
	br := bufio.NewReaderSize(r, maxHeaderLine)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	sep, err := detectSeparator(br)
	if err != nil {
		src.close()
		return nil, unreadable(f.rel, src.format, err)
	}
	src.format = fmt.Sprintf(`%s, separator "%c"`, src.format, sep)
	src.r = csv.NewReader(br)
	src.r.Comma = sep
	src.r.FieldsPerRecord = -1
	src.r.ReuseRecord = true
	header, err := src.r.Read()
	if errors.Is(err, io.EOF) {
		src.close()
		return nil, &BadInputError{File: f.rel, Format: src.format, Problems: []Problem{{Reason: "empty file: no header row"}}}
	}
	if err != nil {
		src.close()
		return nil, unreadable(f.rel, src.format, err)
	}
	src.header = make([]string, len(header))
	for i, h := range header {
		src.header[i] = strings.TrimSpace(h)
	}
	pos, probs := matchColumns(t, src.header, nil)
	if len(probs) > 0 {
		src.close()
		return nil, &BadInputError{File: f.rel, Format: src.format, Problems: probs}
	}
	src.pos = pos
	for _, c := range t.Columns {
		src.kinds = append(src.kinds, c.Kind)
	}
	return src, nil
}

// detectSeparator peeks at the first line and returns ',' or ';'.
func detectSeparator(br *bufio.Reader) (rune, error) {
	var line []byte
	for n := 4096; ; n = min(2*n, maxHeaderLine) {
		buf, err := br.Peek(n)
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			line = buf[:i]
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) || (err == nil && n == maxHeaderLine) {
			return 0, fmt.Errorf("header line longer than %d bytes", maxHeaderLine)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return 0, err
			}
			line = buf
			break
		}
	}
	commas, semicolons := 0, 0
	quoted := false
	for _, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			commas++
		case c == ';':
			semicolons++
		}
	}
	if semicolons > commas {
		return ';', nil
	}
	return ',', nil
}

// matchColumns maps the file's column names to t's columns. types, when
// set, holds the file's type of each column and wrongType checks it.
// It returns pos[j] = index in names of t's column j, or the structural
// problems: names that are empty, repeated or not in the contract, and
// contract columns the file lacks.
func matchColumns(t Table, names []string, wrongType func(c Column, i int) string) ([]int, []Problem) {
	var probs []Problem
	pos := make([]int, len(t.Columns))
	for j := range pos {
		pos[j] = -1
	}
	seen := map[string]bool{}
	for i, name := range names {
		switch {
		case name == "":
			probs = append(probs, Problem{Reason: fmt.Sprintf("column %d has no name", i+1)})
			continue
		case seen[name]:
			probs = append(probs, Problem{Column: name, Reason: "appears more than once"})
			continue
		}
		seen[name] = true
		j := -1
		for k, c := range t.Columns {
			if c.Name == name {
				j = k
			}
		}
		if j < 0 {
			probs = append(probs, Problem{Column: name, Reason: fmt.Sprintf("unexpected column: not in the contract of table %s (columns: %s)", t.Name, columnList(t))})
			continue
		}
		pos[j] = i
		if wrongType != nil {
			if reason := wrongType(t.Columns[j], i); reason != "" {
				probs = append(probs, Problem{Column: name, Reason: reason})
			}
		}
	}
	for j, c := range t.Columns {
		if pos[j] < 0 {
			probs = append(probs, Problem{Column: c.Name, Reason: "missing column"})
		}
	}
	return pos, probs
}

func columnList(t Table) string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

func (s *csvSource) describe() string { return s.format }

func (s *csvSource) next() (bool, error) {
	rec, err := s.r.Read()
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.rec = rec
	line, _ := s.r.FieldPos(0)
	s.ln = int64(line)
	return true, nil
}

func (s *csvSource) line() int64 { return s.ln }

func (s *csvSource) rowProblem() string {
	if len(s.rec) != len(s.header) {
		return fmt.Sprintf("wrong number of fields (the header has %d)", len(s.header))
	}
	return ""
}

func (s *csvSource) decode(j int, v *value) string {
	field := s.rec[s.pos[j]]
	if field == "" {
		v.null = true
		return ""
	}
	var ok bool
	switch s.kinds[j] {
	case String:
		v.s = field
		return ""
	case Int:
		if v.i, ok = parseInt(field); !ok {
			return reasonNotInt
		}
	case Float:
		if v.f, ok = parseFloat(field); !ok {
			return reasonNotFloat
		}
	case Bool:
		if v.b, ok = parseBool(field); !ok {
			return reasonNotBool
		}
	}
	return ""
}

// raw returns the row's non-empty fields by header name; fields beyond the
// header are keyed "(field N)".
func (s *csvSource) raw() map[string]string {
	m := make(map[string]string, len(s.rec))
	for i, v := range s.rec {
		if v == "" {
			continue
		}
		if i < len(s.header) {
			m[s.header[i]] = v
		} else {
			m[fmt.Sprintf("(field %d)", i+1)] = v
		}
	}
	return m
}

func (s *csvSource) close() error {
	var err error
	if s.gz != nil {
		err = s.gz.Close()
	}
	return errors.Join(err, s.f.Close())
}
