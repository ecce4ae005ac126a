//go:build linux

package test

import (
	"crypto/rand"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/internal/humansize"
	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// TestSendFileInWindows: the helper clicks Send a File, types the file's
// path in the path line of the window's own chooser (no desktop file
// dialog is installed here) and presses ENTER; the novice's window asks
// Save / Decline with the offer and the folder, ENTER saves; both windows
// show the transfer's row (bar, amount, rate, Cancel) while it moves over
// a 20 Mbit/s uplink, and their histories say how it ended, the novice's
// with "Open the folder". Then the helper opens the chooser again, types
// the folder's path and ENTER (the chooser lists it), clicks a folder's
// row and a file's, and Send: the novice is offered both (and declines).
// Screenshots: docs/screenshots/files-*.png (with RA_P2P_SCREENSHOTS=DIR).
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
	if err := os.MkdirAll(filepath.Join(src, "photos"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"notes.txt": "call Alice\n", "photos/cat.jpg": "meow", ".hidden": "x"} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.lab.Run(w.lab.RouterNS("helper"), "tc", "qdisc", "add", "dev", "wan", "root", "tbf",
		"rate", "20mbit", "burst", "64kb", "latency", "100ms"); err != nil {
		t.Fatal(err)
	}
	s := startWindowed(t, w, nd, hd, "--downloads", downloads)
	mustWait(t, s.novice, `Connected to Bob`, 10*time.Second)
	time.Sleep(time.Second) // the first frame: the buttons are enabled

	offered := regexp.MustCompile(`Bob wants to send you 1 file \(16\.8 MB\): report\.pdf\. It will be saved in `)
	for try := 0; ; try++ {
		openChooser(t, hd, s.hw)
		clearPathLine(hd)
		hd.Type(file, false)
		hd.Key("Return")
		if _, err := s.novice.WaitFor(offered, 15*time.Second); err == nil {
			break
		} else if try == 2 {
			t.Fatal(err)
		}
		// Under load a typed key can be lost: the path was wrong, the
		// chooser says so and stays open. ESC, and type it again.
		t.Logf("no offer after typing the path (try %d); typing it again", try+1)
		for esc := 0; ; esc++ {
			hd.MovePointer(s.hw, 1, 1) // a hovered button's border is the dialog's blue
			time.Sleep(250 * time.Millisecond)
			if dialogFrame(hd.Screenshot(s.hw, "")).Empty() {
				break
			}
			if esc == 5 {
				t.Fatal("ESC did not close the chooser")
			}
			hd.Do("xdotool", "windowfocus", "--sync", s.hw)
			hd.Key("Escape")
			time.Sleep(250 * time.Millisecond)
		}
	}
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

	// The chooser's list: the folder typed, then a folder's row and a
	// file's clicked (photos/ and notes.txt, folders first, .hidden not
	// listed), and Send.
	openChooser(t, hd, s.hw)
	clearPathLine(hd)
	hd.Type(src, false)
	hd.Key("Return")
	time.Sleep(500 * time.Millisecond)
	list := chooserList(t, hd, s.hw)
	clickRow(t, hd, s.hw, list, 0) // photos/
	clickRow(t, hd, s.hw, list, 1) // notes.txt
	hd.MovePointer(s.hw, 1, 1)     // no button hovered: their borders stay grey
	time.Sleep(500 * time.Millisecond)
	shot := hd.Screenshot(s.hw, filepath.Join(shots, "files-helper-choose.png"))
	checkDialog(t, "the file chooser", shot, 2)
	send := chooserButtons(t, shot)[0]
	clickUntil(t, hd, s.hw, (send.Min.X+send.Max.X)/2, (send.Min.Y+send.Max.Y)/2, s.novice,
		`Bob wants to send you 2 files \([^)]*\): (photos/, notes\.txt|notes\.txt, photos/)\. They will be saved in `)
	pressUntil(t, nd, s.nw, "Escape", s.novice, `You declined`)
}

// The file chooser's list (render/chooser.go): each row is
// chooserRowHeight pixels high (render's chooserRowHeight), and a
// selected row is this blue.
const chooserRowHeight = 28

var rowSelected = color.RGBA{0xdb, 0xe8, 0xfe, 0xff}

// openChooser clicks Send a File, beside Take Control, until its dialog
// opens.
func openChooser(t *testing.T, hd *xdisplay.Display, hw string) {
	t.Helper()
	for i := 0; ; i++ {
		hd.Click(hw, 250, takeControlY)
		time.Sleep(500 * time.Millisecond)
		if !dialogFrame(hd.Screenshot(hw, "")).Empty() {
			return
		}
		if i == 3 {
			t.Fatal("clicking Send a File opened no dialog")
		}
	}
}

// clearPathLine empties the open chooser's path line, which shows the home
// folder (whatever its length: CI's is longer than a developer's).
func clearPathLine(hd *xdisplay.Display) {
	home, _ := os.UserHomeDir() // the helper's: it inherits the test's environment
	for range len(home) + 2 {
		hd.Key("BackSpace")
	}
}

// chooserList is the open chooser's list in the window's screenshot: the
// tall grey-framed box inside the dialog.
func chooserList(t *testing.T, hd *xdisplay.Display, hw string) image.Rectangle {
	t.Helper()
	shot := hd.Screenshot(hw, "")
	for _, box := range borderedBoxes(shot, dialogFrame(shot).Inset(2), buttonBorder, 100) {
		if box.Dy() > 3*chooserRowHeight {
			return box
		}
	}
	t.Fatal("no list in the file chooser")
	return image.Rectangle{}
}

// clickRow clicks row i of the chooser's list until it shows selected (a
// click can be lost on a busy machine). On failure it says what colour
// each row showed, for a CI log.
func clickRow(t *testing.T, hd *xdisplay.Display, hw string, list image.Rectangle, i int) {
	t.Helper()
	rowY := func(r int) int { return list.Min.Y + 1 + r*chooserRowHeight + chooserRowHeight/2 }
	y := rowY(i)
	for range 3 {
		hd.ClickHeld(hw, list.Min.X+120, y, 400*time.Millisecond) // seen even if a frame comes late
		// A click selects or unselects: look for a while before clicking
		// again, so that a click that only showed late (a busy machine)
		// is not undone by the next (also more than a double-click apart).
		for k := range 16 {
			time.Sleep(250 * time.Millisecond)
			if k >= 2 && same(hd.Screenshot(hw, ""), list.Min.X+4, y, rowSelected) {
				return // 750 ms after the click: the next click is no double-click
			}
		}
	}
	shot := hd.Screenshot(hw, "")
	var rows []string
	for r := 0; rowY(r) < list.Max.Y; r++ {
		c := color.RGBAModel.Convert(shot.At(list.Min.X+4, rowY(r))).(color.RGBA)
		rows = append(rows, fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B))
	}
	t.Fatalf("row %d of the file chooser's list never showed selected; the rows' colours: %v", i, rows)
}

// chooserButtons are the buttons at the bottom of the dialog in shot
// (Send, Cancel), left to right.
func chooserButtons(t *testing.T, shot image.Image) []image.Rectangle {
	t.Helper()
	boxes := dialogButtons(shot, dialogFrame(shot))
	var bottom []image.Rectangle
	for _, b := range boxes {
		if b.Min.Y == boxes[len(boxes)-1].Min.Y {
			bottom = append(bottom, b)
		}
	}
	if len(bottom) != 2 {
		t.Fatalf("the chooser's bottom buttons: %v (all: %v)", bottom, boxes)
	}
	return bottom
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
	size := regexp.QuoteMeta(humansize.Bytes(total))
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
