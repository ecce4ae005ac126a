//go:build linux

package xpane

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

const bg = 0x2b2f36

// grab reads r of window win as RGBA.
func grab(t *testing.T, conn *xgb.Conn, win xproto.Window, r image.Rectangle) *image.RGBA {
	t.Helper()
	rep, err := xproto.GetImage(conn, xproto.ImageFormatZPixmap, xproto.Drawable(win), int16(r.Min.X), int16(r.Min.Y),
		uint16(r.Dx()), uint16(r.Dy()), ^uint32(0)).Reply()
	if err != nil {
		t.Fatalf("GetImage: %v", err)
	}
	img := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = rep.Data[i+2], rep.Data[i+1], rep.Data[i], 255
	}
	return img
}

// pattern is a picture with a different colour in every pixel row and column.
func pattern(w, h, seed int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x*7 + seed), uint8(y*5 + seed), uint8((x ^ y) + seed), 255})
		}
	}
	return img
}

// shows waits until the window shows want in r. The pane draws on its own
// X connection and the test reads on another; X orders requests per
// connection only, so a read right after a Show may come first (seen under
// load in CI).
func shows(t *testing.T, what string, conn *xgb.Conn, win xproto.Window, r image.Rectangle, want *image.RGBA) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if last = mismatch(grab(t, conn, win, r), want); last == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s", what, last)
		}
	}
}

// showsColour waits until the pixel at p is c.
func showsColour(t *testing.T, what string, conn *xgb.Conn, win xproto.Window, p image.Point, c color.RGBA) {
	t.Helper()
	px := image.NewRGBA(image.Rect(0, 0, 1, 1))
	px.SetRGBA(0, 0, c)
	shows(t, what, conn, win, image.Rectangle{Min: p, Max: p.Add(image.Pt(1, 1))}, px)
}

// mismatch says where got differs from want ("" when it does not).
func mismatch(got, want *image.RGBA) string {
	if got.Rect.Size() != want.Rect.Size() {
		return fmt.Sprintf("size %v, want %v", got.Rect.Size(), want.Rect.Size())
	}
	for y := 0; y < want.Rect.Dy(); y++ {
		for x := 0; x < want.Rect.Dx(); x++ {
			g, w := got.RGBAAt(x, y), want.RGBAAt(want.Rect.Min.X+x, want.Rect.Min.Y+y)
			w.A = 255
			if g != w {
				return fmt.Sprintf("pixel %d,%d is %v, want %v", x, y, g, w)
			}
		}
	}
	return ""
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestPaneDrawsTheImagePointerAndChanges draws through shared memory (the
// display is on this machine) and through the X socket (PutImage, as for
// a display elsewhere).
func TestPaneDrawsTheImagePointerAndChanges(t *testing.T) { bothWays(t, paneDraws) }

// bothWays runs test through shared memory and through the X socket.
func bothWays(t *testing.T, test func(t *testing.T, shared bool)) {
	for _, shared := range []bool{true, false} {
		t.Run(map[bool]string{true: "MIT-SHM", false: "PutImage"}[shared], func(t *testing.T) { test(t, shared) })
	}
}

// openPane opens a pane in a 700x500 game window titled title on a display
// of its own, drawing through shared memory or not, and closes it when t ends.
func openPane(t *testing.T, title string, shared bool) (*xgb.Conn, xproto.Window, *Pane) {
	d := xdisplay.Start(t, 800, 600)
	conn, parent := d.GameWindow(title, 700, 500)
	p, err := Open(d.Name, title, bg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if p.parent != parent {
		t.Fatalf("found window %d, want %d", p.parent, parent)
	}
	if !p.useShm {
		t.Fatal("the pane does not use MIT-SHM on a display of this machine")
	}
	p.useShm = shared
	t.Cleanup(func() {
		if used := p.seg != nil; used != shared {
			t.Errorf("shared memory used: %v, want %v", used, shared)
		}
	})
	return conn, parent, p
}

func paneDraws(t *testing.T, shared bool) {
	conn, parent, p := openPane(t, "Remote Assistance — test", shared)

	// A 300x200 image centred in a pane at 100,50 of 400x300.
	pane := image.Rect(100, 50, 500, 350)
	origin := image.Pt(150, 100)
	img := pattern(300, 200, 0)
	if !p.Place(true, pane, origin) {
		t.Fatal("Place on a hidden pane did not ask for a Show")
	}
	p.Show(Frame{Image: img}, Cursor{})
	shows(t, "first frame", conn, parent, image.Rectangle{Min: origin, Max: origin.Add(img.Rect.Size())}, img)
	// Around the image: the pane's background.
	showsColour(t, "pane background", conn, parent, image.Pt(101, 51), color.RGBA{0x2b, 0x2f, 0x36, 255})

	// One tile changes; a pointer (half-transparent red square) is drawn over it.
	img2 := pattern(300, 200, 0)
	for y := 70; y < 90; y++ {
		for x := 130; x < 150; x++ {
			img2.SetRGBA(x, y, color.RGBA{0, 0, 255, 255})
		}
	}
	shape := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := 0; i < len(shape.Pix); i += 4 {
		shape.Pix[i], shape.Pix[i+3] = 128, 128 // premultiplied: red at half alpha
	}
	p.Show(Frame{Image: img2}, Cursor{Visible: true, At: image.Pt(10, 10), Shape: shape})
	want := pattern(300, 200, 0)
	copy(want.Pix, img2.Pix)
	for y := 10; y < 14; y++ {
		for x := 10; x < 14; x++ {
			c := want.RGBAAt(x, y)
			want.SetRGBA(x, y, color.RGBA{128 + uint8(uint32(c.R)*127/255), uint8(uint32(c.G) * 127 / 255), uint8(uint32(c.B) * 127 / 255), 255})
		}
	}
	shows(t, "changed tile and pointer", conn, parent, image.Rectangle{Min: origin, Max: origin.Add(img.Rect.Size())}, want)

	// The pointer leaves: the pixels under it come back.
	p.Show(Frame{Image: img2}, Cursor{})
	shows(t, "pointer gone", conn, parent, image.Rectangle{Min: origin, Max: origin.Add(img.Rect.Size())}, img2)

	// Scrolled (actual size): the image moves up-left by 40,30.
	big := pattern(600, 400, 9)
	p.Place(true, pane, pane.Min.Sub(image.Pt(40, 30)))
	p.Show(Frame{Image: big}, Cursor{})
	shows(t, "scrolled", conn, parent, pane, big.SubImage(image.Rect(40, 30, 440, 330)).(*image.RGBA))

	// Hidden: the parent shows through again (white).
	p.Place(false, image.Rectangle{}, image.Point{})
	showsColour(t, "the parent through a hidden pane", conn, parent, image.Pt(300, 200), color.RGBA{255, 255, 255, 255})
	p.Show(Frame{Image: img}, Cursor{}) // ignored while hidden
	time.Sleep(100 * time.Millisecond)  // what a Show would draw has had time to arrive
	if c := grab(t, conn, parent, image.Rect(300, 200, 301, 201)).RGBAAt(0, 0); c != (color.RGBA{255, 255, 255, 255}) {
		t.Fatalf("Show drew on a hidden pane: %v", c)
	}
}

// The pane sends a tile again only when the frame's Cells say it changed
// since the version shown, also after a time hidden; a version that goes
// back, or a new source (Redraw), is drawn whole.
func TestPaneSendsTheCellsThatChanged(t *testing.T) { bothWays(t, paneCells) }

func paneCells(t *testing.T, shared bool) {
	conn, parent, p := openPane(t, "Remote Assistance — cells", shared)
	// 300x200: 5×4 cells, numbered in rows.
	origin := image.Pt(100, 50)
	area := image.Rectangle{Min: origin, Max: origin.Add(image.Pt(300, 200))}
	cells := func(v uint64) []uint64 { return slices.Repeat([]uint64{v}, 20) }
	paint := func(img *image.RGBA, cell int, c color.RGBA) *image.RGBA {
		out := image.NewRGBA(img.Rect)
		copy(out.Pix, img.Pix)
		r := image.Rect(cell%5*Tile, cell/5*Tile, cell%5*Tile+Tile, cell/5*Tile+Tile).Intersect(img.Rect)
		draw.Draw(out, r, image.NewUniform(c), image.Point{}, draw.Src)
		return out
	}
	red, blue := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}

	v1 := pattern(300, 200, 0)
	p.Place(true, area, origin)
	p.Show(Frame{Image: v1, Version: 1, Cells: cells(1)}, Cursor{})
	shows(t, "version 1", conn, parent, area, v1)

	// Version 2 changed cell 2. Cell 0 differs as well, but Cells says it
	// is as in version 1: it is not sent (it would go before cell 2).
	c2 := cells(1)
	c2[2] = 2
	want := paint(v1, 2, blue)
	p.Show(Frame{Image: paint(want, 0, red), Version: 2, Cells: c2}, Cursor{})
	shows(t, "only the cell that changed", conn, parent, area, want)

	// Versions 3 and 4 change cells 7 and 12 while the pane is hidden;
	// shown again, the next frame brings both.
	p.Place(false, image.Rectangle{}, image.Point{})
	v4 := paint(paint(want, 7, red), 12, blue)
	c4 := slices.Clone(c2)
	c4[7], c4[12] = 3, 4
	p.Show(Frame{Image: v4, Version: 4, Cells: c4}, Cursor{}) // ignored while hidden
	p.Place(true, area, origin)
	p.Show(Frame{Image: v4, Version: 4, Cells: c4}, Cursor{})
	shows(t, "caught up after a time hidden", conn, parent, area, v4)

	// The version goes back (another source): drawn whole.
	n1 := pattern(300, 200, 5)
	p.Show(Frame{Image: n1, Version: 1, Cells: cells(1)}, Cursor{})
	shows(t, "a version that went back", conn, parent, area, n1)

	// After Redraw the same version is drawn whole too.
	n2 := pattern(300, 200, 9)
	p.Redraw()
	p.Show(Frame{Image: n2, Version: 1, Cells: cells(1)}, Cursor{})
	shows(t, "after Redraw", conn, parent, area, n2)
}

// Clicks over the pane reach the game window: the child selects no input.
func TestPanePassesPointerEventsToTheWindow(t *testing.T) {
	d := xdisplay.Start(t, 800, 600)
	title := "pane input"
	conn, parent := d.GameWindow(title, 700, 500)
	p, err := Open(d.Name, title, bg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Place(true, image.Rect(100, 50, 500, 350), image.Pt(100, 50))
	p.Show(Frame{Image: pattern(400, 300, 3)}, Cursor{})
	d.Do("xdotool", "mousemove", "--window", strconv.Itoa(int(parent)), "250", "120", "click", "1")
	var got *xproto.ButtonPressEvent
	waitFor(t, "a button press on the game window", func() bool {
		ev, err := conn.PollForEvent()
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := ev.(xproto.ButtonPressEvent); ok {
			got = &e
		}
		return got != nil
	})
	if got.Event != parent || got.EventX != 250 || got.EventY != 120 {
		t.Fatalf("button press on window %d at %d,%d, want %d at 250,120", got.Event, got.EventX, got.EventY, parent)
	}
}

func TestOpenFindsNoWindow(t *testing.T) {
	d := xdisplay.Start(t, 320, 240)
	_, err := Open(d.Name, "no such window", bg, nil)
	if err == nil {
		t.Fatal("Open found a window that does not exist")
	}
	t.Log("error as expected:", err)
}
