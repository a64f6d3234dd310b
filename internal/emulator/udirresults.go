package emulator

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors/microdata"
)

// The grunnskolepoeng (GSK_GSPoeng) and grades (GSK_GSKarakterer)
// reports, computed from the simulated grades of 10th grade.

// udirResultsSuppressBelow is the number of pupils under which a unit's
// grunnskolepoeng or mean grade and its count are "*".
const udirResultsSuppressBelow = 10

// udirSum is a sum of values and their number.
type udirSum struct {
	N   int
	Sum int64
}

// udirFag is a FagID value: a subject code of the grades.
type udirFag struct {
	ID         int64
	Kode, Navn string
}

type udirGradeKey struct {
	Year, Subject, GradeType int // GradeType indexes udirGradeTypes
}

// udirResults are the grade-10 results by school (index as in
// udirUnit.School).
type udirResults struct {
	years []int // newest first
	// gsp[year][school] sums the points of the pupils who got them, in
	// tenths of a point.
	gsp      map[int][]udirSum
	subjects []udirFag // sorted by kode
	// grades sums the numeric grades of each subject and grade type: one
	// per pupil (the microdata key).
	grades map[udirGradeKey][]udirSum
	graded []bool // by school: it awarded a grade
}

// udirPupilYear is a pupil's diploma in one school year.
type udirPupilYear struct {
	pupil string
	year  int
}

// udirDiploma tallies a diploma: its subjects (bits by the subject's
// first-seen index), those with a numeric grade, the numeric grades, and
// the rows per school.
type udirDiploma struct {
	subjects, numericSubjects [2]uint64
	sum, numeric              int32
	schools                   []udirSchoolRows
}

type udirSchoolRows struct{ school, rows int32 }

// udirMaxSubjects bounds the subject codes a diploma tally can hold.
const udirMaxSubjects = 128

// loadUdirResults reads the grades. A pupil's grunnskolepoeng follows
// shared/spec/indicators.md §2: the numeric grades (1-6) of standpunkt and
// exams averaged, rounded to two decimals and times ten, for pupils with
// numeric grades in more than half of their subjects; it counts for the
// school on most of the pupil's rows (ties: the lowest org.nr). The
// grades report sums the numeric standpunkt and written exam grades per
// subject; oral exams are not in it.
func loadUdirResults(ctx context.Context, dir string, units []udirUnit) (*udirResults, error) {
	school := map[string]int{}
	nSchools := 0
	for _, u := range units {
		if u.Nivaa == 4 {
			school[u.Kode] = u.School
			nSchools = max(nSchools, u.School+1)
		}
	}
	res := &udirResults{gsp: map[int][]udirSum{}, graded: make([]bool, nSchools)}
	diplomas := map[udirPupilYear]*udirDiploma{}
	subjectAt := map[string]int{}
	seen := map[udirGradeKey][]udirSum{} // Subject is the first-seen index
	err := microdata.Each(ctx, dir, "grades", func(rec arrow.RecordBatch) error {
		pupil, year, org := rec.Column(0).(*array.String), rec.Column(1).(*array.Int32), rec.Column(2).(*array.String)
		subject, typ, grade := rec.Column(3).(*array.String), rec.Column(4).(*array.String), rec.Column(5).(*array.String)
		for i := range int(rec.NumRows()) {
			si, ok := school[org.Value(i)]
			if !ok {
				continue // the reader checked references
			}
			res.graded[si] = true
			code := subject.Value(i)
			sub, ok := subjectAt[code]
			if !ok {
				sub = len(subjectAt)
				if sub >= udirMaxSubjects {
					return fmt.Errorf("more than %d subject codes", udirMaxSubjects)
				}
				subjectAt[strings.Clone(code)] = sub
			}
			k := udirPupilYear{pupil: pupil.Value(i), year: int(year.Value(i))}
			dp := diplomas[k]
			if dp == nil {
				dp = &udirDiploma{}
				k.pupil = strings.Clone(k.pupil)
				diplomas[k] = dp
			}
			at := slices.IndexFunc(dp.schools, func(s udirSchoolRows) bool { return s.school == int32(si) })
			if at < 0 {
				dp.schools = append(dp.schools, udirSchoolRows{school: int32(si)})
				at = len(dp.schools) - 1
			}
			dp.schools[at].rows++
			bit, word := uint64(1)<<(sub%64), sub/64
			dp.subjects[word] |= bit
			g := grade.Value(i)
			if len(g) != 1 || g[0] < '1' || g[0] > '6' {
				continue
			}
			n := int(g[0] - '0')
			dp.numericSubjects[word] |= bit
			dp.sum += int32(n)
			dp.numeric++
			gt := slices.IndexFunc(udirGradeTypes, func(t udirGradeType) bool { return t.Type == typ.Value(i) })
			if gt < 0 {
				continue
			}
			gk := udirGradeKey{Year: k.year, Subject: sub, GradeType: gt}
			s := seen[gk]
			if s == nil {
				s = make([]udirSum, nSchools)
				seen[gk] = s
			}
			s[si].N++
			s[si].Sum += int64(n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the simulated grades: %w", err)
	}
	// FagIDs in the order of the codes.
	codes := make([]string, 0, len(subjectAt))
	for c := range subjectAt {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	position := make([]int, len(subjectAt)) // first-seen index → sorted position
	for i, c := range codes {
		position[subjectAt[c]] = i
		res.subjects = append(res.subjects, udirFag{ID: int64(1001 + i), Kode: c, Navn: udirSubjectName(c)})
	}
	res.grades = make(map[udirGradeKey][]udirSum, len(seen))
	for k, s := range seen {
		k.Subject = position[k.Subject]
		res.grades[k] = s
	}
	years := map[int]bool{}
	for k, dp := range diplomas {
		years[k.year] = true
		subjects := bits.OnesCount64(dp.subjects[0]) + bits.OnesCount64(dp.subjects[1])
		numeric := bits.OnesCount64(dp.numericSubjects[0]) + bits.OnesCount64(dp.numericSubjects[1])
		if 2*numeric <= subjects {
			continue
		}
		best := dp.schools[0]
		for _, s := range dp.schools[1:] {
			if s.rows > best.rows || s.rows == best.rows && s.school < best.school {
				best = s
			}
		}
		s := res.gsp[k.year]
		if s == nil {
			s = make([]udirSum, nSchools)
			res.gsp[k.year] = s
		}
		// round(100·sum/n) with halves up, in integers: the points in tenths.
		s[best.school].N++
		s[best.school].Sum += int64((200*dp.sum + dp.numeric) / (2 * dp.numeric))
	}
	for y := range years {
		res.years = append(res.years, y)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(res.years)))
	return res, nil
}

// udirSubjectNames name the subjects by the letters of their codes.
var udirSubjectNames = map[string]string{
	"NOR": "Norsk", "MAT": "Matematikk", "ENG": "Engelsk", "NAT": "Naturfag", "SAF": "Samfunnsfag",
	"KRL": "Kristendom, religion, livssyn og etikk", "KHV": "Kunst og håndverk", "MHE": "Mat og helse",
	"MUS": "Musikk", "KRO": "Kroppsøving", "SPR": "Fremmedspråk", "ARB": "Arbeidslivsfag", "VAL": "Valgfag",
}

func udirSubjectName(code string) string {
	if n, ok := udirSubjectNames[code[:min(3, len(code))]]; ok {
		return n + " " + code
	}
	return code
}

// sum adds up a unit's schools.
func (u udirUnit) sum(bySchool []udirSum) udirSum {
	var out udirSum
	if bySchool == nil {
		return out
	}
	for _, si := range u.Schools {
		out.N += bySchool[si].N
		out.Sum += bySchool[si].Sum
	}
	return out
}

// mean is Sum/N/div (div 10 turns grunnskolepoeng tenths into points);
// false when N is 0.
func (s udirSum) mean(div float64) (float64, bool) {
	if s.N == 0 {
		return 0, false
	}
	return float64(s.Sum) / float64(s.N) / div, true
}

// udirMeanCells are a mean (sum/N/div, one decimal) and the count: "" for
// both without data, "*" for both under udirResultsSuppressBelow.
func udirMeanCells(s udirSum, div float64) []string {
	m, ok := s.mean(div)
	switch {
	case !ok:
		return []string{"", ""}
	case s.N < udirResultsSuppressBelow:
		return []string{"*", "*"}
	}
	return []string{udirDecimal(m), udirThousands(s.N)}
}

func (d *udirData) gradePointsTable() *udirTable {
	t := &udirTable{ID: 9001, Kode: "GSK_GSPoeng", Navn: "Grunnskolepoeng", Path: "rest/v1/Statistikk/GSK/ResultatG/1/1",
		TekstIDs:    map[string]string{"Beskrivelse": "190001", "OmStatistikken": "190002", "rapport": "190003", "info": "190004"},
		Description: "Tabellen viser gjennomsnittlig grunnskolepoeng for elever som gikk ut av 10. trinn (emulert).",
		Filters:     []string{"EierformID", "EnhetID", "KjoennID", "TidID"},
		TidMonth:    6, YearTekst: "190010",
		Levels:   []udirHeader{{Name: "Alle eierformer", TekstID: "190011"}, {Name: "Alle kjønn", TekstID: "190012"}},
		Measures: []udirHeader{{Name: "Grunnskolepoeng", TekstID: "190013"}, {Name: "Antall elever", TekstID: "190014"}},
		AllOnly:  []string{"EierformID", "KjoennID"},
		Years:    d.results.years,
	}
	t.Defaults = func() udirObject {
		return udirObject{{"EnhetID", []int64{-12}}, {"TidID", t.newest(1)}, {"EierformID", []int64{-10}}, {"KjoennID", []int64{-10}}}
	}
	t.Lists = func() udirObject {
		return udirObject{{"EierformID", udirAll("Alle eierformer")}, {"KjoennID", udirAll("Alle kjønn")}}
	}
	t.Cells = func(u udirUnit, c udirTableColumn) []string {
		return udirMeanCells(u.sum(d.results.gsp[c.Year]), 10)
	}
	return t
}

func (d *udirData) gradesTable() *udirTable {
	t := &udirTable{ID: 9002, Kode: "GSK_GSKarakterer", Navn: "Karakterer grunnskole", Path: "rest/v1/Statistikk/GSK/ResultatFagG/1/1",
		TekstIDs:    map[string]string{"Beskrivelse": "190101", "OmStatistikken": "190102", "rapport": "190103", "info": "190104"},
		Description: "Tabellen viser gjennomsnittlig standpunkt- og eksamenskarakter per fag på 10. trinn (emulert).",
		Filters:     []string{"EierformID", "EnhetID", "FagID", "KaraktertypeID", "KjoennID", "TidID"},
		TidMonth:    6, YearTekst: "190110",
		Levels:   []udirHeader{{Name: "Alle eierformer", TekstID: "190113"}, {Name: "Alle kjønn", TekstID: "190114"}},
		Measures: []udirHeader{{Name: "Snittkarakter", TekstID: "190115"}, {Name: "Antall elever", TekstID: "190116"}},
		AllOnly:  []string{"EierformID", "KjoennID"},
		Subjects: true,
		Years:    d.results.years,
	}
	t.Defaults = func() udirObject {
		fag := []int64{}
		if len(d.results.subjects) > 0 {
			fag = []int64{d.results.subjects[0].ID}
		}
		return udirObject{{"EnhetID", []int64{-12}}, {"TidID", t.newest(1)}, {"FagID", fag}, {"KaraktertypeID", []int64{1}},
			{"EierformID", []int64{-10}}, {"KjoennID", []int64{-10}}}
	}
	t.Lists = func() udirObject {
		var fag, types []udirValue
		for _, s := range d.results.subjects {
			fag = append(fag, udirValue{ID: s.ID, Kode: s.Kode, Navn: s.Navn})
		}
		for _, g := range udirGradeTypes {
			types = append(types, udirValue{ID: g.ID, Kode: fmt.Sprint(g.ID), Navn: g.Navn})
		}
		return udirObject{{"FagID", udirList(fag...)}, {"KaraktertypeID", udirList(types...)},
			{"EierformID", udirAll("Alle eierformer")}, {"KjoennID", udirAll("Alle kjønn")}}
	}
	t.Cells = func(u udirUnit, c udirTableColumn) []string {
		return udirMeanCells(u.sum(d.results.grades[udirGradeKey{Year: c.Year, Subject: c.Subject, GradeType: c.GradeType}]), 1)
	}
	return t
}
