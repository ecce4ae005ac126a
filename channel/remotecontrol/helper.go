package remotecontrol

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/stream"
)

// Helper is the helper's half: Take Control, Release Control and the
// helper's input over the pane. Its methods never block, so the window's
// game loop may call them.
type Helper struct {
	Log *slog.Logger // nil = slog.Default()

	once   sync.Once
	ops    chan stream.ControlOp // ControlRequest or ControlReleased, for Run to send
	events *stream.InputQueue
}

// Protocol implements session.Channel.
func (*Helper) Protocol() string { return stream.ControlProtocol }

func (h *Helper) init() {
	h.once.Do(func() {
		h.ops = make(chan stream.ControlOp, 4)
		h.events = stream.NewInputQueue()
	})
}

// Request asks the novice for control (Take Control). The answer comes as
// events: EventControl and a line for the history.
func (h *Helper) Request() { h.queue(stream.ControlRequest) }

// Release gives control back (Release Control).
func (h *Helper) Release() { h.queue(stream.ControlReleased) }

// Input sends one event of the helper's mouse or keyboard; the novice's
// gate drops it unless the novice gave control.
func (h *Helper) Input(e desktop.Event) {
	h.init()
	h.events.Push(e)
}

func (h *Helper) queue(op stream.ControlOp) {
	h.init()
	select {
	case h.ops <- op:
	default: // the user clicked faster than the answers came: drop it
	}
}

// Run implements session.Channel: it opens the control stream, sends what
// the user asks and the input queued, and tells what the novice answers.
func (h *Helper) Run(ctx context.Context, s *session.Session) error {
	h.init()
	logger := cmp.Or(h.Log, slog.Default())
	post := func(text string) { s.Emit(session.Event{Kind: session.EventStatus, Text: text}) }
	state := func(c session.ControlState) { s.Emit(session.Event{Kind: session.EventControl, Control: c}) }
	rw, err := s.OpenChannel(ctx, stream.ControlProtocol)
	if err != nil {
		logger.Info("opening the control channel", "err", err)
		// Take Control can only say why, each time it is clicked.
		for {
			select {
			case <-ctx.Done():
				return nil
			case op := <-h.ops:
				if op == stream.ControlRequest {
					post("Control could not be asked for: " + err.Error())
					state(session.ControlOff)
				}
			}
		}
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer rw.Close() // first: it ends the reader's Receive
	conn := stream.NewControlConn(rw)
	readerDone := make(chan struct{})
	wg.Go(func() {
		defer close(readerDone)
		name := s.PeerName
		for {
			msg, _, err := conn.Receive()
			if err != nil {
				state(session.ControlOff)
				return
			}
			if msg == nil {
				continue // the novice sends no input events
			}
			switch msg.Op {
			case stream.ControlGranted:
				state(session.ControlOn)
				post(fmt.Sprintf("%s has control of %s's computer", s.SelfName, name))
			case stream.ControlDenied:
				state(session.ControlOff)
				post(name + " did not give you control")
				post("Screen View Only")
			case stream.ControlRevoked:
				state(session.ControlOff)
				post(name + " took control back")
				post("Screen View Only")
			case stream.ControlDisabled:
				state(session.ControlOff)
				post(name + " turned off remote control for this invitation.")
			case stream.ControlTooSoon:
				state(session.ControlOff)
				post("Wait a few seconds before asking " + name + " again.")
			}
		}
	})
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-readerDone:
			return nil
		case op := <-h.ops:
			switch op {
			case stream.ControlRequest:
				post("Asking for control…")
			case stream.ControlReleased:
				state(session.ControlOff)
				post("Screen View Only")
			}
			if err := conn.SendControl(stream.ControlMessage{Op: op}); err != nil {
				state(session.ControlOff)
			}
		case <-h.events.Ready():
			for _, e := range h.events.Take() {
				if err := conn.SendInput(e); err != nil {
					break
				}
			}
		}
	}
}
