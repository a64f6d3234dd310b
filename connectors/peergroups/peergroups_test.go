package peergroups

import (
	"bytes"
	"reflect"
	"testing"
)

// The ASSS members by name, in 2024 codes, as sources.md §8 lists them.
var (
	asssTen = []string{
		"0301", // Oslo
		"1103", // Stavanger
		"1108", // Sandnes
		"3107", // Fredrikstad
		"3201", // Bærum
		"3301", // Drammen
		"4204", // Kristiansand
		"4601", // Bergen
		"5001", // Trondheim
		"5501", // Tromsø
	}
	asssTwelve = []string{"0301", "1103", "1108", "3107", "3201", "3203", "3205", "3301", "4204", "4601", "5001", "5501"}
)

func TestBuiltinMembershipByYear(t *testing.T) {
	g := Builtin()
	if g.Code != ASSS || g.Source != SourceBuiltin || g.Names.NB == "" || g.Names.EN == "" {
		t.Errorf("Builtin() = code %q, source %q, names %+v; want code asss, source builtin, both names", g.Code, g.Source, g.Names)
	}
	tests := []struct {
		year int
		want []string
	}{
		{2005, asssTen},
		{2019, asssTen},
		{2021, asssTen},    // 2021-22: the last year of the ten
		{2022, asssTwelve}, // autumn 2022: Asker and Lillestrøm join
		{2024, asssTwelve},
		{2030, asssTwelve},
	}
	for _, tt := range tests {
		got := g.MembersIn(tt.year)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ASSS members in %d: %d %v, want %d %v", tt.year, len(got), got, len(tt.want), tt.want)
		}
	}
}

func TestBuiltinIsFreshAndTemplate(t *testing.T) {
	a := Builtin()
	a.Members[0].Municipality = "9999"
	if b := Builtin(); b.Members[0].Municipality == "9999" {
		t.Error("Builtin shares its members between calls")
	}
	f := BuiltinFile()
	f[0] = 'X'
	if bytes.Equal(f, BuiltinFile()) {
		t.Error("BuiltinFile shares its bytes between calls")
	}
	// A user who copies the template without changing the code is told.
	if _, err := Parse("copy.yaml", BuiltinFile()); err == nil {
		t.Error("Parse accepted a copy of the built-in file with the code asss")
	}
}

func TestMemberIn(t *testing.T) {
	tests := []struct {
		m    Member
		year int
		want bool
	}{
		{Member{}, 1950, true},
		{Member{From: 2022}, 2021, false},
		{Member{From: 2022}, 2022, true},
		{Member{To: 2019}, 2019, true},
		{Member{To: 2019}, 2020, false},
		{Member{From: 2020, To: 2023}, 2019, false},
		{Member{From: 2020, To: 2023}, 2020, true},
		{Member{From: 2020, To: 2023}, 2023, true},
		{Member{From: 2020, To: 2023}, 2024, false},
	}
	for _, tt := range tests {
		if got := tt.m.In(tt.year); got != tt.want {
			t.Errorf("%+v.In(%d) = %v, want %v", tt.m, tt.year, got, tt.want)
		}
	}
}

func TestOverlap(t *testing.T) {
	tests := []struct {
		a, b Member
		want bool
	}{
		{Member{}, Member{From: 2030}, true},
		{Member{To: 2019}, Member{From: 2020}, false},
		{Member{To: 2020}, Member{From: 2020}, true},
		{Member{From: 2010, To: 2012}, Member{From: 2013, To: 2015}, false},
		{Member{From: 2010, To: 2013}, Member{From: 2013, To: 2015}, true},
		{Member{From: 2010, To: 2020}, Member{From: 2013, To: 2015}, true},
		{Member{From: 2016}, Member{From: 2013, To: 2015}, false},
	}
	for _, tt := range tests {
		if got := overlap(tt.a, tt.b); got != tt.want {
			t.Errorf("overlap(%+v, %+v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := overlap(tt.b, tt.a); got != tt.want {
			t.Errorf("overlap(%+v, %+v) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}
