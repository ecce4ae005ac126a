//go:build !windows

package capture

import (
	"bytes"
	"errors"
	"image"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xproto"

	"github.com/ra-p2p/ra-p2p/desktop"
)

// An odd screen size, so the last tile column and row are partial.
const testW, testH = 1000, 700

func openGrabber(tb testing.TB, display string, opts Options) *Grabber {
	tb.Helper()
	g, err := Open(display, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { g.Close() })
	return g
}

func grab(tb testing.TB, g *Grabber) *desktop.Frame {
	tb.Helper()
	f, err := g.Grab()
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// checkDirty checks that dirty covers exactly the tiles of drawn, without
// overlaps, and inside the screen.
func checkDirty(t *testing.T, f *desktop.Frame, tile int, drawn ...image.Rectangle) {
	t.Helper()
	screen := image.Rect(0, 0, f.Width, f.Height)
	for i, a := range f.Dirty {
		if !a.In(screen) || a.Empty() {
			t.Errorf("dirty %v is empty or outside the screen %v", a, screen)
		}
		for _, b := range f.Dirty[i+1:] {
			if a.Overlaps(b) {
				t.Errorf("dirty rectangles %v and %v overlap", a, b)
			}
		}
	}
	got, want := tileSet(f.Dirty, tile), tileSet(drawn, tile)
	if !slices.Equal(got, want) {
		t.Errorf("dirty tiles = %v (rects %v), want %v", got, f.Dirty, want)
	}
}

// pixel returns the BGRX bytes at (x, y).
func pixel(f *desktop.Frame, x, y int) [4]byte {
	o := y*f.Stride + 4*x
	return [4]byte(f.Pix[o : o+4])
}

func bgr(rgb uint32) [3]byte { return [3]byte{byte(rgb), byte(rgb >> 8), byte(rgb >> 16)} }

func TestGrab(t *testing.T) {
	x := startXvfb(t, testW, testH)
	for name, opts := range map[string]Options{
		"MIT-SHM":  {},
		"GetImage": {noShm: true},
	} {
		t.Run(name, func(t *testing.T) {
			p := newPainter(t, x.display)
			p.fill(0x000000, image.Rect(0, 0, testW, testH))
			g := openGrabber(t, x.display, opts)
			if g.useShm == opts.noShm {
				t.Fatalf("useShm = %v with noShm = %v: Xvfb on a unix socket should offer MIT-SHM", g.useShm, opts.noShm)
			}
			if w, h := g.Size(); w != testW || h != testH {
				t.Fatalf("Size() = %dx%d, want %dx%d", w, h, testW, testH)
			}

			f := grab(t, g)
			if f.Width != testW || f.Height != testH || f.Stride < 4*testW || len(f.Pix) < f.Stride*f.Height {
				t.Fatalf("frame %dx%d stride %d len %d", f.Width, f.Height, f.Stride, len(f.Pix))
			}
			if want := []image.Rectangle{image.Rect(0, 0, testW, testH)}; !slices.Equal(f.Dirty, want) {
				t.Fatalf("first grab: dirty = %v, want %v", f.Dirty, want)
			}
			if f.Seq != 1 {
				t.Errorf("first Seq = %d, want 1", f.Seq)
			}

			t.Run("no change", func(t *testing.T) {
				if f := grab(t, g); len(f.Dirty) != 0 {
					t.Errorf("dirty = %v, want none", f.Dirty)
				}
			})

			t.Run("one rectangle", func(t *testing.T) {
				const colour = 0x3366cc
				r := image.Rect(100, 150, 150, 190)
				p.fill(colour, r)
				f := grab(t, g)
				// x 100..149 → tile columns 1 and 2, y 150..189 → tile row 2.
				if want := []image.Rectangle{image.Rect(64, 128, 192, 192)}; !slices.Equal(f.Dirty, want) {
					t.Errorf("dirty = %v, want %v", f.Dirty, want)
				}
				for _, pt := range []image.Point{r.Min, r.Max.Sub(image.Pt(1, 1)), image.Pt(120, 170)} {
					if got := pixel(f, pt.X, pt.Y); [3]byte(got[:3]) != bgr(colour) {
						t.Errorf("pixel at %v = % x, want B G R = % x", pt, got[:3], bgr(colour))
					}
				}
				for _, pt := range []image.Point{image.Pt(99, 150), image.Pt(150, 189), image.Pt(100, 190)} {
					if got := pixel(f, pt.X, pt.Y); [3]byte(got[:3]) != bgr(0) {
						t.Errorf("pixel at %v outside the rectangle = % x, want black", pt, got[:3])
					}
				}
			})

			t.Run("far apart and at the partial edge", func(t *testing.T) {
				rs := []image.Rectangle{
					image.Rect(10, 10, 20, 20),
					image.Rect(900, 650, testW, testH),     // last tiles are 40 wide and 60 high
					image.Rect(300, 300, 301, 301),         // one pixel
					image.Rect(400, 200, 600, 500),         // several tiles: one rectangle
					image.Rect(640, 0, 641, testH),         // a column: vertical merge
					image.Rect(0, 639, testW, testH),       // the last row: overlaps others
					image.Rect(200, 100, 202, 102),         // 2×2 on a corner of four tiles
					image.Rect(191, 127, 193, 129),         // crossing tile corners
					image.Rect(testW-1, 0, testW, testH/2), // the last column
				}
				for i, r := range rs {
					p.fill(0x102030+uint32(i), r)
				}
				checkDirty(t, grab(t, g), 64, rs...)
				if f := grab(t, g); len(f.Dirty) != 0 {
					t.Errorf("after that, no change: dirty = %v", f.Dirty)
				}
			})

			t.Run("same colour again", func(t *testing.T) {
				p.fill(0x3366cc, image.Rect(100, 150, 150, 190))
				if f := grab(t, g); len(f.Dirty) != 0 {
					t.Errorf("painting identical pixels: dirty = %v, want none", f.Dirty)
				}
			})

			t.Run("reset", func(t *testing.T) {
				g.Reset()
				f := grab(t, g)
				if want := []image.Rectangle{image.Rect(0, 0, testW, testH)}; !slices.Equal(f.Dirty, want) {
					t.Errorf("dirty after Reset = %v, want %v", f.Dirty, want)
				}
				if f.Cursor.Shape == nil && g.cursor.ok {
					t.Errorf("no cursor shape after Reset")
				}
				if f := grab(t, g); len(f.Dirty) != 0 || f.Cursor.Shape != nil {
					t.Errorf("grab after the key frame: dirty = %v, shape %v", f.Dirty, f.Cursor.Shape != nil)
				}
			})

			seq := grab(t, g).Seq
			if f := grab(t, g); f.Seq != seq+1 {
				t.Errorf("Seq went from %d to %d", seq, f.Seq)
			}
		})
	}
}

func TestTileSize(t *testing.T) {
	x := startXvfb(t, testW, testH)
	p := newPainter(t, x.display)
	g := openGrabber(t, x.display, Options{TileSize: 16})
	grab(t, g)
	r := image.Rect(100, 150, 150, 190)
	p.fill(0xffffff, r)
	f := grab(t, g)
	if want := []image.Rectangle{image.Rect(96, 144, 160, 192)}; !slices.Equal(f.Dirty, want) {
		t.Errorf("16-px tiles: dirty = %v, want %v", f.Dirty, want)
	}
}

func TestCursor(t *testing.T) {
	x := startXvfb(t, testW, testH)
	xdotool := need(t, "xdotool", "xdotool")
	g := openGrabber(t, x.display, Options{})
	if !g.cursor.ok {
		t.Fatal("Xvfb has XFixes; the grabber did not subscribe to cursor changes")
	}

	f := grab(t, g)
	c := f.Cursor
	// Xvfb shows the classic X-shaped root cursor; XFixes hands it out.
	if c.Shape == nil || c.Shape.Rect.Empty() {
		t.Fatalf("first grab has no cursor shape: %+v", c)
	}
	if !c.Visible || c.Serial == 0 {
		t.Errorf("first grab: Visible %v, Serial %d", c.Visible, c.Serial)
	}
	if !image.Pt(c.HotX, c.HotY).In(c.Shape.Rect) {
		t.Errorf("hot spot %d,%d outside the shape %v", c.HotX, c.HotY, c.Shape.Rect)
	}
	opaque := 0
	for i := 3; i < len(c.Shape.Pix); i += 4 {
		if c.Shape.Pix[i] != 0 {
			opaque++
		}
		if r, g, b, a := c.Shape.Pix[i-3], c.Shape.Pix[i-2], c.Shape.Pix[i-1], c.Shape.Pix[i]; r > a || g > a || b > a {
			t.Fatalf("shape pixel %d is not premultiplied: % x", i/4, []byte{r, g, b, a})
		}
	}
	if opaque == 0 {
		t.Error("the default cursor shape is fully transparent")
	}

	cmd := exec.Command(xdotool, "mousemove", "100", "200")
	cmd.Env = append(os.Environ(), "DISPLAY="+x.display)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool mousemove: %v: %s", err, out)
	}
	f = grab(t, g)
	if f.Cursor.X != 100 || f.Cursor.Y != 200 {
		t.Errorf("cursor at %d,%d, want 100,200", f.Cursor.X, f.Cursor.Y)
	}
	if f.Cursor.Shape != nil || f.Cursor.Serial != c.Serial {
		t.Errorf("the shape did not change, yet Shape %v, serial %d → %d", f.Cursor.Shape != nil, c.Serial, f.Cursor.Serial)
	}
	// Xvfb draws the cursor in software, but X hides it from GetImage: moving
	// the pointer must not make anything dirty.
	if len(f.Dirty) != 0 {
		t.Errorf("moving the pointer made %v dirty", f.Dirty)
	}

	// Another client changes the root cursor: to a glyph from the cursor
	// font, then to an empty one (how programs hide the pointer).
	p := newPainter(t, x.display)
	font, _ := xproto.NewFontId(p.conn)
	if err := xproto.OpenFontChecked(p.conn, font, uint16(len("cursor")), "cursor").Check(); err != nil {
		t.Fatal(err)
	}
	hand, _ := xproto.NewCursorId(p.conn)
	const xcHand2 = 60 // XC_hand2 in X11/cursorfont.h
	xproto.CreateGlyphCursor(p.conn, hand, font, font, xcHand2, xcHand2+1, 0, 0, 0, 0xffff, 0xffff, 0xffff)
	xproto.ChangeWindowAttributes(p.conn, p.root, xproto.CwCursor, []uint32{uint32(hand)})
	p.conn.Sync()
	f = grab(t, g)
	if f.Cursor.Shape == nil || f.Cursor.Serial == c.Serial {
		t.Fatalf("after a cursor change: Shape %v, serial %d → %d", f.Cursor.Shape != nil, c.Serial, f.Cursor.Serial)
	}
	if !f.Cursor.Visible {
		t.Error("hand cursor not visible")
	}

	pix, _ := xproto.NewPixmapId(p.conn)
	xproto.CreatePixmap(p.conn, 1, pix, xproto.Drawable(p.root), 1, 1)
	blank, _ := xproto.NewCursorId(p.conn)
	// A 1×1 source with an all-zero mask is the usual "no cursor"; the
	// mask pixmap's content is undefined until drawn, so clear it.
	gc, _ := xproto.NewGcontextId(p.conn)
	xproto.CreateGC(p.conn, gc, xproto.Drawable(pix), xproto.GcForeground, []uint32{0})
	xproto.PolyFillRectangle(p.conn, xproto.Drawable(pix), gc, []xproto.Rectangle{{Width: 1, Height: 1}})
	xproto.CreateCursor(p.conn, blank, pix, pix, 0, 0, 0, 0, 0, 0, 0, 0)
	xproto.ChangeWindowAttributes(p.conn, p.root, xproto.CwCursor, []uint32{uint32(blank)})
	p.conn.Sync()
	f = grab(t, g)
	if f.Cursor.Visible || f.Cursor.Shape == nil {
		t.Errorf("blank cursor: Visible %v, Shape %v; want hidden with a (transparent) shape", f.Cursor.Visible, f.Cursor.Shape != nil)
	}
	if f.Cursor.X != 100 || f.Cursor.Y != 200 {
		t.Errorf("hidden cursor at %d,%d, want 100,200", f.Cursor.X, f.Cursor.Y)
	}

	// Many cursor changes while nobody grabs: more XFixes events than xgb's
	// event queue holds (5000). Grab must still answer.
	for i := range 6000 {
		xproto.ChangeWindowAttributes(p.conn, p.root, xproto.CwCursor, []uint32{uint32([]xproto.Cursor{hand, blank}[i%2])})
	}
	p.conn.Sync()
	time.Sleep(100 * time.Millisecond) // let the events reach the grabber's queue
	done := make(chan *desktop.Frame)
	go func() {
		f, err := g.Grab()
		if err != nil {
			t.Error(err)
		}
		done <- f
	}()
	select {
	case f := <-done:
		// Back on the blank cursor of the previous grab: same serial, no shape.
		if f != nil && (f.Cursor.Visible || f.Cursor.Shape != nil) {
			t.Errorf("after 6000 changes ending on the blank cursor: Visible %v, Shape %v", f.Cursor.Visible, f.Cursor.Shape != nil)
		}
	case <-time.After(10 * time.Second):
		// Empty xgb's event queue behind Grab's back so that its reader,
		// and then Grab, go on and the test can end.
		go func() {
			for {
				if ev, err := g.conn.WaitForEvent(); ev == nil && err == nil {
					return
				}
			}
		}()
		<-done
		t.Fatal("Grab hung after a burst of cursor events (xgb's event queue was full)")
	}
}

// TestResetConcurrent calls Reset and Size from other goroutines while
// grabbing (run with -race).
func TestResetConcurrent(t *testing.T) {
	x := startXvfb(t, 320, 240)
	g := openGrabber(t, x.display, Options{})
	grab(t, g)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				g.Reset()
				g.Size()
				time.Sleep(time.Millisecond)
			}
		}
	}()
	for range 50 {
		grab(t, g)
	}
	close(stop)
	<-done
	g.Reset()
	if f := grab(t, g); len(f.Dirty) != 1 || f.Dirty[0] != image.Rect(0, 0, 320, 240) {
		t.Errorf("after Reset: dirty %v", f.Dirty)
	}
}

// TestLogsMethod checks that Open says at debug level which way it grabs.
func TestLogsMethod(t *testing.T) {
	x := startXvfb(t, 320, 240)
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{}, "capture: using MIT-SHM"},
		{Options{noShm: true}, "capture: using GetImage"},
	} {
		buf.Reset()
		g := openGrabber(t, x.display, tc.opts)
		g.Close()
		if !strings.Contains(buf.String(), tc.want) {
			t.Errorf("log %q does not say %q", buf.String(), tc.want)
		}
	}
}

// TestResize changes the screen size with RandR from another client, the way
// `xrandr --fb WxH` does. Xvfb (21.1) lets the screen shrink from its initial
// size and grow back up to it, but not beyond (its size range's maximum is
// the -screen size), and only once the CRTC that shows the initial mode is
// switched off: a CRTC must fit in the screen.
func TestResize(t *testing.T) {
	x := startXvfb(t, testW, testH)
	p := newPainter(t, x.display)
	if err := randr.Init(p.conn); err != nil {
		t.Skipf("no RandR on Xvfb: %v; resizing not exercised", err)
	}
	if _, err := randr.QueryVersion(p.conn, 1, 3).Reply(); err != nil {
		t.Fatal(err)
	}
	rng, err := randr.GetScreenSizeRange(p.conn, p.root).Reply()
	if err != nil {
		t.Fatal(err)
	}
	res, err := randr.GetScreenResources(p.conn, p.root).Reply()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Crtcs {
		_, err := randr.SetCrtcConfig(p.conn, c, res.Timestamp, res.ConfigTimestamp, 0, 0, 0, randr.RotationRotate0, nil).Reply()
		if err != nil {
			t.Skipf("Xvfb refused to switch off CRTC %d: %v; resizing not exercised", c, err)
		}
	}
	g := openGrabber(t, x.display, Options{})
	grab(t, g)

	for _, size := range []image.Point{{800, 600}, {640, 480}, {testW, testH}, {testW, 1}} {
		if size.X < int(rng.MinWidth) || size.X > int(rng.MaxWidth) || size.Y < int(rng.MinHeight) || size.Y > int(rng.MaxHeight) {
			t.Skipf("Xvfb cannot resize to %v (range %dx%d–%dx%d): resizing not exercised",
				size, rng.MinWidth, rng.MinHeight, rng.MaxWidth, rng.MaxHeight)
		}
		err := randr.SetScreenSizeChecked(p.conn, p.root, uint16(size.X), uint16(size.Y),
			uint32(max(1, size.X*254/960)), uint32(max(1, size.Y*254/960))).Check() // 96 dpi
		if err != nil {
			t.Skipf("Xvfb refused RRSetScreenSize to %v: %v; resizing not exercised", size, err)
		}
		f := grab(t, g)
		full := image.Rectangle{Max: size}
		if f.Width != size.X || f.Height != size.Y || !slices.Equal(f.Dirty, []image.Rectangle{full}) {
			t.Errorf("after resizing to %v: frame %dx%d, dirty %v", size, f.Width, f.Height, f.Dirty)
		}
		if w, h := g.Size(); w != size.X || h != size.Y {
			t.Errorf("Size() = %dx%d after resizing to %v", w, h, size)
		}
		if len(f.Pix) < f.Stride*f.Height || f.Stride < 4*f.Width {
			t.Errorf("after resizing to %v: stride %d, %d bytes", size, f.Stride, len(f.Pix))
		}
		if !g.useShm || g.seg == nil || len(g.seg.Mem) != f.Stride*f.Height {
			t.Errorf("shm segment not re-created for %v", size)
		}
		if f := grab(t, g); len(f.Dirty) != 0 {
			t.Errorf("at %v, no change: dirty %v", size, f.Dirty)
		}
		r := image.Rect(size.X-10, size.Y-1, size.X, size.Y)
		p.fill(0xff0000, r)
		f = grab(t, g)
		checkDirty(t, f, 64, r)
		if got := pixel(f, size.X-1, size.Y-1); [3]byte(got[:3]) != bgr(0xff0000) {
			t.Errorf("at %v: last pixel % x, want red", size, got[:3])
		}
	}
}

func TestOpenErrors(t *testing.T) {
	for name, display := range map[string]string{
		"bad name":     "no-colon-here",
		"no server":    ":1999",
		"empty string": "",
	} {
		t.Run(name, func(t *testing.T) {
			if display == "" {
				t.Setenv("DISPLAY", "")
			}
			g, err := Open(display, Options{})
			if err == nil {
				g.Close()
				t.Fatalf("Open(%q) succeeded", display)
			}
			if !strings.HasPrefix(err.Error(), "capture: cannot open display ") {
				t.Errorf("Open(%q): %v", display, err)
			}
			t.Log(err)
		})
	}
	if _, err := Open(":0", Options{TileSize: -1}); err == nil || !strings.Contains(err.Error(), "tile size") {
		t.Errorf("negative tile size: %v", err)
	}
}

func TestClose(t *testing.T) {
	x := startXvfb(t, 320, 240)
	g, err := Open(x.display, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := grab(t, g)
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if err := g.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := g.Grab(); !errors.Is(err, ErrClosed) {
		t.Errorf("Grab after Close: %v, want ErrClosed", err)
	}
	_ = pixel(f, 319, 239) // Pix stays readable after Close
	g.Reset()
	if w, h := g.Size(); w != 320 || h != 240 {
		t.Errorf("Size after Close = %dx%d", w, h)
	}
}

// TestServerGone checks that a dead X server gives an error, not a hang.
func TestServerGone(t *testing.T) {
	x := startXvfb(t, 320, 240)
	g := openGrabber(t, x.display, Options{})
	grab(t, g)
	syscall.Kill(x.pid, syscall.SIGTERM) // not SIGKILL: Xvfb removes its lock file
	done := make(chan error, 1)
	go func() {
		var err error
		for err == nil {
			_, err = g.Grab()
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Log(err)
	case <-time.After(10 * time.Second):
		t.Fatal("Grab hangs after the X server died")
	}
}

// benchGrab measures Grab on a 1920x1080x24 Xvfb. change, if not nil, draws
// something before each Grab (not timed). Besides ns/op it reports the time
// of Grab alone (ms/grab), the frame rate that allows (fps) and the dirty
// area per frame.
func benchGrab(b *testing.B, opts Options, change func(p *painter, i int)) {
	const w, h = 1920, 1080
	x := startXvfb(b, w, h)
	p := newPainter(b, x.display)
	p.fill(0x000000, image.Rect(0, 0, w, h))
	g := openGrabber(b, x.display, opts)
	grab(b, g)
	b.ReportAllocs()
	var (
		spent time.Duration
		dirty int
		n     int
	)
	for b.Loop() {
		if change != nil {
			b.StopTimer()
			change(p, n)
			b.StartTimer()
		}
		t0 := time.Now()
		f, err := g.Grab()
		spent += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range f.Dirty {
			dirty += r.Dx() * r.Dy()
		}
		n++
	}
	ms := spent.Seconds() * 1000 / float64(n)
	b.ReportMetric(ms, "ms/grab")
	b.ReportMetric(1000/ms, "fps")
	b.ReportMetric(float64(dirty)/float64(n), "dirtypx/grab")
}

func BenchmarkGrab1080pIdle(b *testing.B) {
	benchGrab(b, Options{}, nil)
}

// BenchmarkGrab1080pTyping draws one 9×18 character cell per frame, left to
// right along 40 lines of 100 characters, like text appearing in a terminal.
func BenchmarkGrab1080pTyping(b *testing.B) {
	benchGrab(b, Options{}, func(p *painter, i int) {
		const cols, rows = 100, 40
		cell := i % (cols * rows)
		colour := []uint32{0xe0e0e0, 0x000000}[i/(cols*rows)%2]
		x, y := 20+9*(cell%cols), 20+18*(cell/cols)
		p.fill(colour, image.Rect(x, y, x+9, y+18))
	})
}

// BenchmarkGrab1080pFullChange repaints the whole screen in alternating
// colours before each frame.
func BenchmarkGrab1080pFullChange(b *testing.B) {
	benchGrab(b, Options{}, func(p *painter, i int) {
		p.fill([]uint32{0x203040, 0xc0d0e0}[i%2], image.Rect(0, 0, 1920, 1080))
	})
}

// BenchmarkGrab1080pIdleGetImage is the fallback without MIT-SHM, for
// comparison.
func BenchmarkGrab1080pIdleGetImage(b *testing.B) {
	benchGrab(b, Options{noShm: true}, nil)
}

// TestStillScreenIsNotCopied: with DAMAGE (Xvfb has it) a Grab after which
// nothing was drawn does not copy the screen; the test knows by spoiling
// the Grabber's copy of the screen, which a copy and diff would report as
// changed. What is drawn right before a Grab is in it, however soon.
func TestStillScreenIsNotCopied(t *testing.T) {
	x := startXvfb(t, testW, testH)
	p := newPainter(t, x.display)
	p.fill(0x000000, image.Rect(0, 0, testW, testH))
	g := openGrabber(t, x.display, Options{})
	if !g.damage.ok {
		t.Fatal("Xvfb offers DAMAGE, but the grabber did not subscribe to it")
	}
	grab(t, g)
	grab(t, g) // whatever the first grab's own drawing raised
	for i := range 64 * 4 {
		g.pix[i] ^= 0xff // the first tile, in the grabber's copy only
	}
	if f := grab(t, g); len(f.Dirty) != 0 {
		t.Fatalf("nothing was drawn, yet the grab compared the screen: dirty = %v", f.Dirty)
	}
	for i := range 64 * 4 {
		g.pix[i] ^= 0xff
	}
	for i := range 50 {
		r := image.Rect(200+i, 300, 201+i, 301)
		p.fill(0xffffff, r)
		if f := grab(t, g); !slices.Equal(f.Dirty, []image.Rectangle{image.Rect(192, 256, 256, 320)}) {
			t.Fatalf("after drawing at %v: dirty = %v", r.Min, f.Dirty)
		}
	}
	g.Reset()
	if f := grab(t, g); !slices.Equal(f.Dirty, []image.Rectangle{image.Rect(0, 0, testW, testH)}) {
		t.Fatalf("after Reset: dirty = %v, want the whole screen", f.Dirty)
	}
}
