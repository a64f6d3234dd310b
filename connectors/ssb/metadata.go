package ssb

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/connectors/ssb/jsonstat"
)

// Reading a table's /metadata and validating JSON-stat documents.

func payloadErr(endpoint, field string, err error, payload []byte) error {
	return &connectors.PayloadError{Source: "ssb", Endpoint: endpoint, Field: field, Err: err, Payload: payload}
}

// document parses and validates a JSON-stat answer holding one dataset.
func document(endpoint string, body []byte) (*jsonstat.Dataset, error) {
	doc, err := jsonstat.Parse(body)
	if err != nil {
		return nil, payloadErr(endpoint, "", err, body)
	}
	if res := jsonstat.Validate(doc); !res.Valid {
		field := res.Errors[0].Path
		if field == "" && res.Errors[0].Code == jsonstat.ValueMissing {
			field = "/value" // reported at the root, where the member is missing
		}
		return nil, payloadErr(endpoint, field, res.Err(), body)
	}
	if doc.Class != jsonstat.ClassDataset || len(doc.Datasets) != 1 {
		return nil, payloadErr(endpoint, "/class", fmt.Errorf("a %s, want one dataset", doc.Class), body)
	}
	return doc.Datasets[0], nil
}

// metadata is a table's /metadata answer.
type metadata struct {
	id, endpoint string
	ds           *jsonstat.Dataset
	elimination  map[string]bool
	body         []byte // the answer, carried by plan's PayloadErrors
}

func (s *Source) metadataURL(id string) string {
	return s.cfg.BaseURL + "/tables/" + url.PathEscape(id) + "/metadata?lang=no&outputFormat=json-stat2"
}

func (s *Source) metadata(ctx context.Context, id string) (*metadata, error) {
	endpoint := s.metadataURL(id)
	resp, err := s.http.Get(ctx, endpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("ssb: reading the metadata of table %s: %w", id, err)
	}
	ds, err := document(endpoint, resp.Body)
	if err != nil {
		return nil, err
	}
	m := &metadata{id: id, endpoint: endpoint, ds: ds, elimination: map[string]bool{}, body: resp.Body}
	for _, d := range ds.Dimensions {
		var ext struct {
			Elimination bool `json:"elimination"`
		}
		if len(d.Extension) > 0 {
			if err := json.Unmarshal(d.Extension, &ext); err != nil {
				return nil, payloadErr(endpoint, "/dimension/"+d.ID+"/extension", err, resp.Body)
			}
		}
		m.elimination[d.ID] = ext.Elimination
	}
	return m, nil
}
