package appicon

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestPackagedIconsAreCurrent: the PNGs committed in packaging/icons are
// what Draw draws now, so a change to the picture that forgot `go generate
// ./internal/appicon` fails here instead of shipping the old icon in the
// menu beside the new one in the windows. Pixels are compared, not bytes:
// another Go version may compress the same picture differently.
func TestPackagedIconsAreCurrent(t *testing.T) {
	for _, n := range PackagedSizes {
		path := filepath.Join("..", "..", "packaging", "icons", fmt.Sprintf("%dx%d", n, n), "ra-p2p.png")
		f, err := os.Open(path)
		if err != nil {
			t.Fatalf("opening the packaged icon: %v (go generate ./internal/appicon writes it)", err)
		}
		got, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("decoding %s: %v", path, err)
		}
		want := Draw(n)
		if got.Bounds() != want.Bounds() {
			t.Fatalf("%s is %v, want %v: run go generate ./internal/appicon", path, got.Bounds(), want.Bounds())
		}
		if x, y, ok := firstDifference(got, want); !ok {
			t.Errorf("%s differs from Draw(%d) at %d,%d: run go generate ./internal/appicon", path, n, x, y)
		}
	}
}

// TestDrawKeepsThePicture: a few pixels that make the picture, at the
// smallest and largest sizes: the rounded corner is cut, the tile is blue,
// the screen light blue, the stand white and the pointer dark.
func TestDrawKeepsThePicture(t *testing.T) {
	for _, n := range []int{16, 256} {
		img := Draw(n)
		at := func(gx, gy float64) [4]uint8 { // a point on the 16-unit grid
			c := img.RGBAAt(int(gx*float64(n)/16), int(gy*float64(n)/16))
			return [4]uint8{c.R, c.G, c.B, c.A}
		}
		for name, c := range map[string]struct {
			x, y float64
			want [4]uint8
		}{
			"the corner is cut":   {0, 0, [4]uint8{}},
			"the tile is blue":    {1, 8, [4]uint8{0x25, 0x63, 0xeb, 0xff}},
			"the screen is light": {11, 8, [4]uint8{0xbf, 0xdb, 0xfe, 0xff}},
			"the frame is white":  {3, 3.5, [4]uint8{0xff, 0xff, 0xff, 0xff}},
			"the stand is white":  {8, 13, [4]uint8{0xff, 0xff, 0xff, 0xff}},
			"the pointer is dark": {7.1, 5.1, [4]uint8{0x1e, 0x3a, 0x8a, 0xff}},
		} {
			if got := at(c.x, c.y); got != c.want {
				t.Errorf("%d px: %s: pixel at %v,%v is %v, want %v", n, name, c.x, c.y, got, c.want)
			}
		}
	}
}

// firstDifference compares two images of equal bounds pixel by pixel and
// returns the first point where they differ, or ok when none does.
func firstDifference(a, b image.Image) (x, y int, ok bool) {
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return x, y, false
			}
		}
	}
	return 0, 0, true
}
