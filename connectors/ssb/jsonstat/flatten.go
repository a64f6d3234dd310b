package jsonstat

import (
	"fmt"
	"iter"
)

// Row is one cell of a dataset with its coordinates.
//
// Rows yields the same *Row for every cell, updated in place: its slices
// and strings stay valid only until the next cell. Copy what you keep, and
// do not modify the slices. The strings themselves are the dataset's (no
// copy is made per cell).
type Row struct {
	// Index is the cell's flat position: Σ Pos[d] · Π_{k>d} Size[k].
	Index int
	// Pos, ID and Label give, per dimension in Dataset.ID order, the
	// category's position, id and label (the id when it has no label).
	Pos   []int
	ID    []string
	Label []string
	Kind  ValueKind
	// Value is the number when Kind is KindNumber, else 0.
	Value float64
	// Text is the value when Kind is KindString, else "".
	Text string
	// Status is the cell's status symbol ("" when none), e.g. SSB's "." (not
	// applicable), ".." (not available) or ":" (confidential).
	Status string
}

// Number returns the value as a pointer, nil unless Kind is KindNumber (the
// form cell.FromSSB takes). The pointer aliases the Row: it is valid only
// until the next cell.
func (r *Row) Number() *float64 {
	if r.Kind != KindNumber {
		return nil
	}
	return &r.Value
}

// Rows returns an iterator over the dataset's cells in JSON-stat order, the
// last dimension varying fastest, product(Size) of them. It refuses, before
// any cell is read, a dataset that ValidateDataset finds invalid (the error
// wraps *ValidationError) and a metadata-only one (ErrMetadataOnly); once it
// has returned an iterator, the iteration cannot fail. Memory use is
// O(dimensions + categories) on top of the dataset, whatever the cell count.
func (ds *Dataset) Rows() (iter.Seq[*Row], error) {
	if r := ValidateDataset(ds); !r.Valid {
		return nil, fmt.Errorf("flattening dataset %s: %w", ds.describe(), r.Err())
	}
	if ds.MetadataOnly() {
		return nil, fmt.Errorf("flattening dataset %s: %w", ds.describe(), ErrMetadataOnly)
	}
	total, _ := product(ds.Size) // Valid: sizes >= 0, product <= MaxCells
	n := len(ds.ID)
	ids := make([][]string, n)
	labels := make([][]string, n)
	for d, id := range ds.ID {
		c := &ds.dims[id].Category
		ids[d] = c.IDs
		labels[d] = make([]string, len(c.IDs))
		for p, cid := range c.IDs {
			labels[d][p] = c.LabelOf(cid)
		}
	}
	return func(yield func(*Row) bool) {
		if total == 0 {
			return
		}
		pos := make([]int, n)
		row := &Row{Pos: make([]int, n), ID: make([]string, n), Label: make([]string, n)}
		for d := range n {
			row.ID[d], row.Label[d] = ids[d][0], labels[d][0]
		}
		val, st := &ds.values, &ds.status
		nextValue, nextStatus := 0, 0 // cursors into sparse cells
		for i := range total {
			if i > 0 {
				// Advance the odometer: the last dimension fastest.
				for d := n - 1; d >= 0; d-- {
					p := pos[d] + 1
					if p == len(ids[d]) {
						p = 0
					}
					pos[d] = p
					row.Pos[d], row.ID[d], row.Label[d] = p, ids[d][p], labels[d][p]
					if p != 0 {
						break
					}
				}
			}
			row.Index = i
			row.Kind, row.Value, row.Text = KindNull, 0, ""
			if val.sparse {
				if nextValue < len(val.cells) && val.cells[nextValue].pos == i {
					c := &val.cells[nextValue]
					row.Kind, row.Value, row.Text = c.kind, c.num, c.text
					nextValue++
				}
			} else {
				row.Kind = val.kind[i]
				switch row.Kind {
				case KindNumber:
					row.Value = val.num[i]
				case KindString:
					row.Text = val.text[i]
				}
			}
			switch st.form {
			case statusNone:
				row.Status = ""
			case statusAll:
				row.Status = st.all
			case statusArray:
				row.Status = st.symbol(st.codes[i])
			case statusObject:
				row.Status = ""
				if nextStatus < len(st.cells) && st.cells[nextStatus].pos == i {
					row.Status = st.symbol(st.cells[nextStatus].code)
					nextStatus++
				}
			}
			if !yield(row) {
				return
			}
		}
	}, nil
}

// Flatten calls fn for every cell in JSON-stat order, as Rows yields them,
// and stops at the first error fn returns (which it returns as is). fn may
// check a context to give up early.
func (ds *Dataset) Flatten(fn func(*Row) error) error {
	seq, err := ds.Rows()
	if err != nil {
		return err
	}
	for r := range seq {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// describe names a dataset in errors.
func (ds *Dataset) describe() string {
	switch {
	case ds.Name != "":
		return fmt.Sprintf("%q", ds.Name)
	case ds.Pointer != "":
		return ds.Pointer
	case ds.Label != "":
		return fmt.Sprintf("%q", ds.Label)
	}
	return "(root)"
}
