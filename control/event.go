package control

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// EventKind says what an Event is.
type EventKind uint8

const (
	MouseMove   EventKind = 1 // pointer to X, Y
	MouseButton EventKind = 2 // Button pressed (Down) or released, at X, Y
	Wheel       EventKind = 3 // DX, DY wheel clicks, at X, Y
	Key         EventKind = 4 // keysym Key pressed (Down) or released
	Text        EventKind = 5 // Text typed as it is
)

func (k EventKind) String() string {
	switch k {
	case MouseMove:
		return "mouse move"
	case MouseButton:
		return "mouse button"
	case Wheel:
		return "wheel"
	case Key:
		return "key"
	case Text:
		return "text"
	}
	return fmt.Sprintf("kind %d", k)
}

// Limits of an Event, checked by Validate.
const (
	MaxText    = 256 // bytes of Event.Text
	MaxWheel   = 10  // |DX|, |DY| of a Wheel event
	MaxKeyName = 32  // bytes of Event.Key
)

// Event is one input event from the helper, in remote-screen pixels (the
// novice's screen). Every field comes from the peer and is a claim until
// Validate has checked it against the novice's screen.
type Event struct {
	Kind   EventKind
	X, Y   int    // MouseMove, MouseButton, Wheel: where, 0 ≤ X < screen width, 0 ≤ Y < screen height
	Button int    // MouseButton: 1 left, 2 middle, 3 right
	Down   bool   // MouseButton, Key: pressed (true) or released
	DX, DY int    // Wheel: clicks, |d| ≤ MaxWheel; DX > 0 = right, DY > 0 = down
	Key    string // Key: an X keysym name ("Return", "BackSpace", "Escape", "Left", "F5", "Shift_L", "a", "eacute")
	Text   string // Text: 1..MaxText bytes of UTF-8 typed as-is; no control characters but \n and \t
}

// ErrInvalidEvent is wrapped by every error of Validate.
var ErrInvalidEvent = errors.New("control: invalid input event")

// Validate checks e against a screenW×screenH screen: coordinates on the
// screen, button 1..3, at most MaxWheel clicks, a keysym name that X knows
// and that is not one of the keys that act on the X server, the session or
// the machine rather than on a program (see keysym.go), and text of at most
// MaxText bytes of valid UTF-8 without control characters other than \n and
// \t. Fields that do not belong to e.Kind are ignored. Errors wrap
// ErrInvalidEvent.
func (e Event) Validate(screenW, screenH int) error {
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
	case MouseMove:
		return onScreen()
	case MouseButton:
		if e.Button < 1 || e.Button > 3 {
			return bad("mouse button %d (want 1 left, 2 middle or 3 right)", e.Button)
		}
		return onScreen()
	case Wheel:
		if e.DX < -MaxWheel || e.DX > MaxWheel || e.DY < -MaxWheel || e.DY > MaxWheel {
			return bad("wheel %d,%d clicks (at most %d each way)", e.DX, e.DY, MaxWheel)
		}
		return onScreen()
	case Key:
		if _, err := lookupKeysym(e.Key); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidEvent, err)
		}
		return nil
	case Text:
		return checkText(e.Text)
	}
	return bad("unknown kind %d", e.Kind)
}

// checkText applies Validate's rules for Text.
func checkText(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty text", ErrInvalidEvent)
	case len(s) > MaxText:
		return fmt.Errorf("%w: text of %d bytes (at most %d)", ErrInvalidEvent, len(s), MaxText)
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
