// Package view is the geometry of the windows: where the remote screen is
// drawn in its pane (fit, actual size, full window), the inverse mapping
// from window pixels back to remote-screen pixels, and where a dialog goes
// (dialog.go). Pure arithmetic, no Ebiten, so it is tested anywhere.
package view

import "image"

// Mode is how the remote screen is placed in its pane.
type Mode int

const (
	// Fit scales the remote screen down to fit the pane, keeping its
	// aspect ratio (letterboxed); never scales up, so 100% stays crisp.
	Fit Mode = iota
	// Actual draws at 100% and scrolls when the screen is larger than the pane.
	Actual
	// Full draws at 100% from the window's origin, over the whole window (F11).
	Full
)

// View is the geometry of the remote pane: where the received image is
// drawn and how window pixels map back to remote-screen pixels.
type View struct {
	Mode   Mode
	Pane   image.Rectangle // the pane, in window pixels (ignored in Full: the whole window)
	Window image.Point     // the window size, for Full
	Image  image.Point     // size of the received image (the sender may have scaled it)
	Remote image.Point     // size of the novice's real screen
	Scroll image.Point     // Actual: image pixel at the pane's top-left
}

// area is where the image may be drawn.
func (v View) area() image.Rectangle {
	if v.Mode == Full {
		return image.Rect(0, 0, v.Window.X, v.Window.Y)
	}
	return v.Pane
}

// Transform returns the scale and offset that draw the image: a window pixel
// = offset + image pixel × scale.
func (v View) Transform() (scale float64, offset image.Point) {
	a := v.area()
	if v.Image.X <= 0 || v.Image.Y <= 0 || a.Empty() {
		return 1, a.Min
	}
	switch v.Mode {
	case Full:
		return 1, image.Point{}
	case Actual:
		s := v.clampScroll()
		return 1, a.Min.Sub(s)
	}
	scale = min(float64(a.Dx())/float64(v.Image.X), float64(a.Dy())/float64(v.Image.Y), 1)
	w, h := int(float64(v.Image.X)*scale+0.5), int(float64(v.Image.Y)*scale+0.5)
	return scale, image.Pt(a.Min.X+(a.Dx()-w)/2, a.Min.Y+(a.Dy()-h)/2)
}

// clampScroll keeps the scroll position inside the image.
func (v View) clampScroll() image.Point {
	a := v.area()
	s := v.Scroll
	s.X = max(0, min(s.X, v.Image.X-a.Dx()))
	s.Y = max(0, min(s.Y, v.Image.Y-a.Dy()))
	return s
}

// ScrollBy moves the visible region in Actual by d image pixels, kept inside the image.
func (v *View) ScrollBy(d image.Point) {
	v.Scroll = v.Scroll.Add(d)
	v.Scroll = v.clampScroll()
}

// Drawn is the window rectangle the image covers (clipped to the area).
func (v View) Drawn() image.Rectangle {
	scale, off := v.Transform()
	r := image.Rect(off.X, off.Y, off.X+int(float64(v.Image.X)*scale+0.5), off.Y+int(float64(v.Image.Y)*scale+0.5))
	return r.Intersect(v.area())
}

// ToRemote maps a window pixel to the remote screen's pixel under it, with
// the inverse of the draw transform; ok is false outside the drawn image.
func (v View) ToRemote(p image.Point) (image.Point, bool) {
	if !p.In(v.Drawn()) || v.Image.X <= 0 || v.Image.Y <= 0 {
		return image.Point{}, false
	}
	scale, off := v.Transform()
	// Window → received image (centre of the window pixel), then received
	// image → real screen when the sender scaled it down.
	ix := (float64(p.X-off.X) + 0.5) / scale
	iy := (float64(p.Y-off.Y) + 0.5) / scale
	rx := int(ix * float64(v.Remote.X) / float64(v.Image.X))
	ry := int(iy * float64(v.Remote.Y) / float64(v.Image.Y))
	rx = max(0, min(rx, v.Remote.X-1))
	ry = max(0, min(ry, v.Remote.Y-1))
	return image.Pt(rx, ry), true
}
