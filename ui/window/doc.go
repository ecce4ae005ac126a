// Package window runs a session in ra-p2p's windows: it implements
// session.UI over a render window (questions as dialogs, events in the
// status line and the history) and connects the channels' user-facing
// methods to the window's buttons and pane.
//
// Only Config is built without windows (-tags nogui), so the
// terminal-only program can name it.
//
// It must never speak a wire format or decide anything for the user: the
// session and its channels do that; render draws.
package window
