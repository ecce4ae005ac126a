// Package appicon draws ra-p2p's icon: a blue tile with a white screen on a
// stand, a pointer on the screen. The windows set it as their icon (render)
// and packaging/icons holds it as PNG files for the menu entry and for
// invitation files (go generate here writes them). It is drawn in code, with
// the standard library only, so that the packaging tool can draw it without
// linking Ebiten and cgo, and so that there is one picture, not two copies.
package appicon

//go:generate go run ./cmd/writeicons ../../packaging/icons

import (
	"image"
	"image/color"
)

// PackagedSizes are the sizes, in pixels, of the PNGs in packaging/icons
// (installed under share/icons/hicolor/NxN/apps): 48 is the size menus and
// file managers ask for most, 128 and 256 are what launchers and large
// file views scale down from.
var PackagedSizes = []int{48, 128, 256}

// Draw draws the icon n pixels square. Shapes are given on a 16-unit grid
// and scaled, so every size has the same picture.
func Draw(n int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	blue := color.RGBA{0x25, 0x63, 0xeb, 0xff}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	screen := color.RGBA{0xbf, 0xdb, 0xfe, 0xff}
	dark := color.RGBA{0x1e, 0x3a, 0x8a, 0xff}
	u := float64(n) / 16
	// fill paints the grid rectangle x0,y0–x1,y1 (in 16ths).
	fill := func(x0, y0, x1, y1 float64, c color.RGBA, round bool) {
		r := 0.0
		if round {
			r = 3 * u
		}
		for y := int(y0 * u); y < int(y1*u+0.5); y++ {
			for x := int(x0 * u); x < int(x1*u+0.5); x++ {
				if round && outsideCorner(float64(x)+0.5, float64(y)+0.5, x0*u, y0*u, x1*u, y1*u, r) {
					continue
				}
				img.SetRGBA(x, y, c)
			}
		}
	}
	fill(0, 0, 16, 16, blue, true)       // the tile
	fill(2.5, 3, 13.5, 11, white, false) // the screen's frame
	fill(3.5, 4, 12.5, 10, screen, false)
	fill(7, 11, 9, 12.5, white, false) // the stand
	fill(5, 12.5, 11, 13.5, white, false)
	// The pointer: a small arrow on the screen.
	for i := 0.0; i < 4; i += 0.25 {
		fill(7, 5+i, 7+i*0.75+0.5, 5+i+0.25, dark, false)
	}
	return img
}

// outsideCorner says whether x,y lies in a corner cut off by rounding the
// rectangle x0,y0–x1,y1 with radius r.
func outsideCorner(x, y, x0, y0, x1, y1, r float64) bool {
	cx, cy := x, y
	switch {
	case x < x0+r:
		cx = x0 + r
	case x > x1-r:
		cx = x1 - r
	}
	switch {
	case y < y0+r:
		cy = y0 + r
	case y > y1-r:
		cy = y1 - r
	}
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) > r*r
}
