// Package eksport is the connector "udir_survey": the Elevundersøkelsen
// tables of udir's open Eksport API v2
// (https://api.statistikkbanken.udir.no/api/rest/v2/Eksport,
// shared/docs/sources.md §1A) into the stream udir_survey
// (raw.udir_survey), long format: one row per unit, school year, table,
// grade, owner, gender, measure and statistic.
//
// For each configured table the connector reads GET {id}/filterVerdier
// (TidID, the EnhetID tree, TrinnID, EierformID, KjoennID, SpoersmaalID;
// parsed by connectors/udir), then for each year and each group of units
// GET {id}/sideData?filter=… for the page count ([0].JSONSider) and GET
// {id}/data?filter=…&format=0&sideNummer=1..JSONSider. It never pages
// until an empty page: a page past the end repeats the last one. Units are
// asked for by EnhetID, the nation, counties and municipalities (and the
// schools at level "school"), split over as many requests as keep each
// URL under MaxURL; owner and gender are asked for as "alle" (-10) unless
// configured, so that no value is counted twice.
//
// What a table holds is told by its fields, never by its id or
// Beskrivelse: Score is an indicator table, AndelMobbet bullying,
// AndelDeltatt or AntallInvitert participation; Temakode or
// SvaralternativKode (the Tema tables 149 and 153) fails the read with a
// PayloadError saying that answer distributions are not read. A row with
// Kommunekode is grunnskole (EnhetNivaa 1-4), one without it but with
// programme fields upper secondary (EnhetNivaa 1-3). Spoersmaalgruppe and
// its newer name Indikator are both accepted.
//
// Every value is parsed by connectors/cell ("4,2", "63 187" with a space,
// NBSP or U+202F, "-  4,5"; "*" suppressed, "" "-" and null missing), so a
// suppressed value is never 0. A missing field, an EnhetNivaa or code of
// unknown shape, a score outside 1-5, a percentage outside 0-100, a row of
// a unit, grade, owner or gender not asked for, a page whose Sidenummer
// is not the one asked for, a row total that does not match RaderTotalt,
// or a key (year, table, unit, programme, grade, owner, gender, measure,
// statistic) given twice fails the read with a *connectors.PayloadError
// naming the endpoint, the table and the field and carrying the payload.
//
// Incremental: the checkpoint is the SHA-256 of the sideData and data
// requests and answers; a read that hashes the same reports the stream
// unchanged (connectors.NothingChanged).
package eksport
