#!/usr/bin/env bash
# A local demo on loopback that needs no root: a bootstrap node, a novice
# (Alice) and a helper (Bob) on this one machine. Alice makes an invitation,
# Bob uses it, they connect directly. What happens is printed plainly.
#
#   scripts/demo.sh           both windows: on this display when there is
#                             one; else on private Xvfb displays (Alice's
#                             screen and Bob's), with chat typed into the
#                             windows and a screenshot of Bob's window saved
#                             as demo-helper.png
#   scripts/demo.sh --no-gui  the terminal only: a line of chat each way,
#                             then Bob ends the session
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin

mode=auto
case "${1:-}" in
  "") ;;
  --no-gui) mode=terminal ;;
  *) echo "usage: scripts/demo.sh [--no-gui]" >&2; exit 2 ;;
esac

work=$(mktemp -d)
pids=()  # programs to stop on exit, by PID
xpids=() # our Xvfb servers, stopped after the programs that use them
shot=$PWD/demo-helper.png

# stop PID...: SIGTERM, up to 5 s to end, then SIGKILL.
stop() {
  local p i
  for p in "$@"; do kill "$p" 2>/dev/null || true; done
  for i in $(seq 50); do
    for p in "$@"; do kill -0 "$p" 2>/dev/null && break; p=; done
    [ -z "$p" ] && break
    sleep 0.1
  done
  for p in "$@"; do
    if kill -0 "$p" 2>/dev/null; then
      echo "$(ps -o comm= -p "$p" 2>/dev/null || echo process) $p did not end within 5 s of SIGTERM: killed"
      kill -9 "$p" 2>/dev/null || true
    fi
    wait "$p" 2>/dev/null || true
  done
}
cleanup() {
  trap - EXIT INT TERM
  [ ${#pids[@]} -eq 0 ] || stop "${pids[@]}"
  [ ${#xpids[@]} -eq 0 ] || stop "${xpids[@]}"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show_outputs() {
  local f
  for f in alice bob; do
    [ -f "$work/$f.out" ] || continue
    say "What ${f^} saw"
    cat "$work/$f.out"
  done
}
fail() { { echo "FAILED: $*"; show_outputs; } >&2; exit 1; }
has() { grep -q -- "$2" "$1" 2>/dev/null; }
wait_for() { # file pattern seconds
  local i=0
  until has "$1" "$2"; do
    i=$((i+1)); if [ $i -gt $(( $3 * 10 )) ]; then fail "timed out waiting for \"$2\" in $(basename "$1")"; fi
    sleep 0.1
  done
}

# A display this demo may use: DISPLAY set and a server that answers.
have_display() {
  [ -n "${DISPLAY:-}" ] || return 1
  if command -v xdpyinfo >/dev/null 2>&1; then xdpyinfo >/dev/null 2>&1 && return 0; fi
  if command -v xset >/dev/null 2>&1; then xset q >/dev/null 2>&1 && return 0; fi
  return 1
}
if [ "$mode" = auto ]; then
  if have_display; then
    mode=display
  else
    missing=()
    for t in Xvfb xdotool import convert xdpyinfo xterm; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
    if [ ${#missing[@]} -eq 0 ]; then
      mode=xvfb
    else
      echo "No display, and no ${missing[*]} to start one (scripts/install-deps.sh installs them): the demo stays in the terminal."
      mode=terminal
    fi
  fi
fi

say "Building ra-p2p"
make -s build
bin=$PWD/bin/ra-p2p

say "Starting a bootstrap node on loopback (stands in for the public DHT)"
"$bin" node --listen /ip4/127.0.0.1/udp/0/quic-v1 --listen /ip4/127.0.0.1/tcp/0 >"$work/node.out" 2>"$work/node.log" &
pids+=($!)
wait_for "$work/node.out" "--bootstrap" 20
addr=$(grep -m1 -- "--bootstrap" "$work/node.out" | awk '{print $2}')
echo "node: $addr"

# ---------------------------------------------------------------------------
# The terminal only: chat through standard input.
if [ "$mode" = terminal ]; then
  mkfifo "$work/alice.in" "$work/bob.in"
  exec 3<>"$work/alice.in" 4<>"$work/bob.in"

  say "Alice: ra-p2p invite --name Alice --message \"My printer vanished\" --no-gui"
  XDG_CONFIG_HOME="$work/alice-config" "$bin" invite --name Alice --message "My printer vanished" \
    --no-gui --bootstrap "$addr" -o "$work/alice.rainvite" <&3 >"$work/alice.out" 2>&1 &
  pids+=($!)
  wait_for "$work/alice.out" "Waiting for your helper" 30
  cat "$work/alice.out"

  say "Bob: ra-p2p help alice.rainvite --no-gui (answers yes; Alice will answer y)"
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

  show_outputs
  say "Demo finished: Alice and Bob connected directly, chatted, and Bob ended the session."
  exit 0
fi

# ---------------------------------------------------------------------------
# Both windows.

# xvfb WxH: starts Xvfb on the first free display number from :99 up and
# sets xdisplay to it (its PID joins xpids).
xvfb() {
  local n p i
  for n in $(seq 99 400); do
    [ -e "/tmp/.X$n-lock" ] && continue
    # -noreset: Xvfb would otherwise reset when its last client leaves.
    Xvfb ":$n" -screen 0 "${1}x24" -nolisten tcp -noreset >"$work/xvfb-$n.log" 2>&1 &
    p=$!
    for i in $(seq 100); do
      kill -0 "$p" 2>/dev/null || break # lost the race for this number
      if xdpyinfo -display ":$n" >/dev/null 2>&1; then
        xpids+=("$p"); xdisplay=":$n"; return 0
      fi
      sleep 0.1
    done
    stop "$p"
  done
  fail "no free X display number for Xvfb"
}
# wait_window DISPLAY TITLE-REGEX: prints the id of the visible window.
wait_window() {
  local i id
  for i in $(seq 150); do
    id=$(DISPLAY=$1 xdotool search --onlyvisible --name "$2" 2>/dev/null | head -1) || true
    if [ -n "$id" ]; then echo "$id"; return 0; fi
    sleep 0.1
  done
  fail "no window titled \"$2\" on $1"
}
# place DISPLAY WINDOW X Y: moves the window there and checks that it stays
# (a new window may still be placed by its toolkit; a window manager's
# frame shifts it a little).
place() {
  local i X Y
  for i in $(seq 10); do
    DISPLAY=$1 xdotool windowmove "$2" "$3" "$4" >/dev/null 2>&1 || return 0
    sleep 0.3
    eval "$(DISPLAY=$1 xdotool getwindowgeometry --shell "$2" 2>/dev/null | grep -E '^[XY]=')"
    if [ $(( ${X:-0} - $3 )) -lt 60 ] && [ $(( ${Y:-0} - $4 )) -lt 60 ] && [ $(( $3 - ${X:-0} )) -lt 60 ] && [ $(( $4 - ${Y:-0} )) -lt 60 ]; then
      return 0
    fi
  done
}
# click DISPLAY WINDOW X Y, with a person's 150 ms press (a window that
# draws on demand must see it); without a window manager a click does not
# move the keyboard focus, so the window gets it first.
click() {
  DISPLAY=$1 xdotool windowfocus --sync "$2" mousemove --window "$2" "$3" "$4"
  sleep 0.15; DISPLAY=$1 xdotool mousedown 1; sleep 0.15; DISPLAY=$1 xdotool mouseup 1; sleep 0.15
}
# chat DISPLAY WINDOW X Y TEXT OTHER-OUTPUT PATTERN: types TEXT into the
# message box at X,Y and ENTER until the other side prints PATTERN (a
# click lost on a busy machine is tried again, as a person would).
chat() {
  local i j
  for i in 1 2 3; do
    click "$1" "$2" "$3" "$4"
    DISPLAY=$1 xdotool type --delay 60 "$5"
    sleep 0.15; DISPLAY=$1 xdotool key Return
    for j in $(seq 50); do has "$6" "$7" && return 0; sleep 0.1; done
  done
  fail "typing \"$5\" into the window never reached the other side"
}
# gold_pixels FILE: how many pixels of Alice's xterm's colour FILE has.
gold=#ffd54f
gold_pixels() {
  convert "$1" -alpha off -fuzz 10% -fill black +opaque "$gold" -fill white -opaque "$gold" \
    -format '%[fx:round(mean*w*h)]' info: 2>/dev/null || echo 0
}

if [ "$mode" = xvfb ]; then
  say "No display here: starting two private Xvfb displays, Alice's screen and Bob's"
  xvfb 1280x720; adisplay=$xdisplay
  xvfb 1400x900; bdisplay=$xdisplay
  echo "Alice's screen: $adisplay (1280x720)   Bob's screen: $bdisplay (1400x900)"
  # Something on Alice's screen for Bob to see.
  cat >"$work/alice-screen.sh" <<'EOF'
printf '\n  Hello from Alice'"'"'s screen!\n\n  This xterm runs on Alice'"'"'s display;\n  Bob sees it live in his window.\n'
exec cat
EOF
  DISPLAY=$adisplay xterm -geometry 44x7+30+40 -fa Monospace -fs 16 -bg "$gold" -fg black \
    -T "Alice's terminal" -e sh "$work/alice-screen.sh" >/dev/null 2>&1 &
  pids+=($!)
  if command -v xclock >/dev/null 2>&1; then
    DISPLAY=$adisplay xclock -geometry 220x220+120+380 -update 1 >/dev/null 2>&1 &
    pids+=($!)
  fi
  DISPLAY=$adisplay xdotool mousemove 1270 710 # the pointer out of the way
else
  adisplay=$DISPLAY; bdisplay=$DISPLAY
  say "Using your display $DISPLAY for both windows"
fi

say "Alice: ra-p2p invite --name Alice --message \"My printer vanished\" --yes (accepts Bob without asking)"
DISPLAY=$adisplay XDG_CONFIG_HOME="$work/alice-config" "$bin" invite --name Alice --message "My printer vanished" \
  --yes --bootstrap "$addr" -o "$work/alice.rainvite" </dev/null >"$work/alice.out" 2>&1 &
alice=$!
pids+=($alice)
wait_for "$work/alice.out" "Waiting for your helper" 30
if [ "$mode" = xvfb ]; then
  nw=$(wait_window "$adisplay" "waiting for your helper")
  place "$adisplay" "$nw" 830 40
fi
echo "Alice's window is open, waiting for her helper."

say "Bob: ra-p2p help alice.rainvite --name Bob --yes (connects without asking)"
DISPLAY=$bdisplay XDG_CONFIG_HOME="$work/bob-config" "$bin" help "$work/alice.rainvite" --name Bob --yes \
  </dev/null >"$work/bob.out" 2>&1 &
bob=$!
pids+=($bob)
if [ "$mode" = xvfb ]; then
  hw=$(wait_window "$bdisplay" "Remote Assistance — Alice")
  place "$bdisplay" "$hw" 0 0
fi
wait_for "$work/bob.out" "Connected to Alice" 30
wait_for "$work/alice.out" "Connected to Bob" 30
if [ "$mode" = display ] && command -v xdotool >/dev/null 2>&1; then
  # Side by side where the screen is wide enough: Bob's window at the left,
  # Alice's at the right edge, on top (best effort: a window manager decides).
  {
    for i in $(seq 50); do # a window may be mapped a moment after "Connected"
      hw=$(xdotool search --onlyvisible --name "Remote Assistance — Alice" | head -1)
      nw=$(xdotool search --onlyvisible --name "Remote Assistance — Bob" | head -1)
      [ -n "$hw" ] && [ -n "$nw" ] && break
      sleep 0.2
    done
    read -r sw _ < <(xdotool getdisplaygeometry)
    place "$DISPLAY" "$hw" 0 0
    place "$DISPLAY" "$nw" $(( sw > 460 ? sw - 460 : 0 )) 40
    xdotool windowraise "$nw"
  } >/dev/null 2>&1 || true
fi
echo "Bob's window says \"Connected to Alice\", Alice's says \"Connected to Bob\": they are connected directly."

if [ "$mode" = display ]; then
  say "Both windows are open on $DISPLAY"
  cat <<EOF
Bob's window (Remote Assistance — Alice) shows Alice's screen. Both run on this
one screen here, so it shows itself inside itself, as two mirrors facing.
Chat: type in either window's message box and press ENTER; the line appears in
the other window (and below). Close either window, or press Ctrl-C here, to end.
EOF
  (cd "$work" && exec tail -n 0 -f alice.out bob.out) &
  pids+=($!)
  while kill -0 "$alice" 2>/dev/null && kill -0 "$bob" 2>/dev/null; do sleep 0.5; done
  if kill -0 "$alice" 2>/dev/null; then who=Bob; else who=Alice; fi
  sleep 1 # the other side's last lines
  say "$who's program ended (its window was closed): the demo stops the other one and the node"
  exit 0
fi

say "Chatting, typed into the windows' message boxes"
echo "Bob types: Hi Alice, Bob here. What printer is it?"
chat "$bdisplay" "$hw" 120 772 "Hi Alice, Bob here. What printer is it?" "$work/alice.out" "Bob: Hi Alice"
echo "Alice types: The one in the hall, thanks for helping!"
chat "$adisplay" "$nw" 150 612 "The one in the hall, thanks for helping!" "$work/bob.out" "Alice: The one in the hall"
echo "Each line reached the other side."
DISPLAY=$adisplay xdotool mousemove 1270 710 # Alice's pointer out of the way again

say "Waiting for Alice's screen to appear in Bob's window"
for i in $(seq 40); do
  DISPLAY=$bdisplay import -window "$hw" "$work/helper.png" 2>/dev/null || true
  n=$(gold_pixels "$work/helper.png")
  [ "${n:-0}" -gt 5000 ] && break
  sleep 0.5
done
[ "${n:-0}" -gt 5000 ] || { cp "$work/helper.png" "$shot" 2>/dev/null || true; fail "Alice's screen never appeared in Bob's window (see $shot)"; }
sleep 1 # the frame settles
DISPLAY=$bdisplay import -window "$hw" "$shot"
echo "Alice's xterm is in Bob's window."
echo "Screenshot of Bob's window: $shot"

say "Bob presses Disconnect"
click "$bdisplay" "$hw" 250 130
wait_for "$work/alice.out" "Disconnected from Bob" 10
wait_for "$work/bob.out" "Disconnected from Alice" 10
echo "Both windows say the session ended. The demo now closes them (it stops both programs) and its Xvfb displays."
show_outputs
say "Demo finished: Alice and Bob connected directly, Bob saw Alice's screen in his window, they chatted in the windows, and Bob ended the session. Screenshot: $shot"
