//go:build linux

// Package latency measures how long a change on the novice's screen takes to
// show on the helper's, the way a person would notice it: a small square on
// the novice's display changes colour, and a probe watches the same place on
// the viewer's display until the new colour is there.
//
// The method (issue 3) is the same for every peer measured, ra-p2p and VNC
// servers alike, so the numbers compare: the probe opens a 64x64
// override-redirect window on the novice's display, fills it with a colour
// from a small palette (never the one before), waits until the X server has
// drawn it (XSync), starts the clock, and polls one pixel of the viewer's
// display at the same coordinates with a 1x1 GetImage every 0.5 ms until it
// matches within ±60 per channel. The viewer must therefore draw the remote
// screen 1:1 from its display's origin.
//
// BenchmarkScreenLatency (in this package's tests) runs ra-p2p, TigerVNC's
// x0vncserver and x11vnc one after another on the same displays.
package latency

import (
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"syscall"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// Colour is an RGB colour, 8 bits a channel.
type Colour struct{ R, G, B uint8 }

func (c Colour) String() string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// Tolerance is how far, per channel, a viewer's pixel may be from the colour
// shown and still count as it (lossy codecs, colour conversion).
const Tolerance = 60

// Palette holds the probe's colours. Every two of them differ by more than
// 2*Tolerance in some channel, so no pixel matches two of them, and none
// matches black or white (the desktop and the xterm's colours).
var Palette = []Colour{
	{220, 40, 40},  // red
	{40, 190, 60},  // green
	{40, 60, 220},  // blue
	{230, 210, 40}, // yellow
	{200, 50, 200}, // magenta
	{40, 200, 210}, // cyan
}

// Matches says whether got is want within Tolerance on every channel.
func Matches(got, want Colour) bool {
	d := func(a, b uint8) int {
		if a > b {
			return int(a - b)
		}
		return int(b - a)
	}
	return d(got.R, want.R) <= Tolerance && d(got.G, want.G) <= Tolerance && d(got.B, want.B) <= Tolerance
}

// NextColour picks a palette colour at random, never prev.
func NextColour(rng *rand.Rand, prev Colour) Colour {
	for {
		c := Palette[rng.IntN(len(Palette))]
		if c != prev {
			return c
		}
	}
}

// Size is the side of the probe's square, in pixels.
const Size = 64

// PollInterval is how often the viewer's pixel is read.
const PollInterval = 500 * time.Microsecond

// ErrTimeout is returned by Measure when the colour did not arrive in time.
var ErrTimeout = errors.New("the colour did not reach the viewer's display in time")

// Probe changes a square on one display and watches the same place on another.
type Probe struct {
	X, Y int // the square's top-left corner, the same on both displays

	src    *xgb.Conn // the novice's display: the square
	win    xproto.Window
	srcVis pixelFormat

	dst *PixelReader // the viewer's display: the pixel read

	rng  *rand.Rand
	prev Colour
}

// pixelFormat maps RGB to a TrueColor pixel and back.
type pixelFormat struct {
	rMask, gMask, bMask uint32
}

// NewProbe opens the square on srcDisplay at x,y (mapped, above every other
// window) and a second connection to dstDisplay for reading pixels. The two
// may be the same display (the method's floor). seed makes the colour
// sequence repeatable.
func NewProbe(srcDisplay, dstDisplay string, x, y int, seed uint64) (*Probe, error) {
	p := &Probe{X: x, Y: y, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	var err error
	if p.src, err = xgb.NewConnDisplay(srcDisplay); err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", srcDisplay, err)
	}
	if p.dst, err = NewPixelReader(dstDisplay); err != nil {
		p.src.Close()
		return nil, err
	}
	fail := func(err error) (*Probe, error) { p.Close(); return nil, err }

	scr := xproto.Setup(p.src).DefaultScreen(p.src)
	if p.srcVis, err = trueColor(scr); err != nil {
		return fail(fmt.Errorf("%s: %w", srcDisplay, err))
	}
	if x < 0 || y < 0 || x+Size > int(scr.WidthInPixels) || y+Size > int(scr.HeightInPixels) {
		return fail(fmt.Errorf("the probe at %d,%d does not fit %s (%dx%d)", x, y, srcDisplay, scr.WidthInPixels, scr.HeightInPixels))
	}
	if p.win, err = xproto.NewWindowId(p.src); err != nil {
		return fail(err)
	}
	// Override-redirect: no window manager moves or decorates it.
	if err := xproto.CreateWindowChecked(p.src, scr.RootDepth, p.win, scr.Root, int16(x), int16(y), Size, Size, 0,
		xproto.WindowClassInputOutput, scr.RootVisual, xproto.CwBackPixel|xproto.CwOverrideRedirect,
		[]uint32{0, 1}).Check(); err != nil {
		return fail(fmt.Errorf("creating the probe window: %w", err))
	}
	if err := xproto.MapWindowChecked(p.src, p.win).Check(); err != nil {
		return fail(fmt.Errorf("mapping the probe window: %w", err))
	}

	if x+Size > p.dst.W || y+Size > p.dst.H {
		return fail(fmt.Errorf("the probe at %d,%d is outside %s (%dx%d)", x, y, dstDisplay, p.dst.W, p.dst.H))
	}
	return p, nil
}

// PixelReader reads single pixels of a display's screen (its root window).
type PixelReader struct {
	W, H int // the screen's size

	c    *xgb.Conn
	root xproto.Window
	vis  pixelFormat
	msb  bool // image byte order most significant first
}

// NewPixelReader connects to display for reading pixels.
func NewPixelReader(display string) (*PixelReader, error) {
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", display, err)
	}
	setup := xproto.Setup(c)
	scr := setup.DefaultScreen(c)
	r := &PixelReader{W: int(scr.WidthInPixels), H: int(scr.HeightInPixels), c: c, root: scr.Root,
		msb: setup.ImageByteOrder == xproto.ImageOrderMSBFirst}
	if r.vis, err = trueColor(scr); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: %w", display, err)
	}
	for _, f := range setup.PixmapFormats {
		if f.Depth == scr.RootDepth && f.BitsPerPixel != 32 {
			c.Close()
			return nil, fmt.Errorf("%s: depth %d uses %d bits per pixel; the probe reads 32", display, f.Depth, f.BitsPerPixel)
		}
	}
	return r, nil
}

// At reads the pixel at x,y with a 1x1 GetImage.
func (r *PixelReader) At(x, y int) (Colour, error) {
	img, err := xproto.GetImage(r.c, xproto.ImageFormatZPixmap, xproto.Drawable(r.root),
		int16(x), int16(y), 1, 1, 0xffffffff).Reply()
	if err != nil {
		return Colour{}, err
	}
	if len(img.Data) < 4 {
		return Colour{}, fmt.Errorf("GetImage returned %d bytes for one pixel", len(img.Data))
	}
	d := img.Data
	px := uint32(d[0]) | uint32(d[1])<<8 | uint32(d[2])<<16 | uint32(d[3])<<24
	if r.msb {
		px = uint32(d[3]) | uint32(d[2])<<8 | uint32(d[1])<<16 | uint32(d[0])<<24
	}
	return r.vis.colour(px), nil
}

// Close closes the connection.
func (r *PixelReader) Close() { r.c.Close() }

func trueColor(scr *xproto.ScreenInfo) (pixelFormat, error) {
	for _, d := range scr.AllowedDepths {
		if d.Depth != scr.RootDepth {
			continue
		}
		for _, v := range d.Visuals {
			if v.VisualId == scr.RootVisual {
				if v.Class != xproto.VisualClassTrueColor {
					return pixelFormat{}, fmt.Errorf("the root visual is not TrueColor (class %d)", v.Class)
				}
				return pixelFormat{v.RedMask, v.GreenMask, v.BlueMask}, nil
			}
		}
	}
	return pixelFormat{}, errors.New("the root visual was not found")
}

// pixel packs c for this format.
func (f pixelFormat) pixel(c Colour) uint32 {
	put := func(v uint8, mask uint32) uint32 {
		if mask == 0 {
			return 0
		}
		width := bits.OnesCount32(mask)
		shift := bits.TrailingZeros32(mask)
		return (uint32(v) >> max(0, 8-width) << shift) & mask
	}
	return put(c.R, f.rMask) | put(c.G, f.gMask) | put(c.B, f.bMask)
}

// colour unpacks a pixel of this format.
func (f pixelFormat) colour(px uint32) Colour {
	get := func(mask uint32) uint8 {
		if mask == 0 {
			return 0
		}
		width := bits.OnesCount32(mask)
		v := (px & mask) >> bits.TrailingZeros32(mask)
		if width < 8 {
			v <<= 8 - width
		} else {
			v >>= width - 8
		}
		return uint8(v)
	}
	return Colour{get(f.rMask), get(f.gMask), get(f.bMask)}
}

// Show fills the square with c and returns once the X server has drawn it.
func (p *Probe) Show(c Colour) error {
	xproto.ConfigureWindow(p.src, p.win, xproto.ConfigWindowStackMode, []uint32{xproto.StackModeAbove})
	xproto.ChangeWindowAttributes(p.src, p.win, xproto.CwBackPixel, []uint32{p.srcVis.pixel(c)})
	xproto.ClearArea(p.src, false, p.win, 0, 0, 0, 0)
	// XSync: a round trip, so every request above has been executed.
	_, err := xproto.GetInputFocus(p.src).Reply()
	return err
}

// Pixel reads the viewer's display at the middle of the square.
func (p *Probe) Pixel() (Colour, error) { return p.dst.At(p.X+Size/2, p.Y+Size/2) }

// Measure shows the next colour and returns how long it took to appear on
// the viewer's display, polling every PollInterval; ErrTimeout after timeout.
func (p *Probe) Measure(timeout time.Duration) (time.Duration, error) {
	c := NextColour(p.rng, p.prev)
	if err := p.Show(c); err != nil {
		return 0, fmt.Errorf("drawing the probe: %w", err)
	}
	p.prev = c
	start := time.Now()
	next := start
	for {
		got, err := p.Pixel()
		now := time.Now()
		if err != nil {
			return 0, fmt.Errorf("reading the viewer's pixel: %w", err)
		}
		if Matches(got, c) {
			return now.Sub(start), nil
		}
		if now.Sub(start) > timeout {
			return 0, fmt.Errorf("%w (%v; showed %v, the viewer has %v)", ErrTimeout, timeout, c, got)
		}
		next = next.Add(PollInterval)
		if d := next.Sub(now); d > 0 {
			sleepExactly(d)
		} else {
			next = now
		}
	}
}

// sleepExactly blocks this thread for d with nanosleep: time.Sleep of
// 0.5 ms lasts 0.67 ms on average here (the runtime's timers wait in
// millisecond steps when idle), nanosleep 0.50 ms.
func sleepExactly(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}

// Pause waits a random 80–200 ms, so samples do not lock onto a peer's
// capture or frame clock.
func (p *Probe) Pause() {
	time.Sleep(time.Duration(80+p.rng.IntN(121)) * time.Millisecond)
}

// Run takes n samples, pausing between them; samples that time out are
// counted in misses. It stops at the first other error.
func (p *Probe) Run(n int, timeout time.Duration) (samples []time.Duration, misses int, err error) {
	for i := 0; i < n; i++ {
		d, err := p.Measure(timeout)
		switch {
		case errors.Is(err, ErrTimeout):
			misses++
		case err != nil:
			return samples, misses, err
		default:
			samples = append(samples, d)
		}
		p.Pause()
	}
	return samples, misses, nil
}

// Close removes the square and closes both connections.
func (p *Probe) Close() {
	if p.src != nil {
		if p.win != 0 {
			xproto.DestroyWindow(p.src, p.win)
			xproto.GetInputFocus(p.src).Reply()
		}
		p.src.Close()
	}
	if p.dst != nil {
		p.dst.Close()
	}
}
