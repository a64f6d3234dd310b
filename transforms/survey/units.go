package survey

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Unit types, in output order.
const (
	unitClass uint8 = iota
	unitSchool
	unitMunicipality
	unitCounty
	unitNation
)

var unitNames = [...]string{"class", "school", "municipality", "county", "nation"}

// nationCode is the unit_code of the nation.
const nationCode = "0"

// all is the grade or gender of a cell over every grade or gender.
const all = -1

type unitKey struct {
	typ  uint8
	code string
}

// cellKey is a unit and subgroup; grade and gender are all (-1) or the
// grade and the gender (0 G, 1 J).
type cellKey struct {
	unit   int32
	grade  int16
	gender int8
}

// acc accumulates the scores of one cell and index, each shifted by the
// centre of the index's scale (which keeps sumSq - sum²/n from cancelling).
type acc struct {
	n          int64
	sum, sumSq float64
}

// cacheKey is what decides a respondent's cells.
type cacheKey struct {
	school   *schoolRef
	class    string
	hasClass bool
	grade    int64
	gender   int8
}

// yearState is what one school year needs while its rows are read: the
// respondents seen (to check that their rows are together) and the unit
// cells. It is dropped when the year ends.
type yearState struct {
	year    int32
	nIdx    int
	seen    map[string]struct{}
	unitIdx map[unitKey]int32
	units   []unitKey
	parent  []int32 // per unit: the unit one level up (class: its school, ... county: the nation), -1 for the nation
	cellIdx map[cellKey]int32
	cells   []cellKey
	accs    []acc // cell c, index k at c*nIdx + k

	last      cacheKey
	lastCells []int32
	hasLast   bool
}

func newYearState(year int32, nIdx int) *yearState {
	return &yearState{
		year:    year,
		nIdx:    nIdx,
		seen:    map[string]struct{}{},
		unitIdx: map[unitKey]int32{},
		cellIdx: map[cellKey]int32{},
	}
}

func (y *yearState) unit(typ uint8, code string) int32 {
	k := unitKey{typ, code}
	u, ok := y.unitIdx[k]
	if !ok {
		u = int32(len(y.units))
		y.unitIdx[k] = u
		y.units = append(y.units, k)
	}
	return u
}

func (y *yearState) cell(k cellKey) int32 {
	c, ok := y.cellIdx[k]
	if !ok {
		c = int32(len(y.cells))
		y.cellIdx[k] = c
		y.cells = append(y.cells, k)
		y.accs = append(y.accs, make([]acc, y.nIdx)...)
	}
	return c
}

// cellsOf returns the cells the respondent counts in. Consecutive
// respondents of one class, grade and gender share them.
func (y *yearState) cellsOf(r *respondent) []int32 {
	key := cacheKey{r.school, r.class, r.hasClass, r.grade, r.gender}
	if y.hasLast && key == y.last {
		return y.lastCells
	}
	s := r.school
	units := make([]int32, 0, 5)
	if r.hasClass {
		units = append(units, y.unit(unitClass, s.orgnr+"/"+r.class))
	}
	units = append(units,
		y.unit(unitSchool, s.orgnr),
		y.unit(unitMunicipality, s.municipality),
		y.unit(unitCounty, s.county),
		y.unit(unitNation, nationCode))
	for i, u := range units {
		for int(u) >= len(y.parent) {
			y.parent = append(y.parent, -1)
		}
		if i+1 < len(units) {
			y.parent[u] = units[i+1]
		}
	}
	grades := []int16{all, int16(r.grade)}
	genders := []int8{all}
	if r.gender >= 0 {
		genders = append(genders, r.gender)
	}
	cells := make([]int32, 0, len(units)*len(grades)*len(genders))
	for _, u := range units {
		for _, g := range grades {
			for _, sex := range genders {
				cells = append(cells, y.cell(cellKey{u, g, sex}))
			}
		}
	}
	y.last, y.lastCells, y.hasLast = key, cells, true
	return cells
}

// add counts the shifted score d of index k in every cell of cells.
func (y *yearState) add(cells []int32, k int, d float64) {
	for _, c := range cells {
		a := &y.accs[int(c)*y.nIdx+k]
		a.n++
		a.sum += d
		a.sumSq += d * d
	}
}

// order lists the indices of y.cells in the canonical order of the unit
// rows: by unit type, unit code, grade, then gender.
func (y *yearState) order() []int32 {
	order := make([]int32, len(y.cells))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		ca, cb := y.cells[a], y.cells[b]
		ua, ub := y.units[ca.unit], y.units[cb.unit]
		return cmp.Or(cmp.Compare(ua.typ, ub.typ), cmp.Compare(ua.code, ub.code),
			cmp.Compare(ca.grade, cb.grade), cmp.Compare(ca.gender, cb.gender))
	})
	return order
}

// finishYear finishes the current respondent and writes the unit rows of
// the current school year. It fails only through a defect of the package
// (an internalError), never through the input.
func (e *engine) finishYear() error {
	if e.cur.active {
		e.finishRespondent()
	}
	y := e.year
	if y == nil {
		return nil
	}
	e.year = nil
	e.doneYears[y.year] = true
	order := y.order()
	p := e.p
	dec, err := suppressYear(y, order, p.minResp)
	if err != nil {
		// The partitions are built from the cells themselves: they fail to
		// add up only through a defect here, never through the input.
		return internalError{fmt.Errorf("suppressing the cells of school year %d: %w", y.year, err)}
	}
	notes := newNotes(y, p.minResp)
	b := array.NewRecordBuilder(e.cfg.Allocator, UnitSchema)
	defer b.Release()
	var out []arrow.RecordBatch
	rows := 0
	gradeNames := map[int16]string{all: "all"}
	for _, ci := range order {
		ck := y.cells[ci]
		u := y.units[ck.unit]
		gname, ok := gradeNames[ck.grade]
		if !ok {
			gname = strconv.Itoa(int(ck.grade))
			gradeNames[ck.grade] = gname
		}
		sex := "all"
		if ck.gender >= 0 {
			sex = genderNames[ck.gender]
		}
		for k, code := range p.codes {
			a := y.accs[int(ci)*y.nIdx+k]
			if a.n == 0 {
				continue
			}
			b.Field(0).(*array.Int32Builder).Append(y.year)
			b.Field(1).(*array.StringBuilder).Append(unitNames[u.typ])
			b.Field(2).(*array.StringBuilder).Append(u.code)
			b.Field(3).(*array.StringBuilder).Append(gname)
			b.Field(4).(*array.StringBuilder).Append(sex)
			b.Field(5).(*array.StringBuilder).Append(code)
			n, mean, sd := b.Field(6).(*array.Int64Builder), b.Field(7).(*array.Float64Builder), b.Field(8).(*array.Float64Builder)
			var d cellDecision // published when dec is nil (suppression off)
			if dec != nil {
				d = dec[int(ci)*y.nIdx+k]
			}
			if d.suppressed() {
				n.AppendNull()
				mean.AppendNull()
				sd.AppendNull()
				b.Field(9).(*array.StringBuilder).Append("suppressed")
				b.Field(10).(*array.StringBuilder).Append(notes.of(d))
			} else {
				n.Append(a.n)
				mean.Append((float64(p.lo[k])+float64(p.hi[k]))/2 + a.sum/float64(a.n))
				if a.n >= 2 {
					v := (a.sumSq - a.sum*a.sum/float64(a.n)) / float64(a.n-1)
					sd.Append(math.Sqrt(max(v, 0)))
				} else {
					sd.AppendNull()
				}
				b.Field(9).(*array.StringBuilder).Append("ok")
				b.Field(10).(*array.StringBuilder).AppendNull()
			}
			rows++
			if rows == e.cfg.BatchRows {
				out = append(out, b.NewRecordBatch())
				rows = 0
			}
		}
	}
	if rows > 0 {
		out = append(out, b.NewRecordBatch())
	}
	e.unitBatches = append(e.unitBatches, out...)
	return nil
}

// internalError is a defect of this package, not bad input: Stream does not
// report it as an InputError.
type internalError struct{ error }

func (e internalError) Unwrap() error { return e.error }

// buildIssues writes the unknown items, then the rejects.
func buildIssues(cfg Config, unknown []UnknownItem, rejects []Reject) arrow.RecordBatch {
	b := array.NewRecordBuilder(cfg.Allocator, IssueSchema)
	defer b.Release()
	for _, u := range unknown {
		b.Field(0).(*array.StringBuilder).Append("unknown_item")
		b.Field(1).(*array.StringBuilder).Append(u.Code)
		b.Field(2).(*array.Int64Builder).Append(u.Rows)
		b.Field(3).(*array.StringBuilder).AppendNull()
		b.Field(4).(*array.StringBuilder).AppendNull()
	}
	for _, r := range rejects {
		if r.Column != "answer" {
			continue // an unknown item's rows: counted in its unknown_item row
		}
		b.Field(0).(*array.StringBuilder).Append("rejected_answer")
		b.Field(1).(*array.StringBuilder).Append(r.ItemCode)
		b.Field(2).(*array.Int64Builder).Append(1)
		if r.File != "" {
			b.Field(3).(*array.StringBuilder).Append(r.File + " row " + strconv.FormatInt(r.SourceRow, 10))
		} else {
			b.Field(3).(*array.StringBuilder).Append("batch " + strconv.FormatInt(r.Batch, 10) + ", row " + strconv.FormatInt(r.Row, 10))
		}
		b.Field(4).(*array.StringBuilder).Append(r.Reason)
	}
	return b.NewRecordBatch()
}
