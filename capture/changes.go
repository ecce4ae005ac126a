//go:build !windows

package capture

import (
	"errors"
	"log/slog"

	"github.com/ra-p2p/ra-p2p/internal/x11sync"
)

// watcher wakes whoever waits on Grabber.Changes when something is drawn
// or the cursor's shape changes, so that a caller need not poll a still
// screen. It has an X connection and a damage object of its own: its
// events are only a wake-up, Grab's own damage on the Grabber's connection
// still decides what is copied, so a wake-up early, late or twice loses
// nothing, and Grab never waits for this goroutine to have read an event.
type watcher struct {
	conn *x11sync.Conn
	done chan struct{} // closed when run has returned
}

// startWatcher opens the connection and subscribes; it fails without
// DAMAGE. The cursor is watched too when XFixes is there.
func startWatcher(display string, root uint32, changed chan<- struct{}) (*watcher, error) {
	conn, err := x11sync.Dial(display)
	if err != nil {
		return nil, err
	}
	// Handlers first: the damage's first event can come with the reply
	// to the next request of this set-up.
	var ext x11sync.Extension
	var id uint32
	conn.OnEvent = func(ev []byte) {
		if id != 0 && ev[0]&0x7f == ext.FirstEvent {
			// Empty the damage (sent with the next read) so that the
			// next drawing raises a new event.
			conn.DamageSubtract(ext, id, 0)
		}
	}
	conn.OnError = func(err *x11sync.Error) { slog.Debug("capture: X error on the watching connection", "err", err) }
	if ext, id, err = watchDamage(conn, root); err != nil {
		conn.Close()
		return nil, errors.Join(errors.New("no DAMAGE"), err)
	}
	if err := watchCursorShape(conn, root); err != nil {
		slog.Debug("capture: cursor changes will not wake Changes", "err", err)
	}
	w := &watcher{conn: conn, done: make(chan struct{})}
	go w.run(changed)
	return w, nil
}

// run signals changed (one slot) at each event. It returns once the
// connection is closed.
func (w *watcher) run(changed chan<- struct{}) {
	defer close(w.done)
	for w.conn.ReadEvent() == nil {
		select {
		case changed <- struct{}{}:
		default:
		}
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
