package desktop

import (
	"image"
	"strconv"
)

// Cursor is the pointer of the remote screen. It is never drawn into the
// screen's pixels; a viewer draws Shape over them with its hot spot at X, Y.
type Cursor struct {
	X, Y    int  // the hot spot, in screen pixels (before any scaling)
	Visible bool // on this screen, and its shape has a visible pixel
	// Serial changes when the shape changes (the X server's XFixes cursor
	// serial; 0 when unknown). Only capture sets it.
	Serial uint32
	// Shape is the pointer's image, premultiplied RGBA (as every
	// image.RGBA is, and as XFixes delivers it). In a Frame it is non-nil
	// only when the shape changed since the previous frame (or when the
	// next frame must be complete: the first one, a key frame), so it is
	// sent once; in a View it is the newest shape known, nil until one
	// arrived. A shape once handed out is never modified: a new shape is a
	// new *image.RGBA.
	Shape *image.RGBA
	// HotX, HotY is the hot spot inside Shape: Shape is drawn at
	// (X-HotX, Y-HotY).
	HotX, HotY int
}

// Frame is one capture of the novice's screen.
//
// Whoever hands out a Frame says how long Pix and Dirty stay valid (a
// capture.Grabber reuses them at its next Grab); whoever takes one copies
// what it keeps.
type Frame struct {
	Width, Height int
	Stride        int    // bytes from one row to the next, ≥ 4*Width
	Pix           []byte // BGRX: blue, green, red and an undefined byte (not alpha); 4 bytes per pixel
	// Dirty lists the regions changed since the previous frame, clipped to
	// the screen. Empty means no pixel changed (a pointer-only frame). A
	// first frame, and a frame whose size differs from the previous one,
	// covers the whole screen whatever Dirty says.
	Dirty  []image.Rectangle
	Cursor Cursor
	Seq    uint64 // 1 for the first frame of a source, then +1 per frame; 0 when not counted
}

// CellSize is the side of the squares View.Cells counts changes in.
const CellSize = 64

// View is what a viewer shows of the remote screen: the newest complete
// image and where the pointer is.
type View struct {
	// Image is the remote screen as received (the sender may have scaled
	// it down), nil before the first one. Whoever hands out a View says how
	// long Image may be read; nobody may modify it.
	Image *image.RGBA
	// Version counts the images published; equal versions mean the same pixels.
	Version uint64
	// Cells, when not nil, holds for each CellSize×CellSize cell of Image,
	// row by row, the Version that last changed it: a viewer that showed
	// version v of the same source need only draw the cells above v again.
	Cells []uint64
	// Screen is the remote screen's size before scaling: image pixel (x, y)
	// shows screen pixel (x*Screen.X/Image.Dx(), y*Screen.Y/Image.Dy()).
	Screen image.Point
	// Cursor is in screen pixels (before scaling), with the newest shape.
	Cursor Cursor
}

// EventKind says what an Event is. The zero kind is no event.
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
	return "kind " + strconv.Itoa(int(k))
}

// Limits of an Event. The control protocol refuses an event beyond them
// and control.Validate checks them again against the novice's screen.
const (
	MaxCoord   = 1 << 20 // |X|, |Y|: far beyond any screen, small enough for any arithmetic
	MaxWheel   = 10      // |DX|, |DY| of a Wheel event
	MaxKeyName = 32      // bytes of Event.Key
	MaxText    = 256     // bytes of Event.Text
)

// Event is one input event from the helper, in remote-screen pixels (the
// novice's screen). Only the fields of its Kind mean anything; the others
// are ignored (and not sent).
type Event struct {
	Kind   EventKind
	X, Y   int    // MouseMove, MouseButton, Wheel: where; on the novice's screen, 0 ≤ X < width, 0 ≤ Y < height
	Button int    // MouseButton: 1 left, 2 middle, 3 right
	Down   bool   // MouseButton, Key: pressed (true) or released
	DX, DY int    // Wheel: clicks, |d| ≤ MaxWheel; DX > 0 = right, DY > 0 = down
	Key    string // Key: an X keysym name ("Return", "BackSpace", "Escape", "Left", "F5", "Shift_L", "a", "eacute"), ≤ MaxKeyName bytes of [A-Za-z0-9_]
	Text   string // Text: 1..MaxText bytes of UTF-8 typed as-is; no control characters but \n and \t

	// Seq and SentUnixNano are measurements only: the sender's counter and
	// its clock when it sent the event, for latency benchmarks and logs.
	// From a peer they are claims that prove nothing, and no decision may
	// depend on them.
	Seq          uint64
	SentUnixNano int64
}
