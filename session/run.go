package session

import (
	"context"
	"errors"
	"time"

	"github.com/ra-p2p/ra-p2p/stream"
)

// RunHelper runs the helper's whole session in ui: it asks whether to
// connect now, connects (Help), then shows the session until it ends.
// Errors are *Failure values with a plain sentence (or ctx's error).
func RunHelper(ctx context.Context, cfg HelpConfig, ui UI) error {
	inv := cfg.Invitation
	q := Question{Kind: AskConnect, Peer: stream.CleanName(inv.Name), Message: inv.Message, Expires: inv.Expires}
	if ok, _ := ui.Confirm(ctx, q); !ok { // an error (no answer) is a no
		return &Failure{Message: "Not connecting. Run the same command again when you are ready.", Err: errors.New("helper said no")}
	}
	if cfg.AskName {
		name, err := ui.Line(ctx, Question{Kind: AskName, Peer: q.Peer, Default: cfg.Name})
		if name = stream.CleanName(name); err == nil && name != "" {
			cfg.Name = name
			if cfg.RememberName != nil {
				cfg.RememberName(name)
			}
		}
	}
	ui.Show(Event{Kind: EventStatus, Time: time.Now(), Text: q.Peer + " will see you as " + stream.CleanName(cfg.Name) + "."})
	cfg.Prompter, cfg.Progress = ui, ui.Show
	s, err := Help(ctx, cfg)
	if err != nil {
		return err
	}
	return show(ctx, s, ui)
}

// RunNovice runs the novice's side in ui: it makes the novice findable
// (StartNovice), says so (EventWaiting), waits for a helper the user
// accepts, then shows the session until it ends.
func RunNovice(ctx context.Context, cfg NoviceConfig, ui UI) error {
	cfg.Prompter, cfg.Progress = ui, ui.Show
	n, err := StartNovice(ctx, cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	ui.Show(Event{Kind: EventWaiting, Expires: cfg.Entry.Invitation.Expires})
	s, err := n.Wait(ctx)
	if err != nil {
		return err
	}
	return show(ctx, s, ui)
}

// show hands ui the session, then every event of it, then its end; when
// ctx ends first, it ends the session for both sides.
func show(ctx context.Context, s *Session, ui UI) error {
	ui.Show(Event{Kind: EventConnected, Session: s})
	stop := context.AfterFunc(ctx, s.Close)
	defer stop()
	for ev := range s.Events() {
		ui.Show(ev)
	}
	ui.Show(Event{Kind: EventEnded, Text: s.Wait(ctx)})
	return nil
}
