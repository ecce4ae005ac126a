//go:build linux

package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// TestHelperNameAskedOnce: `ra-p2p help` without --name and without a
// name in the config file asks the helper's name in its window, the
// account's name typed in already; the name typed instead is what the
// novice sees and is kept in the config file. Screenshot:
// docs/screenshots/helper-name-question.png (with RA_P2P_SCREENSHOTS=DIR).
func TestHelperNameAskedOnce(t *testing.T) {
	w := twoConeHomes(t)
	hd := xdisplay.Start(t, 1600, 900)
	shots := screenshotDir(t)
	nv := w.startNovice("novice", []string{"--yes"}, nil)
	config := t.TempDir()
	helper := w.lab.Start(w.lab.HostNS("helper"), binPath, []string{"help", nv.file, "--testnet"},
		[]string{hd.Env(), "XDG_CONFIG_HOME=" + config})
	hw := hd.WaitWindow("Remote Assistance — Alice", 10*time.Second)
	hd.Move(hw, 0, 0)
	pressUntil(t, hd, hw, "Return", helper, `Your name, as Alice will see it`) // "connect now?" → Yes
	time.Sleep(500 * time.Millisecond)
	hd.Screenshot(hw, filepath.Join(shots, "helper-name-question.png"))
	for range 12 { // the offered name ("root" here) goes
		hd.Key("BackSpace")
	}
	hd.Type("Robert Smith", false)
	// ENTER until the window takes the name: a key pressed while the
	// window is busy can be lost on loaded cores (doc.go), and then the
	// question just stays.
	pressUntil(t, hd, hw, "Return", helper, `Alice will see you as`)
	mustWait(t, helper, `Alice will see you as Robert Smith\.`, 5*time.Second)
	mustWait(t, nv.proc, `Connected to Robert Smith`, 30*time.Second)
	b, err := os.ReadFile(filepath.Join(config, "ra-p2p", "config.json"))
	if err != nil || !strings.Contains(string(b), `"name": "Robert Smith"`) {
		t.Errorf("the name was not remembered in config.json: %q, %v", b, err)
	}
}
