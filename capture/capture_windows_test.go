package capture

import (
	"flag"
	"image"
	"image/png"
	"os"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var grabPNG = flag.String("grab-png", "", "TestGrabWindows writes its first grab there, as PNG (test/wine compares it with X's picture of the same screen)")

// TestGrabWindows grabs the screen through GDI: a first frame whole, a
// Reset makes the next whole again, and a Grab right after one with
// nothing drawn reports at most a few tiles (a clock, a caret) changed.
// Under Wine, test/wine runs it with -grab-png and compares the picture
// with the X display's own.
func TestGrabWindows(t *testing.T) {
	g, err := Open("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	f, err := g.Grab()
	if err != nil {
		t.Fatal(err)
	}
	w, h := g.Size()
	t.Logf("screen %dx%d, cursor %+v", w, h, f.Cursor)
	if f.Width != w || f.Height != h || w <= 0 || h <= 0 || f.Stride != 4*w || len(f.Pix) < f.Stride*h {
		t.Fatalf("frame %dx%d stride %d with %d bytes, screen %dx%d", f.Width, f.Height, f.Stride, len(f.Pix), w, h)
	}
	if f.Seq != 1 || !covers(f.Dirty, w, h) {
		t.Errorf("first frame: seq %d, dirty %v; want 1 and the whole screen", f.Seq, f.Dirty)
	}
	if *grabPNG != "" {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				s, d := f.Pix[y*f.Stride+4*x:], img.Pix[y*img.Stride+4*x:]
				d[0], d[1], d[2], d[3] = s[2], s[1], s[0], 0xff
			}
		}
		out, err := os.Create(*grabPNG)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(out, img); err != nil {
			t.Fatal(err)
		}
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
	f, err = g.Grab()
	if err != nil {
		t.Fatal(err)
	}
	if covers(f.Dirty, w, h) && len(f.Dirty) > 0 {
		t.Errorf("second grab with nothing drawn: dirty %v (the whole screen)", f.Dirty)
	}
	g.Reset()
	if f, err = g.Grab(); err != nil {
		t.Fatal(err)
	}
	if f.Seq != 3 || !covers(f.Dirty, w, h) {
		t.Errorf("after Reset: seq %d, dirty %v; want 3 and the whole screen", f.Seq, f.Dirty)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Grab(); err != ErrClosed {
		t.Errorf("Grab after Close: %v, want ErrClosed", err)
	}
}

// covers says whether rs are the whole w×h screen.
func covers(rs []image.Rectangle, w, h int) bool {
	area := 0
	for _, r := range rs {
		area += r.Dx() * r.Dy()
	}
	return area == w*h
}

var (
	testUser32           = windows.NewLazySystemDLL("user32.dll")
	testGdi32            = windows.NewLazySystemDLL("gdi32.dll")
	procFillRect         = testUser32.NewProc("FillRect")
	procCreateSolidBrush = testGdi32.NewProc("CreateSolidBrush")
)

// TestGrabPollsHotTiles: between two copies of the whole screen a Grab
// copies only the tiles that changed lately. A change where the screen
// changed just before is found by the next Grab; a change elsewhere is
// not, until the next copy of the whole screen finds it. A large area that
// changed lately is copied every bigEvery only, a small one at every Grab.
func TestGrabPollsHotTiles(t *testing.T) {
	g, err := Open("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	g.fullEvery = time.Hour // the test says when the whole screen is copied
	dc, _, _ := procGetDC.Call(0)
	if dc == 0 {
		t.Fatal("no screen device context")
	}
	defer procReleaseDC.Call(0, dc)
	paint := func(r image.Rectangle, bgr uint32) {
		brush, _, _ := procCreateSolidBrush.Call(uintptr(bgr))
		rect := [4]int32{int32(r.Min.X), int32(r.Min.Y), int32(r.Max.X), int32(r.Max.Y)}
		procFillRect.Call(dc, uintptr(unsafe.Pointer(&rect)), brush)
		procDeleteObject.Call(brush)
		procGdiFlush.Call()
	}
	grab := func(full bool) []image.Rectangle {
		t.Helper()
		if full {
			g.full = time.Time{}
		}
		f, err := g.Grab()
		if err != nil {
			t.Fatal(err)
		}
		return f.Dirty
	}
	touches := func(dirty []image.Rectangle, r image.Rectangle) bool {
		for _, d := range dirty {
			if d.Overlaps(r) {
				return true
			}
		}
		return false
	}
	a, b := image.Rect(130, 130, 190, 190), image.Rect(450, 330, 510, 390) // tiles apart, away from the pointer
	grab(true)
	paint(a, 0x0000ff)
	if d := grab(true); !touches(d, a) {
		t.Fatalf("a copy of the whole screen misses the change at %v: dirty %v (does drawing on the screen's DC reach it here?)", a, d)
	}
	paint(a, 0xff0000)
	paint(b, 0x00ff00)
	d := grab(false)
	if !touches(d, a) {
		t.Errorf("the tiles that changed lately are not copied again: %v not in dirty %v", a, d)
	}
	if touches(d, b) {
		t.Errorf("a tile that did not change lately was copied between two copies of the whole screen: %v in dirty %v", b, d)
	}
	if d := grab(true); !touches(d, b) || touches(d, a) {
		t.Errorf("the next copy of the whole screen: dirty %v, want %v and not %v", d, b, a)
	}

	// A large busy area is copied every bigEvery, a small one at every Grab.
	w, h := g.Size()
	small, big := image.Rect(10, 10, 60, 50), image.Rect(100, h-150, w-100, h-10)
	tiles := func(r image.Rectangle) image.Rectangle {
		up := func(v, limit int) int { return min((v+g.tile-1)/g.tile*g.tile, limit) }
		return image.Rect(r.Min.X/g.tile*g.tile, r.Min.Y/g.tile*g.tile, up(r.Max.X, w), up(r.Max.Y, h))
	}
	if area := func(r image.Rectangle) int { return r.Dx() * r.Dy() }; area(tiles(big)) <= w*h/smallPart || area(tiles(small)) > w*h/smallPart {
		t.Fatalf("on a screen of %dx%d, %v is not a large area or %v not a small one", w, h, big, small)
	}
	paint(small, 0x00ffff)
	paint(big, 0x0000ff)
	if d := grab(true); !touches(d, small) || !touches(d, big) {
		t.Fatalf("a copy of the whole screen: dirty %v, want %v and %v", d, small, big)
	}
	paint(small, 0xff00ff)
	paint(big, 0xffff00)
	g.big = time.Now() // the large area was just copied
	if d := grab(false); !touches(d, small) || touches(d, big) {
		t.Errorf("right after the large area was copied: dirty %v, want %v and not %v", d, small, big)
	}
	g.big = time.Time{} // bigEvery has passed
	if d := grab(false); !touches(d, big) {
		t.Errorf("bigEvery after the large area was copied: dirty %v, want %v", d, big)
	}
}

// TestCursorReadEvery: the pointer is read at most every cursorEvery, also
// after a key frame asked for its shape when there is none to send (under
// Wine the session's pointer has none; a pending resend made every Grab
// read it).
func TestCursorReadEvery(t *testing.T) {
	var c winCursor
	defer c.close()
	c.resend = true
	c.shape = nil
	now := time.Now()
	c.read(now)
	if c.resend {
		t.Fatal("a read left the resend pending")
	}
	if !c.readAt.Equal(now) {
		t.Fatalf("the first read is dated %v, want %v", c.readAt, now)
	}
	c.read(now.Add(cursorEvery / 2))
	if !c.readAt.Equal(now) {
		t.Errorf("a read within cursorEvery of the last asked Windows again (read at %v)", c.readAt)
	}
	c.read(now.Add(cursorEvery))
	if !c.readAt.Equal(now.Add(cursorEvery)) {
		t.Errorf("a read cursorEvery after the last did not ask Windows (last read %v)", c.readAt)
	}
}
