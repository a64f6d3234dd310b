package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The serving side of the SSB emulation: routes, the request limiter, the
// selection expressions and the JSON-stat documents.

func (d *ssbData) routes(mux *http.ServeMux, prefix string) {
	mux.HandleFunc("GET "+prefix+"/tables/{id}/metadata", d.limited(d.metadata))
	mux.HandleFunc("GET "+prefix+"/tables/{id}/data", d.limited(d.data))
}

// ssbProblem writes PxWebApi's error answer (an RFC 9457 problem).
func ssbProblem(w http.ResponseWriter, code int, title string) {
	writeJSON(w, code, map[string]any{"type": "https://tools.ietf.org/html/rfc9110#section-15", "title": title, "status": code})
}

// limited counts the request against its client address, answers 429
// beyond the limit, and 404 for a URL longer than the real API takes.
func (d *ssbData) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if d.limiter != nil {
			client, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				client = r.RemoteAddr
			}
			ok, remaining, retry := d.limiter.allow(client)
			w.Header().Set("X-RateLimit-Limit", strconv.Itoa(d.limiter.requests))
			w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
			if !ok {
				w.Header().Set("Retry-After", strconv.Itoa(int((retry+time.Second-1)/time.Second)))
				ssbProblem(w, http.StatusTooManyRequests, "Too many requests")
				return
			}
		}
		if len(r.URL.RequestURI()) > ssbMaxURL {
			ssbProblem(w, http.StatusNotFound, "Not found")
			return
		}
		h(w, r)
	}
}

// ssbLimiter allows requests per client address in a sliding window.
type ssbLimiter struct {
	requests int
	window   time.Duration
	now      func() time.Time
	mu       sync.Mutex
	seen     map[string][]time.Time // accepted requests in the window, oldest first
}

func newSSBLimiter(requests int, window time.Duration, now func() time.Time) *ssbLimiter {
	return &ssbLimiter{requests: requests, window: window, now: now, seen: map[string][]time.Time{}}
}

// allow counts a request of client: refused when the window already holds
// the limit, with the time until the oldest request leaves it. Refused
// requests are not counted.
func (l *ssbLimiter) allow(client string) (ok bool, remaining int, retry time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	ts := l.seen[client]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-l.window)) {
		i++
	}
	ts = ts[i:]
	if len(ts) >= l.requests {
		l.seen[client] = ts
		return false, 0, max(ts[0].Add(l.window).Sub(now), time.Second)
	}
	ts = append(ts, now)
	l.seen[client] = ts
	return true, l.requests - len(ts), 0
}

func (d *ssbData) table(w http.ResponseWriter, r *http.Request) *ssbTable {
	t, ok := d.tables[r.PathValue("id")]
	if !ok {
		ssbProblem(w, http.StatusNotFound, "Table "+r.PathValue("id")+" not found")
	}
	return t
}

// checkFormat answers 400 for what the emulation does not serve.
func checkFormat(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	switch q.Get("lang") {
	case "", "no", "nb", "nn", "en":
	default:
		ssbProblem(w, http.StatusBadRequest, "Unsupported language")
		return false
	}
	if f := q.Get("outputFormat"); f != "" && f != "json-stat2" {
		ssbProblem(w, http.StatusBadRequest, "Unsupported output format")
		return false
	}
	if q.Has("outputFormatParams") {
		ssbProblem(w, http.StatusBadRequest, "Output format parameters do not apply to json-stat2")
		return false
	}
	return true
}

func (d *ssbData) metadata(w http.ResponseWriter, r *http.Request) {
	t := d.table(w, r)
	if t == nil || !checkFormat(w, r) {
		return
	}
	sel := make([][]int, len(t.dims))
	for i, dim := range t.dims {
		sel[i] = make([]int, len(dim.codes))
		for p := range sel[i] {
			sel[i][p] = p
		}
	}
	d.write(w, t, sel, false)
}

// errDuplicate is a value code selected twice: 500 with an empty body.
var errDuplicate = errors.New("value code selected twice")

// ssbBadRequest is a 400 with the real API's title.
type ssbBadRequest string

func (e ssbBadRequest) Error() string { return string(e) }

func (d *ssbData) data(w http.ResponseWriter, r *http.Request) {
	t := d.table(w, r)
	if t == nil || !checkFormat(w, r) {
		return
	}
	sel, err := t.selection(r.URL.Query())
	var bad ssbBadRequest
	switch {
	case errors.Is(err, errDuplicate):
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusInternalServerError)
		return
	case errors.As(err, &bad):
		ssbProblem(w, http.StatusBadRequest, string(bad))
		return
	case err != nil:
		ssbProblem(w, http.StatusInternalServerError, err.Error())
		return
	}
	cells := 1
	for _, s := range sel {
		if s != nil {
			cells *= len(s)
		}
	}
	if cells > ssbMaxCells {
		ssbProblem(w, http.StatusForbidden, fmt.Sprintf("Too many cells selected: %d, the limit is %d", cells, ssbMaxCells))
		return
	}
	d.write(w, t, sel, true)
}

// selection resolves the valueCodes parameters: per variable the selected
// positions in table order, nil for a variable eliminated.
func (t *ssbTable) selection(q map[string][]string) ([][]int, error) {
	given := map[string]string{}
	for k, v := range q {
		name, ok := strings.CutPrefix(k, "valueCodes[")
		if !ok {
			if strings.HasPrefix(k, "codelist[") {
				return nil, ssbBadRequest("Non-existent codelist")
			}
			continue
		}
		name, ok = strings.CutSuffix(name, "]")
		if !ok {
			return nil, ssbBadRequest("Illegal parameter " + k)
		}
		given[name] = strings.Join(v, ",")
	}
	sel := make([][]int, len(t.dims))
	if len(given) == 0 {
		return t.defaultSelection(), nil
	}
	for name := range given {
		if !slices.ContainsFunc(t.dims, func(d *ssbDim) bool { return d.code == name }) {
			return nil, ssbBadRequest("Non-existent variable " + name)
		}
	}
	for i, dim := range t.dims {
		expr, ok := given[dim.code]
		if !ok {
			if !dim.elim {
				return nil, ssbBadRequest(ssbMandatory)
			}
			continue
		}
		pos, err := dim.resolve(expr)
		if err != nil {
			return nil, err
		}
		sel[i] = pos
	}
	return sel, nil
}

// defaultSelection is what a request without valueCodes gets: every
// content, the newest period, the first code of other mandatory variables.
func (t *ssbTable) defaultSelection() [][]int {
	sel := make([][]int, len(t.dims))
	for i, d := range t.dims {
		switch {
		case d.role == "metric":
			for p := range d.codes {
				sel[i] = append(sel[i], p)
			}
		case d.role == "time":
			sel[i] = []int{len(d.codes) - 1}
		case !d.elim:
			sel[i] = []int{0}
		}
	}
	return sel
}

// resolve reads a GET selection: comma-separated items, an item in [ ]
// being an expression that may hold commas.
func (d *ssbDim) resolve(expr string) ([]int, error) {
	var items []string
	for rest := expr; ; {
		if strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, ssbBadRequest("Illegal selection expression")
			}
			items = append(items, rest[1:end])
			rest = rest[end+1:]
			if rest == "" {
				break
			}
			if rest[0] != ',' {
				return nil, ssbBadRequest("Illegal selection expression")
			}
			rest = rest[1:]
			continue
		}
		item, after, more := strings.Cut(rest, ",")
		items = append(items, item)
		if !more {
			break
		}
		rest = after
	}
	var pos []int
	for _, item := range items {
		p, err := d.item(strings.TrimSpace(item))
		if err != nil {
			return nil, err
		}
		pos = append(pos, p...)
	}
	seen := make([]bool, len(d.codes))
	for _, p := range pos {
		if seen[p] {
			return nil, errDuplicate
		}
		seen[p] = true
	}
	slices.Sort(pos)
	if len(pos) == 0 {
		return nil, ssbBadRequest("Non-existent value")
	}
	return pos, nil
}

// item resolves one selection item to positions.
func (d *ssbDim) item(s string) ([]int, error) {
	n := len(d.codes)
	span := func(from, to int) []int {
		var out []int
		for p := max(from, 0); p <= min(to, n-1); p++ {
			out = append(out, p)
		}
		return out
	}
	open := strings.IndexByte(s, '(')
	if open < 0 {
		if s == "" || strings.ContainsAny(s, "[]),") {
			return nil, ssbBadRequest("Illegal selection expression")
		}
		if !strings.ContainsAny(s, "*?") {
			p, ok := d.pos[s]
			if !ok {
				return nil, ssbBadRequest("Non-existent value " + s)
			}
			return []int{p}, nil
		}
		var out []int
		for p, c := range d.codes {
			if globMatch(s, c) {
				out = append(out, p)
			}
		}
		return out, nil
	}
	if !strings.HasSuffix(s, ")") {
		return nil, ssbBadRequest("Illegal selection expression")
	}
	fn, args := strings.ToLower(s[:open]), strings.Split(s[open+1:len(s)-1], ",")
	for i := range args {
		args[i] = strings.TrimSpace(args[i])
	}
	code := func(i int) (int, error) {
		p, ok := d.pos[args[i]]
		if !ok {
			return 0, ssbBadRequest("Non-existent value " + args[i])
		}
		return p, nil
	}
	count := func() (int, int, error) {
		if len(args) < 1 || len(args) > 2 {
			return 0, 0, ssbBadRequest("Illegal selection expression")
		}
		c, err := strconv.Atoi(args[0])
		off := 0
		if err == nil && len(args) == 2 {
			off, err = strconv.Atoi(args[1])
		}
		if err != nil || c < 1 || off < 0 {
			return 0, 0, ssbBadRequest("Illegal selection expression")
		}
		return c, off, nil
	}
	switch fn {
	case "top", "bottom":
		c, off, err := count()
		if err != nil {
			return nil, err
		}
		// top is the newest periods of a time variable, else the first codes.
		if (fn == "top") == (d.role == "time") {
			return span(n-off-c, n-off-1), nil
		}
		return span(off, off+c-1), nil
	case "from", "to":
		if len(args) != 1 {
			return nil, ssbBadRequest("Illegal selection expression")
		}
		p, err := code(0)
		if err != nil {
			return nil, err
		}
		if fn == "from" {
			return span(p, n-1), nil
		}
		return span(0, p), nil
	case "range":
		if len(args) != 2 {
			return nil, ssbBadRequest("Illegal selection expression")
		}
		a, err := code(0)
		if err != nil {
			return nil, err
		}
		b, err := code(1)
		if err != nil {
			return nil, err
		}
		return span(a, b), nil
	}
	return nil, ssbBadRequest("Illegal selection expression")
}

// globMatch matches code against a pattern where * is any run of
// characters and ? one character.
func globMatch(pattern, code string) bool {
	if pattern == "" {
		return code == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(code); i++ {
			if globMatch(pattern[1:], code[i:]) {
				return true
			}
		}
		return false
	case '?':
		return code != "" && globMatch(pattern[1:], code[1:])
	}
	return code != "" && code[0] == pattern[0] && globMatch(pattern[1:], code[1:])
}

type ssbCategory struct {
	Index map[string]int     `json:"index"`
	Label map[string]string  `json:"label"`
	Unit  map[string]ssbUnit `json:"unit,omitempty"`
}

type ssbDimJSON struct {
	Label     string         `json:"label"`
	Category  ssbCategory    `json:"category"`
	Extension map[string]any `json:"extension"`
}

// write sends the dataset of the selection (nil = eliminated); with values
// false, the metadata document (every category, an empty value).
func (d *ssbData) write(w http.ResponseWriter, t *ssbTable, sel [][]int, values bool) {
	var ids []string
	var sizes []int
	dims := map[string]ssbDimJSON{}
	role := map[string][]string{}
	var stub []string
	for i, dim := range t.dims {
		if sel[i] == nil {
			continue
		}
		ids, sizes = append(ids, dim.code), append(sizes, len(sel[i]))
		cat := ssbCategory{Index: map[string]int{}, Label: map[string]string{}}
		for k, p := range sel[i] {
			cat.Index[dim.codes[p]] = k
			cat.Label[dim.codes[p]] = dim.labels[p]
		}
		ext := map[string]any{"elimination": dim.elim, "show": "value", "codelists": []any{}}
		if dim.elim && dim.elimCode != "" {
			ext["eliminationValueCode"] = dim.elimCode
		}
		if dim.role != "" {
			role[dim.role] = append(role[dim.role], dim.code)
		}
		if dim.role == "time" {
			ext["show"] = "code"
		}
		if dim.role == "metric" {
			cat.Unit = map[string]ssbUnit{}
			measuring, refperiod := map[string]string{}, map[string]string{}
			for _, p := range sel[i] {
				c := dim.codes[p]
				cat.Unit[c] = dim.units[c]
				measuring[c] = dim.measuring
				if dim.refperiod != "" {
					refperiod[c] = dim.refperiod
				}
			}
			ext["measuringType"] = measuring
			if len(refperiod) > 0 {
				ext["refperiod"] = refperiod
			}
		}
		if dim.role != "metric" && dim.role != "time" {
			stub = append(stub, dim.code)
		}
		dims[dim.code] = ssbDimJSON{Label: dim.label, Category: cat, Extension: ext}
	}
	doc := map[string]any{
		"version": "2.0", "class": "dataset", "label": t.label, "source": ssbSource, "updated": t.updated,
		"note": []string{". = Ikke mulig å oppgi tall", ".. = Tallgrunnlag mangler", ": = Vises ikke av konfidensialitetshensyn"},
		"role": role, "id": ids, "size": sizes, "dimension": dims,
		"extension": map[string]any{
			"px": map[string]any{"infofile": "None", "tableid": t.id, "decimals": t.decimals, "official-statistics": true,
				"aggregallowed": false, "language": "no", "contents": t.contents, "descriptiondefault": false,
				"heading": []string{"ContentsCode", "Tid"}, "stub": stub, "matrix": t.id, "subject-code": t.subject},
			"contact": []map[string]string{{"name": "Statistisk sentralbyrå", "organization": "Statistisk sentralbyrå", "raw": "Statistisk sentralbyrå"}},
		},
	}
	valueKey := "value"
	if d.drift {
		valueKey = "values"
	}
	if !values {
		doc[valueKey] = []any{}
		writeJSON(w, http.StatusOK, doc)
		return
	}
	vals, status := t.values(sel)
	doc[valueKey] = json.RawMessage(vals)
	if status != nil {
		doc["status"] = json.RawMessage(status)
	}
	writeJSON(w, http.StatusOK, doc)
}

// values writes the value array of the selection, and the status object
// (nil when no cell has a symbol).
func (t *ssbTable) values(sel [][]int) (vals, status []byte) {
	var out, elim []int // dims shown and eliminated
	elimSel := make([][]int, len(t.dims))
	for i, dim := range t.dims {
		if sel[i] != nil {
			out = append(out, i)
			continue
		}
		elim = append(elim, i)
		if p, ok := dim.pos[dim.elimCode]; ok && dim.elimCode != "" {
			elimSel[i] = []int{p}
		} else {
			for p := range dim.codes {
				elimSel[i] = append(elimSel[i], p)
			}
		}
	}
	total := 1
	for _, i := range out {
		total *= len(sel[i])
	}
	vals = make([]byte, 0, total*6+2)
	vals = append(vals, '[')
	status = append(status, '{')
	pos := make([]int, len(t.dims))
	at := make([]int, len(t.dims)) // odometer over the selections
	for _, i := range out {
		pos[i] = sel[i][0]
	}
	for cell := range total {
		if cell > 0 {
			vals = append(vals, ',')
			for k := len(out) - 1; k >= 0; k-- {
				i := out[k]
				at[i]++
				if at[i] == len(sel[i]) {
					at[i] = 0
				}
				pos[i] = sel[i][at[i]]
				if at[i] != 0 {
					break
				}
			}
		}
		v, sym := t.aggregate(pos, elim, elimSel)
		if sym != "" {
			vals = append(vals, "null"...)
			if len(status) > 1 {
				status = append(status, ',')
			}
			status = strconv.AppendQuote(append(strconv.AppendQuote(status, strconv.Itoa(cell)), ':'), sym)
			continue
		}
		vals = strconv.AppendFloat(vals, v, 'f', -1, 64)
	}
	vals = append(vals, ']')
	if len(status) == 1 {
		return vals, nil
	}
	return vals, append(status, '}')
}

// aggregate is the value of a cell with the eliminated dims summed over
// their selection: null with the first symbol when no part has a value,
// and null ":" when the table suppresses a small result.
func (t *ssbTable) aggregate(pos []int, elim []int, elimSel [][]int) (float64, string) {
	sum, have, sym := 0.0, false, ""
	var walk func(k int)
	walk = func(k int) {
		if k == len(elim) {
			v, s := t.cell(pos)
			if s == "" {
				sum, have = sum+v, true
			} else if sym == "" {
				sym = s
			}
			return
		}
		i := elim[k]
		for _, p := range elimSel[i] {
			pos[i] = p
			walk(k + 1)
		}
	}
	walk(0)
	if !have {
		return 0, sym
	}
	if t.suppress > 0 && sum > 0 && sum < float64(t.suppress) {
		return 0, ":"
	}
	return sum, ""
}
