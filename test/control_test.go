//go:build linux

package test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// TestTakeControlAcrossTwoNATs: the helper asks for control in its window,
// the novice allows it in theirs, and the helper's mouse and keyboard in the
// remote pane drive the novice's display (pointer position at 100% and
// scaled, clicks, Unicode text typed into an xterm); ESC on the novice's own
// keyboard ends control at once and later events are dropped; a denied
// request lets nothing through. Programs run in the two-home namespace
// topology, windows on two Xvfb displays.
func TestTakeControlAcrossTwoNATs(t *testing.T) {
	w := twoConeHomes(t)
	const sw, sh = 1280, 720
	nd := xdisplay.Start(t, sw, sh)
	hd := xdisplay.Start(t, 1400, 900)
	shots := screenshotDir(t)
	nd.ShowImage(testPattern(sw, sh))
	typed := filepath.Join(t.TempDir(), "typed.txt")
	nd.Start("xterm", "-geometry", "60x10+40+300", "-e", "sh", "-c", "exec cat > "+typed)
	xw := nd.WaitWindowClass("XTerm", 10*time.Second)

	s := startWindowed(t, w, nd, hd)
	novice, helper, nw, hw := s.novice, s.helper, s.nw, s.hw
	mustWait(t, novice, `Bob can see your screen`, 10*time.Second)
	time.Sleep(time.Second) // the first frame

	pointer := func() (int, int) {
		out := nd.Do("xdotool", "getmouselocation")
		m := regexp.MustCompile(`x:(\d+) y:(\d+)`).FindStringSubmatch(out)
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		return x, y
	}
	nd.Do("xdotool", "mousemove", "5", "5")

	// 1. Deny: nothing reaches the novice's display.
	askControl(t, hd, hw, novice, 1)
	pressUntil(t, nd, nw, "Escape", helper, `Alice did not give you control`)
	hd.Do("xdotool", "mousemove", "--window", hw, "700", "400")
	time.Sleep(500 * time.Millisecond)
	if x, y := pointer(); x != 5 || y != 5 {
		t.Fatalf("after a denied request the novice's pointer moved to %d,%d", x, y)
	}

	// 2. Allow (after the request interval), then move, click and type.
	time.Sleep(5 * time.Second)
	askControl(t, hd, hw, novice, 2)
	nd.Screenshot(nw, filepath.Join(shots, "novice-allow-control.png"))
	pressUntil(t, nd, nw, "Return", novice, `Bob is controlling your computer. Press ESC to take control back`)
	mustWait(t, helper, `Bob has control of Alice's computer`, 10*time.Second)

	// Scaled to fit: the pane shows the 1280x720 screen at 940/1280 from (340,135).
	const scale = 940.0 / 1280
	for _, rp := range [][2]int{{200, 100}, {640, 360}, {1000, 600}} {
		wx, wy := 340+int((float64(rp[0])+0.5)*scale), 135+int((float64(rp[1])+0.5)*scale)
		hd.Do("xdotool", "mousemove", "--window", hw, strconv.Itoa(wx), strconv.Itoa(wy))
		waitPointer(t, pointer, rp[0], rp[1], 1)
	}
	// 100%: F11 draws the remote screen 1:1 from the window's origin.
	hd.Do("xdotool", "windowfocus", "--sync", hw)
	hd.Key("F11")
	time.Sleep(500 * time.Millisecond)
	for _, rp := range [][2]int{{300, 200}, {1279, 719}, {17, 33}} {
		hd.Do("xdotool", "mousemove", "--window", hw, strconv.Itoa(rp[0]), strconv.Itoa(rp[1]))
		waitPointer(t, pointer, rp[0], rp[1], 0)
	}
	// Click into the xterm and type, Unicode included.
	hd.Click(hw, 200, 360)
	// A window manager would give the clicked xterm the keyboard; Xvfb has none.
	nd.Do("xdotool", "windowfocus", "--sync", xw)
	hd.MapCharacters("é ß 日本")
	hd.Type("hello é ß 日本", false)
	hd.Key("Return")
	waitFile(t, typed, "hello é ß 日本\n")
	hd.Screenshot(hw, filepath.Join(shots, "helper-in-control.png"))

	// 3. ESC on the novice's own keyboard ends control at once.
	escapeEndsControl(t, nd, novice, helper, 2*time.Second)
	before, _ := os.ReadFile(typed)
	hd.Do("xdotool", "mousemove", "--window", hw, "900", "650")
	hd.Type("after", false)
	time.Sleep(time.Second)
	if x, y := pointer(); x == 900 && y == 650 {
		t.Errorf("events after ESC still moved the novice's pointer")
	}
	if after, _ := os.ReadFile(typed); string(after) != string(before) {
		t.Errorf("text typed after ESC reached the novice: %q", after)
	}
	nd.Screenshot("root", filepath.Join(shots, "novice-after-esc.png"))

	// 4. The novice's Stop Control button ends control too.
	hd.Key("F11")               // back to the normal layout, where the button is
	time.Sleep(5 * time.Second) // the request interval
	askControl(t, hd, hw, novice, 3)
	pressUntilCount(t, nd, nw, "Return", novice, `Bob is controlling your computer. Press ESC to take control back`, 2)
	nd.Click(nw, 110, stopControlY)
	waitCount(t, novice, `Screen View Only`, 2, 5*time.Second)
	waitCount(t, helper, `Alice took control back`, 2, 5*time.Second)
}

// stopControlY is the Stop Control button's centre row in the novice window.
const stopControlY = 56

// waitCount waits until pattern has appeared n times in p's output.
// askControl clicks Take Control in the helper's window until the novice
// is asked for the n-th time, as a person clicks again when nothing
// happens (under load the first frame, which enables the button, can come
// after the click).
func askControl(t *testing.T, hd *xdisplay.Display, hw string, novice *netlab.Proc, n int) {
	t.Helper()
	re := regexp.MustCompile(`Bob would like to share control of your computer`)
	for i := 0; i < 4; i++ {
		hd.Click(hw, 89, takeControlY)
		if _, err := novice.WaitForNth(re, n, 3*time.Second); err == nil {
			return
		}
	}
	t.Fatalf("clicking Take Control never asked the novice (the %d. time):\n%s", n, novice.Output())
}

func waitCount(t *testing.T, p *netlab.Proc, pattern string, n int, d time.Duration) {
	t.Helper()
	if _, err := p.WaitForNth(regexp.MustCompile(pattern), n, d); err != nil {
		t.Fatalf("%s: waiting for %q the %d. time: %v\n%s", p.Name, pattern, n, err, p.Output())
	}
}

// pressUntilCount is pressUntil for the n-th appearance of want.
func pressUntilCount(t *testing.T, d *xdisplay.Display, win, key string, p *netlab.Proc, want string, n int) {
	t.Helper()
	re := regexp.MustCompile(want)
	for i := 0; i < 5; i++ {
		d.Do("xdotool", "windowfocus", "--sync", win)
		d.Key(key)
		if _, err := p.WaitForNth(re, n, 2*time.Second); err == nil {
			return
		}
	}
	t.Fatalf("pressing %s in window %s never led to %q a %d. time:\n%s", key, win, want, n, p.Output())
}

func waitPointer(t *testing.T, pointer func() (int, int), x, y, tol int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		px, py := pointer()
		if abs(px-x) <= tol && abs(py-y) <= tol {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("novice's pointer at %d,%d, want %d,%d (±%d)", px, py, x, y, tol)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// escapeEndsControl presses ESC on the novice's display and waits until
// her side says control ended (within limit) and the helper's says she
// took it back.
func escapeEndsControl(t *testing.T, nd *xdisplay.Display, novice, helper *netlab.Proc, limit time.Duration) {
	t.Helper()
	start := time.Now()
	nd.Do("xdotool", "key", "Escape")
	mustWait(t, novice, `Screen View Only`, limit)
	t.Logf("ESC → control ended after %v (measured through the novice's output)", time.Since(start).Round(time.Millisecond))
	mustWait(t, helper, `Alice took control back`, 5*time.Second)
}

func waitFile(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if strings.Contains(string(b), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %q, want %q", path, b, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// takeControlY is the Take Control button's centre row in the helper window.
const takeControlY = 56

// TestNoControlInvitation: with `ra-p2p invite --no-control` the helper's
// Take Control button is disabled (clicking it asks nothing) and the novice
// is never asked.
func TestNoControlInvitation(t *testing.T) {
	w := twoConeHomes(t)
	nd := xdisplay.Start(t, 1280, 720)
	hd := xdisplay.Start(t, 1400, 900)
	s := startWindowed(t, w, nd, hd, "--no-control")
	checkNobodyAsked(t, hd, s)
}

// checkNobodyAsked clicks the helper's Take Control button and checks that
// nobody was asked: the session s is of a --no-control invitation.
func checkNobodyAsked(t *testing.T, hd *xdisplay.Display, s *windowed) {
	t.Helper()
	hd.Click(s.hw, 89, takeControlY)
	time.Sleep(2 * time.Second)
	if strings.Contains(s.helper.Output(), "Asking for control") {
		t.Errorf("the disabled Take Control button asked for control:\n%s", s.helper.Output())
	}
	if strings.Contains(s.novice.Output(), "would like to share control") {
		t.Errorf("the novice was asked about control on a --no-control invitation:\n%s", s.novice.Output())
	}
}

// TestKeysInOrderUnderControl: text and other keys typed fast in the
// helper's pane while in control (xdotool with no delay between keys, both
// cores busy) reach the novice's xterm exactly in the order typed: no
// command runs half-typed, no quote arrives after its ENTER, Ctrl+U and
// Tab land where they were pressed, and "é ß 日本" arrive as typed.
func TestKeysInOrderUnderControl(t *testing.T) {
	w := twoConeHomes(t)
	nd := xdisplay.Start(t, 1280, 720)
	hd := xdisplay.Start(t, 1400, 900)
	typed := filepath.Join(t.TempDir(), "typed.txt")
	nd.Start("xterm", "-geometry", "60x10+40+300", "-e", "sh", "-c", "exec cat > "+typed)
	xw := nd.WaitWindowClass("XTerm", 10*time.Second)

	s := startWindowed(t, w, nd, hd)
	mustWait(t, s.novice, `Bob can see your screen`, 10*time.Second)
	time.Sleep(time.Second) // the first frame
	askControl(t, hd, s.hw, s.novice, 1)
	pressUntil(t, nd, s.nw, "Return", s.novice, `Bob is controlling your computer. Press ESC to take control back`)
	mustWait(t, s.helper, `Bob has control of Alice's computer`, 10*time.Second)
	// F11 shows the remote screen 1:1; a click in the xterm gives it the keys.
	hd.Do("xdotool", "windowfocus", "--sync", s.hw)
	hd.Key("F11")
	time.Sleep(500 * time.Millisecond)
	hd.Click(s.hw, 200, 360)
	nd.Do("xdotool", "windowfocus", "--sync", xw) // no window manager on Xvfb
	hd.MapCharacters("é ß 日本")

	// Both cores busy, as on a helper's loaded machine.
	for range 2 {
		nd.Start("sh", "-c", "while :; do :; done")
	}
	var want strings.Builder
	for i := range 6 {
		want.WriteString(fmt.Sprintf("echo \"fast%d\" é ß 日本\n", i))
	}
	keys := xdisplay.KeyNames(want.String() + "garbage")
	keys = append(keys, "ctrl+u")
	keys = append(keys, xdisplay.KeyNames("ok\t4\n\"x\"\n")...)
	want.WriteString("ok\t4\n\"x\"\n")
	hd.Do("xdotool", append([]string{"key", "--delay", "0"}, keys...)...)
	waitFileExact(t, typed, want.String(), 30*time.Second)
}

// waitFileExact waits until path holds as many bytes as want (or d has
// passed), then compares the two exactly.
func waitFileExact(t *testing.T, path, want string, d time.Duration) {
	t.Helper()
	var b []byte
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if b, _ = os.ReadFile(path); len(b) >= len(want) {
			time.Sleep(500 * time.Millisecond) // anything after it arrives too
			b, _ = os.ReadFile(path)
			break
		}
	}
	if string(b) != want {
		t.Errorf("the novice's xterm received\n%q\nthe helper typed\n%q", b, want)
	}
}
