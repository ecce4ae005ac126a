//go:build !windows

package capture

import (
	"errors"
	"log/slog"

	"github.com/ra-p2p/ra-p2p/internal/wake"
	"github.com/ra-p2p/ra-p2p/internal/x11sync"
)

// watcher wakes whoever waits on Grabber.Changes when something is drawn
// or the cursor's shape changes, and on Grabber.Moves when the pointer
// moves, so that a caller need not poll a still screen or a still pointer.
// It has an X connection and a damage object of its own: its events are
// only a wake-up, Grab's own damage on the Grabber's connection still
// decides what is copied, so a wake-up early, late or twice loses nothing,
// and Grab never waits for this goroutine to have read an event.
type watcher struct {
	conn  *x11sync.Conn
	moves bool          // pointer motion is watched (XInput 2)
	done  chan struct{} // closed when run has returned
}

// startWatcher opens the connection and subscribes; it fails without
// DAMAGE. The cursor is watched too when XFixes is there, and the pointer
// when XInput 2 is.
func startWatcher(display string, root uint32, changed, moved chan<- struct{}) (*watcher, error) {
	conn, err := x11sync.Dial(display)
	if err != nil {
		return nil, err
	}
	// Handlers first: the damage's first event can come with the reply
	// to the next request of this set-up.
	var damage, xinput x11sync.Extension
	var id uint32
	conn.OnEvent = func(ev []byte) {
		if evtype, ok := x11sync.GenericEvent(ev, xinput); ok && xinput.Major != 0 {
			if evtype == xiRawMotion {
				wake.Signal(moved)
			}
			return
		}
		if id != 0 && ev[0]&0x7f == damage.FirstEvent {
			// Empty the damage (sent with the next read) so that the
			// next drawing raises a new event.
			conn.DamageSubtract(damage, id, 0)
		}
		wake.Signal(changed)
	}
	var xinputRefused bool
	conn.OnError = func(err *x11sync.Error) {
		if xinput.Major != 0 && err.Major == xinput.Major {
			xinputRefused = true
		}
		slog.Debug("capture: X error on the watching connection", "err", err)
	}
	if damage, id, err = watchDamage(conn, root); err != nil {
		conn.Close()
		return nil, errors.Join(errors.New("no DAMAGE"), err)
	}
	if err := watchCursorShape(conn, root); err != nil {
		slog.Debug("capture: cursor changes will not wake Changes", "err", err)
	}
	w := &watcher{conn: conn, done: make(chan struct{})}
	xinput, err = watchPointer(conn, root)
	if err == nil {
		// A round trip, so that a refused selection has been read.
		_, _, err = conn.Geometry(conn.GetGeometry(root))
	}
	if err == nil && xinputRefused {
		err = errors.New("the X server refused the selection of raw motion")
	}
	if err != nil {
		slog.Debug("capture: pointer motion will not wake Moves, callers poll the pointer", "err", err)
	} else {
		w.moves = true
	}
	go w.run()
	return w, nil
}

// run reads events (OnEvent signals) until the connection is closed.
func (w *watcher) run() {
	defer close(w.done)
	for w.conn.ReadEvent() == nil {
	}
}

// close closes the connection and waits for run to return.
func (w *watcher) close() {
	w.conn.Close()
	<-w.done
}

// watchCursorShape subscribes conn to the cursor's shape changes on root
// (XFixes CursorNotify).
func watchCursorShape(conn *x11sync.Conn, root uint32) error {
	ext, err := xfixesOn(conn)
	if err != nil {
		return err
	}
	conn.SelectCursorInput(ext, root, 1) // DisplayCursor
	return nil
}

// XInput 2's raw motion event, the device that stands for every master
// device, and the version announced: from 2.1 on, raw events come while
// another client has grabbed the pointer too (a menu, a drag).
const (
	xiRawMotion        = 17
	xiAllMasterDevices = 1
	xiMajor, xiMinor   = 2, 2
)

// watchPointer subscribes conn to raw pointer motion on root (XInput 2):
// every master pointer's motion, a person's and XTEST's alike, whatever
// window is under the pointer and whoever grabbed it. A program that warps
// the pointer raises none, so callers still poll now and then.
func watchPointer(conn *x11sync.Conn, root uint32) (x11sync.Extension, error) {
	ext, ok, err := conn.Extension("XInputExtension")
	if err != nil {
		return ext, err
	}
	if !ok {
		return ext, errors.New("the X server has no XInput extension")
	}
	major, _, err := conn.XIQueryVersion(ext, xiMajor, xiMinor)
	if err != nil {
		return ext, err
	}
	if major < 2 {
		return ext, errors.New("the X server's XInput is older than 2.0")
	}
	conn.XISelectEvents(ext, root, xiAllMasterDevices, 1<<xiRawMotion)
	return ext, nil
}
