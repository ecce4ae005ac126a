//go:build !windows

package control

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/go-vgo/robotgo"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

// robot is robotgo's one X connection: robotgo keeps a single Display for
// the whole process (its C code holds it in a static variable), so at most
// one X11 injector may be open at a time.
var robot struct {
	mu    sync.Mutex   // serializes every robotgo call and owner
	owner *x11Injector // the injector whose display robotgo has open; nil = none
}

// x11Injector injects into an X server: buttons and wheel with robotgo,
// motion and keyboard with XTEST through its own xgb connection (doc.go says
// why).
type x11Injector struct {
	display string

	mu     sync.Mutex // serializes the methods; taken before robot.mu
	closed bool
	conn   *xgb.Conn
	root   xproto.Window
	kb     *keyboard
}

// openInjector is NewInjector on X11.
func openInjector(display string) (Injector, error) { return NewX11Injector(display) }

// NewX11Injector opens an injector on the X display ("" = $DISPLAY). It
// fails when the display cannot be reached, lacks XTEST, or another
// injector is open in this process.
func NewX11Injector(display string) (Injector, error) {
	if display == "" {
		display = os.Getenv("DISPLAY")
	}
	if display == "" {
		return nil, errors.New("control: no X display to control: DISPLAY is not set")
	}
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("control: connecting to X display %s: %w", display, err)
	}
	i := &x11Injector{display: display, conn: conn, root: xproto.Setup(conn).DefaultScreen(conn).Root}
	if err := i.open(); err != nil {
		closeXGB(conn)
		return nil, err
	}
	return i, nil
}

func (i *x11Injector) open() error {
	if err := xtest.Init(i.conn); err != nil {
		return fmt.Errorf("control: X display %s has no XTEST extension, which injection needs: %w", i.display, err)
	}
	kb, err := newKeyboard(i.conn, i.root)
	if err != nil {
		return fmt.Errorf("control: reading the keyboard map of %s: %w", i.display, err)
	}
	i.kb = kb

	robot.mu.Lock()
	defer robot.mu.Unlock()
	if robot.owner != nil {
		return fmt.Errorf("control: an injector on %s is already open (robotgo drives one X display per process)", robot.owner.display)
	}
	if err := robotgo.SetXDisplayName(i.display); err != nil {
		return fmt.Errorf("control: pointing robotgo at %s: %w", i.display, err)
	}
	// robotgo opens the display at its first call and, if that fails,
	// silently falls back to $DISPLAY and then ":0.0". The xgb connection
	// above proved the display is reachable; check that robotgo sees the
	// same pointer, so that events never go to another display.
	for try := 0; ; try++ {
		before, err := xproto.QueryPointer(i.conn, i.root).Reply()
		if err != nil {
			return fmt.Errorf("control: reading the pointer on %s: %w", i.display, err)
		}
		rx, ry := robotgo.Location()
		if int(before.RootX) == rx && int(before.RootY) == ry {
			break
		}
		if try == 5 {
			robotgo.CloseMainDisplay()
			return fmt.Errorf("control: robotgo's display does not show the pointer of %s (%d,%d, robotgo says %d,%d); is DISPLAY another display?",
				i.display, before.RootX, before.RootY, rx, ry)
		}
	}
	robot.owner = i
	return nil
}

// Move moves the pointer by XTEST, as a device would (robotgo warps it):
// programs that read raw motion see it too, and so does the screen
// capture, which wakes on raw motion instead of polling a still pointer.
// Checked, so the move is on the server before a button on robotgo's
// connection.
func (i *x11Injector) Move(x, y int) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.closed {
		return errClosed
	}
	if err := xtest.FakeInputChecked(i.conn, xproto.MotionNotify, 0, 0, i.root, int16(x), int16(y), 0).Check(); err != nil {
		return fmt.Errorf("control: moving the pointer to %d,%d: %w", x, y, err)
	}
	return nil
}

func (i *x11Injector) Button(button int, down bool) error {
	name, ok := map[int]string{1: "left", 2: "center", 3: "right"}[button]
	if !ok {
		return fmt.Errorf("control: no mouse button %d", button)
	}
	dir := "up"
	if down {
		dir = "down"
	}
	var err error
	if e := i.robot(func() { err = robotgo.Toggle(name, dir) }); e != nil {
		return e
	}
	return err
}

func (i *x11Injector) Scroll(dx, dy int) error {
	// robotgo: y > 0 is button 4 (up), x ≥ 0 is button 6 (left); the last
	// argument is its sleep after scrolling, in ms.
	return i.robot(func() { robotgo.Scroll(-dx, -dy, 0) })
}

// robot runs f, a robotgo call, on this injector's display. robotgo syncs
// with the X server after each of these calls, so f's effect is on the
// server when robot returns, before anything later on the xgb connection.
func (i *x11Injector) robot(f func()) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.closed {
		return errClosed
	}
	robot.mu.Lock()
	defer robot.mu.Unlock()
	f()
	return nil
}

func (i *x11Injector) Key(keysym string, down bool) error {
	ks, err := lookupKeysym(keysym)
	if err != nil {
		return fmt.Errorf("control: %w", err)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.closed {
		return errClosed
	}
	return i.kb.key(ks, down)
}

func (i *x11Injector) Text(s string) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.closed {
		return errClosed
	}
	return i.kb.text(s)
}

func (i *x11Injector) ScreenSize() (w, h int) {
	// Asked each time: RandR can change the size while connected.
	g, err := xproto.GetGeometry(i.conn, xproto.Drawable(i.root)).Reply()
	if err != nil {
		return 0, 0
	}
	return int(g.Width), int(g.Height)
}

// Close releases keys still held by the injector, restores the keyboard
// map, and closes both X connections. It is idempotent.
func (i *x11Injector) Close() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.closed {
		return nil
	}
	i.closed = true
	err := i.kb.close()
	robot.mu.Lock()
	if robot.owner == i {
		robotgo.CloseMainDisplay()
		robot.owner = nil
	}
	robot.mu.Unlock()
	closeXGB(i.conn)
	return err
}

// closeXGB closes an xgb connection and waits until its reader is done, so
// that stopping the X server right after does not make xgb log read errors.
func closeXGB(c *xgb.Conn) {
	c.Close()
	for {
		if ev, err := c.WaitForEvent(); ev == nil && err == nil {
			return
		}
	}
}
