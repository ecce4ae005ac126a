package session

import (
	"context"
	"errors"
	"io"
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

// Run shows the other side's chat lines until the stream ends.
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
		s.Emit(Event{Kind: EventChat, From: s.PeerName, Text: m.Text})
	}
}

func (c *chatChannel) send(text string) error { return c.conn.Send(text, time.Now()) }
