package session

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/ra-p2p/ra-p2p/invite"
	"github.com/ra-p2p/ra-p2p/stream"
)

// A session outlives its connection. Each connection carries a link: the
// session (status) stream, the chat stream and every channel's halves, run
// under a context of the link's own. When the connection drops (the
// host's disconnect notice, or the status stream breaking without a bye),
// the link is lost: its channels stop, both sides show "Reconnecting to
// Alice…", and for the grace period the helper redials the novice
// (p2p.Host.ConnectSession) and proves the session's resumption key
// (invite.ResumeKey, from the accepted handshake) on /ra-p2p/resume/1.0.0;
// the novice, still findable through its relay reservation and DHT record,
// answers only the helper it accepted. The new connection gets a new link:
// channels start again (the screen with a key frame, control view-only
// until granted again), and chat typed during the cut is sent once. After
// the grace period the session ends: "Disconnected from Alice".

// DefaultResumeGrace is how long a session waits for its connection to
// come back when the config says 0.
const DefaultResumeGrace = 60 * time.Second

// maxUnsent bounds the chat lines kept while reconnecting.
const maxUnsent = 100

// Attempts of the helper to reconnect: a dial started while the path was
// down hangs, so it is given up after resumeAttempt and a new one goes out
// (in the namespace test a whole attempt takes ~50 ms once the path is
// back). After slowAfter of failed attempts, every third one gets
// resumeSlowAttempt, for paths whose round trips are long (a cut shorter
// than slowAfter is then never waiting behind one). The novice pings its
// peers every novicePing meanwhile.
const (
	resumeAttempt     = time.Second
	resumeSlowAttempt = 4 * time.Second
	slowAfter         = 30 * time.Second
	novicePing        = 500 * time.Millisecond
)

// A connection can die without a word (a router's link down, a suspended
// laptop): each side sends StatusAlive every aliveEvery, and a peer that
// sent one and then stays silent for silentAfter has lost its connection.
const (
	aliveEvery  = time.Second
	silentAfter = 5 * time.Second
)

// linkParts are the streams a connection of a session starts with.
type linkParts struct {
	raw     network.Stream // the session stream: status events
	ss      *stream.Session
	chatRaw network.Stream
}

func (p linkParts) reset() {
	p.raw.Reset()
	p.chatRaw.Reset()
}

// link is the session over one connection.
type link struct {
	raw       network.Stream
	ss        *stream.Session
	chat      *chatChannel
	ctx       context.Context // ends when the link is lost or the session ends
	cancel    context.CancelFunc
	stopWatch func()
	wg        sync.WaitGroup // its status reader and channel halves
}

// resumer is one side's way back to the other after a lost connection.
type resumer interface {
	// grace is how long to try; < 0: a lost connection ends the session.
	grace() time.Duration
	// resume returns the streams of a new connection, false when ctx
	// (the grace period, or the session) ended first.
	resume(ctx context.Context, s *Session) (linkParts, bool)
}

func graceOr(d time.Duration) time.Duration {
	if d == 0 {
		return DefaultResumeGrace
	}
	return d
}

// current is the link the session runs over (the last one while
// reconnecting).
func (s *Session) current() *link {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.link
}

// newLinkLocked makes p the session's link and counts its goroutines,
// which startLink starts.
func (s *Session) newLinkLocked(p linkParts) *link {
	l := &link{raw: p.raw, ss: p.ss}
	l.ctx, l.cancel = context.WithCancel(s.ctx)
	l.chat = &chatChannel{conn: stream.NewChat(p.chatRaw), rw: wrapIn(l.ctx, p.chatRaw)}
	l.stopWatch = s.host.NotifyDisconnect(s.PeerID, func() { go s.lost(l) })
	s.link, s.reconnecting = l, false
	n := 3 + len(s.channels) // the status reader, the alive sender, chat, the channels
	s.wg.Add(n)
	l.wg.Add(n)
	return l
}

// startLink runs l's status reader, chat and every channel half.
func (s *Session) startLink(l *link) {
	run := func(f func()) {
		go func() {
			defer s.wg.Done()
			defer l.wg.Done()
			f()
		}()
	}
	run(func() { s.readStatus(l) })
	run(func() { sendAlive(l) })
	for _, ch := range append([]Channel{l.chat}, s.channels...) {
		run(func() {
			if err := ch.Run(l.ctx, s); err != nil && l.ctx.Err() == nil {
				s.log.Info("channel ended", "protocol", ch.Protocol(), "err", err)
			}
		})
	}
}

// lost is called when l's connection dropped: the session reconnects, or
// ends when it may not.
func (s *Session) lost(l *link) {
	s.mu.Lock()
	if s.ended || s.link != l || s.reconnecting {
		s.mu.Unlock()
		return
	}
	if s.resume == nil || s.resume.grace() < 0 {
		s.mu.Unlock()
		s.end("Disconnected from " + s.PeerName)
		return
	}
	s.reconnecting = true
	s.wg.Add(1)
	s.mu.Unlock()
	go s.reconnect(l)
}

// reconnect stops lost link l's channels and runs the side's resumer for
// the grace period: a new link, or the end of the session.
func (s *Session) reconnect(l *link) {
	defer s.wg.Done()
	l.stopWatch()
	l.cancel() // resets its streams: its channels stop
	l.raw.Reset()
	if c := l.raw.Conn(); !c.IsClosed() {
		// A silent connection libp2p still holds would be reused by the
		// redial: close it (only it; a relayed one to the peer may stay).
		_ = c.Close()
	}
	s.Emit(Event{Kind: EventProgress, Text: "Reconnecting to " + s.PeerName + "…"})
	l.wg.Wait()
	ctx, cancel := context.WithTimeout(s.ctx, s.resume.grace())
	p, ok := s.resume.resume(ctx, s)
	cancel()
	s.mu.Lock()
	if !ok || s.ended {
		ended, unsent := s.ended, len(s.unsent)
		s.unsent = nil
		s.mu.Unlock()
		if ok {
			p.reset()
		}
		if ended {
			return
		}
		if unsent > 0 {
			s.Emit(Event{Kind: EventStatus, Text: fmt.Sprintf("%d %s you typed while reconnecting could not be sent.", unsent, plural(unsent, "message", "messages"))})
		}
		s.chatMu.Lock()
		unacked := len(s.unacked)
		s.chatMu.Unlock()
		if unacked > 0 {
			s.Emit(Event{Kind: EventStatus, Text: fmt.Sprintf("%s may not have received your last %d %s.", s.PeerName, unacked, plural(unacked, "message", "messages"))})
		}
		s.end("Disconnected from " + s.PeerName)
		return
	}
	nl := s.newLinkLocked(p)
	unsent := s.unsent
	s.unsent = nil
	s.mu.Unlock()
	s.startLink(nl)
	err := s.resendUnacked(nl)
	for _, text := range unsent {
		if err != nil {
			break
		}
		err = s.sendLine(nl, text)
	}
	if err != nil {
		s.log.Info("sending chat again after reconnecting", "err", err)
	}
	s.log.Info("session resumed", "remote", nl.raw.Conn().RemoteMultiaddr().String())
	s.Emit(Event{Kind: EventProgress, Text: s.ConnectedText()})
}

// sendAlive tells the other side every aliveEvery that l still works.
func sendAlive(l *link) {
	t := time.NewTicker(aliveEvery)
	defer t.Stop()
	for {
		if err := l.ss.SendStatus(stream.Status{Event: stream.StatusAlive}); err != nil {
			return
		}
		select {
		case <-l.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// queueUnsent keeps a chat line typed while the session reconnects; when
// it is not, it returns the link to send it on.
func (s *Session) queueUnsent(text string) (l *link, queued bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.reconnecting {
		return s.link, false, nil
	}
	if len(s.unsent) >= maxUnsent {
		return nil, false, errors.New("the connection is not back yet; wait for it before sending more")
	}
	s.unsent = append(s.unsent, text)
	return nil, true, nil
}

// helperResume is the helper's way back: redial the novice, prove the
// resumption key, open a new chat stream.
type helperResume struct {
	d   time.Duration
	key []byte
	ai  peer.AddrInfo // where the novice was found; looked up again now and then
	inv *invite.Invitation
}

func (r *helperResume) grace() time.Duration { return r.d }

func (r *helperResume) resume(ctx context.Context, s *Session) (linkParts, bool) {
	start := time.Now()
	for attempt := 1; ; attempt++ {
		timeout := resumeAttempt
		if attempt%3 == 0 && time.Since(start) > slowAfter {
			timeout = resumeSlowAttempt
		}
		p, err := r.try(ctx, s, timeout)
		if err == nil {
			return p, true
		}
		if errors.Is(err, stream.ErrResumeRejected) {
			s.log.Info("the novice refused to resume the session", "err", err)
			return linkParts{}, false
		}
		s.log.Debug("resuming the session", "attempt", attempt, "err", err)
		if attempt%4 == 0 { // the novice's addresses may have changed
			fctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			if ai, err := s.host.FindProvider(fctx, r.inv.DiscoveryKey(), r.inv.PeerID); err == nil {
				r.ai = ai
			}
			cancel()
		}
		select {
		case <-ctx.Done():
			return linkParts{}, false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (r *helperResume) try(ctx context.Context, s *Session, timeout time.Duration) (linkParts, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s.host.ForgetDialFailures(s.PeerID)
	if s.host.DirectConn(s.PeerID) == nil {
		// A relayed connection left from before is stale; a fresh one
		// makes the novice's side start DCUtR again.
		s.host.ClosePeer(s.PeerID)
	}
	if _, err := s.host.ConnectSession(ctx, r.ai, timeout, nil); err != nil {
		return linkParts{}, fmt.Errorf("connecting: %w", err)
	}
	st, err := s.host.OpenStream(ctx, s.PeerID, stream.ResumeProtocol)
	if err != nil {
		return linkParts{}, fmt.Errorf("opening the resume stream: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { st.Reset() })
	ss, err := stream.ResumeHelper(st, func(nonce []byte) []byte {
		return invite.ResumeProof(r.key, s.PeerID, s.host.ID(), nonce)
	})
	if err != nil {
		st.Reset()
		return linkParts{}, err
	}
	chatRaw, err := s.host.OpenStream(ctx, s.PeerID, stream.ChatProtocol)
	if !stop() || err != nil {
		st.Reset()
		if chatRaw != nil {
			chatRaw.Reset()
		}
		return linkParts{}, fmt.Errorf("opening the chat stream: %w", errors.Join(err, ctx.Err()))
	}
	return linkParts{raw: st, ss: ss, chatRaw: chatRaw}, nil
}

// noviceResume is the novice's way back: wait for the accepted helper to
// prove the resumption key (Novice.handleResume).
type noviceResume struct {
	d   time.Duration
	key []byte
	in  chan linkParts // one resumed connection, from handleResume
}

func (r *noviceResume) grace() time.Duration { return r.d }

func (r *noviceResume) resume(ctx context.Context, s *Session) (linkParts, bool) {
	t := time.NewTicker(novicePing)
	defer t.Stop()
	for {
		// Keep the way in open: the relay reaches this computer again
		// only once it has sent something out (p2p.Host.PingPeers).
		pctx, cancel := context.WithTimeout(ctx, novicePing)
		s.host.PingPeers(pctx)
		cancel()
		select {
		case p := <-r.in:
			return p, true
		case <-ctx.Done():
			return linkParts{}, false
		case <-t.C:
		}
	}
}

// dropResumed resets a resumed connection nobody took (the session ended).
func (s *Session) dropResumed() {
	if r, ok := s.resume.(*noviceResume); ok {
		select {
		case p := <-r.in:
			p.reset()
		default:
		}
	}
}

// handleResume serves /ra-p2p/resume/1.0.0: only the helper the novice
// accepted, while its session runs, and only with a proof of the session's
// resumption key; anything else is noise (logged at most every 10 s).
func (n *Novice) handleResume(st network.Stream) {
	helper := st.Conn().RemotePeer()
	n.mu.Lock()
	sess := n.sess
	ok := sess != nil && helper == n.accepted
	n.mu.Unlock()
	var r *noviceResume
	if ok {
		r, ok = sess.resume.(*noviceResume)
	}
	select {
	case <-n.sessDone(sess):
		ok = false
	default:
	}
	if !ok {
		n.noise.log(n.log, "refusing a resume stream: no session of this peer to resume", "peer", helper)
		st.Reset()
		return
	}
	_ = st.SetDeadline(time.Now().Add(proofTimeout))
	nonce := make([]byte, stream.NonceSize)
	if _, err := rand.Read(nonce); err != nil {
		st.Reset()
		return
	}
	select { // a chat stream of an attempt that failed
	case old := <-n.chatCh:
		old.Reset()
	default:
	}
	ss, err := stream.ResumeNovice(st, nonce, func(mac []byte) bool {
		return hmac.Equal(mac, invite.ResumeProof(r.key, n.inv.PeerID, helper, nonce))
	})
	if err != nil {
		n.noise.log(n.log, "refused a session resumption", "peer", helper, "err", err)
		st.Reset()
		return
	}
	_ = st.SetDeadline(time.Time{})
	select {
	case chatRaw := <-n.chatCh:
		sess.takeResumed(r, linkParts{raw: st, ss: ss, chatRaw: chatRaw})
	case <-time.After(proofTimeout):
		n.log.Warn("resuming helper opened no chat stream", "peer", helper)
		st.Reset()
	}
}

func (n *Novice) sessDone(s *Session) <-chan struct{} {
	if s == nil {
		return nil
	}
	return s.done
}

// takeResumed hands the novice's session the streams of a resumed
// connection; a session that had not noticed its connection drop (a
// half-open one) takes its link as lost first.
func (s *Session) takeResumed(r *noviceResume, p linkParts) {
	s.lost(s.current())
	select {
	case r.in <- p:
	default:
		p.reset() // one is waiting already
	}
	select {
	case <-s.done:
		s.dropResumed()
	default:
	}
}

// endSession ends the accepted session, if any, with a bye: a novice that
// stops (Ctrl-C) just as a helper is accepted, before anyone took the
// session from Wait, must not leave its helper reconnecting.
func (n *Novice) endSession() {
	n.mu.Lock()
	accepted := n.accepted != ""
	n.mu.Unlock()
	if accepted { // its session is being set up: the helper's chat stream is on its way
		select {
		case <-n.sessSet:
		case <-time.After(2 * time.Second):
		}
	}
	n.mu.Lock()
	sess := n.sess
	n.mu.Unlock()
	if sess != nil {
		sess.Close()
	}
}
