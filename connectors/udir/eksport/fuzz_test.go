package eksport

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/skolestat/skolestat/connectors/cell"
)

// FuzzFacts feeds pages to ParsePage, KindOf and Facts: they must not
// panic, and every value they let through must be a finite number in its
// statistic's range, with a suppressed or missing value never a number.
func FuzzFacts(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`[{"Score":"-  4,5","Kommunekode":"","EnhetNivaa":"1","Organisasjonsnummer":"I"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, err := ParsePage(body)
		if err != nil {
			return
		}
		for i := range rows {
			k, err := KindOf(&rows[i])
			if err != nil {
				continue
			}
			fs, err := Facts(nil, &rows[i], k, 2024, testCodes)
			if err != nil {
				if _, ok := err.(*FieldError); !ok {
					t.Fatalf("error %T %v, want a *FieldError", err, err)
				}
				continue
			}
			for _, f := range fs {
				v := f.Value
				if v.Status != cell.OK {
					if v.Number != 0 {
						t.Fatalf("%s %s with number %v", f.Statistic, v.Status, v.Number)
					}
					continue
				}
				x := v.Number
				lo, hi := 0.0, math.Inf(1)
				switch f.Statistic {
				case "score":
					lo, hi = 1, 5
				case "share_bullied", "share_participated", "share_answer_1", "share_answer_2", "share_answer_3", "share_answer_4", "share_answer_5":
					hi = 100
				}
				if math.IsNaN(x) || math.IsInf(x, 0) || x < lo || x > hi {
					t.Fatalf("%s = %v passed", f.Statistic, x)
				}
				if f.Level == "" || f.UnitCode == "" || f.Owner == "" || f.Gender == "" || f.Measure == "" {
					t.Fatalf("fact without its key: %+v", f)
				}
			}
		}
	})
}
