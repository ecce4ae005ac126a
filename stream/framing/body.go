package framing

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Body reads the binary fields of one frame's body, in order, each named
// by what for its error. The first error sticks: later reads return zero
// values and keep it, so a decoder reads its fields in a row and checks Err
// once, or before it uses a value to size or index anything. Every length
// is checked against what is left before anything is sliced or allocated.
type Body struct {
	b   []byte
	err error
}

// NewBody reads body; the values it returns may alias it.
func NewBody(body []byte) *Body { return &Body{b: body} }

// Err is the first error, nil if every read so far succeeded.
func (r *Body) Err() error { return r.err }

// Left is how many bytes are still unread.
func (r *Body) Left() int { return len(r.b) }

// Fail records err unless an error is already recorded. Decoders use it
// for their own rules (an unknown flag, a forbidden combination).
func (r *Body) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// Failf is Fail with fmt.Errorf(format, args...).
func (r *Body) Failf(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

// U8 reads one byte.
func (r *Body) U8(what string) byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.Fail(fmt.Errorf("%s: %w", what, io.ErrUnexpectedEOF))
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

// Uvarint reads an unsigned varint of at most 64 bits.
func (r *Body) Uvarint(what string) uint64 { return next(r, what, "uvarint", binary.Uvarint) }

// Varint reads a zig-zag signed varint of at most 64 bits.
func (r *Body) Varint(what string) int64 { return next(r, what, "varint", binary.Varint) }

// next reads one varint with decode (binary.Uvarint or binary.Varint).
func next[T uint64 | int64](r *Body, what, kind string, decode func([]byte) (T, int)) T {
	if r.err != nil {
		return 0
	}
	v, n := decode(r.b)
	switch {
	case n == 0:
		r.Fail(fmt.Errorf("%s: %w", what, io.ErrUnexpectedEOF))
		return 0
	case n < 0:
		r.Failf("%s: %s over 64 bits", what, kind)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// Int reads a uvarint that must be within lo..hi (lo ≥ 0). After an error
// (this read's or an earlier one) it returns lo, so a caller that sizes
// something by it before checking Err never sees a value beyond its bounds.
func (r *Body) Int(what string, lo, hi int) int {
	v := r.Uvarint(what)
	if r.err == nil && (v < uint64(lo) || v > uint64(hi)) {
		r.Failf("%s %d is outside %d..%d", what, v, lo, hi)
	}
	if r.err != nil {
		return lo
	}
	return int(v)
}

// SInt reads an svarint that must be within lo..hi. After an error it
// returns the value of lo..hi nearest to 0, as Int returns lo.
func (r *Body) SInt(what string, lo, hi int) int {
	v := r.Varint(what)
	if r.err == nil && (v < int64(lo) || v > int64(hi)) {
		r.Failf("%s %d is outside %d..%d", what, v, lo, hi)
	}
	if r.err != nil {
		return max(lo, min(0, hi))
	}
	return int(v)
}

// Bytes reads n bytes, n ≤ Left(); the slice aliases the body (capacity n).
func (r *Body) Bytes(what string, n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.Fail(fmt.Errorf("%s of %d bytes, %d left: %w", what, n, len(r.b), io.ErrUnexpectedEOF))
		return nil
	}
	b := r.b[:n:n]
	r.b = r.b[n:]
	return b
}

// String reads a string: uvarint(len), then len bytes, lo ≤ len ≤ hi. The
// length is checked before anything is copied.
func (r *Body) String(what string, lo, hi int) string {
	n := r.Uvarint(what + " length")
	if r.err != nil {
		return ""
	}
	if n < uint64(lo) || n > uint64(hi) {
		r.Failf("%s of %d bytes (want %d..%d)", what, n, lo, hi)
		return ""
	}
	return string(r.Bytes(what, int(n)))
}

// End fails if bytes are left: every message says what comes last, and
// trailing data is a peer that speaks another version or lies about
// lengths. It returns Err.
func (r *Body) End() error {
	if r.err == nil && len(r.b) > 0 {
		r.Failf("%d bytes of trailing data", len(r.b))
	}
	return r.err
}

// AppendString appends s as the String above reads it.
func AppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
