package render

// x11Window is false on Windows: the window is a Win32 window, even under
// Wine (whose windows are X windows that Wine, not ra-p2p, owns), so the
// pane is drawn through Ebiten (OpenGL) and the keys come from Ebiten.
const x11Window = false
