package stream

// # Control protocol (/ra-p2p/control/1.0.0)
//
// The helper asks to control the novice's mouse and keyboard; the novice
// grants, denies or revokes; while control is granted the helper sends input
// events. Both kinds of message travel on the same stream, in both
// directions, each one frame (stream/framing) of at most MaxControlMessage
// bytes. Integers are unsigned LEB128 "uvarint" unless marked svarint
// (zig-zag, as encoding/binary.AppendVarint); a string is uvarint(len) then
// len bytes.
//
//	MsgControl (0x30), a ControlMessage:
//	  op      byte     ControlOp, 1..7
//	  reason  string   0..64 bytes of printable ASCII (0x20..0x7e), e.g. "esc"
//	  nothing after
//
//	MsgControlInput (0x31), a desktop.Event:
//	  kind    byte     1 MouseMove, 2 MouseButton, 3 Wheel, 4 Key, 5 Text
//	  flags   byte     bit 0 down (MouseButton and Key only); other bits are 0
//	  then by kind:
//	    MouseMove    x, y svarint                 -2^20..2^20 each, remote-screen pixels
//	    MouseButton  x, y svarint | button uvarint  button 1 left, 2 middle, 3 right
//	    Wheel        x, y svarint | dx, dy svarint  clicks, -10..10 each
//	    Key          key string                   1..32 bytes of [A-Za-z0-9_]: an X keysym name
//	    Text         text string                  1..256 bytes of valid UTF-8
//	  seq     uvarint  the sender's counter
//	  sent    svarint  the sender's clock, Unix nanoseconds (64 bits)
//	  nothing after
//
// A frame over MaxControlMessage, a type other than these two, or a body
// that breaks any rule above ends the stream (Receive returns an error; the
// caller resets the stream and logs it). The senders check the same rules, so
// a peer never receives what it must reject.
//
// The kind bytes are this protocol's own: desktop.EventKind is mapped to
// them and back through one table (inputKinds), never cast, so the
// domain's numbering can change without changing the wire.
//
// Trust: every field is a claim. The decoder bounds what it reads (string
// lengths are checked before anything is allocated, coordinates and clicks
// are range-checked, key names and texts are checked character by
// character), but it does not know who may send what: that a request comes
// from the helper, that input is only applied while the novice has granted
// control, that the coordinates are on the novice's screen, that a key is
// one the novice's desktop should receive, is the caller's to decide. Seq
// and SentUnixNano are for logs and latency measurements only; a peer's
// clock proves nothing.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// Control message types. Values are part of the wire format: never reuse one.
const (
	MsgControl      framing.MsgType = 0x30 // either way: a ControlMessage
	MsgControlInput framing.MsgType = 0x31 // helper → novice: an input event
)

// MaxControlReason bounds ControlMessage.Reason, in bytes. The limits of an
// input event are desktop's (MaxCoord, MaxWheel, MaxKeyName, MaxText), part
// of this wire format too.
const MaxControlReason = 64

// inputKind is the kind byte of an input event on the wire. Values are part
// of the wire format.
type inputKind uint8

const (
	inputMouseMove   inputKind = 1
	inputMouseButton inputKind = 2
	inputWheel       inputKind = 3
	inputKey         inputKind = 4
	inputText        inputKind = 5
)

// inputKinds is the one place where event kinds meet the protocol's kind
// bytes: each kind it carries, its byte, and the name its errors use.
var inputKinds = [...]struct {
	kind desktop.EventKind
	wire inputKind
	name string
}{
	{desktop.MouseMove, inputMouseMove, "mouse-move"},
	{desktop.MouseButton, inputMouseButton, "mouse-button"},
	{desktop.Wheel, inputWheel, "wheel"},
	{desktop.Key, inputKey, "key"},
	{desktop.Text, inputText, "text"},
}

func (k inputKind) String() string {
	for _, e := range inputKinds {
		if e.wire == k {
			return e.name
		}
	}
	return "input-kind-" + strconv.Itoa(int(k))
}

// wireKind is the kind byte of an event of kind k; false for a kind the
// protocol does not carry.
func wireKind(k desktop.EventKind) (inputKind, bool) {
	for _, e := range inputKinds {
		if e.kind == k {
			return e.wire, true
		}
	}
	return 0, false
}

// eventKind is the event kind of kind byte k; false for an unknown byte.
func eventKind(k inputKind) (desktop.EventKind, bool) {
	for _, e := range inputKinds {
		if e.wire == k {
			return e.kind, true
		}
	}
	return 0, false
}

// ControlOp is what a ControlMessage says. Values are part of the wire format.
type ControlOp uint8

const (
	ControlRequest  ControlOp = 1 // helper → novice: may I control?
	ControlGranted  ControlOp = 2 // novice → helper: yes
	ControlDenied   ControlOp = 3 // novice → helper: no, with a Reason
	ControlRevoked  ControlOp = 4 // novice → helper: taken back; Reason "esc", "button", "closed" or "ended"
	ControlReleased ControlOp = 5 // helper → novice: the helper gave control back
	ControlDisabled ControlOp = 6 // novice → helper: control is disabled for this invitation
	ControlTooSoon  ControlOp = 7 // novice → helper: request refused, too soon after the previous one
)

func (o ControlOp) String() string {
	switch o {
	case ControlRequest:
		return "request"
	case ControlGranted:
		return "granted"
	case ControlDenied:
		return "denied"
	case ControlRevoked:
		return "revoked"
	case ControlReleased:
		return "released"
	case ControlDisabled:
		return "disabled"
	case ControlTooSoon:
		return "too-soon"
	}
	return "control-op-" + strconv.Itoa(int(o))
}

// ControlMessage is a message of the control protocol other than an input event.
type ControlMessage struct {
	Op     ControlOp
	Reason string // ≤ MaxControlReason bytes of printable ASCII; may be empty
}

// ControlConn reads and writes the control protocol over one stream. Its
// Send methods may be called from several goroutines; Receive from one
// goroutine at a time.
type ControlConn struct {
	fr *framing.FrameReader

	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// NewControlConn wraps a control stream.
func NewControlConn(rw io.ReadWriter) *ControlConn {
	return &ControlConn{fr: framing.NewFrameReader(rw, MaxControlMessage), w: rw}
}

// SendControl writes one control message.
func (c *ControlConn) SendControl(m ControlMessage) error {
	if err := checkControlMessage(m); err != nil {
		return fmt.Errorf("sending control message: %w", err)
	}
	return c.send(MsgControl, func(b []byte) []byte { return appendControlMessage(b, m) })
}

// SendInput writes one input event. Only the fields of its Kind are sent
// (and Seq and SentUnixNano); the others are zero after Receive.
func (c *ControlConn) SendInput(e desktop.Event) error {
	if err := checkInputEvent(&e); err != nil {
		return fmt.Errorf("sending input event: %w", err)
	}
	return c.send(MsgControlInput, func(b []byte) []byte { return appendInputEvent(b, &e) })
}

// send writes one frame whose body appendBody produces, in one Write.
func (c *ControlConn) send(t framing.MsgType, appendBody func([]byte) []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := appendBody(append(c.buf[:0], make([]byte, framing.HeaderRoom)...))
	c.buf = b
	if n := len(b) - framing.HeaderRoom + 1; n > MaxControlMessage {
		return fmt.Errorf("sending control message type %#x of %d bytes (limit %d): %w", t, n, MaxControlMessage, framing.ErrFrameTooLarge)
	}
	if _, err := c.w.Write(framing.Roomed(b, t)); err != nil {
		return fmt.Errorf("sending control message type %#x: %w", t, err)
	}
	return nil
}

// Receive blocks for the next message: exactly one of the message and the
// event is non-nil. It returns io.EOF when the peer closed the stream between
// messages; any other error means the stream must be reset.
func (c *ControlConn) Receive() (*ControlMessage, *desktop.Event, error) {
	t, body, err := c.fr.ReadFrame()
	if err == io.EOF {
		return nil, nil, io.EOF
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading control message: %w", err)
	}
	switch t {
	case MsgControl:
		m, err := decodeControlMessage(body)
		if err != nil {
			return nil, nil, err
		}
		return &m, nil, nil
	case MsgControlInput:
		e, err := decodeInputEvent(body)
		if err != nil {
			return nil, nil, err
		}
		return nil, &e, nil
	}
	return nil, nil, fmt.Errorf("reading control message: unexpected type %#x", byte(t))
}

// checkControlMessage applies the decoder's rules to a message to send.
func checkControlMessage(m ControlMessage) error {
	if m.Op < ControlRequest || m.Op > ControlTooSoon {
		return fmt.Errorf("unknown op %d", m.Op)
	}
	return checkReason(m.Reason)
}

func checkReason(s string) error {
	if len(s) > MaxControlReason {
		return fmt.Errorf("reason of %d bytes (limit %d)", len(s), MaxControlReason)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return fmt.Errorf("reason %q: byte %#x is not printable ASCII", s, s[i])
		}
	}
	return nil
}

// checkInputEvent applies the decoder's rules to an event to send, and
// clears the fields its kind does not carry.
func checkInputEvent(e *desktop.Event) error {
	out := desktop.Event{Kind: e.Kind, Seq: e.Seq, SentUnixNano: e.SentUnixNano}
	switch e.Kind {
	case desktop.MouseMove, desktop.MouseButton, desktop.Wheel:
		if err := checkCoord("x", e.X); err != nil {
			return err
		}
		if err := checkCoord("y", e.Y); err != nil {
			return err
		}
		out.X, out.Y = e.X, e.Y
		switch e.Kind {
		case desktop.MouseButton:
			if e.Button < 1 || e.Button > 3 {
				return fmt.Errorf("button %d is outside 1..3", e.Button)
			}
			out.Button, out.Down = e.Button, e.Down
		case desktop.Wheel:
			if err := checkWheel("dx", e.DX); err != nil {
				return err
			}
			if err := checkWheel("dy", e.DY); err != nil {
				return err
			}
			out.DX, out.DY = e.DX, e.DY
		}
	case desktop.Key:
		if err := checkKeyName(e.Key); err != nil {
			return err
		}
		out.Key, out.Down = e.Key, e.Down
	case desktop.Text:
		if err := checkInputText(e.Text); err != nil {
			return err
		}
		out.Text = e.Text
	default:
		return fmt.Errorf("unknown input kind %d", e.Kind)
	}
	*e = out
	return nil
}

func checkCoord(what string, v int) error {
	if v < -desktop.MaxCoord || v > desktop.MaxCoord {
		return fmt.Errorf("%s %d is outside ±%d", what, v, desktop.MaxCoord)
	}
	return nil
}

func checkWheel(what string, v int) error {
	if v < -desktop.MaxWheel || v > desktop.MaxWheel {
		return fmt.Errorf("wheel %s %d is outside ±%d", what, v, desktop.MaxWheel)
	}
	return nil
}

func checkKeyName(s string) error {
	if len(s) < 1 || len(s) > desktop.MaxKeyName {
		return fmt.Errorf("key name of %d bytes (want 1..%d)", len(s), desktop.MaxKeyName)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return fmt.Errorf("key name %q: byte %#x is not one of [A-Za-z0-9_]", s, c)
		}
	}
	return nil
}

func checkInputText(s string) error {
	if len(s) < 1 || len(s) > desktop.MaxText {
		return fmt.Errorf("text of %d bytes (want 1..%d)", len(s), desktop.MaxText)
	}
	if !utf8.ValidString(s) {
		return errors.New("text is not valid UTF-8")
	}
	return nil
}

const inputFlagDown = 1 << 0

func appendControlMessage(b []byte, m ControlMessage) []byte {
	b = append(b, byte(m.Op))
	return framing.AppendString(b, m.Reason)
}

// appendInputEvent appends the body of a checked event.
func appendInputEvent(b []byte, e *desktop.Event) []byte {
	var flags byte
	if e.Down {
		flags |= inputFlagDown
	}
	k, _ := wireKind(e.Kind) // checked: a kind the protocol carries
	b = append(b, byte(k), flags)
	switch e.Kind {
	case desktop.MouseMove, desktop.MouseButton, desktop.Wheel:
		b = binary.AppendVarint(b, int64(e.X))
		b = binary.AppendVarint(b, int64(e.Y))
		switch e.Kind {
		case desktop.MouseButton:
			b = binary.AppendUvarint(b, uint64(e.Button))
		case desktop.Wheel:
			b = binary.AppendVarint(b, int64(e.DX))
			b = binary.AppendVarint(b, int64(e.DY))
		}
	case desktop.Key:
		b = framing.AppendString(b, e.Key)
	case desktop.Text:
		b = framing.AppendString(b, e.Text)
	}
	b = binary.AppendUvarint(b, e.Seq)
	return binary.AppendVarint(b, e.SentUnixNano)
}

// The decoders below check each field as they read it; after an earlier
// error a check fails too (on a zero value), and Fail keeps the first error.

func decodeControlMessage(body []byte) (ControlMessage, error) {
	r := framing.NewBody(body)
	m := ControlMessage{Op: ControlOp(r.U8("op"))}
	if err := checkControlMessage(ControlMessage{Op: m.Op}); err != nil {
		r.Fail(err)
	}
	m.Reason = r.String("reason", 0, MaxControlReason)
	if err := checkReason(m.Reason); err != nil {
		r.Fail(err)
	}
	if err := r.End(); err != nil {
		return ControlMessage{}, fmt.Errorf("reading control message: %w", err)
	}
	return m, nil
}

func decodeInputEvent(body []byte) (desktop.Event, error) {
	r := framing.NewBody(body)
	k := inputKind(r.U8("kind"))
	flags := r.U8("flags")
	kind, known := eventKind(k)
	if r.Err() == nil {
		switch {
		case !known:
			r.Fail(fmt.Errorf("unknown input kind %d", k))
		case flags&^inputFlagDown != 0:
			r.Fail(fmt.Errorf("unknown flags %#x", flags))
		case flags&inputFlagDown != 0 && k != inputMouseButton && k != inputKey:
			r.Fail(fmt.Errorf("the down flag on a %v event", k))
		}
	}
	e := desktop.Event{Kind: kind, Down: flags&inputFlagDown != 0}
	switch e.Kind {
	case desktop.MouseMove, desktop.MouseButton, desktop.Wheel:
		e.X = r.SInt("x", -desktop.MaxCoord, desktop.MaxCoord)
		e.Y = r.SInt("y", -desktop.MaxCoord, desktop.MaxCoord)
		switch e.Kind {
		case desktop.MouseButton:
			e.Button = r.Int("button", 1, 3)
		case desktop.Wheel:
			e.DX = r.SInt("wheel dx", -desktop.MaxWheel, desktop.MaxWheel)
			e.DY = r.SInt("wheel dy", -desktop.MaxWheel, desktop.MaxWheel)
		}
	case desktop.Key:
		e.Key = r.String("key name", 1, desktop.MaxKeyName)
		if err := checkKeyName(e.Key); err != nil {
			r.Fail(err)
		}
	case desktop.Text:
		e.Text = r.String("text", 1, desktop.MaxText)
		if err := checkInputText(e.Text); err != nil {
			r.Fail(err)
		}
	}
	e.Seq = r.Uvarint("seq")
	e.SentUnixNano = r.Varint("sent")
	if err := r.End(); err != nil {
		return desktop.Event{}, fmt.Errorf("reading input event: %w", err)
	}
	return e, nil
}
