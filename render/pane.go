package render

import (
	"github.com/ra-p2p/ra-p2p/render/view"
	"image"

	"github.com/hajimehoshi/ebiten/v2"
)

// paneRect is where the remote screen goes: right of the left panel.
func (w *Window) paneRect() image.Rectangle {
	ww, wh := ebiten.WindowSize()
	if b := w.left.GetWidget().Rect; !b.Empty() {
		return image.Rect(b.Max.X, 0, max(ww, b.Max.X), wh)
	}
	return image.Rect(leftWidth, 0, max(ww, leftWidth), wh)
}

// updatePane picks up a new frame and pane size (game goroutine).
func (w *Window) updatePane() {
	ww, wh := ebiten.WindowSize()
	w.view.Window = image.Pt(ww, wh)
	w.view.Pane = w.paneRect()
	if w.full {
		w.view.Mode = view.Full
	} else if w.view.Mode == view.Full {
		w.view.Mode = view.Fit
	}
	if ps := w.view.Pane.Size(); ps != w.lastPane && w.cfg.PaneSize != nil {
		w.lastPane = ps
		if w.view.Mode == view.Fit {
			w.cfg.PaneSize(ps.X, ps.Y)
		} else {
			w.cfg.PaneSize(0, 0) // actual size and full window want every pixel
		}
	}
	if w.view.Mode == view.Actual {
		_, dy := ebiten.Wheel()
		if dy != 0 && image.Pt(ebiten.CursorPosition()).In(w.view.Pane) {
			w.view.ScrollBy(image.Pt(0, int(-dy*60)))
		}
	}
	w.mu.Lock()
	src := w.source
	w.mu.Unlock()
	if src == nil {
		return
	}
	img, ver, remote := src.Latest()
	if img == nil || ver == w.remoteVer {
		return
	}
	w.remoteVer = ver
	b := img.Bounds()
	if w.remote == nil || w.remote.Bounds().Size() != b.Size() {
		if w.remote != nil {
			w.remote.Deallocate()
		}
		w.remote = ebiten.NewImage(b.Dx(), b.Dy())
	}
	w.remote.WritePixels(img.Pix[:4*b.Dx()*b.Dy()])
	w.view.Image = b.Size()
	w.view.Remote = remote
}

// ToggleActualSize switches between fit-to-pane and 100% with scrolling.
func (w *Window) toggleActualSize() {
	if w.view.Mode == view.Actual {
		w.view.Mode = view.Fit
	} else {
		w.view.Mode = view.Actual
	}
	w.lastPane = image.Point{} // resend the pane size for the new mode
}

// drawRemote draws the pane background and the remote screen (game goroutine).
func (w *Window) drawRemote(screen *ebiten.Image) {
	if w.full {
		w.updatePane()
	}
	area := w.view.Pane
	if w.full {
		area = screen.Bounds()
	}
	screen.SubImage(area).(*ebiten.Image).Fill(w.style.pane)
	if w.remote == nil {
		return
	}
	scale, off := w.view.Transform()
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Scale(scale, scale)
	op.GeoM.Translate(float64(off.X), float64(off.Y))
	if scale < 1 {
		op.Filter = ebiten.FilterLinear
	}
	screen.SubImage(area).(*ebiten.Image).DrawImage(w.remote, op)
}

// PaneToRemote maps a window point to the remote screen pixel under it; ok
// is false outside the remote image. Game goroutine only (control uses it
// from input handling).
func (w *Window) PaneToRemote(p image.Point) (image.Point, bool) { return w.view.ToRemote(p) }
