package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	ma "github.com/multiformats/go-multiaddr"
	msmux "github.com/multiformats/go-multistream"
	"github.com/ra-p2p/ra-p2p/p2p"
	"github.com/ra-p2p/ra-p2p/stream"
)

// Session is an accepted session, on either side. Its user interface reads
// Events until the channel closes, drives it with Send and Close, and
// channels (Channel) talk to the other side through OpenChannel and
// AcceptChannel.
type Session struct {
	PeerName string
	// SelfName is the name this side goes by: the helper's as the novice
	// sees it, the invitation's on the novice's side.
	SelfName string
	PeerID   peer.ID
	// Helper is true on the helper's computer, false on the novice's.
	Helper bool

	host     *p2p.Host
	prompter Prompter
	log      *slog.Logger
	ownsHost bool      // the helper's host lives only as long as its session
	channels []Channel // beyond chat; started again on every link
	resume   resumer   // how a lost connection comes back (resume.go)

	events   chan Event
	incoming map[protocol.ID]chan network.Stream // streams the other side opened, per channel

	closeOnce    sync.Once
	done         chan struct{} // closed when the session ends
	finished     chan struct{} // closed when its goroutines are gone and Events is closed
	wg           sync.WaitGroup
	hostGone     chan struct{} // closed once the connection (or the helper's host) is closed
	mu           sync.Mutex
	reason       string // why it ended, set once
	ended        bool   // end has run: no new link starts
	link         *link  // the current connection's streams (the last one while reconnecting)
	reconnecting bool
	unsent       []string // chat typed while reconnecting, sent once the session is back

	// chat delivery across links (channel.go)
	sendMu   sync.Mutex // held while a line is written
	chatMu   sync.Mutex
	lastSeq  uint64     // the number of the last line sent
	unacked  []sentLine // lines sent the other side has not acknowledged: sent again on a new link
	heardSeq uint64     // the highest numbered line shown from the other side

	// ctx ends with the session; each link's channels run under a child.
	ctx    context.Context
	cancel context.CancelFunc
}

// sessionParts is what either side hands newSession once the helper is
// accepted.
type sessionParts struct {
	host     *p2p.Host
	name     string // the other side's
	self     string // this side's
	peer     peer.ID
	helper   bool
	raw      network.Stream // the session stream
	ss       *stream.Session
	chatRaw  network.Stream // the chat stream, set up with the session
	channels []Channel
	prompter Prompter
	log      *slog.Logger
	resume   resumer
}

// newSession starts an accepted session: its status reader, the chat and
// every other channel, each on a goroutine the session owns.
func newSession(p sessionParts) *Session {
	s := &Session{
		PeerName: p.name, SelfName: p.self, PeerID: p.peer, Helper: p.helper, host: p.host,
		prompter: p.prompter, log: p.log, ownsHost: p.helper, channels: p.channels, resume: p.resume,
		events: make(chan Event, 64), incoming: map[protocol.ID]chan network.Stream{},
		done: make(chan struct{}), finished: make(chan struct{}), hostGone: make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for _, ch := range p.channels {
		s.incoming[protocol.ID(ch.Protocol())] = make(chan network.Stream, 4)
	}
	s.mu.Lock()
	l := s.newLinkLocked(linkParts{raw: p.raw, ss: p.ss, chatRaw: p.chatRaw})
	s.mu.Unlock()
	s.startLink(l)
	return s
}

// ErrNoSuchChannel is OpenChannel's error when the other side takes no
// streams of that channel: an older ra-p2p, or a build without it.
var ErrNoSuchChannel = errors.New("the other side's ra-p2p does not have this feature")

// OpenChannel opens a stream of protocol proto to the other side, over the
// session's direct connection only. It is reset when the session ends.
func (s *Session) OpenChannel(ctx context.Context, proto string) (io.ReadWriteCloser, error) {
	st, err := s.host.OpenStream(ctx, s.PeerID, protocol.ID(proto))
	if errors.Is(err, msmux.ErrNotSupported[protocol.ID]{}) {
		return nil, fmt.Errorf("%w (%s)", ErrNoSuchChannel, proto)
	}
	if err != nil {
		return nil, err
	}
	return s.wrap(st), nil
}

// AcceptChannel returns the next stream of proto that the other side
// opened; proto must be one of the session's channels. It fails when ctx
// or the session ends.
func (s *Session) AcceptChannel(ctx context.Context, proto string) (io.ReadWriteCloser, error) {
	in, ok := s.incoming[protocol.ID(proto)]
	if !ok {
		return nil, fmt.Errorf("accepting a %s stream: not a channel of this session", proto)
	}
	select {
	case st := <-in:
		return s.wrap(st), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.done:
		return nil, errors.New("accepting a stream: the session has ended")
	}
}

// ServeEach hands serve each stream of proto the other side opens, one at a
// time, until ctx or the session ends: the novice's half of a channel whose
// helper opens one stream at a time.
func (s *Session) ServeEach(ctx context.Context, proto string, serve func(io.ReadWriteCloser)) error {
	for {
		rw, err := s.AcceptChannel(ctx, proto)
		if err != nil {
			return nil // the session ended
		}
		serve(rw)
	}
}

// deliver hands a stream the other side opened to its channel; a stream of
// no channel, or one too many, is reset.
func (s *Session) deliver(st network.Stream) {
	select {
	case s.incoming[st.Protocol()] <- st: // a nil channel (unknown protocol) never takes it
	case <-s.done:
		st.Reset()
	default:
		s.log.Warn("refusing a stream no channel waits for", "protocol", st.Protocol())
		st.Reset()
	}
}

// wrap makes st a channel stream: reset when the session or its current
// link ends, Close idempotent.
func (s *Session) wrap(st network.Stream) *channelStream { return wrapIn(s.current().ctx, st) }

func wrapIn(ctx context.Context, st network.Stream) *channelStream {
	return &channelStream{Stream: st, stop: context.AfterFunc(ctx, func() { st.Reset() })}
}

// channelStream is a session stream handed to channel code.
type channelStream struct {
	network.Stream
	stop func() bool
	once sync.Once
}

func (c *channelStream) Close() error {
	var err error
	c.once.Do(func() {
		c.stop()
		err = c.Stream.Close()
	})
	return err
}

// Confirm asks this side's user a question (channels ask through it: "allow
// control?").
func (s *Session) Confirm(ctx context.Context, q Question) (bool, error) {
	if s.prompter == nil {
		return false, errors.New("nobody to ask")
	}
	return s.prompter.Confirm(ctx, q)
}

// Emit hands the user interface an event. Only goroutines the session owns
// (its channels) may call it; it blocks while the interface is behind,
// until the session ends.
func (s *Session) Emit(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	select {
	case s.events <- ev:
	case <-s.done:
		select {
		case s.events <- ev: // room left: still shown
		default:
		}
	}
}

// ConnInfo describes the connection the session runs over.
func (s *Session) ConnInfo() string {
	c := s.current().raw.Conn()
	return fmt.Sprintf("%s → %s", c.LocalMultiaddr(), c.RemoteMultiaddr())
}

// PathRTT is the least round trip the current connection's transport has
// measured (QUIC); 0 when it does not say (TCP). The screen's Automatic
// takes it as the floor of a path's delay.
func (s *Session) PathRTT() time.Duration { return p2p.MinRTT(s.current().raw.Conn()) }

// Datagrams are the current connection's unreliable messages, when it has
// them (a direct QUIC connection; ok false over TCP or a relay). One
// channel reads them: voice, whose packets must not wait behind a lost one.
// They belong to the connection of this moment: after the session resumes
// over a new one, a channel asks again.
func (s *Session) Datagrams() (d Datagrams, ok bool) {
	return p2p.DatagramsOf(s.current().raw.Conn())
}

// Datagrams are a connection's unreliable messages (p2p.Datagrams).
type Datagrams = p2p.Datagrams

// RemoteAddr is the multiaddr of the other side of the session connection.
func (s *Session) RemoteAddr() string { return s.current().raw.Conn().RemoteMultiaddr().String() }

// Relayed says whether the session runs through a relay of the user's own
// (chosen with --relay) instead of directly.
func (s *Session) Relayed() bool {
	_, err := s.current().raw.Conn().RemoteMultiaddr().ValueForProtocol(ma.P_CIRCUIT)
	return err == nil
}

// ConnectedText is the status line of an accepted session: "Connected to
// Alice", and "through your relay" when it is not direct.
func (s *Session) ConnectedText() string {
	if s.Relayed() {
		return "Connected to " + s.PeerName + " through your relay"
	}
	return "Connected to " + s.PeerName
}

// ConnectionText says how the session is connected, for the terminal and logs.
func (s *Session) ConnectionText() string {
	if s.Relayed() {
		return "Relayed connection (your relay): " + s.RemoteAddr()
	}
	return "Direct connection: " + s.RemoteAddr()
}

// Events delivers what happens in the session (chat lines, status changes,
// control) in order; it is closed when the session has ended and every
// channel has stopped (Reason says why it ended).
func (s *Session) Events() <-chan Event { return s.events }

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// Send sends a chat line. A line over stream.MaxChatRunes characters is
// refused (the other side would see it cut): the error says so. While the
// session is reconnecting the line waits and is sent once it is back
// (queueUnsent).
func (s *Session) Send(text string) error {
	select {
	case <-s.done:
		return errors.New("the session has ended")
	default:
	}
	if n := utf8.RuneCountInString(text); n > stream.MaxChatRunes {
		return fmt.Errorf("it is %d characters long, more than the %d a message may have; send it in parts", n, stream.MaxChatRunes)
	}
	l, queued, err := s.queueUnsent(text)
	if queued || err != nil {
		return err
	}
	if err := s.sendLine(l, text); err != nil {
		s.log.Info("sending chat; it goes again once the connection is back", "err", err)
	}
	return nil
}

// Close ends the session for both sides and waits for its goroutines.
func (s *Session) Close() {
	_ = s.current().ss.SendStatus(stream.Status{Event: stream.StatusBye})
	s.end("Disconnected from " + s.PeerName)
	<-s.finished
	<-s.hostGone
}

// end is idempotent: the first reason wins. Events is closed once every
// channel has stopped.
func (s *Session) end(reason string) {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.reason = reason
		s.ended = true
		l := s.link
		s.mu.Unlock()
		close(s.done)
		l.chat.rw.Close() // gracefully, before the reset below: a line just sent still arrives
		s.cancel()
		l.stopWatch()
		l.raw.Close()
		s.dropResumed()
		go func() {
			s.wg.Wait()
			close(s.events)
			close(s.finished)
		}()
		// Give the bye a moment to leave before the connection goes.
		go func() {
			defer close(s.hostGone)
			time.Sleep(200 * time.Millisecond)
			if s.ownsHost {
				s.host.Close()
			} else {
				s.host.ClosePeer(s.PeerID)
			}
		}()
	})
}

// readStatus reads link l's status stream; when it breaks without a bye
// the link is lost (resume.go).
func (s *Session) readStatus(l *link) {
	heard := false // the peer sends StatusAlive: its silence means a dead connection
	for {
		if heard {
			_ = l.raw.SetReadDeadline(time.Now().Add(silentAfter))
		}
		st, err := l.ss.ReceiveStatus()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.log.Debug("session stream ended", "err", err)
			}
			if errors.Is(err, io.EOF) { // closed on purpose: the other side ended it
				s.end("Disconnected from " + s.PeerName)
			} else {
				s.lost(l)
			}
			return
		}
		heard = heard || st.Event == stream.StatusAlive
		if st.Event == stream.StatusChatAck {
			s.acked(st.Seq)
			continue
		}
		if st.Event == stream.StatusBye {
			s.end("Disconnected from " + s.PeerName)
			return
		}
		if st.Text != "" { // the peer's words, never dressed as ours
			s.Emit(Event{Kind: EventStatus, Text: fmt.Sprintf("(%s's computer says: %s)", s.PeerName, st.Text)})
		}
	}
}

// Reason is why the session ended ("Disconnected from Alice"); "" while it runs.
func (s *Session) Reason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// Wait blocks until the session ends or ctx is cancelled (then it closes
// the session) and its goroutines are gone, and returns why it ended.
func (s *Session) Wait(ctx context.Context) string {
	select {
	case <-s.done:
	case <-ctx.Done():
		s.Close()
	}
	<-s.finished
	<-s.hostGone
	return s.Reason()
}
