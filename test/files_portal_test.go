//go:build linux

package test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// TestSendFileWithTheDesktopDialog: on a desktop whose session bus has
// xdg-desktop-portal (started on demand, GTK's dialog), Send a File opens
// the desktop's own file dialog, not the window's; the file typed in it is
// offered to the novice, saved and verified.
func TestSendFileWithTheDesktopDialog(t *testing.T) {
	needTools(t, map[string]string{"dbus-daemon": "dbus-daemon", "/usr/libexec/xdg-desktop-portal": "xdg-desktop-portal",
		"/usr/libexec/xdg-desktop-portal-gtk": "xdg-desktop-portal-gtk"})
	w := twoConeHomes(t)
	nd := xdisplay.Start(t, 1280, 720)
	hd := xdisplay.Start(t, 1600, 900)
	// Both programs see the bus (the environment is inherited); only the
	// helper's clicks ask it, and its portal draws on the helper's display.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", hd.SessionBus())
	shots := screenshotDir(t)
	downloads, src := t.TempDir(), t.TempDir()
	file := filepath.Join(src, "notes.txt")
	if err := os.WriteFile(file, []byte("Printer: Settings, Devices, Add.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startWindowed(t, w, nd, hd, "--downloads", downloads)
	mustWait(t, s.novice, `Connected to Bob`, 10*time.Second)
	time.Sleep(time.Second) // the first frame: the buttons are enabled

	var dialog string
	for i := 0; dialog == ""; i++ { // Send a File, until the desktop's dialog opens
		hd.Click(s.hw, 250, takeControlY)
		for deadline := time.Now().Add(10 * time.Second); dialog == "" && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			dialog, _ = hd.Output("xdotool", "search", "--onlyvisible", "--name", "^Send a File$")
		}
		if dialog == "" && i == 2 {
			t.Fatal("clicking Send a File opened no desktop file dialog")
		}
	}
	hd.Do("xdotool", "windowfocus", "--sync", dialog)
	time.Sleep(time.Second) // GTK reads the folder
	hd.Screenshot("root", filepath.Join(shots, "files-helper-portal.png"))
	hd.Type(file, true)

	mustWait(t, s.novice, `Bob wants to send you 1 file \(33 bytes\): notes\.txt\. It will be saved in `, 20*time.Second)
	pressUntil(t, nd, s.nw, "Return", s.novice, `Receiving notes\.txt|notes\.txt received`)
	mustWait(t, s.novice, `notes\.txt received from Bob, 33 bytes, verified\.`, 30*time.Second)
	mustWait(t, s.helper, `notes\.txt sent to Alice, 33 bytes, verified\.`, 10*time.Second)
	sameFile(t, file, filepath.Join(downloads, "notes.txt"))
}
