-- Rows of a restricted microdata table whose key occurs more than once
-- (shared/spec/microdata.md: "duplicate key" is bad input). A text/template:
-- .Table is the table name, .Key the key columns (identifiers from the
-- microdata contract, never user input). Every row of a repeated key is
-- returned, so that lenient reading quarantines all of them: which one is
-- right cannot be known.
SELECT source_file, source_row, {{range $i, $c := .Key}}{{if $i}} || ', ' || {{end}}'{{$c}}=' || "{{$c}}"::VARCHAR{{end}} AS key_text
FROM restricted."{{.Table}}"
QUALIFY count(*) OVER (PARTITION BY {{range $i, $c := .Key}}{{if $i}}, {{end}}"{{$c}}"{{end}}) > 1
ORDER BY source_file, source_row
