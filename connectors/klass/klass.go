// Package klass reads SSB's classification service KLASS
// (https://data.ssb.no/api/klass/v1) for the municipality (131) and county
// (104) classifications: the versions, the codes of a version, and the
// changes between dates. From the changes it builds a crosswalk, so that a
// time series reported in the codes of its own year can be shown in the
// codes of another (Norway renumbered most municipalities in 2020 and again
// in 2024, merged many in 2020 and split a few).
//
// The parsers take the API's JSON as it comes; Crosswalk is pure. The
// connector that fetches them comes with the rest of the SSB sources.
package klass

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Version is one version of a classification (e.g. "Kommuneinndeling
// 2024"), valid from ValidFrom up to, not including, ValidTo (zero: still
// valid).
type Version struct {
	ID        int
	Name      string
	ValidFrom time.Time
	ValidTo   time.Time
}

// Item is one code of a version.
type Item struct {
	Code, ParentCode, Level, Name string
}

// Change is one row of a change table: OldCode became NewCode (a
// renumbering, part of a merge or of a split, or a change of name or
// borders under the same code) on Occurred.
type Change struct {
	OldCode, OldName, NewCode, NewName string
	Occurred                           time.Time
}

const day = "2006-01-02"

func parseDay(field, s string, optional bool) (time.Time, error) {
	if s == "" && optional {
		return time.Time{}, nil
	}
	t, err := time.Parse(day, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("field %s: %q is not a date (YYYY-MM-DD)", field, s)
	}
	return t, nil
}

// ParseClassification reads GET classifications/{id}: the versions, sorted
// by ValidFrom.
func ParseClassification(data []byte) ([]Version, error) {
	var doc struct {
		Versions *[]struct {
			ID        *int    `json:"id"`
			Name      string  `json:"name"`
			ValidFrom string  `json:"validFrom"`
			ValidTo   *string `json:"validTo"`
		} `json:"versions"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reading a KLASS classification: %w", err)
	}
	if doc.Versions == nil {
		return nil, fmt.Errorf("reading a KLASS classification: field versions missing")
	}
	var out []Version
	for i, v := range *doc.Versions {
		if v.ID == nil {
			return nil, fmt.Errorf("reading a KLASS classification: versions[%d].id missing", i)
		}
		from, err := parseDay(fmt.Sprintf("versions[%d].validFrom", i), v.ValidFrom, false)
		if err != nil {
			return nil, fmt.Errorf("reading a KLASS classification: %w", err)
		}
		to := ""
		if v.ValidTo != nil {
			to = *v.ValidTo
		}
		until, err := parseDay(fmt.Sprintf("versions[%d].validTo", i), to, true)
		if err != nil {
			return nil, fmt.Errorf("reading a KLASS classification: %w", err)
		}
		out = append(out, Version{ID: *v.ID, Name: v.Name, ValidFrom: from, ValidTo: until})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ValidFrom.Before(out[j].ValidFrom) })
	return out, nil
}

// At returns the version valid on date t.
func At(versions []Version, t time.Time) (Version, bool) {
	for _, v := range versions {
		if !t.Before(v.ValidFrom) && (v.ValidTo.IsZero() || t.Before(v.ValidTo)) {
			return v, true
		}
	}
	return Version{}, false
}

// ParseVersion reads GET versions/{id}: the version and its codes.
func ParseVersion(data []byte) (Version, []Item, error) {
	var doc struct {
		ID        *int    `json:"id"`
		Name      string  `json:"name"`
		ValidFrom string  `json:"validFrom"`
		ValidTo   *string `json:"validTo"`
		Items     *[]struct {
			Code       *string `json:"code"`
			ParentCode *string `json:"parentCode"`
			Level      string  `json:"level"`
			Name       *string `json:"name"`
		} `json:"classificationItems"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return Version{}, nil, fmt.Errorf("reading a KLASS version: %w", err)
	}
	if doc.ID == nil || doc.Items == nil {
		return Version{}, nil, fmt.Errorf("reading a KLASS version: fields id and classificationItems are required")
	}
	v := Version{ID: *doc.ID, Name: doc.Name}
	var err error
	if v.ValidFrom, err = parseDay("validFrom", doc.ValidFrom, false); err != nil {
		return Version{}, nil, fmt.Errorf("reading KLASS version %d: %w", v.ID, err)
	}
	to := ""
	if doc.ValidTo != nil {
		to = *doc.ValidTo
	}
	if v.ValidTo, err = parseDay("validTo", to, true); err != nil {
		return Version{}, nil, fmt.Errorf("reading KLASS version %d: %w", v.ID, err)
	}
	items := make([]Item, 0, len(*doc.Items))
	seen := map[string]bool{}
	for i, it := range *doc.Items {
		if it.Code == nil || it.Name == nil {
			return Version{}, nil, fmt.Errorf("reading KLASS version %d: classificationItems[%d]: code and name are required", v.ID, i)
		}
		if seen[*it.Code] {
			return Version{}, nil, fmt.Errorf("reading KLASS version %d: code %s appears twice", v.ID, *it.Code)
		}
		seen[*it.Code] = true
		item := Item{Code: *it.Code, Level: it.Level, Name: *it.Name}
		if it.ParentCode != nil {
			item.ParentCode = *it.ParentCode
		}
		items = append(items, item)
	}
	return v, items, nil
}

// ParseChanges reads GET classifications/{id}/changes?from=&to=, sorted by
// date (stable within a date).
func ParseChanges(data []byte) ([]Change, error) {
	var doc struct {
		CodeChanges *[]struct {
			OldCode, OldName, NewCode, NewName *string
			ChangeOccurred                     string
		} `json:"codeChanges"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reading KLASS changes: %w", err)
	}
	if doc.CodeChanges == nil {
		return nil, fmt.Errorf("reading KLASS changes: field codeChanges missing")
	}
	out := make([]Change, 0, len(*doc.CodeChanges))
	for i, c := range *doc.CodeChanges {
		if c.OldCode == nil || c.NewCode == nil {
			return nil, fmt.Errorf("reading KLASS changes: codeChanges[%d]: oldCode and newCode are required", i)
		}
		at, err := parseDay(fmt.Sprintf("codeChanges[%d].changeOccurred", i), c.ChangeOccurred, false)
		if err != nil {
			return nil, fmt.Errorf("reading KLASS changes: %w", err)
		}
		ch := Change{OldCode: *c.OldCode, NewCode: *c.NewCode, Occurred: at}
		if c.OldName != nil {
			ch.OldName = *c.OldName
		}
		if c.NewName != nil {
			ch.NewName = *c.NewName
		}
		out = append(out, ch)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Occurred.Before(out[j].Occurred) })
	return out, nil
}
