package klass

import (
	"sort"
	"time"
)

// Link says where a code valid at the start of a crosswalk went by its
// end. A code may have several links (a split), and several codes may
// share a target (a merge).
type Link struct {
	From, To string
	Kind     Kind
}

// Kind classifies a link.
type Kind string

const (
	Same       Kind = "same"       // the code lives on unchanged (perhaps renamed or with new borders)
	Renumbered Kind = "renumbered" // one code to one new code, nothing else joined
	Merged     Kind = "merged"     // with other codes into one
	Split      Kind = "split"      // into several codes; data cannot be carried over without weights
)

// Crosswalk follows codes valid just after from through the changes that
// occurred after from and on or before to, date by date: on each date a
// code with change rows becomes the new codes of those rows, and a code
// without rows stays as it is. It returns the links in code order. Codes
// are followed, not checked: pass the codes of the version valid at from.
func Crosswalk(codes []string, changes []Change, from, to time.Time) []Link {
	current := make(map[string][]string, len(codes))
	for _, c := range codes {
		current[c] = []string{c}
	}
	for i := 0; i < len(changes); {
		date := changes[i].Occurred
		step := map[string][]string{}
		for ; i < len(changes) && changes[i].Occurred.Equal(date); i++ {
			ch := changes[i]
			if !date.After(from) || date.After(to) {
				continue
			}
			step[ch.OldCode] = appendNew(step[ch.OldCode], ch.NewCode)
		}
		if len(step) == 0 {
			continue
		}
		for c, now := range current {
			var next []string
			for _, x := range now {
				if to, ok := step[x]; ok {
					for _, y := range to {
						next = appendNew(next, y)
					}
				} else {
					next = appendNew(next, x)
				}
			}
			current[c] = next
		}
	}
	sources := map[string]int{}
	for _, now := range current {
		for _, x := range now {
			sources[x]++
		}
	}
	var links []Link
	for c, now := range current {
		for _, x := range now {
			k := Renumbered
			switch {
			case len(now) > 1:
				k = Split
			case sources[x] > 1:
				k = Merged
			case x == c:
				k = Same
			}
			links = append(links, Link{From: c, To: x, Kind: k})
		}
	}
	sort.Slice(links, func(i, j int) bool {
		if links[i].From != links[j].From {
			return links[i].From < links[j].From
		}
		return links[i].To < links[j].To
	})
	return links
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
