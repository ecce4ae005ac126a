//go:build !nogui

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/ra-p2p/ra-p2p/control"
	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/render"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/stream"
)

// noviceControl is the novice's side of remote control: the consent gate,
// the X11 injector and the ESC watcher, behind the control channel.
type noviceControl struct {
	name     string // the novice's own name, for the history
	enabled  bool   // false with --no-control
	prompter session.Prompter
	notify   func(string)
	setState func(render.ControlState)
	log      *slog.Logger

	mu   sync.Mutex
	gate *control.Gate
	conn *stream.ControlConn
}

// handler serves the control channel the accepted helper opens.
func (nc *noviceControl) handler() session.ChannelHandler {
	return func(ctx context.Context, s *session.Session, rw io.ReadWriteCloser) {
		conn := stream.NewControlConn(rw)
		var inj control.Injector
		enabled := nc.enabled
		if enabled {
			var err error
			if inj, err = control.NewX11Injector(""); err != nil {
				nc.log.Warn("remote control unavailable", "err", err)
				enabled = false
			} else {
				defer inj.Close()
			}
		}
		gate := control.NewGate(control.GateConfig{Enabled: enabled, Injector: inj, Logger: nc.log})
		helper := s.PeerName
		gate.OnChange(func(old, new control.State) {
			switch {
			case new == control.Granted:
				nc.notify(fmt.Sprintf("%s has control of %s's computer", helper, nc.name))
				nc.setState(render.ControlOn)
			case old == control.Granted:
				nc.notify("Screen View Only")
				nc.setState(render.ControlOff)
			}
		})
		nc.mu.Lock()
		nc.gate, nc.conn = gate, conn
		nc.mu.Unlock()
		defer func() {
			gate.Revoke()
			nc.mu.Lock()
			nc.gate, nc.conn = nil, nil
			nc.mu.Unlock()
		}()
		if enabled {
			wctx, cancel := context.WithCancel(ctx)
			defer cancel()
			go func() {
				err := control.WatchEscape(wctx, "", gate, func() {
					if gate.Revoke() {
						conn.SendControl(stream.ControlMessage{Op: stream.ControlRevoked, Reason: "esc"})
					}
				})
				if err != nil && wctx.Err() == nil {
					nc.log.Warn("watching for ESC", "err", err)
				}
			}()
		}
		for {
			msg, ev, err := conn.Receive()
			if err != nil {
				return
			}
			if ev != nil {
				if err := gate.Inject(*ev); err != nil && !errors.Is(err, control.ErrNotGranted) {
					nc.log.Info("input event refused", "err", err)
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
					go func() {
						ok, _ := nc.prompter.Confirm(ctx, fmt.Sprintf("%s would like to share control of your computer. While %s has control, press ESC to stop. Allow?", helper, helper))
						gate.Decide(ok)
						// ESC while the question was open withdrew it: then
						// control was not given, whatever the answer.
						op := stream.ControlDenied
						if gate.State() == control.Granted {
							op = stream.ControlGranted
						}
						conn.SendControl(stream.ControlMessage{Op: op})
					}()
				}
			case stream.ControlReleased:
				gate.Release()
			}
		}
	}
}

// stop is the novice's Stop Control button.
func (nc *noviceControl) stop() {
	nc.mu.Lock()
	gate, conn := nc.gate, nc.conn
	nc.mu.Unlock()
	if gate != nil && gate.Revoke() {
		conn.SendControl(stream.ControlMessage{Op: stream.ControlRevoked, Reason: "button"})
	}
}

// helperControl is the helper's side: asks, receives the answer, sends input.
type helperControl struct {
	w      *render.Window
	t      *terminal
	log    *slog.Logger
	self   string // the helper's name
	events *stream.InputQueue

	mu   sync.Mutex
	sess *session.Session
	ctx  context.Context
	conn *stream.ControlConn
}

func (hc *helperControl) post(text string) {
	hc.t.println(text)
	hc.w.Post(render.Entry{Text: text})
}

// attach gives the controller the session once it exists.
func (hc *helperControl) attach(ctx context.Context, s *session.Session) {
	hc.mu.Lock()
	hc.sess, hc.ctx = s, ctx
	hc.mu.Unlock()
}

// request is the Take Control button (game goroutine: no blocking here).
func (hc *helperControl) request() {
	go func() {
		conn, err := hc.channel()
		if err != nil {
			hc.post("Control could not be asked for: " + err.Error())
			hc.w.SetControl(render.ControlOff)
			return
		}
		hc.post("Asking for control…")
		if err := conn.SendControl(stream.ControlMessage{Op: stream.ControlRequest}); err != nil {
			hc.w.SetControl(render.ControlOff)
		}
	}()
}

// release is the Release Control button.
func (hc *helperControl) release() {
	hc.mu.Lock()
	conn := hc.conn
	hc.mu.Unlock()
	hc.w.SetControl(render.ControlOff)
	hc.post("Screen View Only")
	if conn != nil {
		go conn.SendControl(stream.ControlMessage{Op: stream.ControlReleased})
	}
}

// input queues one event (game goroutine: never blocks).
func (hc *helperControl) input(e desktop.Event) { hc.events.Push(e) }

// channel opens the control channel once and starts its reader and writer.
func (hc *helperControl) channel() (*stream.ControlConn, error) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if hc.conn != nil {
		return hc.conn, nil
	}
	if hc.sess == nil {
		return nil, errors.New("not connected")
	}
	rw, err := hc.sess.OpenChannel(hc.ctx, stream.ControlProtocol)
	if err != nil {
		return nil, err
	}
	conn := stream.NewControlConn(rw)
	hc.conn = conn
	name := hc.sess.PeerName
	go func() {
		for {
			select {
			case <-hc.events.Ready():
			case <-hc.ctx.Done():
				return
			}
			for _, e := range hc.events.Take() {
				if err := conn.SendInput(e); err != nil {
					return
				}
			}
		}
	}()
	go func() {
		defer rw.Close()
		for {
			msg, _, err := conn.Receive()
			if err != nil {
				hc.w.SetControl(render.ControlOff)
				return
			}
			if msg == nil {
				continue // the novice sends no input events
			}
			switch msg.Op {
			case stream.ControlGranted:
				hc.w.SetControl(render.ControlOn)
				hc.post(fmt.Sprintf("%s has control of %s's computer", hc.self, name))
			case stream.ControlDenied:
				hc.w.SetControl(render.ControlOff)
				hc.post(name + " did not give you control")
				hc.post("Screen View Only")
			case stream.ControlRevoked:
				hc.w.SetControl(render.ControlOff)
				hc.post(name + " took control back")
				hc.post("Screen View Only")
			case stream.ControlDisabled:
				hc.w.SetControl(render.ControlOff)
				hc.post(name + " turned off remote control for this invitation.")
			case stream.ControlTooSoon:
				hc.w.SetControl(render.ControlOff)
				hc.post("Wait a few seconds before asking " + name + " again.")
			}
		}
	}()
	return conn, nil
}
