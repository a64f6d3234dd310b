package sql_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/skolestat/skolestat/internal/warehouse"
)

// analystWarehouse is a small warehouse worked out by hand for the
// analysts' macros: the ASSS group (ten members, Asker and Lillestrøm from
// 2022), grunnskolepoeng published for three members in 2019, 2021 and
// 2023 (Drammen, merged in 2020, is not_comparable in 2019 and suppressed
// in 2021; Asker has a 2021 value but joined in 2022), absence (lower is
// better), and a computed national grunnskolepoeng from core.gsp.
func analystWarehouse(t *testing.T) *warehouse.Build {
	t.Helper()
	b := build(t, []string{"core.gsp", "core.survey_indices", "core.sbi_school", "core.sbi_aggregate", "raw.peer_groups"}, `
CREATE TABLE core.schools AS SELECT * FROM (VALUES ('900000001', 'Skole A', '0301', '03', true), ('900000002', 'Skole B', '4601', '46', true)) v(school_orgnr, name, municipality_code, county_code, public);
CREATE TABLE mart.school AS SELECT * FROM (VALUES ('900000001', 'Skole A', '0301', '03', 'public'), ('900000002', 'Skole B', '4601', '46', 'public')) v(school_orgnr, name, municipality_code, county_code, owner);
INSERT INTO core.sbi_school VALUES
 ('5-7', '2021+2022', 'fixed', '900000001', 40, 0.1, 1.0, 0.12, -0.135, 0.335, 'not_different', 0.05, 0.2, 'ok', NULL),
 ('5-7', '2021+2022', 'mixed', '900000001', 40, 0.08, 0.8, 0.1, -0.116, 0.276, 'not_different', NULL, 0.2, 'ok', NULL);
INSERT INTO core.sbi_aggregate VALUES
 ('5-7', '2021+2022', 'fixed', 'municipality', '0301', 4000, 90, 0.02, 0.2, 0.013, -0.005, 0.045, 'not_different', 'ok', NULL);
CREATE TABLE core.municipalities AS SELECT * FROM (VALUES ('0301', 'Oslo', '03'), ('4601', 'Bergen', '46'), ('3301', 'Drammen', '33'), ('3203', 'Asker', '32')) v(municipality_code, name, county_code);
CREATE TABLE mart.municipality AS SELECT *, true AS current FROM core.municipalities
UNION ALL SELECT '1201', 'Bergen', '12', false;
INSERT INTO raw.peer_groups (group_code, group_name_nb, group_name_en, municipality_code, from_year, to_year, source)
SELECT 'asss', 'ASSS', 'ASSS', code, NULL, NULL, 'builtin'
FROM (VALUES ('0301'), ('4601'), ('5001'), ('1103'), ('1108'), ('4204'), ('5501'), ('3201'), ('3301'), ('3107')) v(code)
UNION ALL SELECT 'asss', 'ASSS', 'ASSS', code, 2022, NULL, 'builtin' FROM (VALUES ('3203'), ('3205')) v(code);
CREATE TABLE mart.municipality_figures AS SELECT * FROM (VALUES
 ('udir:grade_points', 'grunnskolepoeng', '', '0301', 'Oslo', '03', 2019, 'school_year', 42.0, 'ok', '0301'),
 ('udir:grade_points', 'grunnskolepoeng', '', '4601', 'Bergen', '46', 2019, 'school_year', 41.0, 'ok', '1201'),
 ('udir:grade_points', 'grunnskolepoeng', '', '3301', 'Drammen', '33', 2019, 'school_year', NULL, 'not_comparable', '0602,0625,0711'),
 ('udir:grade_points', 'grunnskolepoeng', '', '0301', 'Oslo', '03', 2021, 'school_year', 43.0, 'ok', '0301'),
 ('udir:grade_points', 'grunnskolepoeng', '', '4601', 'Bergen', '46', 2021, 'school_year', 42.0, 'ok', '4601'),
 ('udir:grade_points', 'grunnskolepoeng', '', '3301', 'Drammen', '33', 2021, 'school_year', NULL, 'suppressed', '3005'),
 ('udir:grade_points', 'grunnskolepoeng', '', '3203', 'Asker', '32', 2021, 'school_year', 45.0, 'ok', '3025'),
 ('udir:grade_points', 'grunnskolepoeng', '', '0301', 'Oslo', '03', 2023, 'school_year', 44.0, 'ok', '0301'),
 ('udir:grade_points', 'grunnskolepoeng', '', '4601', 'Bergen', '46', 2023, 'school_year', 41.0, 'ok', '4601'),
 ('udir:grade_points', 'grunnskolepoeng', '', '3203', 'Asker', '32', 2023, 'school_year', 46.0, 'ok', '3025'),
 ('udir:grade_points', 'grunnskolepoeng', '', '0', 'Hele landet', NULL, 2023, 'school_year', 42.4, 'ok', '0'),
 ('udir:absence', 'absence_mean_days', '', '0301', 'Oslo', '03', 2021, 'school_year', 5.0, 'ok', '0301'),
 ('udir:absence', 'absence_mean_days', '', '4601', 'Bergen', '46', 2021, 'school_year', 4.0, 'ok', '4601'),
 ('ssb:12255', 'grunnskolepoeng', '', '0301', 'Oslo', '03', 2021, 'calendar', 99.0, 'ok', '0301'),
 ('udir:gsi', 'pupils', '', '0301', 'Oslo', '03', 2021, 'school_year', 60000, 'ok', '0301'),
 ('udir:gsi', 'pupils', '', '0301', 'Oslo', '03', 2022, 'school_year', 61200, 'ok', '0301'),
 ('ssb:12367', 'net_operating_expenditure_202', '', '0301', 'Oslo', '03', 2022, 'calendar', 6000000, 'ok', '0301'),
 ('udir:national_tests', 'national_test_scale_score', 'grade=5,subject=reading', '0301', 'Oslo', '03', 2022, 'school_year', 51.5, 'ok', '0301')
) v(source, measure, breakdown, municipality_code, municipality_name, county_code, year, period_kind, value, status, published_codes);
INSERT INTO core.gsp VALUES
 (2021, 'nation', '0', 'all', 'all', 60000, 42.2, 9.1, 'ok', NULL),
 (2021, 'municipality', '0301', 'all', 'all', 6000, 43.3, 9.0, 'ok', NULL),
 (2021, 'school', '900000001', 'all', 'all', 50, 44.1, 8.0, 'ok', NULL),
 (2021, 'school', '900000001', 'gender', 'G', NULL, NULL, NULL, 'suppressed', 'primary: n < 10'),
 (2021, 'school', '900000002', 'all', 'all', 70, 40.0, 8.0, 'ok', NULL);`)
	runScripts(t, b, "mart_gsp", "mart_survey", "mart_sbi", "mart_peer_groups", "mart_indicator", "mart_macros")
	return b
}

// rowsOf runs q and returns its rows as "|"-joined text, NULL as "-".
func rowsOf(t *testing.T, b *warehouse.Build, q string) []string {
	t.Helper()
	rows, err := b.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = "-"
			if v != nil {
				parts[i] = strings.TrimSpace(strings.ReplaceAll(fmt.Sprint(v), "\n", " "))
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestASSSCompareByHand(t *testing.T) {
	b := analystWarehouse(t)
	q := `SELECT municipality_code, coalesce(round(value, 2)::VARCHAR, '-'), status, round(asss_average, 4), coalesce(round(nation, 2)::VARCHAR, '-'),
	             coalesce(rank::VARCHAR, '-'), members_with_value, coalesce(round(distance, 4)::VARCHAR, '-'), coalesce(round(index, 4)::VARCHAR, '-')
	      FROM mart.asss_compare('grunnskolepoeng', %d) WHERE status <> 'missing'`
	for _, c := range []struct {
		year    int
		members int
		want    []string
	}{
		// 2021: ten members; Asker's 45 is not counted (a member from 2022);
		// Drammen suppressed: listed, not averaged or ranked. Average
		// (43 + 42) / 2 = 42.5; the nation from the computed gsp (42.2):
		// udir publishes no national row here.
		{2021, 10, []string{
			"0301|43.0|ok|42.5|42.2|1|2|0.5|1.0118",
			"4601|42.0|ok|42.5|42.2|2|2|-0.5|0.9882",
			"3301|-|suppressed|42.5|42.2|-|2|-|-"}},
		// 2019: Drammen merged in 2020: its 2019 mean is not comparable.
		{2019, 10, []string{
			"0301|42.0|ok|41.5|-|1|2|0.5|1.012",
			"4601|41.0|ok|41.5|-|2|2|-0.5|0.988",
			"3301|-|not_comparable|41.5|-|-|2|-|-"}},
		// 2023: twelve members; (44 + 41 + 46) / 3 = 43.6667; the nation
		// as udir publishes it (region 0).
		{2023, 12, []string{
			"3203|46.0|ok|43.6667|42.4|1|3|2.3333|1.0534",
			"0301|44.0|ok|43.6667|42.4|2|3|0.3333|1.0076",
			"4601|41.0|ok|43.6667|42.4|3|3|-2.6667|0.9389"}},
	} {
		got := rowsOf(t, b, strings.ReplaceAll(q, "%d", strconv.Itoa(c.year)))
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("asss_compare(grunnskolepoeng, %d):\n%s\nwant\n%s", c.year, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
		if n := rowsOf(t, b, "SELECT count(*) FROM mart.asss_compare('grunnskolepoeng', "+strconv.Itoa(c.year)+")"); n[0] != strconv.Itoa(c.members) {
			t.Errorf("asss_compare(grunnskolepoeng, %d): %s rows, want one per member (%d)", c.year, n[0], c.members)
		}
	}
	// A member without a value that year is named all the same (from the
	// peer group): Drammen has no 2023 row.
	if got := rowsOf(t, b, `SELECT municipality_name, status FROM mart.asss_compare('grunnskolepoeng', 2023) WHERE municipality_code = '3301'`); strings.Join(got, " ") != "Drammen|missing" {
		t.Errorf("Drammen in 2023: %v, want its name and missing", got)
	}
	// Absence: lower is better, so Bergen's 4 days ranks first.
	got := rowsOf(t, b, `SELECT municipality_code, rank FROM mart.asss_compare('absence_days', 2021) WHERE rank IS NOT NULL ORDER BY rank`)
	if strings.Join(got, " ") != "4601|1 0301|2" {
		t.Errorf("absence ranks %v, want Bergen 1, Oslo 2 (lower is better)", got)
	}
}

func TestTrendByHand(t *testing.T) {
	b := analystWarehouse(t)
	// Oslo: published 42 (2019), 43 (2021), 44 (2023); no 2020 or 2022, so
	// no change in 2021 or 2023; the ASSS average of each year beside it.
	// The computed gsp of 2021 (43.3) gives way to the published 43.
	got := rowsOf(t, b, `SELECT year, value, coalesce(change::VARCHAR, '-'), round(asss_average, 4), source FROM mart.trend('0301', 'grunnskolepoeng', 2019, 2023)`)
	want := []string{"2019|42|-|41.5|udir:grade_points", "2021|43|-|42.5|udir:grade_points", "2023|44|-|43.6667|udir:grade_points"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("trend(0301):\n%v\nwant\n%v", got, want)
	}
	// The nation's series: computed where udir publishes no national row
	// (2021), udir's where it does (2023).
	if got := rowsOf(t, b, `SELECT year, value, source FROM mart.trend('0', 'grunnskolepoeng', 2019, 2023)`); strings.Join(got, " ") != "2021|42.2|transform:gsp 2023|42.4|udir:grade_points" {
		t.Errorf("trend(0) = %v", got)
	}
}

func TestSchoolsOfByHand(t *testing.T) {
	b := analystWarehouse(t)
	// Oslo's one school in 2021: its computed grunnskolepoeng (all, and the
	// boys suppressed), and the school contribution of window 2021+2022
	// (fixed) with its interval; Bergen's school is not listed.
	got := rowsOf(t, b, `SELECT school_orgnr, indicator, level, subgroup, coalesce(value::VARCHAR, '-'), coalesce(n::VARCHAR, '-'), status,
	    coalesce(lower::VARCHAR, '-'), coalesce(upper::VARCHAR, '-'), coalesce(classification, '-') FROM mart.schools_of('0301', 2021)`)
	want := []string{
		"900000001|grunnskolepoeng|all|G|-|-|suppressed|-|-|-",
		"900000001|grunnskolepoeng|all|all|44.1|50|ok|-|-|-",
		"900000001|school_contribution|5-7|all|1.0|40|ok|-0.135|0.335|not_different",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("schools_of(0301, 2021):\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCostVsResultsByHand(t *testing.T) {
	b := analystWarehouse(t)
	// Oslo 2022: 6,000,000 thousand NOK over 7/12 × 60,000 + 5/12 × 61,200
	// = 60,500 pupils = 99,173.55 NOK a pupil; grunnskolepoeng of school year
	// 2021 (spring 2022) 43; grade-5 reading of autumn 2022 51.5; the
	// school contribution of window 2021+2022 (0.2, 5-7); an ASSS member.
	got := rowsOf(t, b, `SELECT municipality_code, round(cost_per_pupil, 2), pupils_weighted, grunnskolepoeng, national_test_reading_5,
	    coalesce(national_test_numeracy_5::VARCHAR, '-'), school_contribution_5_7, coalesce(school_contribution_8_10::VARCHAR, '-'), asss_member
	    FROM mart.cost_vs_results(2022) WHERE municipality_code IN ('0301', '3203')`)
	// Asker: no cost or pupils here; its 2021 grunnskolepoeng 45; a member
	// from the autumn of 2022.
	want := []string{"0301|99173.55|60500|43|51.5|-|0.2|-|true", "3203|-|-|45|-|-|-|-|true"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("cost_vs_results(2022): %v, want %v", got, want)
	}
}

func TestWideTablesAndRunByHand(t *testing.T) {
	b := analystWarehouse(t)
	// The preferred value per municipality and year as a column: Oslo's
	// published 43 in 2021 (not the computed 43.3, not SSB's 99 that no
	// definition reads); KOSTRA and GSI under resources.
	if got := rowsOf(t, b, `SELECT grunnskolepoeng FROM mart.results_wide WHERE municipality_code = '0301' AND year = 2021`); strings.Join(got, " ") != "43" {
		t.Errorf("results_wide 0301 2021 grunnskolepoeng = %v, want 43", got)
	}
	if got := rowsOf(t, b, `SELECT pupils FROM mart.resources_wide WHERE municipality_code = '0301' AND year = 2022`); strings.Join(got, " ") != "61200" {
		t.Errorf("resources_wide 0301 2022 pupils = %v, want 61200", got)
	}
	if got := rowsOf(t, b, `SELECT absence_days FROM mart.learning_environment_wide WHERE municipality_code = '4601' AND year = 2021`); strings.Join(got, " ") != "4" {
		t.Errorf("learning_environment_wide 4601 2021 absence_days = %v, want 4", got)
	}
	// No run published yet in this warehouse: run_id is null, on every row.
	if got := rowsOf(t, b, `SELECT count(*), count(run_id) FROM mart.indicator`); len(got) != 1 || !strings.HasSuffix(got[0], "|0") {
		t.Errorf("rows and run ids of mart.indicator: %v", got)
	}
}
