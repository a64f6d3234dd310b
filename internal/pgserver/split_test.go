package pgserver

import (
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"SELECT 1", []string{"SELECT 1"}},
		{"SELECT 1; SELECT 2;", []string{"SELECT 1", "SELECT 2"}},
		{" ; ;\n", nil},
		{"-- only a comment\n;/* and another */", nil},
		{"SELECT ';' AS a; SELECT 'it''s; fine'", []string{"SELECT ';' AS a", "SELECT 'it''s; fine'"}},
		{`SELECT "a;b" FROM t; SELECT 2`, []string{`SELECT "a;b" FROM t`, "SELECT 2"}},
		{`SELECT E'a\';b'; SELECT 2`, []string{`SELECT E'a\';b'`, "SELECT 2"}},
		// A backslash in a standard string is an ordinary character.
		{`SELECT 'a\'; SELECT 2`, []string{`SELECT 'a\'`, "SELECT 2"}},
		{"SELECT 1 -- a; comment\n; SELECT 2", []string{"SELECT 1 -- a; comment", "SELECT 2"}},
		{"SELECT /* a; /* nested; */ still; */ 1; SELECT 2", []string{"SELECT /* a; /* nested; */ still; */ 1", "SELECT 2"}},
		{"SELECT $$a;b$$; SELECT $x$ c;$$ $x$", []string{"SELECT $$a;b$$", "SELECT $x$ c;$$ $x$"}},
		{"SELECT $1, $2; SELECT 3", []string{"SELECT $1, $2", "SELECT 3"}},
		{"SELECT 'unterminated; SELECT 2", []string{"SELECT 'unterminated; SELECT 2"}},
	} {
		if got := split(c.in); !slices.Equal(got, c.want) {
			t.Errorf("split(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestKeywords(t *testing.T) {
	for in, want := range map[string][]string{
		"set extra_float_digits = 3":                 {"SET", "EXTRA_FLOAT_DIGITS"},
		"/* c */ -- d\n  Show transaction isolation": {"SHOW", "TRANSACTION"},
		"(SELECT 1)": {"SELECT", "1"},
		"SELECT":     {"SELECT"},
	} {
		if got := keywords(in, 2); !slices.Equal(got, want) {
			t.Errorf("keywords(%q) = %q, want %q", in, got, want)
		}
	}
}
