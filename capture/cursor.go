//go:build !windows

package capture

import (
	"fmt"
	"image"
	"log/slog"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xproto"
)

// cursorState follows the displayed cursor through XFixes: the server sends a
// CursorNotify event whenever the cursor shape changes, and only then is the
// (comparatively large) cursor image fetched.
type cursorState struct {
	ok     bool // XFixes is available and we are subscribed
	fetch  bool // fetch the image at the next Grab
	resend bool // hand out the current shape again at the next Grab
	serial uint32
	hotX   int
	hotY   int
	blank  bool        // the current shape has no visible pixel
	shape  *image.RGBA // current shape, never handed out (copies are)
}

// watchCursor subscribes conn to the cursor's shape changes on root
// (XFixes CursorNotify).
func watchCursor(conn *xgb.Conn, root xproto.Window) error {
	err := xfixes.Init(conn)
	if err == nil {
		// XFixes requires the client to announce its version first.
		_, err = xfixes.QueryVersion(conn, 4, 0).Reply()
	}
	if err == nil {
		err = xfixes.SelectCursorInputChecked(conn, root, xfixes.CursorNotifyMaskDisplayCursor).Check()
	}
	return err
}

// start subscribes to cursor changes on root. Without XFixes the cursor is
// still reported (position, Visible), just never its shape.
func (c *cursorState) start(conn *xgb.Conn, root xproto.Window) {
	if err := watchCursor(conn, root); err != nil {
		slog.Debug("capture: no XFixes, cursor shape will not be captured", "err", err)
		return
	}
	c.ok = true
	c.fetch = true
}

// event handles one X event; it reports whether the event was a cursor one.
func (c *cursorState) event(ev xgb.Event) bool {
	cn, ok := ev.(xfixes.CursorNotifyEvent)
	if !ok {
		return false
	}
	if cn.CursorSerial != c.serial || c.shape == nil {
		c.fetch = true
	}
	return true
}

// refresh fetches the cursor image if it changed and returns a shape to hand
// out with this frame (nil if none is due).
func (c *cursorState) refresh(conn *xgb.Conn) (*image.RGBA, error) {
	if !c.ok {
		return nil, nil
	}
	if c.fetch {
		rep, err := xfixes.GetCursorImage(conn).Reply()
		if err != nil {
			return nil, fmt.Errorf("capture: getting cursor image: %w", err)
		}
		c.fetch = false
		changed := c.shape == nil || rep.CursorSerial != c.serial
		c.serial = rep.CursorSerial
		c.hotX, c.hotY = int(rep.Xhot), int(rep.Yhot)
		c.shape, c.blank = cursorRGBA(int(rep.Width), int(rep.Height), rep.CursorImage)
		if changed {
			c.resend = true
		}
	}
	if !c.resend || c.shape == nil {
		return nil, nil
	}
	c.resend = false
	out := &image.RGBA{
		Pix:    append([]byte(nil), c.shape.Pix...),
		Stride: c.shape.Stride,
		Rect:   c.shape.Rect,
	}
	return out, nil
}

// cursorRGBA converts XFixes' ARGB32 words (premultiplied alpha) to an
// image.RGBA (also premultiplied, so no arithmetic is needed) and reports
// whether every pixel is fully transparent, which is how X programs hide the
// pointer.
func cursorRGBA(w, h int, argb []uint32) (*image.RGBA, bool) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	blank := true
	for i, v := range argb[:min(len(argb), w*h)] {
		p := img.Pix[4*i : 4*i+4 : 4*i+4]
		p[0], p[1], p[2], p[3] = byte(v>>16), byte(v>>8), byte(v), byte(v>>24)
		if v>>24 != 0 {
			blank = false
		}
	}
	return img, blank
}
