package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/p2p"
	"github.com/ra-p2p/ra-p2p/p2p/portmap"
	"github.com/ra-p2p/ra-p2p/stream"
)

// AppVersion is sent in hellos for diagnostics.
const AppVersion = "ra-p2p/0.1"

// HelpConfig describes the helper's side of one session.
type HelpConfig struct {
	Invitation *invite.Invitation
	Name       string // the helper's name as the novice will see it
	// AskName asks the helper for Name first (AskName, Name offered) in
	// RunHelper, and hands the answer to RememberName (may be nil) so it is
	// asked once. False: Name as it is.
	AskName      bool
	RememberName func(name string)
	Prompter     Prompter
	// Progress receives steps on the way; may be nil.
	Progress func(Event)
	// Bootstrap overrides the invitation's bootstrap list; both empty = public DHT.
	Bootstrap []peer.AddrInfo
	Listen    []string
	// Relays are the user's own relays (--relay): used for the session only
	// when no direct connection can be made, and then said so.
	Relays []peer.AddrInfo
	// PortMapping asks the home router to forward a port (UPnP IGD,
	// NAT-PMP) and removes the forwarding when the session ends.
	PortMapping portmap.Method
	// FindTimeout bounds the DHT lookup (0 = 20 s).
	FindTimeout time.Duration
	// ConnectTimeout bounds making a direct connection once found (0 = 20 s).
	ConnectTimeout time.Duration
	Logger         *slog.Logger
	// Channels are the helper's halves of the session's channels beyond
	// chat (the screen view, remote control…), started once the novice
	// accepts.
	Channels []Channel
	// ResumeGrace is how long a session tries to reconnect after its
	// connection dropped (0 = DefaultResumeGrace, negative = it ends at once).
	ResumeGrace time.Duration
}

// Help finds the novice of cfg.Invitation, connects directly, proves the
// invitation (and password) and waits for the novice to accept. Every error
// it returns is a *Failure with a plain sentence.
func Help(ctx context.Context, cfg HelpConfig) (*Session, error) {
	inv := cfg.Invitation
	name := stream.CleanName(inv.Name)
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	progress := func(text string) {
		if cfg.Progress != nil {
			cfg.Progress(Event{Kind: EventProgress, Time: time.Now(), Text: text})
		}
	}
	var pwKey []byte
	if inv.Password != nil {
		var err error
		if pwKey, err = askPassword(ctx, cfg.Prompter, inv, Question{Kind: AskPassword, Peer: name}); err != nil {
			return nil, err
		}
	}
	bootstrap, err := BootstrapPeers(cfg.Bootstrap, inv.Bootstrap)
	if err != nil {
		return nil, fail(err, "The invitation's list of bootstrap peers is unusable. Ask "+name+" for a new invitation.")
	}
	key, _, err := crypto.GenerateEd25519Key(nil)
	if err != nil {
		return nil, fmt.Errorf("making a session key: %w", err)
	}
	self, err := peer.IDFromPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	h, err := p2p.New(p2p.Config{Identity: key, Listen: cfg.Listen, Bootstrap: bootstrap, Logger: logger, Relays: cfg.Relays, PortMapping: cfg.PortMapping,
		PunchProof: func(remote peer.ID, nonce []byte) []byte {
			return invite.PunchProof(inv.Secret, remote, self, nonce)
		}})
	if err != nil {
		return nil, fail(err, "Could not start networking: "+err.Error()+".")
	}
	ok := false
	defer func() {
		if !ok {
			h.Close()
		}
	}()

	progress("Joining the network…")
	bctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = h.Bootstrap(bctx)
	cancel()
	if err != nil {
		return nil, fail(err, "Could not reach the peer-to-peer network (no bootstrap peer answered). Check your internet connection and try again.")
	}
	// DCUtR is only served once we know a public address of ours; a lookup
	// before that dials the novice too early (RECIPES.md A).
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	if err := h.WaitHolePunchReady(wctx); err != nil {
		logger.Warn("no public address seen yet; hole punching may fail", "err", err)
	}
	cancel()

	progress("Looking for " + name + "'s computer…")
	findTimeout := cfg.FindTimeout
	if findTimeout <= 0 {
		findTimeout = 20 * time.Second
	}
	fctx, cancel := context.WithTimeout(ctx, findTimeout)
	ai, err := h.FindProvider(fctx, inv.DiscoveryKey(), inv.PeerID)
	cancel()
	notRunning := fmt.Sprintf("Could not find %s's computer; is `ra-p2p invite` still running there? Ask %s to start it again with `ra-p2p invite --resume`.", name, name)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fail(ctx.Err(), "Stopped.")
		}
		return nil, fail(err, notRunning)
	}

	progress("Found " + name + "'s computer; connecting directly…")
	conn, err := h.ConnectSession(ctx, ai, cfg.ConnectTimeout, func() {
		progress("A direct connection is not possible; connecting through your relay…")
	})
	relayRefused := "" // the message when the novice refuses a relayed session
	if conn.Relayed() {
		relayRefused = explainNoDirect(conn.NoDirect, name) + " " + name + "'s computer did not accept a session through your relay (" + name + " must start ra-p2p invite with the same --relay)."
	}
	var noDirect *p2p.NoDirectError
	switch {
	case err == nil:
	case errors.As(err, &noDirect) && noDirect.Relay != nil:
		return nil, fail(err, explainNoDirect(noDirect, name)+" Your relay could not reach "+name+"'s computer either ("+name+" must start ra-p2p invite with the same --relay).")
	case errors.As(err, &noDirect):
		return nil, fail(err, explainNoDirect(noDirect, name))
	case ctx.Err() != nil:
		return nil, fail(ctx.Err(), "Stopped.")
	default:
		return nil, fail(err, notRunning)
	}
	logger.Info("session connection", "remote", conn.RemoteMultiaddr().String())

	s, err := h.OpenStream(ctx, inv.PeerID, stream.SessionProtocol)
	if err != nil && relayRefused != "" {
		return nil, fail(err, relayRefused)
	}
	if err != nil {
		return nil, fail(err, "The connection to "+name+"'s computer broke. Try again.")
	}
	stopOnCancel := context.AfterFunc(ctx, func() { s.Reset() })
	defer stopOnCancel()
	ch, ss, err := stream.HelperHandshake(s, stream.HelperConfig{
		Hello: stream.Hello{Name: cfg.Name, App: AppVersion, Caps: []string{"chat"}},
		Prove: func(ch stream.Challenge, attempt, left int) (stream.Proof, error) {
			if attempt > 1 {
				k, err := askPassword(ctx, cfg.Prompter, inv, Question{Kind: AskPassword, Peer: name, Left: left})
				if err != nil {
					return stream.Proof{}, err
				}
				pwKey = k
			}
			return stream.Proof{
				MAC:       invite.Proof(inv.Secret, pwKey, inv.PeerID, h.ID(), ch.Nonce),
				SecretMAC: invite.SecretProof(inv.Secret, inv.PeerID, h.ID(), ch.Nonce),
			}, nil
		},
		Asking: func() {
			progress("Waiting for " + name + " to accept…")
			if cfg.Progress != nil { // a line of the history, beside the short status line
				cfg.Progress(Event{Kind: EventStatus, Time: time.Now(),
					Text: "Your code, if " + name + " asks: " + invite.VerificationCode(inv.Secret, inv.PeerID, h.ID()) + "."})
			}
		},
	})
	if err != nil {
		s.Reset()
		var he *stream.HelperError
		var f *Failure
		switch {
		case errors.As(err, &f):
			return nil, err
		case errors.As(err, &he):
			return nil, fail(err, refusalMessage(he.Result.Outcome, name))
		case ctx.Err() != nil:
			return nil, fail(err, "Stopped.")
		case relayRefused != "":
			return nil, fail(err, relayRefused)
		default:
			return nil, fail(err, "The connection to "+name+"'s computer broke during the greeting. Try again.")
		}
	}
	if n := stream.CleanName(ch.Name); n != "" && n != name {
		logger.Info("novice calls itself differently from the invitation", "invitation", name, "hello", n)
	}
	chatRaw, err := h.OpenStream(ctx, inv.PeerID, stream.ChatProtocol)
	if err != nil {
		s.Reset()
		return nil, fail(err, "The connection to "+name+"'s computer broke. Try again.")
	}
	ok = true
	sess := newSession(sessionParts{host: h, name: name, self: stream.CleanName(cfg.Name), peer: inv.PeerID, helper: true, raw: s, ss: ss, chatRaw: chatRaw,
		channels: cfg.Channels, prompter: cfg.Prompter, log: logger,
		resume: &helperResume{d: graceOr(cfg.ResumeGrace), key: invite.ResumeKey(inv.Secret, inv.PeerID, h.ID(), ch.Nonce), ai: ai, inv: inv}})
	for _, ch := range cfg.Channels {
		h.Handle(protocol.ID(ch.Protocol()), func(st network.Stream) {
			if st.Conn().RemotePeer() != inv.PeerID {
				st.Reset()
				return
			}
			sess.deliver(st)
		})
	}
	return sess, nil
}

// explainNoDirect says in a sentence why no direct connection was made,
// and what may help.
func explainNoDirect(why *p2p.NoDirectError, name string) string {
	theirs, ours := why.Peer.Mapping, why.OurMapping
	const advice = " Switching on UPnP or NAT-PMP in either router's settings, or trying from another network (a phone's hotspot, for example), usually helps; \"ra-p2p check\" tells what a network allows."
	switch {
	case why.BothIPv6():
		// IPv6 needs no port mapping: only a firewall can have stopped it.
		return "A direct connection to " + name + "'s computer could not be made, not even over IPv6; a firewall on either side may block it." + advice
	case theirs == p2p.MappingChangesPorts && ours == p2p.MappingChangesPorts:
		return "Both your router and " + name + "'s router change ports for every connection, so a direct connection could not be made." + advice
	case theirs == p2p.MappingChangesPorts:
		return name + "'s router changes ports for every connection, so a direct connection could not be made." + advice
	case ours == p2p.MappingChangesPorts:
		return "Your router changes ports for every connection, so a direct connection could not be made." + advice
	default:
		return "A direct connection to " + name + "'s computer could not be made; a firewall on either side may block it." + advice
	}
}

func refusalMessage(o stream.Outcome, name string) string {
	switch o {
	case stream.OutcomeDeclined:
		return name + " declined the connection."
	case stream.OutcomeLocked:
		return "The password was wrong too many times, so " + name + "'s invitation is now locked. Ask " + name + " for a new invitation."
	case stream.OutcomeRevoked:
		return name + " revoked this invitation. Ask " + name + " for a new one."
	case stream.OutcomeDeclinedRecently:
		return name + " declined a request a moment ago, so " + name + "'s computer takes no new request for a few minutes. Talk to " + name + " (by phone, for example) before you try again."
	case stream.OutcomeBusy:
		return name + " is already being helped by someone else. Try again later."
	case stream.OutcomeRejected:
		return name + "'s computer did not accept this invitation. Ask " + name + " for a new one."
	default:
		return name + "'s computer refused the session (" + string(o) + ")."
	}
}

func askPassword(ctx context.Context, p Prompter, inv *invite.Invitation, q Question) ([]byte, error) {
	if p == nil {
		return nil, fail(errors.New("no prompter"), "This invitation needs a password; set RA_P2P_PASSWORD or run interactively.")
	}
	pw, err := p.Password(ctx, q)
	if err != nil {
		return nil, fail(err, "No password was given, so the session was not started.")
	}
	if pw == "" {
		return nil, fail(errors.New("empty password"), "No password was given, so the session was not started.")
	}
	k, err := inv.PasswordKey(pw)
	if err != nil {
		return nil, fmt.Errorf("deriving the password key: %w", err)
	}
	return k, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
