package ssb

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Splitting requests under the cell and URL limits, and writing their URLs.

// split cuts requests until each has at most maxCells cells and a URL of at
// most maxURL characters. Too many cells: the time variable is cut first,
// then the region variable, then the one with the most codes, each into as
// many parts as the excess asks. Too long a URL: the variable with the
// longest selection is halved.
func (m *metadata) split(reqs []request, maxCells int) ([]request, error) {
	var out []request
	for len(reqs) > 0 {
		r := reqs[0]
		reqs = reqs[1:]
		cells, long := r.cells(), len(m.dataURL(r)) > maxURL
		if cells <= maxCells && !long {
			out = append(out, r)
			continue
		}
		d, parts := -1, 2
		if cells > maxCells {
			for _, cut := range []func(i int) bool{
				func(i int) bool { return m.isTime(r.dims[i]) },
				func(i int) bool { return slices.Contains(regionVariables, r.dims[i]) },
				func(i int) bool { return d < 0 || len(r.pos[i]) > len(r.pos[d]) },
			} {
				for i := range r.dims {
					if len(r.pos[i]) > 1 && cut(i) {
						d = i
					}
				}
				if d >= 0 {
					break
				}
			}
			if d >= 0 {
				parts = min(len(r.pos[d]), (cells+maxCells-1)/maxCells)
			}
		} else {
			longest := 0
			for i := range r.dims {
				if l := len(m.selection(r.dims[i], r.pos[i])); l > longest && len(r.pos[i]) > 1 {
					d, longest = i, l
				}
			}
		}
		if d < 0 {
			return nil, fmt.Errorf("ssb: table %s: cannot split a request of %d cells and a %d-character URL further", m.id, cells, len(m.dataURL(r)))
		}
		var pieces []request
		codes := r.pos[d]
		for k := range parts {
			lo, hi := k*len(codes)/parts, (k+1)*len(codes)/parts
			if lo == hi {
				continue
			}
			p := request{dims: r.dims, pos: slices.Clone(r.pos)}
			p.pos[d] = codes[lo:hi]
			pieces = append(pieces, p)
		}
		reqs = append(pieces, reqs...)
	}
	return out, nil
}

// queryEscape escapes a selection for the URL, keeping the characters of
// the expressions readable; "+" (in Alder 105+) must be %2B.
var queryEscape = strings.NewReplacer("%2C", ",", "%28", "(", "%29", ")", "%5B", "[", "%5D", "]", "%2A", "*")

// selection writes the positions of a variable as PxWebApi items: `*` for
// all, runs of three or more as [range(a,b)], other codes as they are.
func (m *metadata) selection(id string, pos []int) string {
	codes := m.ds.Dim(id).Category.IDs
	if len(pos) == len(codes) {
		return "*"
	}
	var items []string
	for i := 0; i < len(pos); {
		j := i
		for j+1 < len(pos) && pos[j+1] == pos[j]+1 {
			j++
		}
		if j-i >= 2 {
			items = append(items, "[range("+codes[pos[i]]+","+codes[pos[j]]+")]")
		} else {
			for k := i; k <= j; k++ {
				items = append(items, codes[pos[k]])
			}
		}
		i = j + 1
	}
	return strings.Join(items, ",")
}

func (m *metadata) dataURL(r request) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(m.endpoint, "/metadata?lang=no&outputFormat=json-stat2"))
	b.WriteString("/data?lang=no&outputFormat=json-stat2")
	for i, id := range r.dims {
		b.WriteString("&valueCodes[" + url.QueryEscape(id) + "]=")
		b.WriteString(queryEscape.Replace(url.QueryEscape(m.selection(id, r.pos[i]))))
	}
	return b.String()
}
