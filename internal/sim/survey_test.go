package sim

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

func TestItems(t *testing.T) {
	if len(Items) < 55 || len(Items) > 65 {
		t.Errorf("%d items, want about 60", len(Items))
	}
	names := map[string]string{"EUIndeks_1378": "Faglig utfordring", "EUIndeks_1379": "Trivsel",
		"EUIndeks_1380": "Støtte fra lærer", "EUIndeks_1381": "Støtte hjemmefra", "EUIndeks_1382": "Vurdering for læring",
		"EUIndeks_1383": "Læringskultur", "EUIndeks_1384": "Mestring", "EUIndeks_1385": "Motivasjon",
		"EUIndeks_1386": "Elevdemokrati og medvirkning", "EUIndeks_1387": "Felles regler"}
	if len(SurveyIndices) != len(names) {
		t.Errorf("%d indices, want %d", len(SurveyIndices), len(names))
	}
	for _, ix := range SurveyIndices {
		if names[ix.Code] != ix.Name {
			t.Errorf("index %s %q, want %q", ix.Code, ix.Name, names[ix.Code])
		}
	}
	codes := map[string]bool{}
	items, reverse := map[string]int{}, map[string]int{}
	for _, it := range Items {
		if codes[it.Code] {
			t.Errorf("item %s twice", it.Code)
		}
		codes[it.Code] = true
		items[it.Index]++
		if it.Reverse {
			reverse[it.Index]++
		}
		if _, ok := names[it.Index]; ok && !strings.HasPrefix(it.Code, "EU"+strings.TrimPrefix(it.Index, "EUIndeks_")+"_") {
			t.Errorf("item %s of index %s", it.Code, it.Index)
		}
	}
	for code := range names {
		if items[code] < 4 || items[code] > 6 || reverse[code] < 1 || reverse[code] > 2 {
			t.Errorf("index %s: %d items, %d reverse-keyed; want about 5 and 1-2", code, items[code], reverse[code])
		}
	}
	for _, c := range []string{"EUSpoersmaal_Q11811", "EUSpoersmaal_Q11816", "EUSpoersmaal_Q11824"} {
		if !codes[c] {
			t.Errorf("bullying item %s missing", c)
		}
	}
	if items[BullyingIndex] != 3 || reverse[BullyingIndex] != 0 {
		t.Errorf("%d bullying items (%d reverse-keyed), want the three, none reversed", items[BullyingIndex], reverse[BullyingIndex])
	}
}

func TestSurveyAnswers(t *testing.T) {
	dir, w := moderateNation(t)
	m := DefaultModel().Survey
	index := map[string]Item{}
	for _, it := range Items {
		index[it.Code] = it
	}
	type yearGrade struct{ year, grade int32 }
	type class struct {
		school, class string
		year          int32
	}
	type respondent struct {
		id   string
		year int32
	}
	respondents := map[yearGrade]map[string]bool{}
	classes := map[class]map[string]bool{}
	var rows, unanswered, genderNull float64
	bullied := map[respondent]bool{}   // answered 3 or more on a bullying item
	answeredB := map[respondent]bool{} // answered at least one bullying item
	// School means of the index EUIndeks_1379 (reverse-keyed items turned).
	type schoolSum struct{ sum, n float64 }
	trivsel := map[string]*schoolSum{}
	var rev, fwd meanSD // answers to reverse-keyed and other index items
	readTable(t, dir, "survey_responses", func(rec arrow.RecordBatch) {
		id, year, school := strCol(rec, "respondent_id"), rec.Column(1).(*array.Int32), strCol(rec, "school_orgnr")
		grade, cls, gender := rec.Column(3).(*array.Int32), strCol(rec, "class_id"), strCol(rec, "gender")
		item, answer := strCol(rec, "item_code"), rec.Column(7).(*array.Int32)
		for i := range id.Len() {
			rows++
			yg := yearGrade{year.Value(i), grade.Value(i)}
			if respondents[yg] == nil {
				respondents[yg] = map[string]bool{}
			}
			respondents[yg][id.Value(i)] = true
			c := class{school.Value(i), cls.Value(i), year.Value(i)}
			if classes[c] == nil {
				classes[c] = map[string]bool{}
			}
			classes[c][id.Value(i)] = true
			if gender.IsNull(i) {
				genderNull++
			}
			if answer.IsNull(i) {
				unanswered++
				continue
			}
			a := float64(answer.Value(i))
			it := index[item.Value(i)]
			r := respondent{id.Value(i), year.Value(i)}
			switch {
			case it.Index == BullyingIndex:
				answeredB[r] = true
				if a >= 3 {
					bullied[r] = true
				}
			case it.Index == "":
			case it.Reverse:
				rev.add(a)
			default:
				fwd.add(a)
			}
			if it.Index == "EUIndeks_1379" {
				if it.Reverse {
					a = 6 - a
				}
				if trivsel[school.Value(i)] == nil {
					trivsel[school.Value(i)] = &schoolSum{}
				}
				trivsel[school.Value(i)].sum += a
				trivsel[school.Value(i)].n++
			}
		}
	})
	// One respondent per taking part pupil of grade 7 or 10, every year.
	enrolled := map[yearGrade]float64{}
	for k, e := range w.enrol {
		if e.grade == 7 || e.grade == 10 {
			enrolled[yearGrade{k.year, e.grade}]++
		}
	}
	for y := int32(2014); y <= 2024; y++ {
		for _, g := range []int32{7, 10} {
			k := yearGrade{y, g}
			within(t, fmt.Sprintf("participation in %d, grade %d", y, g), float64(len(respondents[k]))/enrolled[k],
				m.Participation-0.02, m.Participation+0.02)
		}
	}
	for c, ids := range classes {
		if len(ids) > m.ClassSize {
			t.Errorf("class %v has %d respondents, want at most %d", c, len(ids), m.ClassSize)
		}
	}
	within(t, "share of answers missing", unanswered/rows, 0.02, 0.04)
	within(t, "share of rows without gender", genderNull/rows, 0.003, 0.02)
	t.Logf("bullied: %.4f; reverse-keyed items average %.2f, others %.2f", float64(len(bullied))/float64(len(answeredB)), rev.mean(), fwd.mean())
	within(t, "share bullied (3+ on a bullying item)", float64(len(bullied))/float64(len(answeredB)), 0.06, 0.09)
	if rev.mean() > fwd.mean()-0.8 {
		t.Errorf("reverse-keyed items average %.2f, the others %.2f; want them well below", rev.mean(), fwd.mean())
	}

	// The true school effects on Trivsel show in the school means.
	effects := map[string]float64{}
	var sdEff meanSD
	readParquet(t, filepath.Join(dir, "truth", "survey_school_effects.parquet"), func(rec arrow.RecordBatch) {
		school, code, eff := strCol(rec, "school_orgnr"), strCol(rec, "index_code"), rec.Column(2).(*array.Float64)
		for i := range school.Len() {
			if code.Value(i) == "EUIndeks_1379" {
				effects[school.Value(i)] = eff.Value(i)
				sdEff.add(eff.Value(i))
			}
		}
	})
	if len(effects) != len(w.schools) {
		t.Errorf("survey effects for %d schools, want %d", len(effects), len(w.schools))
	}
	within(t, "SD of the survey school effects", sdEff.sd(), 0.75*m.SchoolTau, 1.25*m.SchoolTau)
	var xs, ys []float64
	for s, sum := range trivsel {
		if sum.n >= 500 { // answers: about 100 respondents over the years
			xs, ys = append(xs, effects[s]), append(ys, sum.sum/sum.n)
		}
	}
	r := correlation(xs, ys)
	t.Logf("correlation of true Trivsel effects and school means over %d schools: %.3f", len(xs), r)
	if len(xs) < 30 || r < 0.6 {
		t.Errorf("correlation of true Trivsel effects and school means over %d schools: %.2f, want above 0.6", len(xs), r)
	}
}

func correlation(xs, ys []float64) float64 {
	var mx, my meanSD
	for i := range xs {
		mx.add(xs[i])
		my.add(ys[i])
	}
	var c float64
	for i := range xs {
		c += (xs[i] - mx.mean()) * (ys[i] - my.mean())
	}
	return c / float64(len(xs)-1) / (mx.sd() * my.sd())
}
