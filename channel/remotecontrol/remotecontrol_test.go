package remotecontrol_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/channel/remotecontrol"
	"github.com/ra-p2p/ra-p2p/control"
	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/internal/leakcheck"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/session/sessiontest"
)

// These tests run the consent flow between two real sessions on loopback
// (sessiontest). What stands in for X is hand-written: an injector that
// records what it was told, and an ESC "keyboard" the test presses.

func TestMain(m *testing.M) { leakcheck.Main(m) }

// injector records what the gate let through, on a 1280x800 screen.
type injector struct {
	mu    sync.Mutex
	moves [][2]int
	texts []string
}

func (i *injector) Move(x, y int) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.moves = append(i.moves, [2]int{x, y})
	return nil
}
func (i *injector) Button(int, bool) error { return nil }
func (i *injector) Scroll(int, int) error  { return nil }
func (i *injector) Key(string, bool) error { return nil }
func (i *injector) Text(s string) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.texts = append(i.texts, s)
	return nil
}
func (i *injector) ScreenSize() (int, int) { return 1280, 800 }
func (i *injector) Close() error           { return nil }

func (i *injector) injected() ([][2]int, []string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return slices.Clone(i.moves), slices.Clone(i.texts)
}

// escKey is the novice's ESC key: press sends one press to the watcher.
type escKey chan struct{}

func (k escKey) watch(ctx context.Context, _ *control.Gate, onEsc func()) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-k:
			onEsc()
		}
	}
}

// pair connects a helper and a novice with the control channel; answer is
// the novice's answer to "allow control?".
type pair struct {
	helper, novice *sessiontest.Side
	ctl            *remotecontrol.Helper
	nctl           *remotecontrol.Novice
	inj            *injector
	esc            escKey
	asked          chan session.Question
}

func connect(t *testing.T, enabled bool, answer func(ctx context.Context) bool) *pair {
	p := &pair{inj: &injector{}, esc: make(escKey), asked: make(chan session.Question, 4)}
	p.ctl = &remotecontrol.Helper{}
	p.nctl = &remotecontrol.Novice{Enabled: enabled,
		NewInjector: func() (control.Injector, error) { return p.inj, nil }, WatchEscape: p.esc.watch}
	p.helper, p.novice = sessiontest.Pair(t, sessiontest.Options{
		HelperChannels: []session.Channel{p.ctl},
		NoviceChannels: []session.Channel{p.nctl},
		NoviceAnswers: func(ctx context.Context, q session.Question) bool {
			p.asked <- q
			return answer(ctx)
		},
	})
	return p
}

func yes(context.Context) bool { return true }
func no(context.Context) bool  { return false }

// move sends a pointer move; a request sent after it is answered after the
// novice's side has handled it (one stream, in order).
func (p *pair) move(x, y int) {
	p.ctl.Input(desktop.Event{Kind: desktop.MouseMove, X: x, Y: y})
}

func TestInputBeforeConsentIsDropped(t *testing.T) {
	p := connect(t, true, yes)
	p.move(100, 100)
	p.ctl.Input(desktop.Event{Kind: desktop.Text, Text: "rm -rf ~"})
	p.ctl.Request() // sent after the input on the same stream
	q := <-p.asked
	if q.Kind != session.AskAllowControl || q.Peer != "Bob" {
		t.Errorf("the novice was asked %+v, want AskAllowControl about Bob", q)
	}
	p.helper.WaitControl(t, session.ControlOn)
	p.helper.WaitStatus(t, "Bob has control of Alice's computer")
	p.novice.WaitStatus(t, "Bob is controlling your computer. Press ESC to take control back")
	p.novice.WaitControl(t, session.ControlOn)
	if moves, texts := p.inj.injected(); len(moves) != 0 || len(texts) != 0 {
		t.Fatalf("input sent before consent was injected: moves %v, texts %q", moves, texts)
	}
	p.move(200, 300)
	waitFor(t, "the move after consent", func() bool {
		moves, _ := p.inj.injected()
		return slices.Contains(moves, [2]int{200, 300})
	})
}

func TestDeclineLeavesViewOnly(t *testing.T) {
	p := connect(t, true, no)
	p.ctl.Request()
	<-p.asked
	p.helper.WaitStatus(t, "Alice did not give you control")
	p.helper.WaitStatus(t, "Screen View Only")
	p.helper.WaitControl(t, session.ControlOff)
	p.move(10, 20)
	p.ctl.Request() // too soon: answered at once, in order after the move
	p.helper.WaitStatus(t, "Wait a few seconds before asking Alice again.")
	if moves, _ := p.inj.injected(); len(moves) != 0 {
		t.Errorf("input after a refusal was injected: %v", moves)
	}
	if slices.Contains(p.novice.Texts(), "Bob is controlling your computer. Press ESC to take control back") {
		t.Errorf("the novice's history says Bob has control after she declined: %q", p.novice.Texts())
	}
}

func TestEscapeRevokes(t *testing.T) {
	p := connect(t, true, yes)
	p.ctl.Request()
	<-p.asked
	p.helper.WaitControl(t, session.ControlOn)
	p.esc <- struct{}{}
	p.helper.WaitStatus(t, "Alice took control back")
	p.novice.WaitStatus(t, "Screen View Only")
	p.novice.WaitControl(t, session.ControlOff)
	p.move(5, 6)
	p.ctl.Request() // too soon: answered in order after the move
	p.helper.WaitStatus(t, "Wait a few seconds before asking Alice again.")
	if moves, _ := p.inj.injected(); slices.Contains(moves, [2]int{5, 6}) {
		t.Errorf("input after ESC was injected: %v", moves)
	}
}

func TestStopControlRevokes(t *testing.T) {
	p := connect(t, true, yes)
	p.ctl.Request()
	<-p.asked
	p.novice.WaitControl(t, session.ControlOn)
	p.nctl.Stop()
	p.helper.WaitStatus(t, "Alice took control back")
	p.helper.WaitControl(t, session.ControlOff)
	p.novice.WaitStatus(t, "Screen View Only")
}

func TestEscapeWhileAskingWithdrawsTheQuestion(t *testing.T) {
	answer := make(chan struct{})
	p := connect(t, true, func(ctx context.Context) bool {
		select { // the novice answers yes, late
		case <-answer:
		case <-ctx.Done():
		}
		return true
	})
	p.ctl.Request()
	<-p.asked
	p.esc <- struct{}{}
	p.esc <- struct{}{} // taken only once the first press was handled
	close(answer)
	p.helper.WaitStatus(t, "Alice did not give you control")
	if slices.Contains(p.helper.Texts(), "Bob has control of Alice's computer") {
		t.Errorf("control was given after ESC withdrew the question: %q", p.helper.Texts())
	}
}

func TestReleaseGivesControlBack(t *testing.T) {
	p := connect(t, true, yes)
	p.ctl.Request()
	<-p.asked
	p.novice.WaitControl(t, session.ControlOn)
	p.ctl.Release()
	p.helper.WaitStatus(t, "Screen View Only")
	p.novice.WaitStatus(t, "Screen View Only")
	p.novice.WaitControl(t, session.ControlOff)
}

func TestNoControlNeverAsks(t *testing.T) {
	p := connect(t, false, yes)
	p.ctl.Request()
	p.helper.WaitStatus(t, "Alice turned off remote control for this invitation.")
	p.helper.WaitControl(t, session.ControlOff)
	select {
	case q := <-p.asked:
		t.Errorf("the novice was asked %+v although control is off", q)
	default:
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(sessiontest.Wait)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %v", what, sessiontest.Wait)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
