# The README's commands: `make run` (service against the bundled simulator) and `make test`.
GO ?= go
BIN := bin
SIM_ADMIN ?= 127.0.0.1:18000

.PHONY: all build test test-unit test-features vet fuzz soak bench bench-history run clean screenshots

all: build

build:
	$(GO) build -buildvcs=true -o $(BIN)/cucmsim ./cmd/cucmsim
	$(GO) build -buildvcs=true -o $(BIN)/bcservice ./cmd/bcservice

# staticcheck is pinned by the tool directive in go.mod.
vet:
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt: files above need formatting" && exit 1)
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# Unit tests (with the race detector; the fuzz targets replay their seeds), the feature
# suites (which build both binaries; FEATURES_RACE=1 builds them with -race, as CI does) and
# the bench smoke test. The unit tests (go test, every package but ./features) and the feature
# suites (the Ginkgo CLI, pinned by the tool directive in go.mod: FEATURES_PROCS processes
# share out the specs, most of which wait on real time) run side by side; each one's output is
# printed as a block when it ends (--output-sync). Suites that skip for want of PostgreSQL,
# Chromium or HAProxy note it in SKIP_REPORT (service/skipreport); the run ends with their
# summary, pass or fail. See features/README.md, "What make test runs" and "What make test did
# not test".
SKIP_REPORT := $(abspath $(BIN))/skipped.txt
FEATURES_PROCS ?= 4
test: vet
	@mkdir -p $(BIN) && rm -f '$(SKIP_REPORT)'
	@SKIP_REPORT='$(SKIP_REPORT)' $(MAKE) --no-print-directory -j2 --output-sync=target test-unit test-features; rc=$$?; \
	if [ -s '$(SKIP_REPORT)' ]; then \
		echo 'make test: NOT TESTED on this machine (skipped outside CI; sudo .ci/install-deps installs the parts):'; \
		sort '$(SKIP_REPORT)' | uniq -c | awk '{ n = $$1; sub(/^ *[0-9]+ /, ""); split($$0, f, "\t"); \
			printf "  %s: %s (%d skip%s)\n", f[1], f[2], n, (n > 1 ? "s" : "") }'; \
	else \
		echo 'make test: nothing skipped'; \
	fi; \
	echo 'make test: not part of it by design: make fuzz, make soak, make bench, make bench-history (full size)'; \
	exit $$rc

# make test's two halves (make test runs both, side by side); each also runs alone.
test-unit:
	@echo '$(GO) test -race -count=1 -timeout 20m <every package but ./features>'
	@$(GO) test -race -count=1 -timeout 20m $$($(GO) list ./... | grep -v '/features$$')

test-features:
	@echo '$(GO) tool ginkgo --procs=$(FEATURES_PROCS) --race --timeout=20m ./features'
	@$(GO) tool ginkgo --procs=$(FEATURES_PROCS) --race --timeout=20m ./features

# Every fuzz target for FUZZTIME each; failing inputs are kept in the package's
# testdata/fuzz/ and replayed by make test. See features/README.md, "Reliability instruments".
FUZZTIME ?= 30s
fuzz:
	GO='$(GO)' FUZZTIME='$(FUZZTIME)' .ci/fuzz

# The long soak: mixed requests, faults and node outages for SOAK, with memory and
# goroutine figures at start and end (report: $(BIN)/soak-report.txt). Not part of make test.
SOAK ?= 10m
soak:
	@mkdir -p $(BIN)
	SOAK_DURATION='$(SOAK)' SOAK_REPORT='$(abspath $(BIN))/soak-report.txt' \
		$(GO) test -count=1 -timeout 2h ./features -ginkgo.focus='long soak' -ginkgo.v
	@cat $(BIN)/soak-report.txt

# The browser specs only (headless Chromium): the dashboard's, saving a PNG of each page in
# cmd/bcservice/deploy/screenshots/ (cmd/bcservice/README.md, "Dashboard"), and the cucmsim
# console's, saving cmd/cucmsim/deploy/screenshots/console.png (cmd/cucmsim/README.md, "Console").
screenshots:
	SCREENSHOTS=1 $(GO) test -count=1 ./features -ginkgo.focus='in a browser|on a tablet'

# The full benchmark: 100k devices and users, both binaries and the reference hop on
# loopback; see cmd/bcbench/README.md. Results: bin/bench/.
bench: build
	$(GO) run ./cmd/bcbench --bin $(BIN) --out $(BIN)/bench

# The request history's scale target: ROWS rows on DEVICES phones in a temporary SQLite file
# and a throwaway PostgreSQL (pgtest), pages of 100 by device, user and hour timed, then the
# usage reports' rollups built and the reports timed; see cmd/bcbench/README.md.
ROWS ?= 10000000
DEVICES ?= 5000
bench-history:
	$(GO) run ./cmd/bchistbench --rows $(ROWS) --devices $(DEVICES)

# cucmsim on the demo topology, then (once it listens) bcservice in front of it, in the
# foreground; Ctrl-C stops both. exec: make's signals reach the script itself.
run: build
	@exec env BIN='$(BIN)' SIM_ADMIN='$(SIM_ADMIN)' sh cmd/rundemo/run-demo.sh

clean:
	rm -rf $(BIN)
