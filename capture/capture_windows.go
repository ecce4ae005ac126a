package capture

import (
	"fmt"
	"image"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/ra-p2p/ra-p2p/desktop"
)

// Grabber captures the primary screen of the Windows desktop it runs on
// (GDI). Create it with Open.
//
// A Grab copies the screen with BitBlt into a DIB section (a bitmap whose
// pixels are ordinary memory, laid out top-down as BGRX, the same layout X
// hands out) and compares it with the previous grab tile by tile, as on
// X11 (tiler). GDI has no damage events, so Changes is nil and the caller
// polls. Copying the whole screen is most of a poll's cost (3.4 ms of
// 5.9 ms for 1280x800 under Wine), so a Grab copies the whole screen only
// every fullEvery, and in between only the hot tiles: those that changed
// within hotFor. Where the person works (typing, a progress bar) is polled
// as often as the caller polls, a large busy area (a scrolling terminal, a
// video) every bigEvery; a change anywhere else is seen within fullEvery,
// as often as x0vncserver polls its whole screen (30 ms).
type Grabber struct {
	reset atomic.Bool // report everything dirty at the next Grab

	mu     sync.Mutex
	closed bool
	screen uintptr // the screen's device context (GetDC(NULL)); 0 after Close
	mem    uintptr // a memory DC holding the DIB section
	bitmap uintptr // the DIB section
	old    uintptr // the bitmap mem held before ours
	dib    []byte  // the DIB section's pixels, owned by GDI
	tile   int
	w, h   int
	pix    []byte // the previous grab, and the frame's Pix
	tiles  tiler
	area   tiler       // the hot tiles, merged into rectangles to copy
	hot    []time.Time // per tile: when it last changed (zero: not since the last key frame)
	full   time.Time   // when the whole screen was last copied
	big    time.Time   // when the large hot rectangles were last copied
	// fullEvery is the constant fullEvery; tests change it.
	fullEvery time.Duration
	cursor    winCursor
	frame     desktop.Frame
	seq       uint64
}

// Open prepares to grab the primary screen. display must be "": Windows
// has one desktop per session, and the argument exists for X11.
func Open(display string, opts Options) (*Grabber, error) {
	if display != "" {
		return nil, fmt.Errorf("capture: display %q: on Windows only the session's own desktop (\"\") can be grabbed", display)
	}
	tile, err := opts.tileSize()
	if err != nil {
		return nil, err
	}
	g := &Grabber{tile: tile, fullEvery: fullEvery}
	r, _, callErr := procGetDC.Call(0)
	if r == 0 {
		return nil, fmt.Errorf("capture: getting the screen's device context: %w", callErr)
	}
	g.screen = r
	if r, _, callErr = procCreateCompatibleDC.Call(g.screen); r == 0 {
		g.closeLocked()
		return nil, fmt.Errorf("capture: creating a memory device context: %w", callErr)
	}
	g.mem = r
	w, h := screenSize()
	if err := g.resizeLocked(w, h); err != nil {
		g.closeLocked()
		return nil, err
	}
	g.reset.Store(true)
	return g, nil
}

// screenSize is the primary screen's size in pixels. A process that is not
// DPI-aware gets scaled numbers on a high-DPI screen (and a scaled
// BitBlt); ra-p2p's windows make the process DPI-aware (Ebiten does).
func screenSize() (w, h int) {
	cx, _, _ := procGetSystemMetrics.Call(smCXScreen)
	cy, _, _ := procGetSystemMetrics.Call(smCYScreen)
	return int(int32(cx)), int(int32(cy))
}

// resizeLocked makes a DIB section of w×h and a previous grab to match,
// and makes the next frame a full one.
func (g *Grabber) resizeLocked(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("capture: the screen is %dx%d", w, h)
	}
	bi := bitmapInfoHeader{Width: int32(w), Height: -int32(h), Planes: 1, BitCount: 32, Compression: biRGB}
	bi.Size = uint32(unsafe.Sizeof(bi))
	var bits unsafe.Pointer
	r, _, callErr := procCreateDIBSection.Call(g.mem, uintptr(unsafe.Pointer(&bi)), dibRGBColors,
		uintptr(unsafe.Pointer(&bits)), 0, 0)
	if r == 0 || bits == nil {
		return fmt.Errorf("capture: creating a %dx%d bitmap: %w", w, h, callErr)
	}
	old, _, _ := procSelectObject.Call(g.mem, r)
	if g.bitmap != 0 {
		procDeleteObject.Call(g.bitmap) // the previous DIB, deselected by the SelectObject above
	} else {
		g.old = old
	}
	g.bitmap = r
	g.dib = unsafe.Slice((*byte)(bits), 4*w*h)
	g.w, g.h = w, h
	if cap(g.pix) < len(g.dib) {
		g.pix = make([]byte, len(g.dib))
	}
	g.pix = g.pix[:len(g.dib)]
	g.tiles.setSize(w, h, g.tile)
	g.area.setSize(w, h, g.tile)
	g.hot = make([]time.Time, len(g.tiles.dirty))
	g.reset.Store(true)
	return nil
}

// How a Grab polls (see Grabber): the whole screen at least every
// fullEvery; the tiles that changed within hotFor, merged into at most
// maxShots rectangles, at every Grab when a rectangle holds at most
// 1/smallPart of the screen, every bigEvery when it holds more. hotFor
// outlasts a person's pauses between keys. Under Wine a scrolling xterm
// (60 % of the screen) costs about 2 ms to copy: copied at every Grab it
// made each poll of a small change beside it that much longer.
const (
	fullEvery = 40 * time.Millisecond
	hotFor    = time.Second
	bigEvery  = 10 * time.Millisecond
	smallPart = 8
)

// hotLocked returns the rectangles of tiles that changed within hotFor
// before now: tile-aligned, sharing no tile, at most maxShots.
func (g *Grabber) hotLocked(now time.Time) []image.Rectangle {
	g.area.begin()
	for i, t := range g.hot {
		g.area.dirty[i] = !t.IsZero() && now.Sub(t) < hotFor
	}
	return g.area.mergeAtMost(g.w, g.h, maxShots)
}

// Size returns the screen size as of the last Grab (or Open).
func (g *Grabber) Size() (w, h int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.w, g.h
}

// Reset makes the next Grab report the whole screen dirty and include the
// cursor shape: a key frame. Safe to call from any goroutine, even during Grab.
func (g *Grabber) Reset() { g.reset.Store(true) }

// Changes is nil on Windows: GDI tells nobody what was drawn, so the
// caller polls.
func (g *Grabber) Changes() <-chan struct{} { return nil }

// Moves is nil on Windows, as Changes: the caller polls the pointer.
func (g *Grabber) Moves() <-chan struct{} { return nil }

// Grab copies the screen and compares it with the previous grab. The
// frame's Dirty, Cursor and Seq mean what they mean on X11 (see the
// package documentation); the Frame is reused by the next Grab.
func (g *Grabber) Grab() (*desktop.Frame, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, ErrClosed
	}
	now := time.Now()
	whole := g.reset.Load() || now.Sub(g.full) >= g.fullEvery
	// The screen's size is asked before each copy of the whole screen
	// only: under Wine the two calls cost 0.5 ms, a fifth of a hot Grab.
	if whole {
		if w, h := screenSize(); w != g.w || h != g.h {
			slog.Debug("capture: screen size changed", "from", image.Pt(g.w, g.h), "to", image.Pt(w, h))
			if err := g.resizeLocked(w, h); err != nil {
				return nil, err
			}
		}
	}
	all, seq := g.reset.Swap(false), g.seq
	if all {
		g.cursor.resend = true
		clear(g.hot)
		defer func() {
			if g.seq == seq { // failed before the frame was made: the next one is still a key frame
				g.reset.Store(true)
			}
		}()
	}
	stride := 4 * g.w
	f := &g.frame
	if all || whole { // all: a Reset since whole was decided
		if err := g.copyLocked(image.Rect(0, 0, g.w, g.h)); err != nil {
			return nil, err
		}
		g.full, g.big = now, now
		f.Dirty = g.tiles.update(g.pix, g.dib, g.w, g.h, stride, all)
	} else {
		rs := g.hotLocked(now)
		big := now.Sub(g.big) >= bigEvery
		shots := rs[:0]
		for _, r := range rs {
			if r.Dx()*r.Dy() > g.w*g.h/smallPart && !big {
				continue
			}
			if err := g.copyLocked(r); err != nil {
				return nil, err
			}
			shots = append(shots, r)
		}
		if big {
			g.big = now
		}
		g.tiles.begin()
		for _, r := range shots {
			g.tiles.band(g.pix, stride, g.dib[r.Min.Y*stride+4*r.Min.X:], stride, r, false)
		}
		f.Dirty = g.tiles.merge(g.w, g.h)
	}
	if !all {
		for i, d := range g.tiles.dirty {
			if d {
				g.hot[i] = now
			}
		}
	}
	g.seq++
	f.Width, f.Height, f.Stride = g.w, g.h, stride
	f.Pix = g.pix
	f.Seq = g.seq
	f.Cursor = g.cursor.read(now)
	return f, nil
}

// copyLocked copies rectangle r of the screen into the same place of the
// DIB section, its pixels readable when it returns.
func (g *Grabber) copyLocked(r image.Rectangle) error {
	// CAPTUREBLT includes layered windows (tooltips, menus with shadows,
	// translucent windows), which a plain SRCCOPY leaves out.
	if ok, _, callErr := procBitBlt.Call(g.mem, uintptr(r.Min.X), uintptr(r.Min.Y), uintptr(r.Dx()), uintptr(r.Dy()),
		g.screen, uintptr(r.Min.X), uintptr(r.Min.Y), srcCopy|captureBlt); ok == 0 {
		return fmt.Errorf("capture: copying the screen (BitBlt): %w", callErr)
	}
	procGdiFlush.Call() // the DIB's memory holds the pixels only once GDI's batch is flushed
	return nil
}

// Close releases the device contexts and the bitmap. It is idempotent.
// Frames obtained before stay readable (Pix is ordinary memory).
func (g *Grabber) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closeLocked()
	return nil
}

func (g *Grabber) closeLocked() {
	if g.closed {
		return
	}
	g.closed = true
	if g.mem != 0 {
		if g.old != 0 {
			procSelectObject.Call(g.mem, g.old)
		}
		procDeleteDC.Call(g.mem)
	}
	if g.bitmap != 0 {
		procDeleteObject.Call(g.bitmap)
	}
	if g.screen != 0 {
		procReleaseDC.Call(0, g.screen)
	}
	g.dib, g.mem, g.bitmap, g.screen = nil, 0, 0, 0
	g.cursor.close()
}
