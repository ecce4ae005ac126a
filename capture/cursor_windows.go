package capture

import (
	"image"
	"log/slog"
	"time"
	"unsafe"

	"github.com/ra-p2p/ra-p2p/desktop"
)

// winCursor follows the pointer: where it is at every Grab (GetCursorInfo)
// and, when its handle changes, what it looks like. Windows hands out no
// cursor image in one piece (a colour bitmap and an AND/XOR mask, or a
// monochrome mask alone), so the shape is drawn twice with DrawIconEx,
// over black and over white: what is drawn over black is the
// premultiplied colour, and how much lighter the white drawing is says
// how transparent each pixel is. A pixel darker over white than over
// black inverts the screen (the text cursor does); it is shown opaque
// black, as X cursors have no inversion either.
type winCursor struct {
	resend bool           // hand out the current shape again at the next read
	last   desktop.Cursor // the last read, without its shape
	readAt time.Time      // when it was read
	handle uintptr        // the cursor whose shape is kept
	serial uint32         // +1 per shape
	hotX   int
	hotY   int
	blank  bool
	shape  *image.RGBA // current shape, never handed out (copies are)

	dc     uintptr // memory DC for drawing shapes, made at the first one
	bitmap uintptr
	old    uintptr
	pix    []byte
	w, h   int
}

// cursorEvery is how often the pointer is really read: as often as the
// X11 capture polls a moving pointer (x0vncserver: 30 ms). A read costs
// 0.5 ms under Wine, a quarter of a hot Grab there, while the screen may be
// polled every 2 ms.
const cursorEvery = 20 * time.Millisecond

// read says where the pointer is, with a copy of its shape when it changed
// since the last read (or resend was set). Within cursorEvery of the last
// read it says what that read said.
func (c *winCursor) read(now time.Time) desktop.Cursor {
	if !c.resend && !c.readAt.IsZero() && now.Sub(c.readAt) < cursorEvery {
		return c.last
	}
	c.readAt = now
	c.last = c.readNow()
	cur := c.last
	c.last.Shape = nil
	return cur
}

func (c *winCursor) readNow() desktop.Cursor {
	ci := cursorInfo{}
	ci.Size = uint32(unsafe.Sizeof(ci))
	if r, _, _ := procGetCursorInfo.Call(uintptr(unsafe.Pointer(&ci))); r == 0 {
		return desktop.Cursor{}
	}
	if ci.Cursor != 0 && ci.Cursor != c.handle {
		if err := c.fetch(ci.Cursor); err != nil {
			slog.Debug("capture: cursor shape not read", "err", err)
		}
		c.handle = ci.Cursor
	}
	cur := desktop.Cursor{
		X: int(ci.X), Y: int(ci.Y),
		Visible: ci.Flags&cursorShowing != 0 && ci.Cursor != 0 && !c.blank,
		Serial:  c.serial,
		HotX:    c.hotX, HotY: c.hotY,
	}
	if c.resend {
		// Cleared with no shape to hand out too (no cursor, or one whose
		// shape could not be read): a resend left pending made every
		// read skip cursorEvery, and under Wine, where the session's
		// pointer has no shape, cost 0.6 ms at every Grab. A shape
		// fetched later sets it again.
		c.resend = false
		if c.shape != nil {
			cur.Shape = &image.RGBA{Pix: append([]byte(nil), c.shape.Pix...), Stride: c.shape.Stride, Rect: c.shape.Rect}
		}
	}
	return cur
}

// fetch reads the shape and hot spot of cursor h.
func (c *winCursor) fetch(h uintptr) error {
	var ii iconInfo
	if r, _, err := procGetIconInfo.Call(h, uintptr(unsafe.Pointer(&ii))); r == 0 {
		return err
	}
	// GetIconInfo hands over copies of the cursor's bitmaps: ours to delete.
	for _, b := range []uintptr{ii.Mask, ii.Color} {
		if b != 0 {
			procDeleteObject.Call(b)
		}
	}
	if err := c.prepare(); err != nil {
		return err
	}
	overBlack := c.draw(h, 0x00)
	overWhite := c.draw(h, 0xff)
	img := image.NewRGBA(image.Rect(0, 0, c.w, c.h))
	blank := true
	for i := 0; i < len(img.Pix); i += 4 {
		b, w := overBlack[i:i+4:i+4], overWhite[i:i+4:i+4] // BGRX
		a := 255 - (int(w[1]) - int(b[1]))                 // green: the channel every cursor colour moves
		switch {
		case a > 255: // darker over white: an inverting pixel
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 0, 0, 0, 255
		default:
			a = max(a, 0)
			// Over black the drawing is colour × alpha: premultiplied already.
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] =
				min(b[2], byte(a)), min(b[1], byte(a)), min(b[0], byte(a)), byte(a)
		}
		if img.Pix[i+3] != 0 {
			blank = false
		}
	}
	c.shape, c.blank = img, blank
	c.hotX, c.hotY = int(ii.HotX), int(ii.HotY)
	c.serial++
	c.resend = true
	return nil
}

// prepare makes the memory DC and bitmap the shapes are drawn into, of the
// system's cursor size.
func (c *winCursor) prepare() error {
	if c.dc != 0 {
		return nil
	}
	cx, _, _ := procGetSystemMetrics.Call(smCXCursor)
	cy, _, _ := procGetSystemMetrics.Call(smCYCursor)
	c.w, c.h = max(int(int32(cx)), 1), max(int(int32(cy)), 1)
	dc, _, err := procCreateCompatibleDC.Call(0)
	if dc == 0 {
		return err
	}
	bi := bitmapInfoHeader{Width: int32(c.w), Height: -int32(c.h), Planes: 1, BitCount: 32, Compression: biRGB}
	bi.Size = uint32(unsafe.Sizeof(bi))
	var bits unsafe.Pointer
	bm, _, err := procCreateDIBSection.Call(dc, uintptr(unsafe.Pointer(&bi)), dibRGBColors, uintptr(unsafe.Pointer(&bits)), 0, 0)
	if bm == 0 || bits == nil {
		procDeleteDC.Call(dc)
		return err
	}
	c.old, _, _ = procSelectObject.Call(dc, bm)
	c.dc, c.bitmap = dc, bm
	c.pix = unsafe.Slice((*byte)(bits), 4*c.w*c.h)
	return nil
}

// draw draws cursor h over a background of grey level bg and returns a
// copy of the pixels (BGRX).
func (c *winCursor) draw(h uintptr, bg byte) []byte {
	procGdiFlush.Call()
	for i := range c.pix {
		c.pix[i] = bg
	}
	procDrawIconEx.Call(c.dc, 0, 0, h, uintptr(c.w), uintptr(c.h), 0, 0, diNormal)
	procGdiFlush.Call()
	return append([]byte(nil), c.pix...)
}

func (c *winCursor) close() {
	if c.dc == 0 {
		return
	}
	procSelectObject.Call(c.dc, c.old)
	procDeleteObject.Call(c.bitmap)
	procDeleteDC.Call(c.dc)
	c.dc, c.bitmap, c.pix = 0, 0, nil
}
