package traversal

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// seq returns k bytes n, n+1, …: nonces and proofs in golden messages.
func seq(n byte, k int) []byte {
	b := make([]byte, k)
	for i := range b {
		b[i] = n + byte(i)
	}
	return b
}

// goldenPunch are the exact bytes of punch messages, as p2p wrote them with
// json.Encoder before this package existed: a change here is a wire change
// (see PunchProtocol).
var goldenPunch = []struct {
	name string
	m    PunchMessage
	wire string
}{
	{
		name: "plan",
		m:    PunchMessage{Nonce: seq(0, PunchNonceSize), Proof: seq(0xa0, 32), Role: RoleEasy, Addr: "203.0.113.7:4001"},
		wire: `{"nonce":"AAECAwQFBgcICQoLDA0ODw==","proof":"oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=","role":"easy","addr":"203.0.113.7:4001"}` + "\n",
	},
	{name: "answer", m: PunchMessage{Addr: "198.51.100.9:55000"}, wire: `{"addr":"198.51.100.9:55000"}` + "\n"},
	{name: "refusal", m: PunchMessage{Err: "not authorized"}, wire: `{"err":"not authorized"}` + "\n"},
	{name: "HTML characters are escaped", m: PunchMessage{Err: "<&>"}, wire: `{"err":"\u003c\u0026\u003e"}` + "\n"},
	{name: "empty", m: PunchMessage{}, wire: "{}\n"},
}

// goldenNAT are the exact bytes of NAT reports, as p2p wrote them with
// json.Marshal before this package existed (see NATReportProtocol).
var goldenNAT = []struct {
	name string
	r    NATReport
	wire string
}{
	{name: "unknown", r: NATReport{Mapping: MappingUnknown}, wire: `{"mapping":"unknown"}`},
	{
		name: "every field",
		r: NATReport{Mapping: MappingKeepsPorts, IPv6: true, MappingPending: true,
			ForwardedAddrs: []string{"/ip4/203.0.113.7/udp/4001/quic-v1", "/ip4/203.0.113.7/tcp/4001"}},
		wire: `{"mapping":"keeps-ports","ipv6":true,"mapping_pending":true,"forwarded_addrs":["/ip4/203.0.113.7/udp/4001/quic-v1","/ip4/203.0.113.7/tcp/4001"]}`,
	},
	{name: "changes ports", r: NATReport{Mapping: MappingChangesPorts}, wire: `{"mapping":"changes-ports"}`},
	{name: "empty", r: NATReport{}, wire: `{"mapping":""}`},
}

func TestPunchGolden(t *testing.T) {
	for _, tt := range goldenPunch {
		t.Run(tt.name, func(t *testing.T) { checkGolden(t, tt.m, tt.wire, ReadPunch, WritePunch) })
	}
}

func TestNATReportGolden(t *testing.T) {
	for _, tt := range goldenNAT {
		t.Run(tt.name, func(t *testing.T) { checkGolden(t, tt.r, tt.wire, ReadNATReport, WriteNATReport) })
	}
}

// checkGolden checks that m is written as wire, and that wire, followed by
// bytes the decoder must leave alone, reads as m.
func checkGolden[M any](t *testing.T, m M, wire string, read func(io.Reader) (M, error), write func(io.Writer, M) error) {
	var buf bytes.Buffer
	if err := write(&buf, m); err != nil {
		t.Fatal(err)
	}
	if buf.String() != wire {
		t.Errorf("written:\n got %s\nwant %s", buf.Bytes(), wire)
	}
	got, err := read(strings.NewReader(wire + "{next}"))
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Errorf("read %+v, %v; want %+v", got, err, m)
	}
}

func TestReadFailures(t *testing.T) {
	longAddr := strings.Repeat("a", MaxPunchMessage)
	for name, tt := range map[string]struct {
		in       string
		read     func(io.Reader) error
		tooLarge bool
	}{
		"a punch message over the cap": {in: `{"addr":"` + longAddr + `"}` + "\n", read: readPunch, tooLarge: true},
		"a punch message that never ends": {
			in: `{"addr":"` + strings.Repeat(" ", 2*MaxPunchMessage), read: readPunch, tooLarge: true,
		},
		"a NAT report over the cap": {
			in:   `{"mapping":"unknown","forwarded_addrs":["` + strings.Repeat("x", MaxNATReport) + `"]}`,
			read: readNAT, tooLarge: true,
		},
		"an empty stream":                {in: "", read: readPunch},
		"a punch message cut short":      {in: `{"addr":"1.2.3.4`, read: readPunch},
		"not JSON":                       {in: "hello\n", read: readPunch},
		"a nonce that is not base64":     {in: `{"nonce":"!!"}`, read: readPunch},
		"a role that is not a string":    {in: `{"role":1}`, read: readPunch},
		"a mapping that is not a string": {in: `{"mapping":["keeps-ports"]}`, read: readNAT},
		"a NAT report that is an array":  {in: `[]`, read: readNAT},
	} {
		t.Run(name, func(t *testing.T) {
			err := tt.read(strings.NewReader(tt.in))
			if err == nil || errors.Is(err, ErrTooLarge) != tt.tooLarge {
				t.Fatalf("error %v; want one (too large: %v)", err, tt.tooLarge)
			}
			t.Log(err)
		})
	}
}

func readPunch(r io.Reader) error { _, err := ReadPunch(r); return err }
func readNAT(r io.Reader) error   { _, err := ReadNATReport(r); return err }

func TestWriteRefusesOversize(t *testing.T) {
	var buf bytes.Buffer
	if err := WritePunch(&buf, PunchMessage{Err: strings.Repeat("x", MaxPunchMessage)}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("WritePunch of an oversize message: %v", err)
	}
	if err := WriteNATReport(&buf, NATReport{ForwardedAddrs: []string{strings.Repeat("x", MaxNATReport)}}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("WriteNATReport of an oversize report: %v", err)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %d bytes the peer must reject", buf.Len())
	}
}

// countingReader counts what is read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// FuzzReadPunch: ReadPunch must never panic or read past its cap, and what
// it accepts must be written back (if it fits) as a message that reads the
// same (see roundTrip).
func FuzzReadPunch(f *testing.F) {
	for _, g := range goldenPunch {
		f.Add([]byte(g.wire))
	}
	f.Add([]byte(`{"addr":"` + strings.Repeat("a", MaxPunchMessage) + `"}`))
	f.Add([]byte(`{"nonce":"!!"}`))
	f.Add([]byte(`{"err":"\ud800"}{"err":"second"}`))
	f.Fuzz(func(t *testing.T, in []byte) { roundTrip(t, in, MaxPunchMessage, ReadPunch, WritePunch) })
}

// FuzzReadNATReport is FuzzReadPunch for the NAT report.
func FuzzReadNATReport(f *testing.F) {
	for _, g := range goldenNAT {
		f.Add([]byte(g.wire))
	}
	f.Add([]byte(`{"mapping":"unknown","forwarded_addrs":["` + strings.Repeat("x", MaxNATReport) + `"]}`))
	f.Add([]byte(`{"mapping":5}`))
	f.Fuzz(func(t *testing.T, in []byte) { roundTrip(t, in, MaxNATReport, ReadNATReport, WriteNATReport) })
}

// roundTrip reads a message from in, checking that no more than limit
// bytes are read, and writes back what it accepted: that must read again,
// and write again as the same bytes (an empty nonce, read as empty, is left
// out and comes back nil, so the values themselves may differ). A message
// that escaping makes longer than the cap may be refused.
func roundTrip[M any](t *testing.T, in []byte, limit int, read func(io.Reader) (M, error), write func(io.Writer, M) error) {
	c := &countingReader{r: bytes.NewReader(in)}
	m, err := read(c)
	if c.n > limit {
		t.Fatalf("read %d bytes, cap %d", c.n, limit)
	}
	if err != nil {
		return
	}
	var buf bytes.Buffer
	if err := write(&buf, m); err != nil {
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("writing back %+v: %v", m, err)
		}
		return
	}
	wire := buf.String()
	m2, err := read(&buf)
	if err != nil {
		t.Fatalf("reading back %q: %v", wire, err)
	}
	if err := write(&buf, m2); err != nil || buf.String() != wire {
		t.Fatalf("read %+v, wrote %q, read %+v, wrote %q (%v)", m, wire, m2, buf.String(), err)
	}
}
