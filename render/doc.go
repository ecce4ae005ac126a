// Package render draws ra-p2p's windows with Ebiten, one type per role:
// HelperWindow, the helper's Remote Assistance window (the remote desktop
// in a pane on the right; status, buttons, chat on the left), and
// NoviceWindow, the novice's (status, chat and the novice's own buttons).
// Both are built from one shared panel (window.go: the left panel, its
// dialogs and help page, the close confirmation, the wake-ups and drawing
// on demand); the helper's adds the pane (pane.go) and the input sent while
// in control (control.go, keyboard.go: the keys come from X in the order
// typed, render/xkeys). It maps the helper's pointer in the remote pane
// back to remote-screen pixels with the inverse of the draw transform
// (view/view.go), and places dialogs inside the window they are in
// (view/dialog.go). Its file chooser (chooser.go) reads folders with
// render/folder, standard library only so that its tests run without a
// display (this package's cannot: Ebiten opens the display when it loads).
//
// It must never import libp2p or open network connections: it gets frames
// from a FrameSource, shows Entries it is handed, and reports what the user
// did through callbacks. Only the game goroutine touches Ebiten images; other
// goroutines hand over data through the thread-safe Post/SetStatus/Ask
// methods, which wake the window (it draws only on demand, so it idles at ~0%
// CPU).
package render
