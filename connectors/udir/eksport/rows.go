package eksport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/skolestat/skolestat/connectors/cell"
)

// Kind is what a table holds. It is told by the table's value fields,
// never by its id or Beskrivelse (the table list swaps the descriptions of
// 153 and 154).
type Kind string

const (
	Indicator     Kind = "indicator"     // Score: the indices and questions (148, 152)
	Bullying      Kind = "bullying"      // AndelMobbet (150, 154)
	Participation Kind = "participation" // AndelDeltatt, AntallInvitert (151, 155/243)
	Theme         Kind = "theme"         // Temakode, SvaralternativKode: answer distributions (149, 153), not read
)

// Field is one value of a data row as sent: a string (every number is
// one), a JSON number, or null. Present is false when the row has no such
// key.
type Field struct {
	Text    string
	Present bool
	Null    bool
}

// UnmarshalJSON keeps a string as it is and a number as its JSON text.
func (f *Field) UnmarshalJSON(b []byte) error {
	f.Present = true
	switch {
	case bytes.Equal(b, []byte("null")):
		f.Null = true
		return nil
	case len(b) >= 2 && b[0] == '"' && bytes.IndexByte(b, '\\') < 0:
		f.Text = string(b[1 : len(b)-1]) // the decoder checked it: no escape to undo
		return nil
	case len(b) > 0 && b[0] == '"':
		return json.Unmarshal(b, &f.Text)
	case len(b) > 0 && (b[0] == '-' || '0' <= b[0] && b[0] <= '9'):
		f.Text = string(b)
		return nil
	}
	return fmt.Errorf("%.20s is not a string, a number or null", b)
}

// Row is one object of a data page. Keys the connector does not read are
// ignored; a key it reads that is absent leaves its Field not Present.
type Row struct {
	// Question (148, 150; absent in 151).
	SpoersmaalNivaa      Field
	Spoersmaalgruppekode Field
	Spoersmaalgruppe     Field
	Indikator            Field // newer name of Spoersmaalgruppe
	Spoersmaalkode       Field
	Spoersmaalnavn       Field
	// Tema tables only.
	Temakode           Field
	SvaralternativKode Field

	Skoleaarnavn Field
	// Unit. GSK tables have Kommunekode; VGO tables have none but the
	// programme fields.
	EnhetNivaa          Field
	Nasjonaltkode       Field
	Nasjonalt           Field
	Fylkekode           Field
	Fylke               Field
	Kommunekode         Field
	Kommune             Field
	Organisasjonsnummer Field
	EnhetNavn           Field

	ProgramomraadeNivaa   Field
	UtdanningstypeKode    Field
	Utdanningsprogramkode Field

	TrinnKode    Field
	Trinnnavn    Field
	Eierformkode Field
	EierformNavn Field
	KjoennKode   Field
	Kjoenn       Field

	Score                        Field
	Standardavvik                Field
	AntallBesvart                Field
	AndelSvaralternativ1         Field
	AndelSvaralternativ2         Field
	AndelSvaralternativ3         Field
	AndelSvaralternativ4         Field
	AndelSvaralternativ5         Field
	AntallBesvartSvaralternativ1 Field
	AntallBesvartSvaralternativ2 Field
	AntallBesvartSvaralternativ3 Field
	AntallBesvartSvaralternativ4 Field
	AntallBesvartSvaralternativ5 Field
	AndelMobbet                  Field
	AndelDeltatt                 Field
	AntallInvitert               Field

	Sidenummer  Field
	RaderSide   Field
	RaderTotalt Field
}

// ParsePage reads a data page: a JSON array of flat objects.
func ParsePage(body []byte) ([]Row, error) {
	var rows []Row
	if err := json.Unmarshal(body, &rows); err != nil {
		return nil, fmt.Errorf("decoding a data page: %w", err)
	}
	if rows == nil && !bytes.Equal(bytes.TrimSpace(body), []byte("[]")) {
		return nil, errors.New("decoding a data page: null, not an array")
	}
	return rows, nil
}

// FieldError is a row field that is missing or holds what it must not.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

func (e *FieldError) Unwrap() error { return e.Err }

var errMissing = errors.New("missing")

// KindOf tells a row's table kind from its fields.
func KindOf(r *Row) (Kind, error) {
	switch {
	case r.Temakode.Present || r.SvaralternativKode.Present:
		return Theme, nil
	case r.Score.Present:
		return Indicator, nil
	case r.AndelMobbet.Present:
		return Bullying, nil
	case r.AndelDeltatt.Present || r.AntallInvitert.Present:
		return Participation, nil
	}
	return "", &FieldError{Field: "Score", Err: errors.New("no value field: none of Score (indicators), AndelMobbet (bullying), AndelDeltatt or AntallInvitert (participation), Temakode (themes)")}
}

// Fact is one value of a row: what the stream lands, without the year and
// table, which the request gives.
type Fact struct {
	Level     string // nation, county, municipality, school
	UnitCode  string // "I", county or municipality number, org.nr
	UnitName  string
	Programme string // VGO: Utdanningsprogramkode; "" for GSK
	Grade     int    // 0: all grades
	Owner     string // all, public, private
	Gender    string // all, G, J
	Measure   string // Spoersmaalkode, or "participation"
	Group     string // Spoersmaalgruppe or Indikator; "" when none
	Statistic string
	Value     cell.Value
}

// Codes are what a table's filterVerdier say about its row codes.
type Codes struct {
	// Owners maps Eierformkode to all, public or private (from the
	// EierformID list: id -10, 8, 2).
	Owners map[string]string
}

// Owner names by EierformNavn, for an Eierformkode the list does not have.
var ownerNames = map[string]string{"Alle eierformer": "all", "Offentlig skole": "public", "Privat eiet": "private"}

var genderCodes = map[string]string{"A": "all", "G": "G", "J": "J"}

// Facts reads row r of a table of kind k, asked for school year year
// (autumn), and appends its values to dst. An error is a *FieldError:
// a required field missing, a code of unknown shape, a value that is no
// number or out of range (a score outside 1-5, a percentage outside
// 0-100, a negative or fractional count).
func Facts(dst []Fact, r *Row, k Kind, year int, c Codes) ([]Fact, error) {
	base, err := unit(r)
	if err != nil {
		return dst, err
	}
	want := fmt.Sprintf("%d-%02d", year, (year+1)%100)
	if y := strings.TrimSpace(r.Skoleaarnavn.Text); !r.Skoleaarnavn.Present || y != want {
		return dst, &FieldError{"Skoleaarnavn", fmt.Errorf("%q, asked for %s", r.Skoleaarnavn.Text, want)}
	}
	if base.Grade, err = grade(r.TrinnKode); err != nil {
		return dst, &FieldError{"TrinnKode", err}
	}
	if base.Owner, err = owner(r, c); err != nil {
		return dst, err
	}
	base.Gender = "all"
	if r.KjoennKode.Present {
		g, ok := genderCodes[strings.TrimSpace(r.KjoennKode.Text)]
		if !ok {
			return dst, &FieldError{"KjoennKode", fmt.Errorf("%q is not A, G or J", r.KjoennKode.Text)}
		}
		base.Gender = g
	}
	var stats []stat
	switch k {
	case Participation:
		base.Measure = "participation"
		stats = []stat{
			{"AndelDeltatt", &r.AndelDeltatt, "share_participated", percent, true},
			{"AntallBesvart", &r.AntallBesvart, "answered", count, false},
			{"AntallInvitert", &r.AntallInvitert, "invited", count, true},
		}
	case Indicator, Bullying:
		if base.Measure = strings.TrimSpace(r.Spoersmaalkode.Text); base.Measure == "" {
			return dst, &FieldError{"Spoersmaalkode", errMissing}
		}
		switch {
		case r.Indikator.Present:
			base.Group = strings.TrimSpace(r.Indikator.Text)
		case r.Spoersmaalgruppe.Present:
			base.Group = strings.TrimSpace(r.Spoersmaalgruppe.Text)
		default:
			return dst, &FieldError{"Spoersmaalgruppe", errors.New("missing, and no Indikator either")}
		}
		stats = indicatorStats(r, k, base.Measure)
	default:
		return dst, &FieldError{"Temakode", fmt.Errorf("a table of kind %q is not read", k)}
	}
	for _, s := range stats {
		if !s.field.Present {
			if s.required {
				return dst, &FieldError{s.name, errMissing}
			}
			continue
		}
		v, err := s.check.parse(*s.field)
		if err != nil {
			return dst, &FieldError{s.name, err}
		}
		f := base
		f.Statistic, f.Value = s.statistic, v
		dst = append(dst, f)
	}
	return dst, nil
}

// indicatorStats are the values of an indicator or bullying row.
func indicatorStats(r *Row, k Kind, measure string) []stat {
	if k == Bullying {
		return []stat{
			{"AndelMobbet", &r.AndelMobbet, "share_bullied", percent, true},
			{"AntallBesvart", &r.AntallBesvart, "answered", count, true},
		}
	}
	if measure == BullyingIndex { // its Score is a percentage
		return []stat{
			{"Score", &r.Score, "share_bullied", percent, true},
			{"AntallBesvart", &r.AntallBesvart, "answered", count, true},
		}
	}
	s := []stat{
		{"Score", &r.Score, "score", score, true},
		{"Standardavvik", &r.Standardavvik, "sd", deviation, false},
		{"AntallBesvart", &r.AntallBesvart, "answered", count, true},
	}
	if strings.HasPrefix(measure, IndexPrefix) {
		return s // the distribution belongs to questions
	}
	shares := []*Field{&r.AndelSvaralternativ1, &r.AndelSvaralternativ2, &r.AndelSvaralternativ3, &r.AndelSvaralternativ4, &r.AndelSvaralternativ5}
	counts := []*Field{&r.AntallBesvartSvaralternativ1, &r.AntallBesvartSvaralternativ2, &r.AntallBesvartSvaralternativ3, &r.AntallBesvartSvaralternativ4, &r.AntallBesvartSvaralternativ5}
	for i := range shares {
		n := strconv.Itoa(i + 1)
		s = append(s, stat{"AndelSvaralternativ" + n, shares[i], "share_answer_" + n, percent, false})
	}
	for i := range counts {
		n := strconv.Itoa(i + 1)
		s = append(s, stat{"AntallBesvartSvaralternativ" + n, counts[i], "answered_answer_" + n, count, false})
	}
	return s
}

// IndexPrefix starts the Spoersmaalkode of an index (EUIndeks_1379).
const IndexPrefix = "EUIndeks_"

// BullyingIndex is the index whose Score is a percentage (0-100).
const BullyingIndex = "EUIndeks_1398"

// stat is a value field and what it lands as.
type stat struct {
	name      string
	field     *Field
	statistic string
	check     valueRange
	required  bool
}

// valueRange is what a value may be.
type valueRange int

const (
	score     valueRange = iota // 1-5
	deviation                   // >= 0
	percent                     // 0-100
	count                       // whole, >= 0
)

func (v valueRange) parse(f Field) (cell.Value, error) {
	if f.Null {
		return cell.Value{Status: cell.Missing}, nil
	}
	c, err := cell.Parse(f.Text)
	if err != nil || c.Status != cell.OK {
		return c, err
	}
	x := c.Number
	switch {
	case v == score && (x < 1 || x > 5):
		return c, fmt.Errorf("score %g is outside 1-5", x)
	case v == deviation && x < 0:
		return c, fmt.Errorf("deviation %g is negative", x)
	case v == percent && (x < 0 || x > 100):
		return c, fmt.Errorf("percentage %g is outside 0-100", x)
	case v == count && (x < 0 || x != math.Trunc(x)):
		return c, fmt.Errorf("count %g is not a whole number >= 0", x)
	}
	return c, nil
}

// unit reads the row's unit: EnhetNivaa (GSK 1 nation, 2 county, 3
// municipality, 4 school; VGO 1-3 with 3 the school), its code from
// Organisasjonsnummer ("I" for the nation, the county or municipality
// number for those) and its name (EnhetNavn for a school, else the name
// of the aggregate: "Alle skoler" is no name).
func unit(r *Row) (Fact, error) {
	var f Fact
	vgo := !r.Kommunekode.Present
	if vgo && !r.ProgramomraadeNivaa.Present && !r.Utdanningsprogramkode.Present && !r.UtdanningstypeKode.Present {
		return f, &FieldError{"Kommunekode", errors.New("missing, and no programme fields (ProgramomraadeNivaa, Utdanningsprogramkode): neither a grunnskole nor an upper secondary table")}
	}
	if !r.EnhetNivaa.Present {
		return f, &FieldError{"EnhetNivaa", errMissing}
	}
	nivaa, err := strconv.Atoi(strings.TrimSpace(r.EnhetNivaa.Text))
	levels := []string{1: "nation", 2: "county", 3: "municipality", 4: "school"}
	if vgo {
		levels = []string{1: "nation", 2: "county", 3: "school"}
	}
	if err != nil || nivaa < 1 || nivaa >= len(levels) {
		return f, &FieldError{"EnhetNivaa", fmt.Errorf("%q is not 1-%d", r.EnhetNivaa.Text, len(levels)-1)}
	}
	f.Level = levels[nivaa]
	f.UnitCode = strings.TrimSpace(r.Organisasjonsnummer.Text)
	if !codeFits(f.Level, f.UnitCode) {
		return f, &FieldError{"Organisasjonsnummer", fmt.Errorf("%q is no %s code", r.Organisasjonsnummer.Text, f.Level)}
	}
	name := r.EnhetNavn
	switch f.Level {
	case "nation":
		name = r.Nasjonalt
	case "county":
		name = r.Fylke
	case "municipality":
		name = r.Kommune
	}
	f.UnitName = strings.TrimSpace(name.Text)
	if f.UnitName == "" {
		f.UnitName = strings.TrimSpace(r.EnhetNavn.Text)
	}
	if vgo {
		f.Programme = strings.TrimSpace(r.Utdanningsprogramkode.Text)
	}
	return f, nil
}

// codeFits checks a unit code's shape: "I", 2 digits, 4 digits, 9 digits.
func codeFits(level, code string) bool {
	n := map[string]int{"county": 2, "municipality": 4, "school": 9}[level]
	if level == "nation" {
		return code == "I"
	}
	if len(code) != n {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// grade reads TrinnKode: a grade 1-13, 0 for all grades ("A", "Alle",
// "-10").
func grade(f Field) (int, error) {
	if !f.Present {
		return 0, errMissing
	}
	t := strings.TrimSpace(f.Text)
	switch t {
	case "A", "Alle", "-10":
		return 0, nil
	}
	g, err := strconv.Atoi(t)
	if err != nil || g < 1 || g > 13 {
		return 0, fmt.Errorf("%q is not a grade 1-13", f.Text)
	}
	return g, nil
}

// owner reads Eierformkode through the EierformID codes, or EierformNavn;
// a table without either is "all".
func owner(r *Row, c Codes) (string, error) {
	if !r.Eierformkode.Present && !r.EierformNavn.Present {
		return "all", nil
	}
	if o, ok := c.Owners[strings.TrimSpace(r.Eierformkode.Text)]; ok && r.Eierformkode.Present {
		return o, nil
	}
	if o, ok := ownerNames[strings.TrimSpace(r.EierformNavn.Text)]; ok {
		return o, nil
	}
	return "", &FieldError{"Eierformkode", fmt.Errorf("%q (%q) is not an EierformID of the table", r.Eierformkode.Text, r.EierformNavn.Text)}
}
