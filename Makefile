# ra-p2p: the README's commands live here.
export PATH := $(PATH):/usr/local/go/bin

.PHONY: demo test build bench fuzz

demo:            ## install everything, then a local demo on loopback (no root needed)
	scripts/install-deps.sh
	scripts/demo.sh

test:            ## the whole test suite (namespace tests need root)
	scripts/test.sh

build:
	go build -o bin/ra-p2p ./cmd/ra-p2p

bench:           ## benchmarks as a table (namespace benchmarks need root)
	scripts/bench.sh

fuzz:            ## a short fuzz run of every decoder
	go test -run '^$$' -fuzz FuzzParse -fuzztime 30s ./invite/
	go test -run '^$$' -fuzz FuzzFrameReader -fuzztime 30s ./stream/
