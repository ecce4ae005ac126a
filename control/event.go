package control

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/ra-p2p/ra-p2p/desktop"
)

// ErrInvalidEvent is wrapped by every error of Validate.
var ErrInvalidEvent = errors.New("control: invalid input event")

// Validate checks an event from the helper against the novice's
// screenW×screenH screen: coordinates on the screen, button 1..3, at most
// desktop.MaxWheel clicks, a keysym name that X knows and that is not one of
// the keys that act on the X server, the session or the machine rather than
// on a program (see keysym.go), and text of at most desktop.MaxText bytes of
// valid UTF-8 without control characters other than \n and \t. Fields that
// do not belong to e.Kind are ignored. Errors wrap ErrInvalidEvent.
//
// It is a function of this package, not a method of desktop.Event, because
// knowing which keysyms exist takes Xlib (cgo), which desktop must not use.
func Validate(e desktop.Event, screenW, screenH int) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidEvent, fmt.Sprintf(format, args...))
	}
	onScreen := func() error {
		if screenW <= 0 || screenH <= 0 {
			return bad("the screen size is not known")
		}
		if e.X < 0 || e.Y < 0 || e.X >= screenW || e.Y >= screenH {
			return bad("%s at %d,%d is outside the %dx%d screen", e.Kind, e.X, e.Y, screenW, screenH)
		}
		return nil
	}
	switch e.Kind {
	case desktop.MouseMove:
		return onScreen()
	case desktop.MouseButton:
		if e.Button < 1 || e.Button > 3 {
			return bad("mouse button %d (want 1 left, 2 middle or 3 right)", e.Button)
		}
		return onScreen()
	case desktop.Wheel:
		if e.DX < -desktop.MaxWheel || e.DX > desktop.MaxWheel || e.DY < -desktop.MaxWheel || e.DY > desktop.MaxWheel {
			return bad("wheel %d,%d clicks (at most %d each way)", e.DX, e.DY, desktop.MaxWheel)
		}
		return onScreen()
	case desktop.Key:
		if _, err := lookupKeysym(e.Key); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidEvent, err)
		}
		return nil
	case desktop.Text:
		return checkText(e.Text)
	}
	return bad("unknown kind %d", e.Kind)
}

// checkText applies Validate's rules for Text.
func checkText(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty text", ErrInvalidEvent)
	case len(s) > desktop.MaxText:
		return fmt.Errorf("%w: text of %d bytes (at most %d)", ErrInvalidEvent, len(s), desktop.MaxText)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: text is not valid UTF-8", ErrInvalidEvent)
	}
	for i, r := range s {
		if r == '\n' || r == '\t' {
			continue
		}
		// unicode.IsControl: C0, DEL and C1. Format characters such as
		// U+200B or bidi marks are ordinary input and can be typed.
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: control character %U at byte %d of the text", ErrInvalidEvent, r, i)
		}
	}
	return nil
}
