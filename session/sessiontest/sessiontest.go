package sessiontest

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/p2p"
	"github.com/ra-p2p/ra-p2p/session"
)

// Wait bounds each step that involves the network: generous, for a loaded
// 2-core machine; no test asserts timing.
const Wait = 60 * time.Second

// Loopback is where the hosts listen: 127.0.0.1 only.
var Loopback = []string{"/ip4/127.0.0.1/udp/0/quic-v1", "/ip4/127.0.0.1/tcp/0"}

// Options says what each side runs and how its user answers.
type Options struct {
	NoviceChannels, HelperChannels []session.Channel
	// NoviceAnswers answers the novice's questions after "accept this
	// helper?" (which is always yes); nil answers no. It may block until
	// ctx ends.
	NoviceAnswers func(ctx context.Context, q session.Question) bool
	// HelperAnswers answers the helper's questions the same way (the
	// voice channel asks either side); nil answers no.
	HelperAnswers func(ctx context.Context, q session.Question) bool
	// ResumeGrace is both sides' (session.HelpConfig.ResumeGrace); 0 = the
	// default.
	ResumeGrace time.Duration
	// Listen is where both sides listen; nil = Loopback (QUIC is then the
	// connection; TCPLoopback makes it TCP).
	Listen []string
}

// TCPLoopback listens on TCP only: a session over it has no datagrams.
var TCPLoopback = []string{"/ip4/127.0.0.1/tcp/0"}

// Side is one side of a connected pair: its session and everything it
// showed its user.
type Side struct {
	*session.Session

	user *user // who answers this side's questions

	mu     sync.Mutex
	events []session.Event
	added  chan struct{} // signalled after each event
}

// Pair connects a helper (Alice's invitation, Bob helping) and returns
// both sides once the novice accepted. Both sessions end when the test
// does, and every goroutine Pair started is gone by then.
func Pair(t testing.TB, opts Options) (helper, novice *Side) {
	t.Helper()
	bootstrap := StartNode(t)
	inv, priv, pwKey, err := invite.New(invite.Options{Name: "Alice", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	listen := opts.Listen
	if listen == nil {
		listen = Loopback
	}
	store := invite.Store{Dir: t.TempDir()}
	if err := store.Save(inv, priv, pwKey); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	// A question still open when the test ends is withdrawn first
	// (cleanups run last-in first-out).
	asking, stopAsking := context.WithCancel(context.Background())
	noviceUser := &user{answer: opts.NoviceAnswers, accept: true, ctx: asking}
	n, err := session.StartNovice(ctx, session.NoviceConfig{
		Entry: &invite.Entry{Invitation: inv, Key: priv, PasswordKey: pwKey}, Store: store, Prompter: noviceUser,
		Bootstrap: bootstrap, Listen: listen, Logger: Logger(), Channels: opts.NoviceChannels, ResumeGrace: opts.ResumeGrace,
	})
	if err != nil {
		t.Fatalf("StartNovice: %v", err)
	}
	t.Cleanup(n.Close)
	waited := make(chan *session.Session, 1)
	go func() {
		s, err := n.Wait(ctx)
		if err != nil {
			t.Errorf("novice Wait: %v", err)
		}
		waited <- s
	}()
	helperUser := &user{answer: opts.HelperAnswers, ctx: asking}
	var before []session.Event // the helper's steps before the session (Help returns after them)
	hs, err := session.Help(ctx, session.HelpConfig{
		Invitation: inv, Name: "Bob", Prompter: helperUser, Bootstrap: bootstrap, Listen: listen,
		FindTimeout: Wait, ConnectTimeout: Wait, Logger: Logger(), Channels: opts.HelperChannels, ResumeGrace: opts.ResumeGrace,
		Progress: func(ev session.Event) { before = append(before, ev) },
	})
	if err != nil {
		t.Fatalf("Help: %v", err)
	}
	ns := <-waited
	if ns == nil {
		hs.Close()
		t.FailNow()
	}
	helper, novice = follow(t, hs, helperUser, before), follow(t, ns, noviceUser, nil)
	t.Cleanup(stopAsking)
	return helper, novice
}

// follow keeps every event of s, after those before it, until its Events
// close; the test's end closes the session and waits for that.
func follow(t testing.TB, s *session.Session, u *user, before []session.Event) *Side {
	side := &Side{Session: s, user: u, added: make(chan struct{}, 1), events: before}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range s.Events() {
			side.mu.Lock()
			side.events = append(side.events, ev)
			side.mu.Unlock()
			select {
			case side.added <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		s.Close()
		<-done
	})
	return side
}

// Events returns what the side showed so far.
func (s *Side) Events() []session.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// Texts returns the texts of the side's status events, in order.
func (s *Side) Texts() []string {
	var texts []string
	for _, ev := range s.Events() {
		if ev.Kind == session.EventStatus {
			texts = append(texts, ev.Text)
		}
	}
	return texts
}

// WaitFor waits until the side showed an event for which match is true,
// and returns it.
func (s *Side) WaitFor(t testing.TB, what string, match func(session.Event) bool) session.Event {
	t.Helper()
	deadline := time.After(Wait)
	seen := 0
	for {
		evs := s.Events()
		for _, ev := range evs[seen:] {
			if match(ev) {
				return ev
			}
		}
		seen = len(evs)
		select {
		case <-s.added:
		case <-deadline:
			t.Fatalf("%s: no %s after %v; events: %+v", s.PeerName, what, Wait, evs)
		}
	}
}

// Asked returns the kinds of the questions this side's user was asked,
// in order.
func (s *Side) Asked() []session.QuestionKind {
	s.user.mu.Lock()
	defer s.user.mu.Unlock()
	return slices.Clone(s.user.asked)
}

// Questions returns the questions this side's user was asked, in order.
func (s *Side) Questions() []session.Question {
	s.user.mu.Lock()
	defer s.user.mu.Unlock()
	return slices.Clone(s.user.questions)
}

// WaitProgress waits for a progress line (the status line) equal to text.
func (s *Side) WaitProgress(t testing.TB, text string) {
	t.Helper()
	s.WaitFor(t, fmt.Sprintf("progress %q", text), func(ev session.Event) bool {
		return ev.Kind == session.EventProgress && ev.Text == text
	})
}

// WaitStatus waits for a status line equal to text.
func (s *Side) WaitStatus(t testing.TB, text string) {
	t.Helper()
	s.WaitFor(t, fmt.Sprintf("status %q", text), func(ev session.Event) bool {
		return ev.Kind == session.EventStatus && ev.Text == text
	})
}

// WaitControl waits for the control state c.
func (s *Side) WaitControl(t testing.TB, c session.ControlState) {
	t.Helper()
	s.WaitFor(t, fmt.Sprintf("control state %d", c), func(ev session.Event) bool {
		return ev.Kind == session.EventControl && ev.Control == c
	})
}

// user is a scripted user.
type user struct {
	accept bool // "accept this helper?"
	answer func(ctx context.Context, q session.Question) bool
	ctx    context.Context // ends when the test does

	mu        sync.Mutex
	asked     []session.QuestionKind
	questions []session.Question
}

func (u *user) Confirm(ctx context.Context, q session.Question) (bool, error) {
	u.mu.Lock()
	u.asked = append(u.asked, q.Kind)
	u.questions = append(u.questions, q)
	u.mu.Unlock()
	if q.Kind == session.AskAcceptHelper {
		return u.accept, nil
	}
	if u.answer == nil {
		return false, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(u.ctx, cancel)
	defer stop()
	return u.answer(ctx, q), ctx.Err()
}

func (u *user) Password(context.Context, session.Question) (string, error) {
	return "", fmt.Errorf("sessiontest: no passwords")
}

func (u *user) Line(context.Context, session.Question) (string, error) {
	return "", fmt.Errorf("sessiontest: no lines")
}

// StartNode runs a bootstrap node on loopback until the test ends and
// returns the bootstrap list.
func StartNode(t testing.TB) []peer.AddrInfo {
	t.Helper()
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	n, err := p2p.NewNode(p2p.NodeConfig{Identity: key, Listen: Loopback, Logger: Logger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node Run: %v", err)
		}
	})
	ais, err := peer.AddrInfosFromP2pAddrs(n.Addrs()...)
	if err != nil {
		t.Fatal(err)
	}
	return ais
}

// LogOnFailure is a logger (debug level) for one test: what it logs is
// kept and written to the test's log if the test failed, so a failure
// under load says what the channels did. Records after the test's end
// (from goroutines that outlive it) are dropped. With RA_P2P_TEST_LOG set
// it is Logger().
func LogOnFailure(t testing.TB) *slog.Logger {
	if os.Getenv("RA_P2P_TEST_LOG") != "" {
		return Logger()
	}
	kept := &keptLog{}
	t.Cleanup(func() {
		kept.mu.Lock()
		defer kept.mu.Unlock()
		kept.ended = true
		if t.Failed() {
			t.Logf("the channels' log:\n%s", kept.buf)
		}
	})
	return slog.New(slog.NewTextHandler(kept, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// keptLog holds the last keptLogBytes of a test's log until it ends.
type keptLog struct {
	mu    sync.Mutex
	buf   []byte
	ended bool
}

const keptLogBytes = 256 << 10

func (k *keptLog) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.ended {
		k.buf = append(k.buf, p...)
		if over := len(k.buf) - keptLogBytes; over > 0 {
			k.buf = append(k.buf[:0], k.buf[over:]...)
		}
	}
	return len(p), nil
}

// Logger discards logs unless RA_P2P_TEST_LOG is set: hosts log from
// their own goroutines, which may outlive a test's t.Log.
func Logger() *slog.Logger {
	if os.Getenv("RA_P2P_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}
