package emulator

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"testing"

	"github.com/skolestat/skolestat/internal/sim"
)

// The tests of 12222, 09429, 12367 and 12255's KOSregnind20000: each value
// recomputed from the microdata (ssbTruth) or from another table of the
// emulator, by the rules the emulator documents, written out again here.

// hashMod is the documented jitter: FNV-1a (64 bit) over each part followed
// by a zero byte, modulo n. Written out byte by byte, not with hash/fnv.
func hashMod(n int, parts ...string) int {
	h := uint64(14695981039346656037)
	for _, p := range parts {
		for _, b := range append([]byte(p), 0) {
			h ^= uint64(b)
			h *= 1099511628211
		}
	}
	return int(h % uint64(n))
}

// pupils is the truth's enrolment of a municipality in a school year.
func (tr *ssbTruth) pupils(muni string, year int) int {
	n := 0
	for g := 1; g <= 10; g++ {
		n += tr.grade[[3]string{muni, strconv.Itoa(year), strconv.Itoa(g)}]
	}
	return n
}

// regions are the KOSTRA regions with the municipalities each covers.
func (tr *ssbTruth) kostraRegions() map[string][]string {
	out := map[string][]string{}
	for _, m := range tr.munis {
		out[m] = []string{m}
		out["EAK"] = append(out["EAK"], m)
		if m != "0301" {
			out["EAKUO"] = append(out["EAKUO"], m)
		}
	}
	return out
}

func value(t *testing.T, c ssbCell, key string) float64 {
	t.Helper()
	if c.Value == nil || c.Status != "" {
		t.Fatalf("%s: got %+v, want a number", key, c)
	}
	return *c.Value
}

func testSpecialEducation(t *testing.T, base string, tr *ssbTruth) {
	_, cells := ssbCells(t, base, "12222", "valueCodes[KOKkommuneregion0000]=*&valueCodes[ContentsCode]=*&valueCodes[Tid]=*")
	// special education of a municipality: pupils x (50 + hash mod 41) per
	// thousand, rounded half up
	special := func(muni string, year int) int {
		return int(math.Floor(float64(tr.pupils(muni, year))*float64(50+hashMod(41, "12222", muni, strconv.Itoa(year)))/1000 + 0.5))
	}
	statuses := map[string]int{}
	for region, munis := range tr.kostraRegions() {
		for year := tr.first; year <= tr.last; year++ {
			count, pupils := 0, 0
			for _, m := range munis {
				count, pupils = count+special(m, year), pupils+tr.pupils(m, year)
			}
			kc := fmt.Sprintf("%s|KOSelevspesund0000|%d", region, year)
			kp := fmt.Sprintf("%s|KOSandelspesund0000|%d", region, year)
			want := ""
			switch {
			case pupils == 0:
				want = ".."
			case count >= 1 && count <= 4:
				want = ":"
			}
			statuses[want]++
			if want != "" {
				if cells[kc].Value != nil || cells[kc].Status != want || cells[kp].Value != nil || cells[kp].Status != want {
					t.Fatalf("%s: %d of %d pupils; got %+v and %+v, want null %q", kc, count, pupils, cells[kc], cells[kp], want)
				}
				continue
			}
			if got := value(t, cells[kc], kc); got != float64(count) {
				t.Fatalf("%s: got %v, the enrolments give %d", kc, got, count)
			}
			pct := math.Floor(1000*float64(count)/float64(pupils)+0.5) / 10
			if got := value(t, cells[kp], kp); math.Abs(got-pct) > 1e-9 {
				t.Fatalf("%s: got %v, want %.1f (%d of %d)", kp, got, pct, count, pupils)
			}
			if rate := float64(count) / float64(pupils); pupils > 1000 && (rate < 0.049 || rate > 0.091) {
				t.Errorf("%s: a share of %.3f", kc, rate)
			}
		}
	}
	if statuses[""] < len(tr.munis) || statuses[":"] == 0 {
		t.Errorf("statuses %v: want many numbers and some suppressed", statuses)
	}
	if len(cells) != (len(tr.munis)+2)*2*(tr.last-tr.first+1) {
		t.Errorf("%d cells", len(cells))
	}
}

// adults reads 07459's population aged 16 and over of a region on 1
// January of year, summing the ages itself (Kjonn eliminated).
func adults(t *testing.T, base, region string, year int) int {
	t.Helper()
	_, cells := ssbCells(t, base, "07459", fmt.Sprintf("valueCodes[Region]=%s&valueCodes[Alder]=from(016)&valueCodes[ContentsCode]=Personer1&valueCodes[Tid]=%d", region, year))
	if len(cells) != 90 {
		t.Fatalf("07459 %s %d: %d ages, want 16-104 and 105+", region, year, len(cells))
	}
	sum := 0.0
	for k, c := range cells {
		sum += value(t, c, k)
	}
	return int(sum)
}

func testEducationLevels(t *testing.T, base string, tr *ssbTruth) {
	year := tr.last - 1
	y := strconv.Itoa(year)
	levels := []string{"00", "01", "02a", "11", "03a", "04a", "09a"}
	_, cells := ssbCells(t, base, "09429", "valueCodes[Region]=*&valueCodes[Nivaa]=*&valueCodes[Kjonn]=*&valueCodes[ContentsCode]=Personer&valueCodes[Tid]="+y)
	_, both := ssbCells(t, base, "09429", "valueCodes[Region]=*&valueCodes[Nivaa]=*&valueCodes[ContentsCode]=Personer&valueCodes[Tid]="+y)
	nation := map[string]float64{}
	checked := 0
	for i, muni := range tr.munis {
		n := map[string]int{}
		total := 0
		for _, e := range []string{"primary", "upper_secondary", "higher_short", "higher_long", "unknown"} {
			n[e] = tr.edu[[3]string{muni, y, e}]
			total += n[e]
		}
		if total == 0 {
			for _, l := range levels {
				if c := both[muni+"|"+l+"|Personer|"+y]; c.Value != nil || c.Status != ".." {
					t.Fatalf("%s %s: no pupils, got %+v", muni, l, c)
				}
			}
			continue
		}
		// Only a few municipalities: each costs a request to 07459.
		if i%25 == 0 || muni == "0301" {
			p := adults(t, base, muni, year+1)
			share := func(x int) int { return int(math.Floor(float64(p)*float64(x)/float64(total) + 0.5)) }
			upper := share(n["upper_secondary"])
			want := map[string]int{"01": share(n["primary"]), "11": upper / 8, "02a": upper - upper/8,
				"03a": share(n["higher_short"]), "04a": share(n["higher_long"]), "09a": share(n["unknown"])}
			for _, l := range levels[1:] {
				want["00"] += want[l]
			}
			if d := want["00"] - p; d < -3 || d > 3 {
				t.Errorf("%s: levels sum to %d, the population 16+ is %d", muni, want["00"], p)
			}
			for _, l := range levels {
				k := muni + "|" + l + "|Personer|" + y
				if got := value(t, both[k], k); got != float64(want[l]) {
					t.Fatalf("%s: got %v, want %d (P %d, pupils %v)", k, got, want[l], p, n)
				}
			}
			checked++
		}
		for _, l := range levels {
			k := muni + "|" + l + "|Personer|" + y
			men, women := cells[muni+"|"+l+"|1|Personer|"+y], cells[muni+"|"+l+"|2|Personer|"+y]
			sum := value(t, both[k], k)
			if value(t, men, k+" men")+value(t, women, k+" women") != sum || *women.Value != math.Floor(sum/2) {
				t.Fatalf("%s: men %v, women %v, both %v", k, *men.Value, *women.Value, sum)
			}
			nation[l] += sum
		}
	}
	for _, l := range levels {
		k := "0|" + l + "|Personer|" + y
		if got := value(t, both[k], k); got != nation[l] {
			t.Errorf("%s: got %v, the municipalities sum to %v", k, got, nation[l])
		}
		if c := both[ssbSvalbard+"|"+l+"|Personer|"+y]; c.Value != nil || c.Status != "." {
			t.Errorf("Longyearbyen %s: got %+v, want null '.'", l, c)
		}
	}
	if checked < 3 {
		t.Errorf("only %d municipalities checked against 07459", checked)
	}
}

// net202 is the documented net expenditure of function 202 (NOK 1000).
func (tr *ssbTruth) net202(muni string, year int) int {
	e := tr.pupils(muni, year)
	cost := 105_000 + 95_000*150/(e+150)
	cost = cost * (100 + 3*(year-tr.first)) / 100
	cost = cost * (95 + hashMod(11, "12367", muni, strconv.Itoa(year))) / 100
	return int(math.Floor(float64(e)*float64(cost)/1000 + 0.5))
}

func testAccounts(t *testing.T, base string, tr *ssbTruth) {
	_, acct := ssbCells(t, base, "12367", "valueCodes[KOKkommuneregion0000]=*&valueCodes[KOKregnskapsomfa0000]=*&valueCodes[KOKfunksjon0000]=*&valueCodes[KOKart0000]=*&valueCodes[ContentsCode]=KOSbelop0000&valueCodes[Tid]=*")
	_, key := ssbCells(t, base, "12255", "valueCodes[KOKkommuneregion0000]=*&valueCodes[ContentsCode]=KOSregnind20000&valueCodes[Tid]=*")
	pct := func(x, p int) int { return int(math.Floor(float64(x*p)/100 + 0.5)) }
	funcs := map[string]int{"202": 100, "215": 8, "222": 18, "223": 4}
	// amount of a municipality by scope, function and art
	amount := func(muni string, year int, scope, fn, art string) int {
		v := pct(tr.net202(muni, year), funcs[fn])
		if art == "AGD10" {
			v = pct(v, 112)
		}
		if scope == "B" {
			v = pct(v, 98)
		}
		return v
	}
	unreported, checkedKey := 0, 0
	var perPupil []float64
	for region, munis := range tr.kostraRegions() {
		for year := tr.first; year <= tr.last; year++ {
			missing := len(munis) == 1 && hashMod(40, "12367", region, strconv.Itoa(year), "rapportert") == 0
			if missing {
				unreported++
			}
			sector := 0
			for _, scope := range []string{"A", "B"} {
				for fn := range funcs {
					for _, art := range []string{"AGD2", "AGD10"} {
						k := fmt.Sprintf("%s|%s|%s|%s|KOSbelop0000|%d", region, scope, fn, art, year)
						want := 0
						for _, m := range munis {
							want += amount(m, year, scope, fn, art)
						}
						if missing {
							if c := acct[k]; c.Value != nil || c.Status != ".." {
								t.Fatalf("%s: not reported, got %+v", k, c)
							}
						} else if got := value(t, acct[k], k); got != float64(want) {
							t.Fatalf("%s: got %v, want %d", k, got, want)
						}
						if scope == "A" && art == "AGD2" {
							sector += want
						}
					}
				}
			}
			if region == "EAK" {
				p, n202 := 0, 0
				for _, m := range munis {
					p, n202 = p+tr.pupils(m, year), n202+amount(m, year, "A", "202", "AGD2")
				}
				perPupil = append(perPupil, 1000*float64(n202)/float64(p))
			}
			// KOSregnind20000: sector per inhabitant 6-15 of 07459 on 1 January year+1
			k := fmt.Sprintf("%s|KOSregnind20000|%d", region, year)
			if missing {
				if c := key[k]; c.Value != nil || c.Status != ".." {
					t.Fatalf("%s: not reported, got %+v", k, c)
				}
				continue
			}
			if len(munis) == 1 && region != "0301" && hashMod(30, region) != 0 {
				continue // 07459 is read back for a few municipalities, the nation and Oslo only
			}
			kids := children(t, base, region, munis, year+1)
			want := math.Floor(1000*float64(sector)/float64(kids) + 0.5)
			if got := value(t, key[k], k); got != want {
				t.Fatalf("%s: got %v, want %v (NOK 1000 %d, %d aged 6-15)", k, got, want, sector, kids)
			}
			checkedKey++
		}
	}
	if unreported == 0 || checkedKey < 3*(tr.last-tr.first+1) {
		t.Errorf("%d municipality-years unreported (want some '..'), %d KOSregnind20000 cells checked", unreported, checkedKey)
	}
	t.Logf("%d unreported, %d KOSregnind20000 cells checked, per pupil %.0f", unreported, checkedKey, perPupil)
	for _, v := range perPupil {
		if v < 100_000 || v > 260_000 {
			t.Errorf("national net expenditure per pupil %.0f NOK: implausible", v)
		}
	}
}

// children reads 07459's population aged 6-15 on 1 January of year: of the
// municipality, or of the nation (Region 0) less Oslo's for EAKUO.
func children(t *testing.T, base, region string, munis []string, year int) int {
	t.Helper()
	get := func(r string) int {
		_, cells := ssbCells(t, base, "07459", fmt.Sprintf("valueCodes[Region]=%s&valueCodes[Alder]=[range(006,015)]&valueCodes[ContentsCode]=Personer1&valueCodes[Tid]=%d", r, year))
		sum := 0.0
		for k, c := range cells {
			sum += value(t, c, k)
		}
		return int(sum)
	}
	switch region {
	case "EAK":
		return get("0")
	case "EAKUO":
		return get("0") - get("0301")
	}
	return get(munis[0])
}

// BenchmarkSSBLoad computes the six tables from a simulated nation (the
// work of the emulator's start), reading the microdata files included.
func BenchmarkSSBLoad(b *testing.B) {
	dir := b.TempDir()
	if _, err := sim.Generate(context.Background(), sim.Options{Out: dir, Seed: 5, Scale: 0.02, SurveyYears: -1}); err != nil {
		b.Fatal(err)
	}
	sn := mustNation(b, dir)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := loadSSB(context.Background(), sn, false); err != nil {
			b.Fatal(err)
		}
	}
}
