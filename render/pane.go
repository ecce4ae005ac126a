package render

import (
	"errors"
	"image"
	"image/color"
	"log/slog"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/internal/wake"
	"github.com/ra-p2p/ra-p2p/render/view"
	"github.com/ra-p2p/ra-p2p/render/xpane"
)

// paneRect is where the remote screen goes: right of the left panel.
func (w *HelperWindow) paneRect() image.Rectangle {
	ww, wh := ebiten.WindowSize()
	if b := w.left.GetWidget().Rect; !b.Empty() {
		return image.Rect(b.Max.X, 0, max(ww, b.Max.X), wh)
	}
	return image.Rect(leftWidth, 0, max(ww, leftWidth), wh)
}

// updatePane picks up a new frame and pane size (game goroutine).
func (w *HelperWindow) updatePane() {
	ww, wh := ebiten.WindowSize()
	w.view.Window = image.Pt(ww, wh)
	w.view.Pane = w.paneRect()
	if w.full {
		w.view.Mode = view.Full
	} else if w.view.Mode == view.Full {
		w.view.Mode = view.Fit
	}
	// Fit asks the sender for frames the size of the pane; actual size and
	// full window want every pixel.
	want := image.Point{}
	if w.view.Mode == view.Fit {
		want = w.view.Pane.Size()
	}
	if want != w.lastPane && w.cfg.PaneSize != nil {
		w.lastPane = want
		w.cfg.PaneSize(want.X, want.Y)
	}
	if w.view.Mode == view.Actual {
		_, dy := ebiten.Wheel()
		if dy != 0 && image.Pt(ebiten.CursorPosition()).In(w.view.Pane) {
			w.view.ScrollBy(image.Pt(0, int(-dy*60)))
		}
	}
	w.mu.Lock()
	src, xp, info := w.source, w.xp, w.xpInfo
	w.mu.Unlock()
	if src == nil {
		return
	}
	// After the session the last frame stays, dimmed and marked, drawn by
	// OpenGL (the X pane hides, as under a dialog): it must not look live.
	w.ended = !w.connectedNow
	if w.placeXPane(xp, info) {
		return
	}
	w.frameMu.Lock()
	defer w.frameMu.Unlock()
	src.WithLatest(func(f desktop.View) { w.takeFrame(src, xp, f) })
}

// takeFrame takes what the OpenGL pane draws from f: the pointer, and the
// cells of the image that changed into the texture (game goroutine, with
// frameMu held; f's image is lent for the call).
func (w *HelperWindow) takeFrame(src FrameSource, xp *xpane.Pane, f desktop.View) {
	w.frame = f
	w.frame.Image, w.frame.Cells = nil, nil // lent: not for after the call
	if xp != nil && f.Image != nil && w.setXPaneInfo(f) && len(w.open) == 0 {
		ebiten.ScheduleFrame() // the next Update may hand the pane to X
	}
	img, ver, remote := f.Image, f.Version, f.Screen
	if f.Cursor.Shape != nil && f.Cursor.Shape != w.cursorSrc {
		w.cursorSrc = f.Cursor.Shape
		if w.cursorImg != nil {
			w.cursorImg.Deallocate()
		}
		w.cursorImg = ebiten.NewImageFromImage(f.Cursor.Shape)
	}
	if src != w.remoteSrc { // a new session: its versions count again
		w.remoteSrc, w.remoteVer = src, 0
	}
	if img == nil || ver == w.remoteVer {
		return
	}
	b := img.Bounds()
	if w.remote == nil || w.remote.Bounds().Size() != b.Size() {
		if w.remote != nil {
			w.remote.Deallocate()
		}
		// Its own texture: in Ebiten's shared atlas, one screen-sized
		// image grew the atlas to 4096x2560 (40 MB of llvmpipe memory).
		w.remote = ebiten.NewImageWithOptions(image.Rectangle{Max: b.Size()}, &ebiten.NewImageOptions{Unmanaged: true})
		w.remoteVer = 0
	}
	w.upload(f)
	w.remoteVer = ver
	w.view.Image = b.Size()
	w.view.Remote = remote
}

// upload copies to the texture the cells of f that changed since the
// version it holds (f.Cells), all of them when it holds none or f cannot
// say (no Cells, a version that went back). With software GL (Mesa) a
// whole-frame upload per update was most of the viewer's CPU, and most
// updates change a few cells. A whole frame goes cell by cell too: Ebiten
// keeps each buffer written in its pool, and a frame-sized one stayed
// there for good.
func (w *HelperWindow) upload(f desktop.View) {
	img := f.Image
	b := img.Bounds()
	const side = desktop.CellSize
	cols, rows := (b.Dx()+side-1)/side, (b.Dy()+side-1)/side
	cells := f.Cells
	if w.remoteVer == 0 || f.Version < w.remoteVer || len(cells) != cols*rows {
		cells = nil
	}
	for i := range cols * rows {
		if cells != nil && cells[i] <= w.remoteVer {
			continue
		}
		x, y := b.Min.X+i%cols*side, b.Min.Y+i/cols*side
		r := image.Rect(x, y, min(x+side, b.Max.X), min(y+side, b.Max.Y))
		w.tileBuf = w.tileBuf[:0]
		for row := r.Min.Y; row < r.Max.Y; row++ {
			o := img.PixOffset(r.Min.X, row)
			w.tileBuf = append(w.tileBuf, img.Pix[o:o+4*r.Dx()]...)
		}
		w.remote.SubImage(r.Sub(b.Min)).(*ebiten.Image).WritePixels(w.tileBuf)
	}
}

// ToggleActualSize switches between fit-to-pane and 100% with scrolling.
func (w *HelperWindow) toggleActualSize() {
	if w.view.Mode == view.Actual {
		w.view.Mode = view.Fit
	} else {
		w.view.Mode = view.Actual
	}
}

// drawRemote draws the pane background and the remote screen (game goroutine).
func (w *HelperWindow) drawRemote(screen *ebiten.Image) {
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
	if w.ended {
		op.ColorScale.Scale(disconnectedDim, disconnectedDim, disconnectedDim, 1)
	}
	pane := screen.SubImage(area).(*ebiten.Image)
	pane.DrawImage(w.remote, op)
	if w.ended {
		w.drawDisconnected(pane, area)
		return
	}
	w.drawCursor(pane, scale, off)
}

// disconnectedDim is how bright the last frame stays after the session
// ended: dark enough to read as "not live", light enough to recognise.
const disconnectedDim = 0.4

// drawDisconnected says "Disconnected" in a box in the middle of the pane.
func (w *HelperWindow) drawDisconnected(pane *ebiten.Image, area image.Rectangle) {
	const label, pad = "Disconnected", 14
	tw, th := text.Measure(label, w.style.face, 0)
	box := image.Rect(0, 0, int(tw)+2*pad, int(th)+2*pad)
	box = box.Add(area.Min.Add(area.Size().Sub(box.Size()).Div(2)))
	pane.SubImage(box).(*ebiten.Image).Fill(w.style.pane)
	op := &text.DrawOptions{}
	op.GeoM.Translate(float64(box.Min.X+pad), float64(box.Min.Y+pad))
	op.ColorScale.ScaleWithColor(color.White)
	text.Draw(pane, label, w.style.face, op)
}

// drawCursor draws the remote pointer where it is on the remote screen.
func (w *HelperWindow) drawCursor(pane *ebiten.Image, scale float64, off image.Point) {
	f := w.frame
	if w.cursorImg == nil || !f.Cursor.Visible || f.Screen.X <= 0 || w.view.Image.X <= 0 {
		return
	}
	// Remote pixels → received image pixels → window pixels; the pointer
	// keeps its own size so it stays readable when the screen is scaled.
	k := float64(w.view.Image.X) / float64(f.Screen.X) * scale
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Translate(float64(f.Cursor.X)*k-float64(f.Cursor.HotX)+float64(off.X), float64(f.Cursor.Y)*k-float64(f.Cursor.HotY)+float64(off.Y))
	pane.DrawImage(w.cursorImg, op)
}

// PaneToRemote maps a window point to the remote screen pixel under it; ok
// is false outside the remote image. Game goroutine only (control uses it
// from input handling).
func (w *HelperWindow) PaneToRemote(p image.Point) (image.Point, bool) { return w.view.ToRemote(p) }

// xpaneInfo is what the window must know of the remote image to lay out
// the pane and map input while the X pane draws it.
type xpaneInfo struct {
	image, remote image.Point
}

// setXPaneInfo records f's sizes; it reports whether they changed. The
// caller holds frameMu.
func (w *HelperWindow) setXPaneInfo(f desktop.View) bool {
	info := xpaneInfo{image: f.Image.Bounds().Size(), remote: f.Screen}
	w.mu.Lock()
	defer w.mu.Unlock()
	changed := info != w.xpInfo
	w.xpInfo = info
	return changed
}

// placeXPane hands the pane to the X child window when it can draw it (the
// image at 100%, nothing drawn over the pane) and reports whether it does;
// otherwise it hides the child and the caller draws with OpenGL (game
// goroutine).
func (w *HelperWindow) placeXPane(xp *xpane.Pane, info xpaneInfo) bool {
	if xp == nil {
		return false
	}
	// The view is in Ebiten's device-independent pixels; the child window
	// is placed in X pixels. They agree only at a scale factor of 1 (HiDPI
	// setups keep the OpenGL path).
	if m := ebiten.Monitor(); len(w.open) == 0 && !w.ended && info.image.X > 0 && m != nil && m.DeviceScaleFactor() == 1 {
		w.view.Image, w.view.Remote = info.image, info.remote
		if scale, off := w.view.Transform(); scale == 1 {
			area := w.view.Pane
			if w.full {
				area = image.Rectangle{Max: w.view.Window}
			}
			if xp.Place(true, area, off) {
				wake.Signal(w.xpWake)
			}
			w.xpOn = true
			if w.remote != nil {
				// X draws the pane now: the texture would only hold memory
				// (4 bytes a pixel) until a fallback, which uploads the
				// whole frame again anyway.
				w.remote.Deallocate()
				w.remote, w.remoteVer = nil, 0
			}
			return true
		}
	}
	if w.xpOn {
		xp.Place(false, image.Rectangle{}, image.Point{})
		w.xpOn = false
		// The texture missed the updates the child drew: upload it whole.
		w.remoteVer = 0
	}
	return false
}

// xpaneLoop opens the X child window once the game window is shown, then
// draws each new remote frame into it while it is shown, from this
// goroutine: the game loop is not woken for remote frames at all.
// HelperConfig.GLPane keeps the OpenGL path (for comparison).
func (w *HelperWindow) xpaneLoop(stop <-chan struct{}) {
	xp, err := whenShown(stop, func() (*xpane.Pane, error) { return xpane.Open("", w.cfg.Title, rgb(w.style.pane), nil) },
		func(err error) bool { return errors.Is(err, xpane.ErrUnsupported) })
	if err != nil {
		if err != errStopped {
			slog.Info("the remote screen is drawn with OpenGL", "why", err)
		}
		return
	}
	w.mu.Lock()
	w.xp = xp
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.xp = nil
		w.mu.Unlock()
		xp.Close()
	}()
	w.Refresh()
	var shownFrom FrameSource
	for {
		select {
		case <-stop:
			return
		case <-w.xpWake:
		}
		if !xp.Visible() {
			continue
		}
		w.frameMu.Lock()
		w.mu.Lock()
		src := w.source
		w.mu.Unlock()
		changed := false
		if src != nil {
			src.WithLatest(func(f desktop.View) {
				if f.Image == nil {
					return
				}
				if src != shownFrom { // a new session: its versions count again
					xp.Redraw()
					shownFrom = src
				}
				xp.Show(xpane.Frame{Image: f.Image, Version: f.Version, Cells: f.Cells}, xpaneCursor(f))
				changed = w.setXPaneInfo(f)
			})
		}
		w.frameMu.Unlock()
		if changed {
			w.Refresh() // a new size: the game goroutine lays the pane out again
		}
	}
}

// errStopped is whenShown's error when the window closed first.
var errStopped = errors.New("render: the window closed")

// whenShown calls open every 50 ms until it succeeds (the game window
// must be on screen first), stop is closed (errStopped), or it has failed
// for 10 s or in a way final (may be nil) says will not change.
func whenShown[T any](stop <-chan struct{}, open func() (T, error), final func(error) bool) (T, error) {
	for tries := 0; ; tries++ {
		select {
		case <-stop:
			var zero T
			return zero, errStopped
		case <-time.After(50 * time.Millisecond):
		}
		v, err := open()
		if err == nil || tries > 200 || final != nil && final(err) {
			return v, err
		}
	}
}

// RemoteChanged tells the window a new remote frame or pointer state is
// ready: the X pane draws it at once, or the game loop is woken.
func (w *HelperWindow) RemoteChanged() {
	w.mu.Lock()
	xp := w.xp
	w.mu.Unlock()
	if xp != nil && xp.Visible() {
		wake.Signal(w.xpWake)
		return
	}
	w.Refresh()
}

// xpaneCursor places the remote pointer in received-image pixels, as
// drawCursor does.
func xpaneCursor(f desktop.View) xpane.Cursor {
	if !f.Cursor.Visible || f.Cursor.Shape == nil || f.Screen.X <= 0 {
		return xpane.Cursor{}
	}
	k := float64(f.Image.Bounds().Dx()) / float64(f.Screen.X)
	return xpane.Cursor{Visible: true, Shape: f.Cursor.Shape,
		At: image.Pt(int(float64(f.Cursor.X)*k)-f.Cursor.HotX, int(float64(f.Cursor.Y)*k)-f.Cursor.HotY)}
}

func rgb(c color.Color) uint32 {
	r, g, b, _ := c.RGBA()
	return (r>>8)<<16 | (g>>8)<<8 | b>>8
}
