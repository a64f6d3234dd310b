package survey

import (
	"errors"
	"fmt"

	"github.com/skolestat/skolestat/codebook"
)

// Defaults of indicators.md §3, used where a codebook built in Go leaves a
// field zero (codebook.Load fills them in already).
const (
	DefaultMinRespondents = 10
	defaultThreshold      = 3
)

var defaultScale = codebook.Scale{Min: 1, Max: 5}

// member is one use of an item: in index ix (reverse-keyed or not), or, with
// ix == bullying, as a bullying item.
type member struct {
	ix  int
	rev bool
}

// itemPlan is how one known item counts.
type itemPlan struct {
	code    string
	lo, hi  int64
	members []member
}

// plan is a codebook group compiled for the computation. Index i of
// codes/minItems/lo/hi is the group's i-th index; the bullying index, if
// any, is the last one, at bullying.
type plan struct {
	codes    []string
	minItems []int
	lo, hi   []int64 // each index's scale (bullying: the group's)
	bullying int     // index of the bullying index in codes, -1 when none
	thresh   int64
	minResp  int64

	items  []itemPlan // known items first (len known), then unknown ones met in the input
	known  int
	byCode map[string]int32
	group  string // the codebook group's code, for messages
}

func scaleOr(s, def codebook.Scale) codebook.Scale {
	if s == (codebook.Scale{}) {
		return def
	}
	return s
}

// compile checks g and builds its plan. minResp > 0 overrides the group's
// MinRespondents.
func compile(g codebook.Group, minResp int) (*plan, error) {
	if minResp < 0 {
		return nil, fmt.Errorf("min_respondents %d is negative", minResp)
	}
	if len(g.Indices) == 0 && g.Bullying == nil {
		return nil, fmt.Errorf("group %q has no index", g.Code)
	}
	gs := scaleOr(g.Scale, defaultScale)
	if gs.Min >= gs.Max {
		return nil, fmt.Errorf("group %q: scale %d..%d is empty", g.Code, gs.Min, gs.Max)
	}
	p := &plan{bullying: -1, byCode: map[string]int32{}}
	switch {
	case minResp > 0:
		p.minResp = int64(minResp)
	case g.MinRespondents > 0:
		p.minResp = int64(g.MinRespondents)
	default:
		p.minResp = DefaultMinRespondents
	}
	seenIndex := map[string]bool{}
	addItem := func(code string, ix int, rev bool, sc codebook.Scale) error {
		if code == "" {
			return errors.New("an item code is empty")
		}
		i, ok := p.byCode[code]
		if !ok {
			i = int32(len(p.items))
			p.byCode[code] = i
			p.items = append(p.items, itemPlan{code: code, lo: int64(sc.Min), hi: int64(sc.Max)})
		}
		it := &p.items[i]
		if it.lo != int64(sc.Min) || it.hi != int64(sc.Max) {
			return fmt.Errorf("item %s is on scale %d..%d in one place and %d..%d in another", code, it.lo, it.hi, sc.Min, sc.Max)
		}
		for _, m := range it.members {
			if m.ix == ix {
				return fmt.Errorf("item %s is listed twice", code)
			}
		}
		it.members = append(it.members, member{ix: ix, rev: rev})
		return nil
	}
	for _, ix := range g.Indices {
		if ix.Code == "" || seenIndex[ix.Code] {
			return nil, fmt.Errorf("group %q: index code %q is empty or repeated", g.Code, ix.Code)
		}
		seenIndex[ix.Code] = true
		if len(ix.Items) == 0 {
			return nil, fmt.Errorf("index %s has no items", ix.Code)
		}
		sc := scaleOr(ix.Scale, gs)
		if sc.Min >= sc.Max {
			return nil, fmt.Errorf("index %s: scale %d..%d is empty", ix.Code, sc.Min, sc.Max)
		}
		mi := ix.MinItems
		if mi == 0 {
			mi = max(1, (len(ix.Items)+1)/2)
		}
		if mi < 1 || mi > len(ix.Items) {
			return nil, fmt.Errorf("index %s: min_items %d is not between 1 and its %d items", ix.Code, mi, len(ix.Items))
		}
		k := len(p.codes)
		p.codes = append(p.codes, ix.Code)
		p.minItems = append(p.minItems, mi)
		p.lo = append(p.lo, int64(sc.Min))
		p.hi = append(p.hi, int64(sc.Max))
		for _, r := range ix.Reverse {
			if !contains(ix.Items, r) {
				return nil, fmt.Errorf("index %s: reverse-keyed item %s is not one of its items", ix.Code, r)
			}
		}
		for _, it := range ix.Items {
			if err := addItem(it, k, ix.Reversed(it), sc); err != nil {
				return nil, fmt.Errorf("index %s: %w", ix.Code, err)
			}
		}
	}
	if b := g.Bullying; b != nil {
		if b.Code == "" || seenIndex[b.Code] {
			return nil, fmt.Errorf("group %q: bullying code %q is empty or repeated", g.Code, b.Code)
		}
		if len(b.Items) == 0 {
			return nil, fmt.Errorf("bullying index %s has no items", b.Code)
		}
		p.thresh = int64(b.Threshold)
		if p.thresh == 0 {
			p.thresh = defaultThreshold
		}
		if p.thresh < int64(gs.Min) || p.thresh > int64(gs.Max) {
			return nil, fmt.Errorf("bullying index %s: threshold %d is off the scale %d..%d", b.Code, p.thresh, gs.Min, gs.Max)
		}
		p.bullying = len(p.codes)
		p.codes = append(p.codes, b.Code)
		p.minItems = append(p.minItems, 1)
		p.lo = append(p.lo, 0)
		p.hi = append(p.hi, 100)
		for _, it := range b.Items {
			if err := addItem(it, p.bullying, false, gs); err != nil {
				return nil, fmt.Errorf("bullying index %s: %w", b.Code, err)
			}
		}
	}
	for _, it := range g.OtherItems {
		if it == "" {
			return nil, fmt.Errorf("group %q: an item code of other_items is empty", g.Code)
		}
		if _, dup := p.byCode[it]; dup {
			return nil, fmt.Errorf("group %q: item %s of other_items is also an index or bullying item, or listed twice", g.Code, it)
		}
		p.byCode[it] = int32(len(p.items))
		p.items = append(p.items, itemPlan{code: it}) // no members: neither checked nor scored
	}
	p.known = len(p.items)
	p.group = g.Code
	return p, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// lookup returns the id of item code, adding an unknown item the first time
// a code is met. guess is tried first (a string compare is cheaper than a
// map lookup, and items mostly come in the same order for every
// respondent).
func (p *plan) lookup(code string, guess int32) int32 {
	if guess >= 0 && int(guess) < len(p.items) && p.items[guess].code == code {
		return guess
	}
	if i, ok := p.byCode[code]; ok {
		return i
	}
	i := int32(len(p.items))
	c := string([]byte(code)) // a copy: code may view a batch's buffer
	p.byCode[c] = i
	p.items = append(p.items, itemPlan{code: c})
	return i
}
