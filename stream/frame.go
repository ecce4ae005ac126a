package stream

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MsgType is the first byte of a frame.
type MsgType byte

// Message types. Values are part of the wire format: never reuse one.
const (
	MsgHello     MsgType = 1  // helper → novice: who I am
	MsgChallenge MsgType = 2  // novice → helper: who I am, a nonce, whether a password is needed
	MsgProof     MsgType = 3  // helper → novice: proof of the invitation (and password)
	MsgResult    MsgType = 4  // novice → helper: outcome of the proof or of the novice's decision
	MsgStatus    MsgType = 5  // either way, after acceptance: status events
	MsgChat      MsgType = 16 // either way on the chat protocol
)

// ErrFrameTooLarge is returned when a peer announces a frame over the limit.
var ErrFrameTooLarge = errors.New("stream: frame larger than the protocol allows")

// FrameReader reads frames with a size limit. It owns its buffered reader: never
// mix its reads with raw reads on the same stream.
type FrameReader struct {
	r   *bufio.Reader
	max int
}

// NewFrameReader reads frames of at most max bytes (type byte included) from r.
func NewFrameReader(r io.Reader, max int) *FrameReader {
	return &FrameReader{r: bufio.NewReaderSize(r, 512), max: max}
}

// ReadFrame returns the next frame's type and body. The body is a fresh slice.
func (fr *FrameReader) ReadFrame() (MsgType, []byte, error) {
	n, err := binary.ReadUvarint(fr.r)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, nil, io.EOF
		}
		return 0, nil, fmt.Errorf("reading frame length: %w", err)
	}
	if n == 0 {
		return 0, nil, errors.New("reading frame: empty frame")
	}
	if n > uint64(fr.max) {
		return 0, nil, fmt.Errorf("reading frame of %d bytes (limit %d): %w", n, fr.max, ErrFrameTooLarge)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(fr.r, buf); err != nil {
		return 0, nil, fmt.Errorf("reading frame body: %w", noEOF(err))
	}
	return MsgType(buf[0]), buf[1:], nil
}

// ReadJSON reads the next frame, checks its type is want and decodes its body into v.
func (fr *FrameReader) ReadJSON(want MsgType, v any) error {
	t, body, err := fr.ReadFrame()
	if err != nil {
		return err
	}
	if t != want {
		return fmt.Errorf("reading message: got type %d, want %d", t, want)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decoding message type %d: %w", t, err)
	}
	return nil
}

// AppendFrame appends one frame to dst.
func AppendFrame(dst []byte, t MsgType, body []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(body)+1))
	dst = append(dst, byte(t))
	return append(dst, body...)
}

// WriteJSON writes v as one frame of type t, refusing frames over max so a
// peer never receives what it must reject.
func WriteJSON(w io.Writer, max int, t MsgType, v any) error {
	// No HTML escaping: "<" as \u003c would triple a chat line's size for nothing.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encoding message type %d: %w", t, err)
	}
	body := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	if len(body)+1 > max {
		return fmt.Errorf("writing message type %d of %d bytes (limit %d): %w", t, len(body)+1, max, ErrFrameTooLarge)
	}
	if _, err := w.Write(AppendFrame(nil, t, body)); err != nil {
		return fmt.Errorf("writing message type %d: %w", t, err)
	}
	return nil
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
