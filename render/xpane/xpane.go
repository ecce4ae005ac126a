package xpane

import (
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"slices"
	"sync"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/shm"
	"github.com/jezek/xgb/xproto"
	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/internal/xshm"
	"github.com/ra-p2p/ra-p2p/render/xwin"
)

// Tile is the side of the squares sent again when they changed: the
// frame's cells (desktop.CellSize).
const Tile = desktop.CellSize

// Frame is an image to show and what changed in it since earlier ones of
// the same source (desktop.View's fields of those names). Without Cells,
// or when Version is 0, the whole image counts as changed.
type Frame struct {
	Image   *image.RGBA
	Version uint64
	Cells   []uint64
}

// Cursor is the remote pointer as drawn over the image: Shape (premultiplied
// RGBA) with its top-left at At, in image pixels.
type Cursor struct {
	Visible bool
	At      image.Point
	Shape   *image.RGBA
}

func (c Cursor) rect() image.Rectangle {
	if !c.Visible || c.Shape == nil {
		return image.Rectangle{}
	}
	return image.Rectangle{Min: c.At, Max: c.At.Add(c.Shape.Rect.Size())}
}

// Pane is the child window. Its methods may be called from any goroutine.
type Pane struct {
	conn   *xgb.Conn
	parent xproto.Window
	win    xproto.Window
	gc     xproto.Gcontext
	depth  byte
	maxReq int // bytes of pixels one PutImage may carry
	log    *slog.Logger
	useShm bool // the display is on this machine and has MIT-SHM

	mu      sync.Mutex
	visible bool
	rect    image.Rectangle // the child, in parent-window pixels
	origin  image.Point     // the image's top-left, in child pixels
	size    image.Point     // the size of the image shown; zero: none yet
	version uint64          // the Frame.Version shown
	full    bool            // the child must be repainted whole at the next Show
	shown   *image.RGBA     // without shared memory: what the child shows, without the pointer
	cursor  Cursor          // the pointer as drawn
	buf     []byte
	seg     *xshm.Segment // what is shown, as the server's pixels, with the pointer; nil: PutImage from shown
	closed  bool
	done    chan struct{}
}

// ErrUnsupported means the display's pixel format is not the 24-bit
// true-colour one this package writes; the caller draws with OpenGL.
var ErrUnsupported = errors.New("xpane: unsupported X visual")

// Open connects to display ("" means $DISPLAY), finds this process's
// top-level window titled title (GLFW sets _NET_WM_PID) and creates the
// hidden child window in it, with background bg (0xRRGGBB).
func Open(display, title string, bg uint32, log *slog.Logger) (*Pane, error) {
	if log == nil {
		log = slog.Default()
	}
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("connecting to the X display: %w", err)
	}
	p := &Pane{conn: conn, log: log, done: make(chan struct{})}
	if err := p.init(title, bg); err != nil {
		conn.Close()
		return nil, err
	}
	// Through shared memory the pixels need no request buffer (xgb makes
	// a new one for each PutImage: ~20 MB/s of garbage while viewing, 81 %
	// of the helper's) and no copy through the socket.
	if err := xshm.Usable(conn, display); err != nil {
		log.Debug("xpane: pixels go by PutImage", "reason", err)
	} else {
		p.useShm = true
	}
	go p.events()
	return p, nil
}

func (p *Pane) init(title string, bg uint32) error {
	setup := xproto.Setup(p.conn)
	scr := setup.DefaultScreen(p.conn)
	if setup.ImageByteOrder != xproto.ImageOrderLSBFirst {
		return fmt.Errorf("%w: image byte order is MSB first", ErrUnsupported)
	}
	bpp := 0
	for _, f := range setup.PixmapFormats {
		if f.Depth == 24 {
			bpp = int(f.BitsPerPixel)
		}
	}
	if bpp != 32 {
		return fmt.Errorf("%w: depth 24 uses %d bits per pixel", ErrUnsupported, bpp)
	}
	// One request may carry MaximumRequestLength 4-byte units; keep room
	// for the PutImage header.
	p.maxReq = int(setup.MaximumRequestLength)*4 - 64
	parent, err := xwin.Find(p.conn, title)
	if err != nil {
		return err
	}
	p.parent = parent
	attrs, err := xproto.GetWindowAttributes(p.conn, parent).Reply()
	if err != nil {
		return fmt.Errorf("reading the window's attributes: %w", err)
	}
	if !rgbVisual(scr, attrs.Visual) {
		return fmt.Errorf("%w: the window's visual is not 24-bit true colour", ErrUnsupported)
	}
	p.depth = 24
	if p.win, err = xproto.NewWindowId(p.conn); err != nil {
		return fmt.Errorf("allocating a window id: %w", err)
	}
	// No input events are selected, so pointer and key events over the
	// child propagate to the parent (the game window) unchanged.
	err = xproto.CreateWindowChecked(p.conn, xproto.WindowClassCopyFromParent, p.win, parent, 0, 0, 1, 1, 0,
		xproto.WindowClassInputOutput, xproto.WindowClassCopyFromParent,
		xproto.CwBackPixel|xproto.CwEventMask, []uint32{bg, xproto.EventMaskExposure}).Check()
	if err != nil {
		return fmt.Errorf("creating the pane window: %w", err)
	}
	if p.gc, err = xproto.NewGcontextId(p.conn); err != nil {
		return fmt.Errorf("allocating a graphics context: %w", err)
	}
	if err := xproto.CreateGCChecked(p.conn, p.gc, xproto.Drawable(p.win),
		xproto.GcGraphicsExposures, []uint32{0}).Check(); err != nil {
		return fmt.Errorf("creating a graphics context: %w", err)
	}
	return nil
}

// rgbVisual says whether visual id v is 24-bit TrueColor with red in the
// high byte (what the pixel loop below writes).
func rgbVisual(scr *xproto.ScreenInfo, v xproto.Visualid) bool {
	for _, d := range scr.AllowedDepths {
		for _, vis := range d.Visuals {
			if vis.VisualId == v {
				return d.Depth == 24 && vis.Class == xproto.VisualClassTrueColor &&
					vis.RedMask == 0xff0000 && vis.GreenMask == 0xff00 && vis.BlueMask == 0xff
			}
		}
	}
	return false
}

// events repaints exposed parts (from what is shown) and logs X errors
// of unchecked requests; xgb's event queue must be drained anyway.
func (p *Pane) events() {
	defer close(p.done)
	for {
		ev, xerr := p.conn.WaitForEvent()
		if ev == nil && xerr == nil {
			return // connection closed
		}
		if xerr != nil {
			p.log.Debug("X error in the remote pane", "err", xerr)
			continue
		}
		if e, ok := ev.(xproto.ExposeEvent); ok {
			p.mu.Lock()
			if p.visible && p.size != (image.Point{}) {
				r := image.Rect(int(e.X), int(e.Y), int(e.X)+int(e.Width), int(e.Y)+int(e.Height))
				p.putRect(r.Sub(p.origin).Intersect(image.Rectangle{Max: p.size}), nil)
			}
			p.mu.Unlock()
		}
	}
}

// Place shows the child at r (parent-window pixels) with the image's
// top-left at origin (parent-window pixels), or hides it. It reports
// whether the caller must Show a frame so the child is painted.
func (p *Pane) Place(visible bool, r image.Rectangle, origin image.Point) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	if !visible || r.Empty() {
		if p.visible {
			xproto.UnmapWindow(p.conn, p.win)
			p.visible = false
		}
		p.full = true
		return false
	}
	childOrigin := origin.Sub(r.Min)
	if p.visible && r == p.rect && childOrigin == p.origin {
		return false
	}
	if r != p.rect {
		xproto.ConfigureWindow(p.conn, p.win,
			xproto.ConfigWindowX|xproto.ConfigWindowY|xproto.ConfigWindowWidth|xproto.ConfigWindowHeight,
			[]uint32{uint32(int32(r.Min.X)), uint32(int32(r.Min.Y)), uint32(r.Dx()), uint32(r.Dy())})
	}
	if p.visible && childOrigin != p.origin {
		// Scrolled: clear to the background, then everything is put anew.
		xproto.ClearArea(p.conn, false, p.win, 0, 0, 0, 0)
	}
	p.rect, p.origin = r, childOrigin
	if !p.visible {
		xproto.MapWindow(p.conn, p.win)
		p.visible = true
	}
	p.full = true
	// Repaint at once from what was shown, if it is still the picture;
	// the caller's Show brings it up to date.
	if p.size != (image.Point{}) {
		p.putRect(image.Rectangle{Max: p.size}, nil)
		p.full = false
	}
	return true
}

// Visible says whether the child is shown.
func (p *Pane) Visible() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.visible
}

// Show puts the cells of f that changed since the frame shown before, and
// the parts under the pointer when it moved or changed, to the child.
// f.Image is only read during the call. It does nothing while the child is
// hidden; the first Show after that catches up from the version shown.
func (p *Pane) Show(f Frame, cur Cursor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	img := f.Image
	if p.closed || !p.visible || img == nil {
		return
	}
	b := img.Rect.Sub(img.Rect.Min)
	if p.size != b.Max {
		if p.size != (image.Point{}) {
			xproto.ClearArea(p.conn, false, p.win, 0, 0, 0, 0)
		}
		p.size = b.Max
		p.full = true
		p.newSegment(b.Size())
		if p.seg == nil {
			p.shown = image.NewRGBA(b)
		} else {
			p.shown = nil
		}
	}
	cols := (b.Dx() + Tile - 1) / Tile
	cells := f.Cells
	if f.Version == 0 || f.Version < p.version || len(cells) != cols*((b.Dy()+Tile-1)/Tile) {
		cells = nil // an unknown or another source's frame: everything is new
	}
	all := p.full || cells == nil && f.Version != p.version || f.Version == 0
	oldCur, newCur := p.cursor.rect(), cur.rect()
	curChanged := oldCur != newCur || p.cursor.Shape != cur.Shape
	p.cursor = cur
	limit := p.maxReq // bytes one request may carry
	if p.seg != nil {
		limit = math.MaxInt // a request names the pixels, it does not carry them
	}
	for ty, row := 0, 0; ty < b.Dy(); ty, row = ty+Tile, row+1 {
		th := min(Tile, b.Dy()-ty)
		run := image.Rectangle{}
		for tx, col := 0, 0; tx < b.Dx(); tx, col = tx+Tile, col+1 {
			tw := min(Tile, b.Dx()-tx)
			t := image.Rect(tx, ty, tx+tw, ty+th)
			changed := all || cells != nil && cells[row*cols+col] > p.version ||
				curChanged && (t.Overlaps(oldCur) || t.Overlaps(newCur))
			// Runs of changed tiles in a row go in one request.
			switch {
			case !changed:
				p.putRect(run, img)
				run = image.Rectangle{}
			case run.Empty():
				run = t
			case 4*(run.Dx()+tw)*th > limit:
				p.putRect(run, img)
				run = t
			default:
				run.Max.X = t.Max.X
			}
		}
		p.putRect(run, img)
	}
	p.full, p.version = false, f.Version
}

// Redraw makes the next Show put the whole image: its frame comes from a
// new source, whose versions count from 1 again.
func (p *Pane) Redraw() {
	p.mu.Lock()
	p.full = true
	p.mu.Unlock()
}

// newSegment makes the shared memory for an image of size (the old one,
// if any, is released first); without it, or if it cannot be had, the
// pixels go by PutImage. The caller holds mu.
func (p *Pane) newSegment(size image.Point) {
	if p.seg != nil {
		if err := p.seg.Release(p.conn); err != nil {
			p.log.Debug("xpane: releasing the shared memory", "err", err)
		}
		p.seg = nil
	}
	if !p.useShm {
		return
	}
	seg, err := xshm.New(p.conn, 4*size.X*size.Y)
	if err != nil {
		p.log.Info("xpane: no shared memory for the remote screen; drawing through the X socket", "err", err)
		p.useShm = false
		return
	}
	p.seg = seg
}

// putRect sends r (image pixels) of img, with the pointer drawn over it,
// to the child; with a nil img, what the child was last sent there (an
// expose, a move). The caller holds mu.
func (p *Pane) putRect(r image.Rectangle, img *image.RGBA) {
	if r.Empty() || p.size == (image.Point{}) {
		return
	}
	dx, dy := int16(p.origin.X+r.Min.X), int16(p.origin.Y+r.Min.Y)
	w, h := p.size.X, p.size.Y
	if p.seg != nil {
		// The segment holds what was sent, as the server's pixels. The
		// server reads it when it gets to the request; if a later Show has
		// written newer pixels there by then, it shows those, which that
		// Show sends again anyway.
		if img != nil {
			bgrx(p.seg.Mem[4*(r.Min.Y*w+r.Min.X):], 4*w, img, r.Add(img.Rect.Min), p.cursor, img.Rect.Min)
		}
		shm.PutImage(p.conn, xproto.Drawable(p.win), p.gc, uint16(w), uint16(h),
			uint16(r.Min.X), uint16(r.Min.Y), uint16(r.Dx()), uint16(r.Dy()), dx, dy,
			p.depth, xproto.ImageFormatZPixmap, 0, p.seg.Seg, 0)
		return
	}
	if img != nil {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			copy(p.shown.Pix[p.shown.PixOffset(r.Min.X, y):][:4*r.Dx()], img.Pix[img.PixOffset(img.Rect.Min.X+r.Min.X, img.Rect.Min.Y+y):])
		}
	}
	// A rectangle bigger than one request is sent in bands of rows.
	rows := max(1, p.maxReq/(4*r.Dx()))
	for y0 := r.Min.Y; y0 < r.Max.Y; y0 += rows {
		band := image.Rect(r.Min.X, y0, r.Max.X, min(y0+rows, r.Max.Y))
		p.buf = slices.Grow(p.buf[:0], 4*band.Dx()*band.Dy())[:4*band.Dx()*band.Dy()]
		bgrx(p.buf, 4*band.Dx(), p.shown, band, p.cursor, image.Point{})
		xproto.PutImage(p.conn, xproto.ImageFormatZPixmap, xproto.Drawable(p.win), p.gc,
			uint16(band.Dx()), uint16(band.Dy()), dx, int16(p.origin.Y+band.Min.Y),
			0, p.depth, p.buf)
	}
}

// bgrx writes r of img into dst, a row every stride bytes, as the X
// server's 32-bit pixels (B, G, R, unused), with the pointer blended over
// it (its shape is premultiplied; its place is in pixels from img's
// origin o).
func bgrx(dst []byte, stride int, img *image.RGBA, r image.Rectangle, cur Cursor, o image.Point) {
	cur.At = cur.At.Add(o)
	cr := cur.rect().Intersect(r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):][:4*r.Dx()]
		out := dst[(y-r.Min.Y)*stride:][:4*r.Dx()]
		for i := 0; i < len(row); i += 4 {
			out[i], out[i+1], out[i+2], out[i+3] = row[i+2], row[i+1], row[i], 0
		}
		if y < cr.Min.Y || y >= cr.Max.Y {
			continue
		}
		for x := cr.Min.X; x < cr.Max.X; x++ {
			s := cur.Shape.Pix[cur.Shape.PixOffset(cur.Shape.Rect.Min.X+x-cur.At.X, cur.Shape.Rect.Min.Y+y-cur.At.Y):]
			a := 255 - uint32(s[3])
			d := out[4*(x-r.Min.X):]
			d[0] = byte(uint32(s[2]) + uint32(d[0])*a/255)
			d[1] = byte(uint32(s[1]) + uint32(d[1])*a/255)
			d[2] = byte(uint32(s[0]) + uint32(d[2])*a/255)
		}
	}
}

// Close destroys the child window and closes the connection.
func (p *Pane) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed, p.visible = true, false
	if p.seg != nil {
		p.useShm = false
		p.newSegment(image.Point{}) // releases it
	}
	xproto.DestroyWindow(p.conn, p.win)
	xproto.GetInputFocus(p.conn).Reply() // the destroy is done before the connection goes
	p.mu.Unlock()
	p.conn.Close()
	<-p.done
}
