package codebook

import (
	"fmt"
	"strings"
)

// Limits a codebook must keep to fit the survey_responses table of the
// microdata contract (connectors/microdata/contract.go): grade 1..13,
// answer 1..99.
const (
	minGrade  = 1
	maxGrade  = 13
	minAnswer = 1
	maxAnswer = 99
)

// Validate checks a codebook built in code against the package contract,
// as Parse does after decoding: it applies no defaults, so every MinItems,
// MinRespondents, Threshold and Scale must be set. The error is an *Error
// whose problems name keys as in the YAML format ("groups[0].indices[2]
// .min_items") without lines.
func (c *Codebook) Validate() error {
	if probs := c.check(nil); len(probs) > 0 {
		return newError(c.Source, probs)
	}
	return nil
}

// checker collects the problems of one codebook; lines maps key paths to
// lines (nil for a codebook built in code); a problem whose key or a key
// under it already failed to decode is dropped, so that one bad value is
// reported once.
type checker struct {
	lines map[string]int
	bad   []string
	probs []Problem
}

// check returns every contract violation of c. lines are those the
// decoder recorded; the keys of problems already in probs are skipped.
func (c *Codebook) check(lines map[string]int, decoded ...Problem) []Problem {
	k := &checker{lines: lines}
	for _, p := range decoded {
		k.bad = append(k.bad, p.Key)
	}
	if c.Instrument == "" {
		k.add("instrument", "missing: name the instrument")
	}
	if c.Version == "" {
		k.add("version", "missing: give the codebook a version")
	}
	if len(c.Groups) == 0 {
		k.add("groups", "no groups: a codebook needs at least one respondent group")
	}
	groupAt := map[string]int{}
	for gi, g := range c.Groups {
		p := fmt.Sprintf("groups[%d]", gi)
		if g.Code != "" {
			if first, dup := groupAt[g.Code]; dup {
				k.add(p+".code", "group code %q already used by groups[%d]%s", g.Code, first, k.at(fmt.Sprintf("groups[%d].code", first)))
			} else {
				groupAt[g.Code] = gi
			}
		}
		k.group(g, p)
		if g.Grades == [2]int{} || !goodGrades(g.Grades) {
			continue
		}
		for hi := range gi {
			h := c.Groups[hi]
			if h.Grades != [2]int{} && goodGrades(h.Grades) && g.Grades[0] <= h.Grades[1] && h.Grades[0] <= g.Grades[1] {
				k.add(p+".grades", "grades %d-%d overlap grades %d-%d of group %q: a pupil's answers must belong to one group",
					g.Grades[0], g.Grades[1], h.Grades[0], h.Grades[1], h.Code)
			}
		}
	}
	return k.probs
}

func goodGrades(g [2]int) bool {
	return g[0] >= minGrade && g[0] <= g[1] && g[1] <= maxGrade
}

func (k *checker) group(g Group, p string) {
	k.code(g.Code, p+".code")
	k.names(g.Names, p+".names")
	if g.Grades != [2]int{} && !goodGrades(g.Grades) {
		k.add(p+".grades", "[%d, %d] is not a grade band: want [from, to] with %d <= from <= to <= %d (or no grades for a group that is not pupils)",
			g.Grades[0], g.Grades[1], minGrade, maxGrade)
	}
	k.scale(g.Scale, p+".scale")
	if g.MinRespondents < 1 {
		k.add(p+".min_respondents", "%d: must be at least 1", g.MinRespondents)
	}
	if len(g.Indices) == 0 && g.Bullying == nil {
		k.add(p+".indices", "no indices and no bullying: the group computes nothing")
	}

	areas := map[string]int{}
	used := map[string]bool{}
	for _, ix := range g.Indices {
		used[ix.Area] = true
	}
	for ai, a := range g.Areas {
		ap := fmt.Sprintf("%s.areas[%d]", p, ai)
		k.code(a.Code, ap+".code")
		k.names(a.Names, ap+".names")
		if a.Code == "" {
			continue
		}
		if first, dup := areas[a.Code]; dup {
			k.add(ap+".code", "area code %q already used by %s.areas[%d]%s", a.Code, p, first, k.at(fmt.Sprintf("%s.areas[%d].code", p, first)))
			continue
		}
		areas[a.Code] = ai
		if !used[a.Code] {
			k.add(ap, "area %q has no index", a.Code)
		}
	}

	// owner records where each item of the group was first listed.
	type place struct{ key, what string }
	owner := map[string]place{}
	indexAt := map[string]string{}
	for ii, ix := range g.Indices {
		ip := fmt.Sprintf("%s.indices[%d]", p, ii)
		k.code(ix.Code, ip+".code")
		k.names(ix.Names, ip+".names")
		if ix.Code != "" {
			if first, dup := indexAt[ix.Code]; dup {
				k.add(ip+".code", "index code %q already used by %s%s", ix.Code, first, k.at(first+".code"))
			} else {
				indexAt[ix.Code] = ip
			}
		}
		if ix.Area != "" {
			if _, ok := areas[ix.Area]; !ok {
				if len(g.Areas) == 0 {
					k.add(ip+".area", "area %q is not declared: list it under %s.areas", ix.Area, p)
				} else {
					k.add(ip+".area", "area %q is not one of the group's areas (%s)", ix.Area, areaCodes(g.Areas))
				}
			}
		} else if len(g.Areas) > 0 {
			k.add(ip+".area", "missing: the group has areas, so every index names its area")
		}
		if len(ix.Items) == 0 {
			k.add(ip+".items", "empty index: list at least one item")
		}
		inIndex := map[string]bool{}
		for i, it := range ix.Items {
			key := fmt.Sprintf("%s.items[%d]", ip, i)
			if !k.item(it, key) {
				continue
			}
			if o, dup := owner[it]; dup {
				k.add(key, "item %q is already listed in %s%s: an item belongs to one index of a group", it, o.what, k.at(o.key))
				continue
			}
			owner[it] = place{key, "index " + quoteOr(ix.Code, ip)}
			inIndex[it] = true
		}
		reversed := map[string]bool{}
		for i, it := range ix.Reverse {
			key := fmt.Sprintf("%s.reverse[%d]", ip, i)
			if !k.item(it, key) {
				continue
			}
			switch {
			case reversed[it]:
				k.add(key, "item %q is listed twice in reverse", it)
			case !inIndex[it]:
				k.add(key, "item %q is not an item of this index: reverse lists a subset of items", it)
			}
			reversed[it] = true
		}
		k.scale(ix.Scale, ip+".scale")
		if len(ix.Items) > 0 && (ix.MinItems < 1 || ix.MinItems > len(ix.Items)) {
			k.add(ip+".min_items", "%d is out of range: want 1 to %d, the index's item count", ix.MinItems, len(ix.Items))
		}
	}

	if b := g.Bullying; b != nil {
		bp := p + ".bullying"
		k.code(b.Code, bp+".code")
		k.names(b.Names, bp+".names")
		if first, dup := indexAt[b.Code]; dup && b.Code != "" {
			k.add(bp+".code", "code %q already used by %s%s", b.Code, first, k.at(first+".code"))
		}
		if len(b.Items) == 0 {
			k.add(bp+".items", "no items: list the bullying items")
		}
		for i, it := range b.Items {
			key := fmt.Sprintf("%s.items[%d]", bp, i)
			if !k.item(it, key) {
				continue
			}
			if o, dup := owner[it]; dup {
				k.add(key, "item %q is already listed in %s%s: bullying items are answered on a frequency scale and cannot also be index items", it, o.what, k.at(o.key))
				continue
			}
			owner[it] = place{key, "bullying"}
		}
		if b.Threshold < g.Scale.Min || b.Threshold > g.Scale.Max {
			k.add(bp+".threshold", "%d is off the group's scale %d..%d", b.Threshold, g.Scale.Min, g.Scale.Max)
		}
	}

	for i, it := range g.OtherItems {
		key := fmt.Sprintf("%s.other_items[%d]", p, i)
		if !k.item(it, key) {
			continue
		}
		if o, dup := owner[it]; dup {
			k.add(key, "item %q is already listed in %s%s: other_items are the items in no index", it, o.what, k.at(o.key))
			continue
		}
		owner[it] = place{key, "other_items"}
	}
}

func (k *checker) scale(s Scale, key string) {
	switch {
	case s.Min >= s.Max:
		k.add(key, "min %d must be less than max %d", s.Min, s.Max)
	case s.Min < minAnswer || s.Max > maxAnswer:
		k.add(key, "%d..%d does not fit the answer codes %d..%d of survey_responses", s.Min, s.Max, minAnswer, maxAnswer)
	}
}

func (k *checker) code(code, key string) {
	switch {
	case code == "":
		k.add(key, "missing")
	case strings.TrimSpace(code) != code || strings.ContainsAny(code, " \t\n"):
		k.add(key, "%q: a code may not hold spaces", code)
	}
}

// item reports whether it is a usable item code, adding a problem if not.
func (k *checker) item(it, key string) bool {
	n := len(k.probs)
	k.code(it, key)
	return len(k.probs) == n && !k.isBad(key)
}

func (k *checker) names(n Names, key string) {
	if n.NB == "" {
		k.add(key+".nb", "missing: give the name in Norwegian (bokmål)")
	}
	if n.EN == "" {
		k.add(key+".en", "missing: give the name in English")
	}
}

// at is " (line N)" for the key's line when known.
func (k *checker) at(key string) string {
	if l := k.line(key); l > 0 {
		return fmt.Sprintf(" (line %d)", l)
	}
	return ""
}

// line is the line of key, or of the nearest enclosing key the decoder
// saw (the mapping that lacks a missing key).
func (k *checker) line(key string) int {
	for key != "" {
		if l, ok := k.lines[key]; ok {
			return l
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return k.lines[""] // the top-level mapping
}

func (k *checker) isBad(key string) bool {
	for _, b := range k.bad {
		if b != "" && (b == key || under(b, key) || under(key, b)) {
			return true
		}
	}
	return false
}

// under reports whether key a lies under key b.
func under(a, b string) bool {
	return strings.HasPrefix(a, b+".") || strings.HasPrefix(a, b+"[")
}

func (k *checker) add(key, format string, args ...any) {
	if k.isBad(key) {
		return
	}
	k.probs = append(k.probs, Problem{Line: k.line(key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

func quoteOr(code, key string) string {
	if code == "" {
		return key
	}
	return fmt.Sprintf("%q", code)
}

func areaCodes(as []Area) string {
	var codes []string
	for _, a := range as {
		codes = append(codes, a.Code)
	}
	return strings.Join(codes, ", ")
}
