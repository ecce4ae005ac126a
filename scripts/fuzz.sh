#!/usr/bin/env bash
# Runs every fuzz target of the module (every func FuzzXxx in a _test.go
# file) for FUZZTIME each (default 60s; CI runs 10s), one at a time.
# A failure leaves its input under the package's testdata/fuzz/ and ends
# the run with status 1.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
fuzztime=${1:-${FUZZTIME:-60s}}
status=0
n=0
while IFS=: read -r file name; do
  pkg=./$(dirname "$file")
  n=$((n + 1))
  echo "fuzz $name in $pkg for $fuzztime"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg" >/tmp/fuzz.$$.log 2>&1; then
    cat /tmp/fuzz.$$.log
    echo "FAIL: $name in $pkg"
    status=1
  fi
done < <(grep -rHoE '^func Fuzz[A-Za-z0-9_]*' --include='*_test.go' . | grep -v '^./third_party/' | sed 's#^\./##; s#:func #:#' | sort)
rm -f /tmp/fuzz.$$.log
echo "fuzz: $n targets, status $status"
exit "$status"
