package test

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/session"
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

// TestDropFilesOnWindow: the helper drops a file and a folder (two files,
// one in a subfolder) onto his connected window as from a file manager (a
// real XDND drag and drop: xdisplay.DropFiles); the novice's window asks
// to save the three files, ENTER saves, and what arrives is what was
// dropped, byte for byte. The names have a space and an accent, which
// travel percent-encoded in the drop's URIs.
func TestDropFilesOnWindow(t *testing.T) {
	w := twoConeHomes(t)
	nd := xdisplay.Start(t, 1280, 720)
	hd := xdisplay.Start(t, 1600, 900)
	shots := screenshotDir(t)
	downloads, src := t.TempDir(), t.TempDir()
	items := map[string]int{"café notes.txt": 3000, "Trip photos/beach.jpg": 50_000, "Trip photos/day 2/sunset.jpg": 120_000}
	var total int64
	for name, size := range items {
		data := make([]byte, size)
		rand.Read(data)
		p := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		total += int64(size)
	}
	size := regexp.QuoteMeta(session.Size(total))
	s := startWindowed(t, w, nd, hd, "--downloads", downloads)
	mustWait(t, s.novice, `Connected to Bob`, 10*time.Second)
	time.Sleep(time.Second) // the first frame: the window knows it is connected

	// Onto the picture of Alice's screen, the window's largest part.
	hd.DropFiles(s.hw, 800, 400, filepath.Join(src, "café notes.txt"), filepath.Join(src, "Trip photos"))

	// Ebiten lists what was dropped in name order.
	mustWait(t, s.novice, `Bob wants to send you 3 files \(`+size+`\): Trip photos/, café notes\.txt\. They will be saved in `, 20*time.Second)
	hd.Screenshot(s.hw, filepath.Join(shots, "files-helper-drop.png"))
	nd.Do("xdotool", "mousemove", "--window", s.nw, "1", "1")
	time.Sleep(500 * time.Millisecond)
	checkDialog(t, "Save/Decline", nd.Screenshot(s.nw, filepath.Join(shots, "files-drop-novice-offer.png")), 2)
	pressUntil(t, nd, s.nw, "Return", s.novice, `Receiving 3 files`)
	mustWait(t, s.novice, `3 files received from Bob, `+size+`, verified\.`, 30*time.Second)
	mustWait(t, s.helper, `3 files sent to Alice, `+size+`, verified\.`, 10*time.Second)
	for name := range items {
		sameFile(t, filepath.Join(src, filepath.FromSlash(name)), filepath.Join(downloads, filepath.FromSlash(name)))
	}
	time.Sleep(500 * time.Millisecond)
	nd.Screenshot(s.nw, filepath.Join(shots, "files-drop-novice-done.png"))
	hd.Screenshot(s.hw, filepath.Join(shots, "files-drop-helper-done.png"))
}
