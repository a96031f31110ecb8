# Modus Go SDK. `make test` is what CI runs (see .ci/run).
CODEGEN   := go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen
# Each generated file and the config that makes it, as file:config pairs.
GENERATED := gen/client.gen.go:oapi-codegen.yaml modus/modustest/internal/server/server.gen.go:modus/modustest/internal/server/oapi-codegen.yaml
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

.PHONY: all generate check-generated test test-short vet lint tools vuln bench bench-stream bench-unary fuzz demo update-spec

all: test

## generate: regenerate gen/ (and the fake server's code) from openapi.json,
## then modus's aliases and their docs (modus/types.gen.go) from gen.
generate:
	go generate ./gen ./modus/modustest/...
	go generate ./modus

## check-generated: regenerate into a temp dir and fail on any difference.
check-generated:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for pair in $(GENERATED); do \
	  file=$${pair%%:*}; cfg=$${pair#*:}; \
	  [ -f "$$cfg" ] || continue; \
	  out="$$tmp/$$(echo $$file | tr / _)"; \
	  sed "s#^output: .*#output: $$out#" "$$cfg" > "$$tmp/cfg.yaml"; \
	  $(CODEGEN) --config "$$tmp/cfg.yaml" openapi.json; \
	  if ! diff -u "$$file" "$$out" > "$$tmp/diff"; then \
	    head -40 "$$tmp/diff"; echo "$$file is out of date with openapi.json: run 'make generate' and commit"; exit 1; \
	  fi; \
	done; \
	go run ./internal/aliasgen -names modus/aliases.txt -gen gen/client.gen.go -modus modus -o "$$tmp/types.gen.go"; \
	if ! diff -u modus/types.gen.go "$$tmp/types.gen.go" > "$$tmp/diff"; then \
	  head -40 "$$tmp/diff"; echo "modus/types.gen.go is out of date with gen or modus/aliases.txt: run 'make generate' and commit"; exit 1; \
	fi; echo "generated code is up to date"

vet:
	go vet ./...
	$(TOOLS) vet ./...

## tools: build the pinned linters (internal/tools, internal/tools/actionlint) into bin/.
tools:
	go -C internal/tools/actionlint build -o $(BIN)/ github.com/rhysd/actionlint/cmd/actionlint
	$(TOOLS) build -o $(BIN)/ honnef.co/go/tools/cmd/staticcheck

## lint: gofmt, go vet, staticcheck (all packages, tests included) and actionlint (the workflows) must be clean.
## actionlint's shellcheck and pyflakes passes are off: they depend on what the machine has installed.
lint: vet tools
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(BIN)/staticcheck ./...
	cd internal/tools && $(BIN)/staticcheck ./...
	$(BIN)/actionlint -shellcheck= -pyflakes= $(WORKFLOWS)

## test: the README's test command: generated code current, lint clean, all tests with the race detector
## (the update-spec tool's tests without it: the tool runs no goroutines, and race-building oasdiff and
## kin-openapi doubled their cold-cache time).
test: check-generated lint
	go test -race -count=1 ./...
	$(TOOLS) test -count=1 ./...

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

## bench-unary: the facade's unary calls against hand-written net/http.
## (Slot for the unary benchmarks: default, middleware+logger and WithResponseInto settings.)
bench-unary:
	go test -run '^$$' -bench '^Benchmark(Call|Agents|Iterate)' -benchmem -count $(BENCHCOUNT) -benchtime $(BENCHTIME) ./modus/ > bench-unary.out
	$(BENCHSTAT) bench-unary.out

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

## update-spec: take a newly published spec (SPEC=<file or URL>): validate it, report the changes
## (Markdown, also in $(REPORT)), update the overlay pins, regenerate, build and test. make itself
## exits 2 on any failure; the tool's status (README "Keeping up with the API") is in $(REPORT).status.
update-spec:
	@test -n "$(SPEC)" || { echo "usage: make update-spec SPEC=<file or URL>"; exit 1; }
	$(TOOLS) build -o $(BIN)/ ./cmd/update-spec
	@status=0; $(BIN)/update-spec -root . -spec "$(SPEC)" -report "$(REPORT)" || status=$$?; \
	echo $$status > "$(REPORT).status"; echo "update-spec: exit status $$status"; exit $$status
