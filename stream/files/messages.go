package files

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// ErrTooLarge is returned when a message to send would not fit MaxMessage
// (an offer of too many or too long names).
var ErrTooLarge = errors.New("files: message larger than the protocol allows")

// malformed wraps a decoding error of message what with ErrMalformed.
func malformed(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
}

// frame makes one frame of type t around body, refusing a frame the peer
// would refuse.
func frame(dst []byte, t framing.MsgType, body []byte) ([]byte, error) {
	if len(body)+1 > MaxMessage {
		return dst, fmt.Errorf("%d bytes (limit %d): %w", len(body)+1, MaxMessage, ErrTooLarge)
	}
	return framing.AppendFrame(dst, t, body), nil
}

// AppendOffer appends o as one MsgOffer frame. It refuses an offer the
// receiver's decoder would refuse, with the decoder's reason.
func AppendOffer(dst []byte, o *Offer) ([]byte, error) {
	body := append([]byte(nil), o.ID[:]...)
	body = binary.AppendUvarint(body, uint64(len(o.Entries)))
	for _, e := range o.Entries {
		body = framing.AppendString(body, e.Name)
		body = binary.AppendUvarint(body, uint64(e.Size))
		body = binary.AppendUvarint(body, uint64(e.Mode))
	}
	body = binary.AppendUvarint(body, uint64(len(o.Skipped)))
	for _, s := range o.Skipped {
		body = framing.AppendString(body, s.Name)
		body = framing.AppendString(body, s.Reason)
	}
	if _, err := DecodeOffer(body); err != nil {
		return dst, fmt.Errorf("encoding offer: %w", err)
	}
	out, err := frame(dst, MsgOffer, body)
	if err != nil {
		return dst, fmt.Errorf("encoding offer of %d files: %w", len(o.Entries), err)
	}
	return out, nil
}

// DecodeOffer decodes a MsgOffer body. Every count and length is bounded
// before anything is allocated by it; names are checked for their lengths
// only (CheckNameLength), skipped names and reasons with CheckText.
func DecodeOffer(body []byte) (*Offer, error) {
	b := framing.NewBody(body)
	o := &Offer{}
	copy(o.ID[:], b.Bytes("id", IDSize))
	n := b.Int("file count", 1, MaxEntries)
	// Each entry takes at least 4 bytes (a 1-byte name and its length,
	// size, mode): a count is never trusted beyond what the body can hold.
	o.Entries = make([]Entry, 0, min(n, b.Left()/4))
	for i := range n {
		var e Entry
		e.Name = b.String("name", 1, MaxName)
		size := b.Uvarint("size")
		mode := b.Uvarint("mode")
		if b.Err() != nil {
			break
		}
		if err := CheckNameLength(e.Name); err != nil {
			b.Failf("the name of file %d %w", i, err)
		}
		if size > MaxSize {
			b.Failf("file %d has a size of %d bytes (the limit is %d)", i, size, uint64(MaxSize))
		}
		if mode > MaxMode {
			b.Failf("file %d has the mode %#o (only permission bits are allowed)", i, mode)
		}
		e.Size, e.Mode = int64(size), uint32(mode)
		o.Entries = append(o.Entries, e)
	}
	n = b.Int("skipped count", 0, MaxEntries)
	o.Skipped = make([]Skip, 0, min(n, b.Left()/3))
	for i := range n {
		s := Skip{Name: b.String("skipped name", 1, MaxName), Reason: b.String("skipped reason", 0, MaxReason)}
		if b.Err() != nil {
			break
		}
		if err := CheckText(s.Name); err != nil {
			b.Failf("skipped name %d %w", i, err)
		}
		if err := CheckText(s.Reason); err != nil {
			b.Failf("skipped reason %d %w", i, err)
		}
		o.Skipped = append(o.Skipped, s)
	}
	if err := b.End(); err != nil {
		return nil, malformed("offer", err)
	}
	return o, nil
}

// AppendAnswer appends a as one MsgAnswer frame, for offer o. It refuses
// an answer the sender's decoder would refuse.
func AppendAnswer(dst []byte, a *Answer, o *Offer) ([]byte, error) {
	var body []byte
	if !a.Accepted {
		body = framing.AppendString([]byte{0}, a.Reason)
	} else {
		body = binary.AppendUvarint([]byte{1}, uint64(len(a.Resume)))
		for _, r := range a.Resume {
			if r.Have {
				body = append(body, 1)
			} else {
				body = binary.AppendUvarint(append(body, 0), uint64(r.Offset))
			}
		}
	}
	if _, err := DecodeAnswer(body, o); err != nil {
		return dst, fmt.Errorf("encoding answer: %w", err)
	}
	return frame(dst, MsgAnswer, body)
}

// DecodeAnswer decodes a MsgAnswer body sent in reply to offer o: an
// accepting answer has exactly one Resume per entry, each offset a
// multiple of ChunkSize and at most the entry's size.
func DecodeAnswer(body []byte, o *Offer) (*Answer, error) {
	b := framing.NewBody(body)
	a := &Answer{}
	switch b.U8("accepted") {
	case 0:
		a.Reason = b.String("reason", 0, MaxReason)
		if err := CheckText(a.Reason); b.Err() == nil && err != nil {
			b.Failf("the reason %w", err)
		}
	case 1:
		a.Accepted = true
		n := b.Int("file count", len(o.Entries), len(o.Entries))
		a.Resume = make([]Resume, 0, min(n, b.Left()))
		for i := range n {
			var r Resume
			switch b.U8("state") {
			case 0:
				off := b.Uvarint("offset")
				if b.Err() == nil && (off%ChunkSize != 0 || off > uint64(o.Entries[i].Size)) {
					b.Failf("file %d: offset %d is not a multiple of %d within its %d bytes", i, off, ChunkSize, o.Entries[i].Size)
				}
				r.Offset = int64(off)
			case 1:
				r.Have = true
			default:
				b.Failf("file %d: unknown state", i)
			}
			if b.Err() != nil {
				break
			}
			a.Resume = append(a.Resume, r)
		}
	default:
		b.Failf("accepted is neither 0 nor 1")
	}
	if err := b.End(); err != nil {
		return nil, malformed("answer", err)
	}
	return a, nil
}

// chunkHeaderRoom is the most a chunk frame's header takes before its data:
// the frame header, index and offset uvarints, the hash.
const chunkHeaderRoom = framing.HeaderRoom + binary.MaxVarintLen64*2 + HashSize

// ChunkFrame builds chunk frames in one buffer, reused for every chunk of
// a transfer: the sender reads a file's bytes straight into Data and sends
// Seal's frame in one Write, with no copy and no allocation per chunk.
type ChunkFrame struct {
	buf []byte
}

// NewChunkFrame allocates the buffer: ChunkSize bytes and room for the
// header.
func NewChunkFrame() *ChunkFrame {
	return &ChunkFrame{buf: make([]byte, chunkHeaderRoom+ChunkSize)}
}

// Data is where the next chunk's bytes go: ChunkSize bytes.
func (c *ChunkFrame) Data() []byte { return c.buf[chunkHeaderRoom:] }

// Seal hashes the first n bytes of Data (1..ChunkSize) and returns the
// frame of the chunk at offset of file index, and its hash. The frame
// aliases the buffer: it is valid until the next use of Data.
func (c *ChunkFrame) Seal(index int, offset int64, n int) ([]byte, Hash) {
	if n < 1 || n > ChunkSize || index < 0 || offset < 0 {
		panic("files: ChunkFrame.Seal out of range")
	}
	h := HashChunk(c.buf[chunkHeaderRoom : chunkHeaderRoom+n])
	var hdr [binary.MaxVarintLen64*2 + HashSize]byte
	k := binary.PutUvarint(hdr[:], uint64(index))
	k += binary.PutUvarint(hdr[k:], uint64(offset))
	k += copy(hdr[k:], h[:])
	start := chunkHeaderRoom - k
	copy(c.buf[start:], hdr[:k])
	return framing.Roomed(c.buf[start-framing.HeaderRoom:chunkHeaderRoom+n], MsgChunk), h
}

// AppendChunk appends c as one MsgChunk frame, hashing nothing: c.Hash is
// sent as it is (tests use it to send a wrong one).
func AppendChunk(dst []byte, c Chunk) []byte {
	body := binary.AppendUvarint(nil, uint64(c.Index))
	body = binary.AppendUvarint(body, uint64(c.Offset))
	body = append(body, c.Hash[:]...)
	body = append(body, c.Data...)
	return framing.AppendFrame(dst, MsgChunk, body)
}

// DecodeChunk decodes a MsgChunk body; Data aliases body. Whether the
// chunk is the one the receiver expects (its index, offset and length),
// and whether its hash is right, is the receiver's check.
func DecodeChunk(body []byte) (Chunk, error) {
	b := framing.NewBody(body)
	var c Chunk
	c.Index = b.Int("index", 0, MaxEntries-1)
	off := b.Uvarint("offset")
	copy(c.Hash[:], b.Bytes("hash", HashSize))
	if b.Err() == nil && (off%ChunkSize != 0 || off >= MaxSize) {
		b.Failf("offset %d is not a multiple of %d below %d", off, ChunkSize, uint64(MaxSize))
	}
	if n := b.Left(); b.Err() == nil && (n < 1 || n > ChunkSize) {
		b.Failf("%d bytes of data (want 1..%d)", n, ChunkSize)
	}
	c.Offset = int64(off)
	c.Data = b.Bytes("data", b.Left())
	if err := b.End(); err != nil {
		return Chunk{}, malformed("chunk", err)
	}
	return c, nil
}

// AppendFileEnd appends e as one MsgFileEnd frame.
func AppendFileEnd(dst []byte, e FileEnd) []byte {
	body := binary.AppendUvarint(nil, uint64(e.Index))
	return framing.AppendFrame(dst, MsgFileEnd, append(body, e.Hash[:]...))
}

// DecodeFileEnd decodes a MsgFileEnd body.
func DecodeFileEnd(body []byte) (FileEnd, error) {
	b := framing.NewBody(body)
	var e FileEnd
	e.Index = b.Int("index", 0, MaxEntries-1)
	copy(e.Hash[:], b.Bytes("hash", HashSize))
	if err := b.End(); err != nil {
		return FileEnd{}, malformed("file end", err)
	}
	return e, nil
}

// AppendDone appends one MsgDone frame (its body is empty).
func AppendDone(dst []byte) []byte { return framing.AppendFrame(dst, MsgDone, nil) }

// DecodeDone checks a MsgDone body, which must be empty.
func DecodeDone(body []byte) error {
	if len(body) != 0 {
		return malformed("done", fmt.Errorf("%d bytes of trailing data", len(body)))
	}
	return nil
}

// AppendCancel appends c as one MsgCancel frame. A reason over MaxReason
// bytes is cut (at a character boundary), and one that fails CheckText is
// refused: it is a sentence this side wrote for the other side's user.
func AppendCancel(dst []byte, c Cancel) ([]byte, error) {
	reason := Truncate(c.Reason, MaxReason)
	body := framing.AppendString([]byte{byte(c.Kind)}, reason)
	if _, err := DecodeCancel(body); err != nil {
		return dst, fmt.Errorf("encoding cancel: %w", err)
	}
	return frame(dst, MsgCancel, body)
}

// DecodeCancel decodes a MsgCancel body.
func DecodeCancel(body []byte) (Cancel, error) {
	b := framing.NewBody(body)
	var c Cancel
	c.Kind = CancelKind(b.U8("kind"))
	if b.Err() == nil && c.Kind != CancelByUser && c.Kind != CancelFailed {
		b.Failf("unknown kind %d", c.Kind)
	}
	c.Reason = b.String("reason", 0, MaxReason)
	if err := CheckText(c.Reason); b.Err() == nil && err != nil {
		b.Failf("the reason %w", err)
	}
	if err := b.End(); err != nil {
		return Cancel{}, malformed("cancel", err)
	}
	return c, nil
}

// Truncate cuts s to at most n bytes at a character boundary, ending it
// with "…" when it was cut (n ≥ 3).
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xc0 != 0x80 }
