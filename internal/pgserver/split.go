package pgserver

import "strings"

// split cuts a query string of the simple query protocol, which may hold
// several statements, at its top-level semicolons. Semicolons inside
// string literals ('...', E'...' with backslash escapes), quoted
// identifiers ("..."), dollar-quoted strings ($tag$...$tag$) and comments
// (-- to the end of the line, /* ... */, nested) do not cut. Statements
// are returned trimmed; those holding nothing but comments and blanks are
// left out. DuckDB's statement splitter is not reachable through
// database/sql, and preparing several statements at once would run all but
// the last.
func split(q string) []string {
	var out []string
	start := 0
	emit := func(end int) {
		s := strings.TrimSpace(q[start:end])
		if s != "" && !onlyComments(s) {
			out = append(out, s)
		}
	}
	for i := 0; i < len(q); {
		switch c := q[i]; {
		case c == ';':
			emit(i)
			i++
			start = i
		case c == '\'':
			backslash := i > 0 && (q[i-1] == 'E' || q[i-1] == 'e') && (i == 1 || !isIdentByte(q[i-2]))
			i = skipQuoted(q, i, '\'', backslash)
		case c == '"':
			i = skipQuoted(q, i, '"', false)
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			i = skipLine(q, i)
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			i = skipBlock(q, i)
		case c == '$' && (i == 0 || !isIdentByte(q[i-1])):
			i = skipDollar(q, i)
		default:
			i++
		}
	}
	emit(len(q))
	return out
}

// skipQuoted returns the index after the quoted text opening at q[i]; a
// doubled quote is an escaped quote, and so is a backslashed one when
// backslash is set. An unterminated quote runs to the end.
func skipQuoted(q string, i int, quote byte, backslash bool) int {
	for j := i + 1; j < len(q); j++ {
		switch {
		case backslash && q[j] == '\\':
			j++
		case q[j] == quote:
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

func skipLine(q string, i int) int {
	if j := strings.IndexByte(q[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(q)
}

// skipBlock skips a block comment; PostgreSQL's nest.
func skipBlock(q string, i int) int {
	depth := 0
	for j := i; j+1 < len(q); j++ {
		switch {
		case q[j] == '/' && q[j+1] == '*':
			depth++
			j++
		case q[j] == '*' && q[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(q)
}

// skipDollar skips a dollar-quoted string $tag$...$tag$ opening at q[i]; a
// $ that does not open one ($1, a parameter) is skipped alone.
func skipDollar(q string, i int) int {
	j := i + 1
	for j < len(q) && isIdentByte(q[j]) && !(j == i+1 && q[j] >= '0' && q[j] <= '9') {
		j++
	}
	if j >= len(q) || q[j] != '$' {
		return i + 1
	}
	tag := q[i : j+1]
	if end := strings.Index(q[j+1:], tag); end >= 0 {
		return j + 1 + end + len(tag)
	}
	return len(q)
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// onlyComments reports whether s holds comments and blanks only.
func onlyComments(s string) bool {
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			i = skipLine(s, i)
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			i = skipBlock(s, i)
		default:
			return false
		}
	}
	return true
}

// keywords returns the first n words of statement s in upper case, skipping
// leading comments, e.g. ["SET", "EXTRA_FLOAT_DIGITS"].
func keywords(s string, n int) []string {
	var out []string
	for i := 0; i < len(s) && len(out) < n; {
		switch c := s[i]; {
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			i = skipLine(s, i)
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			i = skipBlock(s, i)
		case isIdentByte(c):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			out = append(out, strings.ToUpper(s[i:j]))
			i = j
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '(':
			i++
		default:
			return out
		}
	}
	return out
}
