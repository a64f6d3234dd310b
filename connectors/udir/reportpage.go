package udir

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ReportPage is the part of a Rapportside response (GET
// rest/v1/Rapportside/{kode}) that a connector needs to query a report:
// where its data and filter values are, which filters it takes and their
// defaults. Paths are relative to the report API base
// (https://statistikkportalen.udir.no/api/rapportering/).
type ReportPage struct {
	ID   int64  // rappside.id (71)
	Kode string // rappside.kode ("GSK_NP_Geografisk")
	Navn string // rappside.navn
	// Filters is gyldigeFiltre: the filter names the report accepts.
	Filters []string
	// FilterSpecEndpoint, FilterValuesEndpoint and FilterStatusEndpoint are
	// filterSpecEndepunkt, filterVerdiEndepunkt and filterStatusEndepunkt.
	// FilterValuesEndpoint is derived from the data endpoint ("…/data" →
	// "…/filterVerdier") when the page has none.
	FilterSpecEndpoint   string
	FilterValuesEndpoint string
	FilterStatusEndpoint string
	// Suppressed is erPrikket: the report replaces small numbers by "*".
	Suppressed bool
	// DefaultFilters is filterDefaultVerdier: filter name → value ids, the
	// selection the web page starts from. A query should start from it and
	// override (filter names differ between reports).
	DefaultFilters map[string][]int64
	// Elements is rapportElementer, in order; at least one has a data
	// endpoint.
	Elements []ReportElement
	// Texts is tekster, tekstId → HTML; null texts (key "0") are left out.
	Texts map[string]string
}

// ReportElement is one table of a report page.
type ReportElement struct {
	Number int    // rapportelementnr
	Navn   string // navn
	// DataEndpoint is dataEndepunkt ("rest/v1/Statistikk/GSK/GSI/1/8/data").
	// The version in it changes without notice: never hard-code it.
	DataEndpoint string
	// DefaultRowPath is defaultRadsti ("*.*").
	DefaultRowPath string
	Filters        []string // gyldigeFiltre
	// Type is rapportelementtypenavn. udir sends this key twice in the same
	// object ("D_TAB", then "Drilltabell"); encoding/json keeps the last
	// value, so Type is "Drilltabell". Nothing depends on it.
	Type string
}

type rawReportPage struct {
	Rappside *struct {
		ID                   int64              `json:"id"`
		Kode                 string             `json:"kode"`
		Navn                 string             `json:"navn"`
		GyldigeFiltre        []string           `json:"gyldigeFiltre"`
		FilterSpecEndepunkt  string             `json:"filterSpecEndepunkt"`
		FilterVerdiEndepunkt string             `json:"filterVerdiEndepunkt"`
		FilterStatus         string             `json:"filterStatusEndepunkt"`
		ErPrikket            bool               `json:"erPrikket"`
		FilterDefaultVerdier map[string][]int64 `json:"filterDefaultVerdier"`
		RapportElementer     []struct {
			Nr            int      `json:"rapportelementnr"`
			Navn          string   `json:"navn"`
			DataEndepunkt string   `json:"dataEndepunkt"`
			DefaultRadsti string   `json:"defaultRadsti"`
			GyldigeFiltre []string `json:"gyldigeFiltre"`
			Typenavn      string   `json:"rapportelementtypenavn"`
		} `json:"rapportElementer"`
	} `json:"rappside"`
	Tekster map[string]*string `json:"tekster"`
}

// ParseReportPage reads a Rapportside response. It fails when the body is
// not JSON of that shape, has no "rappside" or "kode", or when no report
// element has a data endpoint.
func ParseReportPage(data []byte) (*ReportPage, error) {
	var raw rawReportPage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("decoding Rapportside: %w", err)
	}
	rs := raw.Rappside
	if rs == nil {
		return nil, errors.New("decoding Rapportside: no \"rappside\" object")
	}
	if rs.Kode == "" {
		return nil, errors.New("decoding Rapportside: rappside.kode is missing")
	}
	p := &ReportPage{
		ID: rs.ID, Kode: rs.Kode, Navn: rs.Navn, Filters: rs.GyldigeFiltre,
		FilterSpecEndpoint:   rs.FilterSpecEndepunkt,
		FilterValuesEndpoint: rs.FilterVerdiEndepunkt,
		FilterStatusEndpoint: rs.FilterStatus,
		Suppressed:           rs.ErPrikket,
		DefaultFilters:       rs.FilterDefaultVerdier,
		Texts:                make(map[string]string, len(raw.Tekster)),
	}
	for _, e := range rs.RapportElementer {
		p.Elements = append(p.Elements, ReportElement{
			Number: e.Nr, Navn: e.Navn, DataEndpoint: e.DataEndepunkt,
			DefaultRowPath: e.DefaultRadsti, Filters: e.GyldigeFiltre, Type: e.Typenavn,
		})
	}
	for k, v := range raw.Tekster {
		if v != nil {
			p.Texts[k] = *v
		}
	}
	dataPath, err := p.DataEndpoint()
	if err != nil {
		return nil, fmt.Errorf("decoding Rapportside %s: %w", p.Kode, err)
	}
	if p.FilterValuesEndpoint == "" {
		p.FilterValuesEndpoint = strings.TrimSuffix(dataPath, "/data") + "/filterVerdier"
	}
	return p, nil
}

// DataEndpoint is the data endpoint of the page's first element that has
// one; the pages of the grunnskole reports have exactly one element. It is
// an error when no element has one.
func (p *ReportPage) DataEndpoint() (string, error) {
	for _, e := range p.Elements {
		if e.DataEndpoint != "" {
			return e.DataEndpoint, nil
		}
	}
	return "", fmt.Errorf("none of its %d report elements has a dataEndepunkt", len(p.Elements))
}
