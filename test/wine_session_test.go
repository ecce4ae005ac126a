//go:build linux

package test

import (
	"fmt"
	"image"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/wine"
	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// TestWindowsNoviceUnderWine (issue 16): Alice runs ra-p2p.exe under Wine
// behind one home router, her window and Wine's Notepad on an Xvfb
// showing the test card; Bob runs the Linux build behind the other router,
// his window on another display. The session is direct; Bob's pane shows
// Alice's screen (captured through GDI) as TestScreenAcrossTwoNATs
// requires; chat goes both ways, typed into each window; Bob takes control
// (Alice allows it in her window, drawn by Ebiten under Wine) and types
// "hello é ß 日本" into Notepad, read back from Notepad through Wine's
// clipboard; ESC pressed on Alice's keyboard ends control at once.
func TestWindowsNoviceUnderWine(t *testing.T) {
	w := twoConeHomes(t)
	kit, err := wine.NewKit()
	kit = wine.Need(t, kit, err)
	t.Cleanup(func() { kit.Close() })
	t.Logf("the template Wine prefix booted in %v", kit.BootTime().Round(time.Millisecond))
	// Wine 8.0 refuses an ioctl Go sets on every UDP socket: without the
	// patch there is no QUIC, and through two NATs no direct session.
	exe, err := kit.Build(wine.Target{Pkg: "cmd/ra-p2p", WineUDP: true})
	if err != nil {
		t.Fatal(err)
	}
	const sw, sh = 1280, 720
	nd := xdisplay.Start(t, sw, sh)
	hd := xdisplay.Start(t, 1400, 900)
	shots := screenshotDir(t)
	nd.ShowImage(testPattern(sw, sh))
	nd.Do("xdotool", "mousemove", "1270", "710") // keep the pointer out of the way
	prefix := kit.Prefix(t, nd.Name)
	alice := program{bin: wine.Loader, pre: []string{exe}, env: prefix.Env(), path: wine.WinPath}

	start := time.Now()
	s := startBothWith(t, w, nd, hd, t.TempDir(), nil, alice, []string{"--yes"})
	novice, helper, nw, hw := s.novice, s.helper, s.nw, s.hw
	mustWait(t, helper, `Connected to Alice`, 60*time.Second)
	t.Logf("Alice (Wine) waiting → Bob connected in %v", time.Since(start).Round(time.Millisecond))
	mustWait(t, novice, `Bob can see your screen`, 20*time.Second)

	// Direct: to the novice router's public address, not through a relay.
	addr := mustWait(t, helper, `Direct connection: (\S+)`, 10*time.Second)[1]
	if strings.Contains(addr, "p2p-circuit") || !strings.Contains(addr, "/"+w.lab.RouterWANIP("novice")+"/") {
		t.Fatalf("the session is not direct to the novice's router (%s): %s", w.lab.RouterWANIP("novice"), addr)
	}

	// The pane scaled to fit (940x529 at 340,135), then at 100% (F11),
	// shows Alice's screen: where the codec is lossless pixel for pixel,
	// PSNR ≥ 35 dB overall.
	want := nd.Screenshot("root", filepath.Join(shots, "wine-novice-screen.png"))
	fit := image.Rect(340, 135, 340+940, 135+529)
	waitPane(t, hd, hw, func(got image.Image) (bool, string) {
		p := psnr(downscale(want, fit.Size()), got, fit)
		return p >= 35, fmt.Sprintf("PSNR %.1f dB (scaled, want ≥ 35)", p)
	}, filepath.Join(shots, "wine-helper-fit.png"))
	hd.Do("xdotool", "windowfocus", "--sync", hw)
	hd.Key("F11")
	full := image.Rect(0, 0, sw, sh)
	lossless := []image.Rectangle{image.Rect(0, 0, sw, sh/3), image.Rect(0, 2*sh/3, sw-48, sh)}
	waitPane(t, hd, hw, func(got image.Image) (bool, string) {
		p := psnr(want, got, full)
		exact := min(exactShare(want, got, lossless[0]), exactShare(want, got, lossless[1]))
		return p >= 35 && exact == 1, fmt.Sprintf("PSNR %.1f dB, lossless regions %.2f%% pixel-exact (want ≥ 35 dB, 100%%)", p, exact*100)
	}, filepath.Join(shots, "wine-helper-full.png"))
	hd.Key("F11") // back to the normal layout, where the buttons and the chat box are

	// Chat both ways: typed into each window.
	typeUntil(t, hd, hw, 120, 800-28, "Hello Alice, Bob here", novice, `Bob: (Hello Alice, Bob here)+`)
	nd.Click(nw, 150, 640-28)
	nd.Type("Thanks for helping!", false)
	nd.Click(nw, 420-40, 640-28) // Send
	mustWait(t, helper, `Alice: Thanks for helping!`, 10*time.Second)

	// Notepad on Alice's screen, beside her window, with the keyboard
	// (Xvfb has no window manager to give it).
	prefix.Start(t, "notepad")
	np := nd.WaitWindow("Notepad", 60*time.Second)
	nd.Do("xdotool", "windowmove", "--sync", np, "60", "380")
	nd.Do("xdotool", "windowfocus", "--sync", np)

	// Take Control: Alice allows it in her window.
	askControl(t, hd, hw, novice, 1)
	time.Sleep(300 * time.Millisecond)
	nd.Screenshot(nw, filepath.Join(shots, "wine-novice-allow-control.png"))
	clickUntil(t, nd, nw, 117, 306, novice, `Bob is controlling your computer. Press ESC to take control back`) // Allow
	mustWait(t, helper, `Bob has control of Alice's computer`, 10*time.Second)
	hd.Do("xdotool", "windowfocus", "--sync", hw)
	hd.Key("F11")
	time.Sleep(500 * time.Millisecond)
	hd.Click(hw, 260, 480) // into Notepad's text, 1:1
	nd.Do("xdotool", "windowfocus", "--sync", np)
	hd.MapCharacters("é ß 日本")
	hd.Type("hello é ß 日本", false)
	text := notepadText(t, nd, np, "hello é ß 日本")
	hd.Screenshot(hw, filepath.Join(shots, "wine-helper-in-control.png"))
	t.Logf("Notepad holds %q", text)

	// ESC on Alice's keyboard ends control at once.
	nd.Do("xdotool", "windowfocus", "--sync", np)
	escAt := time.Now()
	nd.Do("xdotool", "key", "Escape")
	mustWait(t, novice, `Screen View Only`, 3*time.Second)
	t.Logf("ESC → control ended after %v (measured through the novice's output)", time.Since(escAt).Round(time.Millisecond))
	mustWait(t, helper, `Alice took control back`, 5*time.Second)
}

// notepadText waits until Notepad (window np on d, Wine's) holds want: it
// selects all, copies, and reads Wine's clipboard, which Wine offers to X
// programs as the CLIPBOARD selection.
func notepadText(t *testing.T, d *xdisplay.Display, np, want string) string {
	t.Helper()
	got := ""
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		d.Do("xdotool", "windowfocus", "--sync", np)
		d.Do("xdotool", "key", "ctrl+a", "ctrl+c")
		out, err := d.Output("timeout", "5", "xclip", "-o", "-selection", "clipboard")
		if err == nil {
			got = out
		}
		if got == want {
			return got
		}
	}
	t.Fatalf("Notepad holds %q, want %q", got, want)
	return ""
}
