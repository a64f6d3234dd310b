package report

import (
	"database/sql"
	"testing"
)

func TestValuesFromTheWarehouse(t *testing.T) {
	for _, c := range []struct {
		v      sql.NullFloat64
		status string
		want   Value
	}{
		{sql.NullFloat64{Float64: 4.5, Valid: true}, "ok", OK(4.5)},
		{sql.NullFloat64{Float64: 4.5, Valid: true}, "suppressed", Suppressed()}, // never shown
		{sql.NullFloat64{}, "ok", Missing()},
		{sql.NullFloat64{}, "not_applicable", NotApplicable()},
		{sql.NullFloat64{}, "not_comparable", Missing()},
	} {
		if got := ValueOf(c.v, c.status); got != c.want {
			t.Errorf("ValueOf(%v, %s) = %v, want %v", c.v, c.status, got, c.want)
		}
	}
	got := Years([]Point{{Year: 2022, Value: OK(1)}}, 2021, 2023)
	if len(got) != 3 || got[0].Value != Missing() || got[1].Value != OK(1) || got[2].Year != 2023 || got[2].Value != Missing() {
		t.Errorf("Years = %v", got)
	}
	if q := BindQuery("SELECT $1, $2, $10", []any{"O'Neil", 2023, 3, 4, 5, 6, 7, 8, 9, 10}); q != "SELECT 'O''Neil', 2023, 10" {
		t.Errorf("BindQuery = %q", q)
	}
}
