// Package peergroups holds the groups of municipalities an analyst compares
// a municipality with: the built-in ASSS network (Builtin) and groups a user
// defines in a YAML file (Load). The connector `peergroups` (Source) lands
// them as the stream peer_groups, one row per member, which the mart turns
// into mart.peer_group.
//
// The file format (docs/peer-groups.md):
//
//	groups:
//	  - code: vestland_storkommuner        # [a-z0-9_]+, unique; not "asss"
//	    name: {nb: "...", en: "..."}       # both required
//	    members:
//	      - municipality: "4601"           # 4 digits, in TODAY's (2024) codes
//	        from: 2020                     # first school year (autumn year); optional
//	        to: 2023                       # last school year; optional (open)
//
// Keys outside the format are errors, and every error names the file, the
// line and the key path (groups[0].members[2].municipality).
//
// After Load, Parse or Builtin returns without error, this may be assumed of
// every Group: Code matches [a-z0-9_]+ and is unique among the groups of
// the file; both names are set; there is at least one member; every
// Municipality is four digits; every From and To is 0 (open) or a year in
// MinYear..MaxYear, with From <= To when both are set; and no municipality
// is a member twice in overlapping years (it may leave and come back).
// Whether a code is a real municipality is not checked, here or in the
// mart: mart.peer_group shows a code it cannot name with no
// municipality_name.
package peergroups

import (
	_ "embed"
	"fmt"
	"slices"
)

// ASSS is the code of the built-in group; user files may not use it.
const ASSS = "asss"

// SourceBuiltin is the Source of the built-in group.
const SourceBuiltin = "builtin"

// The range of years From and To may take.
const (
	MinYear = 1900
	MaxYear = 2100
)

// Group is a named set of municipalities, each a member over a span of
// school years.
type Group struct {
	Code    string
	Names   Names
	Members []Member
	// Source is where the group was read from: SourceBuiltin, or the path
	// or name given to Load or Parse.
	Source string
}

// Names is a bilingual name.
type Names struct {
	NB string // Norwegian bokmål
	EN string // English
}

// Member is one municipality's membership of a group.
type Member struct {
	// Municipality is the municipality's number in the 2024 classification
	// (KLASS 131, Kommuneinndeling 2024), four digits.
	Municipality string
	// From is the first school year of membership, by its autumn year
	// (2022 is 2022-23); 0 when the membership has no start.
	From int
	// To is the last school year of membership; 0 while it is open.
	To int
}

// In reports whether m is a member in school year year (autumn year).
func (m Member) In(year int) bool {
	return (m.From == 0 || year >= m.From) && (m.To == 0 || year <= m.To)
}

// MembersIn returns the municipality codes that are members of g in school
// year year, sorted.
func (g Group) MembersIn(year int) []string {
	var codes []string
	for _, m := range g.Members {
		if m.In(year) {
			codes = append(codes, m.Municipality)
		}
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

//go:embed builtin/asss.yaml
var builtinFile []byte

// BuiltinFile returns the YAML of the built-in ASSS group, for a user to
// copy as a template (with another code: ASSS is reserved).
func BuiltinFile() []byte { return slices.Clone(builtinFile) }

// Builtin returns the ASSS network, a fresh copy the caller may change: the
// ten members of every year (Bergen, Bærum, Drammen, Fredrikstad,
// Kristiansand, Oslo, Sandnes, Stavanger, Trondheim, Tromsø) and Asker and
// Lillestrøm from 2022, in 2024 codes. Its Source is SourceBuiltin.
func Builtin() Group {
	groups, err := parse(SourceBuiltin, builtinFile, true)
	if err != nil || len(groups) != 1 || groups[0].Code != ASSS {
		// The embedded file is checked by the package's tests.
		panic(fmt.Sprintf("peergroups: the built-in file is broken: %v", err))
	}
	return groups[0]
}
