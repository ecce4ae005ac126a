package capture

import (
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/shm"
	"github.com/jezek/xgb/xproto"

	"github.com/ra-p2p/ra-p2p/desktop"
)

// ErrClosed is returned by Grab after Close.
var ErrClosed = errors.New("capture: grabber is closed")

// Options configures a Grabber. The zero value is valid.
type Options struct {
	TileSize int // side of the comparison tiles in pixels; 0 = 64

	noShm bool // tests: force the GetImage path
}

// Grabber captures one X screen. Create it with Open.
type Grabber struct {
	reset atomic.Bool // report everything dirty at the next Grab

	mu      sync.Mutex
	conn    *xgb.Conn // nil after Close
	display string    // for messages
	root    xproto.Window
	tile    int
	w, h    int
	stride  int
	bpp     int         // bytes per pixel on the wire, always 4
	pad     int         // scanline pad in bytes
	useShm  bool        // MIT-SHM works on this connection
	seg     *shmSegment // nil without shm
	pix     []byte      // the previous grab, and the frame's Pix
	tiles   tiler
	cursor  cursorState
	damage  damageState
	frame   desktop.Frame
	seq     uint64
}

// Open connects to the X display ("" = $DISPLAY) and prepares to grab its
// default screen. It uses MIT-SHM when the server offers it on a local
// connection and falls back to plain GetImage otherwise (about 10× slower for
// a full screen). It fails on visuals other than little-endian TrueColor with
// 32 bits per pixel.
func Open(display string, opts Options) (*Grabber, error) {
	name := display
	if name == "" {
		name = os.Getenv("DISPLAY")
		if name == "" {
			name = "(DISPLAY is not set)"
		}
	}
	tile := opts.TileSize
	if tile == 0 {
		tile = 64
	}
	if tile < 0 {
		return nil, fmt.Errorf("capture: tile size %d is negative", opts.TileSize)
	}
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("capture: cannot open display %s: %w", name, err)
	}
	g := &Grabber{conn: conn, display: name, tile: tile}
	if err := g.setup(display, opts); err != nil {
		conn.Close()
		return nil, fmt.Errorf("capture: display %s: %w", name, err)
	}
	g.reset.Store(true)
	return g, nil
}

// setup checks the pixel format, reads the screen size and sets up shm and
// the cursor subscription.
func (g *Grabber) setup(display string, opts Options) error {
	info := xproto.Setup(g.conn)
	if g.conn.DefaultScreen >= len(info.Roots) {
		return fmt.Errorf("no screen %d", g.conn.DefaultScreen)
	}
	scr := info.Roots[g.conn.DefaultScreen]
	g.root = scr.Root
	if info.ImageByteOrder != xproto.ImageOrderLSBFirst {
		return errors.New("unsupported pixel format: the X server's image byte order is big-endian (MSBFirst)")
	}
	var vis *xproto.VisualInfo
	for _, d := range scr.AllowedDepths {
		for i := range d.Visuals {
			if d.Visuals[i].VisualId == scr.RootVisual {
				vis = &d.Visuals[i]
			}
		}
	}
	if vis == nil {
		return errors.New("root visual not found in the server's setup")
	}
	if vis.Class != xproto.VisualClassTrueColor || vis.RedMask != 0xff0000 || vis.GreenMask != 0xff00 || vis.BlueMask != 0xff {
		return fmt.Errorf("unsupported root visual (class %d, masks %#x/%#x/%#x, depth %d): need 24-bit TrueColor",
			vis.Class, vis.RedMask, vis.GreenMask, vis.BlueMask, scr.RootDepth)
	}
	for _, f := range info.PixmapFormats {
		if f.Depth == scr.RootDepth {
			g.bpp, g.pad = int(f.BitsPerPixel)/8, int(f.ScanlinePad)/8
		}
	}
	if g.bpp != 4 || g.pad <= 0 {
		return fmt.Errorf("unsupported pixel format: depth %d is stored with %d bits per pixel, need 32", scr.RootDepth, 8*g.bpp)
	}

	geom, err := xproto.GetGeometry(g.conn, xproto.Drawable(g.root)).Reply()
	if err != nil {
		return fmt.Errorf("querying root geometry: %w", err)
	}
	if err := shmUsable(g.conn, display, opts); err != nil {
		slog.Debug("capture: using GetImage", "display", g.display, "reason", err)
	} else {
		g.useShm = true
	}
	g.resizeLocked(int(geom.Width), int(geom.Height))
	if g.useShm {
		slog.Debug("capture: using MIT-SHM", "display", g.display, "width", g.w, "height", g.h)
	}
	g.cursor.start(g.conn, g.root)
	g.damage.start(g.conn, g.root)
	return nil
}

// resizeLocked (re)allocates everything that depends on the screen size and
// makes the next frame a full one. If the shm segment can't be made, it falls
// back to GetImage for good.
func (g *Grabber) resizeLocked(w, h int) {
	g.w, g.h = w, h
	g.stride = (w*g.bpp + g.pad - 1) / g.pad * g.pad
	size := g.stride * h
	if cap(g.pix) < size {
		g.pix = make([]byte, size)
	}
	g.pix = g.pix[:size]
	g.tiles.setSize(w, h, g.tile)
	g.reset.Store(true)
	if g.seg != nil && len(g.seg.mem) != size {
		if err := g.seg.release(g.conn); err != nil {
			slog.Debug("capture: releasing shm segment", "err", err)
		}
		g.seg = nil
	}
	if g.useShm && g.seg == nil {
		seg, err := newShmSegment(g.conn, size)
		if err != nil {
			slog.Debug("capture: MIT-SHM failed, using GetImage", "display", g.display, "err", err)
			g.useShm = false
		} else {
			g.seg = seg
		}
	}
}

// Size returns the screen size as of the last Grab (or Open).
func (g *Grabber) Size() (w, h int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.w, g.h
}

// Reset makes the next Grab report the whole screen dirty and include the
// cursor shape: a key frame. Safe to call from any goroutine, even during Grab.
func (g *Grabber) Reset() {
	g.reset.Store(true)
}

// Grab captures the whole root window and compares it with the previous grab.
//
// The frame's Dirty lists the regions changed since the previous Grab (the
// whole screen on the first Grab, after Reset and after a screen size
// change): tiles of Options.TileSize merged into rectangles, clipped to the
// screen, never overlapping. Its Cursor.Shape is set on the first Grab,
// after Reset and when the shape changed (never without XFixes); it is newly
// allocated and may be kept. Its Seq is 1 for the first Grab, then +1 per
// Grab. The Frame, its Pix and its Dirty are reused by the next Grab (see
// the package documentation, Ownership).
func (g *Grabber) Grab() (*desktop.Frame, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.conn == nil {
		return nil, ErrClosed
	}

	var (
		src []byte
		ptr *xproto.QueryPointerReply
	)
	// xgb's event queue is bounded and its reader stops (and with it every
	// reply) when the queue is full: empty it before waiting for replies, in
	// case many cursor changes piled up while nobody called Grab.
	g.drainEventsLocked()
	all := g.reset.Swap(false)
	// Nothing drawn since the last copy: only the pointer is asked.
	copyScreen := all || g.damage.needGrab()
	for attempt := 0; ; attempt++ {
		// Three requests in flight at once: one round trip in all. The
		// geometry is asked first so that a size change (RandR) is seen
		// before the image is trusted.
		geomC := xproto.GetGeometry(g.conn, xproto.Drawable(g.root))
		ptrC := xproto.QueryPointer(g.conn, g.root)
		var (
			shmC shm.GetImageCookie
			imgC xproto.GetImageCookie
		)
		if copyScreen {
			g.damage.repair(g.conn)
		}
		switch {
		case !copyScreen:
		case g.seg != nil:
			shmC = shm.GetImage(g.conn, xproto.Drawable(g.root), 0, 0, uint16(g.w), uint16(g.h),
				^uint32(0), xproto.ImageFormatZPixmap, g.seg.seg, 0)
		default:
			imgC = xproto.GetImage(g.conn, xproto.ImageFormatZPixmap, xproto.Drawable(g.root), 0, 0,
				uint16(g.w), uint16(g.h), ^uint32(0))
		}
		geom, gerr := geomC.Reply()
		var perr, ierr error
		ptr, perr = ptrC.Reply()
		switch {
		case !copyScreen:
		case g.seg != nil:
			var rep *shm.GetImageReply
			rep, ierr = shmC.Reply()
			if ierr == nil {
				src = g.seg.mem
				if int(rep.Size) < len(g.pix) {
					ierr = fmt.Errorf("short shm image: %d bytes, want %d", rep.Size, len(g.pix))
				}
			}
		default:
			var rep *xproto.GetImageReply
			rep, ierr = imgC.Reply()
			if ierr == nil {
				src = rep.Data
				if len(src) < len(g.pix) {
					ierr = fmt.Errorf("short image: %d bytes, want %d", len(src), len(g.pix))
				}
			}
		}
		if errors.Is(gerr, io.EOF) {
			return nil, fmt.Errorf("capture: lost the connection to display %s: %w", g.display, gerr)
		}
		if gerr != nil {
			return nil, fmt.Errorf("capture: querying root geometry: %w", gerr)
		}
		if int(geom.Width) != g.w || int(geom.Height) != g.h {
			slog.Debug("capture: screen size changed", "display", g.display,
				"from", image.Pt(g.w, g.h), "to", image.Pt(int(geom.Width), int(geom.Height)))
			g.resizeLocked(int(geom.Width), int(geom.Height))
			all, copyScreen = true, true
			g.reset.Store(false)
			if attempt < 3 {
				continue
			}
			return nil, errors.New("capture: screen size keeps changing")
		}
		if ierr != nil {
			// A resize between our GetGeometry and GetImage makes the image
			// request fail (BadMatch); ask again, the geometry will tell.
			if attempt < 3 {
				continue
			}
			return nil, fmt.Errorf("capture: getting screen image: %w", ierr)
		}
		if perr != nil {
			return nil, fmt.Errorf("capture: querying pointer: %w", perr)
		}
		if !copyScreen {
			// The server sent the damage of everything drawn before our
			// requests ahead of their replies: read now, it is all here.
			g.drainEventsLocked()
			if g.damage.needGrab() {
				copyScreen = true
				continue
			}
		}
		break
	}

	// Events queued before our replies (xgb reads the wire in order), i.e.
	// everything up to this grab.
	g.drainEventsLocked()

	if all {
		g.cursor.resend = true
	}
	shape, err := g.cursor.refresh(g.conn)
	if err != nil {
		return nil, err
	}

	g.seq++
	f := &g.frame
	f.Width, f.Height, f.Stride = g.w, g.h, g.stride
	f.Dirty = nil
	if copyScreen {
		f.Dirty = g.tiles.update(g.pix, src, g.w, g.h, g.stride, all)
	}
	f.Pix = g.pix
	f.Seq = g.seq
	f.Cursor = desktop.Cursor{
		X:       int(ptr.RootX),
		Y:       int(ptr.RootY),
		Visible: ptr.SameScreen && !g.cursor.blank,
		Serial:  g.cursor.serial,
		Shape:   shape,
		HotX:    g.cursor.hotX,
		HotY:    g.cursor.hotY,
	}
	return f, nil
}

// drainEventsLocked handles the events xgb has queued: cursor changes, and
// errors of requests nobody checks, which are only logged.
func (g *Grabber) drainEventsLocked() {
	for {
		ev, xerr := g.conn.PollForEvent()
		if ev == nil && xerr == nil {
			return
		}
		if xerr != nil {
			slog.Debug("capture: X error", "display", g.display, "err", xerr)
			continue
		}
		if !g.damage.event(ev) {
			g.cursor.event(ev)
		}
	}
}

// Close detaches the shm segment and closes the X connection, waiting for
// xgb's goroutines to end. It is idempotent. Frames obtained before stay
// readable (Pix is ordinary memory).
func (g *Grabber) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.conn == nil {
		return nil
	}
	var err error
	if g.seg != nil {
		if rerr := g.seg.release(g.conn); rerr != nil {
			err = fmt.Errorf("capture: releasing shm segment: %w", rerr)
		}
		g.seg = nil
	}
	g.conn.Close()
	// The event channel is closed once xgb's reader has stopped.
	for {
		ev, xerr := g.conn.WaitForEvent()
		if ev == nil && xerr == nil {
			break
		}
	}
	g.conn = nil
	return err
}
