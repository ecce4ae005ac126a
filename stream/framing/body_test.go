package framing

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/ra-p2p/ra-p2p/internal/wiretest"
)

// TestRoomedGolden: a frame made in place is the frame AppendFrame makes,
// whatever the length of its length.
func TestRoomedGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		body []byte
		hex  string // the frame's header
	}{
		{"empty body", nil, "01 31"},
		{"126 bytes: one length byte", make([]byte, 126), "7f 31"},
		{"127 bytes: two length bytes", make([]byte, 127), "8001 31"},
		{"16383 bytes: three length bytes", make([]byte, 16383), "808001 31"},
		{"4 MiB: four length bytes", make([]byte, 4<<20), "81808002 31"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			buf := append(make([]byte, HeaderRoom, HeaderRoom+len(tt.body)), tt.body...)
			got := Roomed(buf, 0x31)
			want := append(wiretest.Unhex(t, tt.hex), tt.body...)
			if !bytes.Equal(got, want) || !bytes.Equal(got, AppendFrame(nil, 0x31, tt.body)) {
				t.Errorf("Roomed: header %x, want %x", got[:min(len(got), 5)], want[:min(len(want), 5)])
			}
		})
	}
}

// TestBodyGolden reads known bytes field by field.
func TestBodyGolden(t *testing.T) {
	// u8 7 | uvarint 300 | svarint -3 | Int 1..3: 2 | SInt ±10: -10 |
	// string "é" | 2 bytes | nothing after
	r := NewBody(wiretest.Unhex(t, "07 ac02 05 02 13 02c3a9 abcd"))
	u8, uv, sv := r.U8("a"), r.Uvarint("b"), r.Varint("c")
	i, si := r.Int("d", 1, 3), r.SInt("e", -10, 10)
	s, b := r.String("f", 0, 2), r.Bytes("g", 2)
	if err := r.End(); err != nil || u8 != 7 || uv != 300 || sv != -3 || i != 2 || si != -10 || s != "é" || !bytes.Equal(b, []byte{0xab, 0xcd}) {
		t.Fatalf("read %d %d %d %d %d %q %x, %v", u8, uv, sv, i, si, s, b, err)
	}
	if got := AppendString(nil, "é"); !bytes.Equal(got, wiretest.Unhex(t, "02c3a9")) {
		t.Errorf("AppendString = %x", got)
	}
}

func TestBodyFailures(t *testing.T) {
	for name, tt := range map[string]struct {
		hex  string
		read func(r *Body)
		eof  bool // the error is io.ErrUnexpectedEOF
	}{
		"a byte past the end":                   {"", func(r *Body) { r.U8("a") }, true},
		"a uvarint cut short":                   {"80", func(r *Body) { r.Uvarint("a") }, true},
		"a uvarint over 64 bits":                {"ffffffffffffffffff7f", func(r *Body) { r.Uvarint("a") }, false},
		"a varint cut short":                    {"ff", func(r *Body) { r.Varint("a") }, true},
		"a number over its bound":               {"04", func(r *Body) { r.Int("a", 1, 3) }, false},
		"a number under its bound":              {"00", func(r *Body) { r.Int("a", 1, 3) }, false},
		"a signed number out of bounds":         {"15", func(r *Body) { r.SInt("a", -10, 10) }, false},
		"a string longer than allowed":          {"03616263", func(r *Body) { r.String("a", 0, 2) }, false},
		"a string of 2^62 bytes, refused first": {"80808080808080804001", func(r *Body) { r.String("a", 0, 2) }, false},
		"a string longer than what is left":     {"0261", func(r *Body) { r.String("a", 0, 5) }, true},
		"bytes past the end":                    {"01", func(r *Body) { r.Bytes("a", 2) }, true},
		"trailing data":                         {"0102", func(r *Body) { r.U8("a") }, false},
	} {
		t.Run(name, func(t *testing.T) {
			r := NewBody(wiretest.Unhex(t, tt.hex))
			tt.read(r)
			err := r.End()
			if err == nil || errors.Is(err, io.ErrUnexpectedEOF) != tt.eof {
				t.Fatalf("error %v, want one (unexpected EOF: %v)", err, tt.eof)
			}
			first := err
			r.U8("after")
			if r.Err() != first {
				t.Errorf("a later read replaced the first error %v with %v", first, r.Err())
			}
		})
	}
}

// FuzzBody reads fields chosen by ops from body: it must never panic, read
// past the body, return more bytes than asked, or forget its first error.
func FuzzBody(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6}, []byte{7, 0xac, 2, 5, 2, 0x13, 2, 0xc3, 0xa9, 0xab, 0xcd})
	f.Add([]byte{6, 6, 6}, binary.AppendUvarint(nil, 1<<62))
	f.Add([]byte{1, 1}, bytes.Repeat([]byte{0xff}, 11))
	f.Fuzz(func(t *testing.T, ops, body []byte) {
		r := NewBody(body)
		var first error
		for _, op := range ops {
			left := r.Left()
			lo, hi := int(op>>3&3), int(op>>3&3)+int(op>>5)
			switch op & 7 {
			case 0:
				r.U8("u8")
			case 1:
				r.Uvarint("uvarint")
			case 2:
				r.Varint("varint")
			case 3:
				if v := r.Int("int", lo, hi); v < lo || v > hi {
					t.Fatalf("Int = %d outside %d..%d", v, lo, hi)
				}
			case 4:
				if v := r.SInt("sint", lo-hi, hi); v < lo-hi || v > hi {
					t.Fatalf("SInt = %d outside %d..%d", v, lo-hi, hi)
				}
			case 5:
				if b := r.Bytes("bytes", hi); b != nil && len(b) != hi {
					t.Fatalf("Bytes(%d) = %d bytes", hi, len(b))
				}
			case 6:
				if s := r.String("string", lo, hi); len(s) > hi {
					t.Fatalf("String of %d bytes, limit %d", len(s), hi)
				}
			case 7:
				r.End()
			}
			if r.Left() > left {
				t.Fatalf("%d bytes left after %d", r.Left(), left)
			}
			if first == nil {
				first = r.Err()
			} else if r.Err() != first {
				t.Fatalf("error %v replaced by %v", first, r.Err())
			}
		}
	})
}
