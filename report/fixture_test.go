package report

import (
	"fmt"
	"time"
)

// The fixture's queries, each unique so a test can find it in the output.
const (
	queryNP = `SELECT unit, school_year, value, status
FROM mart.indicator
WHERE indicator = 'np_lesing_8' AND unit IN ('4601', 'asss', 'nation') AND school_year BETWEEN 2020 AND 2024`
	querySchools = `SELECT school, sbi, sbi_lo, sbi_hi FROM schools_of('4601', 2024) WHERE kind = 'sbi_8_10'`
	queryMobbing = `SELECT * FROM trend('4601', 'eu_mobbing_7_10', 2020, 2024) -- <&> "quoted"`
	queryCost    = `SELECT * FROM cost_vs_results(2024)`
	sbiCaveat    = "Skolebidragsindikatorene er ikke et mål på skolekvalitet.\n\nDe tre trinnindikatorene kan ikke sammenlignes direkte."
)

// fixtureDocument is a small report with a suppressed value in the middle of
// the municipality's series (2022), a missing value at the end of the
// nation's (2024, given as a status) and a year the ASSS series has no point
// for (2021, absent).
func fixtureDocument() Document {
	return Document{
		Title:            "Kvalitetsmelding for grunnskolen 2024",
		Subtitle:         "Bergen kommune",
		Municipality:     "4601",
		MunicipalityName: "Bergen",
		Year:             2024,
		GeneratedAt:      time.Date(2025, time.March, 3, 14, 5, 0, 0, time.FixedZone("CET", 3600)),
		RunID:            "run-20250303-1405",
		Sections: []Section{
			{
				Title: "Læringsresultater",
				Intro: "Første avsnitt om resultater.\n\nAndre avsnitt.",
				Blocks: []Block{
					{
						Title:      "Nasjonale prøver i lesing, 8. trinn",
						Note:       "Kilde: Udir, nasjonale prøver.",
						YearFormat: SchoolYear,
						Unit:       "skalapoeng",
						Decimals:   1,
						Query:      queryNP,
						Series: []Series{
							{Name: "Bergen", Points: []Point{
								{2020, OK(51.5)}, {2021, OK(52.25)}, {2022, Suppressed()},
								{2023, OK(50.75)}, {2024, OK(51)},
							}},
							{Name: "ASSS-snitt", Points: []Point{
								{2024, OK(50.5)}, {2020, OK(50.25)}, {2022, OK(50.5)}, {2023, OK(50)},
							}},
							{Name: "Nasjonalt", Points: []Point{
								{2020, OK(50)}, {2021, OK(50)}, {2022, OK(50)}, {2023, OK(50)}, {2024, Missing()},
							}},
						},
					},
					{
						Title:  "Skolebidrag 8.–10. trinn per skole",
						Caveat: sbiCaveat,
						Query:  querySchools,
						Table: &Table{
							Columns: []string{"Skole", "Skolebidrag", "Intervall"},
							Rows: [][]Cell{
								{TextCell("Alfa skole"), ValueCell(OK(0.25), 1), TextCell("0,0 til 0,5")},
								{TextCell("Beta skole"), ValueCell(Suppressed(), 1), TextCell(LabelSuppressed)},
								{TextCell("Gamma <skole> & co"), ValueCell(OK(-0.04), 1), TextCell("−0,3 til 0,2")},
							},
						},
					},
				},
			},
			{
				Title: "Læringsmiljø",
				Blocks: []Block{
					{
						Title:      "Mobbing på skolen, 7.–10. trinn",
						YearFormat: SchoolYear,
						YFromZero:  true,
						Unit:       "prosent",
						Decimals:   1,
						Query:      queryMobbing,
						Series: []Series{
							{Name: "Bergen", Points: []Point{{2022, OK(7.5)}, {2023, NotApplicable()}, {2024, OK(8)}}},
						},
					},
				},
			},
			{
				Title: "Ressurser",
				Blocks: []Block{
					{
						Title:    "Netto driftsutgifter per elev",
						Unit:     "kroner",
						Decimals: 0,
						Query:    queryCost,
						Series: []Series{
							{Name: "Bergen", Points: []Point{{2023, OK(134567)}, {2024, OK(141234.4)}}},
							{Name: "Nasjonalt", Points: []Point{{2023, OK(128000)}, {2024, OK(135500)}}},
						},
					},
				},
			},
		},
	}
}

// benchDocument is a report of sections × blocks × series × years, every
// value published.
func benchDocument(sections, blocks, series, years int) Document {
	d := fixtureDocument()
	d.Sections = nil
	for s := range sections {
		sec := Section{Title: fmt.Sprintf("Del %d", s+1), Intro: "Innledning."}
		for b := range blocks {
			blk := Block{
				Title:      fmt.Sprintf("Indikator %d.%d", s+1, b+1),
				YearFormat: SchoolYear,
				Unit:       "poeng",
				Decimals:   1,
				Query:      fmt.Sprintf("SELECT * FROM trend('4601', 'ind_%d_%d', 2020, 2024)", s, b),
			}
			for r := range series {
				ser := Series{Name: fmt.Sprintf("Serie %d", r+1)}
				for y := range years {
					ser.Points = append(ser.Points, Point{2020 + y, OK(40 + float64(r*3+y) + float64(b)/10)})
				}
				blk.Series = append(blk.Series, ser)
			}
			sec.Blocks = append(sec.Blocks, blk)
		}
		d.Sections = append(d.Sections, sec)
	}
	return d
}
