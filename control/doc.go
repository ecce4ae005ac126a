// Package control is the novice's half of remote control: checking the
// helper's input events (desktop.Event) against the novice's screen, the
// consent state machine ("the gate", default deny), injection into the
// novice's X11 desktop, and watching the novice's own keyboard for ESC,
// which takes control back at any moment.
//
// The control path (DESIGN.md §2) ends here:
//
//	render (helper's input) → stream (control protocol) ══> Gate.Inject → Validate → Injector → X server
//	novice's keyboard → WatchEscape → onEsc → Gate.Revoke
//
// # What must never happen
//
// Nothing is injected that the gate has not allowed. The gate checks its
// state and injects under one lock, so once Revoke (or Release) has
// returned, no event of the helper reaches the desktop until the novice
// allows control again. An Injector is handed only to NewGate; nothing else
// in ra-p2p calls one. The package imports no network, wire or GUI code
// (deps_test.go) and runs no programs.
//
// # States
//
// The zero choice is deny: a gate starts in ViewOnly, or in Disabled when
// the invitation says --no-control (GateConfig.Enabled false) or there is
// nothing to inject into.
//
//	state     Request (helper asks)      Decide(allow)   Decide(deny)   Revoke / Release        Inject
//	Disabled  ErrDisabled, nobody asked  ignored         ignored        stays Disabled, false   dropped, ErrNotGranted
//	ViewOnly  → Asking (ErrTooSoon if    ignored         ignored        stays ViewOnly, false   dropped, ErrNotGranted
//	          the last request put to
//	          the novice is < 5 s old)
//	Asking    ErrAsking                  → Granted       → ViewOnly     → ViewOnly, false       dropped, ErrNotGranted
//	Granted   ErrGranted                 ignored         ignored        → ViewOnly, true,       Validate, then injected
//	                                                                    held keys and buttons
//	                                                                    released
//
// Revoke is the novice (ESC, Stop Control, the window closed, the session
// ended); Release is the helper giving control back. OnChange listeners run
// after each transition, in order, outside the lock.
//
// # Trust
//
// Nothing from the helper is trusted (DESIGN.md §4). Every field of a
// desktop.Event is a claim; Inject validates each event against the novice's
// screen as it is now (Validate): coordinates on the screen, buttons 1..3, at
// most 10 wheel clicks, a keysym name that libX11 knows (XStringToKeysym, no numeric
// spellings) and that is not one of the keysyms acting on the X server, the
// input system or the machine (Terminate_Server, XF86Switch_VT_n,
// XF86Ungrab, mouse keys, AccessX switches, power keys, control characters;
// keysym.go), and text of at most 256 bytes of UTF-8 without control
// characters other than \n and \t. Beyond validation, the gate releases only
// keys and buttons it pressed itself (never the novice's own), and turns the
// helper's Escape into an immediate press and release, at most one every
// 300 ms, so the helper can neither hold Escape down nor press it often
// enough to hide the novice's ESC (see below). Logs never contain key names
// or typed text.
//
// # ESC
//
// WatchEscape listens to XInput2 raw key events on the root window: every
// press of every keyboard, seen before focus or grabs decide where it goes
// (from XI 2.1 on, even while a program grabs the keyboard), and costs
// nothing while no key is pressed. A poll of XQueryKeymap every 10 ms, the
// first idea, misses short presses: `xdotool key Escape` holds the key for
// 6.3–7.0 ms (measured here), so about a third of such presses fall between
// two polls. Measured on Xvfb (escape_test.go, 2 busy cores, 4 runs of 10
// presses): xdotool key Escape → onEsc 3.6–4.9 ms median, 8.3 ms at most,
// starting xdotool included; an XTEST press → onEsc 0.2 ms median from
// sending it. A press the watcher first takes for the gate's own (below)
// counts 30 ms after it began.
//
// The helper's own Escape must not take control away. XTEST events carry no
// mark of who sent them (xdotool uses XTEST too), so the gate remembers when
// it injected an Escape (InjectedEscape) and the watcher ignores a press
// within EscapeIgnoreWindow (200 ms) of one, unless that press is still held
// 30 ms later: the gate's own is released at once, a person's is not.
//
// Xlib's default reaction to a broken X connection is to end the process;
// the watcher's connection instead makes WatchEscape return an error. A
// caller must then take control back: the novice could no longer do it.
//
// # Injection: robotgo and XTEST
//
// NewX11Injector uses github.com/go-vgo/robotgo (v0.110.5) for the pointer's
// buttons: Button and Scroll (XTEST buttons 1–7); each is synced with the X
// server before it returns. Move and the keyboard go through XTEST on a
// connection of its own (github.com/jezek/xgb), synced after each call, so
// the two connections keep the order of the calls. Move was robotgo's
// XWarpPointer until 2026-12-06: a warp raises no XInput 2 raw motion, which
// some programs (games) read and the screen capture now wakes on. robotgo was tried for the
// keyboard first and does not fit, measured here on Xvfb:
//
//   - robotgo.KeyToggle takes robotgo's own key names, not X keysym names,
//     and adds Shift to any name that starts with a capital: KeyToggle
//     ("Return") pressed Shift and an unrelated keycode, ("F5") Shift+F5,
//     ("Shift_L") Shift and the unrelated keycode, ("eacute") the unrelated
//     keycode, all with a nil error.
//   - robotgo.TypeStr types non-ASCII text through a second display it
//     opens from $DISPLAY, whatever SetXDisplayName said: with DISPLAY unset
//     or another display, TypeStr("é") crashed the process (SIGSEGV in
//     input_utf). Its source also leaves the keysym on keycode max-1 for
//     good.
//
// So Key looks the keysym up in the server's keyboard map (first column),
// and Text presses the key carrying the character (with Shift for a
// second-column one); a keysym the map lacks is put on a spare keycode (one
// with no keysym) with ChangeKeyboardMapping, pressed, and the keycode is
// lent to the next character only after 50 ms (clients read the map lazily;
// remapping at once loses characters), and given back on Close, as xdotool
// does. Unicode characters use the keysym 0x01000000+code point.
//
// Building robotgo costs little: the repository builds with it (cgo,
// libX11 and libXtst); robotgo and the 20 modules it adds to go.mod compiled from a cold
// cache in 8.6 s here. go get needs github.com/otiai10/gosseract, which the
// module proxy does not serve, replaced by the empty module in
// third_party/gosseract-stub (go.mod).
//
// # Windows
//
// NewInjector is SendInput there (injector_windows.go, no cgo, no
// robotgo): the pointer in absolute coordinates of the primary screen,
// keys by virtual-key code, text as KEYEVENTF_UNICODE characters. Without
// Xlib, the keysyms a helper may send are those Windows has keys for
// (keysym_windows.go: editing, function and modifier keys, the keypad,
// ASCII and Latin-1 by name, U+hex); Validate refuses others there.
// WatchEscape is a low-level keyboard hook (WH_KEYBOARD_LL) on a locked OS
// thread of its own with a message loop; it drops every key flagged
// LLKHF_INJECTED, so the gate's own Escape is never taken for the
// novice's (the time window above is then only a second guard).
//
// # Pitfalls
//
//   - robotgo keeps one X display per process (a static in its C code), so
//     at most one injector is open at a time; NewX11Injector refuses a
//     second. robotgo falls back to $DISPLAY and then ":0.0" when its display
//     fails to open; NewX11Injector checks that robotgo sees the pointer
//     where the injector's own connection sees it, and robotgo's connection
//     keeps Xlib's default of ending the process if the X server goes away.
//   - Caps Lock or a Shift the novice holds still applies to Text, as it
//     would to the helper's typing at the novice's keyboard.
//   - The package needs cgo and libx11-dev, libxi-dev and libxtst-dev
//     (scripts/install-deps.sh).
package control
