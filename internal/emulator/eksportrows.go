package emulator

import (
	"math"
	"strconv"
)

// The data rows of the Eksport emulation, with the keys in the order of the
// real tables (shared/docs/sources.md §1A, "Data row shape").

// render writes the rows of a selection in unit, year, grade, owner,
// gender and question order. Upper secondary tables have none.
func (d *eksportData) render(t eksportTable, s eksportSelection, drift bool) [][]byte {
	if t.VGO {
		return nil
	}
	var rows [][]byte
	for _, ui := range s.units {
		u := d.tree.units[ui]
		for _, y := range s.years {
			for _, g := range s.grades {
				for _, o := range s.owners {
					keep := o.keep
					if o.ID == -10 {
						keep = nil
					}
					for _, gen := range s.genders {
						c, enrolled := d.survey.sum(u.Schools, d.tree.public, keep, y, g, gen.Bucket)
						if t.Kind == eksportParticipation {
							if enrolled == 0 && c.Respondents == 0 {
								continue
							}
							var r eksportRow
							d.unitFields(&r, ui)
							r.str("Skoleaarnavn", udirYearName(y))
							eksportGradeFields(&r, g)
							eksportOwnerFields(&r, o)
							eksportParticipationValues(&r, c.Respondents, enrolled, drift)
							rows = append(rows, r.b)
							continue
						}
						if c.Respondents == 0 {
							continue
						}
						for _, q := range s.questions {
							var r eksportRow
							nivaa := 1
							if q.Item >= 0 {
								nivaa = 2
							}
							r.num("SpoersmaalNivaa", nivaa)
							r.str("Spoersmaalgruppekode", q.GroupKode)
							if drift {
								r.str("Indikator", q.GroupNavn)
							} else {
								r.str("Spoersmaalgruppe", q.GroupNavn)
							}
							r.str("Spoersmaalkode", q.Kode)
							r.str("Spoersmaalnavn", q.Navn)
							r.str("Skoleaarnavn", udirYearName(y))
							d.unitFields(&r, ui)
							r.num("GruppeNivaa", 0)
							r.str("GruppeKode", "A")
							r.str("GruppeNavn", "Alle grupper")
							eksportGradeFields(&r, g)
							eksportOwnerFields(&r, o)
							nivaa = 1
							if gen.ID == -10 {
								nivaa = 0
							}
							r.num("KjoennNivaa", nivaa)
							r.str("KjoennKode", gen.Kode)
							r.str("Kjoenn", gen.Navn)
							if t.Kind == eksportBullying {
								eksportBullyingValues(&r, c, q)
							} else {
								eksportIndicatorValues(&r, c, q)
							}
							rows = append(rows, r.b)
						}
					}
				}
			}
		}
	}
	return rows
}

// unitFields writes EnhetNivaa through EnhetNavn. Organisasjonsnummer is
// "I" for the nation and the county or municipality number for those; the
// aggregates are called "Alle skoler".
func (d *eksportData) unitFields(r *eksportRow, ui int) {
	u := d.tree.units[ui]
	var county, muni udirUnit
	for p := ui; p >= 0; p = d.tree.units[p].Parent {
		switch d.tree.units[p].Nivaa {
		case 2:
			county = d.tree.units[p]
		case 3:
			muni = d.tree.units[p]
		}
	}
	r.num("EnhetNivaa", u.Nivaa)
	r.str("Nasjonaltkode", "I")
	r.str("Nasjonalt", "Hele landet")
	r.str("Fylkekode", county.Kode)
	r.str("Fylke", county.Navn)
	r.str("Kommunekode", muni.Kode)
	r.str("Kommune", muni.Navn)
	name := "Alle skoler"
	if u.Nivaa == 4 {
		name = u.Navn
	}
	r.str("Organisasjonsnummer", u.Kode)
	r.str("EnhetNavn", name)
}

func eksportGradeFields(r *eksportRow, g int) {
	r.num("TrinnNivaa", 1)
	r.str("TrinnKode", strconv.Itoa(g))
	r.str("Trinnnavn", eksportGradeName(g))
}

func eksportOwnerFields(r *eksportRow, o udirOwner) {
	nivaa := 1
	if o.ID == -10 {
		nivaa = 0
	}
	r.num("EierformNivaa", nivaa)
	r.str("Eierformkode", o.Kode)
	r.str("EierformNavn", o.Navn)
}

// suppressed writes "*" for each key.
func eksportSuppressed(r *eksportRow, keys ...string) {
	for _, k := range keys {
		r.str(k, "*")
	}
}

func eksportShare(part, whole int) string {
	return eksportDecimal(100 * float64(part) / float64(whole))
}

// indicatorValues are 148's: Score, Standardavvik, AntallBesvart and the
// answer distribution (items only; "" on the index rows).
func eksportIndicatorValues(r *eksportRow, c *eksportCell, q eksportQuestion) {
	var n int
	var score, sd string
	var dist [5]int
	switch {
	case q.Index >= 0:
		m := c.Index[q.Index]
		n, score, sd = m.N, eksportDecimal(m.mean()), eksportDecimal(m.sd())
	case q.Item < 0: // the bullying index: a percentage, no deviation
		n = c.BullyAnswered
		if n > 0 {
			score = eksportShare(c.Bullied, n)
		}
	default:
		var m eksportMoments
		dist = c.Answers[q.Item]
		for a, k := range dist {
			v := float64(a + 1)
			m.N += k
			m.Sum += float64(k) * v
			m.Sq += float64(k) * v * v
		}
		n, score, sd = m.N, eksportDecimal(m.mean()), eksportDecimal(m.sd())
	}
	dists := [10]string{}
	if n < eksportSuppressBelow {
		eksportSuppressed(r, "Score", "Standardavvik", "AntallBesvart")
		for i := range dists {
			dists[i] = "*"
		}
	} else {
		r.str("Score", score)
		r.str("Standardavvik", sd)
		r.str("AntallBesvart", eksportCount(n))
		if q.Item >= 0 {
			for a, k := range dist {
				dists[a], dists[5+a] = eksportShare(k, n), eksportCount(k)
			}
		}
	}
	if q.Item < 0 {
		dists = [10]string{} // "" on the index rows
	}
	for a := range 5 {
		r.str("AndelSvaralternativ"+strconv.Itoa(a+1), dists[a])
	}
	for a := range 5 {
		r.str("AntallBesvartSvaralternativ"+strconv.Itoa(a+1), dists[5+a])
	}
}

// bullyingValues are 150's: AndelMobbet and AntallBesvart, for the index
// or one bullying question.
func eksportBullyingValues(r *eksportRow, c *eksportCell, q eksportQuestion) {
	n, yes := c.BullyAnswered, c.Bullied
	if q.Item >= 0 {
		d := c.Answers[q.Item]
		n, yes = d[0]+d[1]+d[2]+d[3]+d[4], d[2]+d[3]+d[4]
	}
	if n < eksportSuppressBelow {
		eksportSuppressed(r, "AndelMobbet", "AntallBesvart")
		return
	}
	r.str("AndelMobbet", eksportShare(yes, n))
	r.str("AntallBesvart", eksportCount(n))
}

// participation writes 151's values; with drift AndelDeltatt is renamed.
func eksportParticipationValues(r *eksportRow, respondents, enrolled int, drift bool) {
	key := "AndelDeltatt"
	if drift {
		key = "AndelDeltakelse"
	}
	if respondents < eksportSuppressBelow {
		eksportSuppressed(r, key, "AntallBesvart", "AntallInvitert")
		return
	}
	andel := ""
	if enrolled > 0 {
		andel = eksportDecimal(math.Min(100, 100*float64(respondents)/float64(enrolled)))
	}
	r.str(key, andel)
	r.str("AntallBesvart", eksportCount(respondents))
	r.str("AntallInvitert", eksportCount(enrolled))
}
