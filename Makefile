# berth — see README.md. Every target installs what it needs from the Go module proxy or
# npm; moto_server and cfn-lint come from PATH or from the project's .venv (`make setup`).

FUNCTIONS := $(notdir $(wildcard functions/*))
GOFLAGS_LAMBDA := CGO_ENABLED=0 GOOS=linux GOARCH=arm64
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME ?= 10s

# A project-local Python environment (`make setup`) comes first on PATH when it exists, so
# moto_server and cfn-lint need not be installed system-wide.
ifneq ($(wildcard $(CURDIR)/.venv/bin),)
export PATH := $(CURDIR)/.venv/bin:$(PATH)
endif
SETUP_CMD := python3 -m venv .venv && .venv/bin/pip install 'moto[server]==5.2.1' cfn-lint

.PHONY: all build test test-big lint validate demo bench clean tools fuzz setup check-test check-demo acceptance

all: build

## build: every Lambda to bin/<function>/bootstrap (linux/arm64, static) plus bin/berth
build:
	@for fn in $(FUNCTIONS); do \
		echo "build functions/$$fn -> bin/$$fn/bootstrap"; \
		$(GOFLAGS_LAMBDA) go build -tags lambda.norpc -trimpath -ldflags='-s -w' -o bin/$$fn/bootstrap ./functions/$$fn || exit 1; \
	done
	go build -o bin/berth ./cmd/berth

# TEST_PARALLEL: tests run at once per package. internal/localrun's tests each run their own
# emulator and spend most of their time asleep in the state machine's Wait states (moto
# waits them out in real time), so more than the default (GOMAXPROCS: 2 on CI) overlap
# those waits.
TEST_PARALLEL ?= 4

## test: unit, integration (moto_server), node router tests, a short fuzz run, static checks
test: check-test tools
	go test -count=1 -timeout 40m -parallel $(TEST_PARALLEL) ./...
	$(MAKE) fuzz
	$(MAKE) validate

fuzz:
	go test -run='^$$' -fuzz=FuzzLoad -fuzztime=$(FUZZTIME) ./internal/config
	go test -run='^$$' -fuzz=FuzzAPI -fuzztime=$(FUZZTIME) ./internal/api

## lint: gofmt, go vet, staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	go vet -tags aws ./...
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
demo: check-demo
	go run ./cmd/berth demo

## acceptance: the real-account suite (spends money; see README "Acceptance on a real account")
acceptance:
	go test -tags aws -count=1 -timeout 4h -v ./internal/acceptance

## bench: planner, KVS writer and router benchmarks, then the 150-container app's life in
## the local runtime (once: it takes minutes; see README "Development")
bench:
	go test -run='^$$' -bench=. -skip='A150ContainerApp' -benchmem ./internal/...
	go test -count=1 -run='^$$' -bench='A150ContainerApp' -benchtime=1x -timeout 3h ./internal/localrun

## test-big: the 150-container app's life as a test (not part of make test: it takes minutes)
test-big:
	BERTH_BIG=1 go test -count=1 -run='A150ContainerApp' -timeout 3h -v ./internal/localrun

## setup: moto_server and cfn-lint into .venv, which every target then uses
setup:
	$(SETUP_CMD)

# check-test, check-demo: stop before any work, naming every missing prerequisite at once.
check-test: PREREQS := go node npm moto_server cfn-lint
check-demo: PREREQS := go moto_server
check-test check-demo:
	@missing=; for c in $(PREREQS); do command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	[ -z "$$missing" ] && exit 0; \
	echo "make $(@:check-%=%): missing prerequisites:$$missing" >&2; \
	for c in $$missing; do case $$c in \
	  go) echo "  go: install Go >= 1.26 from https://go.dev/dl/" >&2;; \
	  node|npm) echo "  $$c: install Node.js >= 20 with npm (Debian/Ubuntu: apt-get install nodejs npm)" >&2;; \
	esac; done; \
	case "$$missing" in *moto_server*|*cfn-lint*) \
	  echo "  moto_server, cfn-lint: install them into a project-local virtual environment, which make then uses:" >&2; \
	  echo "    $(SETUP_CMD)" >&2; \
	  echo "  (the same as: make setup)" >&2;; \
	esac; exit 1

clean:
	rm -rf bin tools/node_modules internal/edge/test/node_modules
