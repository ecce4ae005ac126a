//go:build !nogui

package window

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	_ "github.com/ra-p2p/ra-p2p/internal/nodisplay" // must come before Ebiten opens the display
	"github.com/ra-p2p/ra-p2p/render"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/ui/terminal"
)

// window is what ui needs of either role's window (render.HelperWindow,
// render.NoviceWindow).
type window interface {
	Post(render.Entry)
	SetStatus(string)
	SetTitle(string)
	SetConnected(bool)
	SetControl(render.ControlState)
	SetVoice(render.VoiceState)
	SetPeerName(string)
	Ask(ctx context.Context, question, yes, no string) (bool, error)
	Choose(ctx context.Context, question string, labels ...string) (int, error)
	AskPassword(ctx context.Context, prompt string) (password string, ok bool, err error)
	AskLine(ctx context.Context, prompt, initial string) (line string, ok bool, err error)
	ChooseFiles(ctx context.Context, title, dir string) (paths []string, ok bool, err error)
	ShowTransfer(render.Transfer)
	EndTransfer(id string)
	Close()
	Run() error
}

// ui is session.UI over one window.
type ui struct {
	w   window
	cfg Config
	// onConnected runs when the session starts (the helper shows the
	// screen).
	onConnected func()

	sess      atomic.Pointer[session.Session]
	bg        sync.WaitGroup  // work the window started: session closes, keeping the Settings chosen
	transfers map[string]bool // the transfers shown, by ID (Show's goroutine)
}

func newUI(cfg Config) *ui { return &ui{cfg: cfg, transfers: map[string]bool{}} }

// Confirm implements session.Prompter with a dialog whose buttons fit the
// question.
func (u *ui) Confirm(ctx context.Context, q session.Question) (bool, error) {
	text, desc := q.Text(), ""
	yes, no := "Yes", "No"
	switch q.Kind {
	case session.AskConnect:
		u.w.SetStatus("Invitation from " + q.Peer) // not "Connecting…" before the user said yes
		desc = strings.Join(terminal.InvitationLines(q, false), "\n")
		u.w.Post(render.Entry{Text: desc})
		u.cfg.Mirror.Println(desc)
		text = desc + "\n\n" + text
	case session.AskAcceptHelper:
		yes, no = "Accept", "Decline"
		u.cfg.Mirror.Println(text)
	case session.AskAllowControl:
		yes, no = "Allow", "Deny"
		u.cfg.Mirror.Println(text)
	case session.AskReceiveFiles:
		yes, no = "Save", "Decline"
		u.cfg.Mirror.Println(text)
	case session.AskAllowMicrophone:
		yes, no = "Allow", "Decline"
		u.cfg.Mirror.Println(text)
	default:
		u.cfg.Mirror.Println(text)
	}
	if c := q.Caution(); c != "" {
		u.cfg.Mirror.Println(c)
		text = c + "\n\n" + text
		if q.Kind == session.AskConnect {
			text = desc + "\n\n" + c + "\n\n" + q.Text()
		}
	}
	if u.cfg.Yes && (q.Kind == session.AskConnect || q.Kind == session.AskAcceptHelper) {
		return true, nil
	}
	if q.Kind == session.AskAcceptHelper {
		// A third way out: no, and nobody else with this invitation either.
		i, err := u.w.Choose(ctx, text, yes, no, stopInvitation)
		if err == nil && i == 2 {
			u.cfg.Mirror.Println(stopInvitation)
			err = session.ErrStopInvitation
		}
		return err == nil && i == 0, err
	}
	return u.w.Ask(ctx, text, yes, no)
}

// stopInvitation is the novice's third answer to a helper's request.
const stopInvitation = "Decline and stop this invitation"

// Password implements session.Prompter: the Config's password once, then
// a password dialog.
func (u *ui) Password(ctx context.Context, q session.Question) (string, error) {
	if pw, ok := u.cfg.Password.Take(); ok {
		return pw, nil
	}
	prompt := q.Text()
	if q.Left == 0 { // say why before asking
		prompt = fmt.Sprintf("%s's invitation has a password, which %s tells you another way (by phone, for example).\n\n%s", q.Peer, q.Peer, prompt)
	}
	pw, ok, err := u.w.AskPassword(ctx, prompt)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errors.New("cancelled")
	}
	return pw, nil
}

// Line implements session.Prompter with a dialog, q.Default already typed
// in; with --yes nothing is asked and "" (no answer) returned.
func (u *ui) Line(ctx context.Context, q session.Question) (string, error) {
	if u.cfg.Yes {
		return "", nil
	}
	prompt := q.Text()
	u.cfg.Mirror.Println(strings.TrimSpace(prompt))
	if q.Kind == session.AskName {
		prompt = fmt.Sprintf("%s sees this name when you connect. It is asked once and remembered.\n\n%s", q.Peer, prompt)
	}
	line, ok, err := u.w.AskLine(ctx, strings.TrimSuffix(prompt, " "), q.Default)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errors.New("cancelled")
	}
	return line, nil
}

// Show implements session.UI: the status line and the history, mirrored on
// the terminal.
func (u *ui) Show(ev session.Event) {
	t, w := u.cfg.Mirror, u.w
	switch ev.Kind {
	case session.EventProgress:
		t.Print(ev)
		w.SetStatus(ev.Text)
		w.Post(render.Entry{Time: ev.Time, Text: ev.Text})
	case session.EventChat:
		t.Print(ev)
		w.Post(render.Entry{Time: ev.Time, From: ev.From, Text: ev.Text})
	case session.EventControl:
		w.SetControl(render.ControlState(ev.Control))
	case session.EventVoice:
		w.SetVoice(render.VoiceState(ev.Voice))
	case session.EventWaiting:
		waiting := fmt.Sprintf("Waiting for your helper… (the invitation expires %s)", session.ExpiryText(ev.Expires))
		t.Println(waiting)
		w.SetStatus(waiting)
		w.Post(render.Entry{Text: waiting})
	case session.EventConnected:
		s := ev.Session
		u.sess.Store(s)
		t.Println(s.ConnectedText())
		if s.Helper {
			t.Println(s.ConnectionText())
		}
		w.SetStatus(s.ConnectedText())
		w.Post(render.Entry{Text: s.ConnectedText()})
		if s.Helper {
			w.Post(render.Entry{Text: "Screen View Only"})
		} else {
			w.SetTitle("Remote Assistance — " + s.PeerName + " is helping you")
		}
		w.SetPeerName(s.PeerName)
		w.SetConnected(true)
		if u.onConnected != nil {
			u.onConnected()
		}
	case session.EventTransfer:
		tr := ev.Transfer
		if !tr.Ended {
			verb := "Receiving "
			if tr.Sending {
				verb = "Sending "
			}
			if !u.transfers[tr.ID] { // the terminal hears of its start and end only
				u.transfers[tr.ID] = true
				t.Println(verb + tr.What + "…")
			}
			w.ShowTransfer(render.Transfer{ID: tr.ID, Text: verb + tr.What, Detail: tr.Detail(), Done: tr.Done, Total: tr.Total})
			return
		}
		t.Print(ev)
		delete(u.transfers, tr.ID)
		w.EndTransfer(tr.ID)
		w.Post(render.Entry{Time: ev.Time, Text: ev.Text, Open: tr.Folder})
	case session.EventEnded:
		t.Print(ev)
		if s := u.sess.Load(); s != nil && !s.Helper {
			w.SetTitle("Remote Assistance — " + ev.Text)
		}
		w.SetConnected(false)
		w.SetStatus(ev.Text)
		w.Post(render.Entry{Text: ev.Text})
	default:
		t.Print(ev)
		w.Post(render.Entry{Time: ev.Time, Text: ev.Text})
	}
}

// send is the window's Send: a chat line to the session.
func (u *ui) send(text string) error {
	if s := u.sess.Load(); s != nil {
		return s.Send(text)
	}
	return errors.New("not connected")
}

// disconnect is the window's Disconnect (game goroutine: it must not wait).
func (u *ui) disconnect() {
	if s := u.sess.Load(); s != nil {
		u.bg.Go(s.Close)
	}
}

// run shows the window on this (main) goroutine and runs the session
// (runSession) on another, which it waits for; failedStatus words the status
// line when the session could not start, and retry offers "Try again" then.
func (u *ui) run(ctx context.Context, runSession func(ctx context.Context) error, failedStatus func(msg string) string, retry bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopOnSignal := context.AfterFunc(ctx, u.w.Close)
	defer stopOnSignal()
	var sessionErr error
	var g sync.WaitGroup
	g.Go(func() {
		for {
			err := runSession(ctx)
			sessionErr = nil
			if err != nil && !errors.Is(err, context.Canceled) {
				sessionErr = err
			}
			if err == nil || ctx.Err() != nil {
				return // the window shows how it ended; it stays until closed
			}
			msg := session.UserMessage(err)
			u.cfg.Mirror.Println(msg)
			u.w.SetStatus(failedStatus(msg))
			u.w.Post(render.Entry{Text: msg})
			if !retry {
				u.w.Ask(ctx, msg, "Close", "")
				break
			}
			if again, _ := u.w.Ask(ctx, msg, "Try again", "Close"); !again {
				break
			}
		}
		u.w.Close()
	})
	runErr := u.w.Run()
	cancel()
	g.Wait()
	u.bg.Wait()
	if sessionErr != nil {
		return sessionErr
	}
	if runErr != nil && !errors.Is(runErr, render.ErrClosed) {
		return fmt.Errorf("running the window: %w", runErr)
	}
	return nil
}
