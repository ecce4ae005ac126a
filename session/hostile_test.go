package session_test

import (
	"crypto/rand"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/session"
	"github.com/ra-p2p/ra-p2p/session/sessiontest"
	"github.com/ra-p2p/ra-p2p/stream"
	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// TestHostilePeers puts hand-written peers, each on a real libp2p host of
// its own, in front of a waiting novice (Alice): a stranger who has her peer
// ID and address but not the invitation secret, and a helper who has the
// invitation but not the password. The scenarios start together, as in
// TestSession.
func TestHostilePeers(t *testing.T) {
	bootstrap := sessiontest.StartNode(t)
	runScenarios(t, []scenario{
		{"a stranger's garbage proofs neither lock the invitation nor end the wait", func(t *testing.T) func(t *testing.T) {
			iv := newInvitation(t, invite.Options{Name: "Alice", Password: password})
			nv := runNovice(t, bootstrap, iv, true)
			strangerDone := make(chan struct{})
			bob := runHelp(t, bootstrap, iv, helperOpts{name: "Bob", passwords: []string{password}, hold: strangerDone})
			mallory := newIntruder(t, bootstrap, iv.forHelper)
			return func(t *testing.T) {
				defer closeOnce(strangerDone)
				nv.started(t)
				mallory.connect(t)
				proofs := 0
				for i := range 4 {
					err := mallory.try(t, func(stream.Challenge, int, int) (stream.Proof, error) {
						proofs++
						return stream.Proof{MAC: garbage(), SecretMAC: garbage()}, nil
					})
					t.Logf("stranger's handshake %d: %v", i+1, err)
				}
				if proofs < 3 {
					t.Fatalf("the stranger sent %d garbage proofs, want at least 3", proofs)
				}
				e, err := iv.store.Load(iv.entry.Invitation.ID())
				if err != nil {
					t.Fatal(err)
				}
				if e.Locked || e.WrongPasswords != 0 {
					t.Errorf("after a stranger's %d garbage proofs the store says locked %v, %d wrong passwords", proofs, e.Locked, e.WrongPasswords)
				}
				if !nv.stillWaiting() {
					t.Fatalf("a stranger ended Alice's wait: %v", nv.err)
				}
				if nv.progress.has("password") {
					t.Errorf("Alice was told about a wrong password by a stranger: %q", nv.progress.all())
				}

				closeOnce(strangerDone)
				accepted(t, nv, bob)
			}
		}},

		{"a stranger's idle session streams do not keep the real helper out", func(t *testing.T) func(t *testing.T) {
			iv := newInvitation(t, invite.Options{Name: "Alice"})
			nv := runNovice(t, bootstrap, iv, true)
			idle := make(chan struct{})
			bob := runHelp(t, bootstrap, iv, helperOpts{name: "Bob", hold: idle})
			mallory := newIntruder(t, bootstrap, iv.forHelper)
			return func(t *testing.T) {
				defer closeOnce(idle)
				nv.started(t)
				mallory.connect(t)
				// Two streams say hello, then nothing more; a third says
				// nothing at all.
				var streams []network.Stream
				for i := range 3 {
					s, err := mallory.open(stream.SessionProtocol)
					if err != nil {
						t.Logf("idle stream %d: %v", i+1, err)
						continue
					}
					streams = append(streams, s)
					if i == 2 {
						break
					}
					if err := framing.WriteJSON(s, stream.MaxSessionMessage, stream.MsgHello, stream.Hello{Name: "Mallory"}); err != nil {
						t.Logf("idle stream %d: hello: %v", i+1, err)
						continue
					}
					_ = s.SetReadDeadline(time.Now().Add(wait))
					typ, _, err := framing.NewFrameReader(s, stream.MaxSessionMessage).ReadFrame()
					t.Logf("idle stream %d: the novice answered the hello with type %d, %v", i+1, typ, err)
				}

				closeOnce(idle)
				released := time.Now()
				if _, err := bob.wait(t); err != nil {
					t.Fatalf("Bob, while a stranger holds idle streams: %v", err)
				}
				// Loopback and a lookup already made: far below the
				// stranger's hold either way.
				if took := time.Since(released); took > 10*time.Second {
					t.Errorf("Bob got in %v after the stranger's streams were open, want a few seconds", took.Round(time.Millisecond))
				}
				accepted(t, nv, bob)

				// The novice hangs up on idle streams after seconds, not
				// minutes.
				for i, s := range streams {
					_ = s.SetReadDeadline(time.Now().Add(30 * time.Second))
					_, err := s.Read(make([]byte, 1))
					var ne net.Error
					if errors.As(err, &ne) && ne.Timeout() {
						t.Errorf("idle stream %d is still open after 30 s", i+1)
					}
					s.Reset()
				}
			}
		}},

		{"reconnecting after every wrong password, even across a restart, gives 3 tries in all", func(t *testing.T) func(t *testing.T) {
			iv := newInvitation(t, invite.Options{Name: "Alice", Password: password})
			nv := runNovice(t, bootstrap, iv, true)
			eve := newIntruder(t, bootstrap, iv.forHelper)
			wrongKey, err := iv.forHelper.PasswordKey("not the password")
			if err != nil {
				t.Fatal(err)
			}
			return func(t *testing.T) {
				nv.started(t)
				g1 := eve.guess(t, wrongKey)
				g2 := eve.guess(t, wrongKey)
				if g1.left != 2 || g2.left != 1 {
					t.Errorf("after a wrong password on each of two connections the novice allowed %d, then %d more, want 2, then 1", g1.left, g2.left)
				}
				// Each answer waits longer than the one before.
				if g1.took < time.Second || g2.took < 2*time.Second {
					t.Errorf("wrong passwords answered after %v and %v, want at least 1 s and 2 s", g1.took, g2.took)
				}
				if !nv.stillWaiting() {
					t.Fatalf("Alice stopped waiting after 2 wrong passwords: %v", nv.err)
				}

				// Alice's computer restarts: `ra-p2p invite --resume`.
				nv.stop()
				if e, err := iv.store.Load(iv.entry.Invitation.ID()); err != nil || e.WrongPasswords != 2 || e.Locked {
					t.Errorf("the store after 2 wrong passwords: %+v, %v; want 2 counted, not locked", e, err)
				}
				nv2 := runNovice(t, bootstrap, iv, true)
				nv2.started(t)
				eve2 := newIntruder(t, bootstrap, iv.forHelper)
				if g3 := eve2.guess(t, wrongKey); g3.outcome != stream.OutcomeLocked {
					t.Errorf("the third wrong password, after a restart: %+v, want the invitation locked", g3)
				}
				if _, err := nv2.wait(t); !errors.Is(err, session.ErrLocked) {
					t.Fatalf("novice Wait after the third wrong password = %v, want ErrLocked", err)
				}
				if e, err := iv.store.Load(iv.entry.Invitation.ID()); err != nil || !e.Locked {
					t.Errorf("the stored invitation is not marked locked: %+v, %v", e, err)
				}
				if q, _ := nv2.prompter.asked(); len(q) != 0 {
					t.Errorf("Alice was asked %q", q)
				}
			}
		}},
	})
}

// garbage is 32 random bytes: what a stranger sends for a MAC.
func garbage() []byte {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return b
}

// try runs one handshake on a new session stream and returns how it ended.
func (in *intruder) try(t *testing.T, prove func(stream.Challenge, int, int) (stream.Proof, error)) error {
	t.Helper()
	s, err := in.open(stream.SessionProtocol)
	if err != nil {
		return err
	}
	defer s.Reset()
	_ = s.SetDeadline(time.Now().Add(wait))
	_, ss, err := stream.HelperHandshake(s, stream.HelperConfig{Hello: stream.Hello{Name: "Mallory"}, Prove: prove})
	if ss != nil {
		t.Fatal("the intruder was accepted")
	}
	return err
}

// guessed is how the novice answered one wrong password.
type guessed struct {
	left    int            // tries left after a wrong password; 0 otherwise
	outcome stream.Outcome // a refusal instead
	took    time.Duration  // from the proof to the answer
}

var errHangUp = errors.New("hanging up instead of typing the password again")

// guess connects, proves the secret with a wrong password and hangs up as
// soon as the novice answers; it tries again while the novice is still busy
// with its last connection.
func (in *intruder) guess(t *testing.T, pwKey []byte) guessed {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		in.connect(t)
		var g guessed
		var sent time.Time
		err := in.try(t, func(ch stream.Challenge, attempt, left int) (stream.Proof, error) {
			if attempt > 1 {
				g.took, g.left = time.Since(sent), left
				return stream.Proof{}, errHangUp
			}
			sent = time.Now()
			return stream.Proof{
				MAC:       invite.Proof(in.inv.Secret, pwKey, in.inv.PeerID, in.h.ID(), ch.Nonce),
				SecretMAC: invite.SecretProof(in.inv.Secret, in.inv.PeerID, in.h.ID(), ch.Nonce),
			}, nil
		})
		in.h.ClosePeer(in.inv.PeerID)
		var he *stream.HelperError
		switch {
		case errors.Is(err, errHangUp):
			return g
		case errors.As(err, &he) && he.Result.Outcome == stream.OutcomeBusy && time.Now().Before(deadline):
			time.Sleep(200 * time.Millisecond)
		case errors.As(err, &he):
			g.outcome = he.Result.Outcome
			if !sent.IsZero() {
				g.took = time.Since(sent)
			}
			return g
		default:
			t.Fatalf("guessing a password: %v", err)
			return g
		}
	}
}
