package stream

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/ra-p2p/ra-p2p/desktop"
	"github.com/ra-p2p/ra-p2p/stream/framing"
	"github.com/ra-p2p/ra-p2p/stream/screen"
)

// bufConn is a control stream that reads from r and writes to w.
func bufConn(r io.Reader, w io.Writer) *ControlConn {
	return NewControlConn(&struct {
		io.Reader
		io.Writer
	}{r, w})
}

// sentAt is 2026-11-25 09:46:40.123456789 UTC in Unix nanoseconds.
const sentAt = 1795600000123456789

// goldenControl are the exact bytes of every control op and input kind:
// "uvarint(length) type body". A change here is a wire change: see
// protocols.go.
var goldenControl = []struct {
	name string
	msg  *ControlMessage
	ev   *desktop.Event
	hex  string
}{
	{name: "request", msg: &ControlMessage{Op: ControlRequest}, hex: "03 30 01 00"},
	{name: "granted", msg: &ControlMessage{Op: ControlGranted}, hex: "03 30 02 00"},
	{name: "denied busy", msg: &ControlMessage{Op: ControlDenied, Reason: "busy"}, hex: "07 30 03 04 62757379"},
	{name: "revoked esc", msg: &ControlMessage{Op: ControlRevoked, Reason: "esc"}, hex: "06 30 04 03 657363"},
	{name: "released", msg: &ControlMessage{Op: ControlReleased}, hex: "03 30 05 00"},
	{name: "disabled", msg: &ControlMessage{Op: ControlDisabled}, hex: "03 30 06 00"},
	{name: "too soon", msg: &ControlMessage{Op: ControlTooSoon}, hex: "03 30 07 00"},
	{
		// x 100, y -3 (zig-zag c801, 05) | seq 1 | sent 2026-11-25 (9 bytes)
		name: "mouse move",
		ev:   &desktop.Event{Kind: desktop.MouseMove, X: 100, Y: -3, Seq: 1, SentUnixNano: sentAt},
		hex:  "10 31 01 00 c801 05 01 aab4e6e0f8aba0eb31",
	},
	{
		// flags down | x 1919, y 1079 | button 3 | seq 2 | sent 0
		name: "right button down",
		ev:   &desktop.Event{Kind: desktop.MouseButton, X: 1919, Y: 1079, Button: 3, Down: true, Seq: 2},
		hex:  "0a 31 02 01 fe1d ee10 03 02 00",
	},
	{
		// x -1, y 0 | dx 0, dy -10 | seq 300 | sent -1
		name: "wheel",
		ev:   &desktop.Event{Kind: desktop.Wheel, X: -1, DY: -10, Seq: 300, SentUnixNano: -1},
		hex:  "0a 31 03 00 01 00 00 13 ac02 01",
	},
	{
		// flags down | "Return" | seq 4 | sent 0
		name: "key down",
		ev:   &desktop.Event{Kind: desktop.Key, Key: "Return", Down: true, Seq: 4},
		hex:  "0c 31 04 01 06 52657475726e 04 00",
	},
	{
		// "é日" (5 bytes) | seq 5 | sent 0
		name: "text",
		ev:   &desktop.Event{Kind: desktop.Text, Text: "é日", Seq: 5},
		hex:  "0b 31 05 00 05 c3a9e697a5 05 00",
	},
}

func TestControlGolden(t *testing.T) {
	for _, tt := range goldenControl {
		t.Run(tt.name, func(t *testing.T) {
			want := unhex(t, tt.hex)
			var buf bytes.Buffer
			c := bufConn(&buf, &buf)
			var err error
			if tt.msg != nil {
				err = c.SendControl(*tt.msg)
			} else {
				err = c.SendInput(*tt.ev)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("sent:\n got %x\nwant %x", buf.Bytes(), want)
			}

			c = bufConn(bytes.NewReader(want), io.Discard)
			m, e, err := c.Receive()
			if err != nil {
				t.Fatalf("Receive: %v", err)
			}
			if !reflect.DeepEqual(m, tt.msg) || !reflect.DeepEqual(e, tt.ev) {
				t.Errorf("received %+v / %+v, want %+v / %+v", m, e, tt.msg, tt.ev)
			}
			if _, _, err := c.Receive(); err != io.EOF {
				t.Errorf("after the only frame: %v, want io.EOF", err)
			}
		})
	}
}

// TestControlSendDropsOtherFields: only the fields of an event's kind are
// sent, so what arrives is what the kind means.
func TestControlSendDropsOtherFields(t *testing.T) {
	var buf bytes.Buffer
	c := bufConn(&buf, &buf)
	in := []desktop.Event{
		{Kind: desktop.MouseMove, X: 1, Y: 2, Button: 1, Down: true, DX: 3, Key: "a", Text: "b", Seq: 7},
		{Kind: desktop.Key, X: 1, Y: 2, Button: 1, Down: false, Key: "a", Text: "b"},
		{Kind: desktop.Text, X: 1, Down: true, Key: "a", Text: "b", SentUnixNano: 9},
	}
	want := []desktop.Event{
		{Kind: desktop.MouseMove, X: 1, Y: 2, Seq: 7},
		{Kind: desktop.Key, Key: "a"},
		{Kind: desktop.Text, Text: "b", SentUnixNano: 9},
	}
	for _, e := range in {
		if err := c.SendInput(e); err != nil {
			t.Fatal(err)
		}
	}
	for i := range want {
		_, e, err := c.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if *e != want[i] {
			t.Errorf("sent %+v, received %+v, want %+v", in[i], *e, want[i])
		}
	}
}

// TestControlLargestFits: the largest event of each kind is far under the
// frame limit and round-trips.
func TestControlLargestFits(t *testing.T) {
	for _, e := range []desktop.Event{
		{Kind: desktop.Text, Text: strings.Repeat("日", desktop.MaxText/3) + "x", Seq: math.MaxUint64, SentUnixNano: math.MinInt64},
		{Kind: desktop.Key, Key: strings.Repeat("K", desktop.MaxKeyName), Down: true, Seq: math.MaxUint64, SentUnixNano: math.MaxInt64},
		{Kind: desktop.Wheel, X: -desktop.MaxCoord, Y: desktop.MaxCoord, DX: -desktop.MaxWheel, DY: desktop.MaxWheel, Seq: math.MaxUint64, SentUnixNano: math.MinInt64},
		{Kind: desktop.MouseButton, X: -desktop.MaxCoord, Y: -desktop.MaxCoord, Button: 2, Seq: math.MaxUint64, SentUnixNano: math.MinInt64},
	} {
		var buf bytes.Buffer
		c := bufConn(&buf, &buf)
		if err := c.SendInput(e); err != nil {
			t.Fatalf("%v: %v", e.Kind, err)
		}
		if n := buf.Len(); n > MaxControlMessage/2 {
			t.Errorf("the largest %v event takes %d bytes", e.Kind, n)
		}
		_, got, err := c.Receive()
		if err != nil {
			t.Fatalf("%v: %v", e.Kind, err)
		}
		if *got != e {
			t.Errorf("received %+v, want %+v", *got, e)
		}
	}
	var buf bytes.Buffer
	c := bufConn(&buf, &buf)
	m := ControlMessage{Op: ControlDenied, Reason: strings.Repeat("~", MaxControlReason)}
	if err := c.SendControl(m); err != nil {
		t.Fatal(err)
	}
	if got, _, err := c.Receive(); err != nil || *got != m {
		t.Errorf("received %+v, %v", got, err)
	}
}

func TestControlSendRejects(t *testing.T) {
	for name, send := range map[string]func(*ControlConn) error{
		"op 0": func(c *ControlConn) error { return c.SendControl(ControlMessage{}) },
		"op 8": func(c *ControlConn) error { return c.SendControl(ControlMessage{Op: 8}) },
		"a reason of 65 bytes": func(c *ControlConn) error {
			return c.SendControl(ControlMessage{Op: 3, Reason: strings.Repeat("x", 65)})
		},
		"a reason with a newline":    func(c *ControlConn) error { return c.SendControl(ControlMessage{Op: 3, Reason: "a\nb"}) },
		"a reason that is not ASCII": func(c *ControlConn) error { return c.SendControl(ControlMessage{Op: 3, Reason: "é"}) },
		"kind 0":                     func(c *ControlConn) error { return c.SendInput(desktop.Event{}) },
		"kind 6":                     func(c *ControlConn) error { return c.SendInput(desktop.Event{Kind: 6}) },
		"x beyond 2^20": func(c *ControlConn) error {
			return c.SendInput(desktop.Event{Kind: desktop.MouseMove, X: desktop.MaxCoord + 1})
		},
		"y below -2^20": func(c *ControlConn) error {
			return c.SendInput(desktop.Event{Kind: desktop.Wheel, Y: -desktop.MaxCoord - 1})
		},
		"button 0":               func(c *ControlConn) error { return c.SendInput(desktop.Event{Kind: desktop.MouseButton}) },
		"button 4":               func(c *ControlConn) error { return c.SendInput(desktop.Event{Kind: desktop.MouseButton, Button: 4}) },
		"11 wheel clicks":        func(c *ControlConn) error { return c.SendInput(desktop.Event{Kind: desktop.Wheel, DX: 11}) },
		"an empty key name":      func(c *ControlConn) error { return c.SendInput(desktop.Event{Kind: desktop.Key}) },
		"a key name with a dash": func(c *ControlConn) error { return c.SendInput(desktop.Event{Kind: desktop.Key, Key: "Alt-L"}) },
		"a key name of 33 bytes": func(c *ControlConn) error {
			return c.SendInput(desktop.Event{Kind: desktop.Key, Key: strings.Repeat("a", 33)})
		},
		"empty text": func(c *ControlConn) error { return c.SendInput(desktop.Event{Kind: desktop.Text}) },
		"text of 257 bytes": func(c *ControlConn) error {
			return c.SendInput(desktop.Event{Kind: desktop.Text, Text: strings.Repeat("a", 257)})
		},
		"invalid UTF-8 text": func(c *ControlConn) error { return c.SendInput(desktop.Event{Kind: desktop.Text, Text: "a\xffb"}) },
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := send(bufConn(nil, &buf)); err == nil {
				t.Fatal("no error")
			} else {
				t.Log(err)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %x", buf.Bytes())
			}
		})
	}
}

// inputFrame builds an input event frame by hand: kind, flags, then fields.
func inputFrame(kind, flags byte, fields ...[]byte) []byte {
	return framing.AppendFrame(nil, MsgControlInput, append([]byte{kind, flags}, bytes.Join(fields, nil)...))
}

func sv(v int64) []byte  { return binary.AppendVarint(nil, v) }
func uv(v uint64) []byte { return binary.AppendUvarint(nil, v) }
func str(s string) []byte {
	return append(uv(uint64(len(s))), s...)
}

// tail is seq 1, sent 0.
var tail = []byte{1, 0}

func TestControlReceiveFailures(t *testing.T) {
	isAny := func(err error) bool { return err != nil && err != io.EOF }
	for name, tt := range map[string]struct {
		in    []byte
		check func(error) bool // nil: isAny
	}{
		"a frame over 1 KiB is refused before its body arrives": {
			in:    uv(MaxControlMessage + 1),
			check: func(err error) bool { return errors.Is(err, framing.ErrFrameTooLarge) },
		},
		"a frame cut short is an unexpected EOF": {
			in:    unhex(t, "10 31 01 00 c801 05"),
			check: func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) },
		},
		"an empty frame is refused":                {in: []byte{0}},
		"a message of another protocol is refused": {in: framing.AppendFrame(nil, MsgChat, []byte(`{"text":"hi"}`))},
		"a screen message is refused":              {in: framing.AppendFrame(nil, screen.MsgAck, []byte{1})},

		"a control message without a body is refused": {in: framing.AppendFrame(nil, MsgControl, nil)},
		"op 0 is unknown": {in: framing.AppendFrame(nil, MsgControl, []byte{0, 0})},
		"op 8 is unknown": {in: framing.AppendFrame(nil, MsgControl, []byte{8, 0})},
		"a control message without its reason is truncated": {in: framing.AppendFrame(nil, MsgControl, []byte{1})},
		"a reason of 65 bytes is refused": {
			in: framing.AppendFrame(nil, MsgControl, append([]byte{3}, str(strings.Repeat("x", 65))...)),
		},
		"a reason longer than what is left is truncated": {
			in:    framing.AppendFrame(nil, MsgControl, []byte{3, 5, 'a', 'b'}),
			check: func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) },
		},
		"a reason with a control character is refused": {in: framing.AppendFrame(nil, MsgControl, append([]byte{4}, str("es\x1bc")...))},
		"a reason in UTF-8 is refused":                 {in: framing.AppendFrame(nil, MsgControl, append([]byte{4}, str("é")...))},
		"a control message with trailing bytes is refused": {
			in: framing.AppendFrame(nil, MsgControl, []byte{2, 0, 0}),
		},

		"an input event without a body is refused":      {in: framing.AppendFrame(nil, MsgControlInput, nil)},
		"an input event without flags is truncated":     {in: framing.AppendFrame(nil, MsgControlInput, []byte{1})},
		"input kind 0 is unknown":                       {in: inputFrame(0, 0, tail)},
		"input kind 6 is unknown":                       {in: inputFrame(6, 0, tail)},
		"unknown flag bits are refused":                 {in: inputFrame(1, 2, sv(0), sv(0), tail)},
		"the down flag on a mouse move is refused":      {in: inputFrame(1, 1, sv(0), sv(0), tail)},
		"the down flag on text is refused":              {in: inputFrame(5, 1, str("a"), tail)},
		"x beyond 2^20 is refused":                      {in: inputFrame(1, 0, sv(desktop.MaxCoord+1), sv(0), tail)},
		"y below -2^20 is refused":                      {in: inputFrame(2, 0, sv(0), sv(-desktop.MaxCoord-1), uv(1), tail)},
		"a coordinate of 2^62 is refused":               {in: inputFrame(1, 0, sv(1<<62), sv(0), tail)},
		"button 0 is refused":                           {in: inputFrame(2, 1, sv(0), sv(0), uv(0), tail)},
		"button 4 is refused":                           {in: inputFrame(2, 1, sv(0), sv(0), uv(4), tail)},
		"button 2^32+1 is refused":                      {in: inputFrame(2, 1, sv(0), sv(0), uv(1<<32+1), tail)},
		"11 wheel clicks are refused":                   {in: inputFrame(3, 0, sv(0), sv(0), sv(0), sv(11), tail)},
		"-11 wheel clicks are refused":                  {in: inputFrame(3, 0, sv(0), sv(0), sv(-11), sv(0), tail)},
		"a wheel event without its clicks is truncated": {in: inputFrame(3, 0, sv(0), sv(0), sv(1))},
		"an empty key name is refused":                  {in: inputFrame(4, 1, str(""), tail)},
		"a key name with a dash is refused":             {in: inputFrame(4, 1, str("Alt-L"), tail)},
		"a key name with a NUL is refused":              {in: inputFrame(4, 1, str("a\x00"), tail)},
		"a key name of 33 bytes is refused":             {in: inputFrame(4, 0, str(strings.Repeat("a", 33)), tail)},
		"a key name of 2^40 bytes is refused before reading it": {
			in: inputFrame(4, 0, uv(1<<40), []byte("abc")),
		},
		"empty text is refused":          {in: inputFrame(5, 0, str(""), tail)},
		"invalid UTF-8 text is refused":  {in: inputFrame(5, 0, str("a\xffb"), tail)},
		"a surrogate in text is refused": {in: inputFrame(5, 0, str("\xed\xa0\x80"), tail)},
		"text of 257 bytes is refused":   {in: inputFrame(5, 0, str(strings.Repeat("a", 257)), tail)},
		"text of 2^62 bytes is refused before reading it": {
			in: inputFrame(5, 0, uv(1<<62), []byte("abc")),
		},
		"text longer than what is left is truncated": {
			in:    inputFrame(5, 0, uv(10), []byte("abc")),
			check: func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) },
		},
		"an event without seq is truncated": {
			in:    inputFrame(1, 0, sv(0), sv(0)),
			check: func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) },
		},
		"an event without its sent time is truncated": {
			in:    inputFrame(1, 0, sv(0), sv(0), uv(1)),
			check: func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) },
		},
		"a seq over 64 bits is refused": {
			in: inputFrame(1, 0, sv(0), sv(0), bytes.Repeat([]byte{0xff}, 10), []byte{0x7f, 0}),
		},
		"an input event with trailing bytes is refused": {in: inputFrame(1, 0, sv(0), sv(0), tail, []byte{0})},
		"a key event with trailing bytes is refused":    {in: inputFrame(4, 1, str("a"), tail, []byte("junk"))},
	} {
		t.Run(name, func(t *testing.T) {
			c := bufConn(bytes.NewReader(tt.in), io.Discard)
			m, e, err := c.Receive()
			check := tt.check
			if check == nil {
				check = isAny
			}
			if !check(err) {
				t.Fatalf("Receive = %+v, %+v, %v", m, e, err)
			}
			if m != nil || e != nil {
				t.Errorf("a message with the error: %+v, %+v", m, e)
			}
			t.Log(err)
		})
	}
}

// TestControlConcurrent runs two goroutines sending input while the novice
// reads, and a control message the other way at the same time, over
// net.Pipe: every event arrives whole and in each sender's order, and a hang
// up is a clean io.EOF. synctest fails the test if a goroutine is left.
func TestControlConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hc, nc := net.Pipe()
		defer hc.Close()
		defer nc.Close()
		helper, novice := NewControlConn(hc), NewControlConn(nc)
		const perSender = 500

		var wg sync.WaitGroup
		for g := range uint64(2) {
			wg.Go(func() {
				for i := range uint64(perSender) {
					e := desktop.Event{Kind: desktop.MouseMove, X: int(i), Y: -int(i), Seq: g<<32 | i, SentUnixNano: int64(i)}
					if g == 1 {
						e = desktop.Event{Kind: desktop.Text, Text: strings.Repeat("é", int(i%100)+1), Seq: g<<32 | i}
					}
					if err := helper.SendInput(e); err != nil {
						t.Errorf("SendInput: %v", err)
						return
					}
				}
			})
		}
		// The novice takes control back while the helper is sending; the helper reads it.
		wg.Go(func() {
			if err := novice.SendControl(ControlMessage{Op: ControlRevoked, Reason: "esc"}); err != nil {
				t.Errorf("SendControl: %v", err)
			}
		})
		wg.Go(func() {
			m, e, err := helper.Receive()
			if err != nil || e != nil || *m != (ControlMessage{Op: ControlRevoked, Reason: "esc"}) {
				t.Errorf("helper received %+v, %+v, %v", m, e, err)
			}
		})

		var next [2]uint64
		for range 2 * perSender {
			m, e, err := novice.Receive()
			if err != nil {
				t.Fatalf("Receive after %v events: %v", next, err)
			}
			if m != nil || e == nil {
				t.Fatalf("received %+v, %+v", m, e)
			}
			g, i := e.Seq>>32, e.Seq&(1<<32-1)
			if g > 1 || i != next[g] {
				t.Fatalf("event %d of sender %d, want %d", i, g, next[min(g, 1)])
			}
			next[g]++
			want := desktop.Event{Kind: desktop.MouseMove, X: int(i), Y: -int(i), Seq: e.Seq, SentUnixNano: int64(i)}
			if g == 1 {
				want = desktop.Event{Kind: desktop.Text, Text: strings.Repeat("é", int(i%100)+1), Seq: e.Seq}
			}
			if *e != want {
				t.Fatalf("received %+v, want %+v", *e, want)
			}
		}
		wg.Wait()
		hc.Close()
		if _, _, err := novice.Receive(); err != io.EOF {
			t.Fatalf("after hang-up: %v, want io.EOF", err)
		}
		// Sending on a closed stream is an error, not a hang.
		if err := helper.SendControl(ControlMessage{Op: ControlReleased}); err == nil {
			t.Error("SendControl on a closed stream: no error")
		}
	})
}

func TestControlStrings(t *testing.T) {
	if s := ControlTooSoon.String() + " " + ControlOp(9).String() + " " + inputWheel.String() + " " + inputKind(0).String(); s != "too-soon control-op-9 wheel input-kind-0" {
		t.Errorf("names: %s", s)
	}
}

// FuzzControlDecode receives messages until the first error: it must never
// panic, return both or neither of a message and an event, or accept what
// the sender would refuse; what it accepts must encode back to the same.
func FuzzControlDecode(f *testing.F) {
	var all []byte
	for _, g := range goldenControl {
		b := unhex(f, g.hex)
		f.Add(b)
		all = append(all, b...)
	}
	f.Add(all)
	f.Add(inputFrame(4, 1, uv(1<<40), []byte("abc")))
	f.Add(inputFrame(5, 0, str("a\xffb"), tail))
	f.Add(inputFrame(3, 0, sv(0), sv(0), sv(0), sv(11), tail))
	f.Add(framing.AppendFrame(nil, MsgControl, []byte{2, 0, 0}))
	f.Add(uv(MaxControlMessage + 1))

	f.Fuzz(func(t *testing.T, in []byte) {
		c := bufConn(bytes.NewReader(in), io.Discard)
		for {
			m, e, err := c.Receive()
			if err != nil {
				if m != nil || e != nil {
					t.Fatalf("a message with the error %v", err)
				}
				if err != io.EOF && errors.Is(err, io.EOF) {
					t.Fatalf("wrapped io.EOF: %v", err)
				}
				return
			}
			if (m == nil) == (e == nil) {
				t.Fatalf("Receive = %v, %v", m, e)
			}
			var buf bytes.Buffer
			rt := bufConn(&buf, &buf)
			if m != nil {
				err = rt.SendControl(*m)
			} else {
				err = rt.SendInput(*e)
			}
			if err != nil {
				t.Fatalf("received %+v / %+v, which the sender refuses: %v", m, e, err)
			}
			m2, e2, err := rt.Receive()
			if err != nil {
				t.Fatalf("re-encoded %x: %v", buf.Bytes(), err)
			}
			if !reflect.DeepEqual(m, m2) || !reflect.DeepEqual(e, e2) {
				t.Fatalf("received %+v / %+v, then %+v / %+v after a round trip", m, e, m2, e2)
			}
		}
	})
}
