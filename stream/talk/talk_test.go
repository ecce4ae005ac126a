package talk

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/ra-p2p/ra-p2p/stream/framing"
)

// Golden bytes: what a peer of this protocol version sends, byte for byte.
func TestGoldenBytes(t *testing.T) {
	var b bytes.Buffer
	c := NewConn(&b)
	if err := c.Send(Message{Op: OpRequest}); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(Message{Op: OpDecline, Reason: "busy"}); err != nil {
		t.Fatal(err)
	}
	if err := c.SendPacket(Packet{Seq: 0x01020304, Time: 0xfffffff0, Payload: []byte{0xfc, 0xff}}); err != nil {
		t.Fatal(err)
	}
	want := "03500100" + "0750030462757379" + "0b51" + "01020304" + "fffffff0" + "fcff"
	if got := hex.EncodeToString(b.Bytes()); got != want {
		t.Fatalf("wire bytes\n got %s\nwant %s", got, want)
	}
	dg, err := AppendPacket(nil, Packet{Seq: 7, Time: 960, Payload: []byte{0x78}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(dg), "51"+"00000007"+"000003c0"+"78"; got != want {
		t.Fatalf("datagram\n got %s\nwant %s", got, want)
	}
}

func TestRoundTripOverPipe(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	sender, receiver := NewConn(a), NewConn(b)
	payload := bytes.Repeat([]byte{0xab}, MaxPayload)
	go func() {
		sender.Send(Message{Op: OpRequest})
		sender.SendPacket(Packet{Seq: 1, Time: 480, Payload: payload})
		sender.Send(Message{Op: OpMuted, Reason: "button"})
		a.Close()
	}()
	m, _, isPacket, err := receiver.Receive()
	if err != nil || isPacket || m.Op != OpRequest {
		t.Fatalf("first: %+v packet=%v err=%v", m, isPacket, err)
	}
	_, p, isPacket, err := receiver.Receive()
	if err != nil || !isPacket || p.Seq != 1 || p.Time != 480 || !bytes.Equal(p.Payload, payload) {
		t.Fatalf("packet: seq %d time %d %d bytes packet=%v err=%v", p.Seq, p.Time, len(p.Payload), isPacket, err)
	}
	m, _, _, err = receiver.Receive()
	if err != nil || m.Op != OpMuted || m.Reason != "button" {
		t.Fatalf("third: %+v err=%v", m, err)
	}
	if _, _, _, err := receiver.Receive(); err != io.EOF {
		t.Fatalf("after the end: %v, want io.EOF", err)
	}
}

// What a hostile or broken peer may send is refused, and what the
// receiver would refuse is never sent.
func TestRefusals(t *testing.T) {
	frames := map[string][]byte{
		"op 0":              framing.AppendFrame(nil, MsgTalk, []byte{0, 0}),
		"op 7":              framing.AppendFrame(nil, MsgTalk, []byte{7, 0}),
		"reason control":    framing.AppendFrame(nil, MsgTalk, []byte{1, 1, '\n'}),
		"reason too long":   framing.AppendFrame(nil, MsgTalk, append([]byte{1, 65}, bytes.Repeat([]byte{'a'}, 65)...)),
		"reason cut short":  framing.AppendFrame(nil, MsgTalk, []byte{1, 4, 'a'}),
		"trailing byte":     framing.AppendFrame(nil, MsgTalk, []byte{1, 0, 0}),
		"packet no payload": framing.AppendFrame(nil, MsgVoicePacket, make([]byte, 8)),
		"packet cut short":  framing.AppendFrame(nil, MsgVoicePacket, make([]byte, 5)),
		"other protocol":    framing.AppendFrame(nil, 0x10, []byte("{}")),
		"too large":         framing.AppendFrame(nil, MsgVoicePacket, make([]byte, MaxMessage)),
	}
	for name, frame := range frames {
		c := NewConn(bytes.NewBuffer(frame))
		if _, _, _, err := c.Receive(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	var sink bytes.Buffer
	c := NewConn(&sink)
	for _, m := range []Message{{Op: 0}, {Op: 9}, {Op: OpStop, Reason: "tab\t"}, {Op: OpStop, Reason: string(bytes.Repeat([]byte{'x'}, 65))}} {
		if err := c.Send(m); !errors.Is(err, ErrBadMessage) {
			t.Errorf("Send(%+v): %v, want ErrBadMessage", m, err)
		}
	}
	for _, n := range []int{0, MaxPayload + 1} {
		if err := c.SendPacket(Packet{Payload: make([]byte, n)}); !errors.Is(err, ErrBadMessage) {
			t.Errorf("SendPacket of %d bytes: %v, want ErrBadMessage", n, err)
		}
	}
	if sink.Len() != 0 {
		t.Errorf("%d bytes written for refused messages", sink.Len())
	}
	for _, dg := range [][]byte{nil, {0x51}, {0x50, 1, 0}, append([]byte{0x51}, make([]byte, 8)...)} {
		if _, err := ParsePacket(dg); err == nil {
			t.Errorf("datagram %x accepted", dg)
		}
	}
}

func FuzzReceive(f *testing.F) {
	var b bytes.Buffer
	c := NewConn(&b)
	c.Send(Message{Op: OpAllow, Reason: "ok"})
	c.SendPacket(Packet{Seq: 1, Time: 2, Payload: []byte{3, 4}})
	f.Add(b.Bytes())
	f.Add([]byte{0x02, 0x50, 0x09})
	f.Fuzz(func(t *testing.T, in []byte) {
		c := NewConn(bytes.NewBuffer(in))
		for {
			m, p, isPacket, err := c.Receive()
			if err != nil {
				return
			}
			// Whatever was accepted is sent again unchanged.
			var out bytes.Buffer
			w := NewConn(&out)
			if isPacket {
				if err := w.SendPacket(p); err != nil {
					t.Fatalf("accepted packet not sendable: %v", err)
				}
			} else if err := w.Send(m); err != nil {
				t.Fatalf("accepted message %+v not sendable: %v", m, err)
			}
		}
	})
}

func FuzzParsePacket(f *testing.F) {
	dg, _ := AppendPacket(nil, Packet{Seq: 1, Time: 2, Payload: []byte{3}})
	f.Add(dg)
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := ParsePacket(in)
		if err != nil {
			return
		}
		out, err := AppendPacket(nil, p)
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("parse then append: %x, %v; want %x", out, err, in)
		}
	})
}
