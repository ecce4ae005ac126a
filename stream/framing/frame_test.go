package framing_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ra-p2p/ra-p2p/stream"
	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// These tests use the session and chat messages of package stream as
// samples: the framing is theirs too, and their bytes are known (stream's
// golden frames).

func TestAppendFrameAppends(t *testing.T) {
	got := framing.AppendFrame([]byte{0xee}, stream.MsgChat, nil)
	if want := []byte{0xee, 0x01, byte(stream.MsgChat)}; !bytes.Equal(got, want) {
		t.Errorf("AppendFrame = %x, want %x", got, want)
	}
}

func TestFrameAtLimit(t *testing.T) {
	const max = 300 // two-byte length
	body := bytes.Repeat([]byte{'x'}, max-1)
	in := framing.AppendFrame(nil, stream.MsgChat, body)
	in = framing.AppendFrame(in, stream.MsgStatus, []byte("y"))
	fr := framing.NewFrameReader(bytes.NewReader(in), max)
	typ, got, err := fr.ReadFrame()
	if err != nil || typ != stream.MsgChat || !bytes.Equal(got, body) {
		t.Fatalf("frame at the limit: type %d, %d bytes, err %v", typ, len(got), err)
	}
	typ, got, err = fr.ReadFrame()
	if err != nil || typ != stream.MsgStatus || string(got) != "y" {
		t.Fatalf("second frame: type %d, body %q, err %v", typ, got, err)
	}
	if _, _, err := fr.ReadFrame(); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}
}

// ReadFrameReused keeps one buffer, grown to the largest frame: a frame
// that fits is read into it (no allocation), one that does not grows it,
// and each body is the frame's own bytes whatever came before.
func TestReadFrameReusedGrowsOneBuffer(t *testing.T) {
	sizes := []int{5, 3, 200, 200, 50, 199, 1000, 7}
	var in []byte
	for i, n := range sizes {
		in = framing.AppendFrame(in, stream.MsgChat, bytes.Repeat([]byte{byte('a' + i)}, n))
	}
	fr := framing.NewFrameReader(bytes.NewReader(in), 2000)
	var prev []byte
	for i, n := range sizes {
		typ, body, err := fr.ReadFrameReused()
		if err != nil || typ != stream.MsgChat || !bytes.Equal(body, bytes.Repeat([]byte{byte('a' + i)}, n)) {
			t.Fatalf("frame %d (%d bytes): type %d, body %q, err %v", i, n, typ, body, err)
		}
		largest := slices.Max(sizes[:i+1])
		grew := i == 0 || n > slices.Max(sizes[:i])
		if same := prev != nil && &body[0] == &prev[0]; same == grew {
			t.Errorf("frame %d (%d bytes, largest so far %d): same buffer as before %v, want %v", i, n, largest, same, !grew)
		}
		prev = body
	}
	if _, _, err := fr.ReadFrameReused(); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}
}

func TestWriteJSONRefusesOversize(t *testing.T) {
	var buf bytes.Buffer
	err := framing.WriteJSON(&buf, stream.MaxSessionMessage, stream.MsgStatus, stream.Status{Event: "note", Text: strings.Repeat("x", stream.MaxSessionMessage)})
	if !errors.Is(err, framing.ErrFrameTooLarge) {
		t.Fatalf("err = %v, want ErrFrameTooLarge", err)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %d bytes of a frame the peer must reject", buf.Len())
	}
	if err := framing.WriteJSON(&buf, stream.MaxSessionMessage, stream.MsgStatus, func() {}); err == nil {
		t.Error("encoding a func: no error")
	}
}

func TestFrameReaderFailures(t *testing.T) {
	uvarint := func(n uint64) []byte { return binary.AppendUvarint(nil, n) }
	hello := framing.AppendFrame(nil, stream.MsgHello, []byte(`{"name":"Ann"}`))

	readFrame := func(fr *framing.FrameReader) error { _, _, err := fr.ReadFrame(); return err }
	readHello := func(fr *framing.FrameReader) error { var h stream.Hello; return fr.ReadJSON(stream.MsgHello, &h) }
	isAny := func(err error) bool { return err != nil && err != io.EOF && !errors.Is(err, framing.ErrFrameTooLarge) }

	for name, tt := range map[string]struct {
		in    []byte
		read  func(*framing.FrameReader) error // after the frames in skip
		skip  int                              // good frames read first
		check func(error) bool
	}{
		"a length one over the limit is refused before any body arrives": {
			in: uvarint(stream.MaxSessionMessage + 1), read: readFrame,
			check: func(err error) bool { return errors.Is(err, framing.ErrFrameTooLarge) },
		},
		"a length of 2^64-1 is refused as too large": {
			in: uvarint(^uint64(0)), read: readFrame,
			check: func(err error) bool { return errors.Is(err, framing.ErrFrameTooLarge) },
		},
		"a zero length is refused": {
			in: []byte{0x00}, read: readFrame, check: isAny,
		},
		"a body cut short is an unexpected EOF": {
			in: hello[:len(hello)-3], read: readFrame,
			check: func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) },
		},
		"a frame with its length only is an unexpected EOF": {
			in: []byte{0x05}, read: readFrame,
			check: func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) },
		},
		"a length cut short is an unexpected EOF": {
			in: []byte{0x80}, read: readFrame,
			check: func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) },
		},
		"a varint longer than 64 bits is refused": {
			in: bytes.Repeat([]byte{0xff}, 11), read: readFrame, check: isAny,
		},
		"a frame of the wrong type is refused by ReadJSON": {
			in: framing.AppendFrame(nil, stream.MsgProof, []byte(`{"name":"Ann"}`)), read: readHello, check: isAny,
		},
		"a body that is not JSON is refused": {
			in: framing.AppendFrame(nil, stream.MsgHello, []byte(`{"name":`)), read: readHello,
			check: func(err error) bool { var se *json.SyntaxError; return errors.As(err, &se) },
		},
		"JSON of the wrong shape is refused": {
			in: framing.AppendFrame(nil, stream.MsgHello, []byte(`{"name":5}`)), read: readHello,
			check: func(err error) bool { var te *json.UnmarshalTypeError; return errors.As(err, &te) },
		},
		"an empty body is refused by ReadJSON": {
			in: framing.AppendFrame(nil, stream.MsgHello, nil), read: readHello, check: isAny,
		},
		"an empty stream is a clean io.EOF": {
			in: nil, read: readFrame,
			check: func(err error) bool { return err == io.EOF },
		},
		"the end of the stream between frames is a clean io.EOF": {
			in: append(append([]byte{}, hello...), hello...), skip: 2, read: readHello,
			check: func(err error) bool { return err == io.EOF },
		},
		"a partial frame after a good one is an unexpected EOF": {
			in: append(append([]byte{}, hello...), hello[:4]...), skip: 1, read: readHello,
			check: func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) },
		},
	} {
		t.Run(name, func(t *testing.T) {
			fr := framing.NewFrameReader(bytes.NewReader(tt.in), stream.MaxSessionMessage)
			for i := range tt.skip {
				if err := readHello(fr); err != nil {
					t.Fatalf("good frame %d: %v", i, err)
				}
			}
			err := tt.read(fr)
			if !tt.check(err) {
				t.Fatalf("unexpected error: %v", err)
			}
			t.Logf("error: %v", err)
		})
	}
}

// FuzzFrameReader reads frames until the first error: it must never panic
// and never return a frame over the limit.
func FuzzFrameReader(f *testing.F) {
	// The session and chat messages of stream's golden frames, as seeds.
	var all []byte
	for _, m := range []struct {
		t framing.MsgType
		v any
	}{
		{stream.MsgHello, stream.Hello{Name: "Ann", App: "ra-p2p/0.1.0", Caps: []string{"chat"}}},
		{stream.MsgChallenge, stream.Challenge{Name: "Bob", Nonce: make([]byte, stream.NonceSize), PasswordRequired: true}},
		{stream.MsgProof, stream.Proof{MAC: make([]byte, 32)}},
		{stream.MsgResult, stream.Result{Outcome: stream.OutcomeWrongPassword, AttemptsLeft: 2}},
		{stream.MsgStatus, stream.Status{Event: "note", Text: strings.Repeat("x", 130)}},
		{stream.MsgChat, stream.ChatMessage{Text: "é ß 日本\nok", Sent: time.Unix(1795600000, 0)}},
	} {
		var b bytes.Buffer
		if err := framing.WriteJSON(&b, stream.MaxChatMessage, m.t, m.v); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes(), uint16(stream.MaxSessionMessage))
		all = append(all, b.Bytes()...)
	}
	f.Add(all, uint16(stream.MaxChatMessage))
	f.Add(all, uint16(64))
	f.Add(binary.AppendUvarint(nil, 1<<20), uint16(stream.MaxSessionMessage))
	f.Add(bytes.Repeat([]byte{0xff}, 11), uint16(stream.MaxSessionMessage))
	f.Add([]byte{0x00}, uint16(1))

	f.Fuzz(func(t *testing.T, in []byte, max uint16) {
		fr := framing.NewFrameReader(bytes.NewReader(in), int(max))
		total := 0
		for {
			_, body, err := fr.ReadFrame()
			if err != nil {
				if err != io.EOF && errors.Is(err, io.EOF) {
					t.Fatalf("wrapped io.EOF: %v", err)
				}
				return
			}
			if len(body)+1 > int(max) {
				t.Fatalf("frame of %d bytes over the limit %d", len(body)+1, max)
			}
			total += 1 + len(body) + 1 // at least one length byte
			if total > len(in) {
				t.Fatalf("read %d bytes of frames from %d bytes of input", total, len(in))
			}
		}
	})
}

func TestReadFrameIntoReuses(t *testing.T) {
	in := framing.AppendFrame(nil, stream.MsgChat, []byte("hello"))
	in = framing.AppendFrame(in, stream.MsgChat, bytes.Repeat([]byte{'x'}, 100))
	fr := framing.NewFrameReader(bytes.NewReader(in), 1000)
	buf := make([]byte, 0, 16)
	typ, body, err := fr.ReadFrameInto(buf)
	if err != nil || typ != stream.MsgChat || string(body) != "hello" || &body[:1][0] != &buf[:2][1] {
		t.Fatalf("a frame that fits: %q, %v (reused: %v)", body, err, err == nil && &body[:1][0] == &buf[:2][1])
	}
	typ, body, err = fr.ReadFrameInto(buf)
	if err != nil || typ != stream.MsgChat || len(body) != 100 || cap(buf) != 16 {
		t.Fatalf("a frame that does not fit: %d bytes, %v", len(body), err)
	}
}
