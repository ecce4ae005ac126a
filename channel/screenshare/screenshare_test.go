//go:build linux

package screenshare_test

import (
	"context"
	"fmt"
	"image"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/channel/screenshare"
	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/internal/leakcheck"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/session/sessiontest"
	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// These tests share a real X screen (Xvfb) between two real sessions on
// loopback (sessiontest).

func TestMain(m *testing.M) { leakcheck.Main(m) }

// TestStartAndStop: the session starts both halves when the helper is
// accepted (the novice says the helper sees the screen, the viewer gets a
// whole frame, scaled to the pane it asked for), and ending the session
// stops them (TestMain checks no goroutine is left). While the screen is
// shared the process's Go code runs on one thread (package cores), and on
// the default number again once it is not.
func TestStartAndStop(t *testing.T) {
	threads := runtime.GOMAXPROCS(0)
	d := xdisplay.Start(t, 640, 480)
	view := newWatchedView(320, 240) // before the session: the first frame is scaled already
	helper, novice := sessiontest.Pair(t, sessiontest.Options{
		HelperChannels: []session.Channel{view.View},
		NoviceChannels: []session.Channel{&screenshare.Share{Display: d.Name}},
	})
	novice.WaitStatus(t, "Bob can see your screen.")
	l := view.wait(t, "a frame", func(desktop.View) bool { return true })
	if got := l.Image.Bounds().Size(); got.X != 320 || got.Y != 240 {
		t.Errorf("image %v, want 320x240 (the pane)", got)
	}
	if l.Screen.X != 640 || l.Screen.Y != 480 {
		t.Errorf("remote screen %v, want 640x480", l.Screen)
	}
	if n := runtime.GOMAXPROCS(0); os.Getenv("GOMAXPROCS") == "" && n != 1 {
		t.Errorf("GOMAXPROCS %d while the screen is shared, want 1", n)
	}
	helper.Close()
	if r := novice.Wait(t.Context()); r != "Disconnected from Bob" {
		t.Errorf("the novice's session ended with %q", r)
	}
	if n := runtime.GOMAXPROCS(0); n != threads {
		t.Errorf("GOMAXPROCS %d after the session, want %d as before it", n, threads)
	}
	for _, text := range helper.Texts() {
		if text == "Alice's screen is no longer shown." {
			t.Errorf("the viewer said the screen stopped although the session ended: %q", helper.Texts())
		}
	}
}

// TestNoScreenToShare: without an X display the novice is told, plainly,
// and the session goes on.
func TestNoScreenToShare(t *testing.T) {
	helper, novice := sessiontest.Pair(t, sessiontest.Options{
		HelperChannels: []session.Channel{&screenshare.View{}},
		NoviceChannels: []session.Channel{&screenshare.Share{Display: ":999"}},
	})
	ev := novice.WaitFor(t, "a status saying the screen cannot be shown", func(ev session.Event) bool {
		return ev.Kind == session.EventStatus && strings.HasPrefix(ev.Text, "Your screen cannot be shown to Bob: ")
	})
	t.Log(ev.Text)
	if err := helper.Send("still there?"); err != nil {
		t.Errorf("chat after the screen failed: %v", err)
	}
	novice.WaitFor(t, "the chat line", func(ev session.Event) bool { return ev.Kind == session.EventChat && ev.Text == "still there?" })
}

// TestQualityAppliedLive: a quality chosen while the screen is shown
// reaches the novice's side at once (Greyscale: every pixel the viewer
// gets is grey, where the screen is coloured), and a pane resized after
// it keeps it: the viewer's settings replace each other whole, so the
// pane size and the quality travel together.
func TestQualityAppliedLive(t *testing.T) {
	d := xdisplay.Start(t, 640, 480)
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for i := 0; i < len(img.Pix); i += 4 { // stripes of red, green and blue
		img.Pix[i+(i/4%640)/40%3] = 0xff
		img.Pix[i+3] = 0xff
	}
	d.ShowImage(img)
	view := newWatchedView(320, 240)
	_, novice := sessiontest.Pair(t, sessiontest.Options{
		HelperChannels: []session.Channel{view.View},
		NoviceChannels: []session.Channel{&screenshare.Share{Display: d.Name}},
	})
	novice.WaitStatus(t, "Bob can see your screen.")
	// waitImage waits for an image of size want that ok accepts.
	waitImage := func(what string, want image.Point, ok func(*image.RGBA) bool) {
		t.Helper()
		view.wait(t, what, func(l desktop.View) bool { return l.Image.Bounds().Size() == want && ok(l.Image) })
	}
	waitImage("the coloured screen", image.Pt(320, 240), func(m *image.RGBA) bool { return !grey(m) })
	colours := choice(t, "Colours")
	q, err := colours.Choose(screenshare.Quality{}, slices.Index(colours.Options, "Greyscale"))
	if err != nil {
		t.Fatal(err)
	}
	view.SetQuality(q)
	waitImage("a grey picture after Greyscale was chosen", image.Pt(320, 240), grey)
	view.SetPaneSize(200, 150)
	waitImage("a grey picture of the resized pane", image.Pt(200, 150), grey)
	if got := view.Quality(); got != q {
		t.Errorf("Quality = %+v, want %+v", got, q)
	}
}

// watchedView is a viewer whose updates wake wait.
type watchedView struct {
	*screenshare.View
	updated chan struct{}
}

// newWatchedView is a viewer of a pane of w×h.
func newWatchedView(w, h int) *watchedView {
	v := &watchedView{updated: make(chan struct{}, 1)}
	v.View = &screenshare.View{Updated: func() {
		select {
		case v.updated <- struct{}{}:
		default:
		}
	}}
	v.SetPaneSize(w, h)
	return v
}

// wait waits until the viewer has a picture that ok accepts, and returns it.
func (v *watchedView) wait(t *testing.T, what string, ok func(desktop.View) bool) desktop.View {
	t.Helper()
	deadline := time.After(sessiontest.Wait)
	for {
		if l := v.Latest(); l.Image != nil && ok(l) {
			return l
		}
		select {
		case <-v.updated:
		case <-deadline:
			l := v.Latest()
			var size image.Point
			if l.Image != nil {
				size = l.Image.Bounds().Size()
			}
			t.Fatalf("the viewer never showed %s (its last picture: %v, the pointer at %d,%d)", what, size, l.Cursor.X, l.Cursor.Y)
		}
	}
}

// grey says whether every pixel of m is grey (r = g = b).
func grey(m *image.RGBA) bool {
	for i := 0; i+3 < len(m.Pix); i += 4 {
		if m.Pix[i] != m.Pix[i+1] || m.Pix[i+1] != m.Pix[i+2] {
			return false
		}
	}
	return true
}

// grabCounter counts the Share's grabs from its debug lines ("screen
// sender", one a second).
type grabCounter struct {
	mu    sync.Mutex
	grabs []int64 // per line
}

func (c *grabCounter) Enabled(context.Context, slog.Level) bool { return true }
func (c *grabCounter) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *grabCounter) WithGroup(string) slog.Handler            { return c }
func (c *grabCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "screen sender" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "grabs" {
			c.mu.Lock()
			c.grabs = append(c.grabs, a.Value.Int64())
			c.mu.Unlock()
		}
		return true
	})
	return nil
}

// lines is how many lines have come.
func (c *grabCounter) lines() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.grabs)
}

// since sums the grabs of the lines after the first n.
func (c *grabCounter) since(n int) (grabs int64, lines int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, g := range c.grabs[n:] {
		grabs += g
	}
	return grabs, len(c.grabs) - n
}

// shareWithPointer shares a 640x480 Xvfb screen, counting the grabs, and
// returns a function that waits until the viewer shows the pointer at p.
func shareWithPointer(t *testing.T) (*xdisplay.Display, *grabCounter, func(what string, p image.Point)) {
	d := xdisplay.Start(t, 640, 480)
	view := newWatchedView(640, 480)
	counter := &grabCounter{}
	_, novice := sessiontest.Pair(t, sessiontest.Options{
		HelperChannels: []session.Channel{view.View},
		NoviceChannels: []session.Channel{&screenshare.Share{Display: d.Name, Log: slog.New(counter)}},
	})
	novice.WaitStatus(t, "Bob can see your screen.")
	pointerAt := func(what string, p image.Point) {
		t.Helper()
		view.wait(t, fmt.Sprintf("the pointer at %v %s", p, what), func(l desktop.View) bool { return image.Pt(l.Cursor.X, l.Cursor.Y) == p })
	}
	return d, counter, pointerAt
}

// TestStillPointerIsNotPolled: with the screen and the pointer still, the
// novice does not grab (the pointer's motion wakes her loop: a poll every
// 40 ms was 1.1 % of a core), and the pointer moved by XTEST, as a mouse
// and the helper's control move it, still reaches the viewer each time.
// The poll for warped pointers is off here, so only the wake-up can show
// the moves.
func TestStillPointerIsNotPolled(t *testing.T) {
	screenshare.SetWarpedPointerPoll(t, time.Hour)
	d, counter, pointerAt := shareWithPointer(t)
	pointerAt("at the start", image.Pt(320, 240)) // where Xvfb puts it
	time.Sleep(time.Second)                       // the pointer has been still for half a second
	n := counter.lines()
	for counter.lines() < n+3 {
		time.Sleep(100 * time.Millisecond)
	}
	// At most one grab for what the session's start drew late.
	if grabs, lines := counter.since(n); grabs > 1 {
		t.Errorf("%d grabs in %d s of a still screen and pointer, want none (no polling)", grabs, lines)
	}
	at := image.Pt(320, 240)
	for i := range 3 {
		d.Do("xdotool", "mousemove_relative", "--", "30", "-20") // XTEST motion
		at = at.Add(image.Pt(30, -20))
		pointerAt(fmt.Sprintf("move %d", i), at)
		time.Sleep(700 * time.Millisecond) // still again
	}
}

// TestWarpedPointerIsShown: a pointer a program warps raises no motion
// event; the slow poll of a still pointer still shows where it went.
func TestWarpedPointerIsShown(t *testing.T) {
	d, _, pointerAt := shareWithPointer(t)
	pointerAt("at the start", image.Pt(320, 240))
	time.Sleep(time.Second)
	d.Do("xdotool", "mousemove", "100", "110") // XWarpPointer
	pointerAt("after a warp", image.Pt(100, 110))
}
