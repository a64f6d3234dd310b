package microdata

import (
	"testing"
)

// TestRowRulesNameContractColumns keeps the rule table in step with the
// contract: every rule names a table and columns that exist.
func TestRowRulesNameContractColumns(t *testing.T) {
	for _, r := range rowRules {
		tbl, ok := Lookup(r.table)
		if !ok {
			t.Errorf("rule %q: no table %q", r.reason, r.table)
			continue
		}
		for _, c := range r.columns {
			if _, ok := tbl.Column(c); !ok {
				t.Errorf("rule %q: table %s has no column %q", r.reason, r.table, c)
			}
		}
	}
	for _, tbl := range Tables {
		newChecker(tbl) // panics on a rule naming a missing column
	}
}

func TestColumnChecks(t *testing.T) {
	income, _ := mustTable(t, "pupils").Column("household_income")
	grade, _ := mustTable(t, "national_tests").Column("grade")
	year, _ := mustTable(t, "enrolments").Column("school_year")
	orgnr, _ := mustTable(t, "enrolments").Column("school_orgnr")
	gender, _ := mustTable(t, "survey_responses").Column("gender")
	tests := []struct {
		col  Column
		v    value
		want string
	}{
		{income, value{null: true}, ""},
		{income, value{i: 1_000_000_000}, ""},
		{income, value{i: 1_000_000_001}, "value outside 0..1000000000"},
		{income, value{i: -1}, "value outside 0..1000000000"},
		{grade, value{i: 8}, ""},
		{grade, value{i: 6}, "value not one of 5,8,9"},
		{grade, value{i: 1 << 40}, "value outside -2147483648..2147483647"}, // does not fit the int32 column
		{year, value{i: 1990}, ""},
		{year, value{i: 2101}, "value outside 1990..2100"},
		{year, value{null: true}, reasonNull},
		{orgnr, value{s: "000000000"}, ""},
		{orgnr, value{s: "00000000"}, "not 9 digits"},
		{gender, value{null: true}, ""},
		{gender, value{s: "g"}, "value not one of G,J"},
		{gender, value{s: "\xffG"}, reasonNotUTF8},
	}
	for _, tt := range tests {
		cc := compileColumn(tt.col)
		if got := cc.check(&tt.v); got != tt.want {
			t.Errorf("%s %+v: %q, want %q", tt.col.Name, tt.v, got, tt.want)
		}
	}
}

func mustTable(t *testing.T, name string) Table {
	t.Helper()
	tbl, ok := Lookup(name)
	if !ok {
		t.Fatalf("no table %s", name)
	}
	return tbl
}
