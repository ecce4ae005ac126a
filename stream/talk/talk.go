package talk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// Message types. Values are part of the wire format: never reuse one.
const (
	MsgTalk        framing.MsgType = 0x50 // either way: a Message
	MsgVoicePacket framing.MsgType = 0x51 // either way: a Packet
)

// Limits, part of the wire format.
const (
	// MaxPayload is the largest Opus packet (RFC 6716, 3.4: 1275 bytes for
	// one frame; this protocol sends one frame a packet).
	MaxPayload = 1275
	// MaxReason bounds Message.Reason, in bytes.
	MaxReason = 64
	// PacketHeader is the size of a packet's header: type, seq, time.
	PacketHeader = 1 + 4 + 4
	// MaxMessage is the largest frame (type byte and body) on the stream.
	MaxMessage = PacketHeader + MaxPayload
)

// Op is what a MsgTalk says. Values are part of the wire format.
type Op uint8

const (
	// OpRequest (caller): my user wants to talk with you.
	OpRequest Op = 1
	// OpAllow (callee): my user allowed it; both talk from now on.
	OpAllow Op = 2
	// OpDecline (callee): my user declined, or cannot talk (Reason says
	// why: "declined", "busy", "no-sound"); the call is over.
	OpDecline Op = 3
	// OpStop (either): my user stopped talking; the call is over.
	OpStop Op = 4
	// OpMuted and OpUnmuted (either): my microphone is muted or open again.
	OpMuted   Op = 5
	OpUnmuted Op = 6
)

func (o Op) valid() bool { return o >= OpRequest && o <= OpUnmuted }

// Message is a MsgTalk.
type Message struct {
	Op     Op
	Reason string // 0..MaxReason bytes of printable ASCII
}

// Packet is a MsgVoicePacket: one Opus packet of the sender's microphone.
type Packet struct {
	Seq     uint32 // the sender's packet counter, wrapping
	Time    uint32 // the first sample's time in 48 kHz samples, wrapping
	Payload []byte // one Opus packet, 1..MaxPayload bytes
}

// ErrBadMessage wraps every rule a received message breaks.
var ErrBadMessage = errors.New("talk: bad message")

func checkMessage(m Message) error {
	if !m.Op.valid() {
		return fmt.Errorf("%w: op %d", ErrBadMessage, m.Op)
	}
	if len(m.Reason) > MaxReason {
		return fmt.Errorf("%w: reason of %d bytes", ErrBadMessage, len(m.Reason))
	}
	for i := 0; i < len(m.Reason); i++ {
		if c := m.Reason[i]; c < 0x20 || c > 0x7e {
			return fmt.Errorf("%w: reason byte %#x", ErrBadMessage, c)
		}
	}
	return nil
}

// AppendPacket appends p as a datagram: the type byte, then the body. It
// fails for a payload the receiver would refuse.
func AppendPacket(dst []byte, p Packet) ([]byte, error) {
	if len(p.Payload) == 0 || len(p.Payload) > MaxPayload {
		return dst, fmt.Errorf("%w: payload of %d bytes", ErrBadMessage, len(p.Payload))
	}
	dst = append(dst, byte(MsgVoicePacket))
	dst = binary.BigEndian.AppendUint32(dst, p.Seq)
	dst = binary.BigEndian.AppendUint32(dst, p.Time)
	return append(dst, p.Payload...), nil
}

// ParsePacket reads a datagram made by AppendPacket. The payload aliases b.
func ParsePacket(b []byte) (Packet, error) {
	if len(b) == 0 || framing.MsgType(b[0]) != MsgVoicePacket {
		return Packet{}, fmt.Errorf("%w: not a voice packet", ErrBadMessage)
	}
	return parsePacketBody(b[1:])
}

func parsePacketBody(body []byte) (Packet, error) {
	if len(body) < PacketHeader-1+1 || len(body) > PacketHeader-1+MaxPayload {
		return Packet{}, fmt.Errorf("%w: voice packet of %d bytes", ErrBadMessage, len(body))
	}
	return Packet{
		Seq:     binary.BigEndian.Uint32(body),
		Time:    binary.BigEndian.Uint32(body[4:]),
		Payload: body[8:],
	}, nil
}

// Conn reads and writes the voice protocol's frames on one stream. Send and
// SendPacket may be called from several goroutines; Receive from one.
type Conn struct {
	fr   *framing.FrameReader
	rbuf []byte // Receive's frames: a packet's payload aliases it

	mu  sync.Mutex // guards w and buf
	w   io.Writer
	buf []byte
}

// NewConn speaks the voice protocol over rw.
func NewConn(rw io.ReadWriter) *Conn {
	return &Conn{fr: framing.NewFrameReader(rw, MaxMessage), w: rw}
}

// Send writes m.
func (c *Conn) Send(m Message) error {
	if err := checkMessage(m); err != nil {
		return err
	}
	body := append([]byte{byte(m.Op)}, framing.AppendString(nil, m.Reason)...)
	return c.write(MsgTalk, body)
}

// SendPacket writes p on the stream (a connection without datagrams).
func (c *Conn) SendPacket(p Packet) error {
	b, err := AppendPacket(nil, p)
	if err != nil {
		return err
	}
	return c.write(MsgVoicePacket, b[1:])
}

func (c *Conn) write(t framing.MsgType, body []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = framing.AppendFrame(c.buf[:0], t, body)
	if _, err := c.w.Write(c.buf); err != nil {
		return fmt.Errorf("writing a voice message: %w", err)
	}
	return nil
}

// Receive reads the next frame: a Message (isPacket false), or a Packet
// (isPacket true), whose payload is valid until the next Receive.
func (c *Conn) Receive() (m Message, p Packet, isPacket bool, err error) {
	if c.rbuf == nil {
		c.rbuf = make([]byte, MaxMessage)
	}
	t, body, err := c.fr.ReadFrameInto(c.rbuf)
	if err != nil {
		return Message{}, Packet{}, false, err
	}
	switch t {
	case MsgTalk:
		r := framing.NewBody(body)
		m.Op = Op(r.U8("op"))
		m.Reason = r.String("reason", 0, MaxReason)
		if err := r.End(); err != nil {
			return Message{}, Packet{}, false, fmt.Errorf("%w: %v", ErrBadMessage, err)
		}
		if err := checkMessage(m); err != nil {
			return Message{}, Packet{}, false, err
		}
		return m, Packet{}, false, nil
	case MsgVoicePacket:
		p, err := parsePacketBody(body)
		return Message{}, p, err == nil, err
	}
	return Message{}, Packet{}, false, fmt.Errorf("%w: message type %#x", ErrBadMessage, t)
}
