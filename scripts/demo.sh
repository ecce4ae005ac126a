#!/usr/bin/env bash
# A local demo on loopback that needs no root: a bootstrap node, a novice
# (Alice) and a helper (Bob) on this one machine. Alice makes an invitation,
# Bob uses it, they connect directly, chat a line each way, and Bob ends the
# session. What happens is printed plainly.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
wait_for() { # file pattern seconds
  local i=0
  until grep -q -- "$2" "$1" 2>/dev/null; do
    i=$((i+1)); if [ $i -gt $(( $3 * 10 )) ]; then echo "Timed out waiting for \"$2\" in $1:"; cat "$1"; exit 1; fi
    sleep 0.1
  done
}

say "Building ra-p2p"
make -s build
bin=$PWD/bin/ra-p2p

say "Starting a bootstrap node on loopback (stands in for the public DHT)"
"$bin" node --listen /ip4/127.0.0.1/udp/0/quic-v1 --listen /ip4/127.0.0.1/tcp/0 >"$work/node.out" 2>"$work/node.log" &
pids+=($!)
wait_for "$work/node.out" "--bootstrap" 20
addr=$(grep -m1 -- "--bootstrap" "$work/node.out" | awk '{print $2}')
echo "node: $addr"

mkfifo "$work/alice.in" "$work/bob.in"
exec 3<>"$work/alice.in" 4<>"$work/bob.in"

say "Alice: ra-p2p invite --name Alice --message \"My printer vanished\""
XDG_CONFIG_HOME="$work/alice-config" "$bin" invite --name Alice --message "My printer vanished" \
  --no-gui --bootstrap "$addr" -o "$work/alice.rainvite" <&3 >"$work/alice.out" 2>&1 &
pids+=($!)
wait_for "$work/alice.out" "Waiting for your helper" 30
cat "$work/alice.out"

say "Bob: ra-p2p help alice.rainvite (answers yes; Alice will answer y)"
XDG_CONFIG_HOME="$work/bob-config" "$bin" help "$work/alice.rainvite" --no-gui --name Bob --yes <&4 >"$work/bob.out" 2>&1 &
bob=$!
pids+=($bob)
wait_for "$work/alice.out" "Bob wants to connect" 30
echo y >&3
wait_for "$work/bob.out" "Connected to Alice" 30
wait_for "$work/alice.out" "Connected to Bob" 30

say "Chatting"
echo "Hi Alice, Bob here. What printer is it?" >&4
wait_for "$work/alice.out" "Bob: Hi Alice" 10
echo "The one in the hall, thanks for helping!" >&3
wait_for "$work/bob.out" "Alice: The one in the hall" 10
echo "/quit" >&4
wait_for "$work/alice.out" "Disconnected from Bob" 10
wait "$bob" || true

say "What Alice saw"
cat "$work/alice.out"
say "What Bob saw"
cat "$work/bob.out"
say "Demo finished: Alice and Bob connected directly, chatted, and Bob ended the session."
