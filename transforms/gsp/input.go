package gsp

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/transforms"
)

// Grade types and genders, as small codes.
const (
	standpunkt uint8 = iota
	writtenExam
	oralExam
)

var gradeTypeNames = [...]string{"standpunkt", "written_exam", "oral_exam"}

const (
	boy  uint8 = 0 // G
	girl uint8 = 1 // J
)

var genderNames = [...]string{"G", "J"}

// row is one grade, held compactly. pupil, subject and school index the
// input's tables. grade is 1-6, or 0 for IV, F and D.
type row struct {
	pupil, subject, school int32
	gradeType, grade       uint8
}

type pupilKey struct {
	year int32
	id   string
}

type pupilInfo struct {
	id       string
	year     int32
	gender   uint8
	firstRow int32
}

type schoolKey struct {
	year  int32
	orgnr string
}

type schoolInfo struct {
	orgnr, municipality, county string
	year                        int32
	public                      bool
	firstRow                    int32
}

type muniKey struct {
	year int32
	code string
}

type muniInfo struct {
	county   string
	firstRow int32
}

// input accumulates the rows of all batches. Strings kept in its tables are
// copies, never views of a batch's buffers, so batches may be released as
// soon as add returns.
type input struct {
	rows       []row
	batchStart []int64 // global index of each batch's first row

	pupilIdx map[pupilKey]int32
	pupils   []pupilInfo

	schoolIdx map[schoolKey]int32
	schools   []schoolInfo

	subjectIdx map[string]int32
	subjects   []string

	munis map[muniKey]muniInfo
}

func newInput() *input {
	return &input{
		pupilIdx:   make(map[pupilKey]int32),
		schoolIdx:  make(map[schoolKey]int32),
		subjectIdx: make(map[string]int32),
		munis:      make(map[muniKey]muniInfo),
	}
}

// where names a global row index as "batch b, row r", both 1-based.
func (in *input) where(global int32) string {
	b := sort.Search(len(in.batchStart), func(i int) bool { return in.batchStart[i] > int64(global) }) - 1
	return fmt.Sprintf("batch %d, row %d", b+1, int64(global)-in.batchStart[b]+1)
}

// columns are the input columns of one batch, found by name.
type columns struct {
	pupilID, orgnr, subject, gradeType, grade, gender, municipality, county *array.String
	year                                                                    *array.Int32
	public                                                                  *array.Boolean
}

func findColumns(b arrow.RecordBatch) (columns, error) {
	var c columns
	for _, f := range InputSchema.Fields() {
		col, err := transforms.Column(b, f.Name)
		if err != nil {
			return c, err
		}
		if !arrow.TypeEqual(col.DataType(), f.Type) {
			return c, fmt.Errorf("column %s has type %s, want %s", f.Name, col.DataType(), f.Type)
		}
		if err := transforms.NotNull(col, f.Name); err != nil {
			return c, err
		}
		switch f.Name {
		case "pupil_id":
			c.pupilID = col.(*array.String)
		case "school_year":
			c.year = col.(*array.Int32)
		case "school_orgnr":
			c.orgnr = col.(*array.String)
		case "subject_code":
			c.subject = col.(*array.String)
		case "grade_type":
			c.gradeType = col.(*array.String)
		case "grade":
			c.grade = col.(*array.String)
		case "gender":
			c.gender = col.(*array.String)
		case "public":
			c.public = col.(*array.Boolean)
		case "municipality_code":
			c.municipality = col.(*array.String)
		case "county_code":
			c.county = col.(*array.String)
		}
	}
	return c, nil
}

func parseGrade(s string) (uint8, bool) {
	if len(s) == 1 && s[0] >= '1' && s[0] <= '6' {
		return s[0] - '0', true
	}
	switch s {
	case "IV", "F", "D":
		return 0, true
	}
	return 0, false
}

func parseGradeType(s string) (uint8, bool) {
	for i, n := range gradeTypeNames {
		if s == n {
			return uint8(i), true
		}
	}
	return 0, false
}

func parseGender(s string) (uint8, bool) {
	switch s {
	case "G":
		return boy, true
	case "J":
		return girl, true
	}
	return 0, false
}

// add checks one batch and appends its rows.
func (in *input) add(b arrow.RecordBatch) error {
	batchNo := len(in.batchStart) + 1
	c, err := findColumns(b)
	if err != nil {
		return fmt.Errorf("batch %d: %w", batchNo, err)
	}
	n := int(b.NumRows())
	if int64(len(in.rows))+int64(n) > math.MaxInt32 {
		return fmt.Errorf("batch %d: more than %d rows in all", batchNo, math.MaxInt32)
	}
	in.batchStart = append(in.batchStart, int64(len(in.rows)))
	in.rows = slices.Grow(in.rows, n)
	lastPupil, lastSchool := int32(-1), int32(-1)
	for i := range n {
		global := int32(len(in.rows))
		at := func() string { return fmt.Sprintf("batch %d, row %d", batchNo, i+1) }

		grade, ok := parseGrade(c.grade.Value(i))
		if !ok {
			return fmt.Errorf("%s: grade %q is not 1-6, IV, F or D", at(), c.grade.Value(i))
		}
		gradeType, ok := parseGradeType(c.gradeType.Value(i))
		if !ok {
			return fmt.Errorf("%s: grade_type %q is not standpunkt, written_exam or oral_exam", at(), c.gradeType.Value(i))
		}
		gender, ok := parseGender(c.gender.Value(i))
		if !ok {
			return fmt.Errorf("%s: gender %q is not G or J", at(), c.gender.Value(i))
		}
		year := c.year.Value(i)

		// Pupil: rows of one pupil usually come together, so try the last.
		id := c.pupilID.Value(i)
		p := lastPupil
		if p < 0 || in.pupils[p].year != year || in.pupils[p].id != id {
			var seen bool
			p, seen = in.pupilIdx[pupilKey{year, id}]
			if !seen {
				p = int32(len(in.pupils))
				id = strings.Clone(id)
				in.pupilIdx[pupilKey{year, id}] = p
				in.pupils = append(in.pupils, pupilInfo{id: id, year: year, gender: gender, firstRow: global})
			}
			lastPupil = p
		}
		if in.pupils[p].gender != gender {
			return fmt.Errorf("%s: the pupil has gender %s here and %s at %s",
				at(), genderNames[gender], genderNames[in.pupils[p].gender], in.where(in.pupils[p].firstRow))
		}

		s, err := in.school(c, i, year, lastSchool, global, at)
		if err != nil {
			return err
		}
		lastSchool = s

		code := c.subject.Value(i)
		subj, seen := in.subjectIdx[code]
		if !seen {
			subj = int32(len(in.subjects))
			code = strings.Clone(code)
			in.subjectIdx[code] = subj
			in.subjects = append(in.subjects, code)
		}

		in.rows = append(in.rows, row{pupil: p, subject: subj, school: s, gradeType: gradeType, grade: grade})
	}
	return nil
}

// school finds or adds the row's school and checks that its owner,
// municipality and county agree with its earlier rows, and the
// municipality's county with earlier schools of that municipality.
func (in *input) school(c columns, i int, year, last, global int32, at func() string) (int32, error) {
	orgnr := c.orgnr.Value(i)
	muni := c.municipality.Value(i)
	county := c.county.Value(i)
	public := c.public.Value(i)
	s := last
	if s < 0 || in.schools[s].year != year || in.schools[s].orgnr != orgnr {
		var seen bool
		s, seen = in.schoolIdx[schoolKey{year, orgnr}]
		if !seen {
			if m, ok := in.munis[muniKey{year, muni}]; ok && m.county != county {
				return 0, fmt.Errorf("%s: municipality %s is in county %s here and in county %s at %s (school year %d)",
					at(), muni, county, m.county, in.where(m.firstRow), year)
			}
			s = int32(len(in.schools))
			si := schoolInfo{
				orgnr:        strings.Clone(orgnr),
				municipality: strings.Clone(muni),
				county:       strings.Clone(county),
				year:         year,
				public:       public,
				firstRow:     global,
			}
			in.schoolIdx[schoolKey{year, si.orgnr}] = s
			in.schools = append(in.schools, si)
			if _, ok := in.munis[muniKey{year, muni}]; !ok {
				in.munis[muniKey{year, si.municipality}] = muniInfo{county: si.county, firstRow: global}
			}
			return s, nil
		}
	}
	si := &in.schools[s]
	if si.municipality != muni || si.county != county || si.public != public {
		return 0, fmt.Errorf("%s: school %s has (public %t, municipality %s, county %s) here and (public %t, municipality %s, county %s) at %s (school year %d)",
			at(), si.orgnr, public, muni, county, si.public, si.municipality, si.county, in.where(si.firstRow), year)
	}
	return s, nil
}
