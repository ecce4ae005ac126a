//go:build !nogui

package main

import (
	"fmt"
	"image"
	"log/slog"
	"strings"
	"sync"
	"time"

	"context"
	"errors"
	_ "github.com/ra-p2p/ra-p2p/internal/nodisplay" // must come before Ebiten opens the display
	"github.com/ra-p2p/ra-p2p/stream"
	"os"

	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/render"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/stream/screen"
)

// useGUI says whether to open windows: not with --no-gui, and only when
// there is a display to open them on.
func useGUI(noGUI bool) bool {
	return !noGUI && (os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "")
}

// windowPrompter asks the session's questions as dialogs in the window.
type windowPrompter struct {
	w   *render.Window
	t   *terminal // questions are mirrored there, as the rest of the session
	yes bool      // --yes answers yes/no questions without asking
}

func (p windowPrompter) Confirm(ctx context.Context, question string) (bool, error) {
	p.t.println(question)
	if p.yes {
		return true, nil
	}
	yes, no := "Yes", "No"
	switch {
	case strings.HasSuffix(question, "Accept?"):
		yes, no = "Accept", "Decline"
	case strings.HasSuffix(question, "Allow?"):
		yes, no = "Allow", "Deny"
	}
	ans := make(chan bool, 1)
	go func() { ans <- p.w.Ask(question, yes, no) }()
	select {
	case a := <-ans:
		return a, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

func (p windowPrompter) Password(ctx context.Context, prompt string) (string, error) {
	if pw, ok := os.LookupEnv("RA_P2P_PASSWORD"); ok && pw != "" {
		os.Unsetenv("RA_P2P_PASSWORD") // one attempt: after a wrong one, ask
		return pw, nil
	}
	type answer struct {
		pw string
		ok bool
	}
	ans := make(chan answer, 1)
	go func() {
		pw, ok := p.w.AskPassword(prompt)
		ans <- answer{pw, ok}
	}()
	select {
	case a := <-ans:
		if !a.ok {
			return "", errors.New("cancelled")
		}
		return a.pw, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// showEvent puts a session event in the window, and mirrors it on the
// terminal the window was started from (handy there, and what tests read).
func showEvent(w *render.Window, t *terminal, ev session.Event) {
	t.showEvent(ev)
	switch ev.Kind {
	case session.EventChat:
		w.Post(render.Entry{Time: ev.Time, From: ev.From, Text: ev.Text})
	case session.EventProgress:
		w.SetStatus(ev.Text)
		w.Post(render.Entry{Time: ev.Time, Text: ev.Text})
	default:
		w.Post(render.Entry{Time: ev.Time, Text: ev.Text})
	}
}

// runSessionInWindow shows an accepted session in w until it ends.
func runSessionInWindow(ctx context.Context, w *render.Window, t *terminal, s *session.Session, extra ...string) {
	w.SetStatus(s.ConnectedText())
	w.Post(render.Entry{Text: s.ConnectedText()})
	for _, e := range extra {
		w.Post(render.Entry{Text: e})
	}
	w.SetConnected(true)
	for {
		select {
		case ev := <-s.Events():
			showEvent(w, t, ev)
		case <-s.Done():
			for {
				select {
				case ev := <-s.Events():
					showEvent(w, t, ev)
					continue
				default:
				}
				break
			}
			reason := s.Wait(ctx)
			w.SetConnected(false)
			w.SetStatus(reason)
			w.Post(render.Entry{Text: reason})
			return
		case <-ctx.Done():
			s.Close()
		}
	}
}

// helpInWindow runs the helper's side in the Remote Assistance window. The
// window runs on this (main) goroutine; the session on another.
func helpInWindow(ctx context.Context, cfg session.HelpConfig, yes bool, t *terminal) error {
	inv := cfg.Invitation
	name := stream.CleanName(inv.Name)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var sess *session.Session
	var sessMu sync.Mutex
	screen := &screenView{}
	hc := &helperControl{t: t, log: cfg.Logger, self: cfg.Name, events: stream.NewInputQueue()}
	rcfg := render.Config{
		Role: render.Helper, Title: "Remote Assistance — " + name, PeerName: name,
		PaneSize:       screen.setPane,
		CheckNetwork:   windowNetworkCheck(cfg.Bootstrap, inv.Bootstrap, cfg.PortMapping, cfg.Logger, t.println),
		RequestControl: hc.request, ReleaseControl: hc.release, Input: hc.input,
		Send: func(text string) error {
			sessMu.Lock()
			s := sess
			sessMu.Unlock()
			if s == nil {
				return errors.New("not connected")
			}
			return s.Send(text)
		},
		Disconnect: func() {
			sessMu.Lock()
			s := sess
			sessMu.Unlock()
			if s != nil {
				go s.Close()
			}
		},
	}
	if inv.NoControl {
		rcfg.RequestControl = nil
		rcfg.ControlUnavailable = name + " turned off remote control for this invitation."
	}
	w, err := render.New(rcfg)
	if err != nil {
		return err
	}
	hc.w = w
	cfg.Prompter = windowPrompter{w: w, t: t}
	cfg.Progress = func(ev session.Event) { showEvent(w, t, ev) }
	stopOnSignal := context.AfterFunc(ctx, w.Close)
	defer stopOnSignal()
	result := make(chan error, 1)
	go func() {
		desc := fmt.Sprintf("Invitation from %s (expires %s).", name, whenExpires(inv.Expires))
		if m := strings.TrimSpace(inv.Message); m != "" {
			desc += fmt.Sprintf("\n%s says: \"%s\"", name, m)
		}
		w.Post(render.Entry{Text: desc})
		t.println(desc)
		if !yes && !w.Ask(desc+"\n\nDo you want to connect to "+name+"'s computer now?", "Yes", "No") {
			result <- &session.Failure{Message: "Not connecting. Run the same command again when you are ready.", Err: errors.New("helper said no")}
			w.Close()
			return
		}
		s, err := session.Help(ctx, cfg)
		if err != nil {
			msg := message(err)
			t.println(msg)
			w.SetStatus("Could not connect to " + name)
			w.Post(render.Entry{Text: msg})
			w.Ask(msg, "Close", "")
			result <- err
			w.Close()
			return
		}
		sessMu.Lock()
		sess = s
		sessMu.Unlock()
		t.println(s.ConnectedText())
		t.println(s.ConnectionText())
		go screen.run(ctx, s, w, t, cfg.Logger)
		hc.attach(ctx, s)
		runSessionInWindow(ctx, w, t, s, "Screen View Only")
		t.println(s.Reason())
		result <- nil
	}()
	runErr := w.Run()
	cancel()
	select {
	case err := <-result:
		if err != nil {
			return err
		}
	case <-time.After(5 * time.Second):
	}
	if runErr != nil && !errors.Is(runErr, render.ErrClosed) {
		return fmt.Errorf("running the window: %w", runErr)
	}
	return nil
}

// inviteInWindow waits for the helper and runs the session in the novice's
// window. The window runs on this (main) goroutine; the session on another.
func inviteInWindow(ctx context.Context, cfg session.NoviceConfig, yes bool, t *terminal) error {
	inv := cfg.Entry.Invitation
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var sess *session.Session
	var sessMu sync.Mutex
	current := func() *session.Session {
		sessMu.Lock()
		defer sessMu.Unlock()
		return sess
	}
	nc := &noviceControl{name: stream.CleanName(inv.Name), enabled: !inv.NoControl, log: cfg.Logger}
	w, err := render.New(render.Config{
		Role: render.Novice, Title: "Remote Assistance — waiting for your helper", PeerName: "your helper",
		Width: 420, Height: 640, StopControl: nc.stop,
		CheckNetwork: windowNetworkCheck(cfg.Bootstrap, cfg.Entry.Invitation.Bootstrap, cfg.PortMapping, cfg.Logger, t.println),
		Send: func(text string) error {
			if s := current(); s != nil {
				return s.Send(text)
			}
			return errors.New("not connected")
		},
		Disconnect: func() {
			if s := current(); s != nil {
				go s.Close()
			}
		},
	})
	if err != nil {
		return err
	}
	cfg.Prompter = windowPrompter{w: w, t: t, yes: yes}
	notify := func(msg string) {
		t.println(msg)
		w.Post(render.Entry{Text: msg})
	}
	// Control is always asked, even with --yes (which only accepts helpers).
	nc.prompter, nc.notify, nc.setState = windowPrompter{w: w, t: t}, notify, w.SetControl
	cfg.Channels = map[string]session.ChannelHandler{
		stream.ScreenProtocol:  shareScreen(cfg.Logger, notify),
		stream.ControlProtocol: nc.handler(),
	}
	cfg.Progress = func(ev session.Event) { showEvent(w, t, ev) }
	stopOnSignal := context.AfterFunc(ctx, w.Close)
	defer stopOnSignal()
	result := make(chan error, 1)
	go func() {
		defer w.Close()
		n, err := session.StartNovice(ctx, cfg)
		if err != nil {
			t.println(message(err))
			w.SetStatus(message(err))
			w.Ask(message(err), "Close", "")
			result <- err
			return
		}
		defer n.Close()
		waiting := fmt.Sprintf("Waiting for your helper… (the invitation expires %s)", whenExpires(inv.Expires))
		t.println(waiting)
		w.SetStatus(waiting)
		w.Post(render.Entry{Text: waiting})
		s, err := n.Wait(ctx)
		if err != nil {
			if ctx.Err() == nil {
				t.println(message(err))
				w.SetStatus(message(err))
				w.Ask(message(err), "Close", "")
			}
			result <- err
			return
		}
		sessMu.Lock()
		sess = s
		sessMu.Unlock()
		t.println(s.ConnectedText())
		runSessionInWindow(ctx, w, t, s)
		t.println(s.Reason())
		result <- nil
		// Keep the window with "Disconnected from …" until the user closes it.
		<-ctx.Done()
	}()
	runErr := w.Run()
	cancel()
	select {
	case err := <-result:
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	case <-time.After(5 * time.Second):
	}
	if runErr != nil && !errors.Is(runErr, render.ErrClosed) {
		return fmt.Errorf("running the window: %w", runErr)
	}
	return nil
}

// screenView connects the remote screen channel to the helper's window.
type screenView struct {
	mu   sync.Mutex
	rcv  *screen.Receiver
	pane image.Point // the pane size the window reported, until the receiver exists
}

// setPane is the window's PaneSize callback: frames are scaled on the
// novice's side to the pane (0×0: full size).
func (v *screenView) setPane(w, h int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.pane = image.Pt(w, h)
	if v.rcv != nil {
		v.rcv.SetSettings(screen.Settings{MaxWidth: w, MaxHeight: h})
	}
}

// Latest implements render.FrameSource: the receiver's view, once there is one.
func (v *screenView) Latest() desktop.View {
	v.mu.Lock()
	rcv := v.rcv
	v.mu.Unlock()
	if rcv == nil {
		return desktop.View{}
	}
	return rcv.Latest()
}

// run opens the screen channel and feeds the window until the session ends.
func (v *screenView) run(ctx context.Context, s *session.Session, w *render.Window, t *terminal, logger *slog.Logger) {
	rw, err := s.OpenChannel(ctx, stream.ScreenProtocol)
	if err != nil {
		logger.Warn("opening the screen channel", "err", err)
		w.Post(render.Entry{Text: s.PeerName + "'s screen cannot be shown: " + err.Error()})
		return
	}
	defer rw.Close()
	rcv := screen.NewReceiver(rw, rw)
	v.mu.Lock()
	v.rcv = rcv
	rcv.SetSettings(screen.Settings{MaxWidth: v.pane.X, MaxHeight: v.pane.Y})
	v.mu.Unlock()
	w.SetSource(v)
	done := make(chan error, 1)
	go func() { done <- rcv.Run(ctx) }()
	for {
		select {
		case <-rcv.Updated():
			w.RemoteChanged()
		case err := <-done:
			if err != nil && ctx.Err() == nil && s.Reason() == "" {
				logger.Info("screen channel ended", "err", err)
				w.Post(render.Entry{Text: s.PeerName + "'s screen is no longer shown."})
			}
			return
		}
	}
}
