package profile

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// nationalPanel is a national-sized input: 2,800 schools at each of 1-4,
// 5-7 and 8-10 over windows 2011+2012 … 2018+2019, and facts for 5-7 and
// 8-10.
func nationalPanel() ([]Effect, []Facts) {
	rng := rand.New(rand.NewPCG(1, 2))
	var effects []Effect
	var facts []Facts
	for s := range 2800 {
		school := fmt.Sprintf("%09d", 970000000+s)
		for _, level := range []string{"1-4", "5-7", "8-10"} {
			mu := rng.NormFloat64() * 0.2
			for first := 2011; first <= 2018; first++ {
				effects = append(effects, Effect{School: school, Level: level, First: first,
					Effect: mu + rng.NormFloat64()*0.1, SE: 0.1, N: 20 + rng.IntN(200)})
			}
			if level != "1-4" {
				facts = append(facts, Facts{School: school, Level: level, Result: 50 + rng.NormFloat64()*3,
					Survey: survey(4 + rng.NormFloat64()*0.2), Bullying: 6 + rng.NormFloat64()*2, HigherEducation: 50 + rng.NormFloat64()*10})
			}
		}
	}
	return effects, facts
}

func BenchmarkProfiles(b *testing.B) {
	effects, facts := nationalPanel()
	nat := nationals()
	cfg := DefaultConfig()
	for b.Loop() {
		if _, err := Profiles(effects, facts, nat, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStability(b *testing.B) {
	effects, _ := nationalPanel()
	cfg := DefaultStabilityConfig()
	for b.Loop() {
		if _, err := Stability(effects, cfg); err != nil {
			b.Fatal(err)
		}
	}
}
