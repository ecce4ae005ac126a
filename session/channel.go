package session

import (
	"context"
	"errors"
	"io"
	"slices"
	"time"

	"github.com/ra-p2p/ra-p2p/stream"
)

// Channel is one kind of a session's streams (chat, the screen, remote
// control; files and voice next): one protocol, with a novice half and a
// helper half of the same shape. The session starts every channel of its
// side once the helper is accepted, each on a goroutine it owns, and stops
// it by ending ctx; the user interface drives a channel through the
// channel's own methods and hears from it through the session's Events.
type Channel interface {
	// Protocol is the libp2p protocol of the channel's streams. The session
	// takes streams of it only from the other side of this session, over
	// its direct connection.
	Protocol() string
	// Run runs this side's half for session s until ctx ends (the session
	// ended) or the half is done. It opens streams with s.OpenChannel,
	// takes the other side's with s.AcceptChannel, asks the user with
	// s.Confirm and reports with s.Emit. Every goroutine it starts ends
	// before it returns.
	Run(ctx context.Context, s *Session) error
}

// chatChannel is the chat, both halves. Its stream is set up with the
// session itself (the novice takes the helper's chat stream as the sign
// that "accepted" arrived), so Send works from the first moment.
type chatChannel struct {
	conn *stream.Chat
	rw   io.ReadWriteCloser // closed gracefully when the session ends
}

func (c *chatChannel) Protocol() string { return stream.ChatProtocol }

// Run shows the other side's chat lines until the stream ends, each
// numbered line once, and acknowledges them.
func (c *chatChannel) Run(ctx context.Context, s *Session) error {
	defer c.rw.Close()
	for {
		m, err := c.conn.Receive()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if m.Seq != 0 && !s.heard(m.Seq) {
			continue // shown already: its acknowledgement was lost with a connection
		}
		s.Emit(Event{Kind: EventChat, From: s.PeerName, Text: m.Text})
	}
}

// sentLine is a chat line sent and not yet acknowledged.
type sentLine struct {
	seq  uint64
	text string
}

// maxUnacked bounds the lines kept for sending again (an older peer never
// acknowledges any).
const maxUnacked = 200

// sendLine numbers text, keeps it until the other side acknowledges it and
// sends it on l. An error is l's: the line goes again on the next link.
func (s *Session) sendLine(l *link, text string) error {
	s.sendMu.Lock() // lines go out in the order of their numbers
	defer s.sendMu.Unlock()
	s.chatMu.Lock()
	s.lastSeq++
	seq := s.lastSeq
	s.unacked = append(s.unacked, sentLine{seq: seq, text: text})
	if len(s.unacked) > maxUnacked {
		s.unacked = s.unacked[1:]
	}
	s.chatMu.Unlock()
	return l.chat.conn.SendNumbered(text, seq, time.Now())
}

// resendUnacked sends on new link l the lines the old one may have lost.
func (s *Session) resendUnacked(l *link) error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.chatMu.Lock()
	lines := slices.Clone(s.unacked)
	s.chatMu.Unlock()
	for _, line := range lines {
		if err := l.chat.conn.SendNumbered(line.text, line.seq, time.Now()); err != nil {
			return err
		}
	}
	return nil
}

// acked drops the lines up to seq: the other side has them.
func (s *Session) acked(seq uint64) {
	s.chatMu.Lock()
	defer s.chatMu.Unlock()
	i := 0
	for i < len(s.unacked) && s.unacked[i].seq <= seq {
		i++
	}
	s.unacked = s.unacked[i:]
}

// heard records the other side's line seq and acknowledges it; it says
// whether the line is new (not shown before).
func (s *Session) heard(seq uint64) bool {
	s.chatMu.Lock()
	fresh := seq > s.heardSeq
	if fresh {
		s.heardSeq = seq
	}
	s.chatMu.Unlock()
	_ = s.current().ss.SendStatus(stream.Status{Event: stream.StatusChatAck, Seq: seq})
	return fresh
}
