// Package udir reads the statistics of Utdanningsdirektoratet's report API
// (https://statistikkportalen.udir.no/api/rapportering/, shared/docs/sources.md
// §1B): national tests, grunnskolepoeng, grades, GSI and absence, each kind
// of report to its own stream (reports.go; the connector in connector.go,
// nationaltests.go and tables.go), and the published school contribution
// and the transitions to upper secondary, whose report pages are found
// through the list of report pages (discovery.go, once for both) and
// landed generically (discovered.go). The Elevundersøkelsen reports are
// parsed here (ParsePivot) but not read by the connector.
//
// A report is queried in three steps, each with a parser here; the parsers
// do no I/O, so the connector fetches through the shared HTTP client and
// hands them the bodies:
//
//  1. GET rest/v1/Rapportside/{kode}: ParseReportPage gives the data endpoint
//     (whose version changes without notice, so it is always resolved, never
//     hard-coded), the filter values endpoint, the valid filters and their
//     defaults.
//  2. GET the filterVerdier endpoint: FilterValues gives the values of a
//     filter (years, grades) and Units the tree of schools, municipalities,
//     counties and the nation from the EnhetID list.
//  3. GET the data endpoint with filter=…&radSti=…&inkluderKoder=true:
//     ParsePivot reads the pivot table, expanding its multi-level column
//     header, and Cells yields its values, each parsed by cell.Parse so that
//     a suppressed "*" is never 0.
//
// The quirks the parsers absorb are those of the captured responses in
// shared/conformance/udir (see its SOURCES.md): every value is a string with
// a decimal comma and space thousands separator; "*" is suppressed and ""
// missing; an absent combination is an empty 200 response ("columns":[],
// "rows":[]); names carry trailing spaces; header names repeat across levels
// and GSI gives four measures one tekstId, so a column is identified by its
// position only; Rapportside repeats the key rapportelementtypenavn, of
// which encoding/json keeps the last; the EnhetID list's barn name units
// that are not in it.
package udir
