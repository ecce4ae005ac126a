// Package desktop is what a remote desktop is, independent of capture, wire
// and drawing: a captured Frame of the novice's screen, the View a helper is
// shown, the pointer (Cursor) and the helper's input Events with their
// limits.
//
// Every layer speaks these types: capture produces Frames, the screen
// sender takes them and the receiver publishes Views, render draws Views and
// produces Events, the control protocol carries Events and control injects
// them. Each wire format converts to its own wire types at its edge
// (stream, stream/screen); nothing here is a wire format, and the values of
// EventKind are not wire bytes.
//
// # What this package must never do
//
// It holds data types and their limits only. It imports nothing but the
// standard library (no cgo, no X11, no network, no GUI: deps_test.go), so
// every package can use it, and it must never decide anything: whether an
// event may be injected is control's business, whether a frame is sent is
// the session's.
//
// # Trust
//
// A value of these types may come from the peer. An Event received from the
// helper, or a View decoded from the novice's updates, is a claim: the wire
// decoder bounds what it reads (the limits below) and control.Validate
// checks an Event against the novice's screen before anything is injected.
package desktop
