package session_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/channel/remotecontrol"
	"github.com/ra-p2p/ra-p2p/control"
	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/session/sessiontest"
	"github.com/ra-p2p/ra-p2p/stream"
)

// TestResumeAfterCut cuts the connection of a running session with control
// granted: both sides say they are reconnecting, the session comes back by
// itself without asking the novice again, control is back to view-only
// until granted again, and chat works both ways, each line once.
func TestResumeAfterCut(t *testing.T) {
	hctl := &remotecontrol.Helper{}
	nctl := &remotecontrol.Novice{Enabled: true,
		NewInjector: func() (control.Injector, error) { return nopInjector{}, nil },
		WatchEscape: func(ctx context.Context, _ *control.Gate, _ func()) error { <-ctx.Done(); return nil }}
	bob, alice := sessiontest.Pair(t, sessiontest.Options{
		HelperChannels: []session.Channel{hctl}, NoviceChannels: []session.Channel{nctl},
		NoviceAnswers: func(context.Context, session.Question) bool { return true },
		ResumeGrace:   30 * time.Second,
	})
	hctl.Request()
	bob.WaitControl(t, session.ControlOn)
	alice.WaitControl(t, session.ControlOn)

	bob.CutConnection()
	bob.WaitProgress(t, "Reconnecting to Alice…")
	alice.WaitProgress(t, "Reconnecting to Bob…")
	if err := bob.Send("typed during the cut"); err != nil {
		t.Errorf("Send during the cut: %v", err)
	}
	bob.WaitProgress(t, "Connected to Alice")
	alice.WaitProgress(t, "Connected to Bob")
	for _, side := range []*sessiontest.Side{bob, alice} {
		if c := lastControl(side); c != session.ControlOff {
			t.Errorf("%s: control after resuming is %d, want view only (%d)", side.PeerName, c, session.ControlOff)
		}
	}
	alice.WaitFor(t, "the line typed during the cut", isChat("typed during the cut"))
	if err := alice.Send("back again"); err != nil {
		t.Fatal(err)
	}
	bob.WaitFor(t, "chat after resuming", isChat("back again"))

	// Control must be asked for again, and is given again.
	hctl.Request()
	waitLastControl(t, bob, session.ControlOn)
	waitLastControl(t, alice, session.ControlOn)

	if n := count(alice.Asked(), session.AskAcceptHelper); n != 1 {
		t.Errorf("Alice was asked to accept Bob %d times, want once", n)
	}
	if n := count(alice.Asked(), session.AskAllowControl); n != 2 {
		t.Errorf("Alice was asked to allow control %d times, want twice (before and after the cut)", n)
	}
	if n := countChat(alice, "typed during the cut"); n != 1 {
		t.Errorf("the line typed during the cut arrived %d times, want once", n)
	}
}

// TestResumeGivesUp: the novice's computer never comes back, so after the
// grace period both sides end as before, and a line typed meanwhile is
// said to be unsent.
func TestResumeGivesUp(t *testing.T) {
	const grace = 2 * time.Second
	bob, alice := sessiontest.Pair(t, sessiontest.Options{ResumeGrace: grace})
	start := time.Now()
	alice.CloseHost()
	bob.WaitProgress(t, "Reconnecting to Alice…")
	if err := bob.Send("are you there?"); err != nil {
		t.Errorf("Send while reconnecting: %v", err)
	}
	for _, side := range []*sessiontest.Side{bob, alice} {
		select {
		case <-side.Done():
		case <-time.After(sessiontest.Wait):
			t.Fatalf("%s: the session did not end after the grace period", side.PeerName)
		}
	}
	if d := time.Since(start); d < grace { // the grace starts when the cut is noticed
		t.Errorf("the session ended %v after the cut, before the grace period (%v)", d, grace)
	}
	if r := bob.Reason(); r != "Disconnected from Alice" {
		t.Errorf("helper: ended with %q", r)
	}
	if r := alice.Reason(); r != "Disconnected from Bob" {
		t.Errorf("novice: ended with %q", r)
	}
	alice.WaitProgress(t, "Reconnecting to Bob…")
	bob.WaitStatus(t, "1 message you typed while reconnecting could not be sent.")
}

func isChat(text string) func(session.Event) bool {
	return func(ev session.Event) bool { return ev.Kind == session.EventChat && ev.Text == text }
}

func countChat(s *sessiontest.Side, text string) int {
	n := 0
	for _, ev := range s.Events() {
		if isChat(text)(ev) {
			n++
		}
	}
	return n
}

func count[T comparable](xs []T, x T) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// lastControl is the control state a side shows now.
func lastControl(s *sessiontest.Side) session.ControlState {
	evs := s.Events()
	for _, ev := range slices.Backward(evs) {
		if ev.Kind == session.EventControl {
			return ev.Control
		}
	}
	return session.ControlOff
}

func waitLastControl(t *testing.T, s *sessiontest.Side, c session.ControlState) {
	t.Helper()
	deadline := time.Now().Add(sessiontest.Wait)
	for lastControl(s) != c {
		if time.Now().After(deadline) {
			t.Fatalf("%s: control is %d, want %d", s.PeerName, lastControl(s), c)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// nopInjector stands in for X: the gate's decisions are what is tested.
type nopInjector struct{}

func (nopInjector) Move(int, int) error    { return nil }
func (nopInjector) Button(int, bool) error { return nil }
func (nopInjector) Scroll(int, int) error  { return nil }
func (nopInjector) Key(string, bool) error { return nil }
func (nopInjector) Text(string) error      { return nil }
func (nopInjector) ScreenSize() (int, int) { return 1280, 800 }
func (nopInjector) Close() error           { return nil }

// TestResumeRefusesStrangers: a peer that is not the accepted helper, even
// one holding the invitation secret, cannot resume the session; it gets
// no challenge, and the session goes on untouched.
func TestResumeRefusesStrangers(t *testing.T) {
	bootstrap := sessiontest.StartNode(t)
	iv := newInvitation(t, invite.Options{Name: "Alice", TTL: time.Hour})
	nv := runNovice(t, bootstrap, iv, true)
	bob := runHelp(t, bootstrap, iv, helperOpts{name: "Bob"})
	hs, err := bob.wait(t)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := nv.wait(t)
	if err != nil {
		t.Fatal(err)
	}
	in := newIntruder(t, bootstrap, iv.forHelper)
	in.connect(t)
	st, err := in.open(stream.ResumeProtocol)
	if err == nil {
		_, err = stream.ResumeHelper(st, func(nonce []byte) []byte {
			key := invite.ResumeKey(iv.forHelper.Secret, iv.forHelper.PeerID, in.h.ID(), nonce)
			return invite.ResumeProof(key, iv.forHelper.PeerID, in.h.ID(), nonce)
		})
		st.Reset()
	}
	if err == nil {
		t.Fatal("a stranger resumed the session")
	}
	chat(t, hs, ns, "still here")
	chat(t, ns, hs, "yes")
	if hs.Reason() != "" || ns.Reason() != "" {
		t.Fatalf("the session ended: %q / %q", hs.Reason(), ns.Reason())
	}
}

// TestChatLineSentAtTheCutArrivesOnce: a line sent the moment the
// connection is cut (before either side noticed, so it was written to a
// dead connection) arrives once after the session resumes; a line that had
// arrived before the cut is not shown twice.
func TestChatLineSentAtTheCutArrivesOnce(t *testing.T) {
	bob, alice := sessiontest.Pair(t, sessiontest.Options{ResumeGrace: 30 * time.Second})
	if err := bob.Send("before the cut"); err != nil {
		t.Fatal(err)
	}
	alice.WaitFor(t, "the line before the cut", isChat("before the cut"))
	bob.CutConnection()
	if err := bob.Send("at the cut"); err != nil {
		t.Errorf("Send at the cut: %v", err)
	}
	bob.WaitProgress(t, "Connected to Alice")
	alice.WaitFor(t, "the line sent at the cut", isChat("at the cut"))
	if err := bob.Send("after"); err != nil {
		t.Fatal(err)
	}
	alice.WaitFor(t, "the line after", isChat("after"))
	for _, line := range []string{"before the cut", "at the cut", "after"} {
		if n := countChat(alice, line); n != 1 {
			t.Errorf("%q arrived %d times, want once", line, n)
		}
	}
}
