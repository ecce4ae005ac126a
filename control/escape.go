package control

import (
	"context"
	"fmt"
	"time"
)

// EscapeIgnoreWindow is how recent an Escape the gate injected must be for
// WatchEscape to take a press for that one.
const EscapeIgnoreWindow = 200 * time.Millisecond

// escapeHold: a press still down this long after it started is the
// novice's, even inside EscapeIgnoreWindow, because the gate's own Escape
// is released at once (gate.go). A person holds a key 50 ms or more.
const escapeHold = 30 * time.Millisecond

// watchTimeout is how long the watcher sleeps in the X connection at most,
// so that it sees ctx end.
const watchTimeout = 100 * time.Millisecond

// escEvent is what an escWatch (escape_x11.go, escape_windows.go) reports.
// The values are those escNext returns in the X11 watcher's C code.
type escEvent int

const (
	escBroken  escEvent = -1 // the watch broke (the X connection, the hook's thread)
	escNone    escEvent = 0  // nothing within the timeout
	escPress   escEvent = 1
	escRelease escEvent = 2
	escMapping escEvent = 3 // the keyboard map changed
)

// WatchEscape watches the keyboards of the X display ("" = $DISPLAY; on
// Windows the session's own, display "") for ESC and calls onEsc once per
// press, on the goroutine running it, until ctx ends
// (then it returns nil). It returns an error when it cannot watch (no
// display, no XInput 2) or when the X connection breaks; a caller must then
// not leave control granted, since the novice could not take it back.
//
// Presses the gate injected itself are ignored: a press within
// EscapeIgnoreWindow of an Escape the gate injected (gate may be nil: none
// is ignored), unless that press is still held escapeHold later, which the
// gate's own never is. It is event-driven (XInput2 raw key events, seen
// before any grab or focus decision; on Windows a low-level keyboard hook,
// which also drops every injected key), so a tap as short as xdotool's
// (about 6 ms) is never missed, and costs nothing while no key is pressed.
func WatchEscape(ctx context.Context, display string, gate *Gate, onEsc func()) error {
	w, err := openEscWatch(display)
	if err != nil {
		return err
	}
	defer w.close()

	var (
		down      [256]bool // Escape keycodes down now
		suspect   = -1      // keycode of a press taken for the gate's, until it is held escapeHold
		suspectAt time.Time
	)
	for ctx.Err() == nil {
		timeout := watchTimeout
		if suspect >= 0 {
			timeout = min(timeout, max(time.Until(suspectAt.Add(escapeHold)), time.Millisecond))
		}
		ev, kc := w.next(int((timeout + time.Millisecond - 1) / time.Millisecond))
		switch ev {
		case escBroken:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("control: %s broke while watching for ESC", w.what())
		case escPress:
			if down[kc] {
				continue // a repeat of a key held down
			}
			down[kc] = true
			if gate != nil && gate.InjectedEscape(EscapeIgnoreWindow) {
				suspect, suspectAt = kc, time.Now()
				continue
			}
			onEsc()
		case escRelease:
			down[kc] = false
			if kc == suspect {
				suspect = -1 // a tap: the gate's own Escape
			}
		case escMapping:
			// Which keycodes carry Escape is found again (our own Text
			// remaps keys all the time); what is held stays held.
		}
		if suspect >= 0 && time.Since(suspectAt) >= escapeHold {
			suspect = -1
			onEsc() // still held: the novice's
		}
	}
	return nil
}
