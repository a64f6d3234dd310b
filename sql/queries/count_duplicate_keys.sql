-- A quick test that the key of a restricted microdata table is unique: the
-- number of rows whose key hash an earlier row already had. 0 proves that no
-- key repeats; more than 0 may be a hash collision, so the runner then runs
-- check_duplicate_key, which compares the keys themselves. A text/template
-- like check_duplicate_key. (Hashing first halves the time of the check on
-- a national load: one 64-bit value per row to count instead of the key's
-- strings to group.)
SELECT count(*) - count(DISTINCT hash({{range $i, $c := .Key}}{{if $i}}, {{end}}"{{$c}}"{{end}}))
FROM restricted."{{.Table}}"
