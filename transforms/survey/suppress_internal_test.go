package survey

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/codebook"
)

// YearSuppression reads one school year of responses as Compute does, and
// returns a function that runs that year's complementary suppression
// (suppressYear) and the number of (cell, index) pairs with n > 0, for
// BenchmarkSuppressNationalYear. Test-only.
func YearSuppression(g codebook.Group, schools, responses array.RecordReader, minResp int) (run func() error, pairs int, err error) {
	p, err := compile(g, minResp)
	if err != nil {
		return nil, 0, err
	}
	sch, err := readSchools(context.Background(), schools)
	if err != nil {
		return nil, 0, err
	}
	e := newEngine(p, Config{BatchRows: DefaultBatchRows, Allocator: memory.DefaultAllocator}, sch)
	defer e.release()
	batch := int64(0)
	for responses.Next() {
		batch++
		if err := e.add(batch, responses.RecordBatch()); err != nil {
			return nil, 0, err
		}
		// Drop the respondent output as it is made.
		if err := e.drain(func(string, arrow.RecordBatch) error { return nil }, false); err != nil {
			return nil, 0, err
		}
	}
	if e.cur.active {
		e.finishRespondent()
	}
	y := e.year
	if y == nil {
		return nil, 0, fmt.Errorf("no school year read")
	}
	for _, a := range y.accs {
		if a.n > 0 {
			pairs++
		}
	}
	order := y.order()
	return func() error {
		_, err := suppressYear(y, order, p.minResp)
		return err
	}, pairs, nil
}
