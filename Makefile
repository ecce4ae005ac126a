# ra-p2p: the README's commands live here.
export PATH := $(PATH):/usr/local/go/bin

.PHONY: demo test build install bench fuzz soak

demo:            ## install everything, then a local demo on loopback (no root needed)
	scripts/install-deps.sh
	scripts/demo.sh

test:            ## the whole test suite (namespace tests need root)
	scripts/test.sh

build:           ## bin/ra-p2p (windows) and bin/ra-p2p-nogui (terminal only; ra-p2p runs it when there is no display)
	go build -o bin/ra-p2p ./cmd/ra-p2p
	go build -tags nogui -o bin/ra-p2p-nogui ./cmd/ra-p2p

install: build    ## both binaries into /usr/local/bin
	install -m 0755 bin/ra-p2p bin/ra-p2p-nogui /usr/local/bin/

bench:           ## benchmarks as a table (namespace benchmarks need root)
	scripts/bench.sh

fuzz:            ## every fuzz target for a minute each (FUZZTIME=10s for less)
	scripts/fuzz.sh

soak:            ## one session for an hour with everything moving: RSS and goroutines over time (RA_P2P_SOAK=10m for less)
	go test -run '^$$' -bench Soak -benchtime 1x -timeout 3h -v ./test/soak/ | grep -E 'BENCHROW|soak_test|ok|FAIL'
