#!/usr/bin/env bash
# Runs every fuzz target of the module (every func FuzzXxx in a _test.go
# file) for FUZZTIME each (default 60s; the test suite runs 10s), one at a
# time. A finding leaves its input under the package's testdata/fuzz/NAME/
# and fails the run. A failure that leaves no input (the fuzzing engine's
# own "hung or terminated unexpectedly", seen once on a loaded machine) is
# run again once, and fails only if it happens again.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
fuzztime=${1:-${FUZZTIME:-60s}}
status=0
n=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
inputs() { find "$1/testdata/fuzz/$2" -type f 2>/dev/null | wc -l; }
while IFS=: read -r file name; do
  pkg=./$(dirname "$file")
  n=$((n + 1))
  echo "fuzz $name in $pkg for $fuzztime"
  for try in 1 2; do
    before=$(inputs "$pkg" "$name")
    if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg" >"$log" 2>&1; then
      break
    fi
    grep -v 'fuzz: elapsed' "$log"
    if [ "$(inputs "$pkg" "$name")" -gt "$before" ] || [ "$try" -eq 2 ]; then
      echo "FAIL: $name in $pkg"
      status=1
      break
    fi
    echo "no input was left behind: running $name again"
  done
done < <(grep -rHoE '^func Fuzz[A-Za-z0-9_]*' --include='*_test.go' . | grep -v '^./third_party/' | sed 's#^\./##; s#:func #:#' | sort)
echo "fuzz: $n targets, status $status"
exit "$status"
