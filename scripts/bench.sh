#!/usr/bin/env bash
# Runs the benchmarks (the namespace ones need root) and prints a table.
# BenchmarkScreenShaped (in ./test) alone takes ~9 minutes with its default
# 30 s steps (RA_P2P_BENCH_SHAPED_STEP=60 doubles them), hence the timeout.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
log=$(mktemp)
trap 'rm -f "$log"' EXIT
go test -run '^$' -bench . -benchtime 1x -count 1 -timeout 60m ./test/ ./test/pipeline/ ./test/latency/ ./session/ 2>&1 | tee "$log" | grep -vE '^BENCHROW'
status=${PIPESTATUS[0]}
echo
echo "| measurement | measured | target | verdict |"
echo "|---|---|---|---|"
grep -E '^BENCHROW' "$log" | sed 's/^BENCHROW//'
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg))"
exit "$status"
