package ssb

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Planning: resolving a table's selection against its metadata.

// request is one data request: the variables selected (metadata order)
// and, per variable, the positions of the codes in its metadata.
type request struct {
	dims []string
	pos  [][]int
}

func (r request) cells() int {
	n := 1
	for _, p := range r.pos {
		n *= len(p)
	}
	return n
}

// plan resolves a table's selection against its metadata: one request for
// all of it. Read plans every table before it fetches any data. A variable
// the metadata lacks, or a code (or a pattern matching none) that its
// variable lacks, is a *connectors.PayloadError naming the table and the
// variable, with the metadata as payload: the table is not what the
// selection (perhaps an UNVERIFIED guess of tables.go) assumes. A
// mandatory variable left out, an expression that does not parse and a
// value code selected twice (SSB would answer 500) are errors of the
// selection.
func (m *metadata) plan(t TableQuery) ([]request, error) {
	for name := range t.ValueCodes {
		if m.ds.Dim(name) == nil {
			return nil, payloadErr(m.endpoint, "/dimension/"+name, fmt.Errorf("table %s has no variable %s (it has %s)%s", m.id, name, strings.Join(m.ds.ID, ", "), m.hint(name)), m.body)
		}
	}
	var r request
	for _, id := range m.ds.ID {
		items, ok := t.ValueCodes[id]
		if !ok {
			if !m.elimination[id] {
				return nil, fmt.Errorf("ssb: table %s: variable %s cannot be left out (elimination false); give its value_codes", m.id, id)
			}
			continue
		}
		pos, err := m.resolve(id, items)
		var nv noValue
		if errors.As(err, &nv) {
			return nil, payloadErr(m.endpoint, "/dimension/"+id+"/category/index", fmt.Errorf("table %s, variable %s: %w among its %d values%s", m.id, id, err, len(m.ds.Dim(id).Category.IDs), m.hint(id)), m.body)
		}
		if err != nil {
			return nil, fmt.Errorf("ssb: table %s: value_codes of %s: %w", m.id, id, err)
		}
		r.dims, r.pos = append(r.dims, id), append(r.pos, pos)
	}
	return []request{r}, nil
}

// hint ends the message of a selection the metadata does not hold.
func (m *metadata) hint(variable string) string {
	if unverified(m.id, variable) {
		return "; the default codes of this variable are UNVERIFIED guesses (connectors/ssb/tables.go): correct them, or give value_codes in the step's with: block"
	}
	return "; has the table changed?"
}

// noValue is an item of a selection that names no value of its variable.
type noValue struct {
	item    string
	pattern bool
}

func (e noValue) Error() string {
	if e.pattern {
		return fmt.Sprintf("%q matches no value", e.item)
	}
	return fmt.Sprintf("no value %q", e.item)
}

func (m *metadata) isTime(id string) bool {
	return slices.Contains(m.ds.Role.Time, id) || (len(m.ds.Role.Time) == 0 && id == "Tid")
}

// resolve turns the items of a variable's selection into the positions of
// the codes in its metadata, in metadata order. Items are codes, `*` and
// codes with `*` and `?` wildcards, top(n[,offset]) (the newest periods of
// the time variable, the first codes of others), bottom(n[,offset]),
// from(x), to(x) and range(x,y), optionally in [ ].
func (m *metadata) resolve(id string, items []string) ([]int, error) {
	codes := m.ds.Dim(id).Category.IDs
	at := func(code string) (int, error) {
		if p := slices.Index(codes, code); p >= 0 {
			return p, nil
		}
		return 0, noValue{item: code}
	}
	span := func(a, b int) []int {
		var out []int
		for p := max(a, 0); p <= min(b, len(codes)-1); p++ {
			out = append(out, p)
		}
		return out
	}
	var pos []int
	for _, raw := range items {
		it := strings.TrimSpace(raw)
		if strings.HasPrefix(it, "[") && strings.HasSuffix(it, "]") {
			it = it[1 : len(it)-1]
		}
		name, args, isFunc := strings.Cut(it, "(")
		if !isFunc {
			if strings.ContainsAny(it, "*?") {
				matched := false
				for p, c := range codes {
					if ok, _ := pathMatch(it, c); ok {
						pos, matched = append(pos, p), true
					}
				}
				if !matched {
					return nil, noValue{item: it, pattern: true}
				}
				continue
			}
			p, err := at(it)
			if err != nil {
				return nil, err
			}
			pos = append(pos, p)
			continue
		}
		args, ok := strings.CutSuffix(args, ")")
		if !ok {
			return nil, fmt.Errorf("%q: no closing parenthesis", raw)
		}
		var a []string
		for _, s := range strings.Split(args, ",") {
			a = append(a, strings.TrimSpace(s))
		}
		switch fn := strings.ToLower(name); fn {
		case "top", "bottom":
			n, err := strconv.Atoi(a[0])
			off := 0
			if err == nil && len(a) == 2 {
				off, err = strconv.Atoi(a[1])
			}
			if err != nil || n < 1 || off < 0 || len(a) > 2 {
				return nil, fmt.Errorf("%q: want %s(n) or %s(n,offset)", raw, fn, fn)
			}
			if (fn == "top") == m.isTime(id) {
				pos = append(pos, span(len(codes)-off-n, len(codes)-off-1)...)
			} else {
				pos = append(pos, span(off, off+n-1)...)
			}
		case "from", "to":
			if len(a) != 1 {
				return nil, fmt.Errorf("%q: want %s(code)", raw, fn)
			}
			p, err := at(a[0])
			if err != nil {
				return nil, err
			}
			if fn == "from" {
				pos = append(pos, span(p, len(codes)-1)...)
			} else {
				pos = append(pos, span(0, p)...)
			}
		case "range":
			if len(a) != 2 {
				return nil, fmt.Errorf("%q: want range(from,to)", raw)
			}
			p, err := at(a[0])
			if err != nil {
				return nil, err
			}
			q, err := at(a[1])
			if err != nil {
				return nil, err
			}
			pos = append(pos, span(p, q)...)
		default:
			return nil, fmt.Errorf("%q: unknown expression %s", raw, name)
		}
	}
	slices.Sort(pos)
	for i := 1; i < len(pos); i++ {
		if pos[i] == pos[i-1] {
			return nil, fmt.Errorf("value %q selected twice", codes[pos[i]])
		}
	}
	if len(pos) == 0 {
		return nil, errors.New("selects no value")
	}
	return pos, nil
}

// pathMatch is a glob over a whole code: * any run, ? one character.
func pathMatch(pattern, s string) (bool, error) {
	if pattern == "" {
		return s == "", nil
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if ok, _ := pathMatch(pattern[1:], s[i:]); ok {
				return true, nil
			}
		}
		return false, nil
	case '?':
		if s == "" {
			return false, nil
		}
		return pathMatch(pattern[1:], s[1:])
	}
	if s == "" || s[0] != pattern[0] {
		return false, nil
	}
	return pathMatch(pattern[1:], s[1:])
}
