//go:build !windows

package control

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/ra-p2p/ra-p2p/test/xdisplay"
)

// inputLog is a window of our own that covers the screen, has the keyboard
// focus and logs the pointer and keyboard events X delivers to it: what a
// program on the novice's desktop would receive.
type inputLog struct {
	t      *testing.T
	conn   *xgb.Conn
	win    xproto.Window
	events chan xgb.Event
}

func newInputLog(t *testing.T, display string) *inputLog {
	t.Helper()
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatalf("connecting to %s: %v", display, err)
	}
	scr := xproto.Setup(conn).DefaultScreen(conn)
	win, err := xproto.NewWindowId(conn)
	if err != nil {
		t.Fatal(err)
	}
	mask := uint32(xproto.EventMaskKeyPress | xproto.EventMaskKeyRelease | xproto.EventMaskButtonPress |
		xproto.EventMaskButtonRelease | xproto.EventMaskPointerMotion)
	if err := xproto.CreateWindowChecked(conn, scr.RootDepth, win, scr.Root, 0, 0, scr.WidthInPixels, scr.HeightInPixels, 0,
		xproto.WindowClassInputOutput, scr.RootVisual, xproto.CwOverrideRedirect|xproto.CwEventMask, []uint32{1, mask}).Check(); err != nil {
		t.Fatal(err)
	}
	xproto.MapWindow(conn, win)
	xproto.SetInputFocus(conn, xproto.InputFocusPointerRoot, win, xproto.TimeCurrentTime)
	if _, err := xproto.GetInputFocus(conn).Reply(); err != nil {
		t.Fatal(err)
	}
	l := &inputLog{t: t, conn: conn, win: win, events: make(chan xgb.Event, 1000)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			ev, err := conn.WaitForEvent()
			if ev == nil && err == nil {
				return
			}
			if ev != nil {
				l.events <- ev
			}
		}
	}()
	t.Cleanup(func() { conn.Close(); <-done })
	return l
}

// next returns the next key or button event (motion is skipped unless
// motion is set), or fails the test after a second.
func (l *inputLog) next(motion bool) xgb.Event {
	l.t.Helper()
	deadline := time.After(time.Second)
	for {
		select {
		case ev := <-l.events:
			switch ev.(type) {
			case xproto.MappingNotifyEvent:
				continue // every client gets these; the injector causes them
			case xproto.MotionNotifyEvent:
				if !motion {
					continue
				}
			}
			return ev
		case <-deadline:
			l.t.Fatal("no input event reached the test window within 1 s")
			return nil
		}
	}
}

// quiet fails the test if a key or button event arrives within d.
func (l *inputLog) quiet(d time.Duration) {
	l.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev := <-l.events:
			switch ev.(type) {
			case xproto.MotionNotifyEvent, xproto.MappingNotifyEvent:
			default:
				l.t.Fatalf("unexpected event %v", ev)
			}
		case <-deadline:
			return
		}
	}
}

// keysym is what the event's key means now: the first column of the
// keyboard map, or the second with Shift.
func (l *inputLog) keysym(kc xproto.Keycode, state uint16) uint32 {
	l.t.Helper()
	r, err := xproto.GetKeyboardMapping(l.conn, kc, 1).Reply()
	if err != nil {
		l.t.Fatal(err)
	}
	if state&xproto.ModMaskShift != 0 && len(r.Keysyms) > 1 && r.Keysyms[1] != 0 {
		return uint32(r.Keysyms[1])
	}
	return uint32(r.Keysyms[0])
}

// describe turns a key or button event into "press a", "release button 1
// at 100,200"…
func (l *inputLog) describe(ev xgb.Event) string {
	l.t.Helper()
	switch e := ev.(type) {
	case xproto.KeyPressEvent:
		return fmt.Sprintf("press %#x", l.keysym(e.Detail, e.State))
	case xproto.KeyReleaseEvent:
		return fmt.Sprintf("release %#x", l.keysym(e.Detail, e.State))
	case xproto.ButtonPressEvent:
		return fmt.Sprintf("press button %d at %d,%d", e.Detail, e.EventX, e.EventY)
	case xproto.ButtonReleaseEvent:
		return fmt.Sprintf("release button %d at %d,%d", e.Detail, e.EventX, e.EventY)
	case xproto.MotionNotifyEvent:
		return fmt.Sprintf("motion to %d,%d", e.EventX, e.EventY)
	}
	return fmt.Sprintf("%T", ev)
}

func (l *inputLog) expect(want ...string) {
	l.t.Helper()
	for _, w := range want {
		if got := l.describe(l.next(strings.HasPrefix(w, "motion"))); got != w {
			l.t.Fatalf("the test window got %q, want %q", got, w)
		}
	}
}

func newTestInjector(t *testing.T, d *xdisplay.Display) Injector {
	t.Helper()
	inj, err := NewX11Injector(d.Name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := inj.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return inj
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestX11Pointer(t *testing.T) {
	d := xdisplay.Start(t, 640, 480)
	log := newInputLog(t, d.Name)
	inj := newTestInjector(t, d)
	if w, h := inj.ScreenSize(); w != 640 || h != 480 {
		t.Fatalf("ScreenSize = %dx%d, want 640x480", w, h)
	}

	check(t, inj.Move(100, 200))
	if out := d.Do("xdotool", "getmouselocation"); !strings.HasPrefix(out, "x:100 y:200 ") {
		t.Fatalf("xdotool getmouselocation after Move(100, 200): %s", out)
	}
	log.expect("motion to 100,200")

	check(t, inj.Button(1, true))
	check(t, inj.Button(1, false))
	log.expect("press button 1 at 100,200", "release button 1 at 100,200")

	// A double click: two clicks in quick succession at one place.
	check(t, inj.Move(300, 50))
	var times []xproto.Timestamp
	for range 2 {
		check(t, inj.Button(1, true))
		check(t, inj.Button(1, false))
	}
	for _, want := range []string{"press button 1 at 300,50", "release button 1 at 300,50", "press button 1 at 300,50", "release button 1 at 300,50"} {
		ev := log.next(false)
		if got := log.describe(ev); got != want {
			t.Fatalf("double click: got %q, want %q", got, want)
		}
		if p, ok := ev.(xproto.ButtonPressEvent); ok {
			times = append(times, p.Time)
		}
	}
	if gap := time.Duration(times[1]-times[0]) * time.Millisecond; gap > 250*time.Millisecond {
		t.Fatalf("the two clicks were %v apart, too slow for a double click", gap)
	}

	check(t, inj.Button(3, true))
	check(t, inj.Button(3, false))
	check(t, inj.Button(2, true))
	check(t, inj.Button(2, false))
	log.expect("press button 3 at 300,50", "release button 3 at 300,50", "press button 2 at 300,50", "release button 2 at 300,50")

	// The wheel is buttons 4 (up), 5 (down), 6 (left), 7 (right).
	check(t, inj.Scroll(0, 2))
	log.expect("press button 5 at 300,50", "release button 5 at 300,50", "press button 5 at 300,50", "release button 5 at 300,50")
	check(t, inj.Scroll(0, -1))
	log.expect("press button 4 at 300,50", "release button 4 at 300,50")
	check(t, inj.Scroll(1, 0))
	log.expect("press button 7 at 300,50", "release button 7 at 300,50")
	check(t, inj.Scroll(-1, 0))
	log.expect("press button 6 at 300,50", "release button 6 at 300,50")
	log.quiet(100 * time.Millisecond)
}

func TestX11Keys(t *testing.T) {
	d := xdisplay.Start(t, 640, 480)
	log := newInputLog(t, d.Name)
	inj := newTestInjector(t, d)
	check(t, inj.Move(10, 10))

	check(t, inj.Key("a", true))
	check(t, inj.Key("a", false))
	log.expect("press 0x61", "release 0x61")

	check(t, inj.Key("Shift_L", true))
	check(t, inj.Key("a", true))
	check(t, inj.Key("a", false))
	check(t, inj.Key("Shift_L", false))
	log.expect("press 0xffe1", "press 0x41", "release 0x41", "release 0xffe1") // Shift_L, A, A, Shift_L

	for _, k := range []struct {
		name string
		sym  uint32
	}{{"Return", 0xff0d}, {"BackSpace", 0xff08}, {"Left", 0xff51}, {"F5", 0xffc2}, {"Control_L", 0xffe3}} {
		check(t, inj.Key(k.name, true))
		check(t, inj.Key(k.name, false))
		log.expect(fmt.Sprintf("press %#x", k.sym), fmt.Sprintf("release %#x", k.sym))
	}

	// Not on the keyboard map: a spare keycode carries it while it is down.
	check(t, inj.Key("eacute", true))
	log.expect("press 0xe9")
	check(t, inj.Key("eacute", false))
	log.next(false)

	if err := inj.Key("Terminate_Server", true); err == nil {
		t.Fatal("the injector pressed Terminate_Server")
	}
	log.quiet(100 * time.Millisecond)
}

// TestX11Text types into an xterm running `cat > file`: the file must hold
// the text exactly, as UTF-8, including characters no key of the keyboard
// map carries; afterwards the keyboard map is as it was.
func TestX11Text(t *testing.T) {
	d := xdisplay.Start(t, 800, 600)
	before := keyboardMap(t, d.Name)
	file := filepath.Join(t.TempDir(), "typed.txt")
	d.Start("xterm", "-u8", "-geometry", "80x10+0+0", "-e", "sh", "-c", "exec cat > "+file)
	win := d.WaitWindowClass("XTerm", 10*time.Second)
	d.Do("xdotool", "windowfocus", "--sync", win)

	inj := newTestInjector(t, d)
	check(t, inj.Move(100, 50))
	// More distinct characters than there are spare keycodes, so that
	// keycodes are lent again while typing.
	text := "Hello, World! ~@|{}\n" + "é ß 日本 ÆØÅ €\n" + "天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏\tend\n"
	start := time.Now()
	check(t, inj.Text(text))
	t.Logf("typed %d characters in %v", len([]rune(text)), time.Since(start).Round(time.Millisecond))
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _ := os.ReadFile(file)
		if string(got) == text {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the xterm received %q, want %q", got, text)
		}
		time.Sleep(50 * time.Millisecond)
	}
	check(t, inj.Close())
	if after := keyboardMap(t, d.Name); !slices.Equal(before, after) {
		t.Fatal("the keyboard map differs after Close: the borrowed keycodes were not given back")
	}
}

func keyboardMap(t *testing.T, display string) []xproto.Keysym {
	t.Helper()
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatal(err)
	}
	defer closeXGB(c)
	s := xproto.Setup(c)
	r, err := xproto.GetKeyboardMapping(c, s.MinKeycode, byte(int(s.MaxKeycode)-int(s.MinKeycode)+1)).Reply()
	if err != nil {
		t.Fatal(err)
	}
	return r.Keysyms
}

// TestX11OneInjectorAtATime: robotgo drives one display per process.
func TestX11OneInjectorAtATime(t *testing.T) {
	d := xdisplay.Start(t, 320, 240)
	inj := newTestInjector(t, d)
	if second, err := NewX11Injector(d.Name); err == nil {
		second.Close()
		t.Fatal("a second injector opened while the first is open")
	}
	check(t, inj.Close())
	check(t, inj.Close()) // idempotent
	if err := inj.Move(1, 1); err == nil {
		t.Fatal("Move after Close succeeded")
	}
	again, err := NewX11Injector(d.Name)
	if err != nil {
		t.Fatalf("opening an injector after closing the first: %v", err)
	}
	check(t, again.Close())
	if _, err := NewX11Injector(":9999"); err == nil {
		t.Fatal("an injector opened on a display that does not exist")
	}
}
