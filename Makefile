# Modus Go SDK. `make test` is what CI runs (see .ci/run).
CODEGEN   := go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen
# Each generated file and the config that makes it, as file:config pairs.
GENERATED := gen/client.gen.go:oapi-codegen.yaml modus/modustest/internal/server/server.gen.go:modus/modustest/internal/server/oapi-codegen.yaml
SPEC_URL  ?=
FUZZTIME  ?= 20s

.PHONY: all generate check-generated test test-short vet lint bench fuzz demo update-spec

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

## lint: gofmt and go vet must be clean.
lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## test: the README's test command: generated code current, lint clean, all tests with the race detector.
test: check-generated lint
	go test -race -count=1 ./...

## bench: side-by-side benchmarks; compare ratios with benchstat (see README).
bench:
	go test -run '^$$' -bench . -benchmem -count 6 ./sse/ ./modus/ | tee bench.out

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

## update-spec: download a newly published spec over openapi.json and regenerate (needs network).
update-spec:
	@test -n "$(SPEC_URL)" || { echo "usage: make update-spec SPEC_URL=https://..."; exit 2; }
	curl -fsSL "$(SPEC_URL)" -o openapi.json.new && mv openapi.json.new openapi.json
	$(MAKE) generate
	go build ./...
