package framing

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MsgType is the first byte of a frame. Each protocol defines its own
// values (see the package documentation); they are part of its wire format.
type MsgType byte

// ErrFrameTooLarge is returned when a peer announces a frame over the limit,
// or a sender is asked to write one. Its text keeps the "stream:" of the
// package it was first defined in: it reaches logs.
var ErrFrameTooLarge = errors.New("stream: frame larger than the protocol allows")

// FrameReader reads frames with a size limit. It owns its buffered reader: never
// mix its reads with raw reads on the same stream.
type FrameReader struct {
	r   *bufio.Reader
	max int
	own []byte // ReadFrameReused's buffer
}

// NewFrameReader reads frames of at most max bytes (type byte included) from r.
func NewFrameReader(r io.Reader, max int) *FrameReader {
	return &FrameReader{r: bufio.NewReaderSize(r, 512), max: max}
}

// ReadFrame returns the next frame's type and body. The body is a fresh slice.
func (fr *FrameReader) ReadFrame() (MsgType, []byte, error) { return fr.ReadFrameInto(nil) }

// ReadFrameInto is ReadFrame reading the frame into buf when it fits
// (cap(buf) ≥ the frame's length), so that a reader of large frames (file
// chunks) reuses its buffers instead of allocating and clearing one per
// frame; the body then aliases buf, and is valid until buf is used again.
// A frame that does not fit gets a fresh slice.
func (fr *FrameReader) ReadFrameInto(buf []byte) (MsgType, []byte, error) {
	frame, err := fr.readInto(buf)
	if err != nil {
		return 0, nil, err
	}
	return MsgType(frame[0]), frame[1:], nil
}

// ReadFrameReused is ReadFrame into a buffer the reader keeps, grown to
// the largest frame so far: the body is valid until the next read. For a
// reader done with each frame before it reads the next (the screen's
// viewer: a frame every few milliseconds, garbage otherwise).
func (fr *FrameReader) ReadFrameReused() (MsgType, []byte, error) {
	frame, err := fr.readInto(fr.own)
	if err != nil {
		return 0, nil, err
	}
	if cap(frame) > cap(fr.own) {
		fr.own = frame
	}
	return MsgType(frame[0]), frame[1:], nil
}

// readInto reads the next frame, type byte included, into buf when it fits
// and into a fresh slice when not.
func (fr *FrameReader) readInto(buf []byte) ([]byte, error) {
	n, err := binary.ReadUvarint(fr.r)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("reading frame length: %w", err)
	}
	if n == 0 {
		return nil, errors.New("reading frame: empty frame")
	}
	if n > uint64(fr.max) {
		return nil, fmt.Errorf("reading frame of %d bytes (limit %d): %w", n, fr.max, ErrFrameTooLarge)
	}
	if uint64(cap(buf)) >= n {
		buf = buf[:n]
	} else {
		buf = make([]byte, n)
	}
	if _, err := io.ReadFull(fr.r, buf); err != nil {
		return nil, fmt.Errorf("reading frame body: %w", noEOF(err))
	}
	return buf, nil
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

// HeaderRoom is the most a frame header takes: the uvarint of a length up
// to MaxRoomed and the type byte.
const HeaderRoom = 5

// MaxRoomed is the largest frame (type byte and body) Roomed can make: a
// length of four uvarint bytes.
const MaxRoomed = 1<<28 - 1

// Roomed makes one frame of type t in place, without copying the body:
// buf holds HeaderRoom bytes of room, then the body. The frame is the end
// of buf, from where its header starts. Writers that build a body into a
// reused buffer use it to send header and body in one Write. The body must
// leave the frame at most MaxRoomed bytes (it is a programming error
// otherwise: protocols' limits are far below).
func Roomed(buf []byte, t MsgType) []byte {
	n := len(buf) - HeaderRoom + 1
	if len(buf) < HeaderRoom || n > MaxRoomed {
		panic("framing: Roomed needs HeaderRoom bytes of room and at most MaxRoomed bytes of frame")
	}
	start := HeaderRoom - 1 - UvarintLen(uint64(n))
	binary.PutUvarint(buf[start:], uint64(n))
	buf[HeaderRoom-1] = byte(t)
	return buf[start:]
}

// UvarintLen is how many bytes binary.AppendUvarint takes for v.
func UvarintLen(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
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
