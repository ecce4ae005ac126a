//go:build !windows

package capture

import (
	"errors"
	"log/slog"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/xproto"
)

// watcher wakes whoever waits on Grabber.Changes when something is drawn
// or the cursor's shape changes, so that a caller need not poll a still
// screen. It has an X connection and a damage object of its own: its
// events are only a wake-up, Grab's own damage on the Grabber's connection
// still decides what is copied, so a wake-up early, late or twice loses
// nothing, and Grab never waits for this goroutine to have read an event.
type watcher struct {
	conn *xgb.Conn
	done chan struct{} // closed when run has returned
}

// startWatcher opens the connection and subscribes; it fails without
// DAMAGE. The cursor is watched too when XFixes is there.
func startWatcher(display string, changed chan<- struct{}) (*watcher, error) {
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, err
	}
	root := xproto.Setup(conn).DefaultScreen(conn).Root
	id, err := watchDamage(conn, root)
	if err != nil {
		conn.Close()
		return nil, errors.Join(errors.New("no DAMAGE"), err)
	}
	if err := watchCursor(conn, root); err != nil {
		slog.Debug("capture: cursor changes will not wake Changes", "err", err)
	}
	w := &watcher{conn: conn, done: make(chan struct{})}
	go w.run(id, changed)
	return w, nil
}

// run signals changed (one slot) at each event and empties the damage so
// that the next drawing raises a new one. It returns once the connection
// is closed.
func (w *watcher) run(id damage.Damage, changed chan<- struct{}) {
	defer close(w.done)
	for {
		ev, xerr := w.conn.WaitForEvent()
		if ev == nil && xerr == nil {
			return // xgb closes the queue once its reader has stopped
		}
		if _, ok := ev.(damage.NotifyEvent); ok {
			damage.Subtract(w.conn, id, 0, 0)
		}
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
