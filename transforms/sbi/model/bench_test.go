package model_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/skolestat/skolestat/transforms/sbi/model"
)

// A national window (issue 5): about 120,000 pupils in 2,800 schools, 25 covariates.
// Targets: Fixed under 0.5 s, Mixed under 2 s, memory under 1 GB. Run with
//
//	go test -run '^$' -bench National -benchmem ./transforms/sbi/model/
var national = sync.OnceValue(func() world {
	return simulate(rand.New(rand.NewPCG(1, 2)), 2800, 43, 25, 0.25, 0.8)
})

func BenchmarkFixedNational(b *testing.B) {
	w := national()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := model.Fixed(w.d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(w.d.Y)), "pupils")
	b.ReportMetric(float64(len(w.d.X)), "covariates")
}

func BenchmarkMixedNational(b *testing.B) {
	w := national()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := model.Mixed(w.d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(w.d.Y)), "pupils")
	b.ReportMetric(float64(len(w.d.X)), "covariates")
}
