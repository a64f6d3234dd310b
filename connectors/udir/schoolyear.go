package udir

import (
	"fmt"
	"slices"
	"strings"
)

// year is a school year to ask for: the filter value id (SkoleAarID
// 20242025, TidID 202506 or 202410), its name ("2024-25") and the autumn
// year (2024).
type year struct {
	id     int64
	navn   string
	autumn int
}

// schoolYearName is the name udir gives the school year of an autumn
// year: 2024 → "2024-25".
func schoolYearName(autumn int) string { return fmt.Sprintf("%d-%02d", autumn, (autumn+1)%100) }

// tidAutumn maps a TidID to the autumn year of its school year. The
// report API uses two schemes: YYYY10 is the count date 1 October of
// school year YYYY-(YYYY+1) (GSI: 202510 is "2025-26"), YYYY06 the end of
// school year (YYYY-1)-YYYY (grunnskolepoeng, grades, absence: 202506 is
// "2024-25").
func tidAutumn(id int64) (int, error) {
	y, m := int(id/100), id%100
	if y < 1990 || y > 2100 {
		return 0, fmt.Errorf("TidID %d is not YYYYMM", id)
	}
	switch m {
	case 10:
		return y, nil
	case 6:
		return y - 1, nil
	}
	return 0, fmt.Errorf("TidID %d: month %02d is neither 06 (end of the school year) nor 10 (count date)", id, m)
}

// hasYearName reports whether a header names the school year: "2024-25"
// or "Foreløpige tall 2024-25" (preliminary figures).
func hasYearName(name, navn string) bool {
	return name == navn || name == "Foreløpige tall "+navn
}

// tidYears are the TidID values of a filterVerdier response to ask for:
// every year offered, or the wanted ones (each must be offered). Each
// id's school year is checked against its name, so that a change of
// scheme fails rather than shifting the data by a year.
func tidYears(fv []byte, kode string, want []int) ([]year, error) {
	vals, err := FilterValues(fv, "TidID")
	if err != nil {
		return nil, err
	}
	offered := map[int]year{}
	for i, v := range vals {
		autumn, err := tidAutumn(v.ID)
		if err != nil {
			return nil, fmt.Errorf("TidID[%d]: %w", i, err)
		}
		name := schoolYearName(autumn)
		if !hasYearName(v.Navn, name) {
			return nil, fmt.Errorf("TidID[%d]: id %d is school year %s, but it is named %q", i, v.ID, name, v.Navn)
		}
		if _, dup := offered[autumn]; dup {
			return nil, fmt.Errorf("TidID[%d]: school year %s offered twice", i, name)
		}
		offered[autumn] = year{id: v.ID, navn: strings.TrimPrefix(v.Navn, "Foreløpige tall "), autumn: autumn}
	}
	return pickYears(offered, want, kode)
}

// pickYears returns the wanted years (all offered when want is empty),
// oldest first; a wanted year not offered is an error.
func pickYears(offered map[int]year, want []int, kode string) ([]year, error) {
	if len(want) == 0 {
		for a := range offered {
			want = append(want, a)
		}
	}
	want = slices.Clone(want)
	slices.Sort(want)
	var out []year
	for _, a := range slices.Compact(want) {
		y, ok := offered[a]
		if !ok {
			return nil, fmt.Errorf("report %s does not offer the school year %s", kode, schoolYearName(a))
		}
		out = append(out, y)
	}
	return out, nil
}
