package gsp

import (
	"cmp"
	"fmt"
	"slices"
)

// pupilPoints is the outcome for one pupil (same index as input.pupils).
type pupilPoints struct {
	school                                        int32 // index into input.schools
	subjects, subjectsNumeric, gradesNumeric, sum int32
	// tenths is gsp in tenths of a point (100-600), or -1 when excluded.
	tenths int32
}

// tenthsOf returns round(sum/count, 2) * 10 in tenths of a point, that is
// round(100 * sum / count) with halves rounded away from zero, computed in
// integers: floor((200*sum + count) / (2*count)). sum and count are positive.
func tenthsOf(sum, count int64) int64 {
	return (200*sum + count) / (2 * count)
}

// points groups the rows by pupil and computes each pupil's points.
func (in *input) points() ([]pupilPoints, error) {
	// Counting sort of row indices by pupil, stable in input order.
	start := make([]int32, len(in.pupils)+1)
	for _, r := range in.rows {
		start[r.pupil+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	order := make([]int32, len(in.rows))
	next := slices.Clone(start[:len(in.pupils)])
	for i, r := range in.rows {
		order[next[r.pupil]] = int32(i)
		next[r.pupil]++
	}

	out := make([]pupilPoints, len(in.pupils))
	type tally struct {
		school int32
		n      int
	}
	var schools []tally
	for p := range in.pupils {
		idx := order[start[p]:start[p+1]]
		// By subject, then grade type, then input order (for messages).
		slices.SortFunc(idx, func(a, b int32) int {
			ra, rb := in.rows[a], in.rows[b]
			return cmp.Or(cmp.Compare(ra.subject, rb.subject), cmp.Compare(ra.gradeType, rb.gradeType), cmp.Compare(a, b))
		})
		var pp pupilPoints
		schools = schools[:0]
		subjectNumeric := false
		for k, ri := range idx {
			r := in.rows[ri]
			newSubject := k == 0 || in.rows[idx[k-1]].subject != r.subject
			if !newSubject && in.rows[idx[k-1]].gradeType == r.gradeType {
				return nil, fmt.Errorf("%s and %s: the pupil has two %s grades in subject %s",
					in.where(idx[k-1]), in.where(ri), gradeTypeNames[r.gradeType], in.subjects[r.subject])
			}
			if newSubject {
				pp.subjects++
				subjectNumeric = false
			}
			if r.grade > 0 {
				pp.gradesNumeric++
				pp.sum += int32(r.grade)
				if !subjectNumeric {
					subjectNumeric = true
					pp.subjectsNumeric++
				}
			}
			found := false
			for j := range schools {
				if schools[j].school == r.school {
					schools[j].n++
					found = true
					break
				}
			}
			if !found {
				schools = append(schools, tally{r.school, 1})
			}
		}
		// The school on most rows; ties go to the smallest orgnr.
		best := schools[0]
		for _, t := range schools[1:] {
			if t.n > best.n || (t.n == best.n && in.schools[t.school].orgnr < in.schools[best.school].orgnr) {
				best = t
			}
		}
		pp.school = best.school
		pp.tenths = -1
		if 2*pp.subjectsNumeric > pp.subjects {
			pp.tenths = int32(tenthsOf(int64(pp.sum), int64(pp.gradesNumeric)))
		}
		out[p] = pp
	}
	return out, nil
}

func excludedReason(pp pupilPoints) string {
	return fmt.Sprintf("numeric grades in %d of %d subjects (not more than half)", pp.subjectsNumeric, pp.subjects)
}
