package control

import "errors"

// Injector puts events into the novice's desktop. It does no checking of
// its own: only a Gate decides what reaches it. Its methods may be called
// from any goroutine; they are applied one at a time, in call order, and
// each has reached the X server when it returns.
type Injector interface {
	Move(x, y int) error                // pointer to x, y (screen pixels)
	Button(button int, down bool) error // 1 left, 2 middle, 3 right
	Scroll(dx, dy int) error            // wheel clicks; dx > 0 right, dy > 0 down
	Key(keysym string, down bool) error // an X keysym name, on whatever keycode carries it
	Text(s string) error                // types Unicode text, including characters not on the keyboard map ("日本")
	ScreenSize() (w, h int)             // 0, 0 when it cannot be had
	Close() error
}

// NewInjector opens the injector of the desktop this program runs on: on
// X11 that of display ("" = $DISPLAY; NewX11Injector), on Windows the
// session's own desktop through SendInput (display must be "").
func NewInjector(display string) (Injector, error) { return openInjector(display) }

var errClosed = errors.New("control: the injector is closed")
