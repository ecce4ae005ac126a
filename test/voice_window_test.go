//go:build linux

package test

import (
	"cmp"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/netlab"
	"github.com/ra-p2p/ra-p2p/test/soundserver"
	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// meterGreen is a voice meter's fill (render/voice.go).
var meterGreen = color.RGBA{0x22, 0xa0, 0x5a, 0xff}

// TestTalkInWindows: both windows on a private PipeWire, a microphone and
// a speaker (null sinks) per side in each config file. The helper clicks
// Start Talking; the novice's window asks "Bob wants to talk with you.
// Allow microphone?" and she clicks Allow; both windows show Stop Talking
// and, under the buttons, Mute and the two meters. Speech played into
// Bob's microphone moves his "You" meter and Alice's "Bob" meter (their
// green fill shows; Alice's own meter stays empty). Bob clicks Mute:
// Alice's history says "Bob muted the microphone". Bob clicks Stop
// Talking: both histories say "Voice ended", and both buttons read Start
// Talking again, pixel for pixel as before the call.
// Screenshots: docs/screenshots/voice-*.png (with RA_P2P_SCREENSHOTS=DIR).
func TestTalkInWindows(t *testing.T) {
	srv := soundserver.Start(t)
	for _, name := range []string{"alice-mic", "alice-speaker", "bob-mic", "bob-speaker"} {
		srv.NullSink(t, name)
	}
	dir := t.TempDir()
	speech := filepath.Join(dir, "speech.wav")
	soundserver.Speech(t, "Hello Alice, this is Bob. Can you hear me? Let us look at your printer together.", speech)
	for side, who := range map[string]string{"novice": "alice", "helper": "bob"} {
		b, _ := json.Marshal(map[string]string{"microphone": "pulse:" + who + "-mic.monitor", "speaker": "pulse:" + who + "-speaker"})
		if err := os.MkdirAll(filepath.Join(dir, side, "ra-p2p"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, side, "ra-p2p", "config.json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	w := twoConeHomes(t)
	nd := xdisplay.Start(t, 1280, 720)
	hd := xdisplay.Start(t, 1600, 900)
	shots := screenshotDir(t)
	s := startBothIn(t, w, nd, hd, dir, srv.Env(), []string{"--yes"})
	mustWait(t, s.helper, `Connected to Alice`, 30*time.Second)
	mustWait(t, s.novice, `Bob can see your screen`, 10*time.Second)
	novice, helper, nw, hw := s.novice, s.helper, s.nw, s.hw
	away := func() {
		hd.Do("xdotool", "mousemove", "--window", hw, "1", "1")
		nd.Do("xdotool", "mousemove", "--window", nw, "1", "1")
	}

	// The Start Talking buttons, enabled, as they look before the call.
	away()
	time.Sleep(time.Second)
	hTalk := buttonAt(t, hd.Screenshot(hw, ""), helperTalkX, talkY)
	nTalk := buttonAt(t, nd.Screenshot(nw, ""), noviceTalkX, talkY)
	hBefore, nBefore := hd.Screenshot(hw, filepath.Join(shots, "voice-helper-before.png")), nd.Screenshot(nw, filepath.Join(shots, "voice-novice-before.png"))

	// Bob clicks Start Talking; Alice is asked.
	clickUntil(t, hd, hw, helperTalkX, talkY, novice, `Bob wants to talk with you. Allow microphone\?`)
	away()
	var asked image.Image
	for i := 0; ; i++ {
		time.Sleep(300 * time.Millisecond)
		asked = nd.Screenshot(nw, filepath.Join(shots, "voice-novice-asked.png"))
		if !dialogFrame(asked).Empty() {
			break
		}
		if i == 10 {
			t.Fatal("the novice's window shows no question")
		}
	}
	checkDialog(t, "Allow microphone", asked, 2)
	hd.Screenshot(hw, filepath.Join(shots, "voice-helper-calling.png"))
	buttons := dialogButtons(asked, dialogFrame(asked))
	slices.SortFunc(buttons, func(a, b image.Rectangle) int { return a.Min.X - b.Min.X })
	allow := buttons[0].Min.Add(buttons[0].Max).Div(2)
	clickUntil(t, nd, nw, allow.X, allow.Y, novice, `Bob started talking|declined`)
	mustWait(t, novice, `Bob started talking`, time.Second)
	mustWait(t, helper, `You started talking with Alice`, 10*time.Second)

	// Both show Stop Talking, Mute and the meters.
	hMeters := waitMeters(t, hd, hw, filepath.Join(shots, "voice-helper-on.png"))
	nMeters := waitMeters(t, nd, nw, filepath.Join(shots, "voice-novice-on.png"))
	away()
	time.Sleep(300 * time.Millisecond)
	if samePixels(hBefore, hd.Screenshot(hw, ""), hTalk) {
		t.Errorf("the helper's button still reads Start Talking while talking")
	}
	if samePixels(nBefore, nd.Screenshot(nw, ""), nTalk) {
		t.Errorf("the novice's button still reads Start Talking while talking")
	}

	// Bob speaks: his "You" meter and Alice's "Bob" meter move.
	played := make(chan struct{})
	go func() {
		defer close(played)
		srv.Play(t, speech, "bob-mic")
	}()
	var hMine, nTheirs, nMine int
	for playing := true; playing; {
		select {
		case <-played:
			playing = false
		case <-time.After(200 * time.Millisecond):
		}
		if shot := hd.Screenshot(hw, ""); greenIn(shot, hMeters[0]) > hMine {
			hMine = greenIn(shot, hMeters[0])
			savePNG(t, shot, filepath.Join(shots, "voice-helper-talking.png"))
		}
		shot := nd.Screenshot(nw, "")
		if n := greenIn(shot, nMeters[1]); n > nTheirs {
			nTheirs = n
			savePNG(t, shot, filepath.Join(shots, "voice-novice-hearing.png"))
		}
		nMine = max(nMine, greenIn(shot, nMeters[0]))
	}
	t.Logf("green pixels at most: Bob's You meter %d of %d, Alice's Bob meter %d of %d, Alice's You meter %d",
		hMine, area(hMeters[0]), nTheirs, area(nMeters[1]), nMine)
	if hMine == 0 {
		t.Errorf("the helper's You meter never moved while he spoke")
	}
	if nTheirs == 0 {
		t.Errorf("the novice's Bob meter never moved while Bob spoke")
	}
	if nMine != 0 {
		t.Errorf("the novice's own meter moved (%d green pixels) though her microphone is silent", nMine)
	}

	// Mute: the first button of the row under the meters' row's left.
	mute := muteButton(t, hd.Screenshot(hw, ""), hMeters[0])
	clickUntil(t, hd, hw, mute.X, mute.Y, novice, `Bob muted the microphone`)
	away()
	time.Sleep(500 * time.Millisecond)
	hd.Screenshot(hw, filepath.Join(shots, "voice-helper-muted.png"))

	// The sound server hangs for 1.5 s, as on a computer too busy for the
	// call: both histories say so, and say when it is over.
	srv.Hang(t, 1500*time.Millisecond)
	for _, side := range []*netlab.Proc{helper, novice} {
		mustWait(t, side, `This computer is not keeping up with the sound: it handled \d+ % of it`, 15*time.Second)
		mustWait(t, side, `This computer keeps up with the sound again\.`, 15*time.Second)
	}
	away()
	time.Sleep(500 * time.Millisecond)
	hd.Screenshot(hw, filepath.Join(shots, "voice-helper-behind.png"))

	// Stop Talking.
	clickUntil(t, hd, hw, helperTalkX, talkY, helper, `Voice ended`)
	mustWait(t, novice, `Voice ended`, 10*time.Second)
	away()
	for i := 0; ; i++ {
		time.Sleep(300 * time.Millisecond)
		h, n := hd.Screenshot(hw, filepath.Join(shots, "voice-helper-ended.png")), nd.Screenshot(nw, filepath.Join(shots, "voice-novice-ended.png"))
		if samePixels(hBefore, h, hTalk) && samePixels(nBefore, n, nTalk) {
			break
		}
		if i == 10 {
			t.Fatal("after Voice ended the buttons do not read Start Talking again (voice-*-ended.png)")
		}
	}

	// Settings has the microphone and speaker (after the screen's rows):
	// Bob picks alice-speaker; the history says it is for the next call,
	// and his config file keeps it.
	openSettings(t, hd, hw)
	away()
	time.Sleep(500 * time.Millisecond)
	shot := hd.Screenshot(hw, filepath.Join(shots, "voice-helper-settings.png"))
	frame := dialogFrame(shot)
	boxes := append(dialogButtons(shot, frame), borderedBoxes(shot, frame.Inset(2), chosenBorder, 30)...)
	slices.SortFunc(boxes, func(a, b image.Rectangle) int { return cmp.Or(a.Min.Y-b.Min.Y, a.Min.X-b.Min.X) })
	// The screen's options, then Microphone (the default and bob-mic's
	// monitor, the one chosen: monitors are offered only when chosen),
	// then Speaker (the default and the four speakers), OK and Cancel.
	if want := optionCount + 2 + 5; len(boxes) != want {
		t.Fatalf("%d buttons in the Settings dialog, want %d (voice-helper-settings.png)", len(boxes), want)
	}
	pick := boxes[len(boxes)-5] // …, alice-speaker, bob-mic, bob-speaker, OK, Cancel
	hd.Click(hw, (pick.Min.X+pick.Max.X)/2, (pick.Min.Y+pick.Max.Y)/2)
	time.Sleep(300 * time.Millisecond)
	away()
	hd.Screenshot(hw, filepath.Join(shots, "voice-helper-settings-chosen.png"))
	ok := boxes[len(boxes)-2]
	clickUntil(t, hd, hw, (ok.Min.X+ok.Max.X)/2, (ok.Min.Y+ok.Max.Y)/2, helper, `Sound for the next call: speaker alice-speaker\.`)
	if slices.ContainsFunc(strings.Split(helper.Output(), "\n"), func(l string) bool { return strings.HasPrefix(l, "Screen quality:") }) {
		t.Errorf("choosing a speaker changed the screen quality:\n%s", helper.Output())
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(dir, "helper", "ra-p2p", "config.json"))
		var c struct{ Microphone, Speaker string }
		json.Unmarshal(b, &c)
		if c.Microphone == "pulse:bob-mic.monitor" && c.Speaker == "pulse:alice-speaker" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the config file does not keep the speaker chosen: %s", b)
		}
		time.Sleep(200 * time.Millisecond)
	}

	if m := regexp.MustCompile(`panic|fatal error`).FindString(helper.Output() + novice.Output()); m != "" {
		t.Errorf("a program crashed: %s", m)
	}
}

// Start Talking's centre in the helper's window (left of Settings) and in
// the novice's (left column, under Stop Control).
const (
	helperTalkX = 89
	noviceTalkX = 110
	talkY       = 93
)

// buttonAt is the bordered button around x,y in shot.
func buttonAt(t *testing.T, shot image.Image, x, y int) image.Rectangle {
	t.Helper()
	for _, box := range borderedBoxes(shot, shot.Bounds(), buttonBorder, 40) {
		if image.Pt(x, y).In(box) {
			return box
		}
	}
	t.Fatalf("no button at %d,%d", x, y)
	return image.Rectangle{}
}

// meterTrack is a voice meter's empty part (render/voice.go).
var meterTrack = color.RGBA{0xe5, 0xe7, 0xeb, 0xff}

// meters are the voice meters in shot, left to right: the boxes outlined
// in the buttons' grey whose inside, at its left end, is the meter's track
// or its green fill (a button is white there).
func meters(shot image.Image) []image.Rectangle {
	var m []image.Rectangle
	for _, box := range borderedBoxes(shot, shot.Bounds(), buttonBorder, 30) {
		x, y := box.Min.X+2, (box.Min.Y+box.Max.Y)/2
		if box.Dy() < 50 && (same(shot, x, y, meterTrack) || same(shot, x, y, meterGreen)) {
			m = append(m, box)
		}
	}
	slices.SortFunc(m, func(a, b image.Rectangle) int { return a.Min.X - b.Min.X })
	return m
}

// waitMeters waits until win shows the two meters and returns them.
func waitMeters(t *testing.T, d *xdisplay.Display, win, path string) []image.Rectangle {
	t.Helper()
	for i := 0; ; i++ {
		d.Do("xdotool", "mousemove", "--window", win, "1", "1")
		time.Sleep(300 * time.Millisecond)
		if m := meters(d.Screenshot(win, path)); len(m) == 2 {
			return m
		}
		if i == 10 {
			t.Fatalf("no two meters in %s", path)
		}
	}
}

// muteButton is the centre of the button left of the meter mine.
func muteButton(t *testing.T, shot image.Image, mine image.Rectangle) image.Point {
	t.Helper()
	for _, box := range borderedBoxes(shot, image.Rect(0, mine.Min.Y-30, mine.Min.X, mine.Max.Y+30), buttonBorder, 30) {
		if box.Dy() < 50 && !slices.Contains(meters(shot), box) {
			return box.Min.Add(box.Max).Div(2)
		}
	}
	t.Fatalf("no Mute button left of the meter %v", mine)
	return image.Point{}
}

func greenIn(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if same(img, x, y, meterGreen) {
				n++
			}
		}
	}
	return n
}

func area(r image.Rectangle) int { return r.Dx() * r.Dy() }

// savePNG saves img as a PNG file at path.
func savePNG(t *testing.T, img image.Image, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
