package render

import (
	"image"

	"github.com/ra-p2p/ra-p2p/internal/appicon"
)

// The window's name in WM_CLASS (instance, class), as window managers and
// task bars group and name it; Ebiten's default is "ebitengine-application".
const (
	x11Instance = "ra-p2p"
	x11Class    = "Ra-p2p"
)

// windowIcons is the window's icon at the sizes window managers ask for
// most, drawn rather than shipped as files (internal/appicon draws it; the
// menu entry's PNGs in packaging/icons are the same picture).
func windowIcons() []image.Image {
	return []image.Image{appicon.Draw(16), appicon.Draw(32), appicon.Draw(48), appicon.Draw(64)}
}
