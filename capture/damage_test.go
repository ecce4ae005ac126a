//go:build !windows

package capture

import (
	"fmt"
	"image"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"

	"github.com/ra-p2p/ra-p2p/desktop"
)

// samePixels fails unless a and b hold the same screen (the fourth byte of
// a pixel is undefined and not compared).
func samePixels(t *testing.T, what string, a, b *desktop.Frame) {
	t.Helper()
	if a.Width != b.Width || a.Height != b.Height {
		t.Fatalf("%s: %dx%d against %dx%d", what, a.Width, a.Height, b.Width, b.Height)
	}
	for y := range a.Height {
		for x := range a.Width {
			pa, pb := pixel(a, x, y), pixel(b, x, y)
			if [3]byte(pa[:3]) != [3]byte(pb[:3]) {
				t.Fatalf("%s: pixel (%d, %d) is %x, a whole copy of the screen has %x", what, x, y, pa[:3], pb[:3])
			}
		}
	}
}

// wholeGrab copies the whole screen with a Grabber of its own: what the
// screen is now.
func wholeGrab(t *testing.T, g *Grabber) *desktop.Frame {
	t.Helper()
	g.Reset()
	return grab(t, g)
}

// TestDamagedAreaIsCopied: with DAMAGE and XFixes (Xvfb has both) a Grab
// copies only the tiles that the damaged rectangles touch, not the whole
// screen, and the frame is still exactly the screen.
func TestDamagedAreaIsCopied(t *testing.T) {
	x := startXvfb(t, testW, testH)
	p := newPainter(t, x.display)
	p.fill(0x000000, image.Rect(0, 0, testW, testH))
	for name, opts := range map[string]Options{"MIT-SHM": {}, "GetImage": {noShm: true}} {
		t.Run(name, func(t *testing.T) {
			p.fill(0x000000, image.Rect(0, 0, testW, testH))
			g := openGrabber(t, x.display, opts)
			whole := openGrabber(t, x.display, Options{})
			if g.damage.region == 0 {
				t.Fatal("Xvfb offers DAMAGE and XFixes, but the grabber has no region to fetch the damage into")
			}
			grab(t, g)
			grab(t, g) // whatever the first grab's own drawing raised

			// The tile at (0, 0) is spoiled in the grabber's copy only: a
			// Grab that compared it would report it dirty.
			for i := range 64 * 4 {
				g.pix[i] ^= 0xff
			}
			drawn := []image.Rectangle{image.Rect(200, 300, 260, 330), image.Rect(900, 650, 1000, 700)}
			p.fill(0x30a0f0, drawn[0])
			p.fill(0xf0e020, drawn[1])
			f := grab(t, g)
			checkDirty(t, f, 64, drawn...)
			var copied []image.Rectangle
			for _, s := range g.shots {
				copied = append(copied, s.r)
			}
			// The tiles the drawing touches, the last ones partial: columns
			// 3-4 of rows 4-5, and the screen's bottom-right corner.
			if want := []image.Rectangle{image.Rect(192, 256, 320, 384), image.Rect(896, 640, 1000, 700)}; !slices.Equal(copied, want) {
				t.Fatalf("copied %v, want only the damaged tiles %v", copied, want)
			}
			for i := range 64 * 4 {
				g.pix[i] ^= 0xff
			}
			samePixels(t, "after two rectangles", f, wholeGrab(t, whole))

			// Many rectangles at random, several per Grab, some over the
			// edges: the frame is the screen after each.
			rng := rand.New(rand.NewPCG(1, 2))
			for i := range 40 {
				for range 1 + rng.IntN(12) {
					x0, y0 := rng.IntN(testW+40)-20, rng.IntN(testH+40)-20
					r := image.Rect(x0, y0, x0+1+rng.IntN(150), y0+1+rng.IntN(90))
					p.fill(rng.Uint32()&0xffffff, r)
				}
				f := grab(t, g)
				if len(g.shots) > maxShots {
					t.Fatalf("%d image requests in one Grab, at most %d", len(g.shots), maxShots)
				}
				samePixels(t, fmt.Sprintf("after round %d", i), f, wholeGrab(t, whole))
			}
		})
	}
}

// TestDrawingDuringGrabIsNotLost: another client draws all the time while
// Grabs go on, so drawings land between a Grab's Subtract and its image and
// between its events and its requests. Once the drawing stops, the next
// Grab must hold the screen exactly: a change lost on the way would stay
// wrong in the grabber's copy.
func TestDrawingDuringGrabIsNotLost(t *testing.T) {
	x := startXvfb(t, testW, testH)
	p := newPainter(t, x.display)
	p.fill(0x000000, image.Rect(0, 0, testW, testH))
	g := openGrabber(t, x.display, Options{})
	whole := openGrabber(t, x.display, Options{})
	grab(t, g)
	for round := range 5 {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(round), 3))
			for {
				select {
				case <-stop:
					return
				default:
				}
				x0, y0 := rng.IntN(testW), rng.IntN(testH)
				p.fill(rng.Uint32()&0xffffff, image.Rect(x0, y0, x0+1+rng.IntN(40), y0+1+rng.IntN(40)))
			}
		}()
		for range 100 {
			grab(t, g)
		}
		close(stop)
		wg.Wait()
		samePixels(t, fmt.Sprintf("round %d, the Grab after the drawing stopped", round), grab(t, g), wholeGrab(t, whole))
	}
}

// TestChanges: Changes stays quiet while nothing is drawn and receives
// soon after a drawing, each time.
func TestChanges(t *testing.T) {
	x := startXvfb(t, testW, testH)
	p := newPainter(t, x.display)
	g := openGrabber(t, x.display, Options{})
	if g.Changes() == nil {
		t.Fatal("Xvfb offers DAMAGE, but Changes is nil")
	}
	grab(t, g)
	time.Sleep(50 * time.Millisecond) // whatever the first grab raised
	grab(t, g)
	select {
	case <-g.Changes():
		t.Fatal("Changes received with nothing drawn since the last Grab")
	case <-time.After(200 * time.Millisecond):
	}
	for i := range 5 {
		p.fill(0x102030*uint32(i+1), image.Rect(10*i, 10, 10*i+5, 15))
		select {
		case <-g.Changes():
		case <-time.After(5 * time.Second):
			t.Fatalf("drawing %d: Changes did not receive", i)
		}
		if f := grab(t, g); len(f.Dirty) == 0 {
			t.Fatalf("drawing %d: Changes received, the Grab found nothing", i)
		}
	}
	g.Close()
	g.Close() // idempotent
}

// TestMoves: Moves stays quiet while the pointer is still, even while the
// screen changes, and receives soon after the pointer moves by XTEST (as a
// device moves it, and the helper's control), each time, also while
// another client has grabbed the pointer.
func TestMoves(t *testing.T) {
	x := startXvfb(t, testW, testH)
	p := newPainter(t, x.display)
	g := openGrabber(t, x.display, Options{})
	if g.Moves() == nil {
		t.Fatal("Xvfb offers XInput 2, but Moves is nil")
	}
	conn, err := xgb.NewConnDisplay(x.display)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := xtest.Init(conn); err != nil {
		t.Fatal(err)
	}
	root := xproto.Setup(conn).DefaultScreen(conn).Root
	grab(t, g)
	p.fill(0x405060, image.Rect(0, 0, 20, 20))
	select {
	case <-g.Changes():
	case <-time.After(5 * time.Second):
		t.Fatal("Changes did not receive after a drawing")
	}
	select {
	case <-g.Moves():
		t.Fatal("Moves received for a drawing, with the pointer still")
	case <-time.After(200 * time.Millisecond):
	}
	for i := range 3 {
		x0, y0 := 50+10*i, 60+5*i
		if err := xtest.FakeInputChecked(conn, xproto.MotionNotify, 0, 0, root, int16(x0), int16(y0), 0).Check(); err != nil {
			t.Fatalf("moving the pointer by XTEST: %v", err)
		}
		select {
		case <-g.Moves():
		case <-time.After(5 * time.Second):
			t.Fatalf("move %d: Moves did not receive", i)
		}
		if f := grab(t, g); f.Cursor.X != x0 || f.Cursor.Y != y0 {
			t.Fatalf("move %d: Moves received, the Grab has the pointer at %d,%d, want %d,%d", i, f.Cursor.X, f.Cursor.Y, x0, y0)
		}
	}
	// Another client grabs the pointer, as an open menu or a drag does:
	// its motion still wakes Moves.
	r, err := xproto.GrabPointer(conn, false, root, xproto.EventMaskPointerMotion, xproto.GrabModeAsync, xproto.GrabModeAsync,
		xproto.WindowNone, xproto.CursorNone, xproto.TimeCurrentTime).Reply()
	if err != nil || r.Status != xproto.GrabStatusSuccess {
		t.Fatalf("grabbing the pointer: %v (status %v)", err, r)
	}
	if err := xtest.FakeInputChecked(conn, xproto.MotionNotify, 0, 0, root, 200, 150, 0).Check(); err != nil {
		t.Fatalf("moving the grabbed pointer by XTEST: %v", err)
	}
	select {
	case <-g.Moves():
	case <-time.After(5 * time.Second):
		t.Fatal("the pointer moved while another client grabbed it: Moves did not receive")
	}
}
