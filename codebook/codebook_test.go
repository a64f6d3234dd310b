package codebook

import (
	"slices"
	"testing"
)

func TestGroupItems(t *testing.T) {
	tests := []struct {
		name string
		g    Group
		want []string
	}{
		{"none", Group{}, nil},
		{"indices in order, then bullying", Group{
			Indices:  []Index{{Items: []string{"a2", "a1"}}, {Items: []string{"b1"}}},
			Bullying: &Bullying{Items: []string{"m1", "m2"}},
		}, []string{"a2", "a1", "b1", "m1", "m2"}},
		// Validate refuses these, but Items must still list each item once.
		{"repeats listed once", Group{
			Indices:  []Index{{Items: []string{"a1", "a1"}}, {Items: []string{"a1", "b1"}}},
			Bullying: &Bullying{Items: []string{"b1", "m1"}},
		}, []string{"a1", "b1", "m1"}},
		{"bullying only", Group{Bullying: &Bullying{Items: []string{"m1"}}}, []string{"m1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.Items(); !slices.Equal(got, tt.want) {
				t.Errorf("Items() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIndexReversed(t *testing.T) {
	ix := Index{Items: []string{"a1", "a2", "a3"}, Reverse: []string{"a2"}}
	for item, want := range map[string]bool{"a1": false, "a2": true, "a3": false, "b1": false, "": false} {
		if got := ix.Reversed(item); got != want {
			t.Errorf("Reversed(%q) = %v, want %v", item, got, want)
		}
	}
}
