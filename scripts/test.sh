#!/usr/bin/env bash
# Runs the whole test suite: unit tests, fuzz seeds, (as root) the
# end-to-end tests in network namespaces, then every fuzz target for
# FUZZTIME (10s) each. Ends with a summary line.
# RA_P2P_REQUIRE_ALL=1 (set by CI) turns "cannot run here" skips into failures.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
scripts/install-deps.sh || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "Building and running tests…"
go vet ./... || exit 1
go test -count=1 -timeout 14m -v ./... 2>&1 | tee "$log" | grep -E '^(=== RUN|--- |ok|FAIL|PASS|panic|\s+\S+_test\.go)' | grep -v '^=== RUN'
status=${PIPESTATUS[0]}

# Every decoder's fuzz target, briefly (make fuzz runs each for a minute).
echo "Fuzzing every decoder for ${FUZZTIME:-10s} each…"
scripts/fuzz.sh "${FUZZTIME:-10s}" | grep -v "fuzz: elapsed"
fuzz_status=${PIPESTATUS[0]}
if [ "$fuzz_status" -ne 0 ] && [ "$status" -eq 0 ]; then status=$fuzz_status; fi

passed=$(grep -cE '^\s*--- PASS' "$log")
failed=$(grep -cE '^\s*--- FAIL' "$log")
skipped=$(grep -cE '^\s*--- SKIP' "$log")
if [ "$skipped" -gt 0 ]; then
  echo "Skipped tests and why:"
  grep -B1 -A1 -E '^\s*--- SKIP' "$log" | grep -E '_test.go:' | sed 's/^/  /'
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
