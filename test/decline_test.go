//go:build linux

package test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// TestDeclineInWindows: the novice declines in her window (ESC); the
// helper's window says so and offers Try again, and trying again at once
// is refused ("declined a request a moment ago", the novice told who
// asked). With a second invitation the novice picks "Decline and stop this
// invitation": her program ends, the helper hears "declined", and the
// invitation cannot be resumed (revoked). Screenshot of the three-way question:
// docs/screenshots/novice-decline-stop.png (with RA_P2P_SCREENSHOTS=DIR).
func TestDeclineInWindows(t *testing.T) {
	w := twoConeHomes(t)
	nd := xdisplay.Start(t, 1280, 720)
	hd := xdisplay.Start(t, 1400, 900)
	shots := screenshotDir(t)

	s := startBoth(t, w, nd, hd, nil) // the novice is asked
	mustWait(t, s.novice, `Bob wants to connect to your computer`, 30*time.Second)
	pressUntil(t, nd, s.nw, "Escape", s.novice, `You declined Bob\. Still waiting for your helper`)
	mustWait(t, s.helper, `Alice declined the connection\.`, 10*time.Second)
	pressUntil(t, hd, s.hw, "Return", s.helper, `Alice declined a request a moment ago`) // Try again
	mustWait(t, s.novice, `Bob asked right after you declined; they were told to wait a few minutes\.`, 10*time.Second)
	hd.Do("xdotool", "windowfocus", "--sync", s.hw)
	hd.Key("Escape") // Close: the helper gives up
	expectExit(t, s.helper, false)
	s.novice.Stop()

	s = startBoth(t, w, nd, hd, nil)
	mustWait(t, s.novice, `Bob wants to connect to your computer`, 30*time.Second)
	nd.Do("xdotool", "mousemove", "--window", s.nw, "1", "1") // no button hovered
	time.Sleep(500 * time.Millisecond)
	shot := nd.Screenshot(s.nw, filepath.Join(shots, "novice-decline-stop.png"))
	checkDialog(t, "Accept/Decline/Decline and stop", shot, 3)
	buttons := dialogButtons(shot, dialogFrame(shot))
	if len(buttons) < 3 {
		t.Fatalf("the novice's question shows %d buttons, want 3 (%v)", len(buttons), buttons)
	}
	stop := buttons[len(buttons)-1].Bounds()
	nd.Click(s.nw, (stop.Min.X+stop.Max.X)/2, (stop.Min.Y+stop.Max.Y)/2)
	mustWait(t, s.novice, `You declined Bob and stopped this invitation, so no one can use it any more`, 10*time.Second)
	mustWait(t, s.helper, `Alice declined the connection\.`, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	nd.Screenshot(s.nw, filepath.Join(shots, "novice-stopped.png"))
	nd.Do("xdotool", "windowfocus", "--sync", s.nw)
	nd.Key("Return") // Close
	expectExit(t, s.novice, false)
	out, code := runBinaryEnv(t, []string{"XDG_CONFIG_HOME=" + filepath.Join(filepath.Dir(s.file), "novice")},
		"invite", "--resume", s.file, "--no-gui", "--testnet")
	if code == 0 || !strings.Contains(out, "That invitation was revoked") {
		t.Errorf("invite --resume of the stopped invitation exited %d:\n%s", code, out)
	}
}
