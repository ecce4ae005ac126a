package remotecontrol

import (
	"cmp"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"

	"github.com/ra-p2p/ra-p2p/control"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/stream"
)

// Novice is the novice's half: the consent flow between the helper's
// control stream and the gate.
type Novice struct {
	Enabled bool   // false with --no-control: the gate refuses without asking
	Display string // the X display to control; "" = $DISPLAY (on Windows, the session's desktop)
	// NewInjector opens what injects allowed input; nil = this system's
	// desktop (control.NewInjector: X11 on Display, SendInput on
	// Windows). An error leaves control disabled.
	NewInjector func() (control.Injector, error)
	// WatchEscape calls onEsc whenever the novice presses ESC on their own
	// keyboard, until ctx ends; nil = control.WatchEscape on Display
	// (XInput2 on X11, a keyboard hook on Windows).
	WatchEscape func(ctx context.Context, gate *control.Gate, onEsc func()) error
	Log         *slog.Logger // nil = slog.Default()

	stopOnce sync.Once
	stop     chan struct{} // Stop Control, for the stream being served
}

// Protocol implements session.Channel.
func (*Novice) Protocol() string { return stream.ControlProtocol }

// Run implements session.Channel: it serves the helper's control streams,
// one at a time, until the session ends.
func (n *Novice) Run(ctx context.Context, s *session.Session) error {
	return s.ServeEach(ctx, stream.ControlProtocol, func(rw io.ReadWriteCloser) { n.serve(ctx, s, rw) })
}

// Stop is the novice's Stop Control button: it takes control back at once.
// It never blocks for long and may be called from any goroutine.
func (n *Novice) Stop() {
	select {
	case n.stopChan() <- struct{}{}:
	default: // one is pending already
	}
}

func (n *Novice) stopChan() chan struct{} {
	n.stopOnce.Do(func() { n.stop = make(chan struct{}, 1) })
	return n.stop
}

// ControllingText is what the novice reads while the helper has control:
// about herself, and how to end it (the helper's side says "Bob has control
// of Alice's computer").
func ControllingText(helper string) string {
	return helper + " is controlling your computer. Press ESC to take control back"
}

// serve runs the consent flow over one control stream until it ends; every
// goroutine it starts has ended when it returns.
func (n *Novice) serve(ctx context.Context, s *session.Session, rw io.ReadWriteCloser) {
	defer rw.Close()
	logger := cmp.Or(n.Log, slog.Default())
	conn := stream.NewControlConn(rw)
	var inj control.Injector
	enabled := n.Enabled
	if enabled {
		newInjector := n.NewInjector
		if newInjector == nil {
			newInjector = func() (control.Injector, error) { return control.NewInjector(n.Display) }
		}
		var err error
		if inj, err = newInjector(); err != nil {
			logger.Warn("remote control unavailable", "err", err)
			enabled = false
		} else {
			defer inj.Close()
		}
	}
	gate := control.NewGate(control.GateConfig{Enabled: enabled, Injector: inj, Logger: logger})
	helper := s.PeerName
	// OnChange runs where the state changed: in Decide, Revoke or Release,
	// all called on goroutines this function waits for (Stop only asks).
	gate.OnChange(func(old, new control.State) {
		switch {
		case new == control.Granted:
			// The novice reads this about herself: "you", and how to stop it.
			s.Emit(session.Event{Kind: session.EventStatus, Text: ControllingText(helper)})
			s.Emit(session.Event{Kind: session.EventControl, Control: session.ControlOn})
		case old == control.Granted:
			s.Emit(session.Event{Kind: session.EventStatus, Text: "Screen View Only"})
			s.Emit(session.Event{Kind: session.EventControl, Control: session.ControlOff})
		}
	})
	var wg sync.WaitGroup
	wctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		rw.Close() // ends a Receive still waiting
		wg.Wait()
		gate.Revoke()
	}()
	revoke := func(reason string) {
		if gate.Revoke() {
			conn.SendControl(stream.ControlMessage{Op: stream.ControlRevoked, Reason: reason})
		}
	}
	select {
	case <-n.stopChan(): // a Stop from before this stream means nothing now
	default:
	}
	wg.Go(func() {
		for {
			select {
			case <-wctx.Done():
				return
			case <-n.stopChan():
				revoke("button")
			}
		}
	})
	if enabled {
		watch := n.WatchEscape
		if watch == nil {
			watch = func(ctx context.Context, gate *control.Gate, onEsc func()) error {
				return control.WatchEscape(ctx, n.Display, gate, onEsc)
			}
		}
		wg.Go(func() {
			err := watch(wctx, gate, func() { revoke("esc") })
			if err != nil && wctx.Err() == nil {
				logger.Warn("watching for ESC", "err", err)
			}
		})
	}
	for {
		msg, ev, err := conn.Receive()
		if err != nil {
			return
		}
		if ev != nil {
			if err := gate.Inject(*ev); err != nil && !errors.Is(err, control.ErrNotGranted) {
				logger.Info("input event refused", "err", err)
			}
			continue
		}
		switch msg.Op {
		case stream.ControlRequest:
			switch err := gate.Request(); {
			case errors.Is(err, control.ErrDisabled):
				conn.SendControl(stream.ControlMessage{Op: stream.ControlDisabled})
			case errors.Is(err, control.ErrTooSoon):
				conn.SendControl(stream.ControlMessage{Op: stream.ControlTooSoon})
			case err != nil: // already asking
			default:
				wg.Go(func() {
					ok, _ := s.Confirm(wctx, session.Question{Kind: session.AskAllowControl, Peer: helper})
					gate.Decide(ok)
					// ESC while the question was open withdrew it: then
					// control was not given, whatever the answer.
					op := stream.ControlDenied
					if gate.State() == control.Granted {
						op = stream.ControlGranted
					}
					conn.SendControl(stream.ControlMessage{Op: op})
				})
			}
		case stream.ControlReleased:
			gate.Release()
		}
	}
}
