//go:build linux

package test

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// TestScreenAcrossTwoNATs: the novice's display shows a known picture (a
// test pattern and an xterm with text); the helper's window, on another
// display, shows it in its right pane, the programs running in the two-home
// namespace topology. At 100% (F11, drawn 1:1 from the window's origin) the
// pane matches the novice's screen (pixel-exact where the codec is lossless:
// text, bars, fine patterns; PSNR ≥ 35 dB overall); scaled to fit, PSNR ≥ 35 dB against an exact
// area-average downscale; and changes on the novice's screen (a new red window, text
// typed in the xterm) arrive.
func TestScreenAcrossTwoNATs(t *testing.T) {
	w := twoConeHomes(t)
	const sw, sh = 1280, 720
	nd := xdisplay.Start(t, sw, sh)
	hd := xdisplay.Start(t, 1400, 900)
	shots := screenshotDir(t)

	// The novice's desktop: a test pattern as the root background, an xterm with text.
	nd.ShowImage(testPattern(sw, sh))
	xterm := nd.Start("xterm", "-geometry", "80x20+620+60", "-fa", "Monospace", "-fs", "10", "-e", "sh", "-c", "ls -l /usr/bin | head -40; exec cat")
	xw := nd.WaitWindowClass("XTerm", 10*time.Second)
	_ = xterm

	nd.Do("xdotool", "mousemove", "1270", "710") // keep the pointer out of the way
	s := startWindowed(t, w, nd, hd, "--no-gui")
	novice, helper, hw := s.novice, s.helper, s.hw
	mustWait(t, novice, `Bob can see your screen`, 10*time.Second)

	// Scaled to fit: the pane is 1280-340 = 940 wide, so the image is 940x529 at y=135.
	want := nd.Screenshot("root", filepath.Join(shots, "novice-screen.png"))
	fit := image.Rect(340, 135, 340+940, 135+529)
	waitPane(t, hd, hw, func(got image.Image) (bool, string) {
		p := psnr(downscale(want, fit.Size()), got, fit)
		return p >= 35, fmt.Sprintf("PSNR %.1f dB (scaled, want ≥ 35)", p)
	}, filepath.Join(shots, "helper-fit.png"))

	// 100%: F11 draws the remote screen 1:1 from the window's origin.
	hd.Do("xdotool", "windowfocus", "--sync", hw)
	hd.Key("F11")
	full := image.Rect(0, 0, sw, sh)
	// The bars, the text, the checkerboard and the fine lines must be
	// lossless; the gradient band in the middle is photo-like (JPEG tiles).
	// The remote pointer is drawn over the bottom-right corner.
	lossless := []image.Rectangle{image.Rect(0, 0, sw, sh/3), image.Rect(0, 2*sh/3, sw-48, sh)}
	waitPane(t, hd, hw, func(got image.Image) (bool, string) {
		p := psnr(want, got, full)
		exact := min(exactShare(want, got, lossless[0]), exactShare(want, got, lossless[1]))
		return p >= 35 && exact == 1, fmt.Sprintf("PSNR %.1f dB, lossless regions %.2f%% pixel-exact (want ≥ 35 dB, 100%%)", p, exact*100)
	}, filepath.Join(shots, "helper-full.png"))

	// Changes arrive: a red window appears, text is typed in the xterm.
	red := nd.Start("xterm", "-bg", "#ff0000", "-geometry", "20x6+80+400")
	_ = red
	nd.Do("xdotool", "windowfocus", "--sync", xw)
	nd.Type("hello from Alice", true)
	time.Sleep(300 * time.Millisecond)
	want = nd.Screenshot("root", filepath.Join(shots, "novice-screen-changed.png"))
	waitPane(t, hd, hw, func(got image.Image) (bool, string) {
		r, g, b, _ := got.At(100, 420).RGBA()
		isRed := r>>8 > 200 && g>>8 < 60 && b>>8 < 60
		p := psnr(want, got, full)
		return isRed && p >= 35, fmt.Sprintf("red window seen: %v, PSNR %.1f dB", isRed, p)
	}, filepath.Join(shots, "helper-full-changed.png"))

	// Closing the helper's window asks first; ENTER ends the session for both.
	hd.Key("F11") // back to the normal layout
	hd.RequestClose(hw)
	time.Sleep(500 * time.Millisecond)
	hd.Screenshot(hw, filepath.Join(shots, "helper-close-question.png"))
	pressUntil(t, hd, hw, "Return", novice, `Disconnected from Bob`)
	if code, err := helper.Wait(10 * time.Second); err != nil || code != 0 {
		t.Errorf("helper after closing its window: exit %d, %v", code, err)
	}
}

// waitPane takes screenshots of the helper window until ok, or fails after 10 s.
func waitPane(t *testing.T, d *xdisplay.Display, win string, ok func(image.Image) (bool, string), save string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := d.Screenshot(win, "")
		good, why := ok(got)
		if good || time.Now().After(deadline) {
			d.Screenshot(win, save)
			if !good {
				t.Fatalf("helper's pane does not show the novice's screen: %s (see %s)", why, save)
			}
			t.Log(why)
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// testPattern is a test card: colour bars, a gradient, a checkerboard and
// fine lines (what a codec gets wrong first).
func testPattern(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	bars := []color.RGBA{{255, 255, 255, 255}, {255, 255, 0, 255}, {0, 255, 255, 255}, {0, 255, 0, 255}, {255, 0, 255, 255}, {255, 0, 0, 255}, {0, 0, 255, 255}, {0, 0, 0, 255}}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var c color.RGBA
			switch {
			case y < h/3:
				c = bars[x*len(bars)/w]
			case y < 2*h/3:
				c = color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8(255 - x*255/w), 255}
			case x < w/2:
				if (x/8+y/8)%2 == 0 {
					c = color.RGBA{30, 30, 30, 255}
				} else {
					c = color.RGBA{220, 220, 220, 255}
				}
			default:
				if x%3 == 0 || y%4 == 0 {
					c = color.RGBA{0, 0, 0, 255}
				} else {
					c = color.RGBA{250, 250, 240, 255}
				}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// psnr compares want (at its origin) with got inside r of got.
func psnr(want, got image.Image, r image.Rectangle) float64 {
	var sum float64
	n := 0
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			wr, wg, wb, _ := want.At(want.Bounds().Min.X+x, want.Bounds().Min.Y+y).RGBA()
			gr, gg, gb, _ := got.At(r.Min.X+x, r.Min.Y+y).RGBA()
			for _, d := range []float64{float64(wr>>8) - float64(gr>>8), float64(wg>>8) - float64(gg>>8), float64(wb>>8) - float64(gb>>8)} {
				sum += d * d
			}
			n += 3
		}
	}
	if sum == 0 {
		return 99
	}
	return 10 * math.Log10(255*255/(sum/float64(n)))
}

// exactShare is the share of pixels in r (same place in both) identical to want's.
func exactShare(want, got image.Image, r image.Rectangle) float64 {
	same, n := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			wr, wg, wb, _ := want.At(x, y).RGBA()
			gr, gg, gb, _ := got.At(x, y).RGBA()
			if wr>>8 == gr>>8 && wg>>8 == gg>>8 && wb>>8 == gb>>8 {
				same++
			}
			n++
		}
	}
	return float64(same) / float64(n)
}

// downscale is an exact area-average resize (each source pixel weighted by
// how much of it a destination pixel covers): the reference for the scaled pane.
func downscale(src image.Image, size image.Point) image.Image {
	b := src.Bounds()
	sx, sy := float64(b.Dx())/float64(size.X), float64(b.Dy())/float64(size.Y)
	spans := func(i int, s float64, limit int) (int, int, func(int) float64) {
		lo, hi := float64(i)*s, float64(i+1)*s
		first, last := int(lo), min(int(math.Ceil(hi)), limit)
		return first, last, func(k int) float64 {
			return math.Min(hi, float64(k+1)) - math.Max(lo, float64(k))
		}
	}
	dst := image.NewRGBA(image.Rectangle{Max: size})
	for y := 0; y < size.Y; y++ {
		y0, y1, wy := spans(y, sy, b.Dy())
		for x := 0; x < size.X; x++ {
			x0, x1, wx := spans(x, sx, b.Dx())
			var r, g, bl, n float64
			for yy := y0; yy < y1; yy++ {
				for xx := x0; xx < x1; xx++ {
					w := wx(xx) * wy(yy)
					cr, cg, cb, _ := src.At(b.Min.X+xx, b.Min.Y+yy).RGBA()
					r, g, bl, n = r+w*float64(cr>>8), g+w*float64(cg>>8), bl+w*float64(cb>>8), n+w
				}
			}
			dst.SetRGBA(x, y, color.RGBA{uint8(r/n + 0.5), uint8(g/n + 0.5), uint8(bl/n + 0.5), 255})
		}
	}
	return dst
}
