//go:build linux

package latency

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// What the screen benchmarks share (BenchmarkScreenLatency here, and
// BenchmarkScreenShaped in package test, which runs the same workload on a
// shaped path between two homes).

// The workload of issue 3: a 1280x800 novice desktop with an xterm
// (XTermGeometry) scrolling text, ~500 lines/s (ScrollScript), the viewer
// full screen on a second 1280x800 display, the probe's square at
// ProbeX,ProbeY in the black area right of the xterm, the novice's pointer
// parked at PointerX,PointerY, far from it.
const (
	ScreenW, ScreenH   = 1280, 800
	ProbeX, ProbeY     = 1100, 600
	PointerX, PointerY = 1240, 40
	XTermGeometry      = "160x50+0+0"
	ScrollScript       = "while :; do head -c 2250 /dev/urandom | base64 -w 120; sleep 0.05; done"
)

// Percentile of sorted samples, linearly interpolated.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	pos := q * float64(len(sorted)-1)
	i := int(math.Floor(pos))
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	frac := pos - float64(i)
	return sorted[i] + time.Duration(frac*float64(sorted[i+1]-sorted[i]))
}

// MS is d in milliseconds.
func MS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Skip skips the benchmark, or fails it when RA_P2P_REQUIRE_ALL=1 (CI).
func Skip(tb testing.TB, msg string) {
	tb.Helper()
	if os.Getenv("RA_P2P_REQUIRE_ALL") == "1" {
		tb.Fatal(msg + " (RA_P2P_REQUIRE_ALL=1 forbids skipping)")
	}
	tb.Skip(msg)
}

// toolPackages are the Debian packages of the programs the benchmarks run.
var toolPackages = map[string]string{
	"Xvfb": "xvfb", "xdotool": "xdotool", "import": "imagemagick", "xterm": "xterm",
	"x11vnc": "x11vnc", "vncviewer": "tigervnc-viewer", "ss": "iproute2", "tc": "iproute2",
	"x0vncserver": "tigervnc-scraping-server",
}

// RequireTools skips (fails in CI) unless every program named is installed;
// "x0vncserver" is looked up as X0VNCServer does.
func RequireTools(tb testing.TB, tools ...string) {
	tb.Helper()
	for _, t := range tools {
		found := false
		if t == "x0vncserver" {
			found = X0VNCServer() != ""
		} else {
			_, err := exec.LookPath(t)
			found = err == nil
		}
		if !found {
			Skip(tb, fmt.Sprintf("needs %s (Debian package %s; scripts/install-deps.sh installs it)", t, toolPackages[t]))
		}
	}
}

// X0VNCServer is TigerVNC's scraping server. Debian installs the program as
// X0tigervnc and x0vncserver as a wrapper script that daemonizes it; the
// program itself is what runs here. "" when neither is installed.
func X0VNCServer() string {
	for _, name := range []string{"X0tigervnc", "x0vncserver"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// FullWindow presses F11 in the helper's window until it draws the remote
// screen over the whole window (the left panel's grey gone from its corner,
// and still gone a moment later: a window caught mid-redraw is not yet
// full). A busy window that draws on demand can miss a key pressed and
// released between two of its frames, as any person would then press it
// again; on a loaded machine it may also take a while to act on one, so a
// press is given two seconds before the next (which would undo it).
func FullWindow(b *testing.B, vd *xdisplay.Display, win string) {
	b.Helper()
	panel := func() bool {
		r, g, bl, _ := vd.Screenshot(win, "").At(4, 4).RGBA()
		return r>>8 == 0xf3 && g>>8 == 0xf4 && bl>>8 == 0xf6
	}
	for i := 0; i < 6; i++ {
		vd.Do("xdotool", "windowfocus", "--sync", win)
		vd.Key("F11")
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
			time.Sleep(300 * time.Millisecond)
			if !panel() {
				time.Sleep(300 * time.Millisecond)
				if !panel() {
					return
				}
			}
		}
	}
	b.Fatal("the helper's window never went to full-window mode (F11)")
}

// LoadAverage is the first three fields of /proc/loadavg ("?" if unreadable).
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
