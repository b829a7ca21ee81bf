# berth — see README.md. Every target installs what it needs from the Go module proxy or
# npm; moto_server and cfn-lint are expected on PATH (see README "Requirements").

FUNCTIONS := $(notdir $(wildcard functions/*))
GOFLAGS_LAMBDA := CGO_ENABLED=0 GOOS=linux GOARCH=arm64
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME ?= 10s

.PHONY: all build test lint validate demo bench clean tools fuzz

all: build

## build: every Lambda to bin/<function>/bootstrap (linux/arm64, static) plus bin/berth
build:
	@for fn in $(FUNCTIONS); do \
		echo "build functions/$$fn -> bin/$$fn/bootstrap"; \
		$(GOFLAGS_LAMBDA) go build -tags lambda.norpc -trimpath -ldflags='-s -w' -o bin/$$fn/bootstrap ./functions/$$fn || exit 1; \
	done
	go build -o bin/berth ./cmd/berth

## test: unit, integration (moto_server), node router tests, a short fuzz run, static checks
test: tools
	go test -count=1 -timeout 20m ./...
	$(MAKE) fuzz
	$(MAKE) validate

fuzz:
	go test -run='^$$' -fuzz=FuzzLoad -fuzztime=$(FUZZTIME) ./internal/config
	go test -run='^$$' -fuzz=FuzzAPI -fuzztime=$(FUZZTIME) ./internal/api

## lint: gofmt, go vet, staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	go run $(STATICCHECK) ./...

## validate: cfn-lint on template.yaml, asl-validator on every state machine
validate: tools
	cfn-lint template.yaml
	@set -e; for f in statemachine/*.asl.json; do \
		[ -e "$$f" ] || continue; \
		echo "asl-validator $$f"; tools/node_modules/.bin/asl-validator --json-path "$$f"; \
	done

tools: tools/node_modules/.installed

tools/node_modules/.installed: tools/package.json tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund
	touch $@

## demo: berth's main job on an embedded example (see README)
demo:
	go run ./cmd/berth demo

## bench: planner, KVS writer and router benchmarks
bench:
	go test -run='^$$' -bench=. -benchmem ./internal/...

clean:
	rm -rf bin tools/node_modules internal/edge/test/node_modules
