package udir

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/skolestat/skolestat/internal/httpclient"
)

// Discovery: the report pages of the tables whose page codes are not
// known (discoveredTables) are found, not named. GET rest/v1/Rapportside
// lists every report page (its shape is not documented: an array of
// objects with at least "kode", or an object wrapping one such array; see
// ParseReportList). Every listed page whose kode starts with "GSK_" is read
// (one request each), and a page with a report element whose data
// endpoint is under a table's path (Statistikk/GSK/SkolebidragG/, say) is
// that table's. A listed page that answers 4xx or is not a report page of
// the usual shape is skipped with a warning: it is some other report.
//
// One discovery serves every table: a Source lists and reads the pages
// once, on the first read of a discovered stream, and the later reads of
// the other discovered streams use what it found. A discovery that fails
// is not kept, so the next read tries again. Nothing is kept beyond the
// Source, which a run builds for each extract step.

// discoveredTable is a table of the report API whose report pages are
// found by discovery and landed generically (discovered.go).
type discoveredTable struct {
	stream      string             // the stream it lands in
	path        string             // where the data endpoints of its pages point
	what        string             // what it is, for logs and errors
	description string             // the stream's description
	on          func(Config) *bool // its switch in Config (nil: on)
}

// discoveredTables are the tables found by discovery, in the order of
// their streams; every discovered stream, its description and its switch
// come from here.
var discoveredTables = []discoveredTable{
	{stream: StreamSchoolContribution, path: "Statistikk/GSK/SkolebidragG/", what: "school contribution",
		description: "Published school contribution (skolebidrag, table SkolebidragG of udir's report API, pages found by discovery), one row per unit, year and header column",
		on:          func(c Config) *bool { return c.SchoolContribution }},
	{stream: StreamTransitions, path: "Statistikk/GSK/OvergangerG/", what: "transitions to upper secondary",
		description: "Transitions from grunnskole to upper secondary (table OvergangerG of udir's report API, pages found by discovery), one row per unit, year and header column",
		on:          func(c Config) *bool { return c.Transitions }},
}

// discoveredOn returns the discovered table of stream and whether cfg has
// it on (its switch unset or true).
func discoveredOn(cfg Config, stream string) (discoveredTable, bool) {
	at := slices.IndexFunc(discoveredTables, func(t discoveredTable) bool { return t.stream == stream })
	if at < 0 {
		return discoveredTable{}, false
	}
	on := discoveredTables[at].on(cfg)
	return discoveredTables[at], on == nil || *on
}

// ReportListEntry is one report page of the list GET rest/v1/Rapportside.
type ReportListEntry struct {
	ID   int64  // id; 0 when not sent as a number
	Kode string // kode, never empty
	Navn string // navn, trimmed; "" when not sent as a string
}

// ParseReportList reads the answer of GET rest/v1/Rapportside, whose shape
// is not documented: a JSON array of objects that each have a non-empty
// string "kode" (and maybe "id" and "navn"), or an object with exactly one
// member that is such an array. Anything else is an error; field names the
// place at fault ("[3].kode", "rapportsider[3].kode").
func ParseReportList(data []byte) (_ []ReportListEntry, field string, _ error) {
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, "", fmt.Errorf("decoding the report page list: %w", err)
	}
	raw = bytes.TrimSpace(raw)
	prefix := ""
	if raw[0] == '{' {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, "", fmt.Errorf("decoding the report page list: %w", err)
		}
		var arrays []string
		for k, v := range obj {
			if len(v) > 0 && v[0] == '[' {
				arrays = append(arrays, k)
			}
		}
		sort.Strings(arrays)
		if len(arrays) != 1 {
			return nil, "", fmt.Errorf("an object with %d array members %v, want one: the list of report pages", len(arrays), arrays)
		}
		prefix, raw = arrays[0], obj[arrays[0]]
	}
	if raw[0] != '[' {
		return nil, "", fmt.Errorf("%s %s, want an array of report pages or an object wrapping one", jsonKind(raw), excerpt(raw))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, prefix, err
	}
	out := make([]ReportListEntry, len(items))
	for i, it := range items {
		field := fmt.Sprintf("%s[%d]", prefix, i)
		var e struct {
			ID   json.RawMessage `json:"id"`
			Kode json.RawMessage `json:"kode"`
			Navn json.RawMessage `json:"navn"`
		}
		if len(it) == 0 || it[0] != '{' {
			return nil, field, fmt.Errorf("%s %s, want an object", jsonKind(it), excerpt(it))
		}
		if err := json.Unmarshal(it, &e); err != nil {
			return nil, field, err
		}
		kode, ok, err := jsonString(e.Kode)
		if err == nil && (!ok || strings.TrimSpace(kode) == "") {
			err = errors.New("missing or empty")
		}
		if err != nil {
			return nil, field + ".kode", err
		}
		out[i].Kode = strings.TrimSpace(kode)
		if navn, ok, err := jsonString(e.Navn); ok && err == nil {
			out[i].Navn = strings.TrimSpace(navn)
		}
		if len(e.ID) > 0 && jsonKind(e.ID) == "a number" {
			_ = json.Unmarshal(e.ID, &out[i].ID) // a fraction leaves 0
		}
	}
	return out, "", nil
}

// foundPage is a report page found to hold a discovered table.
type foundPage struct {
	page     *ReportPage
	endpoint string // where the page was read
	body     []byte // the page as read, for a PayloadError on it
	dataPath string // its element's data endpoint, under the table's path
	fvPath   string // the filter values of that element
}

// tableElement is the data endpoint of the first element of p whose data
// are under the table path, and the filter values that go with it (the
// page's, when they are of the same table and version).
func tableElement(p *ReportPage, path string) (dataPath, fvPath string, ok bool) {
	for _, e := range p.Elements {
		if !strings.Contains(e.DataEndpoint, path) {
			continue
		}
		base := strings.TrimSuffix(e.DataEndpoint, "/data")
		fvPath = base + "/filterVerdier"
		if strings.TrimSuffix(p.FilterValuesEndpoint, "/filterVerdier") == base {
			fvPath = p.FilterValuesEndpoint
		}
		return e.DataEndpoint, fvPath, true
	}
	return "", "", false
}

// discovery is what one discovery found: the pages of each discovered
// table (by its path), in list order, one per data endpoint.
type discovery struct {
	listEndpoint string
	searched     int // grunnskole pages read
	requests     int
	pages        map[string][]foundPage
}

// discovered is the Source's discovery, made on the first call and kept
// for the later ones (a failed one is not kept). Calls are serialised.
func (s *Source) discovered(ctx context.Context) (*discovery, error) {
	s.discoveryMu.Lock()
	defer s.discoveryMu.Unlock()
	if s.discovery != nil {
		return s.discovery, nil
	}
	d, err := s.discover(ctx)
	if err != nil {
		return nil, err
	}
	s.log.Info("udir: report pages discovered", "list", d.listEndpoint, "pages_searched", d.searched, "requests", d.requests)
	s.discovery = d
	return d, nil
}

// discover lists the report pages and reads every grunnskole page (kode
// GSK_…) to find those of every discovered table.
func (s *Source) discover(ctx context.Context) (*discovery, error) {
	d := &discovery{pages: map[string][]foundPage{}}
	get := func(path, what string) (string, []byte, error) {
		d.requests++
		return s.get(ctx, path, what)
	}
	listEndpoint, body, err := get("rest/v1/Rapportside", "the list of report pages")
	d.listEndpoint = listEndpoint
	if err != nil {
		return nil, err
	}
	list, field, err := ParseReportList(body)
	if err != nil {
		return nil, payloadErr(listEndpoint, field, err, body)
	}
	seen := map[string]string{} // data endpoint → kode
	for _, e := range list {
		if !strings.HasPrefix(e.Kode, "GSK_") {
			continue
		}
		d.searched++
		endpoint, body, err := get("rest/v1/Rapportside/"+url.PathEscape(e.Kode), "report page "+e.Kode)
		var se *httpclient.StatusError
		if errors.As(err, &se) && se.Status >= 400 && se.Status < 500 && se.Status != 429 {
			s.log.Warn("udir: skipping a listed report page that cannot be read", "kode", e.Kode, "status", se.Status)
			continue
		}
		if err != nil {
			return nil, err
		}
		page, err := ParseReportPage(body)
		if err != nil || page.Kode != e.Kode {
			s.log.Warn("udir: skipping a listed report page of another shape", "kode", e.Kode, "endpoint", endpoint, "error", err)
			continue
		}
		for _, t := range discoveredTables {
			dataPath, fvPath, ok := tableElement(page, t.path)
			if !ok {
				continue
			}
			if first, dup := seen[dataPath]; dup {
				s.log.Info("udir: a discovered page with the data of another; read once", "table", t.what, "kode", e.Kode, "as", first, "data", dataPath)
				continue
			}
			seen[dataPath] = e.Kode
			d.pages[t.path] = append(d.pages[t.path], foundPage{page: page, endpoint: endpoint, body: body, dataPath: dataPath, fvPath: fvPath})
		}
	}
	return d, nil
}
