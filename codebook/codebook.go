// Package codebook describes survey instruments: which items make which
// index, which items are reverse-keyed, the answer scale, how many items a
// respondent must answer to get a score, the bullying items, and how many
// respondents a unit needs for a published value (shared/spec/indicators.md
// §3). A codebook is a YAML file (docs/codebooks.md); Load reads and checks
// one, naming file, line and key in every error. The survey transform
// (transforms/survey) computes indices from item-level answers by a
// codebook; the project ships codebooks for Elevundersøkelsen and for the
// Kultur for læring instrument (Builtin).
//
// After Load (or Builtin) returns a codebook without error, what the
// methods and fields say may be assumed: every index has at least one
// item, no item is listed twice in a group (a bullying item is no index
// item either), every reverse-keyed item is an item of its index, scales
// have Min < Max within 1..99 (the answer column of survey_responses),
// MinItems is between 1 and the index's item count, MinRespondents is at
// least 1, every bullying Threshold lies on its group's Scale, group codes
// are unique and index codes (with the bullying code) unique within a
// group, codes and both names are set, pupil groups' grade bands lie in
// 1..13 and do not overlap, and every index's Area is the code of one of
// its group's Areas (all "" when the group declares none). Validate checks
// the same for a codebook built in code.
package codebook

// Codebook is one instrument: its respondent groups, each with its
// indices.
type Codebook struct {
	Instrument string // e.g. "Elevundersøkelsen"
	Version    string
	// Source is where the codebook was read from (a path, or builtin:NAME),
	// for messages.
	Source string
	Groups []Group
}

// Group is a respondent group of an instrument (pupils of grades 5-10,
// teachers, parents, ...) with its indices.
type Group struct {
	Code  string // e.g. "pupils_5_10"
	Names Names
	// Grades is the grade band [from, to] of a pupil group; zero for
	// groups that are not pupils.
	Grades [2]int
	// Scale is the default answer scale of the group's items.
	Scale Scale
	// MinRespondents: a unit with fewer respondents gets no published
	// value (default 10).
	MinRespondents int
	// Areas are the areas the group's indices belong to, in order; empty
	// when the instrument has no areas.
	Areas   []Area
	Indices []Index
	// Bullying is the bullying share of the group, if it has one.
	Bullying *Bullying
	// OtherItems are the instrument's items that are in no index and not
	// bullying items (background questions, single questions reported on
	// their own): known, so answers to them are not bad input, but not
	// scored. An item code in the answers that is none of the group's is
	// bad input (the microdata contract: item_code "as in the codebook").
	OtherItems []string
}

// Index is a scale computed from items: a respondent's score is the mean
// of the answered items (reverse-keyed ones as Min+Max-a), when at least
// MinItems are answered.
type Index struct {
	Code  string // e.g. "EUIndeks_1379"
	Names Names
	// Area groups indices (Kultur for læring: an area has factors, each
	// an index): the Code of one of the group's Areas; "" when the
	// instrument has no areas.
	Area     string
	Items    []string
	Reverse  []string // a subset of Items
	Scale    Scale    // the group's Scale unless the index sets its own
	MinItems int      // default: half the items rounded up, at least 1
}

// Bullying is the share (0-100) of the respondents who answered at least
// one of Items whose answer on at least one is Threshold or more.
type Bullying struct {
	Code      string // e.g. "EUIndeks_1398"
	Names     Names
	Items     []string
	Threshold int // answer code; default 3 ("2-3 times a month" or more often)
}

// Area is a theme of a respondent group that holds one or more indices
// (Kultur for læring: «område», whose indices are its «faktorer»).
type Area struct {
	Code  string // unique within the group, e.g. "ATF"
	Names Names
}

// Names are a name in Norwegian (bokmål) and English.
type Names struct {
	NB string `yaml:"nb"`
	EN string `yaml:"en"`
}

// Scale is the range of the answer codes, inclusive.
type Scale struct {
	Min int `yaml:"min"`
	Max int `yaml:"max"`
}

// Reversed reports whether item is reverse-keyed in the index.
func (ix Index) Reversed(item string) bool {
	for _, r := range ix.Reverse {
		if r == item {
			return true
		}
	}
	return false
}

// Items lists every scored item of the group: those of its indices in
// order, then the bullying items not already listed. OtherItems are not
// among them: they are known items, but no index or bullying share reads
// them.
func (g Group) Items() []string {
	var out []string
	seen := map[string]bool{}
	add := func(items []string) {
		for _, it := range items {
			if !seen[it] {
				seen[it] = true
				out = append(out, it)
			}
		}
	}
	for _, ix := range g.Indices {
		add(ix.Items)
	}
	if g.Bullying != nil {
		add(g.Bullying.Items)
	}
	return out
}
