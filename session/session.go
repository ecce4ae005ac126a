package session

import (
	"context"
	"errors"
	"fmt"
	ma "github.com/multiformats/go-multiaddr"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/ra-p2p/ra-p2p/p2p"
	"github.com/ra-p2p/ra-p2p/stream"
)

// Session is an accepted session, on either side. Run it, Send chat lines,
// read Events, and Close it (or watch Done) when it ends.
type Session struct {
	PeerName string
	PeerID   peer.ID

	host    *p2p.Host
	sess    *stream.Session
	sessRaw network.Stream
	chat    *stream.Chat
	chatRaw network.Stream
	events  chan Event
	log     *slog.Logger

	closeOnce sync.Once
	done      chan struct{}
	wg        sync.WaitGroup
	mu        sync.Mutex
	reason    string // why it ended, set once
	stopWatch func()
	ownsHost  bool // the helper's host lives only as long as its session

	// ctx ends with the session; channel handlers run under it.
	ctx    context.Context
	cancel context.CancelFunc
}

// ChannelHandler serves one extra stream of a session (screen, control,
// files…). It runs on its own goroutine, owned by the session; ctx ends when
// the session ends, and the stream is closed when the handler returns.
type ChannelHandler func(ctx context.Context, s *Session, rw io.ReadWriteCloser)

// OpenChannel opens another stream of this session to the other side, over
// the session's direct connection only.
func (s *Session) OpenChannel(ctx context.Context, proto string) (io.ReadWriteCloser, error) {
	st, err := s.host.OpenStream(ctx, s.PeerID, protocol.ID(proto))
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(s.ctx, func() { st.Reset() })
	return &channel{Stream: st, stop: stop}, nil
}

// serve runs handler for an incoming stream of this session.
func (s *Session) serve(handler ChannelHandler, st network.Stream) {
	select {
	case <-s.done:
		st.Reset()
		return
	default:
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		stop := context.AfterFunc(s.ctx, func() { st.Reset() })
		defer stop()
		handler(s.ctx, s, &channel{Stream: st})
		st.Close()
	}()
}

// channel is a session stream handed to channel code; Close is idempotent.
type channel struct {
	network.Stream
	stop func() bool
	once sync.Once
}

func (c *channel) Close() error {
	var err error
	c.once.Do(func() {
		if c.stop != nil {
			c.stop()
		}
		err = c.Stream.Close()
	})
	return err
}

// ConnInfo describes the connection the session runs over.
func (s *Session) ConnInfo() string {
	if s.sessRaw == nil {
		return ""
	}
	c := s.sessRaw.Conn()
	return fmt.Sprintf("%s → %s", c.LocalMultiaddr(), c.RemoteMultiaddr())
}

// RemoteAddr is the multiaddr of the other side of the session connection.
func (s *Session) RemoteAddr() string { return s.sessRaw.Conn().RemoteMultiaddr().String() }

// Relayed says whether the session runs through a relay of the user's own
// (chosen with --relay) instead of directly.
func (s *Session) Relayed() bool {
	_, err := s.sessRaw.Conn().RemoteMultiaddr().ValueForProtocol(ma.P_CIRCUIT)
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

func newSession(h *p2p.Host, name string, id peer.ID, raw network.Stream, ss *stream.Session, chatRaw network.Stream, logger *slog.Logger) *Session {
	s := &Session{
		PeerName: name, PeerID: id, host: h, sess: ss, sessRaw: raw,
		chat: stream.NewChat(chatRaw), chatRaw: chatRaw,
		events: make(chan Event, 64), log: logger, done: make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(2)
	go s.readStatus()
	go s.readChat()
	s.stopWatch = h.NotifyDisconnect(id, func() { go s.end("Disconnected from " + name) })
	return s
}

// Events delivers chat lines and status changes while the session runs.
// When Done is closed, the UI drains what is buffered and shows Reason.
func (s *Session) Events() <-chan Event { return s.events }

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// Send sends a chat line.
func (s *Session) Send(text string) error {
	select {
	case <-s.done:
		return errors.New("the session has ended")
	default:
	}
	return s.chat.Send(text, time.Now())
}

// Close ends the session for both sides and waits for its goroutines.
func (s *Session) Close() {
	_ = s.sess.SendStatus(stream.Status{Event: stream.StatusBye})
	s.end("Disconnected from " + s.PeerName)
	s.wg.Wait()
}

func (s *Session) emit(kind EventKind, text string) {
	select {
	case s.events <- Event{Kind: kind, Time: time.Now(), Text: text}:
	case <-s.done:
	}
}

// end is idempotent: the first reason wins.
func (s *Session) end(reason string) {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.reason = reason
		s.mu.Unlock()
		close(s.done)
		s.cancel()
		if s.stopWatch != nil {
			s.stopWatch()
		}
		s.chatRaw.Close()
		s.sessRaw.Close()
		// Give the bye a moment to leave before the connection goes.
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			time.Sleep(200 * time.Millisecond)
			if s.ownsHost {
				s.host.Close()
			} else {
				s.host.ClosePeer(s.PeerID)
			}
		}()
	})
}

func (s *Session) readStatus() {
	defer s.wg.Done()
	for {
		st, err := s.sess.ReceiveStatus()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.log.Debug("session stream ended", "err", err)
			}
			s.end("Disconnected from " + s.PeerName)
			return
		}
		if st.Event == stream.StatusBye {
			s.end("Disconnected from " + s.PeerName)
			return
		}
		if st.Text != "" {
			s.emit(EventStatus, st.Text)
		}
	}
}

func (s *Session) readChat() {
	defer s.wg.Done()
	for {
		m, err := s.chat.Receive()
		if err != nil {
			select {
			case <-s.done:
			default:
				s.log.Debug("chat stream ended", "err", err)
			}
			return
		}
		select {
		case s.events <- Event{Kind: EventChat, Time: time.Now(), From: s.PeerName, Text: m.Text}:
		case <-s.done:
			return
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
// the session), and returns why it ended.
func (s *Session) Wait(ctx context.Context) string {
	select {
	case <-s.done:
	case <-ctx.Done():
		s.Close()
	}
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}
