package ssb

import (
	"fmt"
	"slices"
)

// The tables skolestat reads by default, and what it assumes of them. This
// file is the one place their variable and value codes are written down.
//
// Codes marked UNVERIFIED are guesses: shared/docs/sources.md gives no codes
// for them, or only names the table. They are never trusted blindly: Read
// resolves every code of a selection against the table's /metadata before
// it fetches any data, and a code the metadata lacks fails the read with a
// *connectors.PayloadError naming the table and the variable (plan.go), so
// a wrong guess stops the run instead of quietly reading nothing. Fix the
// code here (or override the selection in the step's with: block) once the
// real metadata has been seen, and drop the mark.

// TableQuery is one table and its selection: per variable, the value codes
// or expressions as PxWebApi's valueCodes[Var] takes them ("*",
// "top(3)", "range(2020,2022)", "0301"). Tid and ContentsCode, and every
// variable whose metadata says elimination false, must be given.
type TableQuery struct {
	ID         string              `yaml:"id"`
	ValueCodes map[string][]string `yaml:"value_codes"`
}

// Table is what skolestat knows of one SSB table it reads by default.
type Table struct {
	ID, Title string
	// Region is the table's region variable: "Region" in the ordinary
	// tables, where the nation is "0", or "KOKkommuneregion0000" in the
	// KOSTRA tables, where the nation is "EAK" and the nation without Oslo
	// "EAKUO". Every region is selected ("*").
	Region string
	Nation string
	// Select holds the codes selected of the variables other than Region
	// and ContentsCode (Tid is "*": every period). A variable the table
	// may eliminate and that skolestat does not need is left out, and SSB
	// sums it away.
	Select map[string][]string
	// Contents are the ContentsCode values selected, with their units.
	Contents []Content
	// Unverified names the variables (ContentsCode included) whose codes
	// here are guesses not yet checked against the real table's metadata.
	Unverified []string
}

// Content is one ContentsCode value of a table and what its numbers are.
type Content struct {
	Code, Label string
	Unit        string // e.g. "persons", "pupils", "percent", "NOK", "NOK 1000"
}

// Region variables and their codes for the nation.
const (
	regionVar       = "Region"
	kostraRegionVar = "KOKkommuneregion0000"
)

// Tables returns the definitions of the default tables, in the order they
// are read. Each call returns new values; the caller may change them.
func Tables() []Table {
	var ages []string
	for a := 6; a <= 15; a++ {
		ages = append(ages, fmt.Sprintf("%03d", a))
	}
	var grades []string
	for g := 1; g <= 10; g++ {
		grades = append(grades, fmt.Sprintf("%02d", g))
	}
	return []Table{
		{
			ID: "07459", Title: "Befolkning, etter region, kjønn og alder (1 January)",
			Region: regionVar, Nation: "0",
			Select:   map[string][]string{"Kjonn": {"*"}, "Alder": ages, "Tid": {"*"}},
			Contents: []Content{{Code: "Personer1", Label: "Personer", Unit: "persons"}},
		},
		{
			// KOSregnind20000 is netto driftsutgifter (202, 215, 222, 223)
			// per innbygger 6-15 år.
			ID: "12255", Title: "Utvalgte nøkkeltall for grunnskole (K) (KOSTRA)",
			Region: kostraRegionVar, Nation: "EAK",
			Select: map[string][]string{"Tid": {"*"}},
			Contents: []Content{
				{Code: "KOSgrstr20000", Label: "Gjennomsnittlig gruppestørrelse 2, 1.-10. årstrinn", Unit: "pupils per group"},
				{Code: "KOSregnind20000", Label: "Netto driftsutgifter til grunnskolesektor per innbygger 6-15 år", Unit: "NOK"},
				{Code: "KOSgrunnskolepoe0000", Label: "Gjennomsnittlige grunnskolepoeng", Unit: "points"},
			},
		},
		{
			// UNVERIFIED: the grade variable's name (Trinn), its codes
			// (01-10) and the content code (Elever) are guesses; the title
			// ("etter region, årstrinn, statistikkvariabel og år") and the
			// unit (elever, antall) are from SSB's statbank page.
			ID: "11980", Title: "Elever i grunnskolen, etter region og årstrinn",
			Region: regionVar, Nation: "0",
			Select:     map[string][]string{"Trinn": grades, "Tid": {"*"}},
			Contents:   []Content{{Code: "Elever", Label: "Elever", Unit: "pupils"}},
			Unverified: []string{"Trinn", "ContentsCode"},
		},
		{
			// UNVERIFIED: both content codes are guesses after the KOSTRA
			// pattern "KOS" + name + "0000". The table holds, per
			// municipality and year (GSI, 1 October), the pupils in
			// municipal and private schools who receive special education.
			ID: "12222", Title: "Elever som får spesialundervisning (K) (KOSTRA)",
			Region: kostraRegionVar, Nation: "EAK",
			Select: map[string][]string{"Tid": {"*"}},
			Contents: []Content{
				{Code: "KOSelevspesund0000", Label: "Elever som får spesialundervisning", Unit: "pupils"},
				{Code: "KOSandelspesund0000", Label: "Andel elever i grunnskolen som får spesialundervisning", Unit: "percent"},
			},
			Unverified: []string{"ContentsCode"},
		},
		{
			// sources.md gives Region, Nivaa (with these codes) and
			// Personer. Kjonn, if the table has it, is eliminable and left
			// out: the counts are of both genders. Nivaa: 00 i alt, 01
			// grunnskole, 02a videregående, 11 fagskole, 03a universitet og
			// høgskole kort, 04a lang, 09a uoppgitt eller ingen fullført
			// utdanning; the population aged 16 and over, 1 October.
			ID: "09429", Title: "Befolkningens utdanningsnivå, etter region og nivå",
			Region: regionVar, Nation: "0",
			Select:   map[string][]string{"Nivaa": {"00", "01", "02a", "11", "03a", "04a", "09a"}, "Tid": {"*"}},
			Contents: []Content{{Code: "Personer", Label: "Personer 16 år og over", Unit: "persons"}},
		},
		{
			// UNVERIFIED: the variables (regnskapsomfang, funksjon, art) and
			// codes are from public notes on PxWebApi v2 (KOSTRA), not yet
			// seen in the real metadata: KOKregnskapsomfa0000 A =
			// kommunekonsern, KOKfunksjon0000 202 = grunnskole, KOKart0000
			// AGD2 = netto driftsutgifter, KOSbelop0000 = beløp in NOK 1000.
			// Netto driftsutgifter f202 is the numerator of cost per pupil.
			ID: "12367", Title: "Detaljerte regnskapstall driftsregnskapet, etter regnskapsomfang, funksjon og art (K) (KOSTRA)",
			Region: kostraRegionVar, Nation: "EAK",
			Select: map[string][]string{"KOKregnskapsomfa0000": {"A"}, "KOKfunksjon0000": {"202"}, "KOKart0000": {"AGD2"}, "Tid": {"*"}},
			Contents: []Content{
				{Code: "KOSbelop0000", Label: "Netto driftsutgifter, grunnskole (funksjon 202), kommunekonsern", Unit: "NOK 1000"},
			},
			Unverified: []string{"KOKregnskapsomfa0000", "KOKfunksjon0000", "KOKart0000", "ContentsCode"},
		},
	}
}

// Query is the table's selection: every region, the codes of Select and
// the contents.
func (t Table) Query() TableQuery {
	codes := map[string][]string{t.Region: {"*"}}
	for v, c := range t.Select {
		codes[v] = slices.Clone(c)
	}
	for _, c := range t.Contents {
		codes["ContentsCode"] = append(codes["ContentsCode"], c.Code)
	}
	return TableQuery{ID: t.ID, ValueCodes: codes}
}

// DefaultTables are the selections of Tables(), the default of
// Config.Tables.
func DefaultTables() []TableQuery {
	var out []TableQuery
	for _, t := range Tables() {
		out = append(out, t.Query())
	}
	return out
}

// unverified says which variables of a table's selection carry guessed
// codes, for the message of a code the metadata lacks.
func unverified(id, variable string) bool {
	for _, t := range Tables() {
		if t.ID == id {
			return slices.Contains(t.Unverified, variable)
		}
	}
	return false
}
