# skolestat: `make demo` runs the whole product offline; `make test` runs every test.
GO      ?= go
TAGS    := duckdb_arrow
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/skolestat
# Go commands need the duckdb_arrow tag (duckdb-go's Arrow interface).
export GOFLAGS := -tags=$(TAGS)

.PHONY: build demo test test-short bench lint fmt clean verify-r

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/skolestat

demo: build
	./$(BIN) demo --dir demo

test: lint
	$(GO) test -count=1 -timeout 20m ./...

# The quick subset: skips the slow end-to-end and scale tests.
test-short:
	$(GO) test -short -count=1 ./...

# Go benchmarks, then the bench command, which measures the product against
# DuckDB's own readers in the same run and prints the ratios.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3x ./...
	./$(BIN) bench --dir bench-out

# Reruns the R reference fits of the SBI estimators (needs Debian's r-base-core and
# r-cran-lme4), rewriting transforms/sbi/model/testdata/r_output.csv, then the Go comparison.
# `make test` compares against the saved output, so CI needs no R.
verify-r:
	cd transforms/sbi/model/testdata && Rscript verify.R
	$(GO) test -count=1 -run 'AgainstR' -v ./transforms/sbi/model/

lint:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin demo bench-out
