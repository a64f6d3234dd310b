-- Rows of a restricted microdata table whose reference does not resolve
-- ("pupil or school not found"). A text/template: .Table and .Columns are the
-- referring table and columns, .To the referenced table, .ToColumns its key
-- (identifiers from the microdata contract, never user input).
SELECT t.source_file, t.source_row, {{range $i, $c := .Columns}}{{if $i}} || ', ' || {{end}}'{{$c}}=' || t."{{$c}}"::VARCHAR{{end}} AS key_text
FROM restricted."{{.Table}}" t
ANTI JOIN restricted."{{.To}}" r ON {{range $i, $c := .Columns}}{{if $i}} AND {{end}}t."{{$c}}" = r."{{index $.ToColumns $i}}"{{end}}
ORDER BY t.source_file, t.source_row
