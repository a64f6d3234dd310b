package survey

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/transforms"
)

var genderNames = [...]string{"G", "J"}

// respondent is the respondent being read: its identity, where its rows
// began, and per index the sum of its (keyed) answers and how many it
// answered. For the bullying index, sum counts the answers >= threshold.
type respondent struct {
	active     bool
	id         string
	year       int32
	school     *schoolRef
	grade      int64
	class      string
	hasClass   bool
	gender     int8 // -1 not given, 0 G, 1 J
	batch, row int64
	sum        []int64
	cnt        []int32
	serial     uint32
	lastItem   int32
}

// schoolRef is a school with its organisation number, shared by all its
// respondents.
type schoolRef struct {
	orgnr string
	school
}

// engine consumes response batches and produces the outputs.
type engine struct {
	p       *plan
	cfg     Config
	schools map[string]*schoolRef
	at      int // the row of the current batch being read (0-based), for messages

	cur   respondent
	stamp []uint32 // per item id: serial of the last respondent that had it

	year      *yearState
	doneYears map[int32]bool

	// Finished output batches not yet handed to the sink: Stream drains
	// them after every input batch, so they hold at most one input batch's
	// respondents and one school year's units.
	unitBatches []arrow.RecordBatch
	resp        *array.RecordBuilder
	respRows    int
	respBatches []arrow.RecordBatch

	rejects     []Reject
	lastFile    string  // the source file of the last reject, shared by the next ones
	unknownRows []int64 // per unknown item (id - p.known)

	rows, respondents int64
}

func newEngine(p *plan, cfg Config, sch map[string]school) *engine {
	e := &engine{
		p:         p,
		cfg:       cfg,
		schools:   make(map[string]*schoolRef, len(sch)),
		doneYears: map[int32]bool{},
		resp:      array.NewRecordBuilder(cfg.Allocator, RespondentSchema),
	}
	e.resp.Reserve(cfg.BatchRows)
	for o, s := range sch {
		e.schools[o] = &schoolRef{orgnr: o, school: s}
	}
	e.cur.sum = make([]int64, len(p.codes))
	e.cur.cnt = make([]int32, len(p.codes))
	e.cur.lastItem = -1
	return e
}

// release frees what the engine holds after a failure.
func (e *engine) release() {
	for _, b := range e.flushRespondents() {
		b.Release()
	}
	for _, b := range e.unitBatches {
		b.Release()
	}
	e.unitBatches = nil
}

// responseCols are the columns of one response batch.
type responseCols struct {
	id, orgnr, class, gender, item transforms.Strings
	year, grade, answer            transforms.Ints
}

func findResponseCols(b arrow.RecordBatch) (c responseCols, err error) {
	for _, s := range []struct {
		name     string
		nullable bool
		dst      *transforms.Strings
	}{{"respondent_id", false, &c.id}, {"school_orgnr", false, &c.orgnr}, {"class_id", true, &c.class}, {"gender", true, &c.gender}, {"item_code", false, &c.item}} {
		if *s.dst, err = transforms.StringColumn(b, s.name, s.nullable); err != nil {
			return c, err
		}
	}
	for _, s := range []struct {
		name     string
		nullable bool
		dst      *transforms.Ints
	}{{"school_year", false, &c.year}, {"grade", false, &c.grade}, {"answer", true, &c.answer}} {
		if *s.dst, err = transforms.IntColumn(b, s.name, s.nullable); err != nil {
			return c, err
		}
	}
	return c, nil
}

// add reads one batch (batch is its 1-based number). Errors begin with the
// row, after the caller's "batch N, ".
func (e *engine) add(batch int64, b arrow.RecordBatch) error {
	c, err := findResponseCols(b)
	if err != nil {
		return err
	}
	p := e.p
	n := int(b.NumRows())
	for i := range n {
		e.rows++
		e.at = i
		year64 := c.year.Value(i)
		if year64 < 1 || year64 > 9999 {
			return fmt.Errorf("row %d, column school_year: %d is not a year", i+1, year64)
		}
		year := int32(year64)
		id := c.id.Value(i)
		cur := &e.cur
		if !cur.active || year != cur.year || id != cur.id {
			if err := e.startRespondent(batch, i, c, year, id); err != nil {
				return err
			}
		} else if err := e.checkSame(i, c); err != nil {
			return err
		}

		it := p.lookup(c.item.Value(i), cur.lastItem+1)
		cur.lastItem = it
		if int(it) >= len(e.stamp) {
			e.stamp = append(e.stamp, make([]uint32, len(p.items)-len(e.stamp))...)
		}
		if e.stamp[it] == cur.serial {
			return fmt.Errorf("row %d, column item_code: item %s is repeated for the respondent (rows from batch %d, row %d)", i+1, p.items[it].code, cur.batch, cur.row)
		}
		e.stamp[it] = cur.serial
		if int(it) >= p.known {
			reason := fmt.Sprintf("item %s is not in codebook group %s (none of its indices, bullying items or other_items)", p.items[it].code, p.group)
			if !e.cfg.Lenient {
				return fmt.Errorf("row %d, column item_code: %s", i+1, reason)
			}
			k := int(it) - p.known
			if k >= len(e.unknownRows) {
				e.unknownRows = append(e.unknownRows, make([]int64, k+1-len(e.unknownRows))...)
			}
			e.unknownRows[k]++
			var a int64
			if !c.answer.IsNull(i) {
				a = c.answer.Value(i)
			}
			e.reject(b, Reject{Batch: batch, Row: int64(i + 1), Column: "item_code", ItemCode: p.items[it].code, Value: a, Reason: reason}, i)
			continue
		}
		ip := &p.items[it]
		if c.answer.IsNull(i) || len(ip.members) == 0 { // unanswered, or in other_items
			continue
		}
		a := c.answer.Value(i)
		if a < ip.lo || a > ip.hi {
			reason := fmt.Sprintf("answer %d is off the scale %d..%d of item %s", a, ip.lo, ip.hi, ip.code)
			if !e.cfg.Lenient {
				return fmt.Errorf("row %d, column answer: %s", i+1, reason)
			}
			e.reject(b, Reject{Batch: batch, Row: int64(i + 1), Column: "answer", ItemCode: ip.code, Value: a, Reason: reason}, i)
			continue
		}
		for _, m := range ip.members {
			switch {
			case m.ix == p.bullying:
				cur.cnt[m.ix]++
				if a >= p.thresh {
					cur.sum[m.ix]++
				}
			case m.rev:
				cur.cnt[m.ix]++
				cur.sum[m.ix] += ip.lo + ip.hi - a
			default:
				cur.cnt[m.ix]++
				cur.sum[m.ix] += a
			}
		}
	}
	return nil
}

// checkSame checks that row i agrees with the current respondent.
func (e *engine) checkSame(i int, c responseCols) error {
	cur := &e.cur
	diff := func(col string) error {
		return fmt.Errorf("row %d, column %s: the respondent has another %s here than on its first row (batch %d, row %d)", i+1, col, col, cur.batch, cur.row)
	}
	if c.orgnr.Value(i) != cur.school.orgnr {
		return diff("school_orgnr")
	}
	if c.grade.Value(i) != cur.grade {
		return diff("grade")
	}
	if c.class.IsNull(i) == cur.hasClass || (cur.hasClass && c.class.Value(i) != cur.class) {
		return diff("class_id")
	}
	g, err := gender(i, c)
	if err != nil {
		return err
	}
	if g != cur.gender {
		return diff("gender")
	}
	return nil
}

func gender(i int, c responseCols) (int8, error) {
	if c.gender.IsNull(i) {
		return -1, nil
	}
	switch c.gender.Value(i) {
	case "G":
		return 0, nil
	case "J":
		return 1, nil
	}
	return 0, fmt.Errorf("row %d, column gender: %q is not G or J", i+1, c.gender.Value(i))
}

// startRespondent finishes the current respondent and starts the one of
// row i.
func (e *engine) startRespondent(batch int64, i int, c responseCols, year int32, id string) error {
	cur := &e.cur
	if cur.active {
		e.finishRespondent()
	}
	if e.year == nil || e.year.year != year {
		if e.doneYears[year] {
			return fmt.Errorf("row %d, column school_year: school year %d appears again after other school years; the input must keep each school year's rows together (ORDER BY school_year, respondent_id)", i+1, year)
		}
		if err := e.finishYear(); err != nil {
			return err
		}
		e.year = newYearState(year, len(e.p.codes))
	}
	if _, seen := e.year.seen[id]; seen {
		return fmt.Errorf("row %d, column respondent_id: the respondent's rows are not together (it had rows before another respondent's); the input must keep each respondent's rows together (ORDER BY school_year, respondent_id)", i+1)
	}
	orgnr := c.orgnr.Value(i)
	s, ok := e.schools[orgnr]
	if !ok {
		return fmt.Errorf("row %d, column school_orgnr: school %s is not in the schools input", i+1, orgnr)
	}
	g, err := gender(i, c)
	if err != nil {
		return err
	}
	id = strings.Clone(id)
	e.year.seen[id] = struct{}{}
	cur.active = true
	cur.id = id
	cur.year = year
	cur.school = s
	cur.grade = c.grade.Value(i)
	if cur.grade < 0 || cur.grade > 99 {
		return fmt.Errorf("row %d, column grade: %d is not a grade", i+1, cur.grade)
	}
	cur.hasClass = !c.class.IsNull(i)
	if cur.hasClass {
		if cl := c.class.Value(i); cl != cur.class {
			cur.class = strings.Clone(cl)
		}
	} else {
		cur.class = ""
	}
	cur.gender = g
	cur.batch, cur.row = batch, int64(i+1)
	clear(cur.sum)
	clear(cur.cnt)
	cur.serial++
	if cur.serial == 0 { // wrapped: old stamps could match again
		clear(e.stamp)
		cur.serial = 1
	}
	e.respondents++
	return nil
}

// reject sets row i of b aside (lenient mode), with its source file and
// row when the input carries them.
func (e *engine) reject(b arrow.RecordBatch, rj Reject, i int) {
	if file, row, ok := sourceOf(b, i); ok {
		// The batch's memory is reused: keep one copy of each file name.
		if file != e.lastFile {
			e.lastFile = strings.Clone(file)
		}
		rj.File, rj.SourceRow = e.lastFile, row
	}
	e.rejects = append(e.rejects, rj)
}

// finishRespondent writes the current respondent's scores and adds them to
// its units.
func (e *engine) finishRespondent() {
	cur := &e.cur
	p := e.p
	cells := e.year.cellsOf(cur)
	for k, code := range p.codes {
		b := e.resp
		b.Field(0).(*array.StringBuilder).Append(cur.id)
		b.Field(1).(*array.Int32Builder).Append(cur.year)
		b.Field(2).(*array.StringBuilder).Append(cur.school.orgnr)
		b.Field(3).(*array.Int32Builder).Append(int32(cur.grade))
		if cur.hasClass {
			b.Field(4).(*array.StringBuilder).Append(cur.class)
		} else {
			b.Field(4).(*array.StringBuilder).AppendNull()
		}
		if cur.gender >= 0 {
			b.Field(5).(*array.StringBuilder).Append(genderNames[cur.gender])
		} else {
			b.Field(5).(*array.StringBuilder).AppendNull()
		}
		b.Field(6).(*array.StringBuilder).Append(code)
		b.Field(7).(*array.Int32Builder).Append(cur.cnt[k])
		score := b.Field(8).(*array.Float64Builder)
		if int(cur.cnt[k]) < p.minItems[k] {
			score.AppendNull()
		} else {
			var s float64
			switch {
			case k == p.bullying && cur.sum[k] > 0:
				s = 100
			case k == p.bullying:
				s = 0
			default:
				s = float64(cur.sum[k]) / float64(cur.cnt[k])
			}
			score.Append(s)
			e.year.add(cells, k, s-(float64(p.lo[k])+float64(p.hi[k]))/2)
		}
		e.respRows++
		if e.respRows == e.cfg.BatchRows {
			e.respBatches = append(e.respBatches, b.NewRecordBatch())
			e.respRows = 0
			b.Reserve(e.cfg.BatchRows)
		}
	}
	cur.active = false
}

// flushRespondents returns the respondent batches not yet drained, with
// the rows still in the builder as a last batch (when there are any), and
// releases the builder.
func (e *engine) flushRespondents() []arrow.RecordBatch {
	if e.resp == nil {
		return nil
	}
	if e.respRows > 0 {
		e.respBatches = append(e.respBatches, e.resp.NewRecordBatch())
	}
	e.resp.Release()
	e.resp = nil
	out := e.respBatches
	e.respBatches = nil
	return out
}
