package test

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// TestSendFileInWindows: the helper clicks Send a File, types the file's
// path in the window's own chooser (no desktop file dialog is installed
// here) and presses ENTER; the novice's window asks Save / Decline with
// the offer and the folder, ENTER saves; both windows show the transfer's
// row (bar, amount, rate, Cancel) while it moves over a 20 Mbit/s uplink,
// and their histories say how it ended, the novice's with "Open the
// folder". Screenshots: docs/screenshots/files-*.png (with
// RA_P2P_SCREENSHOTS=DIR).
func TestSendFileInWindows(t *testing.T) {
	w := twoConeHomes(t)
	nd := xdisplay.Start(t, 1280, 720)
	hd := xdisplay.Start(t, 1600, 900)
	shots := screenshotDir(t)
	downloads, src := t.TempDir(), t.TempDir()
	data := make([]byte, 16<<20)
	rand.Read(data)
	file := filepath.Join(src, "report.pdf")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := w.lab.Run(w.lab.RouterNS("helper"), "tc", "qdisc", "add", "dev", "wan", "root", "tbf",
		"rate", "20mbit", "burst", "64kb", "latency", "100ms"); err != nil {
		t.Fatal(err)
	}
	s := startWindowed(t, w, nd, hd, "--downloads", downloads)
	mustWait(t, s.novice, `Connected to Bob`, 10*time.Second)
	time.Sleep(time.Second) // the first frame: the buttons are enabled

	for i := 0; ; i++ { // Send a File, beside Take Control, until its dialog opens
		hd.Click(s.hw, 250, takeControlY)
		time.Sleep(500 * time.Millisecond)
		if !dialogFrame(hd.Screenshot(s.hw, "")).Empty() {
			break
		}
		if i == 3 {
			t.Fatal("clicking Send a File opened no dialog")
		}
	}
	for range 12 { // the home folder offered
		hd.Key("BackSpace")
	}
	hd.Type(file, false)
	hd.Screenshot(s.hw, filepath.Join(shots, "files-helper-choose.png"))
	hd.Key("Return")

	mustWait(t, s.novice, `Bob wants to send you 1 file \(16\.8 MB\): report\.pdf\. It will be saved in `, 20*time.Second)
	nd.Do("xdotool", "mousemove", "--window", s.nw, "1", "1")
	time.Sleep(500 * time.Millisecond)
	checkDialog(t, "Save/Decline", nd.Screenshot(s.nw, filepath.Join(shots, "files-novice-offer.png")), 2)
	pressUntil(t, nd, s.nw, "Return", s.novice, `Receiving report\.pdf`)
	time.Sleep(2 * time.Second)
	hd.Screenshot(s.hw, filepath.Join(shots, "files-helper-progress.png"))
	nd.Screenshot(s.nw, filepath.Join(shots, "files-novice-progress.png"))
	mustWait(t, s.novice, `report\.pdf received from Bob, 16\.8 MB, verified\.`, 30*time.Second)
	mustWait(t, s.helper, `report\.pdf sent to Alice, 16\.8 MB, verified\.`, 10*time.Second)
	sameFile(t, file, filepath.Join(downloads, "report.pdf"))
	time.Sleep(500 * time.Millisecond)
	nd.Screenshot(s.nw, filepath.Join(shots, "files-novice-done.png"))
	hd.Screenshot(s.hw, filepath.Join(shots, "files-helper-done.png"))
}
