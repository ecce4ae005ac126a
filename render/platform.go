//go:build !windows

package render

// x11Window: the game window is an X11 window, so the remote screen can be
// drawn by an X child window (render/xpane) and the keys read from X in
// order (render/xkeys). Elsewhere Ebiten draws the pane and reads the keys.
const x11Window = true
