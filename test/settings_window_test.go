//go:build linux

package test

import (
	"cmp"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// The Settings dialog's options, in the order optionBoxes finds them (top
// to bottom, left to right): the presets, then the rows Frame rate,
// Colours (two lines of two), Size and Photos, then OK and Cancel.
const (
	optAutomatic, optBalanced, optFastest, optCustom = 0, 2, 3, 4
	opt60fps, opt15fps                               = 5, 7
	optFull, opt65536, optGreyscale                  = 9, 10, 12
	opt100, opt75                                    = 13, 14
	optNormal, optLow                                = 17, 18
	optionCount                                      = 21
)

// chosenBorder is the edge of an option chosen (render/theme.go).
var chosenBorder = color.RGBA{0x25, 0x63, 0xeb, 0xff}

// TestSettingsInWindows: the helper, connected and seeing Alice's coloured
// test card, shows the connection line with F2 (and hides it), clicks
// Settings; the dialog marks Automatic and its options.
// Greyscale makes the choice Custom; OK applies it without reconnecting:
// every pixel of the pane turns grey, the history says "Screen quality:
// Custom: …", and the config file keeps it for the next session. Opened
// again at the window's minimum size, the dialog fits whole, and Fastest
// chosen then ESC changes nothing. Screenshots: docs/screenshots/settings-*.png
// (with RA_P2P_SCREENSHOTS=DIR).
func TestSettingsInWindows(t *testing.T) {
	w := twoConeHomes(t)
	const sw, sh = 1280, 720
	nd := xdisplay.Start(t, sw, sh)
	hd := xdisplay.Start(t, 1600, 900)
	shots := screenshotDir(t)
	nd.ShowImage(testPattern(sw, sh))
	s := startWindowed(t, w, nd, hd)
	mustWait(t, s.novice, `Bob can see your screen`, 10*time.Second)
	away := func() { hd.Do("xdotool", "mousemove", "--window", s.hw, "1", "1") } // no button hovered
	fit := image.Rect(340, 135, 340+940, 135+529)                                // the 1280x720 screen scaled into the 940-px pane
	inner := fit.Inset(4)
	waitPane(t, hd, s.hw, func(got image.Image) (bool, string) {
		n := colouredPixels(got, inner)
		return n > inner.Dx()*inner.Dy()/8, strconv.Itoa(n) + " coloured pixels in the pane"
	}, filepath.Join(shots, "settings-before.png"))

	// F2 shows the connection line above the chat history (which moves
	// down for it), saying what Automatic does; F2 again hides it.
	away()
	panel := image.Rect(12, 190, 328, 300)
	plain := hd.Screenshot(s.hw, "")
	for i := 0; ; i++ {
		hd.Do("xdotool", "windowfocus", "--sync", s.hw)
		hd.Key("F2")
		time.Sleep(2500 * time.Millisecond) // a second's rates
		if !samePixels(plain, hd.Screenshot(s.hw, filepath.Join(shots, "settings-connection-line.png")), panel) {
			break
		}
		if i == 2 {
			t.Fatal("F2 showed no connection line")
		}
	}
	for i := 0; ; i++ {
		hd.Key("F2")
		time.Sleep(500 * time.Millisecond)
		if samePixels(plain, hd.Screenshot(s.hw, ""), panel) {
			break
		}
		if i == 2 {
			t.Fatal("F2 again did not hide the connection line")
		}
	}

	openSettings(t, hd, s.hw)
	away()
	time.Sleep(500 * time.Millisecond)
	shot := hd.Screenshot(s.hw, filepath.Join(shots, "settings-dialog.png"))
	checkDialog(t, "Settings", shot, 2)
	opts := optionBoxes(t, shot)
	checkChosen(t, "at first", shot, opts, optAutomatic, opt60fps, optFull, opt100, optNormal)

	clickBox(hd, s.hw, opts[optGreyscale])
	away()
	time.Sleep(500 * time.Millisecond)
	shot = hd.Screenshot(s.hw, filepath.Join(shots, "settings-dialog-custom.png"))
	checkChosen(t, "after Greyscale", shot, opts, optCustom, opt60fps, optGreyscale, opt100, optNormal)
	pressUntil(t, hd, s.hw, "Return", s.helper, `Screen quality: Custom: 60 fps, Greyscale, 100%, photos Normal`)

	waitPane(t, hd, s.hw, func(got image.Image) (bool, string) {
		n := colouredPixels(got, inner)
		return n == 0, strconv.Itoa(n) + " coloured pixels in the pane, want none"
	}, filepath.Join(shots, "settings-grey.png"))
	if n := strings.Count(s.helper.Output(), "Connected to Alice"); n != 1 {
		t.Errorf("the helper connected %d times, want once (no reconnection):\n%s", n, s.helper.Output())
	}
	configFile := filepath.Join(s.dir, "helper", "ra-p2p", "config.json")
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(configFile)
		if strings.Contains(string(b), `"colours": "grey"`) && strings.Contains(string(b), `"preset": "custom"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the config file does not keep the quality chosen:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// At the window's minimum size the dialog fits whole; a change left with
	// ESC is no change.
	mw, mh := minimumSize(t, hd, s.hw)
	t.Logf("the helper window's minimum size: %dx%d", mw, mh)
	hd.Do("xdotool", "windowsize", "--sync", s.hw, strconv.Itoa(mw), strconv.Itoa(mh))
	time.Sleep(500 * time.Millisecond)
	openSettings(t, hd, s.hw)
	away()
	time.Sleep(500 * time.Millisecond)
	shot = hd.Screenshot(s.hw, filepath.Join(shots, "settings-dialog-min.png"))
	checkDialog(t, "Settings at the minimum size", shot, 2)
	opts = optionBoxes(t, shot)
	checkChosen(t, "opened again", shot, opts, optCustom, opt60fps, optGreyscale, opt100, optNormal)
	clickBox(hd, s.hw, opts[optFastest])
	away()
	time.Sleep(300 * time.Millisecond)
	checkChosen(t, "Fastest before ESC", hd.Screenshot(s.hw, ""), opts, optFastest, opt15fps, opt65536, opt75, optLow)
	before := strings.Count(s.helper.Output(), "Screen quality:")
	for i := 0; !dialogFrame(hd.Screenshot(s.hw, "")).Empty(); i++ {
		if i == 5 {
			t.Fatal("ESC did not close the Settings dialog")
		}
		hd.Do("xdotool", "windowfocus", "--sync", s.hw)
		hd.Key("Escape")
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(time.Second)
	if after := strings.Count(s.helper.Output(), "Screen quality:"); after != before {
		t.Errorf("ESC changed the quality:\n%s", s.helper.Output())
	}
	// The middle of the pane (its background is not grey).
	mid := image.Pt((340+mw)/2, mh/2)
	if n := colouredPixels(hd.Screenshot(s.hw, filepath.Join(shots, "settings-after-esc.png")), image.Rectangle{mid, mid}.Inset(-40)); n != 0 {
		t.Errorf("after ESC the pane shows %d coloured pixels: the quality changed", n)
	}
}

// samePixels says whether a and b agree over r.
func samePixels(a, b image.Image, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

// openSettings clicks the helper's Settings button until its dialog opens
// (a click can be lost while the window wakes up).
func openSettings(t *testing.T, d *xdisplay.Display, win string) {
	t.Helper()
	for i := 0; ; i++ {
		d.Click(win, 250, settingsY)
		time.Sleep(500 * time.Millisecond)
		if !dialogFrame(d.Screenshot(win, "")).Empty() {
			return
		}
		if i == 3 {
			t.Fatal("clicking Settings opened no dialog")
		}
	}
}

// settingsY is the Settings button's centre row (right of Start Talking).
const settingsY = 93

// colouredPixels counts the pixels in r of img that are not grey.
func colouredPixels(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if cr != cg || cg != cb {
				n++
			}
		}
	}
	return n
}

// optionBoxes are the Settings dialog's buttons in shot, chosen or not,
// top to bottom and left to right; the test fails unless there are
// optionCount of them.
func optionBoxes(t *testing.T, shot image.Image) []image.Rectangle {
	t.Helper()
	frame := dialogFrame(shot)
	boxes := append(dialogButtons(shot, frame), borderedBoxes(shot, frame.Inset(2), chosenBorder, 30)...)
	slices.SortFunc(boxes, func(a, b image.Rectangle) int { return cmp.Or(a.Min.Y-b.Min.Y, a.Min.X-b.Min.X) })
	if len(boxes) != optionCount {
		t.Fatalf("%d buttons in the Settings dialog %v, want %d: %v", len(boxes), frame, optionCount, boxes)
	}
	return boxes
}

// checkChosen checks that exactly the options want are marked chosen.
func checkChosen(t *testing.T, when string, shot image.Image, boxes []image.Rectangle, want ...int) {
	t.Helper()
	var got []int
	for i, b := range boxes {
		if same(shot, b.Min.X, b.Min.Y, chosenBorder) && same(shot, b.Max.X-1, b.Max.Y-1, chosenBorder) {
			got = append(got, i)
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: options %v are marked chosen, want %v", when, got, want)
	}
}

// clickBox clicks the middle of box in win.
func clickBox(d *xdisplay.Display, win string, box image.Rectangle) {
	c := box.Min.Add(box.Max).Div(2)
	d.Click(win, c.X, c.Y)
}
