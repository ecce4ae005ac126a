//go:build linux

package test

import (
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// TestWindowsAcrossTwoNATs runs both sides with their windows on an Xvfb
// display, the programs in the two-home namespace topology: the helper
// answers the connect question and the novice accepts in their windows
// (ENTER on the dialog), chat typed into each window with xdotool reaches
// the other side, and Disconnect ends the session for both. Screenshots of
// both windows are kept in the test's output folder (and, with
// RA_P2P_SCREENSHOTS=DIR, copied there).
func TestWindowsAcrossTwoNATs(t *testing.T) {
	w := twoConeHomes(t)
	d := xdisplay.Start(t, 1760, 900)
	shots := screenshotDir(t)

	dir := t.TempDir()
	file := filepath.Join(dir, "alice.rainvite")
	novice := w.lab.Start(w.lab.HostNS("novice"), binPath,
		append([]string{"invite", "--testnet", "--name", "Alice", "--message", "My printer vanished", "-o", file}, w.bootstrapArgs()...),
		[]string{d.Env(), "XDG_CONFIG_HOME=" + filepath.Join(dir, "novice")})
	mustWait(t, novice, `Waiting for your helper`, 40*time.Second)
	nw := d.WaitWindow("waiting for your helper", 10*time.Second)
	d.Move(nw, 1300, 0)

	helper := w.lab.Start(w.lab.HostNS("helper"), binPath, []string{"help", file, "--testnet", "--name", "Bob"},
		[]string{d.Env(), "XDG_CONFIG_HOME=" + filepath.Join(dir, "helper")})
	hw := d.WaitWindow("Remote Assistance — Alice", 10*time.Second)
	d.Move(hw, 0, 0)
	time.Sleep(500 * time.Millisecond)
	d.Screenshot(hw, filepath.Join(shots, "helper-connect-question.png"))
	pressUntil(t, d, hw, "Return", helper, `Looking for Alice's computer`) // "Connect now?" → Yes

	mustWait(t, novice, `Bob wants to connect to your computer`, 30*time.Second)
	time.Sleep(300 * time.Millisecond)
	d.Screenshot(nw, filepath.Join(shots, "novice-accept.png"))
	pressUntil(t, d, nw, "Return", novice, `Connected to Bob`) // Accept
	mustWait(t, helper, `Connected to Alice`, 20*time.Second)
	mustWait(t, novice, `Connected to Bob`, 10*time.Second)

	// Chat from the helper's window: click the message box, type, ENTER.
	typeUntil(t, d, hw, 120, 800-28, "Hello Alice, Bob here", novice, `Bob: (Hello Alice, Bob here)+`)
	// And from the novice's window, with the Send button this time.
	d.Click(nw, 150, 640-28)
	d.Type("Thanks for helping!", false)
	d.Click(nw, 420-40, 640-28)
	mustWait(t, helper, `Alice: Thanks for helping!`, 10*time.Second)

	time.Sleep(500 * time.Millisecond)
	d.Screenshot(hw, filepath.Join(shots, "helper-window.png"))
	d.Screenshot(nw, filepath.Join(shots, "novice-window.png"))

	// Help opens the in-app help page; ESC closes it. "Check this network"
	// (ENTER) runs `ra-p2p check` from the window and shows what it found;
	// ESC closes that. Under load a click or a key can be lost: until the
	// check's report begins, ESC (whatever is open) and again.
	for try := 0; ; try++ {
		d.Click(hw, 89, helpY)
		time.Sleep(500 * time.Millisecond)
		d.Screenshot(hw, filepath.Join(shots, "helper-help.png"))
		d.Key("Return")
		if _, err := helper.WaitFor(regexp.MustCompile(`Network check:`), 15*time.Second); err == nil {
			break
		} else if try == 2 {
			t.Fatal(err)
		}
		t.Logf("the network check did not start (try %d); again", try+1)
		d.Key("Escape")
		time.Sleep(300 * time.Millisecond)
	}
	mustWait(t, helper, `Your router keeps the same public port whatever the destination`, 30*time.Second)
	mustWait(t, helper, `Your router does not forward ports on request`, 5*time.Second)
	time.Sleep(500 * time.Millisecond)
	d.Screenshot(hw, filepath.Join(shots, "helper-network-check.png"))
	d.Key("Escape")

	// Disconnect from the helper's window ends it for both.
	d.Click(hw, 250, disconnectY)
	mustWait(t, novice, `Disconnected from Bob`, 10*time.Second)
	mustWait(t, helper, `Disconnected from Alice`, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	d.Screenshot(hw, filepath.Join(shots, "helper-disconnected.png"))
	if m := regexp.MustCompile(`panic|fatal error`).FindString(helper.Output() + novice.Output()); m != "" {
		t.Errorf("a program crashed: %s", m)
	}
}

// The Disconnect and Help buttons' centres in the helper window (third and
// fourth rows of buttons under a one-line status).
const (
	disconnectY = 130
	helpY       = 167
)

// typeUntil clicks the text box at x,y in win, types text and presses
// ENTER until the program prints want, at most three times, as a person
// types again when a click into the box was lost on a busy machine (the
// window then never had the text; a second try may send it twice, which
// want allows).
func typeUntil(t testing.TB, d *xdisplay.Display, win string, x, y int, text string, p *netlab.Proc, want string) {
	t.Helper()
	re := regexp.MustCompile(want)
	for i := 0; i < 3; i++ {
		d.Click(win, x, y)
		d.Type(text, false)
		d.Key("Return")
		if _, err := p.WaitFor(re, 3*time.Second); err == nil {
			return
		}
	}
	t.Fatalf("typing %q into window %s never led to %q:\n%s", text, win, want, p.Output())
}

// pressUntil focuses win and presses key until the program prints want, as a
// person presses again when a key seems lost (a window that draws on demand
// can miss a key pressed while it wakes up).
func pressUntil(t testing.TB, d *xdisplay.Display, win, key string, p *netlab.Proc, want string) {
	t.Helper()
	re := regexp.MustCompile(want)
	for i := 0; i < 5; i++ {
		d.Do("xdotool", "windowfocus", "--sync", win)
		d.Key(key)
		if _, err := p.WaitFor(re, 2*time.Second); err == nil {
			return
		}
	}
	t.Fatalf("pressing %s in window %s never led to %q:\n%s", key, win, want, p.Output())
}
