# The README's commands: `make run` (service against the bundled simulator) and `make test`.
GO ?= go
BIN := bin
SIM_ADMIN ?= 127.0.0.1:18000

.PHONY: all build test vet bench run clean

all: build

build:
	$(GO) build -o $(BIN)/cucmsim ./cmd/cucmsim
	$(GO) build -o $(BIN)/bcservice ./cmd/bcservice

# staticcheck is pinned by the tool directive in go.mod.
vet:
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt: files above need formatting" && exit 1)
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# Unit tests, the feature suites (which build both binaries) and the bench smoke test.
test: vet
	$(GO) test -count=1 -timeout 20m ./...

# The full benchmark: 100k devices and users, both binaries on loopback; see README "Performance".
bench: build
	$(GO) run ./bench/cmd/bcbench --bin $(BIN) --out bench/results

# cucmsim on the demo topology and bcservice in front of it, in the foreground; Ctrl-C stops both.
run: build
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/cucmsim serve --topology testdata/topology/demo.yaml --admin $(SIM_ADMIN) & \
	sleep 1; \
	$(BIN)/bcservice serve --config testdata/config/demo.yaml & \
	wait

clean:
	rm -rf $(BIN) bench/results
