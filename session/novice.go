package session

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/p2p"
	"github.com/ra-p2p/ra-p2p/p2p/portmap"
	"github.com/ra-p2p/ra-p2p/stream"
)

// Errors that end a novice's wait; the UI explains them (UserMessage).
var (
	ErrLocked  = errors.New("session: invitation locked after too many wrong passwords")
	ErrRevoked = errors.New("session: invitation revoked")
	ErrExpired = errors.New("session: invitation expired")
)

// NoviceConfig describes the novice's side: one invitation, waiting.
type NoviceConfig struct {
	Entry    *invite.Entry
	Store    invite.Store // consulted at every helper, so a revoke takes effect
	Prompter Prompter
	Progress func(Event)
	// Bootstrap overrides the invitation's list; both empty = public DHT.
	Bootstrap []peer.AddrInfo
	Listen    []string
	// Relays are the user's own relays (--relay): the novice reserves a
	// slot there, and a helper who chose the same relay may run the session
	// through it when no direct connection is possible.
	Relays []peer.AddrInfo
	// PortMapping asks the home router to forward a port (UPnP IGD,
	// NAT-PMP) and removes the forwarding when the invitation ends.
	PortMapping portmap.Method
	Logger      *slog.Logger
	// Channels are the novice's halves of the session's channels beyond
	// chat (sharing the screen, remote control…), started once a helper is
	// accepted; their streams are taken from the accepted helper only.
	Channels []Channel
	// DeclinePause is how long, after the novice declines a helper, every
	// new request on the invitation is refused (the helper is told why),
	// so a declined helper cannot ask again at once under another name
	// (0 = 2 minutes).
	DeclinePause time.Duration
	// ResumeGrace is how long an accepted session waits for its helper to
	// come back after the connection dropped (0 = DefaultResumeGrace,
	// negative = it ends at once).
	ResumeGrace time.Duration
}

// ErrStopInvitation is what a Prompter's Confirm returns for
// AskAcceptHelper when the novice chose "Decline and stop this
// invitation": the helper is declined and the invitation revoked.
var ErrStopInvitation = errors.New("session: the novice declined and stopped the invitation")

// ErrStopped ends the wait after the novice declined a helper and stopped
// the invitation (ErrStopInvitation); the invitation is revoked.
var ErrStopped = errors.New("session: invitation stopped by the novice")

// Novice is a novice's host waiting for its helper.
type Novice struct {
	cfg  NoviceConfig
	inv  *invite.Invitation
	host *p2p.Host
	log  *slog.Logger

	results chan noviceResult // the one accepted session, or why waiting ended

	noise noiseLog // what strangers do, rate-limited

	mu       sync.Mutex
	busy     bool            // a helper that proved the secret is in its handshake or session
	pending  map[peer.ID]int // session streams per peer without a proof yet
	wrong    int             // wrong passwords counted in this run
	declined time.Time       // when the novice last declined a helper
	accepted peer.ID         // the helper whose chat stream is expected
	chatCh   chan network.Stream
	sess     *Session      // the accepted session, once it exists
	sessSet  chan struct{} // closed when sess is set

	cancelProvide context.CancelFunc
	closeOnce     sync.Once
}

type noviceResult struct {
	sess *Session
	err  error
}

// StartNovice brings the novice's host up: joins the network, gets a relay
// reservation so a helper can reach it, and announces the invitation's
// discovery key. It returns when the novice can be found.
func StartNovice(ctx context.Context, cfg NoviceConfig) (*Novice, error) {
	inv := cfg.Entry.Invitation
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	bootstrap, err := BootstrapPeers(cfg.Bootstrap, inv.Bootstrap)
	if err != nil {
		return nil, fail(err, "The invitation's list of bootstrap peers is unusable; make a new invitation.")
	}
	h, err := p2p.New(p2p.Config{Identity: cfg.Entry.Key, Listen: cfg.Listen, Bootstrap: bootstrap, Reachable: true, Logger: logger, Relays: cfg.Relays, PortMapping: cfg.PortMapping,
		// A birthday punch only for whoever holds this invitation.
		PunchAllowed: func(remote peer.ID, nonce, proof []byte) bool {
			return hmac.Equal(proof, invite.PunchProof(inv.Secret, inv.PeerID, remote, nonce))
		}})
	if err != nil {
		return nil, fail(err, "Could not start networking: "+err.Error()+".")
	}
	n := &Novice{cfg: cfg, inv: inv, host: h, log: logger, results: make(chan noviceResult, 1),
		chatCh: make(chan network.Stream, 1), sessSet: make(chan struct{}), pending: make(map[peer.ID]int)}
	n.progress("Joining the network…")
	bctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	err = h.Bootstrap(bctx)
	cancel()
	if err != nil {
		h.Close()
		return nil, fail(err, "Could not reach the peer-to-peer network (no bootstrap peer answered). Check your internet connection and try again.")
	}
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	if err := h.WaitRelayAddr(rctx); err != nil {
		logger.Warn("no relay reservation yet; helpers behind a router may not reach this computer", "err", err)
	} else if err := h.WaitHolePunchReady(rctx); err != nil {
		// A helper that arrives before DCUtR serves gets no hole punch:
		// libp2p starts it only after it has seen a public address.
		logger.Warn("hole punching is not ready; a helper behind a router may not connect directly", "err", err)
	}
	cancel()
	h.Handle(stream.SessionProtocol, n.handleSession)
	h.Handle(stream.ChatProtocol, n.handleChat)
	h.Handle(stream.ResumeProtocol, n.handleResume)
	for _, ch := range cfg.Channels {
		h.Handle(protocol.ID(ch.Protocol()), n.handleChannel)
	}
	pctx, cancelProvide := context.WithCancel(context.Background())
	n.cancelProvide = cancelProvide
	actx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = h.Provide(actx, inv.DiscoveryKey(), 10*time.Minute)
	cancel()
	if err != nil {
		n.Close()
		return nil, fail(err, "Could not announce this computer on the network. Check your internet connection and try again.")
	}
	// Keep re-announcing on the long-lived context (provider records expire).
	go func() { _ = h.Provide(pctx, inv.DiscoveryKey(), 10*time.Minute) }()
	return n, nil
}

func (n *Novice) progress(text string) { n.emit(EventProgress, text) }

// status adds a line to the history without changing the status line.
func (n *Novice) status(text string) { n.emit(EventStatus, text) }

func (n *Novice) emit(kind EventKind, text string) {
	if n.cfg.Progress != nil {
		n.cfg.Progress(Event{Kind: kind, Time: time.Now(), Text: text})
	}
}

// PeerID is the novice's peer ID (the invitation's).
func (n *Novice) PeerID() peer.ID { return n.host.ID() }

// Wait blocks until a helper is accepted (its session is returned), the
// invitation expires, is revoked or locked, or ctx ends.
func (n *Novice) Wait(ctx context.Context) (*Session, error) {
	expiry := time.NewTimer(time.Until(n.inv.Expires))
	defer expiry.Stop()
	select {
	case r := <-n.results:
		return r.sess, r.err
	case <-expiry.C:
		return nil, fail(ErrExpired, "The invitation has expired, so no helper can use it any more. Make a new one with `ra-p2p invite`.")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops announcing and closes the host (and any session over it).
func (n *Novice) Close() {
	n.closeOnce.Do(func() {
		n.endSession()
		if n.cancelProvide != nil {
			n.cancelProvide()
		}
		n.host.Close()
	})
}

func (n *Novice) finish(r noviceResult) {
	select {
	case n.results <- r:
	default: // a result is already waiting; the first one wins
	}
}

// Limits for peers that have not proved the invitation secret, strangers
// until they do. A stranger's stream never holds the one "busy" slot: only a
// helper that proved the secret takes it (Admit). Its hello and first proof
// must arrive within proofTimeout, and one peer may have maxPendingPerPeer
// such streams open at a time. Per IP address, libp2p's resource manager (on
// by default) already caps connections, 8 per IPv4 address or IPv6 /56, and
// their rate, so one address holds at most 16 streams that prove nothing.
const (
	proofTimeout      = 10 * time.Second
	maxPendingPerPeer = 2
	// retypeTimeout bounds a helper that proved the secret and types its
	// password again after a wrong one.
	retypeTimeout = 2 * time.Minute
	// wrongPasswordDelay is the pause before the answer to the first wrong
	// password of an invitation; it doubles with each one counted.
	wrongPasswordDelay = time.Second
	// defaultDeclinePause is NoviceConfig.DeclinePause's zero value: long
	// enough that asking again needs a word with the novice first.
	defaultDeclinePause = 2 * time.Minute
)

func (n *Novice) handleSession(s network.Stream) {
	helper := s.Conn().RemotePeer()
	if !n.enterPending(helper) {
		n.noise.log(n.log, "refusing a session stream: this peer already has handshakes open without a proof", "peer", helper)
		s.Reset()
		return
	}
	pending, slot := true, false
	leavePending := func() {
		if pending {
			n.leavePending(helper)
			pending = false
		}
	}
	keepSlot := false // the session starts: the slot stays taken
	defer func() {
		leavePending()
		if slot && !keepSlot {
			n.mu.Lock()
			n.busy = false
			n.mu.Unlock()
		}
	}()

	refuse := stream.Outcome("")
	var refuseErr error
	entry, err := n.cfg.Store.Load(n.inv.ID())
	switch {
	case err != nil && !errors.Is(err, invite.ErrNotFound):
		n.log.Warn("reading the invitation store", "err", err)
	case err == nil && entry.Revoked:
		refuse, refuseErr = stream.OutcomeRevoked, fail(ErrRevoked, "A helper tried to use this invitation, but it was revoked, so they were turned away.")
	case err == nil && entry.Locked:
		refuse, refuseErr = stream.OutcomeLocked, errLocked()
	case time.Now().After(n.inv.Expires):
		refuse = stream.OutcomeRevoked
	}
	_ = s.SetDeadline(time.Now().Add(proofTimeout)) // a stranger that never proves anything
	nonce := make([]byte, stream.NonceSize)
	if _, err := rand.Read(nonce); err != nil {
		s.Reset()
		return
	}
	proven := false                    // the helper proved the secret
	stop := false                      // the novice declined and stopped the invitation
	admitRefused := stream.Outcome("") // what Admit answered instead of a challenge loop
	hello, ss, err := stream.NoviceHandshake(s, stream.NoviceConfig{
		Challenge: stream.Challenge{Name: n.inv.Name, Nonce: nonce, PasswordRequired: n.inv.Password != nil, Caps: []string{"chat"}},
		Refuse:    refuse,
		VerifySecret: func(mac []byte) bool {
			return invite.VerifySecretProof(n.inv.Secret, n.inv.PeerID, helper, nonce, mac)
		},
		Verify: func(mac []byte) bool {
			return invite.VerifyProof(n.inv.Secret, n.cfg.Entry.PasswordKey, n.inv.PeerID, helper, nonce, mac)
		},
		Admit: func() (int, stream.Outcome) {
			proven = true
			leavePending()
			n.mu.Lock()
			busy := n.busy
			pause := !n.declined.IsZero() && time.Since(n.declined) < cmp.Or(n.cfg.DeclinePause, defaultDeclinePause)
			if !busy && !pause {
				n.busy = true
			}
			n.mu.Unlock()
			switch {
			case pause: // first: the declined helper may still hold the slot
				admitRefused = stream.OutcomeDeclinedRecently
				return 0, admitRefused
			case busy:
				admitRefused = stream.OutcomeBusy
				return 0, admitRefused
			}
			slot = true
			_ = s.SetDeadline(time.Now().Add(retypeTimeout))
			left := invite.MaxWrongPasswords - n.wrongPasswords()
			if left <= 0 {
				admitRefused = stream.OutcomeLocked
			}
			return left, admitRefused
		},
		WrongPassword: func(left int) {
			count := n.countWrongPassword()
			if left > 0 {
				n.progress(fmt.Sprintf("Someone typed a wrong password for this invitation (%d %s left).", left, plural(left, "try", "tries")))
				time.Sleep(wrongPasswordDelay << (min(count, 8) - 1)) // each guess waits longer
			}
		},
		Decide: func(h stream.Hello) bool {
			_ = s.SetDeadline(time.Time{}) // the user may take their time
			q := Question{Kind: AskAcceptHelper, Peer: h.Name, Code: invite.VerificationCode(n.inv.Secret, n.inv.PeerID, helper)}
			for _, ch := range n.cfg.Channels {
				q.Screen = q.Screen || ch.Protocol() == stream.ScreenProtocol
			}
			ok, err := n.cfg.Prompter.Confirm(context.Background(), q)
			_ = s.SetDeadline(time.Now().Add(time.Minute))
			stop = errors.Is(err, ErrStopInvitation)
			if err != nil || !ok {
				// Before "declined" goes out: whoever asks next is refused.
				n.mu.Lock()
				n.declined = time.Now()
				n.mu.Unlock()
				return false
			}
			// Expect this helper's chat stream before "accepted" goes out:
			// the helper opens it as soon as it reads that answer.
			n.mu.Lock()
			n.accepted = helper
			n.mu.Unlock()
			return true
		},
	})
	switch {
	case refuseErr != nil:
		lingerClose(s)
		n.finish(noviceResult{err: refuseErr})
		return
	case refuse != "": // expired: the helper was told, the wait ends by itself
		s.Close()
		return
	case errors.Is(err, stream.ErrAttemptsExhausted):
		lingerClose(s)
		if lerr := n.cfg.Store.Lock(n.inv.ID()); lerr != nil {
			n.log.Warn("locking the invitation", "err", lerr)
		}
		n.finish(noviceResult{err: fail(ErrLocked, "Someone typed the wrong password 3 times, so this invitation is now locked. Make a new one with `ra-p2p invite`.")})
		return
	case admitRefused == stream.OutcomeLocked:
		lingerClose(s)
		n.finish(noviceResult{err: errLocked()})
		return
	case errors.Is(err, stream.ErrProofRejected) && !proven:
		// Not a wrong password: a peer without the secret. Noise, never
		// counted, never shown to the user.
		n.noise.log(n.log, "refused a proof from a peer without the invitation secret", "peer", helper)
		s.Close()
		return
	case admitRefused == stream.OutcomeBusy:
		n.log.Info("refused a second helper while another one is being helped", "peer", helper)
		s.Close()
		return
	case admitRefused == stream.OutcomeDeclinedRecently:
		s.Close()
		n.status(hello.Name + " asked right after you declined; they were told to wait a few minutes.")
		return
	case stop:
		lingerClose(s)
		if rerr := n.cfg.Store.Revoke(n.inv.ID()); rerr != nil {
			n.log.Warn("revoking the invitation", "err", rerr)
		}
		n.finish(noviceResult{err: fail(ErrStopped, "You declined "+hello.Name+" and stopped this invitation, so no one can use it any more. Make a new one with `ra-p2p invite` when you want help.")})
		return
	}
	if err != nil || ss == nil {
		n.mu.Lock()
		if n.accepted == helper {
			n.accepted = "" // accepted, but "accepted" never reached it
		}
		n.mu.Unlock()
		switch {
		case err != nil && !proven:
			n.noise.log(n.log, "session handshake without a proof ended", "peer", helper, "err", err)
			s.Reset()
		case err != nil:
			n.log.Info("helper handshake ended", "peer", helper, "err", err)
			s.Reset()
		default:
			s.Close()
			n.progress("You declined " + hello.Name + ". Still waiting for your helper…")
		}
		return
	}
	_ = s.SetDeadline(time.Time{})
	select {
	case chatRaw := <-n.chatCh:
		sess := newSession(sessionParts{host: n.host, name: hello.Name, self: stream.CleanName(n.inv.Name), peer: helper, raw: s, ss: ss, chatRaw: chatRaw,
			channels: n.cfg.Channels, prompter: n.cfg.Prompter, log: n.log,
			resume: &noviceResume{d: graceOr(n.cfg.ResumeGrace), key: invite.ResumeKey(n.inv.Secret, n.inv.PeerID, helper, nonce), in: make(chan linkParts, 1)}})
		n.mu.Lock()
		n.sess = sess
		close(n.sessSet)
		n.mu.Unlock()
		keepSlot = true
		n.finish(noviceResult{sess: sess})
	case <-time.After(15 * time.Second):
		n.log.Warn("accepted helper opened no chat stream", "peer", helper)
		s.Reset()
		n.mu.Lock()
		n.accepted = ""
		n.mu.Unlock()
	}
}

// errLocked ends the wait of an invitation found locked in the store.
func errLocked() error {
	return fail(ErrLocked, "This invitation is locked after too many wrong passwords. Make a new one with `ra-p2p invite`.")
}

// enterPending counts a session stream of p that has not proved the secret
// yet; false when p already has maxPendingPerPeer of them.
func (n *Novice) enterPending(p peer.ID) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.pending[p] >= maxPendingPerPeer {
		return false
	}
	n.pending[p]++
	return true
}

func (n *Novice) leavePending(p peer.ID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.pending[p]--; n.pending[p] <= 0 {
		delete(n.pending, p)
	}
}

// wrongPasswords is how many wrong passwords count against the invitation:
// the store's count (kept across restarts), or this run's when the store
// could not be written.
func (n *Novice) wrongPasswords() int {
	n.mu.Lock()
	count := n.wrong
	n.mu.Unlock()
	e, err := n.cfg.Store.Load(n.inv.ID())
	switch {
	case err == nil && e.Locked:
		return invite.MaxWrongPasswords
	case err == nil:
		return max(count, e.WrongPasswords)
	case !errors.Is(err, invite.ErrNotFound):
		n.log.Warn("reading the invitation store", "err", err)
	}
	return count
}

// countWrongPassword counts one more wrong password, in the store and in
// this run, and returns the count.
func (n *Novice) countWrongPassword() int {
	n.mu.Lock()
	n.wrong++
	count := n.wrong
	n.mu.Unlock()
	stored, err := n.cfg.Store.WrongPassword(n.inv.ID())
	if err != nil {
		n.log.Warn("counting a wrong password in the invitation store", "err", err)
	}
	return max(count, stored)
}

func (n *Novice) handleChat(s network.Stream) {
	n.mu.Lock()
	ok := n.accepted != "" && s.Conn().RemotePeer() == n.accepted
	n.mu.Unlock()
	if !ok {
		n.log.Warn("refusing chat stream from a peer that is not the accepted helper", "peer", s.Conn().RemotePeer())
		s.Reset()
		return
	}
	select {
	case n.chatCh <- s:
	default:
		s.Reset() // a second chat stream: one is enough
	}
}

// handleChannel takes a channel's stream only from the accepted helper,
// once the session exists (the helper may open it a moment before the
// novice's side has finished setting the session up).
func (n *Novice) handleChannel(st network.Stream) {
	n.mu.Lock()
	ok := n.accepted != "" && st.Conn().RemotePeer() == n.accepted
	n.mu.Unlock()
	if !ok {
		n.log.Warn("refusing stream from a peer that is not the accepted helper", "protocol", st.Protocol(), "peer", st.Conn().RemotePeer())
		st.Reset()
		return
	}
	select {
	case <-n.sessSet:
	case <-time.After(10 * time.Second):
		st.Reset()
		return
	}
	n.mu.Lock()
	sess := n.sess
	n.mu.Unlock()
	sess.deliver(st)
}

// lingerClose closes a stream whose last message must reach the helper even
// though this process is about to stop (revoked, locked): it waits, briefly,
// for the helper to read it and hang up, since closing the connection at
// once can drop data still in flight.
func lingerClose(s network.Stream) {
	_ = s.CloseWrite()
	_ = s.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, _ = io.Copy(io.Discard, s)
	_ = s.Close()
}
