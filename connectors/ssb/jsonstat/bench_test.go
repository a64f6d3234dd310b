package jsonstat

import (
	"bytes"
	"fmt"
	"testing"
)

// synthetic800k writes an SSB-shaped answer of 400 regions × 4 contents ×
// 500 periods = 800,000 cells (SSB's per-request limit): index objects with
// labels, every tenth value null with a ".." status object entry.
func synthetic800k() []byte {
	const regions, contents, periods = 400, 4, 500
	var b bytes.Buffer
	b.WriteString(`{"version":"2.0","class":"dataset","label":"synthetic","source":"test","updated":"2025-01-01T00:00:00Z",`)
	b.WriteString(`"role":{"time":["Tid"],"metric":["ContentsCode"],"geo":["Region"]},"id":["Region","ContentsCode","Tid"],`)
	fmt.Fprintf(&b, `"size":[%d,%d,%d],"dimension":{`, regions, contents, periods)
	dim := func(name, prefix string, n int, unit bool) {
		fmt.Fprintf(&b, `%q:{"label":%q,"category":{"index":{`, name, name)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%s%04d":%d`, prefix, i, i)
		}
		b.WriteString(`},"label":{`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%s%04d":"%s number %d"`, prefix, i, name, i)
		}
		b.WriteString(`}`)
		if unit {
			b.WriteString(`,"unit":{`)
			for i := range n {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `"%s%04d":{"base":"kr","decimals":1}`, prefix, i)
			}
			b.WriteString(`}`)
		}
		b.WriteString(`}}`)
	}
	dim("Region", "K", regions, false)
	b.WriteByte(',')
	dim("ContentsCode", "C", contents, true)
	b.WriteByte(',')
	dim("Tid", "T", periods, false)
	b.WriteString(`},"value":[`)
	total := regions * contents * periods
	for i := range total {
		if i > 0 {
			b.WriteByte(',')
		}
		if i%10 == 9 {
			b.WriteString("null")
		} else {
			fmt.Fprintf(&b, "%d.%d", i%9973, i%10)
		}
	}
	b.WriteString(`],"status":{`)
	for i := 9; i < total; i += 10 {
		if i > 9 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%d":".."`, i)
	}
	b.WriteString(`}}`)
	return b.Bytes()
}

// BenchmarkFlatten800k walks every cell of an 800,000-cell dataset, reading
// coordinates, value and status as a connector would.
//
//	go test -run '^$' -bench Flatten800k -benchmem ./connectors/ssb/jsonstat/
func BenchmarkFlatten800k(b *testing.B) {
	doc, err := Parse(synthetic800k())
	if err != nil {
		b.Fatal(err)
	}
	ds := doc.Datasets[0]
	var rows int
	for b.Loop() {
		seq, err := ds.Rows()
		if err != nil {
			b.Fatal(err)
		}
		n, nulls, sum := 0, 0, 0.0
		for r := range seq {
			n++
			if r.Kind == KindNull && r.Status == ".." {
				nulls++
			}
			sum += r.Value
			_ = r.Label[0]
		}
		if n != 800_000 || nulls != 80_000 {
			b.Fatalf("%d rows, %d nulls", n, nulls)
		}
		rows += n
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkParse800k parses (and validates) the same answer from bytes.
func BenchmarkParse800k(b *testing.B) {
	data := synthetic800k()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		doc, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if res := Validate(doc); !res.Valid {
			b.Fatal(res.Err())
		}
	}
}
