//go:build linux

package test

import (
	"image"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// TestHelperWindowStates: the helper's window never offers what it cannot
// do. Take Control, Actual size and Settings are disabled while the novice
// has not accepted yet and again after a disconnect, when the pane keeps the last
// frame dimmed under "Disconnected" (drawn by OpenGL: the X pane hides).
// Both windows are named "ra-p2p" in WM_CLASS and carry an icon.
// Screenshots: docs/screenshots/helper-before-accept.png and
// helper-disconnected.png (with RA_P2P_SCREENSHOTS=DIR).
func TestHelperWindowStates(t *testing.T) {
	w := twoConeHomes(t)
	const sw, sh = 1280, 720
	nd := xdisplay.Start(t, sw, sh)
	hd := xdisplay.Start(t, 1600, 900)
	shots := screenshotDir(t)
	nd.ShowImage(testPattern(sw, sh))
	s := startBoth(t, w, nd, hd, nil) // the novice is asked
	away := func() { hd.Do("xdotool", "mousemove", "--window", s.hw, "800", "780") }

	for who, d := range map[string]struct {
		d   *xdisplay.Display
		win string
	}{"helper": {hd, s.hw}, "novice": {nd, s.nw}} {
		if out := d.d.Do("xprop", "-id", d.win, "WM_CLASS"); !strings.Contains(out, `"ra-p2p", "Ra-p2p"`) {
			t.Errorf("the %s's window class: %s, want ra-p2p", who, out)
		}
		if out := d.d.Do("xprop", "-id", d.win, "_NET_WM_ICON"); !strings.Contains(out, "_NET_WM_ICON(CARDINAL) = ") {
			t.Errorf("the %s's window has no icon: %s", who, strings.TrimSpace(out))
		}
	}

	mustWait(t, s.novice, `Bob wants to connect to your computer`, 30*time.Second)
	away()
	checkButtons(t, "before Alice accepted", hd, s.hw, false, filepath.Join(shots, "helper-before-accept.png"))

	pressUntil(t, nd, s.nw, "Return", s.novice, `Connected to Bob`)
	mustWait(t, s.novice, `Bob can see your screen`, 10*time.Second)
	fit := image.Rect(340, 135, 340+940, 135+529) // the 1280x720 screen scaled into the 940-px pane
	// Live means the whole test card arrived, not just its first tiles (a
	// half-drawn pane measured as "live" made the dimmed one look too
	// bright): the pane is bright and stays the same for two screenshots.
	var live, before float64
	waitPane(t, hd, s.hw, func(got image.Image) (bool, string) {
		before, live = live, brightness(got, fit)
		return live > 60 && math.Abs(live-before) < 1, "mean brightness of the pane " + ftoa(live) + ", before " + ftoa(before)
	}, filepath.Join(shots, "helper-live.png"))
	away()
	checkButtons(t, "connected", hd, s.hw, true, "")

	hd.Click(s.hw, 250, disconnectY)
	mustWait(t, s.helper, `Disconnected from Alice`, 10*time.Second)
	away()
	waitPane(t, hd, s.hw, func(got image.Image) (bool, string) {
		b := brightness(got, fit)
		return b < 0.6*live, "mean brightness of the pane " + ftoa(b) + ", live " + ftoa(live) + " (want < 60%)"
	}, filepath.Join(shots, "helper-disconnected.png"))
	checkButtons(t, "after the disconnect", hd, s.hw, false, "")
}

// checkButtons checks that Take Control, Actual size and Settings in the
// helper's window are enabled (a grey-bordered box around each) or
// disabled, as want says, once it shows its panel (Help, always enabled, is drawn),
// after the state had 300 ms to settle; save keeps the screenshot.
func checkButtons(t *testing.T, when string, d *xdisplay.Display, win string, want bool, save string) {
	t.Helper()
	time.Sleep(300 * time.Millisecond)
	enabled := func(boxes []image.Rectangle, at image.Point) bool {
		for _, b := range boxes {
			if at.In(b) {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		shot := d.Screenshot(win, save)
		boxes := borderedBoxes(shot, image.Rect(0, 0, 340, 250), buttonBorder, 60)
		if !enabled(boxes, image.Pt(89, helpY)) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the helper's window shows no Help button", when)
			}
			time.Sleep(300 * time.Millisecond)
			continue
		}
		for name, at := range map[string]image.Point{"Take Control": {89, takeControlY}, "Actual size": {89, disconnectY}, "Settings": {250, settingsY}} {
			if got := enabled(boxes, at); got != want {
				t.Errorf("%s: %s enabled = %v, want %v", when, name, got, want)
			}
		}
		return
	}
}

// brightness is the mean of r, g and b over r in img (0–255).
func brightness(img image.Image, r image.Rectangle) float64 {
	var sum, n float64
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			sum += float64(cr>>8+cg>>8+cb>>8) / 3
			n++
		}
	}
	return sum / max(n, 1)
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// TestNoXLibraryNoise: on a display that needs no cookie (no
// ~/.Xauthority) the program says nothing about X authority on its
// output: the X library said "XGB: Could not get authority info" at every
// start, from Ebiten's connection made before main runs.
func TestNoXLibraryNoise(t *testing.T) {
	d := xdisplay.Start(t, 640, 480)
	home := t.TempDir()
	out, code := runBinaryEnv(t, []string{d.Env(), "HOME=" + home, "XAUTHORITY=" + filepath.Join(home, ".Xauthority"),
		"XDG_CONFIG_HOME=" + home}, "help", filepath.Join(home, "none.rainvite"), "--no-gui")
	if code == 0 || !strings.Contains(out, "Could not read the invitation") {
		t.Fatalf("ra-p2p help on a missing invitation exited %d:\n%s", code, out)
	}
	if strings.Contains(out, "XGB") || strings.Contains(out, "authority") {
		t.Errorf("the X library's noise is on the output:\n%s", out)
	}
}
