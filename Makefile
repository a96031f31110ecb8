# Modus Go SDK. `make test` (library Go, 1.25+) and `make lint` (maintainer tools, Go 1.26) are what CI
# runs (see .ci/run).
FUZZTIME  ?= 20s
# benchstat, pinned (the version the module proxy served as @latest on 2026-12-03).
BENCHSTAT := go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCHCOUNT ?= 6
BENCHTIME  ?= 1s
# Development tools that need a newer Go than the library are pinned in their
# own module (internal/tools/go.mod) and built into bin/.
TOOLS     := go -C internal/tools
BIN       := $(CURDIR)/bin
WORKFLOWS := .github/workflows/ci.yml .github/workflows/update-spec.yml
SPEC      ?=
REPORT    ?= spec-update.md
FULL_REPORT ?= spec-update-full.md

.PHONY: all generate check-generated test test-otel test-short vet lint tools vuln bench bench-stream bench-unary fuzz demo update-spec

all: test

## generate: everything derived from openapi.json, in order: the overlay's pins block (operation
## names, numeric types, string formats; new pins are printed for review), gen/ and the fake
## server's code, then in modus the aliases and their docs (types.gen.go), the enum constants and
## the operation descriptors (operations.gen.go).
generate:
	go run ./internal/cmd/overlaypins
	go generate ./gen ./modus/modustest/...
	go generate ./modus

## check-generated: run `make generate` in a temporary copy of the tree and fail on any difference:
## everything derived (gen/, the fake's server code, modus's aliases, enum constants and operation
## descriptors) is current.
check-generated:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$$tmp"; \
	cp -r "$$tmp" "$$tmp.gen"; trap 'rm -rf "$$tmp" "$$tmp.gen" "$$tmp.diff"' EXIT; \
	$(MAKE) -s -C "$$tmp.gen" generate >/dev/null; \
	if ! diff -ru "$$tmp" "$$tmp.gen" > "$$tmp.diff"; then \
	  head -60 "$$tmp.diff"; \
	  echo "generated code is out of date with openapi.json or the overlay: run 'make generate' and commit"; exit 1; \
	fi; echo "generated code is up to date"

vet:
	go vet ./...

## tools: build the pinned maintainer tools (internal/tools, internal/tools/actionlint; Go 1.26) into bin/.
tools:
	go -C internal/tools/actionlint build -o $(BIN)/ github.com/rhysd/actionlint/cmd/actionlint
	$(TOOLS) build -o $(BIN)/ honnef.co/go/tools/cmd/staticcheck golang.org/x/exp/cmd/apidiff ./cmd/update-spec

## lint: the maintainer checks (Go 1.26): gofmt, staticcheck (all packages, tests included), actionlint
## (the workflows), vet and tests of the tools module (update-spec, its fixtures). actionlint's shellcheck
## and pyflakes passes are off: they depend on what the machine has installed.
lint: tools
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(BIN)/staticcheck ./...
	cd internal/tools && $(BIN)/staticcheck ./...
	$(BIN)/actionlint -shellcheck= -pyflakes= $(WORKFLOWS)
	$(TOOLS) vet ./...
	$(TOOLS) test -count=1 ./...

## test: the README's test command, on the library's Go alone (1.25+): generated code current, go vet,
## all tests with the race detector. Nothing here builds the maintainer tools (see lint).
test: check-generated vet
	go test -race -count=1 ./...

## test-otel: the modusotel module (own go.mod: go vet, staticcheck, tests with the race detector), and
## a check that modus and sse pull no OpenTelemetry package and the root go.mod requires none.
test-otel:
	@if go list -deps ./modus/... ./sse/... | grep '^go.opentelemetry.io/'; then echo "modus or sse depends on OpenTelemetry"; exit 1; fi
	@if grep -n 'go.opentelemetry.io' go.mod; then echo "the root go.mod requires OpenTelemetry"; exit 1; fi
	go -C modusotel vet ./...
	$(TOOLS) build -o $(BIN)/ honnef.co/go/tools/cmd/staticcheck
	cd modusotel && $(BIN)/staticcheck ./...
	go -C modusotel test -race -count=1 ./...

## vuln: known vulnerabilities in the code and its dependencies (needs vuln.go.dev).
vuln:
	$(TOOLS) build -o $(BIN)/ golang.org/x/vuln/cmd/govulncheck
	$(BIN)/govulncheck ./...

## bench: side-by-side benchmarks, printed as benchstat comparisons: the stream part, then the unary
## part. Raw results go to bench-*.out; CONTRIBUTING says how to compare two commits.
## BENCHCOUNT and BENCHTIME shorten a run (BENCHCOUNT=6 is what benchstat needs for its ranges).
bench: bench-stream bench-unary

## bench-stream: SSE decoding (sse) and run streams end to end (modus) at small, 1 KiB, 1 MiB, 4 MiB
## and 16 MiB events (and a stream of a single 16 MiB event), each against the bare bufio loops of internal/benchstream on the same bytes
## ("vs base" is against bufio-frames, the barest framing loop), then each size's throughput
## against that of 1 KiB events.
bench-stream:
	go test -run '^$$' -bench '^BenchmarkDecode$$' -benchmem -count $(BENCHCOUNT) -benchtime $(BENCHTIME) ./sse/ > bench-sse.out
	go test -run '^$$' -bench '^BenchmarkStream$$' -benchmem -count $(BENCHCOUNT) -benchtime $(BENCHTIME) ./modus/ > bench-stream.out
	$(BENCHSTAT) -col '/impl@(bufio-frames bufio decoder decoder-http r3labs-reader)' -row '/size@(small 1KiB 1MiB 4MiB 16MiB 16MiB-alone)' \
	  -filter '.unit:(events/s OR allocs/event OR B/payloadB)' bench-sse.out
	$(BENCHSTAT) -col '/impl@(bufio-frames bufio sse e2e sse+json)' -row '/size@(small 1KiB 1MiB 4MiB 16MiB 16MiB-alone)' \
	  -filter '.unit:(events/s OR allocs/event OR B/payloadB)' bench-stream.out
	$(BENCHSTAT) -col '/size@(1KiB small 1MiB 4MiB 16MiB 16MiB-alone)' -row '/impl@(bufio-frames bufio decoder decoder-http sse e2e sse+json)' \
	  -filter '.unit:MB/s' bench-sse.out bench-stream.out

## bench-unary: the facade's small GET against the same call hand-written with net/http, for each
## setting (default, no-op middleware + disabled logger, WithResponseInto): one row per setting, the
## nethttp column is the base and its "vs base" column the facade's ratio.
bench-unary:
	go test -run '^$$' -bench '^BenchmarkUnary$$' -benchmem -count $(BENCHCOUNT) -benchtime $(BENCHTIME) ./modus/ > bench-unary.out
	$(BENCHSTAT) -filter '.name:Unary' -row /settings -col '/impl@(nethttp facade)' bench-unary.out

## fuzz: run each fuzz target for a short time. Minimizing each new input is
## capped (-fuzzminimizetime): with the default 60 s per input the workers spend
## most of a short run minimizing and report 0 execs/s.
fuzz:
	@set -e; for pkg in ./sse ./modus; do \
	  for t in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; go test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 100x $$pkg; \
	  done; \
	done

## demo: the quickstart against the in-process fake server (or the real API with MODUS_API_KEY set).
demo:
	go run ./examples/quickstart

## update-spec: take a newly published spec (SPEC=<file or URL>): repair known defects, validate it,
## report the changes (Markdown on every exit: $(REPORT), capped at 60 KB, and $(FULL_REPORT)), update
## the overlay pins, regenerate, build, test and diff the Go API. make itself exits 2 on any failure;
## the tool's status (CONTRIBUTING "Keeping up with the API") is in $(REPORT).status.
update-spec:
	@test -n "$(SPEC)" || { echo "usage: make update-spec SPEC=<file or URL>"; exit 1; }
	$(TOOLS) build -o $(BIN)/ ./cmd/update-spec golang.org/x/exp/cmd/apidiff
	@status=0; $(BIN)/update-spec -root . -spec "$(SPEC)" -report "$(REPORT)" -full-report "$(FULL_REPORT)" || status=$$?; \
	echo $$status > "$(REPORT).status"; echo "update-spec: exit status $$status"; exit $$status
