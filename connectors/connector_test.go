package connectors

import (
	"reflect"
	"testing"
	"time"

	"github.com/skolestat/skolestat/internal/httpclient"
)

func TestRegistryRates(t *testing.T) {
	r := NewRegistry()
	build := func(any, Env) (Source, error) { return nil, nil }
	ssb := httpclient.Rate{Requests: 30, Per: time.Minute}
	r.Register("ssb", Factory{New: func() any { return nil }, Build: build, Rates: map[string]httpclient.Rate{"data.ssb.no": ssb}})
	r.Register("klass", Factory{New: func() any { return nil }, Build: build, Rates: map[string]httpclient.Rate{"data.ssb.no": ssb}})
	r.Register("files", Factory{New: func() any { return nil }, Build: build})
	if got, want := r.Rates(), map[string]httpclient.Rate{"data.ssb.no": ssb}; !reflect.DeepEqual(got, want) {
		t.Errorf("Rates() = %v, want %v", got, want)
	}
}
