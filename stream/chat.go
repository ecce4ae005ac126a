package stream

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// MsgChat is the one message type of the chat protocol, either way. Its
// value is part of the wire format.
const MsgChat framing.MsgType = 16

// MaxChatRunes bounds one chat line as shown to the user.
const MaxChatRunes = 2000

// ChatMessage is one line of chat.
type ChatMessage struct {
	Text string    `json:"text"`
	Sent time.Time `json:"sent"` // the sender's clock: a claim, shown only as a hint
	// Seq numbers the sender's lines 1, 2, 3… over the whole session (since
	// 2026-12-05; 0 from older peers): the receiver acknowledges it
	// (StatusChatAck) and drops a line it has shown already, which a
	// resumed session sends again when its acknowledgement was lost.
	Seq uint64 `json:"seq,omitempty"`
}

// Chat reads and writes chat messages over one stream. Send may be called from
// any goroutine; Receive from one goroutine at a time.
type Chat struct {
	fr *framing.FrameReader
	mu sync.Mutex
	w  io.Writer
}

// NewChat wraps a chat stream.
func NewChat(rw io.ReadWriter) *Chat {
	return &Chat{fr: framing.NewFrameReader(rw, MaxChatMessage), w: rw}
}

// Send writes one chat line.
func (c *Chat) Send(text string, now time.Time) error { return c.SendNumbered(text, 0, now) }

// SendNumbered writes one chat line numbered seq (ChatMessage.Seq).
func (c *Chat) SendNumbered(text string, seq uint64, now time.Time) error {
	text = cleanText(text, MaxChatRunes, true)
	if text == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := framing.WriteJSON(c.w, MaxChatMessage, MsgChat, ChatMessage{Text: text, Sent: now.UTC().Truncate(time.Millisecond), Seq: seq}); err != nil {
		return fmt.Errorf("sending chat: %w", err)
	}
	return nil
}

// Receive blocks for the next chat line; io.EOF when the peer closed the stream.
func (c *Chat) Receive() (ChatMessage, error) {
	var m ChatMessage
	if err := c.fr.ReadJSON(MsgChat, &m); err != nil {
		return m, err
	}
	m.Text = cleanText(m.Text, MaxChatRunes, true)
	return m, nil
}

// Session is the session stream after acceptance: status events both ways.
type Session struct {
	fr *framing.FrameReader
	mu sync.Mutex
	w  io.Writer
}

// SendStatus writes one status event.
func (s *Session) SendStatus(st Status) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return framing.WriteJSON(s.w, MaxSessionMessage, MsgStatus, st)
}

// ReceiveStatus blocks for the next status event. Frames of other types
// (a newer peer's messages) are skipped: ending the session over them would
// also cut the chat line sent just before.
func (s *Session) ReceiveStatus() (Status, error) {
	var st Status
	for {
		t, body, err := s.fr.ReadFrame()
		if err != nil {
			return st, err
		}
		if t != MsgStatus {
			continue
		}
		if err := json.Unmarshal(body, &st); err != nil {
			return st, fmt.Errorf("decoding status: %w", err)
		}
		break
	}
	st.Text = cleanText(st.Text, 200, false)
	return st, nil
}
