// Package capture grabs the novice's X11 screen, tells which parts of it
// changed since the previous grab, and where the pointer is and what it looks
// like. It is the first stage of the screen path: capture → encode → stream →
// render.
//
// # What it is for
//
// A Grabber holds one connection to an X server (pure Go, github.com/jezek/xgb).
// Each Grab copies what changed on the root window since the previous one
// (XShm when the server offers MIT-SHM on a local connection, else a plain
// GetImage), compares it with the previous grab tile by tile
// (Options.TileSize, 64 px by default), and returns the changed tiles merged
// into non-overlapping rectangles, plus the pointer position and, when it
// changed, the cursor image (XFixes).
//
// What changed, the X server says (the DAMAGE extension, as x11vnc uses it):
// a Grab after which nothing was drawn copies nothing and asks only where
// the pointer is; otherwise it moves the damage into an XFixes region,
// fetches its rectangles and copies only the tiles they touch (at most
// eight rectangles of tiles, else their bounding box). The damage is taken
// before the image is asked, so what is drawn meanwhile is damage again
// and the next Grab copies it: nothing drawn is ever missed, and what was
// drawn before a Grab began is in it. The whole screen is copied on the
// first Grab, after Reset and a size change, and always without DAMAGE or
// XFixes. Changes wakes a caller when something was drawn (a second
// connection with a damage object of its own, read by a goroutine), so a
// still screen need not be polled.
//
// # On Windows
//
// The same Grabber API is built from GDI without cgo (capture_windows.go,
// through golang.org/x/sys/windows): each Grab copies the primary screen
// with one BitBlt into a DIB section, whose memory has X's BGRX layout,
// and the same tiler compares it with the previous grab, so Dirty means
// the same on both systems. GDI reports no damage: Changes is nil and the
// caller polls. The pointer comes from GetCursorInfo, its shape, when the
// cursor handle changes, from DrawIconEx over black and over white.
// Open takes only display "" there. The X11 files are built everywhere
// else (//go:build !windows).
//
// # What it must never do
//
// This package knows nothing about the network: it never imports libp2p or
// any stream code, never opens a socket other than the X connection, and never
// sends, stores or logs pixels anywhere. What leaves the machine is decided by
// the caller (the session, with the novice's consent). It only reads the
// screen: it creates no windows and changes no X state other than its own shm
// segment, its cursor-event subscriptions, its two damage objects and the
// region it moves the damage into.
//
// # Pixel format
//
// Grab returns a desktop.Frame. Its Pix is BGRX: 4 bytes per pixel, in
// memory order blue, green, red and an undefined fourth byte (not alpha; do
// not rely on it being 0 or 0xff). That is X's native ZPixmap layout for the
// TrueColor depth-24/32 visuals of little-endian servers; Open refuses other
// visuals. Rows are Stride bytes apart (Stride >= 4*Width); bytes between
// 4*Width and Stride are padding.
// The cursor is not part of Pix (X removes it from GetImage); it comes
// separately in the frame's Cursor, its Shape as premultiplied RGBA (as every
// image.RGBA is, and as XFixes delivers it).
//
// # Ownership
//
// The Frame returned by Grab, its Pix and its Dirty slice are owned by the
// Grabber and are overwritten in place by the next Grab: copy what you keep
// (for example only the Dirty rectangles). Cursor.Shape is freshly allocated
// and may be kept. A Grabber's Grab, Size and Close take a lock; Reset and
// Changes may be called from any goroutine at any time (for example when a
// viewer asks for a key frame) and never block.
package capture
