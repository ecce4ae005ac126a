//go:build !windows

package capture

import (
	"cmp"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/internal/x11sync"
	"github.com/ra-p2p/ra-p2p/internal/xshm"
)

// Grabber captures one X screen. Create it with Open.
type Grabber struct {
	reset   atomic.Bool     // report everything dirty at the next Grab
	changed chan struct{}   // 1 slot, signalled by watch
	changes <-chan struct{} // what Changes returns: changed, or nil without a watcher; set by Open
	moved   chan struct{}   // 1 slot, signalled by watch
	moves   <-chan struct{} // what Moves returns: moved, or nil when motion is not watched; set by Open

	mu      sync.Mutex
	conn    *xgb.Conn     // set-up, shared memory and the cursor; nil after Close
	x       *x11sync.Conn // the screen's damage and image, and the pointer: Grab's own
	shmExt  x11sync.Extension
	display string // for messages
	root    xproto.Window
	tile    int
	w, h    int
	stride  int
	bpp     int           // bytes per pixel on the wire, always 4
	pad     int           // scanline pad in bytes
	useShm  bool          // MIT-SHM works on this connection
	seg     *xshm.Segment // nil without shm
	pix     []byte        // the previous grab, and the frame's Pix
	tiles   tiler
	area    tiler  // the tiles to copy, from the damaged rectangles
	shots   []shot // this Grab's image requests
	damaged []image.Rectangle
	cursor  cursorState
	damage  damageState
	watch   *watcher  // nil: Changes is nil
	geomAt  time.Time // when the root's geometry was last asked
	frame   desktop.Frame
	seq     uint64
}

// Open connects to the X display ("" = $DISPLAY) and prepares to grab its
// default screen. It uses MIT-SHM when the server offers it on a local
// connection and falls back to plain GetImage otherwise (about 10× slower for
// a full screen). It fails on visuals other than little-endian TrueColor with
// 32 bits per pixel. It has two connections to the display: xgb's for the
// set-up, the shared memory and the cursor's shape, and a synchronous one
// (x11sync) for what every Grab asks. With DAMAGE it opens a third, to wake
// Changes (a goroutine reads it; Close ends it).
func Open(display string, opts Options) (*Grabber, error) {
	name := display
	if name == "" {
		name = os.Getenv("DISPLAY")
		if name == "" {
			name = "(DISPLAY is not set)"
		}
	}
	tile, err := opts.tileSize()
	if err != nil {
		return nil, err
	}
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("capture: cannot open display %s: %w", name, err)
	}
	g := &Grabber{conn: conn, display: name, tile: tile, changed: make(chan struct{}, 1), moved: make(chan struct{}, 1)}
	if err := g.setup(display, opts); err != nil {
		conn.Close()
		if g.x != nil {
			g.x.Close()
		}
		return nil, fmt.Errorf("capture: display %s: %w", name, err)
	}
	if g.damage.ok {
		if g.watch, err = startWatcher(display, uint32(g.root), g.changed, g.moved); err != nil {
			slog.Debug("capture: changes are not watched, callers poll", "display", name, "err", err)
		} else {
			g.changes = g.changed
			if g.watch.moves {
				g.moves = g.moved
			}
		}
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
	if g.x, err = x11sync.Dial(display); err != nil {
		return err
	}
	g.x.OnEvent = func(ev []byte) { g.damage.event(ev) } // only DAMAGE's come on this connection
	g.x.OnError = func(err *x11sync.Error) { slog.Debug("capture: X error", "display", g.display, "err", err) }
	if g.useShm {
		var ok bool
		if g.shmExt, ok, err = g.x.Extension("MIT-SHM"); err != nil || !ok {
			return errors.Join(errors.New("MIT-SHM is there for one connection and not another"), err)
		}
	}
	g.damage.start(g.x, uint32(g.root))
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
	g.area.setSize(w, h, g.tile)
	g.reset.Store(true)
	if g.seg != nil && len(g.seg.Mem) != size {
		if err := g.seg.Release(g.conn); err != nil {
			slog.Debug("capture: releasing shm segment", "err", err)
		}
		g.seg = nil
	}
	if g.useShm && g.seg == nil {
		seg, err := xshm.New(g.conn, size)
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

// Grab captures what changed on the root window and compares it with the
// previous grab.
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

	var px, py int
	var onScreen bool
	// xgb's event queue is bounded and its reader stops (and with it every
	// reply) when the queue is full: empty it before waiting for replies, in
	// case many cursor changes piled up while nobody called Grab.
	g.drainEventsLocked()
	// What was drawn up to now is in this Grab, and where the pointer is:
	// Changes and Moves need not tell it.
	select {
	case <-g.changed:
	default:
	}
	select {
	case <-g.moved:
	default:
	}
	all := g.reset.Swap(false)
	// Nothing drawn since the last copy: only the pointer is asked.
	copyScreen := all || g.damage.needGrab()
	whole := all // copy the whole screen, not only the damage
	for attempt := 0; ; attempt++ {
		// The geometry, the pointer, the damage's rectangles (or the whole
		// image) in flight at once: one round trip, and one more for the
		// image of the damaged area. The geometry is asked first so that a
		// size change (RandR) is seen before the image is trusted; when
		// nothing is copied, only now and then (a poll of the pointer alone
		// costs half as much).
		var geomC, regC x11sync.Cookie
		var where bool
		askGeom := copyScreen || time.Since(g.geomAt) >= geometryEvery
		if askGeom {
			geomC = g.x.GetGeometry(uint32(g.root))
		}
		ptrC := g.x.QueryPointer(uint32(g.root))
		g.shots = g.shots[:0]
		if copyScreen {
			regC, where = g.damage.take(g.x, !whole)
			if !where {
				whole = true
				g.requestLocked(image.Rect(0, 0, g.w, g.h))
			}
		}
		// The replies come in the order asked.
		var perr, ierr error
		if askGeom {
			w, h, gerr := g.x.Geometry(geomC)
			if gerr != nil {
				return nil, fmt.Errorf("capture: querying root geometry on display %s: %w", g.display, gerr)
			}
			g.geomAt = time.Now()
			if w != g.w || h != g.h {
				slog.Debug("capture: screen size changed", "display", g.display,
					"from", image.Pt(g.w, g.h), "to", image.Pt(w, h))
				// The pointer's and the region's replies are skipped: the
				// next try asks again.
				g.resizeLocked(w, h)
				all, whole, copyScreen = true, true, true
				g.reset.Store(false)
				if attempt < 3 {
					continue
				}
				return nil, errors.New("capture: screen size keeps changing")
			}
		}
		px, py, onScreen, perr = g.x.Pointer(ptrC)
		var xerr *x11sync.Error
		if perr != nil && !errors.As(perr, &xerr) {
			return nil, fmt.Errorf("capture: lost the connection to display %s: %w", g.display, perr)
		}
		if where {
			var err error
			if g.damaged, err = g.x.Region(regC, g.damaged[:0]); err != nil {
				ierr = fmt.Errorf("fetching the damaged region: %w", err)
			} else {
				for _, r := range g.areaLocked(g.damaged) {
					g.requestLocked(r)
				}
			}
		}
		if ierr == nil {
			ierr = g.readShotsLocked()
		}
		if ierr != nil {
			// A resize between our GetGeometry and GetImage makes the image
			// request fail (BadMatch); ask again, the geometry will tell.
			// The damage is emptied already: the next try copies it all.
			whole = true
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
			// requests ahead of their replies, and reading the replies
			// read it.
			if g.damage.needGrab() {
				copyScreen = true
				continue
			}
		}
		break
	}

	// The cursor's events (on xgb's connection) so far.
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
		g.tiles.begin()
		for _, s := range g.shots {
			g.tiles.band(g.pix, g.stride, s.pix, s.stride, s.r, all)
		}
		f.Dirty = g.tiles.merge(g.w, g.h)
	}
	f.Pix = g.pix
	f.Seq = g.seq
	f.Cursor = desktop.Cursor{
		X:       px,
		Y:       py,
		Visible: onScreen && !g.cursor.blank,
		Serial:  g.cursor.serial,
		Shape:   shape,
		HotX:    g.cursor.hotX,
		HotY:    g.cursor.hotY,
	}
	return f, nil
}

// geometryEvery is how often a Grab that copies nothing asks the root's
// geometry; a Grab that copies always does. A size change draws (the
// root is repainted), so it is seen at once anyway; this is for a change
// that draws nothing.
const geometryEvery = time.Second

// areaLocked turns the damaged rectangles into what to copy: the tiles they
// touch, merged into at most maxShots rectangles that share no tile.
func (g *Grabber) areaLocked(damaged []image.Rectangle) []image.Rectangle {
	screen := image.Rect(0, 0, g.w, g.h)
	g.area.begin()
	for _, d := range damaged {
		r := d.Intersect(screen)
		if r.Empty() {
			continue
		}
		t := g.area.tile
		for ty := r.Min.Y / t; ty <= (r.Max.Y-1)/t; ty++ {
			row := g.area.dirty[ty*g.area.cols : (ty+1)*g.area.cols]
			for tx := r.Min.X / t; tx <= (r.Max.X-1)/t; tx++ {
				row[tx] = true
			}
		}
	}
	return g.area.mergeAtMost(g.w, g.h, maxShots)
}

// shot is one image request of a Grab: rectangle r of the screen, whose
// pixels are read into pix, stride bytes a row.
type shot struct {
	r      image.Rectangle
	off    int // where in the shm segment; -1: in the reply
	cookie x11sync.Cookie
	pix    []byte
	stride int
}

// requestLocked asks for the image of r (not empty, inside the screen):
// into the shm segment after the previous shots of this Grab, or as a plain
// GetImage.
func (g *Grabber) requestLocked(r image.Rectangle) {
	s := shot{r: r, stride: (r.Dx()*g.bpp + g.pad - 1) / g.pad * g.pad}
	if n := len(g.shots); n > 0 {
		p := g.shots[n-1]
		s.off = p.off + p.stride*p.r.Dy()
	}
	if g.seg != nil && s.off >= 0 && s.off+s.stride*r.Dy() <= len(g.seg.Mem) {
		s.cookie = g.x.ShmGetImage(g.shmExt, uint32(g.root), r, uint32(g.seg.Seg), uint32(s.off))
	} else {
		s.off = -1
		s.cookie = g.x.GetImage(uint32(g.root), r)
	}
	g.shots = append(g.shots, s)
}

// readShotsLocked waits for the images of this Grab's shots. An image
// sent in its reply is copied out of it: the next reply read reuses the
// connection's buffer.
func (g *Grabber) readShotsLocked() error {
	var first error
	for i := range g.shots {
		s := &g.shots[i]
		size := s.stride * s.r.Dy()
		if s.off >= 0 {
			n, err := g.x.ShmImageSize(s.cookie)
			switch {
			case err != nil:
				first = cmp.Or(first, err)
			case n < size:
				first = cmp.Or(first, fmt.Errorf("short shm image of %v: %d bytes, want %d", s.r, n, size))
			default:
				s.pix = g.seg.Mem[s.off : s.off+size]
			}
			continue
		}
		data, err := g.x.Image(s.cookie)
		switch {
		case err != nil:
			first = cmp.Or(first, err)
		case len(data) < size:
			first = cmp.Or(first, fmt.Errorf("short image of %v: %d bytes, want %d", s.r, len(data), size))
		default:
			s.pix = append(s.pix[:0], data[:size]...)
		}
	}
	return first
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
		g.cursor.event(ev)
	}
}

// Changes receives when something was drawn on the screen or the cursor's
// shape changed since the last Grab began, so that a caller can sleep
// while the screen is still instead of polling it. It is only a wake-up:
// it may receive for something a Grab has copied already, and it is nil
// (never receives) without DAMAGE, where only polling shows changes. What
// Grab copies does not depend on it. One slot: any number of changes is
// one receive.
func (g *Grabber) Changes() <-chan struct{} { return g.changes }

// Moves receives when the pointer moved since the last Grab began (XInput
// 2's raw motion: a person's or XTEST's), so that a caller can stop polling
// a still pointer. Like Changes it is only a wake-up, with one slot. It is
// nil where motion is not watched (no XInput 2), and a pointer warped by a
// program raises nothing: a caller still polls the pointer now and then.
func (g *Grabber) Moves() <-chan struct{} { return g.moves }

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
		if rerr := g.seg.Release(g.conn); rerr != nil {
			err = fmt.Errorf("capture: releasing shm segment: %w", rerr)
		}
		g.seg = nil
	}
	if g.watch != nil {
		g.watch.close()
		g.watch = nil
	}
	g.x.Close()
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

// shmUsable says why MIT-SHM is not used for this display, or nil.
func shmUsable(conn *xgb.Conn, display string, opts Options) error {
	if opts.noShm {
		return errors.New("disabled by the caller")
	}
	return xshm.Usable(conn, display)
}
