//go:build linux

// Package xdisplay starts a private Xvfb display for a test and drives
// windows on it with xdotool and imagemagick's import, as a person would:
// find a window by title, click (with a person's 150 ms press, so a window
// that redraws only on demand sees it), type, take a screenshot.
//
// It stops only the Xvfb it started, by PID, when the test ends.
package xdisplay

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/test/procgroup"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// Display is a running Xvfb.
type Display struct {
	Name string // ":N"
	tb   testing.TB

	pmu   sync.Mutex
	pconn *xgb.Conn // for Pointer
}

// Start runs Xvfb at w×h×24 on a free display number; the test skips when
// Xvfb is missing (fails when RA_P2P_REQUIRE_ALL=1).
func Start(tb testing.TB, w, h int) *Display {
	tb.Helper()
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := fmt.Sprintf("needs %s (Debian packages xvfb, xdotool, imagemagick; scripts/install-deps.sh installs them)", tool)
			if os.Getenv("RA_P2P_REQUIRE_ALL") == "1" {
				tb.Fatal(msg)
			}
			tb.Skip(msg)
		}
	}
	for n := 90 + os.Getpid()%50; n < 400; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		name := ":" + strconv.Itoa(n)
		// -noreset: Xvfb would otherwise reset when its last client leaves.
		cmd := exec.Command("Xvfb", name, "-screen", "0", fmt.Sprintf("%dx%dx24", w, h), "-nolisten", "tcp", "-noreset")
		if err := cmd.Start(); err != nil {
			tb.Fatalf("starting Xvfb: %v", err)
		}
		d := &Display{Name: name, tb: tb}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }() // the only Wait
		if d.waitReady(exited) {
			tb.Cleanup(func() {
				// SIGTERM lets Xvfb remove its lock file and socket.
				cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-exited:
				case <-time.After(5 * time.Second):
					cmd.Process.Kill()
					<-exited
				}
			})
			return d
		}
		cmd.Process.Kill()
		<-exited
	}
	tb.Fatal("no free X display number")
	return nil
}

func (d *Display) waitReady(done <-chan struct{}) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return false // lost the race for this number
		default:
		}
		if _, err := d.run("xdotool", "getmouselocation"); err == nil {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// Env is the environment entry that puts a program on this display.
func (d *Display) Env() string { return "DISPLAY=" + d.Name }

func (d *Display) run(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), d.Env())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// Do runs an X tool (xdotool, xterm…) on the display and fails the test on error.
func (d *Display) Do(name string, args ...string) string {
	d.tb.Helper()
	out, err := d.run(name, args...)
	if err != nil {
		d.tb.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return out
}

// Output runs an X tool on the display and returns what it printed (its
// standard output and error, trimmed) and its error, without failing the test.
func (d *Display) Output(name string, args ...string) (string, error) { return d.run(name, args...) }

// WaitWindow waits for a window whose title matches re (xdotool search
// --name) and returns its id.
func (d *Display) WaitWindow(re string, timeout time.Duration) string {
	d.tb.Helper()
	return d.waitWindow("--name", re, timeout)
}

// WaitWindowClass waits for a window of class re (e.g. "XTerm").
func (d *Display) WaitWindowClass(re string, timeout time.Duration) string {
	d.tb.Helper()
	return d.waitWindow("--class", re, timeout)
}

func (d *Display) waitWindow(by, re string, timeout time.Duration) string {
	d.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out, err := d.run("xdotool", "search", "--onlyvisible", by, re)
		if err == nil && out != "" {
			return strings.Fields(out)[0]
		}
		if time.Now().After(deadline) {
			d.tb.Fatalf("no window titled %q on %s after %v", re, d.Name, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Move places a window at x,y (there is no window manager on Xvfb) and raises it.
func (d *Display) Move(win string, x, y int) {
	d.tb.Helper()
	d.Do("xdotool", "windowmove", win, strconv.Itoa(x), strconv.Itoa(y))
	d.Do("xdotool", "windowraise", win)
}

// Click presses and releases the left button at window-relative x,y, holding
// it 150 ms as a person does.
func (d *Display) Click(win string, x, y int) {
	d.tb.Helper()
	d.ClickHeld(win, x, y, 150*time.Millisecond)
}

// ClickHeld is Click holding the button for hold: a window that looks at
// the button once a frame misses a press that is over before its next
// frame, and on a busy machine a frame can come a few hundred
// milliseconds late.
func (d *Display) ClickHeld(win string, x, y int, hold time.Duration) {
	d.tb.Helper()
	// Without a window manager a click does not move the keyboard focus.
	d.Do("xdotool", "windowfocus", "--sync", win)
	d.Do("xdotool", "mousemove", "--window", win, strconv.Itoa(x), strconv.Itoa(y))
	time.Sleep(150 * time.Millisecond)
	d.Do("xdotool", "mousedown", "1")
	time.Sleep(hold)
	d.Do("xdotool", "mouseup", "1")
	time.Sleep(150 * time.Millisecond)
}

// Type types text into the focused window, then presses ENTER when enter is set.
func (d *Display) Type(text string, enter bool) {
	d.tb.Helper()
	// 120 ms a character: xdotool types characters missing from the keymap
	// by remapping a spare keycode, and a window that handles its events a
	// little later (one that draws on demand) would read the next mapping.
	d.Do("xdotool", "type", "--delay", "120", text)
	if enter {
		d.Key("Return")
	}
}

// Key presses and releases one key, held 150 ms.
func (d *Display) Key(key string) {
	d.tb.Helper()
	d.Do("xdotool", "keydown", key)
	time.Sleep(150 * time.Millisecond)
	d.Do("xdotool", "keyup", key)
	time.Sleep(150 * time.Millisecond)
}

// Screenshot captures a window ("root" for the whole screen) and saves a
// copy as path when path is not "".
func (d *Display) Screenshot(win, path string) image.Image {
	d.tb.Helper()
	cmd := exec.Command("import", "-window", win, "png:-")
	cmd.Env = append(os.Environ(), d.Env())
	out, err := cmd.Output()
	if err != nil {
		d.tb.Fatalf("import -window %s: %v", win, err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		d.tb.Fatalf("decoding screenshot: %v", err)
	}
	if path != "" {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			d.tb.Fatal(err)
		}
	}
	return img
}

// Start runs a program on the display (an xterm, say) and stops it, by PID,
// when the test ends.
func (d *Display) Start(name string, args ...string) *exec.Cmd {
	d.tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), d.Env())
	if err := cmd.Start(); err != nil {
		d.tb.Fatalf("starting %s: %v", name, err)
	}
	d.tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// ShowImage puts img on the display as the desktop: a window at (0,0) below
// every other, kept until the test ends (Debian's imagemagick cannot set the
// root background here).
func (d *Display) ShowImage(img *image.RGBA) {
	d.tb.Helper()
	d.NewImageWindow(img.Bounds().Dx(), img.Bounds().Dy()).Put(img)
}

// ImageWindow is an override-redirect window at (0,0), below every other,
// that shows pictures put into it (through the X protocol, with xgb).
type ImageWindow struct {
	tb    testing.TB
	c     *xgb.Conn
	win   xproto.Window
	gc    xproto.Gcontext
	depth byte
	rows  int // rows per PutImage request, under the request size limit
}

// NewImageWindow opens a w×h ImageWindow, closed when the test ends.
func (d *Display) NewImageWindow(w, h int) *ImageWindow {
	d.tb.Helper()
	c, err := xgb.NewConnDisplay(d.Name)
	if err != nil {
		d.tb.Fatalf("connecting to %s: %v", d.Name, err)
	}
	d.tb.Cleanup(c.Close)
	setup := xproto.Setup(c)
	scr := setup.DefaultScreen(c)
	win, err := xproto.NewWindowId(c)
	if err != nil {
		d.tb.Fatal(err)
	}
	xproto.CreateWindow(c, scr.RootDepth, win, scr.Root, 0, 0, uint16(w), uint16(h), 0,
		xproto.WindowClassInputOutput, scr.RootVisual, xproto.CwOverrideRedirect, []uint32{1})
	xproto.MapWindow(c, win)
	xproto.ConfigureWindow(c, win, xproto.ConfigWindowStackMode, []uint32{xproto.StackModeBelow})
	gc, err := xproto.NewGcontextId(c)
	if err != nil {
		d.tb.Fatal(err)
	}
	xproto.CreateGC(c, gc, xproto.Drawable(win), 0, nil)
	return &ImageWindow{tb: d.tb, c: c, win: win, gc: gc, depth: scr.RootDepth,
		rows: max(1, (int(setup.MaximumRequestLength)*4-64)/(4*w))}
}

// Put draws img (at its size) and waits until the X server has it.
func (iw *ImageWindow) Put(img *image.RGBA) {
	iw.tb.Helper()
	b := img.Bounds()
	buf := make([]byte, 0, 4*b.Dx()*iw.rows)
	for y0 := 0; y0 < b.Dy(); y0 += iw.rows {
		y1 := min(b.Dy(), y0+iw.rows)
		buf = buf[:0]
		for y := y0; y < y1; y++ {
			row := img.Pix[(y)*img.Stride : (y)*img.Stride+4*b.Dx()]
			for x := 0; x < len(row); x += 4 {
				buf = append(buf, row[x+2], row[x+1], row[x], 0) // X wants BGRX
			}
		}
		xproto.PutImage(iw.c, xproto.ImageFormatZPixmap, xproto.Drawable(iw.win), iw.gc,
			uint16(b.Dx()), uint16(y1-y0), 0, int16(y0), 0, iw.depth, buf)
	}
	if _, err := xproto.GetInputFocus(iw.c).Reply(); err != nil { // sync
		iw.tb.Fatalf("drawing the test picture: %v", err)
	}
}

// RequestClose asks a window to close as a window manager's close button
// does (a WM_DELETE_WINDOW message); there is no window manager on Xvfb.
func (d *Display) RequestClose(win string) {
	d.tb.Helper()
	id, err := strconv.ParseUint(win, 10, 32)
	if err != nil {
		d.tb.Fatalf("window id %q: %v", win, err)
	}
	c, atom := d.connWithAtoms()
	defer c.Close()
	protocols, deleteWindow := atom("WM_PROTOCOLS"), atom("WM_DELETE_WINDOW")
	ev := xproto.ClientMessageEvent{Format: 32, Window: xproto.Window(id), Type: protocols,
		Data: xproto.ClientMessageDataUnionData32New([]uint32{uint32(deleteWindow), 0, 0, 0, 0})}
	xproto.SendEvent(c, false, xproto.Window(id), xproto.EventMaskNoEvent, string(ev.Bytes()))
	xproto.GetInputFocus(c).Reply()
}

// protoConn is the display's own X connection for Pointer and MovePointer
// (the caller holds pmu).
func (d *Display) protoConn() *xgb.Conn {
	if d.pconn == nil {
		c, err := xgb.NewConnDisplay(d.Name)
		if err != nil {
			d.tb.Fatalf("connecting to %s: %v", d.Name, err)
		}
		d.pconn = c
		d.tb.Cleanup(c.Close)
	}
	return d.pconn
}

// MovePointer moves the pointer to x,y relative to window win (an id as
// xdotool prints it) through the X protocol, and returns once the server
// has done it. A latency measurement that runs xdotool instead counts the
// start of a process (several ms on a busy machine).
func (d *Display) MovePointer(win string, x, y int) {
	d.tb.Helper()
	id, err := strconv.ParseUint(win, 10, 32)
	if err != nil {
		d.tb.Fatalf("window id %q: %v", win, err)
	}
	d.pmu.Lock()
	defer d.pmu.Unlock()
	c := d.protoConn()
	// WarpPointer makes the same motion events a real mouse does; the
	// GetInputFocus round trip waits until the server has processed it.
	xproto.WarpPointer(c, 0, xproto.Window(id), 0, 0, 0, 0, int16(x), int16(y))
	if _, err := xproto.GetInputFocus(c).Reply(); err != nil {
		d.tb.Fatalf("moving the pointer: %v", err)
	}
}

// Pointer reads the pointer position through the X protocol (faster than
// running xdotool, for latency measurements).
func (d *Display) Pointer() (x, y int) {
	d.tb.Helper()
	d.pmu.Lock()
	defer d.pmu.Unlock()
	c := d.protoConn()
	r, err := xproto.QueryPointer(c, xproto.Setup(c).DefaultScreen(c).Root).Reply()
	if err != nil {
		d.tb.Fatalf("querying the pointer: %v", err)
	}
	return int(r.RootX), int(r.RootY)
}

// MapCharacters puts each character of s that the keyboard map lacks on a
// spare keycode, for good. xdotool would otherwise remap a spare keycode
// for every such character while typing, and a window that handles its
// events a little later (one that draws on demand) could read the mapping
// of the next character — the keyboard of a person who types "日本" has its
// characters mapped (or an input method) all along.
func (d *Display) MapCharacters(s string) {
	d.tb.Helper()
	c, err := xgb.NewConnDisplay(d.Name)
	if err != nil {
		d.tb.Fatalf("connecting to %s: %v", d.Name, err)
	}
	defer c.Close()
	setup := xproto.Setup(c)
	first, count := setup.MinKeycode, byte(setup.MaxKeycode-setup.MinKeycode+1)
	km, err := xproto.GetKeyboardMapping(c, first, count).Reply()
	if err != nil {
		d.tb.Fatalf("reading the keyboard map: %v", err)
	}
	per := int(km.KeysymsPerKeycode)
	have := map[xproto.Keysym]bool{}
	var spare []xproto.Keycode
	for i := 0; i < int(count); i++ {
		empty := true
		for j := 0; j < per; j++ {
			if ks := km.Keysyms[i*per+j]; ks != 0 {
				have[ks] = true
				empty = false
			}
		}
		if empty {
			spare = append(spare, xproto.Keycode(int(first)+i))
		}
	}
	for _, r := range s {
		ks := xproto.Keysym(r)
		if r >= 0x100 {
			ks = xproto.Keysym(0x01000000 + r)
		}
		if r < 0x20 || have[ks] || (r >= 0x20 && r < 0x7f) {
			continue
		}
		if len(spare) == 0 {
			d.tb.Fatal("no spare keycode left to map characters")
		}
		code := spare[len(spare)-1]
		spare = spare[:len(spare)-1]
		syms := make([]xproto.Keysym, per)
		syms[0] = ks
		if per > 1 {
			syms[1] = ks
		}
		if err := xproto.ChangeKeyboardMappingChecked(c, 1, code, byte(per), syms).Check(); err != nil {
			d.tb.Fatalf("mapping %q: %v", r, err)
		}
		have[ks] = true
	}
}

// GameWindow stands for an Ebiten window in tests of the packages that work
// beside one: a mapped w×h top-level window with this process's
// _NET_WM_PID and a UTF-8 title, listening for buttons, on a connection of
// its own (closed when the test ends).
func (d *Display) GameWindow(title string, w, h int) (*xgb.Conn, xproto.Window) {
	t := d.tb
	t.Helper()
	conn, err := xgb.NewConnDisplay(d.Name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	scr := xproto.Setup(conn).DefaultScreen(conn)
	win, _ := xproto.NewWindowId(conn)
	if err := xproto.CreateWindowChecked(conn, scr.RootDepth, win, scr.Root, 0, 0, uint16(w), uint16(h), 0,
		xproto.WindowClassInputOutput, scr.RootVisual, xproto.CwBackPixel|xproto.CwEventMask,
		[]uint32{0xffffff, xproto.EventMaskButtonPress | xproto.EventMaskPointerMotion}).Check(); err != nil {
		t.Fatal(err)
	}
	pid := make([]byte, 4)
	binary.LittleEndian.PutUint32(pid, uint32(os.Getpid()))
	pidAtom, _ := xproto.InternAtom(conn, false, 11, "_NET_WM_PID").Reply()
	nameAtom, _ := xproto.InternAtom(conn, false, 12, "_NET_WM_NAME").Reply()
	utf8, _ := xproto.InternAtom(conn, false, 11, "UTF8_STRING").Reply()
	xproto.ChangeProperty(conn, xproto.PropModeReplace, win, pidAtom.Atom, xproto.AtomCardinal, 32, 1, pid)
	xproto.ChangeProperty(conn, xproto.PropModeReplace, win, nameAtom.Atom, utf8.Atom, 8, uint32(len(title)), []byte(title))
	if err := xproto.MapWindowChecked(conn, win).Check(); err != nil {
		t.Fatal(err)
	}
	return conn, win
}

// KeyNames spells text as xdotool key names, one key a character ("\n" is
// Return, "\t" Tab), so that one `xdotool key --delay 0` types text and
// other keys mixed, with no pause between them (xdotool type sends "\n" as
// Linefeed, and a second xdotool would start a few ms later).
func KeyNames(text string) []string {
	var keys []string
	for _, r := range text {
		switch {
		case r == '\n':
			keys = append(keys, "Return")
		case r == '\t':
			keys = append(keys, "Tab")
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			keys = append(keys, string(r))
		case asciiNames[r] != "":
			keys = append(keys, asciiNames[r])
		default:
			keys = append(keys, fmt.Sprintf("U%04X", r))
		}
	}
	return keys
}

var asciiNames = map[rune]string{
	' ': "space", '"': "quotedbl", '\'': "apostrophe", '-': "minus", '.': "period", ',': "comma",
	'/': "slash", '=': "equal", ':': "colon", ';': "semicolon", '_': "underscore",
}

// SessionBus starts a private D-Bus session bus for programs on this
// display, as a desktop session has: the services it starts on demand
// (xdg-desktop-portal and its GTK backend) draw on this display with GNOME's
// choice of backend. It returns the bus's address, a socket path (not an
// abstract socket, which a process in another network namespace could not
// reach). The bus gets a process group of its own, so what it started stops
// with it when the test ends.
func (d *Display) SessionBus() string {
	d.tb.Helper()
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1",
		"--address=unix:dir="+d.tb.TempDir())
	cmd.Env = append(os.Environ(), d.Env(), "XDG_RUNTIME_DIR="+d.tb.TempDir(), "HOME="+d.tb.TempDir(),
		"XDG_CURRENT_DESKTOP=GNOME", "GDK_BACKEND=x11", "NO_AT_BRIDGE=1", "GTK_USE_PORTAL=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		d.tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		d.tb.Fatalf("starting dbus-daemon (Debian package dbus-daemon): %v", err)
	}
	exited := make(chan struct{})
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		addr <- strings.TrimSpace(line)
		io.Copy(io.Discard, stdout)
		cmd.Wait() // the only Wait
		close(exited)
	}()
	d.tb.Cleanup(func() {
		select {
		case <-exited: // reaped: its group's number may be someone else's
			procgroup.KillStragglers(cmd.Process.Pid)
			return
		default:
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	select {
	case a := <-addr:
		if a == "" {
			d.tb.Fatal("dbus-daemon printed no address")
		}
		return a
	case <-time.After(10 * time.Second):
		d.tb.Fatal("dbus-daemon did not start")
		return ""
	}
}

// connWithAtoms opens an X connection of the test's own to the display
// (the caller closes it) and a function that interns atoms on it; both
// fail the test on error.
func (d *Display) connWithAtoms() (*xgb.Conn, func(name string) xproto.Atom) {
	d.tb.Helper()
	c, err := xgb.NewConnDisplay(d.Name)
	if err != nil {
		d.tb.Fatalf("connecting to %s: %v", d.Name, err)
	}
	return c, func(name string) xproto.Atom {
		r, err := xproto.InternAtom(c, false, uint16(len(name)), name).Reply()
		if err != nil {
			d.tb.Fatalf("interning %s: %v", name, err)
		}
		return r.Atom
	}
}
