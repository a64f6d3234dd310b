package report

import (
	"testing"
	"time"
)

func TestFormatValue(t *testing.T) {
	tests := []struct {
		v    Value
		dec  int
		want string
	}{
		{OK(0), 0, "0"},
		{OK(0), 1, "0,0"},
		{OK(4.25), 1, "4,3"},   // half away from zero, not to even
		{OK(-4.25), 1, "−4,3"}, // U+2212
		{OK(2.5), 0, "3"},
		{OK(-0.04), 1, "0,0"}, // no sign on a zero
		{OK(1234.5), 1, "1234,5"},
		{OK(12345.67), 1, "12\u00a0345,7"},
		{OK(-1234567), 0, "−1\u00a0234\u00a0567"},
		{OK(999999.96), 1, "1\u00a0000\u00a0000,0"},
		{OK(0.125), 3, "0,125"},
		{OK(54), 2, "54,00"},
		{Suppressed(), 1, "prikket"},
		{Missing(), 1, "–"},
		{NotApplicable(), 0, "i.a."},
		{Value{V: 0, Status: StatusSuppressed}, 1, "prikket"},
		{Value{V: 7, Status: StatusMissing}, 1, "–"},
	}
	for _, tt := range tests {
		if got := FormatValue(tt.v, tt.dec); got != tt.want {
			t.Errorf("FormatValue(%+v, %d) = %q, want %q", tt.v, tt.dec, got, tt.want)
		}
	}
}

func TestYearLabel(t *testing.T) {
	tests := []struct {
		year int
		f    YearFormat
		want string
	}{
		{2024, CalendarYear, "2024"},
		{2024, SchoolYear, "2024–25"},
		{1999, SchoolYear, "1999–00"},
		{2009, SchoolYear, "2009–10"},
	}
	for _, tt := range tests {
		if got := YearLabel(tt.year, tt.f); got != tt.want {
			t.Errorf("YearLabel(%d, %d) = %q, want %q", tt.year, tt.f, got, tt.want)
		}
	}
}

func TestFormatTime(t *testing.T) {
	oslo := time.FixedZone("CEST", 2*3600)
	// 22:30 UTC is 00:30 the next day in Oslo summer time: printed in the
	// time's own zone.
	got := formatTime(time.Date(2025, time.May, 31, 22, 30, 0, 0, time.UTC).In(oslo))
	if want := "1. juni 2025 kl. 00.30"; got != want {
		t.Errorf("formatTime = %q, want %q", got, want)
	}
}

func TestParagraphs(t *testing.T) {
	got := paragraphs("  Første.\r\n\r\nAndre\nlinje.\n\n\n\n  ")
	if len(got) != 2 || got[0] != "Første." || got[1] != "Andre\nlinje." {
		t.Errorf("paragraphs = %q", got)
	}
}

func TestNorwegianTickLabels(t *testing.T) {
	// Ticks from 127 000 to 143 000: whole numbers, grouped, no decimals.
	for _, tk := range (nbTicks{}).Ticks(126000, 143500) {
		if tk.Label == "" {
			continue
		}
		if len(tk.Label) < 7 || tk.Label[3:5] != "\u00a0" {
			t.Errorf("tick %v labelled %q, want a grouped whole number", tk.Value, tk.Label)
		}
	}
	// Ticks from 0.1 to 0.9 need one decimal, with a comma.
	var labels []string
	for _, tk := range (nbTicks{}).Ticks(0.1, 0.9) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	for _, l := range labels {
		if len(l) != 3 || l[:2] != "0," {
			t.Errorf("tick labels %q, want 0,x", labels)
			break
		}
	}
}
