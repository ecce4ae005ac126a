// Package render draws ra-p2p's windows with Ebiten: the helper's Remote
// Assistance window (the remote desktop on the right; status, buttons, chat
// on the left) and the novice's window, with their dialogs and help page. It
// maps the helper's pointer in the remote pane back to remote-screen pixels
// with the inverse of the draw transform (view.go), for control later.
//
// It must never import libp2p or open network connections: it gets frames
// from a FrameSource, shows Entries it is handed, and reports what the user
// did through callbacks. Only the game goroutine touches Ebiten images; other
// goroutines hand over data through the thread-safe Post/SetStatus/Ask
// methods, which wake the window (it draws only on demand, so it idles at ~0%
// CPU).
package render
