package session_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/session/sessiontest"
	"github.com/ra-p2p/ra-p2p/stream"
)

const (
	aliceAsks = "Bob wants to connect to your computer. Accept?"
	password  = "correct horse battery staple"
)

// TestSession runs whole sessions between a novice (Alice) and helpers over
// loopback, sharing one bootstrap node. A scenario is mostly waiting (15 s of
// it in StartNovice, see main_test.go) and go test runs only GOMAXPROCS
// parallel tests at once, so instead of t.Parallel every scenario starts its
// novice and helpers up front, all at the same time, and its subtest then
// waits for them and checks what happened.
func TestSession(t *testing.T) {
	bootstrap := sessiontest.StartNode(t)
	runScenarios(t, []scenario{
		{"accepted; the helper hangs up; a second helper is told busy", func(t *testing.T) func(t *testing.T) {
			iv := newInvitation(t, invite.Options{Name: "Alice", Message: "My printer vanished"})
			nv := runNovice(t, bootstrap, iv, true)
			bob := runHelp(t, bootstrap, iv, helperOpts{name: "Bob"})
			// Dave looks Alice up at the same time, but goes on only once
			// Bob's session is open.
			bobIn := make(chan struct{})
			dave := runHelp(t, bootstrap, iv, helperOpts{name: "Dave", hold: bobIn})
			return func(t *testing.T) {
				defer closeOnce(bobIn)
				hs, ns := accepted(t, nv, bob)
				closeOnce(bobIn)

				f := dave.failure(t)
				if !strings.Contains(f.Message, "already being helped") {
					t.Errorf("Dave's failure %q does not say Alice is busy", f.Message)
				}
				if q, _ := nv.prompter.asked(); len(q) != 1 {
					t.Errorf("Alice was asked %q; want only about Bob", q)
				}

				// The session goes on after Dave was turned away.
				chat(t, hs, ns, "still there?")

				hs.Close()
				ended(t, ns, "Disconnected from Bob")
				if got := hs.Reason(); got != "Disconnected from Alice" {
					t.Errorf("Bob's Reason() = %q, want %q", got, "Disconnected from Alice")
				}
				if err := hs.Send("too late"); err == nil {
					t.Error("Send after Close succeeded")
				}
			}
		}},

		{"accepted; the novice hangs up; a forged chat stream is reset", func(t *testing.T) func(t *testing.T) {
			iv := newInvitation(t, invite.Options{Name: "Alice"})
			nv := runNovice(t, bootstrap, iv, true)
			bob := runHelp(t, bootstrap, iv, helperOpts{name: "Bob"})
			return func(t *testing.T) {
				hs, ns := accepted(t, nv, bob)

				forgeChat(t, bootstrap, iv, "forged line")
				// Nothing from the forger reached Alice: the next chat line
				// she sees is Bob's, and then there is nothing more.
				chat(t, hs, ns, "a real line")
			drain:
				for {
					select {
					case e := <-ns.Events():
						t.Errorf("unexpected event for Alice: %+v", e)
					default:
						break drain
					}
				}

				ns.Close()
				ended(t, hs, "Disconnected from Alice")
				if got := ns.Reason(); got != "Disconnected from Bob" {
					t.Errorf("Alice's Reason() = %q, want %q", got, "Disconnected from Bob")
				}
			}
		}},

		{"declined; the same helper under another name is told to wait", func(t *testing.T) func(t *testing.T) {
			iv := newInvitation(t, invite.Options{Name: "Alice"})
			nv := runNovice(t, bootstrap, iv, false)
			bob := runHelp(t, bootstrap, iv, helperOpts{name: "Bob"})
			// "Bob2" comes straight back once Bob was declined.
			bobDeclined := make(chan struct{})
			bob2 := runHelp(t, bootstrap, iv, helperOpts{name: "Bob2", hold: bobDeclined})
			return func(t *testing.T) {
				defer closeOnce(bobDeclined)
				f := bob.failure(t)
				if !strings.Contains(f.Message, "declined") {
					t.Errorf("failure %q does not say Alice declined", f.Message)
				}
				closeOnce(bobDeclined)
				f = bob2.failure(t)
				if want := "Alice declined a request a moment ago, so Alice's computer takes no new request for a few minutes."; !strings.Contains(f.Message, want) {
					t.Errorf("the helper who came back was told %q, want %q", f.Message, want)
				}
				if q, _ := nv.prompter.asked(); !slices.Equal(q, []string{aliceAsks}) {
					t.Errorf("Alice was asked %q, want only %q", q, aliceAsks)
				}
				eventually(t, "Alice is told she declined", func() bool { return nv.progress.has("You declined Bob") })
				eventually(t, "Alice is told Bob2 was turned away", func() bool { return nv.progress.has("Bob2 asked right after you declined") })
				if !nv.stillWaiting() {
					t.Errorf("Alice stopped waiting after declining: %v", nv.err)
				}
			}
		}},

		{"Decline and stop this invitation", func(t *testing.T) func(t *testing.T) {
			iv := newInvitation(t, invite.Options{Name: "Alice"})
			nv := runNoviceAs(t, bootstrap, iv, &prompter{stop: true})
			bob := runHelp(t, bootstrap, iv, helperOpts{name: "Bob"})
			return func(t *testing.T) {
				f := bob.failure(t)
				if !strings.Contains(f.Message, "declined") {
					t.Errorf("failure %q does not say Alice declined", f.Message)
				}
				_, err := nv.wait(t)
				if !errors.Is(err, session.ErrStopped) {
					t.Fatalf("novice Wait = %v, want ErrStopped", err)
				}
				if msg := session.UserMessage(err); !strings.Contains(msg, "stopped this invitation") {
					t.Errorf("Alice is told %q", msg)
				}
				e, lerr := iv.store.Load(iv.entry.Invitation.ID())
				if lerr != nil {
					t.Fatal(lerr)
				}
				if !e.Revoked {
					t.Error("the stored invitation is not revoked")
				}
			}
		}},

		{"the helper is asked its name once; the novice sees it", func(t *testing.T) func(t *testing.T) {
			iv := newInvitation(t, invite.Options{Name: "Alice"})
			nv := runNovice(t, bootstrap, iv, true)
			bob := ui{&prompter{confirm: true, line: "Robert Smith"}, &recorder{}}
			remembered := make(chan string, 1)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- session.RunHelper(ctx, session.HelpConfig{
					Invitation: iv.forHelper, Name: "root", AskName: true, RememberName: func(n string) { remembered <- n },
					Bootstrap: bootstrap, Listen: loopback, FindTimeout: wait, ConnectTimeout: wait, Logger: sessiontest.Logger(),
				}, bob)
			}()
			t.Cleanup(func() { cancel(); <-done })
			return func(t *testing.T) {
				ns, err := nv.wait(t)
				if err != nil {
					t.Fatalf("novice Wait: %v", err)
				}
				if ns.PeerName != "Robert Smith" {
					t.Errorf("Alice sees her helper as %q, want %q", ns.PeerName, "Robert Smith")
				}
				bob.prompter.mu.Lock()
				lines := slices.Clone(bob.prompter.lines)
				bob.prompter.mu.Unlock()
				if len(lines) != 1 || lines[0].Kind != session.AskName || lines[0].Peer != "Alice" || lines[0].Default != "root" {
					t.Errorf("Bob was asked %+v, want one AskName about Alice offering %q", lines, "root")
				}
				select {
				case n := <-remembered:
					if n != "Robert Smith" {
						t.Errorf("remembered %q", n)
					}
				default:
					t.Error("the name was not handed on to be remembered")
				}
				eventually(t, "Bob's window says which name Alice sees", func() bool { return bob.has("Alice will see you as Robert Smith.") })
			}
		}},

		{"the right password", func(t *testing.T) func(t *testing.T) {
			iv := newInvitation(t, invite.Options{Name: "Alice", Password: password})
			nv := runNovice(t, bootstrap, iv, true)
			bob := runHelp(t, bootstrap, iv, helperOpts{name: "Bob", passwords: []string{password}})
			return func(t *testing.T) {
				accepted(t, nv, bob)
				if _, p := bob.prompter.asked(); !slices.Equal(p, []string{"Password for Alice's invitation: "}) {
					t.Errorf("Bob was asked %q, want one password prompt", p)
				}
			}
		}},

		{"a wrong password three times locks the invitation", func(t *testing.T) func(t *testing.T) {
			iv := newInvitation(t, invite.Options{Name: "Alice", Password: password})
			nv := runNovice(t, bootstrap, iv, true)
			bob := runHelp(t, bootstrap, iv, helperOpts{name: "Bob", passwords: []string{"one", "two", "three"}})
			return func(t *testing.T) {
				f := bob.failure(t)
				if !strings.Contains(f.Message, "locked") {
					t.Errorf("failure %q does not say the invitation is locked", f.Message)
				}
				_, err := nv.wait(t)
				if !errors.Is(err, session.ErrLocked) {
					t.Fatalf("novice Wait = %v, want ErrLocked", err)
				}
				e, lerr := iv.store.Load(iv.entry.Invitation.ID())
				if lerr != nil {
					t.Fatal(lerr)
				}
				if !e.Locked {
					t.Error("the stored invitation is not marked locked")
				}
				if q, _ := nv.prompter.asked(); len(q) != 0 {
					t.Errorf("Alice was asked %q before a right password", q)
				}
				_, prompts := bob.prompter.asked()
				if len(prompts) != 3 {
					t.Fatalf("Bob was asked for a password %d times (%q), want 3", len(prompts), prompts)
				}
				for i, want := range []string{"", "2 tries left", "1 try left"} {
					if !strings.Contains(prompts[i], want) {
						t.Errorf("prompt %d = %q, want it to say %q", i+1, prompts[i], want)
					}
				}
				for _, want := range []string{"(2 tries left)", "(1 try left)"} {
					if !nv.progress.has(want) {
						t.Errorf("Alice was not told about a wrong password %s; progress: %q", want, nv.progress.all())
					}
				}
			}
		}},

		{"revoked while waiting", func(t *testing.T) func(t *testing.T) {
			iv := newInvitation(t, invite.Options{Name: "Alice"})
			nv := runNovice(t, bootstrap, iv, true)
			revoked := make(chan struct{})
			bob := runHelp(t, bootstrap, iv, helperOpts{name: "Bob", hold: revoked})
			return func(t *testing.T) {
				defer closeOnce(revoked)
				nv.started(t)
				// `ra-p2p invite --revoke` from another process: only the
				// store changes, and Bob has not reached Alice yet.
				if err := iv.store.Revoke(iv.entry.Invitation.ID()); err != nil {
					t.Fatal(err)
				}
				closeOnce(revoked)
				f := bob.failure(t)
				if !strings.Contains(f.Message, "revoked") {
					t.Errorf("failure %q does not say the invitation was revoked", f.Message)
				}
				_, err := nv.wait(t)
				if !errors.Is(err, session.ErrRevoked) {
					t.Fatalf("novice Wait = %v, want ErrRevoked", err)
				}
				if q, _ := nv.prompter.asked(); len(q) != 0 {
					t.Errorf("Alice was asked %q about a revoked invitation", q)
				}
			}
		}},
	})
}

// closeOnce closes ch unless it is closed already.
func closeOnce(ch chan struct{}) {
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// accepted waits for bob's session with the novice and checks it
// (checkAccepted).
func accepted(t *testing.T, nv *novice, bob *helper) (hs, ns *session.Session) {
	t.Helper()
	hs, err := bob.wait(t)
	if err != nil {
		t.Fatalf("Help: %v", err)
	}
	ns, err = nv.wait(t)
	if err != nil {
		t.Fatalf("novice Wait: %v", err)
	}
	checkAccepted(t, nv, bob, hs, ns)
	return hs, ns
}

// checkAccepted checks a freshly accepted session from both sides and that
// chat lines go both ways.
func checkAccepted(t *testing.T, nv *novice, bob *helper, hs, ns *session.Session) {
	t.Helper()
	if hs.PeerName != "Alice" || ns.PeerName != "Bob" {
		t.Errorf("names: Bob sees %q, Alice sees %q", hs.PeerName, ns.PeerName)
	}
	if want := nv.n.PeerID(); hs.PeerID != want {
		t.Errorf("Bob's session is with %s, want the invitation's %s", hs.PeerID, want)
	}
	for side, s := range map[string]*session.Session{"Bob": hs, "Alice": ns} {
		addr := s.RemoteAddr()
		if !strings.HasPrefix(addr, "/ip4/127.0.0.1/") || strings.Contains(addr, "p2p-circuit") {
			t.Errorf("%s's session runs over %s, want a direct loopback connection", side, addr)
		}
		if s.Reason() != "" {
			t.Errorf("%s's Reason() = %q while the session runs", side, s.Reason())
		}
	}
	if q, _ := nv.prompter.asked(); !slices.Equal(q, []string{aliceAsks}) {
		t.Errorf("Alice was asked %q, want %q", q, aliceAsks)
	}
	got := bob.progress.all()
	code := func(s string) bool { return strings.HasPrefix(s, "Your code, if Alice asks: ") } // TestVerificationCodeOnBothSides
	if n := len(slices.DeleteFunc(slices.Clone(got), func(s string) bool { return !code(s) })); n != 1 {
		t.Errorf("Bob was told his verification code %d times, want once: %q", n, got)
	}
	got = slices.DeleteFunc(got, code)
	want := []string{"Joining the network…", "Looking for Alice's computer…", "Found Alice's computer; connecting directly…", "Waiting for Alice to accept…"}
	if !slices.Equal(got, want) {
		t.Errorf("Bob's progress = %q, want %q", got, want)
	}
	chat(t, hs, ns, "Hello Alice, Bob here.")
	chat(t, ns, hs, "Hi Bob! The printer is gone.")
}

// chat sends text from one side and checks that the other receives it,
// attributed to the sender by the name the receiver knows it by.
func chat(t *testing.T, from, to *session.Session, text string) {
	t.Helper()
	if err := from.Send(text); err != nil {
		t.Fatalf("Send: %v", err)
	}
	e := nextChat(t, to)
	if e.Text != text || e.From != to.PeerName {
		t.Errorf("%s's side received %q from %q, want %q from %q", from.PeerName, e.Text, e.From, text, to.PeerName)
	}
}

// ended waits for s to end and checks why.
func ended(t *testing.T, s *session.Session, reason string) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(wait):
		t.Fatal("the other side's session did not end")
	}
	if got := s.Reason(); got != reason {
		t.Errorf("Reason() = %q, want %q", got, reason)
	}
}

// forgeChat is a third host that holds the invitation (it can find the
// novice) but is not the accepted helper: it connects directly and opens a
// chat stream, which the novice must reset.
func forgeChat(t *testing.T, bootstrap []peer.AddrInfo, iv *invitation, text string) {
	t.Helper()
	forger := newIntruder(t, bootstrap, iv.forHelper)
	forger.connect(t)
	s, err := forger.open(stream.ChatProtocol)
	if err != nil {
		// The novice may reset the stream before multistream-select
		// confirmed the protocol: refused either way.
		if !errors.Is(err, network.ErrReset) {
			t.Fatalf("opening the forged chat stream: %v", err)
		}
		t.Logf("the forged chat stream was reset while it was being opened: %v", err)
		return
	}
	defer s.Reset()
	_ = s.SetDeadline(time.Now().Add(wait))
	c := stream.NewChat(s)
	_ = c.Send(text, time.Now()) // may already fail: the reset can come first
	m, err := c.Receive()
	if err == nil {
		t.Fatalf("the forged chat stream got %q back; want it reset", m.Text)
	}
	if !errors.Is(err, network.ErrReset) {
		t.Fatalf("the forged chat stream ended with %v, want a reset by the novice", err)
	}
	t.Logf("the forged chat stream was reset: %v", err)
}

// TestVerificationCodeOnBothSides: the code in the novice's "accept?"
// question is the one the helper is told to read out while it waits.
func TestVerificationCodeOnBothSides(t *testing.T) {
	bob, alice := sessiontest.Pair(t, sessiontest.Options{})
	var code string
	for _, q := range alice.Questions() {
		if q.Kind == session.AskAcceptHelper {
			code = q.Code
		}
	}
	if code == "" {
		t.Fatalf("Alice's accept question has no code: %+v", alice.Questions())
	}
	want := "Your code, if Alice asks: " + code + "."
	for _, ev := range bob.Events() {
		if ev.Kind == session.EventStatus && ev.Text == want {
			return
		}
	}
	t.Errorf("Bob was never told his code %q: %+v", code, bob.Events())
}
